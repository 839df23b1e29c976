/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_model_frames.h - the frames the model tests send, made from bytes
 * (a fuzzer's input, or a seeded generator's): either a raw frame, or a
 * recipe: a valid RTP or RTCP frame from a leg's peer to one of the bed's
 * legs (or to a port with no leg), then mutations of its bytes and header
 * fields, so that mutated frames still reach the leg lookup, the source
 * check, the route and the rewrite instead of dying in the parser.
 *
 * Input layout. Byte 0: bit 7 set: recipe, clear: raw frame; bit 0: the
 * daemon reads punts. Raw: bytes 1.. are the frame (padded to 14 bytes,
 * cut at FRAME_MAX). Recipe: bytes 1-8 say target (leg, or stray port),
 * flags (bit 0 RTCP, 1 VLAN tag, 2 no UDP checksum, 3-4 Ethernet padding,
 * 5-7 payload length low bits), payload length (x6; 0: 172), TTL, TOS,
 * RTP sequence number and SSRC; then 4-byte operations: op, a, b, c.
 *
 * Header only.
 */
#ifndef RTPE_XDP_MODEL_FRAMES_H
#define RTPE_XDP_MODEL_FRAMES_H

#include "xdp_model_bed.h"

#define RECIPE_HDR 9
#define RECIPE_OP 4
#define RECIPE_MAX_OPS 32

enum recipe_op {
	OP_SET8,   /* frame[(a b) % len] = c */
	OP_XOR8,   /* frame[(a b) % len] ^= c */
	OP_FIELD,  /* header field a = (b c), or for an address special address b */
	OP_TRUNC,  /* cut the frame to 14 + (a b) % (len - 13) bytes */
	OP_GROW,   /* append a % 64 + 1 bytes of c */
	OP_FIX_IP, /* recompute the IPv4 header checksum */
	OP_FIX_UDP, /* recompute a nonzero UDP checksum */
	OP_FIELD_FIXED, /* OP_FIELD, then both checksums recomputed */
	OP_N
};

/* Header fields: offset from the IPv4 header (ip) or the frame start. */
enum { F_VERIHL = 2, F_SADDR = 10, F_DADDR = 11, F_N = 17 };
static const struct recipe_field {
	__u8 off, size;
	bool ip;
} recipe_fields[F_N] = {
	{ 12, 2, false }, /* ethertype (or VLAN TPID) */
	{ 16, 2, false }, /* ethertype after the tag */
	{ 0, 1, true },   /* version, IHL */
	{ 1, 1, true },   /* TOS */
	{ 2, 2, true },   /* total length */
	{ 4, 2, true },   /* id */
	{ 6, 2, true },   /* flags, fragment offset */
	{ 8, 1, true },   /* TTL */
	{ 9, 1, true },   /* protocol */
	{ 10, 2, true },  /* header checksum */
	{ 12, 4, true },  /* source address */
	{ 16, 4, true },  /* destination address */
	{ 20, 2, true },  /* UDP source port */
	{ 22, 2, true },  /* UDP destination port */
	{ 24, 2, true },  /* UDP length */
	{ 26, 2, true },  /* UDP checksum */
	{ 28, 1, true },  /* RTP version, padding, extension, CSRC count */
};

static inline int recipe_targets(const struct bed *b)
{
	return b->m.n_legs + (int)(sizeof(bed_strays) / sizeof(bed_strays[0]));
}

/* Special address k: the bed's own and peers, 0, broadcast, LOCAL_X's
 * bucket neighbour, loopback; beyond them 198.18.k.low. */
static inline __be32 recipe_addr(const struct bed *b, __u8 k, __u8 low)
{
	static const char *const special[] = { LOCAL_X, LOCAL_Y, LOCAL_Z, PEER_A, PEER_B,
					       PEER_C, "0.0.0.0", "255.255.255.255", NULL,
					       "127.0.0.1" };

	if (k < sizeof(special) / sizeof(special[0]))
		return special[k] ? bed_addr(special[k]) : b->collider;
	return htonl(0xc6120000u | (__u32)k << 8 | low);
}

static inline void recipe_fix_ip(__u8 *f, __u32 len, __u32 l2)
{
	__u32 hl = len > l2 ? (f[l2] & 0xf) * 4u : 0;

	if (hl >= 20 && l2 + hl <= len)
		put16(f + l2 + 10, ip_csum(f + l2));
}

static inline void recipe_fix_udp(__u8 *f, __u32 len, __u32 l2)
{
	__u32 hl = len > l2 ? (f[l2] & 0xf) * 4u : 0, ulen;
	__u8 *udp = f + l2 + hl;

	if (hl < 20 || l2 + hl + 8 > len || !get16(udp + 6))
		return;
	ulen = get16(udp + 4);
	if (ulen >= 8 && l2 + hl + ulen <= len)
		put16(udp + 6, udp_csum(f + l2, udp, ulen));
}

