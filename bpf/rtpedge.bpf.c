// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rtpedge.bpf.c - the XDP fast path: relays RTP and RTCP between the two
 * legs of a session in the driver, so established media never reaches the
 * stack or the daemon.
 *
 * A packet to a relay port of an XDP leg, from that leg's peer, is
 * rewritten towards the opposite leg's peer and sent with XDP_TX or
 * XDP_REDIRECT; anything else is passed to the kernel untouched (where the
 * daemon's sockets relay it), handed to the daemon (rtpe_punt) or dropped.
 * Every exit is counted once, in rtpe_xdp_verdicts, under its reason
 * (include/rtpedge.h).
 *
 * The file reads in the order a packet meets it: parse, leg lookup,
 * source check, route, the leg's counters and RTP state, rewrite, verdict.
 * The maps are in maps.h, the route cache in route.h. Per packet: array
 * lookups only (the verifier inlines them), no loops, time in jiffies (one
 * load); the costlier nanosecond clock is read only for the RTP packets
 * jitter sampling needs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "rtpedge.h"
#include "rtpe_rtp.h"
#include "parse.h"
#include "csum.h"
#include "maps.h"
#include "route.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Not a verdict: "go on to the next stage". */
#define RTPE_V_CONTINUE RTPE_V_MAX

/* What the stages learn about the packet, filled top to bottom. */
struct pkt {
	struct ethhdr *eth;
	struct iphdr *ip;
	struct udphdr *udp;
	void *payload;     /* the UDP payload (RTP or RTCP) */
	void *end;         /* ctx->data_end */
	__u32 payload_len; /* UDP length - 8, validated against the frame */
	bool tagged;       /* one 802.1Q tag */
	bool rtcp;         /* odd destination port */
	const struct rtpe_config *cfg;
	/* copied once from the leg: userspace may rewrite it meanwhile */
	__be32 out_src, out_dst;
	__be16 out_sport, out_dport;
	__u32 clock_rate;
	struct rtpe_leg_state *st; /* the leg's line (NULL: none) */
};

/* ---- parse ----------------------------------------------------------------- */

/*
 * IPv4 tot_len and UDP length against each other and the frame. Only
 * packets to our ports get here: for them an inconsistent length is an
 * attack or corruption, not something to hand to the daemon. A frame
 * longer than tot_len (Ethernet padding) is fine.
 */
static __always_inline enum rtpe_verdict relay_lengths(struct pkt *p, struct cursor *c)
{
	__u32 present = c->end - (void *)p->ip;
	__u32 tot_len = bpf_ntohs(p->ip->tot_len);
	__u32 udp_len = bpf_ntohs(p->udp->len);

	if (tot_len > present || tot_len < RTPE_IPV4_HLEN + RTPE_UDP_HLEN)
		return RTPE_V_DROP_MALFORMED;
	if (udp_len < RTPE_UDP_HLEN || udp_len > tot_len - RTPE_IPV4_HLEN)
		return RTPE_V_DROP_MALFORMED;
	p->payload = c->pos;
	p->end = c->end;
	p->payload_len = udp_len - RTPE_UDP_HLEN;
	return RTPE_V_CONTINUE;
}

/* Ethernet, one optional 802.1Q tag, IPv4 without options, UDP to a port
 * of ours, consistent lengths. The checks run in this order so each
 * reason is the first thing wrong with the frame. */
static __always_inline enum rtpe_verdict relay_parse(struct xdp_md *ctx, struct pkt *p)
{
	struct cursor c = { .pos = (void *)(long)ctx->data,
			    .end = (void *)(long)ctx->data_end };
	struct rtpe_config *cfg;
	__u32 zero = 0;
	__u16 dport;
	int proto;

	proto = parse_eth(&c, &p->eth, &p->tagged);
	if (proto < 0)
		return RTPE_V_PASS_TRUNCATED;
	if (proto != ETH_P_IP)
		return RTPE_V_PASS_NOT_IPV4;
	p->ip = parse_ipv4(&c);
	if (!p->ip)
		return RTPE_V_PASS_TRUNCATED;
	/* Not a valid IPv4 header: the kernel drops it, we need not judge. */
	if (p->ip->version != 4 || p->ip->ihl < 5)
		return RTPE_V_PASS_NOT_IPV4;
	if (p->ip->protocol != IPPROTO_UDP)
		return RTPE_V_PASS_NOT_UDP;
	/* Only the first fragment has the ports: reassembly is the kernel's. */
	if (ipv4_is_fragment(p->ip))
		return RTPE_V_PASS_FRAGMENT;
	/* Options (rare: record route...) are the kernel's to honour. */
	if (p->ip->ihl > 5)
		return RTPE_V_PASS_IP_OPTIONS;
	p->udp = parse_udp(&c);
	if (!p->udp)
		return RTPE_V_PASS_TRUNCATED;
	cfg = bpf_map_lookup_elem(&rtpe_config, &zero);
	dport = bpf_ntohs(p->udp->dest);
	if (!cfg || dport < cfg->port_min || dport > cfg->port_max)
		return RTPE_V_PASS_NOT_OUR_PORT;
	p->rtcp = dport & 1;
	p->cfg = cfg;
	return relay_lengths(p, &c);
}

/* ---- leg lookup ------------------------------------------------------------ */

/*
 * The leg on (destination address, even port): the address's slot, then
 * the pair within it; two array accesses, no hashing. NULL: none.
 * The leg's state line, at the same index, goes into p->st, and is read
 * here once: with many sessions both lines are cache misses, and the CPU
 * can fetch this one while it waits for the leg's (its address does not
 * depend on the leg), instead of only once the leg has arrived.
 */
static __always_inline const struct rtpe_leg *leg_find(struct pkt *p)
{
	__be32 daddr = p->ip->daddr;
	__u32 b = rtpe_addr_bucket(daddr, p->cfg->addr_seed);
	const struct rtpe_addr_slot *a = bpf_map_lookup_elem(&rtpe_addrs, &b);
	__u32 i;

	/* An empty slot (addr 0) is no address: 0.0.0.0 must not find one. */
	if (!a || !a->addr || a->addr != daddr)
		return NULL;
	i = rtpe_leg_index(p->cfg, a->base, bpf_ntohs(p->udp->dest));
	p->st = bpf_map_lookup_elem(&rtpe_legs_state, &i);
	if (p->st)
		(void)*(volatile const __u64 *)&p->st->last_seen;
	return bpf_map_lookup_elem(&rtpe_legs, &i);
}

/* A consistent copy of what the fast path reads of leg, into h (its first
 * RTPE_LEG_SNAPSHOT bytes only). False while the daemon is rewriting it. */
static __always_inline bool leg_snapshot(const struct rtpe_leg *leg, struct rtpe_leg *h)
{
	__u32 s1 = *(volatile const __u32 *)&leg->seq, s2;

	asm volatile("" ::: "memory");
	__builtin_memcpy(h, leg, RTPE_LEG_SNAPSHOT);
	asm volatile("" ::: "memory");
	s2 = *(volatile const __u32 *)&leg->seq;
	return s1 == s2 && !(s1 & 1);
}

/* ---- source check ---------------------------------------------------------- */

/* Only the leg's peer may send to it (RTP Bleed): RTP from peer:peer_port,
 * RTCP from peer:peer_rtcp_port. A stranger's packet is dropped and
 * counted on the leg it aimed at. */
static __always_inline enum rtpe_verdict relay_source(struct pkt *p, const struct rtpe_leg *leg)
{
	__be16 port = p->rtcp ? leg->peer_rtcp_port : leg->peer_port;

	if (p->ip->saddr == leg->peer && p->udp->source == port)
		return RTPE_V_CONTINUE;
	if (p->st)
		__sync_fetch_and_add(&p->st->drops, 1);
	return RTPE_V_DROP_SRC_MISMATCH;
}

/* ---- route ----------------------------------------------------------------- */

/* Copies what the route and the rewrite need from the leg, once. */
static __always_inline void relay_take_leg(struct pkt *p, const struct rtpe_leg *leg)
{
	p->out_src = leg->out_src;
	p->out_dst = leg->out_dst;
	if (p->rtcp) {
		p->out_sport = bpf_htons(bpf_ntohs(leg->out_sport) + 1);
		p->out_dport = leg->out_rtcp_dport;
	} else {
		p->out_sport = leg->out_sport;
		p->out_dport = leg->out_dport;
	}
	p->clock_rate = leg->clock_rate;
}

/* The kernel's answer for the rewritten packet (as if it had arrived on
 * the ingress device, so routes, forwarding sysctls and neighbours are the
 * kernel's own), into fib. A verdict, RTPE_V_CONTINUE on success. */
static __always_inline enum rtpe_verdict fib_ask(struct xdp_md *ctx, struct pkt *p,
						 struct bpf_fib_lookup *fib)
{
	long rc;

	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET;
	fib->l4_protocol = IPPROTO_UDP;
	fib->sport = p->out_sport;
	fib->dport = p->out_dport;
	fib->tot_len = bpf_ntohs(p->ip->tot_len); /* host order: MTU check */
	fib->tos = p->ip->tos;
	fib->ipv4_src = p->out_src;
	fib->ipv4_dst = p->out_dst;
	fib->ifindex = ctx->ingress_ifindex;

	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		/* Unicast route, resolved next hop: fib->ifindex, dmac and
		 * smac say where and how to send. */
		return RTPE_V_CONTINUE;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		/* Route found but the next hop's MAC is unknown. The packet
		 * goes to the daemon untouched (punted, or through its
		 * socket), which relays it: that send makes the kernel
		 * resolve the neighbour, so the next packets take the fast
		 * path. */
		return RTPE_V_PASS_NO_NEIGH;
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		/* A route says drop or reject: the kernel does it (and
		 * sends the ICMP error) when the daemon relays. */
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		/* No route, or the destination is local. */
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		/* net.ipv4.conf.<ingress>.forwarding is 0: XDP must not
		 * route what the kernel would not. */
	case BPF_FIB_LKUP_RET_UNSUPP_LWT:
		/* Encapsulating route (lwtunnel): only the stack can. */
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		/* Larger than the egress MTU: the stack fragments. */
	default:
		/* Anything newer, or -errno (-ENODEV: ingress device gone,
		 * -EINVAL): let the stack decide. */
		return RTPE_V_PASS_FIB_MISS;
	}
}

