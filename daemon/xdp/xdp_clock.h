/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_clock.h - the XDP program's clock (jiffies) in the daemon's terms
 * (CLOCK_MONOTONIC nanoseconds). See xdp_clock.c.
 */
#ifndef RTPE_XDP_CLOCK_H
#define RTPE_XDP_CLOCK_H

#include <stdint.h>
#include <linux/types.h>

struct xdp_clock {
	__u64 ref_ticks; /* a tick edge seen by the calibration ... */
	__u64 ref_ns;    /* ... and its CLOCK_MONOTONIC time */
	__u64 tick_ns;   /* one jiffy: the kernel's TICK_NSEC */
	unsigned hz;
};

/* Measures the clock by running the rtpedge_clock program (prog_fd) over
 * two tick edges at least 20 ms apart (~25 ms), at most half a second a
 * try, up to eight tries. HZ is the value the kernel can be built with
 * within 1% of the measured rate. 0, or -errno (-ETIME: no clean tick edge
 * was seen; -ERANGE: the rate matched no HZ, the edges were seen too late). */
int xdp_clock_calibrate(struct xdp_clock *c, int prog_fd);

/* CLOCK_MONOTONIC of the start of the tick a stamp was taken in (as seen
 * by the calibration: within the tick interrupt's latency), never after
 * now_ns. 0 (never) for 0, for a stamp more than a tick after now_ns
 * (not of this clock: a map written by another rtpedge version) and for
 * one before the clock's zero. */
uint64_t xdp_clock_ns(const struct xdp_clock *c, __u64 ticks, uint64_t now_ns);

/* Whole ticks covering ns (at least 1), capped at max. */
__u64 xdp_clock_ticks(const struct xdp_clock *c, uint64_t ns, __u64 max);

#endif
