// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_clock.c - owns the conversion between the XDP program's clock and
 * the daemon's.
 *
 * The fast path stamps last-seen and times its route cache in jiffies
 * (bpf_jiffies64, which the verifier inlines as one load), because a
 * nanosecond clock read costs it more than all its other per-packet work
 * (docs/PERFORMANCE.md). Jiffies advance by one every TICK_NSEC of
 * CLOCK_MONOTONIC (the timekeeping code moves them by whole periods of
 * that clock), so one tick edge seen with its CLOCK_MONOTONIC time and the
 * tick length convert any stamp, with no drift, to within one tick. The
 * daemon cannot read jiffies or HZ itself: rtpedge_clock, a syscall
 * program in the same object, reads them for it.
 */
#include "xdp/xdp_clock.h"

#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "rtpedge.h"

#define CAL_MAX_NS (RTPE_NSEC_PER_SEC / 2)
/* Edges at least this far apart measure HZ (to well within 1%). */
#define CAL_SPAN_NS 20000000ULL
/* Tries before giving up. A try fails with -ERANGE (edges seen too late)
 * or -ETIME (no clean edge within CAL_MAX_NS: every sample interrupted,
 * as on a host whose CPUs are all busy, seen under a loaded CI machine
 * with sanitizer builds); both are retried, for at most 4 s in all. */
#define CAL_TRIES 8
/* A sample whose reads lie further apart, or an edge seen later than this
 * after the last sample before it, was interrupted: not used. */
#define CAL_GAP_NS 50000ULL

static int sample(int fd, struct rtpe_clock_sample *s)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = s, .ctx_size_in = sizeof(*s));

	memset(s, 0, sizeof(*s));
	if (bpf_prog_test_run_opts(fd, &o) < 0)
		return -errno;
	return s->ns && s->ns_after >= s->ns ? 0 : -EIO;
}

/* The first sample with ticks past after, taken right after a sample that
 * still had fewer, with ns set to when that one began: the edge came
 * later, by at most about 2 * CAL_GAP_NS. Stamps converted from it are then
 * never later than the tick they were taken in. */
static int edge(int fd, __u64 after, uint64_t deadline, struct rtpe_clock_sample *s)
{
	struct rtpe_clock_sample prev = { 0 };
	int e;

	do {
		e = sample(fd, s);
		if (e)
			return e;
		if (s->ticks > after && prev.ns && s->ns_after - s->ns < CAL_GAP_NS &&
		    s->ns - prev.ns_after < CAL_GAP_NS) {
			s->ns = prev.ns;
			return 0;
		}
		if (s->ticks > after)
			after = s->ticks; /* interrupted: wait for the next edge */
		prev = *s;
	} while (s->ns < deadline);
	return -ETIME;
}

/*
 * The kernel's HZ from ticks counted over span ns. Each edge is seen as
 * late as its tick interrupt ran (tens of us in a VM, at times more), so
 * the measured rate is only near HZ: rounding it would be off by one now
 * and then (one tick measured 40 us short reads 252 at HZ=250), and a
 * tick length off by 0.4% puts a stamp an hour old 14 s off. HZ is one of
 * the values the kernel can be built with: the one within 1% of the
 * measurement, else 0 (measure again).
 */
static unsigned hz_of(__u64 ticks, uint64_t span)
{
	static const unsigned choices[] = { 24, 32, 48, 64, 100, 128, 200, 250, 256, 300,
					    500, 1000, 1024, 1200 };
	double hz = (double)ticks * RTPE_NSEC_PER_SEC / (double)span;

	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++)
		if (hz > choices[i] * 0.99 && hz < choices[i] * 1.01)
			return choices[i];
	return 0;
}

/* One measurement: an edge, then another at least CAL_SPAN_NS later. */
static int measure(struct xdp_clock *c, int prog_fd)
{
	struct rtpe_clock_sample s0, a = { 0 }, b;
	int e = sample(prog_fd, &s0);

	if (!e)
		e = edge(prog_fd, s0.ticks, s0.ns + CAL_MAX_NS, &a);
	b = a;
	while (!e && b.ns - a.ns < CAL_SPAN_NS)
		e = edge(prog_fd, b.ticks, s0.ns + CAL_MAX_NS, &b);
	if (e)
		return e;
	c->hz = hz_of(b.ticks - a.ticks, b.ns - a.ns);
	if (!c->hz)
		return -ERANGE;
	c->tick_ns = (RTPE_NSEC_PER_SEC + c->hz / 2) / c->hz; /* the kernel's TICK_NSEC */
	c->ref_ticks = b.ticks;
	c->ref_ns = b.ns;
	return 0;
}

int xdp_clock_calibrate(struct xdp_clock *c, int prog_fd)
{
	int e = -ERANGE;

	for (int i = 0; i < CAL_TRIES && (e == -ERANGE || e == -ETIME); i++)
		e = measure(c, prog_fd);
	return e;
}

uint64_t xdp_clock_ns(const struct xdp_clock *c, __u64 ticks, uint64_t now_ns)
{
	uint64_t ns, d;

	if (!ticks || !c->tick_ns)
		return 0;
	/* ref_ns +/- d ticks, in unsigned arithmetic with the bounds checked
	 * first: a stamp is any 64-bit value (another version's nanoseconds,
	 * garbage), and d * tick_ns of one far from the reference does not
	 * fit (as a signed product it overflowed; wrapped, it could land
	 * anywhere, even on a time in the past that reads as live). One
	 * beyond the 64-bit range after the reference is far ahead of any
	 * now: not this clock's. One before the clock's zero (d ticks back
	 * are more than ref_ns) cannot be of this boot: none as well. */
	if (ticks >= c->ref_ticks) {
		d = ticks - c->ref_ticks;
		if (d > (UINT64_MAX - c->ref_ns) / c->tick_ns)
			return 0;
		ns = c->ref_ns + d * c->tick_ns;
	} else {
		d = c->ref_ticks - ticks;
		if (d > c->ref_ns / c->tick_ns)
			return 0;
		ns = c->ref_ns - d * c->tick_ns;
	}
	if (ns <= now_ns)
		return ns;
	/* The edges are known as late as the calibration's tick interrupt
	 * ran; another tick's interrupt may run sooner, and a stamp taken
	 * just after it converts to a little after now. It was taken before
	 * now: now. More than a tick ahead, it is not this clock's (a map an
	 * older version wrote in nanoseconds). Never 0 for a live stamp: the
	 * sweep would take the leg for idle since its session began. */
	return ns - now_ns < c->tick_ns ? now_ns : 0;
}

__u64 xdp_clock_ticks(const struct xdp_clock *c, uint64_t ns, __u64 max)
{
	__u64 t = c->tick_ns ? (ns + c->tick_ns - 1) / c->tick_ns : max;

	return t < 1 ? 1 : t > max ? max : t;
}
