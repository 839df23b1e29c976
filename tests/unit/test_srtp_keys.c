// SPDX-License-Identifier: GPL-2.0
/*
 * test_srtp_keys.c - SDES key material (daemon/srtp/srtp_keys.c): base64
 * against RFC 4648's vectors, RFC 4568's published inline keys decoded to
 * their bytes and printed back, every refusal RFC 4568 6.1 and 9.2 call
 * for (and that an error never quotes the key), the control's
 * SUITE:INKEY[:OUTKEY], and keys from the CSPRNG.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "srtp/srtp_keys.h"

static void case_base64(void)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[16];
	uint8_t back[16];

	CASE_BEGIN("base64_matches_rfc4648_section_10");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i][0]);
		int got;

		sdes_base64_encode((const uint8_t *)v[i][0], n, out);
		CHECK(!strcmp(out, v[i][1]), "encode \"%s\": %s", v[i][0], out);
		got = sdes_base64_decode(v[i][1], strlen(v[i][1]), back, sizeof(back));
		CHECK(got == (int)n && !memcmp(back, v[i][0], n), "decode %s", v[i][1]);
	}
	CHECK(sdes_base64_decode("Zm9v!", 5, back, sizeof(back)) < 0, "a non-base64 character");
	CHECK(sdes_base64_decode("Zg=", 3, back, sizeof(back)) < 0, "padding short of a quantum");
	CHECK(sdes_base64_decode("Zh==", 4, back, sizeof(back)) < 0, "non-zero bits left over");
	CHECK(sdes_base64_decode("Zm9vYmFy", 8, back, 5) < 0, "more bytes than room");
	CASE_END();
}

static int parse(unsigned suite, const char *s, struct sdes_key *k, char *err, size_t errlen)
{
	const char *end = NULL;
	int e = sdes_key_parse(suite, s, &end, k, err, errlen);

	return e ? e : (*end ? -2 : 0);
}

static void case_rfc4568_keys(void)
{
	static const uint8_t key[] = { 0x77, 0x44, 0x66, 0x76, 0x67, 0x26, 0x54, 0x2B, 0x29, 0x78,
				       0x47, 0x37, 0x40, 0x66, 0x62, 0x35, 0x6A, 0x55, 0x2C, 0x52,
				       0x61, 0x41, 0x7D, 0x5C, 0x7C, 0x70, 0x30, 0x25, 0x2A, 0x23 };
	const char *line = "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:4";
	struct sdes_key k;
	char err[200], out[SDES_KEY_TEXT_MAX];

	CASE_BEGIN("rfc4568_inline_keys_decode_and_print_back");
	/* RFC 4568 9.1's example line */
	CHECK(!parse(SDES_AES_CM_128_HMAC_SHA1_80, line, &k, err, sizeof(err)), "9.1: %s", err);
	CHECK(k.len == 30 && !memcmp(k.key, key, 30), "key || salt");
	CHECK(k.lifetime == 1u << 20 && k.mki == 1 && k.mki_len == 4, "lifetime %llu mki %llu:%u",
	      (unsigned long long)k.lifetime, (unsigned long long)k.mki, k.mki_len);
	CHECK(sdes_key_print(&k, out, sizeof(out)) > 0 && !strcmp(out, line), "printed %s", out);
	CHECK(!parse(SDES_AES_CM_128_HMAC_SHA1_80, "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
		     &k, err, sizeof(err)), "4, with inline: %s", err);
	CHECK(!k.lifetime && !k.mki_len, "no lifetime, no MKI");
	CHECK(!parse(SDES_AES_CM_128_HMAC_SHA1_32, "YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4",
		     &k, err, sizeof(err)), "6.1: %s", err);
	CHECK(!k.lifetime && k.mki == 1066 && k.mki_len == 4, "an MKI without a lifetime");
	CHECK(!parse(SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1048576",
		     &k, err, sizeof(err)) && k.lifetime == 1048576, "a decimal lifetime");
	CHECK(sdes_key_print(&k, out, sizeof(out)) > 0 &&
	      !strcmp(out, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1048576"), "printed %s", out);
	CASE_END();
}

static void case_refusals(void)
{
	static const struct {
		unsigned suite;
		const char *s, *why;
	} bad[] = {
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB", "short" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRAAAA", "long" },
		{ SDES_AEAD_AES_128_GCM, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", "30 bytes for GCM" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaV!R", "not base64" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|0", "lifetime 0" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^49", "2^49" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|281474976710657",
		  "over 2^48" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^x", "2^x" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0", "MKI length 0" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:129", "MKI 129" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|256:1", "MKI > len" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|2^20",
		  "two lifetimes" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|2^20",
		  "MKI before lifetime" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4|x",
		  "a third parameter" },
		{ SDES_AES_CM_128_HMAC_SHA1_80, "", "empty" },
	};
	struct sdes_key k;
	char err[200];

	CASE_BEGIN("rfc4568_refusals_and_no_key_in_errors");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = parse(bad[i].suite, bad[i].s, &k, err, sizeof(err));

		CHECK(e != 0, "%s: accepted", bad[i].why);
		CHECK(e != -1 || !strstr(err, "PS1uQCVe"), "%s: the error quotes the key: %s",
		      bad[i].why, err);
		CHECK(e != -1 || k.len == 0, "%s: key material left in k", bad[i].why);
	}
	CASE_END();
}

