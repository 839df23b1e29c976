// SPDX-License-Identifier: GPL-2.0
/*
 * test_xdp_model.c - the XDP program against the model of what it must do
 * (tests/unit/xdp_model.h) on a fixed table of frames: a valid RTP and
 * RTCP frame to every leg of the bed (xdp_model_bed.h) with and without a
 * punt reader, then a few hundred frames generated from a seeded PRNG as
 * recipes (xdp_model_frames.h: valid frames mutated field by field and
 * byte by byte, some raw). Verdict, counters, bytes out, leg lines and
 * punt samples must be the model's for every frame, and every verdict must
 * have been met. tests/fuzz/fuzz_xdp.c runs the same comparison on the
 * fuzzer's inputs; this one runs it without the fuzzer's time budget.
 */
#include <stdio.h>
#include <stdlib.h>

#include "xdp_model_check.h"
#include "xdp_model_frames.h"

#define GENERATED 600
#define INPUT_MAX (RECIPE_HDR + RECIPE_OP * 8)

static struct bed bed;
static unsigned long seen[RTPE_V_MAX];

/* One input through program and model; on a difference, the report and
 * the input (a fuzz_xdp input that reproduces it) are printed. */
static bool run_input(const __u8 *d, size_t n, const char *what, int i)
{
	__u8 f[FRAME_MAX];
	bool reader;
	__u32 len = recipe_frame(&bed, d, n, f, &reader);
	enum rtpe_verdict v = RTPE_V_MAX;
	int rc = bed_check(&bed, f, len, reader, stdout, &v);

	if (v < RTPE_V_MAX)
		seen[v]++;
	CHECK(!rc, "%s %d: the program and the model disagree (report above)", what, i);
	if (rc) {
		printf("      fuzz_xdp input:");
		for (size_t k = 0; k < n; k++)
			printf(" %02x", d[k]);
		printf("\n");
	}
	return !rc;
}

/* A valid RTP and RTCP frame to every target, the reader on and off. */
static void case_every_leg(void)
{
	int n = recipe_targets(&bed), i = 0;

	CASE_BEGIN("model_every_leg_rtp_rtcp_with_and_without_punt_reader");
	for (int t = 0; t < n; t++)
		for (int k = 0; k < 4; k++) {
			__u8 d[RECIPE_HDR] = { 0x80 | (k >> 1), (__u8)t, (__u8)(k & 1), 0, 64, 0,
					       0, (__u8)t, 0 };

			if (!run_input(d, sizeof(d), "frame", i++))
				goto out;
		}
out:
	CASE_END();
}

static __u32 rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* One operation of a generated recipe: fields (addresses mostly the
 * special ones) and checksum fixes more often than blind bytes. */
static void gen_op(unsigned *s, __u8 *op)
{
	static const __u8 ops[] = { OP_SET8, OP_XOR8, OP_FIELD, OP_FIELD, OP_FIELD_FIXED,
				    OP_FIELD_FIXED, OP_FIELD_FIXED, OP_TRUNC, OP_GROW, OP_FIX_IP,
				    OP_FIX_UDP };

	op[0] = ops[rnd(s) % sizeof(ops)];
	op[1] = rnd(s);
	op[2] = rnd(s);
	op[3] = rnd(s);
	if (op[0] == OP_SET8 || op[0] == OP_XOR8 || op[0] == OP_TRUNC)
		op[1] = rnd(s) % 3 ? 0 : op[1] % 6; /* mostly within the headers */
	if (op[0] != OP_FIELD && op[0] != OP_FIELD_FIXED)
		return;
	if (op[1] % F_N == F_SADDR || op[1] % F_N == F_DADDR)
		op[2] = rnd(s) % 12;
	if (op[1] % F_N == F_VERIHL && rnd(s) % 4)
		op[3] = 0x40 | op[3] % 16; /* IPv4, any header length */
}

/* A generated input into d: 1 in 20 raw bytes, else a recipe with no
 * operation (almost half) or up to 6. Its length. */
static size_t gen_input(unsigned *s, __u8 *d)
{
	size_t n = RECIPE_HDR, ops;

	if (rnd(s) % 20 == 0) {
		n = 1 + rnd(s) % (INPUT_MAX - 1);
		for (size_t i = 0; i < n; i++)
			d[i] = rnd(s);
		d[0] &= 0x7f;
		return n;
	}
	for (size_t i = 0; i < RECIPE_HDR; i++)
		d[i] = rnd(s);
	d[0] |= 0x80;
	d[2] &= rnd(s) % 8 ? ~0x02 : 0xff; /* VLAN: 1 in 8 */
	d[2] &= rnd(s) % 6 ? ~0x04 : 0xff; /* no UDP checksum: 1 in 6 */
	d[3] = rnd(s) % 2 ? 0 : d[3];
	ops = rnd(s) % 9 < 4 ? 0 : 1 + rnd(s) % 6;
	for (size_t k = 0; k < ops; k++, n += RECIPE_OP)
		gen_op(s, d + n);
	if (rnd(s) % 5 == 0) { /* a wrong IPv4 or UDP checksum, relayed as wrong */
		__u32 at = (d[2] & 2 ? 18 : 14) + (rnd(s) % 2 ? 10 : 26) + rnd(s) % 2;

		memcpy(d + n, (__u8[]){ OP_XOR8, 0, (__u8)at, (__u8)(1 + rnd(s) % 255) }, RECIPE_OP);
		n += RECIPE_OP;
	}
	return n;
}

static void case_generated(void)
{
	const char *env = getenv("RTPE_TEST_SEED");
	unsigned seed = env ? strtoul(env, NULL, 0) : 20240917u, s = seed;
	static char name[96];
	__u8 d[INPUT_MAX];

	snprintf(name, sizeof(name), "model_%d_generated_frames_seed_%u", GENERATED, seed);
	CASE_BEGIN(name);
	for (int i = 0; i < GENERATED; i++) {
		size_t n = gen_input(&s, d);

		if (!run_input(d, n, "generated frame", i))
			break;
	}
	CASE_END();
}

static void case_coverage(void)
{
	CASE_BEGIN("model_every_verdict_met");
	for (__u32 v = 0; v < RTPE_V_MAX; v++)
		CHECK(seen[v], "no frame was %s/%s", model_verdict(v), reason[v]);
	CASE_END();
}

int main(void)
{
	if (geteuid()) {
		CASE_SKIP("xdp_model", "needs root (namespaces, BPF_PROG_TEST_RUN)");
		return 0;
	}
	CASE_BEGIN("model_bed_setup");
	CHECK(!bed_setup(&bed), "the test bed, the program or its maps could not be set up");
	CASE_END();
	if (check_failures) {
		rtpedge__destroy(bed.e.skel);
		CHECK_EXIT();
	}
	case_every_leg();
	case_generated();
	case_coverage();
	perf_buffer__free(bed.pb);
	rtpedge__destroy(bed.e.skel);
	CHECK_EXIT();
}
