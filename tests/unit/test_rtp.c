// SPDX-License-Identifier: GPL-2.0
/*
 * test_rtp.c - the RFC 3550 receiver state both relay paths share
 * (include/rtpe_rtp.h): which pairs jitter samples, that a sampled pair's
 * |D| enters the estimate exactly, that the XDP path (arrival time only
 * when asked for) and the userspace path (always) agree, and that the
 * sampled estimate follows RFC 3550's per-packet one on jittery streams.
 * Arrival times are synthetic: every figure is exact and reproducible.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "check.h"
#include "rtpedge.h"
#include "rtpe_rtp.h"

#define RATE 8000
#define STEP 160                  /* RTP units per packet: 20 ms at 8 kHz */
#define NS_PER_UNIT 125000ULL     /* 1 / 8000 s */
#define T0 (1000ULL * 1000000000) /* an uptime of 1,000 s */

/* A deterministic stream: packet i (seq base + i, ts STEP * i) arrives
 * delay[i] RTP units late. */
static uint64_t arrival(uint32_t i, uint32_t delay)
{
	return T0 + ((uint64_t)i * STEP + delay) * NS_PER_UNIT;
}

/* One packet as the XDP program feeds it: the clock only when asked.
 * Returns whether the clock was read. */
static bool feed_xdp(struct rtpe_leg_rtp *st, uint32_t ssrc, uint16_t seq, uint32_t ts,
		     uint64_t now)
{
	bool want = rtp_wants_arrival(st, ssrc, seq);

	rtp_receive_fields(st, ssrc, seq, ts, want ? now : 0, RATE);
	return want;
}

static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 16;
}

static void case_sampling_share(void)
{
	unsigned n = 0, last = 0, gaps[64] = { 0 }, kinds = 0;

	CASE_BEGIN("jitter_samples_one_pair_in_16_at_irregular_gaps");
	for (unsigned s = 0; s < 65536; s++) {
		if (!rtp_pair_closes((__u16)s))
			continue;
		if (n && s - last < 64)
			gaps[s - last]++;
		last = s;
		n++;
	}
	for (int g = 0; g < 64; g++)
		kinds += gaps[g] > 0;
	CHECK(n > 65536 / 16 * 9 / 10 && n < 65536 / 16 * 11 / 10,
	      "%u of 65536 sequence numbers close a pair, want 4096 +- 10%%", n);
	/* a hash, not every Nth: a delay pattern of any short period meets
	 * sampled pairs at every phase */
	CHECK(kinds >= 30, "only %u distinct gaps between sampled pairs", kinds);
	CASE_END();
}

/* RFC 3550 A.8 over the sampled pairs only, written out: the reference. */
static uint32_t reference_jitter(uint16_t base, const uint32_t *delay, uint32_t n)
{
	uint32_t j = 0;

	for (uint32_t i = 1; i < n; i++) {
		int32_t d = (int32_t)(delay[i] - delay[i - 1]);

		if (!rtp_pair_closes((__u16)(base + i)))
			continue;
		d = d < 0 ? -d : d;
		j += (uint32_t)d - ((j + 8) >> 4);
	}
	return j;
}

static void case_exact_and_paths_agree(void)
{
	const uint32_t N = 4000;
	static uint32_t delay[4000];
	struct rtpe_leg_rtp x, u;
	uint32_t seed = 7, reads = 0;
	uint16_t base = 65000; /* wraps on the way */

	CASE_BEGIN("sampled_pairs_exact_and_xdp_equals_userspace");
	memset(&x, 0, sizeof(x));
	memset(&u, 0, sizeof(u));
	for (uint32_t i = 0; i < N; i++)
		delay[i] = lcg(&seed) % 400; /* up to 50 ms */
	for (uint32_t i = 0; i < N; i++) {
		uint16_t seq = (uint16_t)(base + i);

		reads += feed_xdp(&x, 0xabc, seq, i * STEP, arrival(i, delay[i]));
		rtp_receive_fields(&u, 0xabc, seq, i * STEP, arrival(i, delay[i]), RATE);
	}
	CHECK(x.jitter == reference_jitter(base, delay, N), "jitter %u, reference %u", x.jitter,
	      reference_jitter(base, delay, N));
	CHECK(!memcmp(&x, &u, sizeof(x)), "XDP state (jitter %u) differs from userspace (%u)",
	      x.jitter, u.jitter);
	CHECK(x.rtp_packets == N && x.max_seq == (1u << 16) + (uint16_t)(base + N - 1),
	      "packets %u max_seq %u", x.rtp_packets, x.max_seq);
	/* both ends of each sampled pair, plus the first packet */
	CHECK(reads > N / 16 && reads < N * 3 / 16, "clock read for %u of %u packets", reads, N);
	CASE_END();
}

