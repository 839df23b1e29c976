// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_xdp.c - libFuzzer harness for the XDP fast path (bpf/rtpedge.bpf.c):
 * each input is a frame, raw or made by a recipe from a valid RTP/RTCP
 * frame to one of the bed's legs (tests/unit/xdp_model_frames.h), run
 * through the loaded program with BPF_PROG_TEST_RUN and through the model
 * of what the program must do (tests/unit/xdp_model.h). Any difference in
 * action, verdict counter, bytes out, leg counters or punt sample prints a
 * report and aborts. Needs root: the bed (tests/unit/xdp_model_bed.h) is
 * a private network and mount namespace made once, in
 * LLVMFuzzerInitialize; without root every input is skipped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/xdp_model_check.h"
#include "../unit/xdp_model_frames.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bed bed;
static bool ready;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (geteuid()) {
		fprintf(stderr, "fuzz_xdp: not root: no namespaces or BPF, every input skipped\n");
		return 0;
	}
	if (bed_setup(&bed)) {
		fprintf(stderr, "fuzz_xdp: the test bed could not be set up (see above)\n");
		exit(1);
	}
	ready = true;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u8 f[FRAME_MAX];
	enum rtpe_verdict v;
	bool reader;
	__u32 len;

	if (!ready)
		return 0;
	len = recipe_frame(&bed, data, size, f, &reader);
	if (bed_check(&bed, f, len, reader, stderr, &v))
		abort();
	return 0;
}
