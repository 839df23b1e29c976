/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_model.h - what the XDP fast path (bpf/rtpedge.bpf.c) must do with a
 * frame, written from its contract (include/rtpedge.h, the verdict list and
 * struct rtpe_leg's comments) rather than from its code: given the map
 * contents (port range, local addresses, legs), the routes of the test bed
 * and whether the daemon reads punts, one frame in, the verdict, the XDP
 * action, the frame out, the leg counters that move and the punt sample.
 *
 * Nothing here touches BPF: the caller (xdp_model_check.h) runs the same
 * frame through the program and compares. Bytes are read and written
 * bytewise. A relayed frame's checksums are full sums over the header and
 * the datagram, never updated word by word: for a received checksum that
 * was right they are the recomputed checksum; for one that was wrong the
 * relay must not launder the damage, so the sent checksum is wrong by the
 * same amount (its full sum misses by what the received one missed).
 *
 * Header only (each tests/unit/test_*.c is its own program).
 */
#ifndef RTPE_XDP_MODEL_H
#define RTPE_XDP_MODEL_H

#include <stdbool.h>
#include <string.h>
#include <linux/bpf.h>

#include "rtpedge.h"
#include "xdp_frame.h"

/* What the kernel's FIB says about a destination the relay sends to. */
enum model_fib {
	MODEL_FIB_NONE,     /* no route, a local or broadcast address */
	MODEL_FIB_FWD,      /* unicast route, next hop resolved */
	MODEL_FIB_NO_NEIGH, /* unicast route, next hop unknown */
};

/* A host route of the test bed: how out_dst is reached. */
struct model_route {
	__be32 dst;
	enum model_fib fib;
	int ifindex;  /* egress device */
	__u32 mtu;    /* its MTU */
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN];
};

/* A leg as written into rtpe_legs, on local:port (even), at line. */
struct model_leg {
	__be32 local;
	__u16 port;
	__u32 line; /* its rtpe_legs (and rtpe_legs_state) index */
	struct rtpe_leg leg;
};

struct model {
	struct rtpe_config cfg; /* port_min, port_max, first_port, pairs */
	const __be32 *addrs;    /* the local addresses in rtpe_addrs */
	int n_addrs;
	const struct model_leg *legs; /* every entry of rtpe_legs not all zero */
	int n_legs;
	const struct model_route *routes; /* any other destination: no route */
	int n_routes;
	const int *tx_ports; /* rtpe_tx_ports */
	int n_tx_ports;
	int ingress;  /* where every frame arrives */
	bool xsk;     /* a daemon's AF_XDP socket is in rtpe_xsks for it (queue 0) */
	bool reader;  /* the daemon reads rtpe_punt (and the ring has room) */
};

/* What the model predicts for one frame. */
struct model_out {
	enum rtpe_verdict v;
	int action;
	__u8 frame[FRAME_MAX]; /* the frame out: the input, or rewritten */
	__u32 len;
	int leg;                    /* index in legs whose line moves, or -1 */
	struct rtpe_leg_state line; /* that line afterwards (a forwarded frame's
				     * last_seen: stamped, at least the old one) */
	bool rtp;                   /* the RTP state part of line is predicted */
	bool punted;                /* a sample goes to the daemon: meta, then the input */
	struct rtpe_punt_meta meta;
};

static inline __u32 model_get32(const __u8 *p)
{
	return (__u32)get16(p) << 16 | get16(p + 2);
}

/* A verdict's label: tx, redirect, pass, punt or drop. */
static inline const char *model_verdict(enum rtpe_verdict v)
{
	static const char *const label[] = {
#define X(name, verdict, why) verdict,
		RTPE_VERDICTS(X)
#undef X
	};

	return v < RTPE_V_MAX ? label[v] : "?";
}

/* The XDP action each verdict's label names: punt and drop drop the frame
 * (a punted frame's copy went to the daemon). */
