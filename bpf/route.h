/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * route.h - BPF-only: the XDP fast path's route cache.
 *
 * The FIB lookup (a FIB walk, an MTU check and a neighbour lookup) is the
 * largest part of the per-packet work, and media towards one peer takes
 * the same route packet after packet. Each CPU keeps its recent
 * successful lookups, direct-mapped by (destination, source, ingress
 * device, TOS), for rtpe_config's fib_cache_ticks (jiffies; the daemon
 * sets a second): a route, neighbour or forwarding change reaches the fast
 * path within that time. Only successes are kept (a miss or an unresolved
 * neighbour asks again at the next packet), and a packet longer than the
 * one the route was checked for asks again (MTU). The UDP ports are not
 * part of the key: policy routing by port or multipath hashing on ports
 * is decided per destination for that time. Not pinned: a new program
 * starts with an empty cache.
 *
 * src and dst are the rewritten packet's addresses; TOS and length are
 * read from ip, the received header. The includer provides vmlinux.h,
 * bpf_helpers.h, bpf_endian.h and parse.h first.
 */
#ifndef RTPE_ROUTE_H
#define RTPE_ROUTE_H

#define RTPE_FIB_CACHE_BITS 12
#define RTPE_FIB_CACHE_SLOTS (1U << RTPE_FIB_CACHE_BITS)

struct fib_cached {
	__u64 expires; /* jiffies */
	__be32 src, dst;
	__u32 in_ifindex, out_ifindex;
	__u16 tot_len; /* the longest packet the route was checked for */
	__u8 tos;
	__u8 pad;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTPE_FIB_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct fib_cached);
} rtpe_fib_cache SEC(".maps");

/* The cache slot of this route (NULL only if the map is broken). */
static __always_inline struct fib_cached *fib_cache_slot(__be32 src, __be32 dst,
							 const struct iphdr *ip, __u32 in)
{
	__u32 h = (dst ^ (src * 31) ^ (in << 16) ^ ip->tos) * 0x9e3779b1u;

	h >>= 32 - RTPE_FIB_CACHE_BITS;
	return bpf_map_lookup_elem(&rtpe_fib_cache, &h);
}

/* A live cache entry for this route: its answer goes into fib. */
static __always_inline bool fib_cache_hit(const struct fib_cached *c, __be32 src, __be32 dst,
					  const struct iphdr *ip, __u32 in, __u64 now,
					  struct bpf_fib_lookup *fib)
{
	if (now >= c->expires || c->dst != dst || c->src != src ||
	    c->in_ifindex != in || c->tos != ip->tos ||
	    bpf_ntohs(ip->tot_len) > c->tot_len)
		return false;
	fib->ifindex = c->out_ifindex;
	__builtin_memcpy(fib->smac, c->smac, ETH_ALEN);
	__builtin_memcpy(fib->dmac, c->dmac, ETH_ALEN);
	return true;
}

/* Keeps fib's successful answer for this route until expires (jiffies). */
static __always_inline void fib_cache_put(struct fib_cached *c, __be32 src, __be32 dst,
					  const struct iphdr *ip, __u32 in, __u64 expires,
					  const struct bpf_fib_lookup *fib)
{
	c->expires = expires;
	c->src = src;
	c->dst = dst;
	c->in_ifindex = in;
	c->out_ifindex = fib->ifindex;
	c->tot_len = bpf_ntohs(ip->tot_len);
	c->tos = ip->tos;
	__builtin_memcpy(c->smac, fib->smac, ETH_ALEN);
	__builtin_memcpy(c->dmac, fib->dmac, ETH_ALEN);
}

#endif /* RTPE_ROUTE_H */
