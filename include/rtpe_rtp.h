/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rtpe_rtp.h - RFC 3550 receiver state (A.1 sequence numbers, A.8 jitter),
 * written once and compiled into both the XDP program (XDP legs) and the
 * daemon's userspace relay (every other leg), so the two paths report the
 * same figures for the same packets. Include rtpedge.h first.
 */
#ifndef RTPE_RTP_H
#define RTPE_RTP_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define RTP_VERSION 2
#define RTP_MAX_DROPOUT 3000    /* RFC 3550 A.1: larger jumps are ignored */
#define RTP_DEFAULT_CLOCK 8000  /* Hz, when the leg does not say */

/* The RTP clock now, as RFC 3550 A.8's "arrival" (wraps at 32 bits). The
 * product is split at whole seconds: now_ns * rate alone would overflow
 * 64 bits after two days of uptime at 90 kHz. */
static __always_inline __u32 rtp_arrival(__u64 now_ns, __u32 clock_rate)
{
	__u64 rate = clock_rate ? clock_rate : RTP_DEFAULT_CLOCK;

	return (__u32)((now_ns / RTPE_NSEC_PER_SEC) * rate +
		       (now_ns % RTPE_NSEC_PER_SEC) * rate / RTPE_NSEC_PER_SEC);
}

/* RFC 3550 A.1, simplified: the extended highest sequence number. A seq
 * up to RTP_MAX_DROPOUT ahead (modulo 2^16) advances it, counting a wrap
 * when it is numerically below the old one; anything else (duplicate, late,
 * big jump) leaves it alone. */
static __always_inline void rtp_update_seq(struct rtpe_leg_rtp *st, __u16 seq)
{
	__u16 max = st->max_seq & 0xffff;
	__u16 udelta = seq - max;
	__u32 cycles = st->max_seq & 0xffff0000;

	if (udelta >= RTP_MAX_DROPOUT)
		return;
	if (seq < max)
		cycles += 1U << 16;
	st->max_seq = cycles | seq;
}

/*
 * Jitter from sampled pairs. RFC 3550 A.8 updates the estimate at every
 * packet from D(i-1, i), the difference between the relative transit times
 * of two consecutive packets, which needs every packet's arrival time. On
 * the XDP path reading a nanosecond clock costs more than all the other
 * per-packet work together (docs/PERFORMANCE.md), so the estimate is fed
 * one consecutive pair in about RTP_JITTER_PAIRS: the pairs (s - 1, s)
 * whose s rtp_pair_closes. Each sample is exact (both arrivals read from the
 * clock) and the estimator and its 1/16 gain are RFC 3550's: the same mean
 * |D|, at a longer time constant (16 samples, ~5 s at 50 packets/s) and
 * noisier for rare single spikes. A hash of s rather than every Nth
 * packet, so a delay pattern that repeats every N packets is not sampled
 * at one phase. The XDP program and the userspace relay sample the same
 * pairs of the same stream, so both report the same figure.
 */
#define RTP_JITTER_PAIRS 16 /* 1 / the share of pairs sampled (a power of 2) */

static __always_inline bool rtp_pair_closes(__u16 seq)
{
	__u32 h = seq * 0x9e3779b1u;

	h ^= h >> 15;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h < 0xffffffffu / RTP_JITTER_PAIRS;
}

static __always_inline bool rtp_new_stream(const struct rtpe_leg_rtp *st, __u32 ssrc)
{
	return !st->rtp_packets || st->ssrc != ssrc;
}

/* Whether rtp_receive_fields needs this packet's arrival time: the first
 * of a new stream, the first of a sampled pair, or the second of a pair
 * whose first was kept. Only then need the caller read the clock. */
static __always_inline bool rtp_wants_arrival(const struct rtpe_leg_rtp *st, __u32 ssrc,
					      __u16 seq)
{
	return rtp_new_stream(st, ssrc) || rtp_pair_closes((__u16)(seq + 1)) ||
	       (st->pair_seq == (__u16)(seq - 1) && rtp_pair_closes(seq));
}

/* One RTP packet's header fields (host order) into the receiver state. A
 * new SSRC starts over. now_ns: the arrival time (CLOCK_MONOTONIC) when
 * rtp_wants_arrival said so, else 0 (then no jitter sample is taken or
 * kept, also when another CPU changed the state in between). */
static __always_inline void rtp_receive_fields(struct rtpe_leg_rtp *st, __u32 ssrc, __u16 seq,
					       __u32 ts, __u64 now_ns, __u32 clock_rate)
{
	__u32 transit = now_ns ? rtp_arrival(now_ns, clock_rate) - ts : 0, d;

	if (rtp_new_stream(st, ssrc)) {
		st->ssrc = ssrc;
		st->base_seq = seq;
		st->max_seq = seq;
		st->rtp_packets = 1;
		st->jitter = 0;
		st->transit = transit;
		/* kept only with an arrival time; else one no packet closes */
		st->pair_seq = now_ns ? seq : (__u16)(seq + 0x8000);
		return;
	}
	st->rtp_packets++;
	rtp_update_seq(st, seq);
	if (!now_ns)
		return;
	if (st->pair_seq == (__u16)(seq - 1) && rtp_pair_closes(seq)) {
		d = transit - st->transit;
		if ((__s32)d < 0)
			d = -d;
		st->jitter += d - ((st->jitter + 8) >> 4);
	}
	if (rtp_pair_closes((__u16)(seq + 1))) {
		st->transit = transit;
		st->pair_seq = seq;
	}
}

#endif
