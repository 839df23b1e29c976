// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ceiling.bpf.c - the benchmarks' upper bound for any XDP relay: the same
 * parse and rewrite as rtpedge_xdp, but every answer comes from read-only
 * data set before load (no map lookup, no FIB lookup, no counters). What
 * rtpedge_xdp forwards per second is judged against this.
 *
 * IPv4 UDP without options or fragmentation, untagged, to a port in
 * [port_min, port_max] is rewritten to new_src:new_sport ->
 * new_dst:new_dport with MACs smac -> dmac, checksums updated
 * incrementally, and sent out of out_ifindex (XDP_TX when that is the
 * receiving device). Everything else is passed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"
#include "csum.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set through the skeleton's rodata before load; ports host order,
 * addresses network order. */
const volatile __u16 port_min = 40000;
const volatile __u16 port_max = 60000;
const volatile __be32 new_src;
const volatile __be32 new_dst;
const volatile __u16 new_sport;
const volatile __u16 new_dport;
const volatile __u8 dmac[ETH_ALEN];
const volatile __u8 smac[ETH_ALEN];
const volatile __u32 out_ifindex;

/* The UDP header of a frame to rewrite, or NULL to pass it. */
static __always_inline struct udphdr *ceiling_parse(struct cursor *c, struct ethhdr **eth,
						    struct iphdr **ip)
{
	struct udphdr *udp;
	bool tagged;
	__u16 dport;

	if (parse_eth(c, eth, &tagged) != ETH_P_IP || tagged)
		return NULL;
	*ip = parse_ipv4(c);
	if (!*ip || (*ip)->version != 4 || (*ip)->ihl != 5 ||
	    (*ip)->protocol != IPPROTO_UDP || ipv4_is_fragment(*ip))
		return NULL;
	udp = parse_udp(c);
	if (!udp)
		return NULL;
	dport = bpf_ntohs(udp->dest);
	if (dport < port_min || dport > port_max)
		return NULL;
	return udp;
}

SEC("xdp")
int ceiling_xdp(struct xdp_md *ctx)
{
	struct cursor c = { .pos = (void *)(long)ctx->data,
			    .end = (void *)(long)ctx->data_end };
	__be16 sport = bpf_htons(new_sport), dport = bpf_htons(new_dport);
	__be32 src = new_src, dst = new_dst;
	struct ethhdr *eth;
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 delta;
	int i;

	udp = ceiling_parse(&c, &eth, &ip);
	if (!udp)
		return XDP_PASS;
	/* rodata arrays are volatile: copy byte by byte (unrolled). */
#pragma unroll
	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_dest[i] = dmac[i];
		eth->h_source[i] = smac[i];
	}
	delta = csum_delta32(0, ip->saddr, src);
	delta = csum_delta32(delta, ip->daddr, dst);
	ip->check = csum_apply(ip->check, delta);
	delta = csum_delta16(delta, udp->source, sport);
	delta = csum_delta16(delta, udp->dest, dport);
	udp->check = csum_apply_udp(udp->check, delta);
	ip->saddr = src;
	ip->daddr = dst;
	udp->source = sport;
	udp->dest = dport;
	if (out_ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(out_ifindex, 0);
}
