// SPDX-License-Identifier: GPL-2.0
/*
 * test_srtp_ctx.c - a leg's SRTP transform (daemon/srtp/srtp_ctx.c): every
 * suite both ways with different keys per direction, RTP and RTCP; what is
 * refused and under which reason (tampered, replayed, wrong key, short);
 * MKI and key lifetimes; and a restart in the middle of a stream that has
 * rolled over, both directions, without a packet refused after it.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "srtp/srtp_ctx.h"

/* The leg (in K1, out K2) and its peer (in K2, out K1). */
struct pair {
	struct sdes_key k1, k2;
	struct sctx *leg, *peer;
};

static int pair_new(struct pair *p, unsigned suite)
{
	char err[128];

	sdes_key_generate(suite, &p->k1);
	sdes_key_generate(suite, &p->k2);
	p->leg = sctx_new(&p->k1, &p->k2, err, sizeof(err));
	p->peer = sctx_new(&p->k2, &p->k1, err, sizeof(err));
	return p->leg && p->peer ? 0 : -1;
}

static void pair_free(struct pair *p)
{
	sctx_free(p->leg);
	sctx_free(p->peer);
}

static unsigned rtp(uint8_t *b, uint16_t seq, uint32_t ssrc)
{
	memset(b, 0, 12);
	b[0] = 0x80;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	for (int i = 0; i < 160; i++)
		b[12 + i] = (uint8_t)(seq + i);
	return 172;
}

static unsigned rtcp(uint8_t *b, uint32_t ssrc, uint8_t fill)
{
	b[0] = 0x80;
	b[1] = 200;
	b[2] = 0;
	b[3] = 6;
	b[4] = (uint8_t)(ssrc >> 24);
	b[5] = (uint8_t)(ssrc >> 16);
	b[6] = (uint8_t)(ssrc >> 8);
	b[7] = (uint8_t)ssrc;
	memset(b + 8, fill, 20);
	return 28;
}

/* from protects a packet, to unprotects it: 0, or the reason + 1. */
static int send_one(struct sctx *from, struct sctx *to, bool is_rtcp, uint8_t *b, unsigned *len)
{
	enum sctx_fail why;

	if (sctx_protect(from, is_rtcp, b, len, 512, &why))
		return 100 + (int)why;
	return sctx_unprotect(to, is_rtcp, b, len, &why) ? 1 + (int)why : 0;
}

static void case_suites(void)
{
	for (unsigned s = 0; s < SDES_SUITE_MAX; s++) {
		struct pair p;
		uint8_t b[512], plain[512];
		unsigned len, n;
		char name[96];

		snprintf(name, sizeof(name), "both_ways_rtp_and_rtcp_%s", sdes_suite_name(s));
		CASE_BEGIN(name);
		CHECK(!pair_new(&p, s), "contexts");
		for (uint16_t i = 0; i < 50 && p.leg; i++) {
			n = len = rtp(b, i, 0x11);
			memcpy(plain, b, n);
			CHECK(!send_one(p.leg, p.peer, false, b, &len) && len == n &&
			      !memcmp(b, plain, n), "leg -> peer RTP %u", i);
			n = len = rtp(b, (uint16_t)(1000 + i), 0x22);
			memcpy(plain, b, n);
			CHECK(!send_one(p.peer, p.leg, false, b, &len) && len == n &&
			      !memcmp(b, plain, n), "peer -> leg RTP %u", i);
			n = len = rtcp(b, 0x22, (uint8_t)i);
			memcpy(plain, b, n);
			CHECK(!send_one(p.peer, p.leg, true, b, &len) && len == n &&
			      !memcmp(b, plain, n), "peer -> leg RTCP %u", i);
		}
		/* the leg's own key does not open what it sends (K1 != K2) */
		len = rtp(b, 60, 0x11);
		CHECK(send_one(p.leg, p.leg, false, b, &len) == 1 + SCTX_FAIL_AUTH,
		      "K2 protects, K1 refuses");
		pair_free(&p);
		CASE_END();
	}
}

