// SPDX-License-Identifier: GPL-2.0
/*
 * test_sdp_sdes.c - the SDES part of daemon/sip/sdp_anchor.h: a=crypto
 * lines as sdp_crypto_parse accepts or refuses them (RFC 4568 9.1: suite,
 * one inline key, lifetime, MKI, session parameters), the first acceptable
 * line of a stream in sdp_describe, and sdp_rewrite turning a stream's
 * SRTP profile and crypto lines to plain RTP, to our own lines, or keeping
 * them, byte for byte.
 */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "sip/sdp_anchor.h"

#define L(s) s "\r\n"
#define KEY80 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY32 "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj"
#define HEAD L("v=0") L("o=- 7 7 IN IP4 192.0.2.10") L("s=-") L("c=IN IP4 192.0.2.10") L("t=0 0")

static struct in_addr ip(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

static int parse(const char *v, struct sdp_crypto *c)
{
	return sdp_crypto_parse(v, strlen(v), c);
}

static void test_crypto_lines(void)
{
	static const char *const bad[] = {
		"1 AES_CM_128_HMAC_SHA1_81 inline:" KEY80,           /* unknown suite */
		"1 F8_128_HMAC_SHA1_80 inline:" KEY80,               /* a suite we do not run */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "AA",      /* key too long */
		"1 AEAD_AES_256_GCM inline:" KEY80,                  /* wrong length for it */
		"1 AES_CM_128_HMAC_SHA1_80 " KEY80,                  /* no inline: */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 ";inline:" KEY32, /* two keys */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "|2^49",   /* lifetime over 2^48 */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "|1:129",  /* MKI too long */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 " UNENCRYPTED_SRTP", /* a mandatory param */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 " KDR=1",
		"0 AES_CM_128_HMAC_SHA1_80 inline:" KEY80,           /* tag 0 */
		"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY80,  /* tag of 10 digits */
		"x AES_CM_128_HMAC_SHA1_80 inline:" KEY80,
		"1 AES_CM_128_HMAC_SHA1_80",
		"",
	};
	struct sdp_crypto c;
	char key[SDES_KEY_TEXT_MAX];

	CASE_BEGIN("a=crypto: suites, key-params and session parameters (RFC 4568 6, 9.1)");
	CHECK(!parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80, &c), "plain line");
	CHECK(c.tag == 1 && c.key.suite == SDES_AES_CM_128_HMAC_SHA1_80 && c.key.len == 30,
	      "tag %u suite %u len %u", c.tag, c.key.suite, c.key.len);
	CHECK(!parse("42 AES_CM_128_HMAC_SHA1_32 inline:" KEY32 "|2^20|1:4 WSH=64 -FOO", &c),
	      "lifetime, MKI, WSH and an optional parameter");
	CHECK(c.tag == 42 && c.key.suite == SDES_AES_CM_128_HMAC_SHA1_32, "tag %u", c.tag);
	CHECK(c.key.lifetime == 1ull << 20 && c.key.mki == 1 && c.key.mki_len == 4,
	      "lifetime %llu mki %llu:%u", (unsigned long long)c.key.lifetime,
	      (unsigned long long)c.key.mki, c.key.mki_len);
	CHECK(sdes_key_print(&c.key, key, sizeof(key)) > 0 && !strcmp(key, KEY32 "|2^20|1:4"),
	      "printed back as %s", key);
	CHECK(!parse("999999999\tAES_CM_128_HMAC_SHA1_80  inline:" KEY80, &c) &&
	      c.tag == 999999999, "tabs and a 9-digit tag");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i], &c) == -1, "accepted bad line %zu", i);
	CASE_END();
}

static void test_describe(void)
{
	static const char in[] = HEAD L("m=audio 30000 RTP/SAVP 0")
		L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 " UNENCRYPTED_SRTP")
		L("a=crypto:2 FOO_BAR inline:" KEY80)
		L("a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" KEY32)
		L("a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:" KEY80)
		L("m=audio 30002 RTP/SAVPF 0") L("a=crypto:1 FOO inline:" KEY80)
		L("m=audio 30004 RTP/AVP 0");
	struct sdp_desc d;
	char err[128];

	CASE_BEGIN("describe: the first acceptable a=crypto line of each stream");
	CHECK(!sdp_describe(in, strlen(in), &d, err, sizeof(err)), "%s", err);
	CHECK(d.s[0].savp && d.s[0].crypto && d.s[0].crypto_ok, "s0 savp/crypto/ok");
	CHECK(d.s[0].cry.tag == 3 && d.s[0].cry.key.suite == SDES_AES_CM_128_HMAC_SHA1_32,
	      "s0 took tag %u", d.s[0].cry.tag);
	CHECK(d.s[1].savp && d.s[1].crypto && !d.s[1].crypto_ok, "s1: none acceptable");
	CHECK(!d.s[2].savp && !d.s[2].crypto && !d.s[2].crypto_ok, "s2 plain");
	CASE_END();
}

static const char offer[] = HEAD L("m=audio 30000 RTP/SAVP 0 101") L("a=rtpmap:101 telephone-event/8000")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "|2^20|1:4")
	L("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY32) L("a=sendrecv")
	L("m=video 30002 RTP/SAVPF 96") L("a=rtpmap:96 VP8/90000")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80);

static int rewrite(const char *in, struct sdp_anchor *an, char *out, size_t len)
{
	struct sdp_desc d;
	char err[128];

	if (sdp_describe(in, strlen(in), &d, err, sizeof(err)))
		return -1;
	return sdp_rewrite(in, strlen(in), &d, an, out, len);
}

