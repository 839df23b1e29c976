/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_frame.h - the frames test_xdp.c sends and the check of a relayed
 * frame: the test bed's addresses and MACs, a builder that writes an
 * Ethernet/IPv4/UDP/RTP frame from a struct spec, and checksums verified by
 * full recomputation (byte pairs, big endian), independent of the
 * program's incremental arithmetic.
 *
 * Header only (each tests/unit/test_*.c is its own program); frames are
 * byte buffers, read and written bytewise.
 */
#ifndef RTPE_XDP_FRAME_H
#define RTPE_XDP_FRAME_H

#include <stdbool.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>

#include "check.h"

#define FRAME_MAX 1600
#define RTP_PAYLOAD 172 /* 12-byte RTP header + 20 ms of PCMU */
#define LOCAL_X "198.18.1.1"
#define LOCAL_Y "198.18.2.1"
#define PEER_A "198.18.1.2" /* behind x0 */
#define PEER_C "198.18.1.3" /* behind x0 too */
#define PEER_B "198.18.2.2" /* behind y0 */

static const __u8 mac_x0[ETH_ALEN] = { 2, 0, 0, 0, 1, 1 }, mac_x1[ETH_ALEN] = { 2, 0, 0, 0, 1, 2 };
static const __u8 mac_c[ETH_ALEN] = { 2, 0, 0, 0, 1, 3 };
static const __u8 mac_y0[ETH_ALEN] = { 2, 0, 0, 0, 2, 1 }, mac_y1[ETH_ALEN] = { 2, 0, 0, 0, 2, 2 };

/* What a test frame looks like; zero fields take the defaults: RTP from
 * PEER_A:5004 to LOCAL_X:40000 with consistent lengths and checksums. */
struct spec {
	__u16 ethertype;
	bool vlan;
	__u8 version, ihl, proto, ttl, tos;
	__u16 frag, id;
	const char *src, *dst;
	__u16 sport, dport;
	int payload, tot_len, udp_len;
	bool no_csum;
	__u16 seq;
	__u32 ts, ssrc;
};

static inline __u32 sum_be(const __u8 *b, size_t n, __u32 acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (__u32)b[i] << 8 | b[i + 1];
	if (n & 1)
		acc += (__u32)b[n - 1] << 8;
	return acc;
}

static inline __u16 fold_not(__u32 acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (__u16)~acc;
}

/* Full IPv4 header checksum of the header at iph, host order. Frames
 * are byte buffers: headers are read bytewise, never through misaligned
 * struct pointers. */
static inline __u16 ip_csum(const __u8 *iph)
{
	__u8 h[60];
	size_t n = (iph[0] & 0xf) * 4;

	memcpy(h, iph, n);
	h[10] = h[11] = 0;
	return fold_not(sum_be(h, n, 0));
}

/* Full UDP checksum over pseudo-header, header and len - 8 payload bytes,
 * host order, a computed 0 given as 0xffff. */
