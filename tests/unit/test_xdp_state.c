// SPDX-License-Identifier: GPL-2.0
/*
 * test_xdp_state.c - a leg's state kept by the XDP fast path, under
 * BPF_PROG_TEST_RUN on the bed of xdp_env.h: the RTP receiver state (gaps,
 * wrap, SSRC change, jitter) also when the stream's packets run on two
 * CPUs, the leg's counters exact when two CPUs count at once, and the
 * daemon's calibration of the program's clock. The frames' verdicts and
 * bytes are test_xdp.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rtpedge.h"
#include "rtpedge.skel.h"
#include "check.h"
#include "xdp_env.h"
#include "xdp_frame.h"
#include "xdp_fwd.h"

/* Sends one RTP packet on the quality leg, which must be relayed: seq is
 * ext_seq modulo 2^16, timestamp 160 per ext_seq (20 ms at 8 kHz). */
static void rtp_send(struct env *e, __u32 ssrc, __u32 ext_seq)
{
	struct fwd f = { mac_y1, mac_y0, LOCAL_Y, PEER_B, 40052, 6050 };
	struct spec s = { .dport = 40050, .sport = 5050, .seq = (__u16)ext_seq, .ts = ext_seq * 160,
			  .ssrc = ssrc };
	__u8 in[FRAME_MAX];

	run_fwd(e, in, build(&s, in), XDP_REDIRECT, RTPE_V_REDIRECT, &f, row_line(e, SLOT_Q));
}

/* The line's RTP receiver state (one copy for all CPUs). */
static struct rtpe_leg_rtp rtp_get(struct env *e, __u32 line)
{
	struct rtpe_leg_state st;

	if (bpf_map_lookup_elem(e->fd_state, &line, &st))
		memset(&st, 0xff, sizeof(st));
	return st.rtp;
}

/* RFC 3550 A.1 as userspace derives it: expected minus received, floor 0. */
static long long rtp_lost(const struct rtpe_leg_rtp *st)
{
	long long lost = (long long)st->max_seq - st->base_seq + 1 - st->rtp_packets;

	return lost < 0 ? 0 : lost;
}

/* Checks the receiver state; jitter is computed from real arrival times,
 * so only bounded: |D| <= ts step + elapsed clock units, J <= 16 max|D|. */
static void rtp_expect(struct env *e, __u32 ssrc, __u32 base, __u32 max, __u32 n,
		       long long lost, __u64 t0, __u32 max_step)
{
	struct rtpe_leg_rtp st = rtp_get(e, row_line(e, SLOT_Q));
	__u64 bound = 16 * (max_step + (now_ns() - t0) * 8000 / 1000000000ULL + 2);

	CHECK(st.ssrc == ssrc && st.base_seq == base && st.max_seq == max && st.rtp_packets == n,
	      "ssrc %08x base %u max %u packets %u; want %08x %u %u %u", st.ssrc, st.base_seq,
	      st.max_seq, st.rtp_packets, ssrc, base, max, n);
	CHECK(rtp_lost(&st) == lost, "lost %lld, want %lld", rtp_lost(&st), lost);
	CHECK(st.jitter > 0 && st.jitter <= bound, "jitter %u (x16 clock units) not in (0, %llu]",
	      st.jitter, bound);
}

static int pin_cpu(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/* One stream whose packets XDP runs on two CPUs in turn (RSS changes; on
 * veth the NAPI runs on the sender's CPU): one receiver state, no phantom
 * loss. */
static void case_rtp_across_cpus(struct env *e)
{
	int home = sched_getcpu(), other = home ? 0 : 1;
	__u64 t0 = now_ns();

	if (e->ncpus < 2 || pin_cpu(other)) {
		CASE_SKIP("rtp_state_follows_the_stream_across_cpus", "needs two CPUs");
		pin_cpu(home);
		return;
	}
	pin_cpu(home);
	CASE_BEGIN("rtp_state_follows_the_stream_across_cpus");
	for (__u32 seq = 1; seq <= 30; seq++) {
		pin_cpu(seq > 10 && seq <= 20 ? other : home);
		rtp_send(e, 0x33333333, seq);
	}
	pin_cpu(home);
	rtp_expect(e, 0x33333333, 1, 30, 30, 0, t0, 160);
	CASE_END();
}

/* One thread of case_counters_across_cpus: on its CPU, the frame run
 * repeat times in one BPF_PROG_TEST_RUN (an XDP_DROP leaves it as it is,
 * so every repetition is the same packet). */
struct cpu_run {
	int prog, cpu, rc;
	const __u8 *frame;
	__u32 len, repeat;
};

static void *cpu_run_thread(void *arg)
{
	struct cpu_run *c = arg;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->frame, .data_size_in = c->len,
		    .repeat = c->repeat);
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(c->cpu, &one);
	c->rc = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) ? -1 :
		bpf_prog_test_run_opts(c->prog, &o);
	if (!c->rc && o.retval != XDP_DROP)
		c->rc = -2;
	return NULL;
}

