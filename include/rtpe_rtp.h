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
#define RTPE_NSEC_PER_SEC 1000000000ULL

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

/* One RTP packet's header fields (host order) into the receiver state. A
 * new SSRC starts over. */
static __always_inline void rtp_receive_fields(struct rtpe_leg_rtp *st, __u32 ssrc, __u16 seq,
					       __u32 ts, __u64 now_ns, __u32 clock_rate)
{
	__u32 transit = rtp_arrival(now_ns, clock_rate) - ts, d;

	if (!st->rtp_packets || st->ssrc != ssrc) {
		st->ssrc = ssrc;
		st->base_seq = seq;
		st->max_seq = seq;
		st->rtp_packets = 1;
		st->transit = transit;
		st->jitter = 0;
		return;
	}
	st->rtp_packets++;
	rtp_update_seq(st, seq);
	d = transit - st->transit;
	if ((__s32)d < 0)
		d = -d;
	st->transit = transit;
	st->jitter += d - ((st->jitter + 8) >> 4);
}

#endif
