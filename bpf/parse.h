/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * parse.h - BPF-only header parsing for the XDP programs: a cursor over the
 * frame and one always-inline helper per header. Each helper bounds-checks
 * the whole header against data_end before the caller may touch it, moves
 * the cursor past it, and returns NULL (or -1) when the frame ends inside
 * it, so the caller can count that as "truncated".
 *
 * vmlinux.h carries the kernel's types and enums but none of its #defines:
 * the few constants needed here are defined once, guarded.
 */
#ifndef RTPE_PARSE_H
#define RTPE_PARSE_H

#ifndef ETH_ALEN
#define ETH_ALEN 6
#endif
#ifndef ETH_HLEN
#define ETH_HLEN 14
#endif
#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef IPPROTO_UDP
#define IPPROTO_UDP 17
#endif
#ifndef IP_MF
#define IP_MF 0x2000     /* more fragments, host order */
#endif
#ifndef IP_OFFSET
#define IP_OFFSET 0x1fff /* fragment offset, host order */
#endif

#define RTPE_IPV4_HLEN 20 /* IPv4 header without options */
#define RTPE_UDP_HLEN 8
#define RTPE_RTP_HLEN 12  /* RTP fixed header, RFC 3550 5.1 */

struct cursor {
	void *pos; /* first byte not parsed yet */
	void *end; /* ctx->data_end */
};

/* The fixed RTP header (RFC 3550 5.1), network order. */
struct rtp_hdr {
	__u8 vpxcc;  /* version:2 padding:1 extension:1 csrc count:4 */
	__u8 mpt;    /* marker:1 payload type:7 */
	__be16 seq;
	__be32 ts;
	__be32 ssrc;
};

/*
 * Ethernet plus at most one 802.1Q tag. Returns the ethertype after the
 * tag in host order, or -1 when the frame ends inside the Ethernet header
 * or the tag. *tagged says whether a tag was present.
 */
static __always_inline int parse_eth(struct cursor *c, struct ethhdr **eth, bool *tagged)
{
	struct ethhdr *e = c->pos;
	struct vlan_hdr *vh;
	__u16 proto;

	if ((void *)(e + 1) > c->end)
		return -1;
	c->pos = e + 1;
	*eth = e;
	proto = bpf_ntohs(e->h_proto);
	*tagged = proto == ETH_P_8021Q;
	if (!*tagged)
		return proto;
	vh = c->pos;
	if ((void *)(vh + 1) > c->end)
		return -1;
	c->pos = vh + 1;
	return bpf_ntohs(vh->h_vlan_encapsulated_proto);
}

/*
 * The 20-byte fixed IPv4 header, or NULL when the frame ends inside it.
 * The cursor moves past the fixed part only: the caller validates ihl and
 * treats options itself.
 */
static __always_inline struct iphdr *parse_ipv4(struct cursor *c)
{
	struct iphdr *ip = c->pos;

	if ((void *)(ip + 1) > c->end)
		return NULL;
	c->pos = ip + 1;
	return ip;
}

/* The UDP header, or NULL when the frame ends inside it. */
static __always_inline struct udphdr *parse_udp(struct cursor *c)
{
	struct udphdr *udp = c->pos;

	if ((void *)(udp + 1) > c->end)
		return NULL;
	c->pos = udp + 1;
	return udp;
}

/* The fixed RTP header at the cursor, or NULL when fewer than 12 bytes
 * remain. */
static __always_inline struct rtp_hdr *parse_rtp(struct cursor *c)
{
	struct rtp_hdr *rtp = c->pos;

	if ((void *)(rtp + 1) > c->end)
		return NULL;
	return rtp;
}

/* IPv4 fragment: more fragments follow, or a non-zero offset. */
static __always_inline bool ipv4_is_fragment(const struct iphdr *ip)
{
	return (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) != 0;
}

#endif /* RTPE_PARSE_H */