/* A leg's counters are one copy for all CPUs (rtpe_legs_state): two CPUs
 * counting for one leg at the same time must lose nothing (atomic adds;
 * plain adds lose thousands of these). Drops are counted like packets. */
static void case_counters_across_cpus(struct env *e)
{
	struct cpu_run c[2];
	pthread_t t[2];
	__u8 in[FRAME_MAX];
	__u32 len = build(&(struct spec){ .src = "198.18.1.66" }, in);
	struct rtpe_leg_stats before = stats_get(e, row_line(e, SLOT_A)), after;

	if (e->ncpus < 2) {
		CASE_SKIP("leg_counters_exact_when_two_cpus_count_at_once", "needs two CPUs");
		return;
	}
	CASE_BEGIN("leg_counters_exact_when_two_cpus_count_at_once");
	for (int i = 0; i < 2; i++) {
		c[i] = (struct cpu_run){ .prog = e->prog, .cpu = i, .frame = in, .len = len,
					 .repeat = 500000 };
		CHECK(!pthread_create(&t[i], NULL, cpu_run_thread, &c[i]), "pthread_create");
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(!c[0].rc && !c[1].rc, "runs failed: %d %d", c[0].rc, c[1].rc);
	e->expect[RTPE_V_DROP_SRC_MISMATCH] += 2 * 500000ULL; /* for case_totals */
	e->expect_bytes[RTPE_V_DROP_SRC_MISMATCH] += 2 * 500000ULL * len;
	after = stats_get(e, row_line(e, SLOT_A));
	CHECK(after.drops - before.drops == 2 * 500000ULL && after.packets == before.packets,
	      "drops grew by %llu (want %llu), packets %llu -> %llu",
	      after.drops - before.drops, 2 * 500000ULL, before.packets, after.packets);
	CASE_END();
}

/* The daemon's clock calibration (daemon/xdp/xdp_clock.c), run again and
 * again: the same HZ every time, its TICK_NSEC, and every reference edge
 * where the first one predicts it (a wrong HZ, or a tick measured off by
 * its interrupt's latency, drifts by 0.4% and more). */
static void case_clock_calibration(struct env *e)
{
	int fd = bpf_program__fd(e->skel->progs.rtpedge_clock);
	struct xdp_clock c;

	CASE_BEGIN("clock_calibration_same_hz_and_edges_every_time");
	for (int i = 0; i < 10; i++) {
		int64_t d;

		CHECK(!xdp_clock_calibrate(&c, fd), "calibration %d failed", i);
		CHECK(c.hz == e->clock.hz && c.tick_ns == e->clock.tick_ns &&
		      c.tick_ns == (1000000000ULL + c.hz / 2) / c.hz,
		      "HZ %u (tick %llu ns), first %u", c.hz, (unsigned long long)c.tick_ns,
		      e->clock.hz);
		d = (int64_t)(c.ref_ns - e->clock.ref_ns) -
		    (int64_t)(c.ref_ticks - e->clock.ref_ticks) * (int64_t)e->clock.tick_ns;
		CHECK(d > -(int64_t)CLOCK_SLACK_NS && d < (int64_t)CLOCK_SLACK_NS,
		      "edge %d off the first calibration's by %lld ns", i, (long long)d);
	}
	CASE_END();
}

static void case_rtp_quality(struct env *e)
{
	__u64 t0 = now_ns();

	CASE_BEGIN("rtp_quality_gap_wrap_ssrc_change");
	for (__u32 seq = 1; seq <= 20; seq++)
		if (seq != 11 && seq != 12)
			rtp_send(e, 0x11111111, seq);
	rtp_expect(e, 0x11111111, 1, 20, 18, 2, t0, 3 * 160);
	t0 = now_ns();
	for (__u32 seq = 65530; seq <= 65541; seq++) /* a new SSRC starts over */
		rtp_send(e, 0x22222222, seq);
	rtp_expect(e, 0x22222222, 65530, 65536 + 5, 12, 0, t0, 160);
	rtp_send(e, 0x22222222, 65534);        /* late: counted, max_seq kept */
	rtp_send(e, 0x22222222, 65536 + 9000); /* beyond MAX_DROPOUT: ignored */
	rtp_send(e, 0x22222222, 65536 + 6);
	rtp_expect(e, 0x22222222, 65530, 65536 + 6, 15, 0, t0, 65535u * 160);
	CASE_END();
}

int main(void)
{
	struct env e;

	if (!fwd_env_up(&e, "xdp_state"))
		CHECK_EXIT();
	case_rtp_quality(&e);
	case_rtp_across_cpus(&e);
	case_counters_across_cpus(&e);
	case_clock_calibration(&e);
	rtpedge__destroy(e.skel);
	CHECK_EXIT();
}