static inline void recipe_field(const struct bed *b, __u8 *f, __u32 len, __u32 l2, const __u8 *op)
{
	const struct recipe_field *x = &recipe_fields[op[1] % F_N];
	__u32 off = x->off + (x->ip ? l2 : 0);
	__be32 a;

	if (off + x->size > len)
		return;
	if (x->size == 1)
		f[off] = op[3];
	else if (x->size == 2)
		put16(f + off, (__u16)(op[2] << 8 | op[3]));
	else {
		a = recipe_addr(b, op[2], op[3]);
		memcpy(f + off, &a, 4);
	}
}

/* Applies one operation to the frame f of *len bytes. */
static inline void recipe_op(const struct bed *b, __u8 *f, __u32 *len, __u32 l2, const __u8 *op)
{
	__u32 ab = (__u32)op[1] << 8 | op[2], n;

	switch (op[0] % OP_N) {
	case OP_SET8:
		f[ab % *len] = op[3];
		break;
	case OP_XOR8:
		f[ab % *len] ^= op[3];
		break;
	case OP_FIELD_FIXED:
	case OP_FIELD:
		recipe_field(b, f, *len, l2, op);
		if (op[0] % OP_N == OP_FIELD)
			break;
		/* fall through */
	case OP_FIX_IP:
		recipe_fix_ip(f, *len, l2);
		if (op[0] % OP_N == OP_FIX_IP)
			break;
		/* fall through */
	case OP_FIX_UDP:
		recipe_fix_udp(f, *len, l2);
		break;
	case OP_TRUNC:
		*len = ETH_HLEN + ab % (*len - ETH_HLEN + 1);
		break;
	case OP_GROW:
		n = op[1] % 64 + 1;
		n = *len + n > FRAME_MAX ? FRAME_MAX - *len : n;
		memset(f + *len, op[3], n);
		*len += n;
		break;
	}
}

/* The valid frame a recipe header h describes, into f; its length. */
static inline __u32 recipe_base(const struct bed *b, const __u8 *h, __u8 *f)
{
	static const __u32 ssrcs[] = { 0x5eed5eed, 0x11111111, 0x22222222, 0 };
	static const __u32 pads[] = { 0, 1, 6, 60 };
	int t = h[1] % recipe_targets(b);
	bool rtcp = h[2] & 1;
	char src[16], dst[16];
	struct spec s = { .vlan = h[2] & 2, .no_csum = h[2] & 4, .ttl = h[4], .tos = h[5],
			  .seq = (__u16)(h[6] << 8 | h[7]), .ts = h[7] * 160u,
			  .ssrc = ssrcs[h[8] & 3] ? ssrcs[h[8] & 3] : h[8] * 0x01010101u,
			  .src = src, .dst = dst };
	__be32 peer = bed_addr(PEER_A), local;
	__u32 len, pad = pads[h[2] >> 3 & 3];

	s.payload = h[3] ? h[3] * 6 + (h[2] >> 5) : RTP_PAYLOAD;
	if (t < b->m.n_legs) {
		const struct rtpe_leg *l = &b->m.legs[t].leg;

		local = b->m.legs[t].local;
		peer = l->peer;
		s.dport = b->m.legs[t].port + rtcp;
		s.sport = ntohs(rtcp ? l->peer_rtcp_port : l->peer_port);
	} else {
		local = bed_addr(bed_strays[t - b->m.n_legs].local);
		s.dport = bed_strays[t - b->m.n_legs].port + rtcp;
		s.sport = 5004;
	}
	inet_ntop(AF_INET, &peer, src, sizeof(src));
	inet_ntop(AF_INET, &local, dst, sizeof(dst));
	len = build(&s, f);
	pad = len + pad > FRAME_MAX ? FRAME_MAX - len : pad;
	memset(f + len, 0, pad);
	return len + pad;
}

/* The frame that input d of n bytes describes, into f (FRAME_MAX bytes);
 * its length (at least 14), and whether the daemon reads punts. */
static inline __u32 recipe_frame(const struct bed *b, const __u8 *d, size_t n, __u8 *f,
				 bool *reader)
{
	__u8 h[RECIPE_HDR] = { 0 };
	__u32 len, l2;

	*reader = n && (d[0] & 1);
	if (!n || !(d[0] & 0x80)) {
		len = n > 1 ? (__u32)(n - 1 < FRAME_MAX ? n - 1 : FRAME_MAX) : 0;
		memset(f, 0, ETH_HLEN);
		if (len)
			memcpy(f, d + 1, len);
		return len < ETH_HLEN ? ETH_HLEN : len;
	}
	memcpy(h, d, n < RECIPE_HDR ? n : RECIPE_HDR);
	len = recipe_base(b, h, f);
	l2 = h[2] & 2 ? ETH_HLEN + 4 : ETH_HLEN;
	for (size_t i = RECIPE_HDR, k = 0; i + RECIPE_OP <= n && k < RECIPE_MAX_OPS;
	     i += RECIPE_OP, k++)
		recipe_op(b, f, &len, l2, d + i);
	return len;
}

#endif