static inline __u16 udp_csum(const __u8 *iph, const __u8 *udp, size_t len)
{
	__u8 ph[12] = { [9] = IPPROTO_UDP, [10] = len >> 8, [11] = len & 0xff };
	__u16 c;

	memcpy(ph, iph + 12, 8); /* source and destination addresses */
	c = fold_not(sum_be(udp + 8, len - 8, sum_be(udp, 6, sum_be(ph, 12, 0))));
	return c ? c : 0xffff;
}

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Writes the frame s describes into buf; returns its length. */
static inline __u32 build(const struct spec *s, __u8 *buf)
{
	int pl = s->payload ? s->payload : RTP_PAYLOAD, ihl = s->ihl ? s->ihl : 5;
	__u8 *p = buf + 12, *iph, *udp, *data;
	struct iphdr ip;

	memcpy(buf, mac_x0, ETH_ALEN);
	memcpy(buf + ETH_ALEN, mac_x1, ETH_ALEN);
	if (s->vlan) {
		put16(p, ETH_P_8021Q);
		put16(p + 2, 100);
		p += 4;
	}
	put16(p, s->ethertype ? s->ethertype : ETH_P_IP);
	memset(&ip, 0, sizeof(ip));
	ip.version = s->version ? s->version : 4;
	ip.ihl = ihl;
	ip.tos = s->tos;
	ip.tot_len = htons(s->tot_len ? s->tot_len : ihl * 4 + 8 + pl);
	ip.id = htons(s->id ? s->id : 0x1234);
	ip.frag_off = htons(s->frag);
	ip.ttl = s->ttl ? s->ttl : 64;
	ip.protocol = s->proto ? s->proto : IPPROTO_UDP;
	ip.saddr = inet_addr(s->src ? s->src : PEER_A);
	ip.daddr = inet_addr(s->dst ? s->dst : LOCAL_X);
	iph = p + 2;
	memset(iph, 1, ihl * 4); /* options: NOPs */
	memcpy(iph, &ip, sizeof(ip));
	put16(iph + 10, ip_csum(iph));
	udp = iph + ihl * 4;
	put16(udp, s->sport ? s->sport : 5004);
	put16(udp + 2, s->dport ? s->dport : 40000);
	put16(udp + 4, s->udp_len ? s->udp_len : 8 + pl);
	put16(udp + 6, 0);
	data = udp + 8;
	for (int i = 0; i < pl; i++)
		data[i] = (__u8)(i * 31 + 7);
	if (pl >= 12) {
		data[0] = 0x80; /* version 2 */
		data[1] = 0;    /* PCMU */
		put16(data + 2, s->seq);
		put32(data + 4, s->ts);
		put32(data + 8, s->ssrc ? s->ssrc : 0x5eed5eed);
	}
	if (!s->no_csum)
		put16(udp + 6, udp_csum(iph, udp, 8 + pl));
	return data + pl - buf;
}

static inline __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* Where a relayed frame must go: MACs, addresses, ports (host order). */
struct fwd {
	const __u8 *dmac, *smac;
	const char *src, *dst;
	__u16 sport, dport;
};

/* out is in relayed per f: new MACs, addresses and ports; TTL, TOS, id,
 * lengths and every byte after the UDP header as they were; both checksums
 * equal to a full recomputation (a zero UDP checksum stays zero). */
static inline void check_fwd(const __u8 *in, const __u8 *out, __u32 len, const struct fwd *f)
{
	const __u8 *iu = in + ETH_HLEN + 20, *ou = out + ETH_HLEN + 20, *oh = out + ETH_HLEN;
	struct iphdr ii, oi;

	memcpy(&ii, in + ETH_HLEN, sizeof(ii));
	memcpy(&oi, oh, sizeof(oi));

	CHECK(!memcmp(out, f->dmac, ETH_ALEN), "dst MAC %02x:%02x:..:%02x", out[0], out[1], out[5]);
	CHECK(!memcmp(out + ETH_ALEN, f->smac, ETH_ALEN), "src MAC ..:%02x", out[11]);
	CHECK(oi.saddr == inet_addr(f->src) && oi.daddr == inet_addr(f->dst),
	      "addresses %08x -> %08x, want %s -> %s", ntohl(oi.saddr), ntohl(oi.daddr),
	      f->src, f->dst);
	CHECK(oi.ttl == ii.ttl && oi.tos == ii.tos && oi.id == ii.id &&
	      oi.frag_off == ii.frag_off && oi.tot_len == ii.tot_len &&
	      !memcmp(out + 12, in + 12, 2), "Ethernet type or IPv4 fields besides addresses changed");
	CHECK(get16(oh + 10) == ip_csum(oh), "IPv4 checksum %04x, full recomputation %04x",
	      get16(oh + 10), ip_csum(oh));
	CHECK(get16(ou) == f->sport && get16(ou + 2) == f->dport, "ports %u -> %u, want %u -> %u",
	      get16(ou), get16(ou + 2), f->sport, f->dport);
	CHECK(get16(ou + 4) == get16(iu + 4), "UDP length changed");
	CHECK(!memcmp(ou + 8, iu + 8, len - ETH_HLEN - 28), "payload (or padding) changed");
	if (!get16(iu + 6))
		CHECK(!get16(ou + 6), "zero UDP checksum became %04x", get16(ou + 6));
	else
		CHECK(get16(ou + 6) == udp_csum(oh, ou, get16(ou + 4)),
		      "UDP checksum %04x, full recomputation %04x", get16(ou + 6),
		      udp_csum(oh, ou, get16(ou + 4)));
}

#endif