static void case_refusals(void)
{
	for (unsigned s = 0; s < SDES_SUITE_MAX; s += 2) { /* one CM, one GCM */
		struct pair p, other;
		uint8_t b[512], copy[512];
		unsigned len, clen;
		enum sctx_fail why;
		char name[96];

		snprintf(name, sizeof(name), "tampered_replayed_wrong_key_refused_%s",
			 sdes_suite_name(s));
		CASE_BEGIN(name);
		CHECK(!pair_new(&p, s) && !pair_new(&other, s), "contexts");
		len = rtp(b, 7, 0x33);
		CHECK(!sctx_protect(p.peer, false, b, &len, sizeof(b), &why), "protect");
		memcpy(copy, b, len);
		clen = len;
		b[40] ^= 1;
		CHECK(sctx_unprotect(p.leg, false, b, &len, &why) && why == SCTX_FAIL_AUTH,
		      "tampered payload: why %d", why);
		memcpy(b, copy, clen);
		len = clen;
		CHECK(!sctx_unprotect(p.leg, false, b, &len, &why), "the original passes");
		memcpy(b, copy, clen);
		len = clen;
		CHECK(sctx_unprotect(p.leg, false, b, &len, &why) && why == SCTX_FAIL_REPLAY,
		      "replayed: why %d", why);
		len = rtp(b, 8, 0x33);
		CHECK(sctx_protect(other.peer, false, b, &len, sizeof(b), &why) == 0, "protect");
		CHECK(sctx_unprotect(p.leg, false, b, &len, &why) && why == SCTX_FAIL_AUTH,
		      "another key: why %d", why);
		len = 5;
		CHECK(sctx_unprotect(p.leg, false, b, &len, &why) && why == SCTX_FAIL_OTHER,
		      "5 bytes: why %d", why);
		len = rtcp(b, 0x33, 1);
		CHECK(!sctx_protect(p.peer, true, b, &len, sizeof(b), &why), "protect rtcp");
		memcpy(copy, b, len);
		clen = len;
		CHECK(!sctx_unprotect(p.leg, true, b, &len, &why), "SRTCP passes");
		memcpy(b, copy, clen);
		len = clen;
		CHECK(sctx_unprotect(p.leg, true, b, &len, &why) && why == SCTX_FAIL_REPLAY,
		      "SRTCP replayed: why %d", why);
		len = rtcp(b, 0x33, 2); /* a fresh index: the replay check passes it */
		CHECK(!sctx_protect(p.peer, true, b, &len, sizeof(b), &why), "protect rtcp");
		b[12] ^= 0x80;
		CHECK(sctx_unprotect(p.leg, true, b, &len, &why) && why == SCTX_FAIL_AUTH,
		      "SRTCP tampered: why %d", why);
		len = rtp(b, 8, 0x44);
		CHECK(!sctx_protect(p.leg, false, b, &len, sizeof(b), &why), "protect seq 8");
		len = rtp(b, 8, 0x44);
		CHECK(sctx_protect(p.leg, false, b, &len, sizeof(b), &why), "seq 8 again: one index, "
		      "one packet");
		pair_free(&p);
		pair_free(&other);
		CASE_END();
	}
}

static void case_mki_and_lifetime(void)
{
	struct sdes_key k, k2;
	struct sctx *tx, *rx;
	uint8_t b[512];
	unsigned len;
	enum sctx_fail why;
	char err[128];
	int passed = 0;

	CASE_BEGIN("mki_carried_and_checked_lifetime_enforced");
	sdes_key_generate(SDES_AES_CM_128_HMAC_SHA1_80, &k);
	k.mki = 7;
	k.mki_len = 2;
	k.lifetime = 5;
	tx = sctx_new(&k, &k, err, sizeof(err));
	rx = sctx_new(&k, &k, err, sizeof(err));
	CHECK(tx && rx, "contexts: %s", err);
	for (uint16_t i = 0; tx && rx && i < 7; i++) {
		len = rtp(b, i, 0x55);
		if (sctx_protect(tx, false, b, &len, sizeof(b), &why)) {
			CHECK(i == 5 && why == SCTX_FAIL_OTHER, "protect %u refused (why %d)", i, why);
			break;
		}
		CHECK(len == 172 + 10 + 2, "length %u: tag and a 2-byte MKI", len);
		if (!sctx_unprotect(rx, false, b, &len, &why))
			passed++;
	}
	CHECK(passed == 5, "%d packets within a lifetime of 5", passed);
	sctx_free(rx);
	k2 = k;
	k2.mki = 8;
	k2.lifetime = 0;
	rx = sctx_new(&k2, &k2, err, sizeof(err));
	len = rtp(b, 1, 0x55);
	k.lifetime = 0;
	sctx_free(tx);
	tx = sctx_new(&k, &k, err, sizeof(err));
	CHECK(!sctx_protect(tx, false, b, &len, sizeof(b), &why), "protect");
	CHECK(sctx_unprotect(rx, false, b, &len, &why) && why == SCTX_FAIL_AUTH,
	      "an MKI the leg was not given: why %d", why);
	sctx_free(tx);
	sctx_free(rx);
	CASE_END();
}

