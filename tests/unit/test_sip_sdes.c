// SPDX-License-Identifier: GPL-2.0
/*
 * test_sip_sdes.c - the SDES decisions of daemon/sip/sip_sdes.h on a new
 * stream (no session yet): which legs terminate SRTP for each side's
 * config and offer, the keys a session is made with, the refusals (no
 * acceptable a=crypto from an sdes side, plain RTP from it), and what the
 * rewrite is told towards each side (our offer lines, our answer line,
 * plain, kept); a plain answer to an sdes side's offer makes its keys
 * the agreed ones.
 */
#include <string.h>

#include "check.h"
#include "sip/sip_sdes.h"

#define KEY80 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

/* A stream of proto; with a=crypto line `crypto` when not NULL. */
static struct sdp_stream stream(const char *proto, const char *crypto)
{
	struct sdp_stream st = { .anchorable = true, .port = 30000, .clock_rate = 8000 };

	snprintf(st.proto, sizeof(st.proto), "%s", proto);
	st.savp = !strcmp(proto, "RTP/SAVP") || !strcmp(proto, "RTP/SAVPF");
	if (crypto) {
		st.crypto = true;
		st.crypto_ok = !sdp_crypto_parse(crypto, strlen(crypto), &st.cry);
	}
	return st;
}

static void test_plain_offer_to_sdes(void)
{
	struct sip_sdes *d = sip_sdes_new(false, true);
	struct sdp_stream st = stream("RTP/AVP", NULL);
	struct leg_opts o[2];
	struct sdp_anchor a = { 0 };

	CASE_BEGIN("plain offer towards an sdes side: our four lines to it, plain back");
	CHECK(sip_sdes_new(false, false) == NULL, "no state when neither side is sdes");
	CHECK(d && !sip_sdes_offer(d, 0, 0, &st, NULL, o), "offer");
	CHECK(!d->s[0].term[0] && d->s[0].term[1], "term %d %d", d->s[0].term[0], d->s[0].term[1]);
	CHECK(!o[0].srtp_in && o[1].srtp_in && o[1].srtp_out, "leg b keyed until the answer");
	CHECK(o[0].clock_rate == 8000 && o[1].clock_rate == 8000, "clock");
	sip_sdes_anchor(d, 0, 1, false, &a);
	CHECK(a.srtp == SDP_SRTP_SDES && a.n_crypto == SDES_SUITE_MAX, "to b: %u lines", a.n_crypto);
	for (unsigned k = 0; k < a.n_crypto; k++)
		CHECK(a.crypto[k].tag == k + 1 && a.crypto[k].key.suite == k &&
		      a.crypto[k].key.len == sdes_key_len(k), "line %u", k);
	CHECK(!sdes_key_equal(&a.crypto[0].key, &a.crypto[1].key), "distinct keys");
	sip_sdes_anchor(d, 0, 0, true, &a);
	CHECK(a.srtp == SDP_SRTP_PLAIN && a.n_crypto == 0, "answer to a: plain");
	sip_sdes_free(d);
	CASE_END();
}

static void test_sdes_offer_to_plain(void)
{
	struct sip_sdes *d = sip_sdes_new(true, false);
	struct sdp_stream st = stream("RTP/SAVP", "9 AES_CM_128_HMAC_SHA1_80 inline:" KEY80);
	struct leg_opts o[2];
	struct sdp_anchor a = { 0 };

	CASE_BEGIN("SRTP offer from an sdes side: its key in, a fresh one out, tag kept");
	CHECK(d && !sip_sdes_offer(d, 0, 0, &st, NULL, o), "offer");
	CHECK(d->s[0].term[0] && !d->s[0].term[1], "term");
	CHECK(o[0].srtp_in && sdes_key_equal(o[0].srtp_in, &st.cry.key), "in: the offer's");
	CHECK(o[0].srtp_out && o[0].srtp_out->suite == SDES_AES_CM_128_HMAC_SHA1_80 &&
	      !sdes_key_equal(o[0].srtp_out, &st.cry.key), "out: fresh, same suite");
	CHECK(!o[1].srtp_in, "leg b plain");
	sip_sdes_anchor(d, 0, 1, false, &a);
	CHECK(a.srtp == SDP_SRTP_PLAIN, "offer to b: plain");
	sip_sdes_anchor(d, 0, 0, true, &a);
	CHECK(a.srtp == SDP_SRTP_SDES && a.n_crypto == 1 && a.crypto[0].tag == 9 &&
	      sdes_key_equal(&a.crypto[0].key, o[0].srtp_out), "answer to a: our key, tag 9");
	st = stream("RTP/AVP", NULL);
	CHECK(!sip_sdes_answer(NULL, d, 0, 1, &st, NULL), "b's plain answer");
	CHECK(d->s[0].keyed[0] && !d->s[0].keyed[1], "a's keys agreed (a re-offer to a keeps ours)");
	CHECK(d->s[0].tag[0] == 9, "a re-offer to a names its tag 9, not 1 (tag %u)", d->s[0].tag[0]);
	sip_sdes_free(d);
	CASE_END();
}

static void test_refusals(void)
{
	struct sip_sdes *d = sip_sdes_new(true, false);
	struct sdp_stream plain = stream("RTP/AVP", NULL);
	struct sdp_stream bad = stream("RTP/SAVP", "1 FOO_BAR inline:" KEY80);
	struct sdp_stream fax = stream("udptl", NULL);
	struct leg_opts o[2];
	struct sdp_anchor a = { 0 };

	CASE_BEGIN("an sdes side's plain RTP or unknown suite only refused; its T.38 kept");
	CHECK(sip_sdes_offer(d, 0, 0, &plain, NULL, o) == -1, "RTP/AVP from sdes");
	CHECK(sip_sdes_offer(d, 1, 0, &bad, NULL, o) == -1, "unknown suite only");
	CHECK(!sip_sdes_offer(d, 2, 0, &fax, NULL, o), "udptl");
	CHECK(!o[0].srtp_in && !o[1].srtp_in, "udptl plain");
	sip_sdes_anchor(d, 2, 1, false, &a);
	CHECK(a.srtp == SDP_SRTP_KEEP, "udptl kept");
	sip_sdes_free(d);
	CASE_END();
}

static void test_savp_from_plain_side(void)
{
	struct sip_sdes *d = sip_sdes_new(false, true);
	struct sdp_stream st = stream("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80);
	struct leg_opts o[2];
	struct sdp_anchor a = { 0 };

	CASE_BEGIN("SRTP offer from a plain side to an sdes side: both legs terminate");
	CHECK(!sip_sdes_offer(d, 0, 0, &st, NULL, o), "offer");
	CHECK(d->s[0].term[0] && d->s[0].term[1], "term");
	CHECK(o[0].srtp_in && o[1].srtp_in, "both legs keyed");
	sip_sdes_anchor(d, 0, 1, false, &a);
	CHECK(a.srtp == SDP_SRTP_SDES && a.n_crypto == SDES_SUITE_MAX, "offer to b: ours");
	sip_sdes_anchor(d, 0, 0, true, &a);
	CHECK(a.srtp == SDP_SRTP_SDES && a.n_crypto == 1, "answer to a: ours");
	sip_sdes_free(d);
	CASE_END();
}

int main(void)
{
	test_plain_offer_to_sdes();
	test_sdes_offer_to_plain();
	test_refusals();
	test_savp_from_plain_side();
	CHECK_EXIT();
}