/*
 * Where the rewritten packet goes: the route cache (route.h), else the FIB
 * (whose success is cached), then XDP_TX or a redirect.
 */
static __always_inline enum rtpe_verdict relay_route(struct xdp_md *ctx, struct pkt *p,
						     struct bpf_fib_lookup *fib, __u64 now)
{
	__u32 in = ctx->ingress_ifindex;
	struct fib_cached *c = fib_cache_slot(p->out_src, p->out_dst, p->ip, in);
	enum rtpe_verdict v;

	if (!c || !fib_cache_hit(c, p->out_src, p->out_dst, p->ip, in, now, fib)) {
		v = fib_ask(ctx, p, fib);
		if (v != RTPE_V_CONTINUE)
			return v;
		if (c)
			fib_cache_put(c, p->out_src, p->out_dst, p->ip, in,
				      now + p->cfg->fib_cache_ticks, fib);
	}
	if (fib->ifindex == in)
		return RTPE_V_TX;
	/* Records the target only (the send happens after we return), so
	 * on failure the packet is still untouched. XDP_PASS as the flags'
	 * action means "not in rtpe_tx_ports": no XDP redirect possible to
	 * that device, the kernel forwards it. */
	if (bpf_redirect_map(&rtpe_tx_ports, fib->ifindex, XDP_PASS) != XDP_REDIRECT)
		return RTPE_V_PASS_NO_TX_PORT;
	return RTPE_V_REDIRECT;
}

