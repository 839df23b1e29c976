// SPDX-License-Identifier: GPL-2.0
/*
 * test_xdp_clock.c - daemon/xdp/xdp_clock.c's conversion of fast-path stamps
 * (jiffies) to CLOCK_MONOTONIC, on a clock whose edges are given: every
 * stamp lands on its tick's start, never after now and never "none" for a
 * live stamp (the sweep would take the leg for idle), and a stamp of
 * another clock reads as none.
 */
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "xdp/xdp_clock.h"

#define TICK 4000000ULL /* HZ=250 */
#define REF_NS 1000000000000ULL
#define REF_TICKS 4294967296ULL

static const struct xdp_clock clk = { .ref_ticks = REF_TICKS, .ref_ns = REF_NS,
				      .tick_ns = TICK, .hz = 250 };

static void case_ticks_to_their_start(void)
{
	CASE_BEGIN("a stamp converts to the start of its tick, before or after the reference");
	CHECK(xdp_clock_ns(&clk, REF_TICKS, REF_NS + 5) == REF_NS, "reference tick");
	CHECK(xdp_clock_ns(&clk, REF_TICKS + 250, REF_NS + 250 * TICK + 3) == REF_NS + 250 * TICK,
	      "a second later");
	CHECK(xdp_clock_ns(&clk, REF_TICKS - 10, REF_NS) == REF_NS - 10 * TICK, "before the reference");
	CHECK(xdp_clock_ns(&clk, 0, REF_NS) == 0, "0 is never");
	CASE_END();
}

/* The tick interrupt that moved jiffies to the stamp's tick ran sooner
 * than the calibration's did: the stamp converts to a little after now. */
static void case_current_tick_never_none(void)
{
	uint64_t now = REF_NS + 100 * TICK + 20000; /* 20 us into tick 100 */

	CASE_BEGIN("a stamp of the current tick converting past now is now, not none");
	CHECK(xdp_clock_ns(&clk, REF_TICKS + 100, now) == REF_NS + 100 * TICK, "on time");
	/* the calibration saw its edge 50 us late: the tick starts "at" +50 us */
	{
		struct xdp_clock late = clk;

		late.ref_ns += 50000;
		CHECK(xdp_clock_ns(&late, REF_TICKS + 100, now) == now,
		      "converted %llu, now %llu",
		      (unsigned long long)xdp_clock_ns(&late, REF_TICKS + 100, now),
		      (unsigned long long)now);
	}
	CASE_END();
}

static void case_other_clock_is_none(void)
{
	uint64_t now = REF_NS + 100 * TICK;

	CASE_BEGIN("a stamp a tick or more ahead of now is another clock's: none");
	CHECK(xdp_clock_ns(&clk, REF_TICKS + 101, now) == 0, "one tick ahead");
	CHECK(xdp_clock_ns(&clk, REF_TICKS + 100000, now) == 0, "far ahead");
	/* an older version's nanosecond stamp read as jiffies */
	CHECK(xdp_clock_ns(&clk, 21824896054232ULL, now) == 0, "nanoseconds");
	CASE_END();
}

/* 2^56 ticks of 4 ms are 2^64 * 15625 ns: a product taken modulo 2^64
 * (or a signed one that overflowed) is 0, and the stamp would read as the
 * reference tick, live. */
static void case_far_stamps_are_none(void)
{
	uint64_t now = REF_NS + 100 * TICK;

	CASE_BEGIN("a stamp whose distance in ns does not fit 64 bits, or before the clock's zero: none");
	CHECK(xdp_clock_ns(&clk, REF_TICKS + (1ULL << 56), now) == 0, "2^56 ticks after");
	CHECK(xdp_clock_ns(&clk, REF_TICKS - (1ULL << 56), now) == 0, "2^56 ticks before");
	CHECK(xdp_clock_ns(&clk, UINT64_MAX, now) == 0, "the largest stamp");
	CHECK(xdp_clock_ns(&clk, REF_TICKS - REF_NS / TICK - 1, now) == 0, "a tick before the zero");
	CHECK(xdp_clock_ns(&clk, REF_TICKS - REF_NS / TICK + 1, now) == TICK, "a tick after the zero");
	CASE_END();
}

static void case_ticks_covering(void)
{
	CASE_BEGIN("whole ticks covering a duration, at least one, capped");
	CHECK(xdp_clock_ticks(&clk, 1000000000ULL, 65535) == 250, "a second");
	CHECK(xdp_clock_ticks(&clk, 1, 65535) == 1, "a nanosecond");
	CHECK(xdp_clock_ticks(&clk, 4000001ULL, 65535) == 2, "just over a tick");
	CHECK(xdp_clock_ticks(&clk, 1000000000000ULL, 65535) == 65535, "capped");
	CASE_END();
}

int main(void)
{
	case_ticks_to_their_start();
	case_current_tick_never_none();
	case_other_clock_is_none();
	case_far_stamps_are_none();
	case_ticks_covering();
	CHECK_EXIT();
}
