// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_gen.bpf.c - the benchmarks' traffic generator: an XDP program run
 * by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (tests/tools/rtpgen.c),
 * which turns its XDP_TX into a real transmission out of the device named
 * as the run's ingress. Each run of the program makes the next RTP packet
 * of the next flow, round robin over the flows in bench_flows.
 *
 * The frame is RTP-shaped (Ethernet, IPv4 without options, UDP, 12-byte
 * RTP header, 160-byte payload) and built once by userspace with valid
 * checksums. Live-frame pages are recycled without being re-initialised,
 * and the relay under test has rewritten the frame since we last saw it
 * (MACs, addresses, ports, TTL), so every field we own is written again
 * and both checksums are updated incrementally from whatever the frame
 * holds now, never from the template.
 *
 * Pacing happens here, not in userspace: a BPF_PROG_RUN call costs about
 * 20 ms of set-up and teardown on this kind of host, so rtpgen makes one
 * long call and the program decides, at the first iteration of each
 * live-frame batch (burst iterations), whether the whole batch is sent
 * or dropped (a dropped live frame is recycled at once). Bursts start
 * interval_ns apart; the kernel flushes a batch's transmissions together,
 * so the relay receives bursts of exactly `burst` frames, as from a NIC
 * that coalesces interrupts, and every relay under test wakes up once
 * per burst. A generator that fell behind (its CPU taken by others)
 * catches up with at most MAX_LAG_NS of bursts sent back to back (about
 * two: the receiving veth's ring holds 256 frames), then restarts the
 * schedule; the offered rate reported is what was actually sent.
 *
 * Payload (after the RTP header): magic, flow index and the send time
 * (bpf_ktime_get_ns, CLOCK_MONOTONIC) read by bench_sink.bpf.c for the
 * one-way latency. Layout shared with bench_sink.bpf.c and rtpgen.c.
 *
 * Modes (set by userspace before load; the srtp phase of the bench):
 * GEN_RTP_CLOCK also writes the send time into the RTP timestamp
 * (nanoseconds >> 10, 32 bits), which SRTP leaves in the clear, so the
 * sink can time packets a relay encrypted (their stamp is ciphertext);
 * GEN_SRTP_SET sends SRTP made beforehand with libsrtp2 (srtpcost
 * --write): packet i of every flow is entry i of bench_srtp_set (every
 * session has the same key and SSRC, each its own SRTP context), headers
 * rewritten as usual, the UDP checksum left out (0: allowed over IPv4),
 * as the whole payload changes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"
#include "csum.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BENCH_MAGIC 0x52545042 /* "RTPB", network order in the payload */
#define BENCH_TTL 64
#define BENCH_TS_STEP 160      /* RTP timestamp step: 20 ms at 8 kHz */
#define MAX_LAG_NS 150000      /* behind by more: restart the schedule */

/* One flow: what the generator sends, in the order userspace fills it. */
struct bench_flow {
	__be32 saddr, daddr; /* the session's carrier peer -> relay leg A */
	__be16 sport, dport;
	__be32 ssrc;
	__u32 ts;            /* next RTP timestamp, host order */
	__u16 seq;           /* next RTP sequence number, host order */
	__u16 pad;
};

/* What follows the RTP header in every generated packet. */
struct bench_stamp {
	__be32 magic;
	__be32 flow;
	__u64 send_ns; /* host order: sender and sink share the machine */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* userspace sets the flow count before load */
	__type(key, __u32);
	__type(value, struct bench_flow);
} bench_flows SEC(".maps");

/* An SRTP packet made beforehand (header, payload, tag): GEN_SRTP_SET. */
#define SRTP_SET_MAX 192
struct srtp_pkt {
	__u8 b[SRTP_SET_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* userspace sets the set's size (a power of two) */
	__type(key, __u32);
	__type(value, struct srtp_pkt);
} bench_srtp_set SEC(".maps");

enum gen_mode { GEN_STAMP, GEN_RTP_CLOCK, GEN_SRTP_SET };

const volatile __u32 n_flows = 1;
const volatile __u8 mode = GEN_STAMP;
const volatile __u32 set_mask;     /* GEN_SRTP_SET: entries - 1 */
const volatile __u32 set_len = 12; /* GEN_SRTP_SET: bytes of each packet */
const volatile __u8 dmac[ETH_ALEN]; /* the relay's receiving device */
const volatile __u8 smac[ETH_ALEN]; /* the generator's device */

/* The generator runs on one CPU (rtpgen pins itself): plain globals.
 * Userspace sets burst (the run's batch size) and interval_ns (0: no
 * pacing), and clears next_ns and iter before a run. */
__u32 next_flow, burst, iter;
__u64 interval_ns, next_ns;
__u64 made, idle, bad_frame;
bool sending;

/* Whether this iteration transmits at now (see the head comment). */
static __always_inline bool pace(__u64 now)
{
	__u64 next = next_ns;
	__u32 i = iter;

	iter = i + 1 >= burst ? 0 : i + 1;
	if (!interval_ns)
		return true;
	if (i == 0) {
		sending = now >= next;
		if (sending)
			next_ns = now - next > MAX_LAG_NS ? now + interval_ns : next + interval_ns;
	}
	if (!sending)
		idle++;
	return sending;
}

/* Adds the replacement of a 64-bit field to a checksum delta. */
static __always_inline __u32 csum_delta64(__u32 delta, __u64 from, __u64 to)
{
	delta = csum_delta32(delta, (__u32)from, (__u32)to);
	return csum_delta32(delta, (__u32)(from >> 32), (__u32)(to >> 32));
}

static __always_inline __u32 next_index(void)
{
	__u32 i = next_flow;

	next_flow = i + 1 >= n_flows ? 0 : i + 1;
	return i;
}

/* Writes flow f's headers, RTP fields and stamp into the frame, updating
 * both checksums from the frame's current content. */
static __always_inline void fill(struct iphdr *ip, struct udphdr *udp, struct rtp_hdr *rtp,
				 struct bench_stamp *st, struct bench_flow *f, __u32 idx, __u64 now)
{
	__u16 ttl_proto = bpf_htons(BENCH_TTL << 8 | IPPROTO_UDP);
	__u16 *ttlw = (__u16 *)&ip->ttl; /* TTL and protocol: one 16-bit word */
	__be16 seq = bpf_htons(f->seq);
	__be32 ts = bpf_htonl(mode == GEN_RTP_CLOCK ? (__u32)(now >> 10) : f->ts);
	__be32 flow = bpf_htonl(idx);
	__u32 d;

	/* IPv4 header: addresses and TTL (a forwarding relay lowers it). */
	d = csum_delta32(0, ip->saddr, f->saddr);
	d = csum_delta32(d, ip->daddr, f->daddr);
	ip->check = csum_apply(ip->check, csum_delta16(d, *ttlw, ttl_proto));
	*ttlw = ttl_proto;
	/* UDP: the same addresses (pseudo-header), ports, RTP and stamp. */
	d = csum_delta16(d, udp->source, f->sport);
	d = csum_delta16(d, udp->dest, f->dport);
	d = csum_delta16(d, rtp->seq, seq);
	d = csum_delta32(d, rtp->ts, ts);
	d = csum_delta32(d, rtp->ssrc, f->ssrc);
	d = csum_delta32(d, st->magic, bpf_htonl(BENCH_MAGIC));
	d = csum_delta32(d, st->flow, flow);
	d = csum_delta64(d, st->send_ns, now);
	udp->check = csum_apply_udp(udp->check, d);
	ip->saddr = f->saddr;
	ip->daddr = f->daddr;
	udp->source = f->sport;
	udp->dest = f->dport;
	rtp->seq = seq;
	rtp->ts = ts;
	rtp->ssrc = f->ssrc;
	st->magic = bpf_htonl(BENCH_MAGIC);
	st->flow = flow;
	st->send_ns = now;
	f->seq++;
	f->ts += BENCH_TS_STEP;
}

/* GEN_SRTP_SET: flow f's next packet of the set (f->ts counts them) after
 * the UDP header at off, addresses and ports written, IPv4 checksum
 * updated, no UDP checksum. 0 or -1. */
static __always_inline int fill_srtp(struct xdp_md *ctx, struct iphdr *ip, struct udphdr *udp,
				     struct bench_flow *f, __u32 off)
{
	__u16 ttl_proto = bpf_htons(BENCH_TTL << 8 | IPPROTO_UDP);
	__u16 *ttlw = (__u16 *)&ip->ttl;
	__u32 k = f->ts & set_mask, d;
	struct srtp_pkt *p = bpf_map_lookup_elem(&bench_srtp_set, &k);

	if (!p || set_len > SRTP_SET_MAX || set_len < 12)
		return -1;
	d = csum_delta32(0, ip->saddr, f->saddr);
	d = csum_delta32(d, ip->daddr, f->daddr);
	ip->check = csum_apply(ip->check, csum_delta16(d, *ttlw, ttl_proto));
	*ttlw = ttl_proto;
	ip->saddr = f->saddr;
	ip->daddr = f->daddr;
	udp->source = f->sport;
	udp->dest = f->dport;
	udp->check = 0;
	f->ts++;
	return bpf_xdp_store_bytes(ctx, off, p->b, set_len) ? -1 : 0;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	struct cursor c = { .pos = (void *)(long)ctx->data,
			    .end = (void *)(long)ctx->data_end };
	struct bench_stamp *st;
	struct bench_flow *f;
	struct rtp_hdr *rtp;
	struct ethhdr *eth;
	struct udphdr *udp;
	struct iphdr *ip;
	__u64 now = bpf_ktime_get_ns();
	bool tagged;
	__u32 idx;
	int i;

	if (!pace(now))
		return XDP_DROP;
	if (parse_eth(&c, &eth, &tagged) != ETH_P_IP || tagged)
		goto bad;
	ip = parse_ipv4(&c);
	if (!ip || ip->ihl != 5)
		goto bad;
	udp = parse_udp(&c);
	if (!udp)
		goto bad;
	rtp = parse_rtp(&c);
	if (!rtp)
		goto bad;
#pragma unroll
	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_dest[i] = dmac[i];
		eth->h_source[i] = smac[i];
	}
	if (mode == GEN_SRTP_SET) {
		idx = next_index();
		f = bpf_map_lookup_elem(&bench_flows, &idx);
		if (!f || fill_srtp(ctx, ip, udp, f, (__u32)((void *)rtp - (void *)eth)))
			goto bad;
		goto sent;
	}
	st = (void *)(rtp + 1);
	if ((void *)(st + 1) > c.end)
		goto bad;
	idx = next_index();
	f = bpf_map_lookup_elem(&bench_flows, &idx);
	if (!f)
		goto bad;
	fill(ip, udp, rtp, st, f, idx, now);
sent:
	made++;
	return XDP_TX;
bad:
	/* Not our template: never transmit garbage. */
	bad_frame++;
	return XDP_DROP;
}