/* ---- the leg's counters and RTP state -------------------------------------- */

/* RFC 3550 receiver state of one RTP packet (A.1 sequence, A.8 jitter).
 * A new SSRC starts over. ssrc is kept in host order. The clock is read
 * only when jitter sampling needs this packet's arrival time. */
static __always_inline void rtp_receive(const struct pkt *p, struct rtpe_leg_rtp *st)
{
	struct cursor c = { .pos = p->payload, .end = p->end };
	struct rtp_hdr *rtp;
	__u32 ssrc;
	__u16 seq;

	if (p->payload_len < RTPE_RTP_HLEN)
		return;
	rtp = parse_rtp(&c);
	if (!rtp || (rtp->vpxcc >> 6) != RTP_VERSION)
		return;
	ssrc = bpf_ntohl(rtp->ssrc);
	seq = bpf_ntohs(rtp->seq);
	rtp_receive_fields(st, ssrc, seq, bpf_ntohl(rtp->ts),
			   rtp_wants_arrival(st, ssrc, seq) ? bpf_ktime_get_ns() : 0,
			   p->clock_rate);
}

/* For a forwarded packet: the leg's counters (atomic adds), its last-seen
 * (jiffies: now) and RTP state, all in its rtpe_legs_state line. */
static __always_inline void leg_forwarded(const struct pkt *p, __u64 now)
{
	struct rtpe_leg_state *st = p->st;

	if (!st)
		return;
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, p->payload_len);
	st->last_seen = now;
	if (p->rtcp)
		__sync_fetch_and_add(&st->rtcp_packets, 1);
	else
		rtp_receive(p, &st->rtp);
}

