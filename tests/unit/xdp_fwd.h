/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_fwd.h - the XDP tests' run of a frame that must be relayed
 * (test_xdp.c, test_xdp_state.c): verdict, bytes and the leg's counters and
 * last-seen stamp checked, on the bed of xdp_env.h; and the start both
 * programs share.
 */
#ifndef RTPE_TEST_XDP_FWD_H
#define RTPE_TEST_XDP_FWD_H

#include <stdbool.h>

#include "check.h"
#include "xdp_env.h"
#include "xdp_frame.h"

/* How much earlier than the true tick edge the calibrated one may lie (the
 * daemon takes it from samples no more than 50 us apart). */
#define CLOCK_SLACK_NS 150000ULL

/* Runs one frame that must be relayed and checks bytes and leg counters. */
static inline void run_fwd(struct env *e, const __u8 *in, __u32 len, int action,
			   enum rtpe_verdict v, const struct fwd *f, __u32 line)
{
	struct rtpe_leg_stats before = stats_get(e, line), after;
	bool rtcp = get16(in + ETH_HLEN + 22) & 1; /* odd destination port */
	__u8 out[FRAME_MAX];
	__u64 t0 = now_ns(), t1;
	__u32 udp_len = get16(in + ETH_HLEN + 24);

	if (expect_run(e, in, len, action, v, out))
		check_fwd(in, out, len, f);
	after = stats_get(e, line);
	t1 = now_ns(); /* after the read: the stamp is never after it */
	CHECK(after.packets == before.packets + 1 && after.bytes == before.bytes + udp_len - 8,
	      "leg packets %llu -> %llu, bytes %llu -> %llu (want +1, +%u)", before.packets,
	      after.packets, before.bytes, after.bytes, udp_len - 8);
	CHECK(after.rtcp_packets == before.rtcp_packets + rtcp && after.drops == before.drops,
	      "leg rtcp_packets %llu -> %llu, drops %llu -> %llu", before.rtcp_packets,
	      after.rtcp_packets, before.drops, after.drops);
	/* stamped in jiffies: the start of the tick the packet came in */
	CHECK(after.last_seen_ns + e->clock.tick_ns + CLOCK_SLACK_NS >= t0 &&
	      after.last_seen_ns <= t1, "last_seen_ns %llu outside [%llu - one tick, %llu]",
	      after.last_seen_ns, t0, t1);
}

/* A test program's start: the bed and the program loaded, as a case of its
 * own. True when the cases can run; false when main must return
 * check_exit's status (skipped without root: 0; the setup failed: 1). */
static inline bool fwd_env_up(struct env *e, const char *name)
{
	memset(e, 0, sizeof(*e));
	if (geteuid()) {
		CASE_SKIP(name, "needs root (namespaces, BPF_PROG_TEST_RUN)");
		return false;
	}
	CASE_BEGIN("setup_netns_veths_and_load");
	CHECK(!setup(e), "the test bed or the program could not be set up");
	CASE_END();
	if (check_failures) {
		rtpedge__destroy(e->skel);
		return false;
	}
	return true;
}

#endif