static inline int model_action(enum rtpe_verdict v)
{
	const char *l = model_verdict(v);

	if (!strcmp(l, "tx"))
		return XDP_TX;
	if (!strcmp(l, "redirect") || !strcmp(l, "xsk"))
		return XDP_REDIRECT;
	return strcmp(l, "pass") ? XDP_DROP : XDP_PASS;
}

/* The leg written on local:even port, or -1 (an all-zero entry: no leg). */
static inline int model_leg_find(const struct model *m, __be32 local, __u16 port)
{
	bool ours = false;
	__u32 even = port & ~1U;

	for (int i = 0; i < m->n_addrs; i++)
		ours |= m->addrs[i] == local;
	/* the table holds pairs first_port, first_port + 2, ... (pairs of them) */
	if (!ours || even < m->cfg.first_port || even >= m->cfg.first_port + 2 * m->cfg.pairs)
		return -1;
	for (int i = 0; i < m->n_legs; i++)
		if (m->legs[i].local == local && m->legs[i].port == even)
			return i;
	return -1;
}

/* A verdict of a leg XDP does not forward: with the PUNT flag and a reader,
 * the frame goes to the daemon instead (the punt verdict of that reason). */
static inline enum rtpe_verdict model_punt(const struct model *m, int leg, enum rtpe_verdict v,
					   struct model_out *o)
{
	const struct rtpe_leg *l = &m->legs[leg].leg;
	enum rtpe_verdict p = v == RTPE_V_PASS_USERSPACE ? RTPE_V_PUNT_USERSPACE :
			      v == RTPE_V_PASS_NO_NEIGH  ? RTPE_V_PUNT_NO_NEIGH :
			      v == RTPE_V_PASS_FIB_MISS  ? RTPE_V_PUNT_FIB_MISS :
							   RTPE_V_PUNT_NO_TX_PORT;

	if (!(l->flags & RTPE_LEG_F_PUNT) || !m->reader)
		return v;
	o->punted = true;
	o->meta = (struct rtpe_punt_meta){ (__u32)m->ingress, l->slot, p, o->len };
	return p;
}

/* Where the relayed packet (tot_len bytes of IPv4) to dst goes: a verdict,
 * and the route in *r when it is sent. */
static inline enum rtpe_verdict model_route(const struct model *m, __be32 dst, __u32 tot_len,
					    const struct model_route **r)
{
	const struct model_route *x = NULL;
	bool tx_port = false;

	for (int i = 0; i < m->n_routes; i++)
		if (m->routes[i].dst == dst)
			x = &m->routes[i];
	if (!x || x->fib == MODEL_FIB_NONE)
		return RTPE_V_PASS_FIB_MISS;
	if (tot_len > x->mtu) /* the stack fragments */
		return RTPE_V_PASS_FIB_MISS;
	if (x->fib == MODEL_FIB_NO_NEIGH)
		return RTPE_V_PASS_NO_NEIGH;
	*r = x;
	if (x->ifindex == m->ingress)
		return RTPE_V_TX;
	for (int i = 0; i < m->n_tx_ports; i++)
		tx_port |= m->tx_ports[i] == x->ifindex;
	return tx_port ? RTPE_V_REDIRECT : RTPE_V_PASS_NO_TX_PORT;
}

/* How far a received checksum missed: 0 when its full sum (sum) was right. */
static inline __u16 model_csum_miss(__u32 sum)
{
	return fold_not(sum);
}

/* Sum of the UDP datagram of ulen bytes at udp (checksum field included)
 * and its pseudo-header from the IPv4 header at iph. */
static inline __u32 model_udp_sum(const __u8 *iph, const __u8 *udp, __u32 ulen)
{
	__u8 ph[12] = { [9] = IPPROTO_UDP, [10] = ulen >> 8, [11] = ulen & 0xff };

	memcpy(ph, iph + 12, 8);
	return sum_be(udp, ulen, sum_be(ph, 12, 0));
}

/* Rewrites the frame in o for route r and leg l: MACs, addresses, ports
 * (RTCP: the opposite leg's port + 1 to the peer's RTCP port), then both
 * checksums from full sums; TTL, TOS, id and everything else kept. */