/* A stream whose every Pth packet is 10 ms late: the sampled estimate's
 * mean follows RFC 3550's per-packet one. */
static double periodic_ratio(uint32_t period)
{
	const uint32_t N = 20000;
	struct rtpe_leg_rtp x;
	uint32_t full = 0, prev = 0;
	double sum_x = 0, sum_f = 0;

	memset(&x, 0, sizeof(x));
	for (uint32_t i = 0; i < N; i++) {
		uint32_t delay = i % period ? 0 : 80;
		int32_t d = (int32_t)(delay - prev);

		feed_xdp(&x, 1, (uint16_t)i, i * STEP, arrival(i, delay));
		if (i) {
			d = d < 0 ? -d : d;
			full += (uint32_t)d - ((full + 8) >> 4);
		}
		prev = delay;
		if (i >= N / 2) {
			sum_x += x.jitter;
			sum_f += full;
		}
	}
	return sum_x / sum_f;
}

static void case_periodic(void)
{
	static const uint32_t periods[] = { 2, 3, 4, 5, 7, 8, 10, 16, 20, 25 };

	CASE_BEGIN("sampled_jitter_follows_rfc3550_on_periodic_delays");
	for (size_t k = 0; k < sizeof(periods) / sizeof(periods[0]); k++) {
		double r = periodic_ratio(periods[k]);

		CHECK(r > 0.8 && r < 1.2, "one packet in %u late: sampled / per-packet mean %.2f",
		      periods[k], r);
	}
	CASE_END();
}

/* The first sequence number from `from` on that closes a sampled pair
 * (the pair is its predecessor and it). */
static uint16_t first_sampled(uint16_t from)
{
	while (!rtp_pair_closes(from))
		from++;
	return from;
}

static void case_loss_and_races(void)
{
	struct rtpe_leg_rtp x;
	uint16_t s = first_sampled(100);

	CASE_BEGIN("no_sample_across_a_loss_or_without_an_arrival_time");
	memset(&x, 0, sizeof(x));
	feed_xdp(&x, 9, s - 10, 0, arrival(0, 0));
	for (uint16_t q = s - 9; q < s - 1; q++)
		feed_xdp(&x, 9, q, (uint32_t)(q - (s - 10)) * STEP, arrival(q - (s - 10), 0));
	/* s - 1 lost; s arrives 50 ms late: no pair, no sample */
	feed_xdp(&x, 9, s, 10 * STEP, arrival(10, 400));
	CHECK(x.jitter == 0, "jitter %u after a pair whose first packet was lost", x.jitter);
	CHECK(x.max_seq == s && x.rtp_packets == 10, "max_seq %u packets %u", x.max_seq,
	      x.rtp_packets);
	/* another CPU changed the state between the ask and the update: the
	 * packet counts, no sample is taken or kept from a missing time */
	s = first_sampled(s + 1);
	rtp_receive_fields(&x, 9, s - 1, 0, 0, RATE);
	rtp_receive_fields(&x, 9, s, 0, arrival(1, 0), RATE);
	CHECK(x.jitter == 0 && x.rtp_packets == 12, "jitter %u packets %u", x.jitter,
	      x.rtp_packets);
	/* a new SSRC starts over, its first packet keeps its transit */
	feed_xdp(&x, 10, 500, 0, arrival(0, 0));
	CHECK(x.ssrc == 10 && x.base_seq == 500 && x.pair_seq == 500 && x.rtp_packets == 1,
	      "ssrc %u base %u pair %u packets %u", x.ssrc, x.base_seq, x.pair_seq, x.rtp_packets);
	CASE_END();
}

/* The exact |D| of one sampled pair enters with RFC 3550's 1/16 gain. */
static void case_one_pair(void)
{
	struct rtpe_leg_rtp x;
	uint16_t s = first_sampled(2000);

	CASE_BEGIN("one_sampled_pair_adds_its_exact_difference");
	memset(&x, 0, sizeof(x));
	feed_xdp(&x, 3, s - 1, 0, arrival(0, 0));
	feed_xdp(&x, 3, s, STEP, arrival(1, 320)); /* 40 ms late: D = 320 units */
	CHECK(x.jitter == 320, "jitter x16 %u, want 320 (D 320 / 16 * 16)", x.jitter);
	CASE_END();
}

int main(void)
{
	case_sampling_share();
	case_one_pair();
	case_exact_and_paths_agree();
	case_periodic();
	case_loss_and_races();
	CHECK_EXIT();
}
