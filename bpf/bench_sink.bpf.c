// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_sink.bpf.c - the benchmarks' receiver: an XDP program on the far
 * host's device that counts what the relay delivered and drops it, so that
 * receiving costs next to nothing and no socket or stack is involved.
 *
 * A frame counts when it is IPv4/UDP and carries the generator's stamp
 * (bench_gen.bpf.c: magic after the 12-byte RTP header). Its one-way
 * latency, bpf_ktime_get_ns() now minus the stamped send time, goes into
 * a log-linear histogram: 16 buckets per power of two (about 4% wide),
 * exact below 16 ns. Everything else is passed to the kernel (ARP...).
 *
 * Counters and histogram are per-CPU arrays of __u64: userspace sums the
 * CPUs and takes differences between two reads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BENCH_MAGIC 0x52545042 /* "RTPB" */
#define SINK_SUB_BITS 4        /* 16 sub-buckets per power of two */
#define SINK_BUCKETS 1024      /* covers 0 ns .. 2^64 ns */

struct bench_stamp {
	__be32 magic;
	__be32 flow;
	__u64 send_ns;
};

/* Indexes of bench_sink_counts (rtpgen.c reads them by number). */
enum sink_counter {
	SINK_PACKETS,    /* stamped packets received and dropped */
	SINK_BYTES,      /* their frame bytes */
	SINK_OTHER,      /* anything else, passed */
	SINK_LAT_SUM_NS, /* sum of their latencies */
	SINK_CLOCK_SKEW, /* stamps from the future (another clock?) */
	SINK_N_COUNTERS,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_N_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} bench_sink_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} bench_sink_hist SEC(".maps");

/* floor(log2(v)) for v > 0, without loops. */
static __always_inline __u32 ilog2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1)
		r += 1;
	return r;
}

/* Log-linear bucket of a latency (rtpgen.c inverts it). */
static __always_inline __u32 lat_bucket(__u64 ns)
{
	__u32 l;

	if (ns < (1 << SINK_SUB_BITS))
		return (__u32)ns;
	l = ilog2_u64(ns);
	return ((l - SINK_SUB_BITS + 1) << SINK_SUB_BITS) |
	       (__u32)((ns >> (l - SINK_SUB_BITS)) & ((1 << SINK_SUB_BITS) - 1));
}

static __always_inline void count(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&bench_sink_counts, &which);

	if (v)
		*v += n;
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	struct cursor c = { .pos = (void *)(long)ctx->data,
			    .end = (void *)(long)ctx->data_end };
	struct bench_stamp *st;
	struct rtp_hdr *rtp;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u64 now, lat, *h;
	bool tagged;
	__u32 b;

	if (parse_eth(&c, &eth, &tagged) != ETH_P_IP)
		goto other;
	ip = parse_ipv4(&c);
	if (!ip || ip->ihl != 5 || ip->protocol != IPPROTO_UDP || !parse_udp(&c))
		goto other;
	rtp = parse_rtp(&c);
	if (!rtp)
		goto other;
	st = (void *)(rtp + 1);
	if ((void *)(st + 1) > c.end || st->magic != bpf_htonl(BENCH_MAGIC))
		goto other;
	now = bpf_ktime_get_ns();
	count(SINK_PACKETS, 1);
	count(SINK_BYTES, ctx->data_end - ctx->data);
	if (st->send_ns > now) {
		count(SINK_CLOCK_SKEW, 1);
		return XDP_DROP;
	}
	lat = now - st->send_ns;
	count(SINK_LAT_SUM_NS, lat);
	b = lat_bucket(lat) & (SINK_BUCKETS - 1);
	h = bpf_map_lookup_elem(&bench_sink_hist, &b);
	if (h)
		*h += 1;
	return XDP_DROP;
other:
	count(SINK_OTHER, 1);
	return XDP_PASS;
}