static inline void model_rewrite(struct model_out *o, const __u8 *in, __u32 l2,
				 const struct rtpe_leg *l, bool rtcp, const struct model_route *r)
{
	const __u8 *iph = in + l2, *udp = iph + 20;
	__u8 *oh = o->frame + l2, *ou = oh + 20, h[20];
	__u32 ulen = get16(udp + 4), sum;
	__u16 ip_miss = model_csum_miss(sum_be(iph, 20, 0)), udp_miss, c;

	memcpy(o->frame, r->dmac, ETH_ALEN);
	memcpy(o->frame + ETH_ALEN, r->smac, ETH_ALEN);
	memcpy(oh + 12, &l->out_src, 4);
	memcpy(oh + 16, &l->out_dst, 4);
	put16(ou, rtcp ? (__u16)(ntohs(l->out_sport) + 1) : ntohs(l->out_sport));
	put16(ou + 2, ntohs(rtcp ? l->out_rtcp_dport : l->out_dport));

	memcpy(h, oh, 20);
	h[10] = h[11] = 0;
	put16(oh + 10, fold_not(sum_be(h, 20, 0) + ip_miss));

	if (!get16(udp + 6))
		return; /* sent without a checksum: stays without */
	udp_miss = model_csum_miss(model_udp_sum(iph, udp, ulen));
	put16(ou + 6, 0);
	sum = model_udp_sum(oh, ou, ulen) + udp_miss;
	c = fold_not(sum);
	put16(ou + 6, c ? c : 0xffff); /* 0 would say "no checksum" */
}

/* The leg's line after a forwarded packet: counters, and for
 * RTP (version 2, a whole fixed header) the receiver state, RFC 3550 A.1:
 * a new SSRC starts over, a sequence number less than 3000 ahead advances
 * the extended maximum (a wrap when it is numerically smaller). */
static inline void model_forwarded(struct model_out *o, const __u8 *payload, __u32 plen,
				   bool rtcp)
{
	struct rtpe_leg_rtp *st = &o->line.rtp;
	__u32 ssrc;
	__u16 seq, max;

	o->line.packets++;
	o->line.bytes += plen;
	o->line.rtcp_packets += rtcp;
	if (rtcp || plen < 12 || payload[0] >> 6 != 2)
		return;
	o->rtp = true;
	ssrc = model_get32(payload + 8);
	seq = get16(payload + 2);
	max = st->max_seq & 0xffff;
	if (!st->rtp_packets || st->ssrc != ssrc) {
		st->ssrc = ssrc;
		st->base_seq = seq;
		st->max_seq = seq;
		st->rtp_packets = 1;
		return;
	}
	st->rtp_packets++;
	if ((__u16)(seq - max) < 3000)
		st->max_seq = ((st->max_seq & 0xffff0000) + (seq < max ? 0x10000 : 0)) | seq;
}

/*
 * The relay stage, for a frame that parsed as UDP to a relay port with
 * consistent lengths: the leg, its state, the source, the route. lines
 * holds every leg's line before the frame (indexed like m->legs).
 */
static inline enum rtpe_verdict model_leg(const struct model *m, const __u8 *in, __u32 l2,
					  bool tagged, const struct rtpe_leg_state *lines,
					  struct model_out *o)
{
	const __u8 *iph = in + l2, *udp = iph + 20;
	__u16 dport = get16(udp + 2);
	bool rtcp = dport & 1;
	const struct model_route *r = NULL;
	const struct rtpe_leg *l;
	enum rtpe_verdict v;
	__be32 daddr, saddr;
	int i;