/* ---- rewrite --------------------------------------------------------------- */

/* The new Ethernet, IPv4 and UDP addresses, checksums updated
 * incrementally. TTL, TOS/DSCP and the IP id are kept. */
static __always_inline void relay_rewrite(struct pkt *p, const struct bpf_fib_lookup *fib)
{
	struct iphdr *ip = p->ip;
	struct udphdr *udp = p->udp;
	__u32 delta;

	__builtin_memcpy(p->eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(p->eth->h_source, fib->smac, ETH_ALEN);

	delta = csum_delta32(0, ip->saddr, p->out_src);
	delta = csum_delta32(delta, ip->daddr, p->out_dst);
	ip->check = csum_apply(ip->check, delta);
	/* The UDP checksum covers the addresses too (pseudo-header). */
	delta = csum_delta16(delta, udp->source, p->out_sport);
	delta = csum_delta16(delta, udp->dest, p->out_dport);
	udp->check = csum_apply_udp(udp->check, delta);

	ip->saddr = p->out_src;
	ip->daddr = p->out_dst;
	udp->source = p->out_sport;
	udp->dest = p->out_dport;
}

/* ---- verdict --------------------------------------------------------------- */

/*
 * A packet XDP does not forward, of a leg the daemon holds no socket for:
 * hand the frame, untouched, to the daemon through rtpe_punt (it relays it
 * through the stack, which also resolves a missing neighbour). If no daemon
 * reads (restart in progress), pass it to the kernel as for any leg.
 */
static __always_inline enum rtpe_verdict punt_or_pass(struct xdp_md *ctx,
						      const struct rtpe_leg *leg,
						      enum rtpe_verdict v)
{
	struct rtpe_punt_meta m;
	__u64 len = ctx->data_end - ctx->data;

	if (!(leg->flags & RTPE_LEG_F_PUNT))
		return v;
	m.ifindex = ctx->ingress_ifindex;
	m.slot = leg->slot;
	m.len = (__u32)len;
	switch (v) {
	case RTPE_V_PASS_USERSPACE: m.verdict = RTPE_V_PUNT_USERSPACE; break;
	case RTPE_V_PASS_NO_NEIGH: m.verdict = RTPE_V_PUNT_NO_NEIGH; break;
	case RTPE_V_PASS_FIB_MISS: m.verdict = RTPE_V_PUNT_FIB_MISS; break;
	default: m.verdict = RTPE_V_PUNT_NO_TX_PORT; break;
	}
	/* With an XDP context, the length in BPF_F_CTXLEN_MASK appends the frame. */
	if (bpf_perf_event_output(ctx, &rtpe_punt, BPF_F_CURRENT_CPU | (len << 32), &m, sizeof(m)))
		return v;
	return (enum rtpe_verdict)m.verdict;
}

/*
 * A frame of a leg the daemon relays on AF_XDP: to the daemon's socket of
 * this interface and receive queue, untouched. Without one (the daemon is
 * restarting, or has not bound that queue), the leg's sockets take it.
 */
static __always_inline enum rtpe_verdict xsk_or_pass(struct xdp_md *ctx, const struct rtpe_leg *leg)
{
	__u32 ifindex = ctx->ingress_ifindex, *base = bpf_map_lookup_elem(&rtpe_xsk_ifs, &ifindex);

	if (!base)
		return punt_or_pass(ctx, leg, RTPE_V_PASS_USERSPACE);
	if (bpf_redirect_map(&rtpe_xsks, *base + ctx->rx_queue_index, XDP_PASS) != XDP_REDIRECT)
		return punt_or_pass(ctx, leg, RTPE_V_PASS_USERSPACE);
	return RTPE_V_XSK;
}

/* The XDP action of each verdict. */
static __always_inline int verdict_action(enum rtpe_verdict v)
{
	switch (v) {
	case RTPE_V_TX:
		return XDP_TX;
	case RTPE_V_REDIRECT:
	case RTPE_V_XSK:
		return XDP_REDIRECT;
	case RTPE_V_DROP_SRC_MISMATCH:
	case RTPE_V_DROP_MALFORMED:
	case RTPE_V_PUNT_USERSPACE:
	case RTPE_V_PUNT_NO_NEIGH:
	case RTPE_V_PUNT_FIB_MISS:
	case RTPE_V_PUNT_NO_TX_PORT:
		return XDP_DROP; /* punted: a copy went to the daemon */
	default:
		return XDP_PASS;
	}
}

/* The one exit: counts the frame under its verdict (per-CPU, plain adds). */
static __always_inline int count_verdict(struct xdp_md *ctx, enum rtpe_verdict v)
{
	__u32 key = v;
	struct rtpe_counter *c = bpf_map_lookup_elem(&rtpe_xdp_verdicts, &key);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return verdict_action(v);
}

/* ---- the program ----------------------------------------------------------- */

/* The stages after parsing, in order: leg, source, route, leg counters,
 * rewrite; a leg XDP does not forward goes to punt_or_pass. */
static __always_inline enum rtpe_verdict relay_leg(struct xdp_md *ctx, struct pkt *p)
{
	const struct rtpe_leg *entry = leg_find(p);
	struct rtpe_leg h, *leg = &h;
	struct bpf_fib_lookup fib;
	enum rtpe_verdict v;
	__u64 now;

	if (!entry)
		return RTPE_V_PASS_NO_SESSION;
	if (!leg_snapshot(entry, &h)) /* mid-rewrite: the daemon relays it */
		return (entry->flags & RTPE_LEG_F_ACTIVE) ?
			punt_or_pass(ctx, entry, RTPE_V_PASS_USERSPACE) : RTPE_V_PASS_NO_SESSION;
	if (!(leg->flags & RTPE_LEG_F_ACTIVE))
		return RTPE_V_PASS_NO_SESSION;
	if (leg->path != RTPE_PATH_XDP)
		return (leg->flags & RTPE_LEG_F_XSK) && !p->tagged ?
			       xsk_or_pass(ctx, leg) : punt_or_pass(ctx, leg, RTPE_V_PASS_USERSPACE);
	v = relay_source(p, leg);
	if (v != RTPE_V_CONTINUE)
		return v;
	/* A tagged frame's addresses live on a VLAN device, which XDP can
	 * neither name for the FIB lookup nor redirect to: the kernel and
	 * the daemon's socket relay it, untouched (its source is checked
	 * above all the same). */
	if (p->tagged)
		return punt_or_pass(ctx, leg, RTPE_V_PASS_NO_TX_PORT);
	relay_take_leg(p, leg);
	now = bpf_jiffies64(); /* route cache and last-seen: inlined, no clock read */
	v = relay_route(ctx, p, &fib, now);
	if (v != RTPE_V_TX && v != RTPE_V_REDIRECT)
		return punt_or_pass(ctx, leg, v);
	/* Counted before the rewrite: the counters are locked adds, which
	 * wait for every earlier store, and the frame's lines may still be
	 * on their way from the CPU that wrote them (veth: the sender). */
	leg_forwarded(p, now);
	relay_rewrite(p, &fib);
	return v;
}

SEC("xdp")
int rtpedge_xdp(struct xdp_md *ctx)
{
	struct pkt p = {};
	enum rtpe_verdict v;

	v = relay_parse(ctx, &p);
	if (v == RTPE_V_CONTINUE)
		v = relay_leg(ctx, &p);
	return count_verdict(ctx, v);
}

/* The daemon's next-hop question (struct rtpe_fib_query, run with
 * BPF_PROG_RUN, answered in place): the route and neighbour its AF_XDP
 * relay sends by, from the same lookup as the fast path's. */
SEC("xdp")
int rtpedge_fib(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct rtpe_fib_query *q = data;
	struct bpf_fib_lookup fib;

	if ((void *)(q + 1) > end)
		return XDP_ABORTED;
	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = AF_INET;
	fib.l4_protocol = IPPROTO_UDP;
	fib.tot_len = q->tot_len;
	fib.ipv4_src = q->src;
	fib.ipv4_dst = q->dst;
	fib.ifindex = q->ifindex;
	q->ret = (__s32)bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	q->ifindex = fib.ifindex;
	__builtin_memcpy(q->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(q->dmac, fib.dmac, ETH_ALEN);
	return XDP_PASS;
}

/* The fast path's clock beside CLOCK_MONOTONIC, for the daemon (run with
 * BPF_PROG_RUN, the sample comes back in ctx): it converts last-seen
 * stamps and sets the route cache's lifetime in ticks (daemon/xdp/xdp_clock.c). */
SEC("syscall")
int rtpedge_clock(struct rtpe_clock_sample *s)
{
	s->ns = bpf_ktime_get_ns();
	s->ticks = bpf_jiffies64();
	s->ns_after = bpf_ktime_get_ns();
	return 0;
}