/* The leg sends across a rollover and RTCP; it is "restarted" (a new
 * context from the keys and the saved state) and the peer, which never
 * restarted, must take every packet after that; and the other way. */
static int restart_run(bool restore)
{
	struct pair p;
	struct sctx_stream out, in;
	uint8_t b[512];
	unsigned len;
	char err[128];
	int refused = 0;

	pair_new(&p, SDES_AES_CM_128_HMAC_SHA1_80);
	for (uint32_t i = 0; i < 700; i++) { /* seq 65200 -> 364: ROC 1 */
		len = rtp(b, (uint16_t)(65200 + i), 0x66);
		refused += send_one(p.leg, p.peer, false, b, &len) != 0;
		len = rtp(b, (uint16_t)(65300 + i), 0x77);
		refused += send_one(p.peer, p.leg, false, b, &len) != 0;
		len = rtcp(b, 0x66, 1);
		if (i % 7 == 0)
			refused += send_one(p.leg, p.peer, true, b, &len) != 0;
	}
	sctx_stream_get(p.leg, SCTX_OUT, &out);
	sctx_stream_get(p.leg, SCTX_IN, &in);
	sctx_free(p.leg);
	p.leg = sctx_new(&p.k1, &p.k2, err, sizeof(err));
	if (restore && (sctx_stream_set(p.leg, SCTX_OUT, &out, err, sizeof(err)) ||
			sctx_stream_set(p.leg, SCTX_IN, &in, err, sizeof(err))))
		refused += 1000;
	for (uint32_t i = 700; i < 800; i++) {
		len = rtp(b, (uint16_t)(65200 + i), 0x66);
		refused += send_one(p.leg, p.peer, false, b, &len) != 0;
		len = rtp(b, (uint16_t)(65300 + i), 0x77);
		refused += send_one(p.peer, p.leg, false, b, &len) != 0;
		len = rtcp(b, 0x66, 2);
		refused += send_one(p.leg, p.peer, true, b, &len) != 0;
	}
	if (out.roc != 1 || in.roc != 1 || out.ssrc != 0x66 || in.ssrc != 0x77 || !out.have_rtcp)
		refused += 10000;
	pair_free(&p);
	return refused;
}

static void case_restart(void)
{
	int r;

	CASE_BEGIN("restart_after_a_rollover_keeps_every_packet_both_ways");
	r = restart_run(true);
	CHECK(r == 0, "%d packets refused (or state wrong: >= 1000)", r);
	r = restart_run(false);
	CHECK(r >= 300, "without the saved state only %d refused: the test proves nothing", r);
	CASE_END();
}

static void case_changed(void)
{
	struct pair p;
	uint8_t b[512];
	unsigned len, changes = 0;

	CASE_BEGIN("restart_state_marked_changed_only_when_it_changes");
	pair_new(&p, SDES_AEAD_AES_128_GCM);
	sctx_changed(p.leg);
	for (uint32_t i = 0; i < 1000; i++) {
		len = rtp(b, (uint16_t)(65000 + i), 0x88);
		send_one(p.peer, p.leg, false, b, &len);
		changes += sctx_changed(p.leg);
	}
	CHECK(changes == 2, "%u changes: the first packet and the rollover", changes);
	pair_free(&p);
	CASE_END();
}

int main(void)
{
	case_suites();
	case_refusals();
	case_mki_and_lifetime();
	case_restart();
	case_changed();
	CHECK_EXIT();
}
