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
 * The srtp phase's packets carry no readable stamp where the relay
 * encrypted them, so they are told by their SSRC, in the clear
 * (bench_gen.bpf.c's modes): 0x11xxxxxx has the send time in the RTP
 * timestamp (ns >> 10: latency to about a microsecond), 0x12xxxxxx none
 * (made beforehand), counted untimed. A stamp whose send time is 0 (a
 * pre-made SRTP packet the relay decrypted) is counted untimed too.
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
#define SSRC_RTP_CLOCK 0x11    /* top byte of the SSRC: send time in the RTP timestamp */
#define SSRC_UNTIMED 0x12      /* top byte of the SSRC: no send time anywhere */

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
	SINK_UNTIMED,    /* counted packets without a send time */
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

/* Counts a packet of len bytes sent at send_ns (0: unknown) into the
 * counters and the histogram; drops it. */
static __always_inline int take(__u64 len, __u64 send_ns)
{
	__u64 now = bpf_ktime_get_ns(), lat, *h;
	__u32 b;

	count(SINK_PACKETS, 1);
	count(SINK_BYTES, len);
	if (!send_ns) {
		count(SINK_UNTIMED, 1);
		return XDP_DROP;
	}
	if (send_ns > now) {
		count(SINK_CLOCK_SKEW, 1);
		return XDP_DROP;
	}
	lat = now - send_ns;
	count(SINK_LAT_SUM_NS, lat);
	b = lat_bucket(lat) & (SINK_BUCKETS - 1);
	h = bpf_map_lookup_elem(&bench_sink_hist, &b);
	if (h)
		*h += 1;
	return XDP_DROP;
}

/* The send time of a packet whose RTP timestamp holds it (ns >> 10, 32
 * bits): the most recent such time not after now. */
static __always_inline __u64 rtp_clock_sent(const struct rtp_hdr *rtp)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 ago = (__u32)(now >> 10) - bpf_ntohl(rtp->ts);

	return ((__u64)ago << 10) < now ? now - ((__u64)ago << 10) : 1;
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	struct cursor c = { .pos = (void *)(long)ctx->data,
			    .end = (void *)(long)ctx->data_end };
	__u64 len = ctx->data_end - ctx->data;
	struct bench_stamp *st;
	struct rtp_hdr *rtp;
	struct ethhdr *eth;
	struct iphdr *ip;
	bool tagged;
	__u8 top;

	if (parse_eth(&c, &eth, &tagged) != ETH_P_IP)
		goto other;
	ip = parse_ipv4(&c);
	if (!ip || ip->ihl != 5 || ip->protocol != IPPROTO_UDP || !parse_udp(&c))
		goto other;
	rtp = parse_rtp(&c);
	if (!rtp)
		goto other;
	st = (void *)(rtp + 1);
	if ((void *)(st + 1) <= c.end && st->magic == bpf_htonl(BENCH_MAGIC))
		return take(len, st->send_ns);
	top = (__u8)(bpf_ntohl(rtp->ssrc) >> 24);
	if ((rtp->vpxcc & 0xc0) == 0x80 && top == SSRC_RTP_CLOCK)
		return take(len, rtp_clock_sent(rtp));
	if ((rtp->vpxcc & 0xc0) == 0x80 && top == SSRC_UNTIMED)
		return take(len, 0);
other:
	count(SINK_OTHER, 1);
	return XDP_PASS;
}