	memcpy(&daddr, iph + 16, 4);
	memcpy(&saddr, iph + 12, 4);
	i = model_leg_find(m, daddr, dport);
	if (i < 0)
		return RTPE_V_PASS_NO_SESSION;
	l = &m->legs[i].leg;
	o->leg = i;
	o->line = lines[i];
	if (!(l->flags & RTPE_LEG_F_ACTIVE)) /* a free entry, maybe with old fields */
		return RTPE_V_PASS_NO_SESSION;
	if (l->seq & 1) /* the daemon is rewriting it: it relays this one */
		return model_punt(m, i, RTPE_V_PASS_USERSPACE, o);
	if (l->path != RTPE_PATH_XDP) /* AF_XDP: handed over untouched */
		return (l->flags & RTPE_LEG_F_XSK) && !tagged && m->xsk ?
			       RTPE_V_XSK : model_punt(m, i, RTPE_V_PASS_USERSPACE, o);
	if (saddr != l->peer || htons(get16(udp)) != (rtcp ? l->peer_rtcp_port : l->peer_port)) {
		o->line.drops++;
		return RTPE_V_DROP_SRC_MISMATCH;
	}
	if (tagged) /* VLAN devices: no FIB lookup or redirect from XDP */
		return model_punt(m, i, RTPE_V_PASS_NO_TX_PORT, o);
	v = model_route(m, l->out_dst, get16(iph + 2), &r);
	if (v != RTPE_V_TX && v != RTPE_V_REDIRECT)
		return model_punt(m, i, v, o);
	model_forwarded(o, udp + 8, get16(udp + 4) - 8, rtcp);
	model_rewrite(o, in, l2, l, rtcp, r);
	return v;
}

/* Ethernet, one optional 802.1Q tag, IPv4 without options and not a
 * fragment, UDP to a port in the range, lengths that fit: each reason is
 * the first thing wrong with the frame, in that order. */
static inline enum rtpe_verdict model_parse(const struct model *m, const __u8 *in, __u32 len,
					    const struct rtpe_leg_state *lines,
					    struct model_out *o)
{
	__u32 l2 = ETH_HLEN, tot_len, ulen;
	__u16 type, dport;
	bool tagged;
	const __u8 *iph;

	if (len < ETH_HLEN)
		return RTPE_V_PASS_TRUNCATED;
	type = get16(in + 12);
	tagged = type == ETH_P_8021Q;
	if (tagged) {
		if (len < ETH_HLEN + 4)
			return RTPE_V_PASS_TRUNCATED;
		type = get16(in + 16);
		l2 += 4;
	}
	if (type != ETH_P_IP)
		return RTPE_V_PASS_NOT_IPV4;
	if (len < l2 + 20)
		return RTPE_V_PASS_TRUNCATED;
	iph = in + l2;
	if (iph[0] >> 4 != 4 || (iph[0] & 0xf) < 5)
		return RTPE_V_PASS_NOT_IPV4;
	if (iph[9] != IPPROTO_UDP)
		return RTPE_V_PASS_NOT_UDP;
	if (get16(iph + 6) & 0x3fff) /* more fragments, or an offset */
		return RTPE_V_PASS_FRAGMENT;
	if ((iph[0] & 0xf) > 5)
		return RTPE_V_PASS_IP_OPTIONS;
	if (len < l2 + 28)
		return RTPE_V_PASS_TRUNCATED;
	dport = get16(iph + 22);
	if (dport < m->cfg.port_min || dport > m->cfg.port_max)
		return RTPE_V_PASS_NOT_OUR_PORT;
	tot_len = get16(iph + 2);
	ulen = get16(iph + 24);
	if (tot_len < 28 || tot_len > len - l2 || ulen < 8 || ulen > tot_len - 20)
		return RTPE_V_DROP_MALFORMED;
	return model_leg(m, in, l2, tagged, lines, o);
}

/* The model's answer for frame in of len bytes (at most FRAME_MAX). */
static inline void model_run(const struct model *m, const __u8 *in, __u32 len,
			     const struct rtpe_leg_state *lines, struct model_out *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->frame, in, len);
	o->len = len;
	o->leg = -1;
	o->v = model_parse(m, in, len, lines, o);
	o->action = model_action(o->v);
}

#endif
