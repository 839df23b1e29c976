// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sdes.c - libFuzzer harness for the SDES key parser: any bytes, as a
 * NUL-terminated string, through the control's SUITE:INKEY[:OUTKEY] and
 * through one key-params of every suite. Under ASan/UBSan it must neither
 * crash nor leak; a refusal leaves no key material and says why, and a
 * key that parses prints back to text that parses to the same key. The
 * same bytes as an SDP a=crypto value (sdp_crypto_parse): a line it takes
 * has a tag and a key that round-trips, a refused one leaves no key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sdp_anchor.h"
#include "srtp/srtp_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* k printed and parsed again must be k. */
static void round_trip(const struct sdes_key *k)
{
	char text[SDES_KEY_TEXT_MAX], err[200];
	struct sdes_key back;
	const char *end;

	if (sdes_key_print(k, text, sizeof(text)) < 0 ||
	    sdes_key_parse(k->suite, text, &end, &back, err, sizeof(err)) || *end ||
	    !sdes_key_equal(k, &back))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[200];
	struct sdes_key in, out;
	struct sdp_crypto c;
	const char *end;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!sdes_spec_parse(text, &in, &out, err, sizeof(err))) {
		round_trip(&in);
		round_trip(&out);
	} else if (!err[0] || in.len) {
		abort();
	}
	for (unsigned s = 0; s < SDES_SUITE_MAX; s++) {
		if (!sdes_key_parse(s, text, &end, &in, err, sizeof(err)))
			round_trip(&in);
		else if (in.len || !err[0])
			abort();
	}
	if (!sdp_crypto_parse((const char *)data, size, &c)) {
		if (!c.tag || c.tag > 999999999)
			abort();
		round_trip(&c.key);
	} else if (c.key.len || c.tag) {
		abort();
	}
	free(text);
	return 0;
}