static void test_rewrite_plain(void)
{
	static const char want[] = L("v=0") L("o=- 7 7 IN IP4 203.0.113.5") L("s=-")
		L("c=IN IP4 203.0.113.5") L("t=0 0") L("m=audio 40000 RTP/AVP 0 101")
		L("a=rtpmap:101 telephone-event/8000") L("a=sendrecv")
		L("m=video 40002 RTP/AVPF 96") L("a=rtpmap:96 VP8/90000");
	struct sdp_anchor an[2] = {
		{ .addr = ip("203.0.113.5"), .port = 40000, .srtp = SDP_SRTP_PLAIN },
		{ .addr = ip("203.0.113.5"), .port = 40002, .srtp = SDP_SRTP_PLAIN },
	};
	char out[2048];
	int n;

	CASE_BEGIN("rewrite plain: RTP/SAVP(F) -> RTP/AVP(F), a=crypto removed, the rest kept");
	n = rewrite(offer, an, out, sizeof(out));
	CHECK(n == (int)strlen(want) && !strcmp(out, want), "got %d:\n%s", n, n > 0 ? out : "");
	an[0].srtp = an[1].srtp = SDP_SRTP_KEEP;
	n = rewrite(offer, an, out, sizeof(out));
	CHECK(n > 0 && strstr(out, "RTP/SAVP 0 101") && strstr(out, "a=crypto:2 ") &&
	      strstr(out, "RTP/SAVPF 96"), "keep: %s", n > 0 ? out : "");
	CASE_END();
}

static void test_rewrite_sdes(void)
{
	static const char in[] = HEAD L("m=audio 30000 RTP/AVP 8") L("a=rtcp-mux")
		L("m=audio 0 RTP/AVP 0");
	static const char want[] = L("v=0") L("o=- 7 7 IN IP4 203.0.113.5") L("s=-")
		L("c=IN IP4 203.0.113.5") L("t=0 0") L("m=audio 40000 RTP/SAVP 8")
		L("a=rtcp-mux") L("a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "|2^20|1:4")
		L("a=crypto:8 AES_CM_128_HMAC_SHA1_32 inline:" KEY32)
		L("m=audio 0 RTP/SAVP 0");
	struct sdp_anchor an[2] = {
		{ .addr = ip("203.0.113.5"), .port = 40000, .rtcp_mux = true,
		  .srtp = SDP_SRTP_SDES, .n_crypto = 2 },
		{ .addr = ip("203.0.113.5"), .srtp = SDP_SRTP_SDES, .n_crypto = 1 },
	};
	struct sdp_desc again;
	char out[2048], err[128];
	int n;

	CASE_BEGIN("rewrite sdes: RTP/AVP -> RTP/SAVP with our a=crypto lines, none on port 0");
	CHECK(!parse("7 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "|2^20|1:4", &an[0].crypto[0]) &&
	      !parse("8 AES_CM_128_HMAC_SHA1_32 inline:" KEY32, &an[0].crypto[1]) &&
	      !parse("1 AES_CM_128_HMAC_SHA1_32 inline:" KEY32, &an[1].crypto[0]), "keys");
	n = rewrite(in, an, out, sizeof(out));
	CHECK(n == (int)strlen(want) && !strcmp(out, want), "got %d:\n%s", n, n > 0 ? out : "");
	CHECK(n > 0 && !sdp_describe(out, (size_t)n, &again, err, sizeof(err)), "again: %s", err);
	CHECK(again.s[0].savp && again.s[0].crypto_ok && again.s[0].cry.tag == 7 &&
	      sdes_key_equal(&again.s[0].cry.key, &an[0].crypto[0].key), "describes back");
	CHECK(rewrite(in, an, out, (size_t)n) < 0, "one byte short");
	CASE_END();
}

static void test_rewrite_gcm_fresh(void)
{
	static const char in[] = HEAD L("m=audio 30000 RTP/AVP 0");
	struct sdp_anchor an[1] = { { .addr = ip("203.0.113.5"), .port = 40000,
				      .srtp = SDP_SRTP_SDES, .n_crypto = SDES_SUITE_MAX } };
	struct sdp_desc d;
	char out[SDP_REWRITE_SPACE(sizeof(in))], err[128];
	int n;

	CASE_BEGIN("rewrite sdes: one fresh key per suite describes back, each suite once");
	for (unsigned k = 0; k < SDES_SUITE_MAX; k++) {
		an[0].crypto[k].tag = k + 1;
		CHECK(!sdes_key_generate(k, &an[0].crypto[k].key), "generate %u", k);
	}
	n = rewrite(in, an, out, sizeof(out));
	CHECK(n > 0, "rewrite %d", n);
	CHECK(n > 0 && strstr(out, "a=crypto:3 AEAD_AES_128_GCM inline:") &&
	      strstr(out, "a=crypto:4 AEAD_AES_256_GCM inline:"), "%s", n > 0 ? out : "");
	CHECK(n > 0 && !sdp_describe(out, (size_t)n, &d, err, sizeof(err)) && d.s[0].crypto_ok &&
	      d.s[0].cry.tag == 1 && sdes_key_equal(&d.s[0].cry.key, &an[0].crypto[0].key),
	      "again: %s", err);
	CASE_END();
}

int main(void)
{
	test_crypto_lines();
	test_describe();
	test_rewrite_plain();
	test_rewrite_sdes();
	test_rewrite_gcm_fresh();
	CHECK_EXIT();
}