static void case_spec(void)
{
	struct sdes_key in, out;
	char err[200];

	CASE_BEGIN("control_suite_inkey_outkey");
	CHECK(!sdes_spec_parse("AES_CM_128_HMAC_SHA1_80:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
			       &in, &out, err, sizeof(err)), "one key: %s", err);
	CHECK(sdes_key_equal(&in, &out), "OUTKEY defaults to INKEY");
	CHECK(!sdes_spec_parse("AES_CM_128_HMAC_SHA1_32:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:4:"
			       "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31",
			       &in, &out, err, sizeof(err)), "two keys with parameters: %s", err);
	CHECK(in.suite == SDES_AES_CM_128_HMAC_SHA1_32 && in.mki_len == 4 && in.lifetime == 1u << 20,
	      "INKEY's parameters");
	CHECK(out.suite == in.suite && !out.mki_len && out.lifetime == 1ull << 31 &&
	      out.key[0] == 0x3d, "OUTKEY's");
	CHECK(!sdes_spec_parse("AEAD_AES_256_GCM:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=",
			       &in, &out, err, sizeof(err)), "GCM-256: %s", err);
	CHECK(in.len == 44 && in.key[43] == 43, "44 bytes");
	CHECK(sdes_spec_parse("AES_CM_128_HMAC_SHA1_81:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
			      &in, &out, err, sizeof(err)), "an unknown suite");
	CHECK(sdes_spec_parse("AES_CM_128_HMAC_SHA1_80", &in, &out, err, sizeof(err)), "no key");
	CHECK(sdes_spec_parse("AES_CM_128_HMAC_SHA1_80:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR:"
			      "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR:x", &in, &out, err,
			      sizeof(err)), "a third key");
	CHECK(!strstr(err, "PS1uQCVe"), "the error quotes a key: %s", err);
	CASE_END();
}

static void case_generate(void)
{
	struct sdes_key a, b, back;
	char txt[SDES_KEY_TEXT_MAX], err[200];
	const char *end;

	CASE_BEGIN("generated_keys_are_fresh_and_round_trip");
	for (unsigned s = 0; s < SDES_SUITE_MAX; s++) {
		CHECK(!sdes_key_generate(s, &a) && !sdes_key_generate(s, &b), "generate %u", s);
		CHECK(a.len == sdes_key_len(s) && a.suite == s, "%s: length", sdes_suite_name(s));
		CHECK(memcmp(a.key, b.key, a.len), "%s: two keys alike", sdes_suite_name(s));
		CHECK(sdes_key_print(&a, txt, sizeof(txt)) == (int)((a.len + 2) / 3 * 4),
		      "%s: printed %s", sdes_suite_name(s), txt);
		CHECK(!sdes_key_parse(s, txt, &end, &back, err, sizeof(err)) &&
		      sdes_key_equal(&a, &back), "%s: parsed back", sdes_suite_name(s));
	}
	sdes_key_wipe(&a);
	CHECK(a.len == 0 && a.key[0] == 0, "wiped");
	CASE_END();
}

int main(void)
{
	case_base64();
	case_rfc4568_keys();
	case_refusals();
	case_spec();
	case_generate();
	CHECK_EXIT();
}
