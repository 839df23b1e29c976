// SPDX-License-Identifier: GPL-2.0
/*
 * test_srtp.c - known-answer tests of the SRTP transform, through the
 * daemon's own code (daemon/srtp/srtp_ctx.c on libsrtp2) wherever the
 * vector's inputs are ones that code takes:
 *
 *  - RFC 3711 B.2 (AES-CM keystream from a session key and salt) and
 *    RFC 7714 16.1.1, 16.2.1, 17.1, 17.2 (SRTP and SRTCP packets under
 *    session keys) check the reference transform (srtp_ref.h, OpenSSL):
 *    rtpedge, like every SDES endpoint, takes master keys, and no master
 *    key is known to derive the RFCs' session keys.
 *  - RFC 3711 B.3 (key derivation from a master key) goes through
 *    sctx_protect: the packet it makes under B.3's master key and salt must
 *    be, byte for byte, the one the reference makes under the session key,
 *    salt and authentication key B.3 publishes; and sctx_unprotect must
 *    take it back.
 *  - The GCM suites: sctx_protect under RFC 7714's key and salt (as the
 *    master key) must equal the reference's packet under the session keys
 *    the reference derives, for the RFC's RTP and RTCP packets.
 *  - libsrtp2 runs on the daemon's OpenSSL primitives (srtp_ossl.c) here,
 *    as in rtpedged: every case above goes through them, and for each suite
 *    a packet changed in its payload or its tag fails authentication and
 *    one seen before is a replay, RTP and RTCP.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "srtp_ref.h"
#include "srtp/srtp_ctx.h"

#define HEXBUF 512

static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	return !memcmp(a, b, n);
}

static const char *hex(const uint8_t *p, size_t n, char *buf)
{
	for (size_t i = 0; i < n && i < HEXBUF / 2 - 1; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
	return buf;
}

/* ---- RFC 3711 B.2: AES-CM keystream ------------------------------------- */

static void case_b2_keystream(void)
{
	uint8_t key[16], iv[16], ks[16 * 3], want[16 * 3], tail[16 * 3], wtail[16 * 3];
	char h[HEXBUF];

	CASE_BEGIN("rfc3711_b2_aes_cm_keystream");
	unhex("2B7E151628AED2A6ABF7158809CF4F3C", key, 16);
	/* session salt F0F1..FD, SSRC and index 0: the IV is the salt * 2^16 */
	unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000", iv, 16);
	unhex("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB"
	      "41E95B3BB0A2E8DD477901E4FCA894C0", want, sizeof(want));
	ref_keystream(key, 16, iv, ks, sizeof(ks));
	CHECK(same(ks, want, sizeof(ks)), "keystream %s", hex(ks, sizeof(ks), h));
	/* blocks FEFF, FF00, FF01 */
	unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF", iv, 16);
	unhex("EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE"
	      "6A2CC3787889374FBEB4C81B17BA6C44", wtail, sizeof(wtail));
	ref_keystream(key, 16, iv, tail, sizeof(tail));
	CHECK(same(tail, wtail, sizeof(tail)), "keystream at FEFF %s", hex(tail, sizeof(tail), h));
	CASE_END();
}

/* ---- RFC 3711 B.3: key derivation ---------------------------------------- */

static const char *B3_MASTER = "E1F97A0D3E018BE0D64FA32C06DE4139";
static const char *B3_SALT = "0EC675AD498AFEEBB6960B3AABE6";
static const char *B3_CIPHER_KEY = "C61E7A93744F39EE10734AFE3FF7A087";
static const char *B3_CIPHER_SALT = "30CBBC08863D8C85D49DB34A9AE1";
static const char *B3_AUTH = "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE"
			     "E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25"
			     "6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2";

static void case_b3_reference(void)
{
	uint8_t mk[16], ms[14], k[16], s[14], a[94], wk[16], ws[14], wa[94];
	char h[HEXBUF];

	CASE_BEGIN("rfc3711_b3_key_derivation_reference");
	unhex(B3_MASTER, mk, 16);
	unhex(B3_SALT, ms, 14);
	unhex(B3_CIPHER_KEY, wk, 16);
	unhex(B3_CIPHER_SALT, ws, 14);
	unhex(B3_AUTH, wa, 94);
	ref_kdf(mk, 16, ms, 14, 0, k, 16);
	ref_kdf(mk, 16, ms, 14, 2, s, 14);
	ref_kdf(mk, 16, ms, 14, 1, a, 94);
	CHECK(same(k, wk, 16), "cipher key %s", hex(k, 16, h));
	CHECK(same(s, ws, 14), "cipher salt %s", hex(s, 14, h));
	CHECK(same(a, wa, 94), "auth key %s", hex(a, 94, h));
	CASE_END();
}

/* A test RTP packet: V=2, PT 0, seq, ts, ssrc, then n payload bytes. */
static size_t rtp_packet(uint8_t *p, uint16_t seq, uint32_t ssrc, size_t n)
{
	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	put32be(p + 4, 0x01020304u + seq);
	put32be(p + 8, ssrc);
	for (size_t i = 0; i < n; i++)
		p[12 + i] = (uint8_t)(i * 7 + seq);
	return 12 + n;
}

/* A master key of suite from hex key || salt. */
static void master(struct sdes_key *k, unsigned suite, const char *hx)
{
	memset(k, 0, sizeof(*k));
	k->suite = (uint8_t)suite;
	k->len = (uint8_t)unhex(hx, k->key, sizeof(k->key));
}

/* sctx_protect of B.3's master key against the reference under B.3's
 * published session keys (the SRTCP ones derived by the reference, which
 * B.3's labels 0-2 check). seq 0xfffe..: the packets cross a rollover. */
static void b3_through_ctx(unsigned suite, unsigned tag)
{
	struct sdes_key mk;
	struct ref_cm rk = { .tag = tag }, rc = { .tag = 10 };
	uint8_t p[512], q[512], ms[14], mkey[16], plain[512];
	unsigned len;
	enum sctx_fail why;
	char err[128], h[HEXBUF];
	struct sctx *c;

	master(&mk, suite, "E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6");
	c = sctx_new(&mk, &mk, err, sizeof(err));
	CHECK(c, "sctx_new: %s", err);
	if (!c)
		return;
	unhex(B3_CIPHER_KEY, rk.key, 16);
	unhex(B3_CIPHER_SALT, rk.salt, 14);
	unhex(B3_AUTH, rk.auth, 20); /* n_a = 160 bits: the first 20 bytes */
	for (uint32_t i = 0; i < 4; i++) {
		uint16_t seq = (uint16_t)(0xfffe + i);
		size_t n = rtp_packet(p, seq, 0xcafe0001u, 160), want;

		memcpy(plain, p, n);
		memcpy(q, p, n);
		len = (unsigned)n;
		CHECK(!sctx_protect(c, false, p, &len, sizeof(p), &why), "protect %u", i);
		want = ref_cm_rtp(&rk, q, n, seq < 0xfffe ? 1 : 0);
		CHECK(len == want && same(p, q, want), "packet %u (seq %u) differs: %s", i, seq,
		      hex(p, len, h));
		CHECK(!sctx_unprotect(c, false, p, &len, &why) && len == n && same(p, plain, n),
		      "unprotect %u back to the plain packet", i);
	}
	/* SRTCP: labels 3, 4, 5 */
	unhex(B3_MASTER, mkey, 16);
	unhex(B3_SALT, ms, 14);
	ref_kdf(mkey, 16, ms, 14, 3, rc.key, 16);
	ref_kdf(mkey, 16, ms, 14, 4, rc.auth, 20);
	ref_kdf(mkey, 16, ms, 14, 5, rc.salt, 14);
	for (int i = 0; i < 2; i++) {
		size_t n = 8 + 24, want;
		uint32_t idx;

		p[0] = 0x80;
		p[1] = 200;
		p[2] = 0;
		p[3] = (uint8_t)(n / 4 - 1);
		put32be(p + 4, 0xcafe0001u);
		for (size_t j = 8; j < n; j++)
			p[j] = (uint8_t)(j + i);
		memcpy(q, p, n);
		len = (unsigned)n;
		CHECK(!sctx_protect(c, true, p, &len, sizeof(p), &why), "protect rtcp");
		idx = ((uint32_t)p[n] << 24 | (uint32_t)p[n + 1] << 16 | p[n + 2] << 8 | p[n + 3]) &
		      0x7fffffffu;
		want = ref_cm_rtcp(&rc, q, n, idx);
		CHECK(len == want && same(p, q, want), "SRTCP index %u differs: %s", idx,
		      hex(p, len, h));
		CHECK(!sctx_unprotect(c, true, p, &len, &why) && len == n, "unprotect rtcp");
	}
	sctx_free(c);
}

static void case_b3_through_ctx(void)
{
	CASE_BEGIN("rfc3711_b3_master_key_through_sctx_aes_cm_128_hmac_sha1_80");
	b3_through_ctx(SDES_AES_CM_128_HMAC_SHA1_80, 10);
	CASE_END();
	CASE_BEGIN("rfc3711_b3_master_key_through_sctx_aes_cm_128_hmac_sha1_32");
	b3_through_ctx(SDES_AES_CM_128_HMAC_SHA1_32, 4);
	CASE_END();
}

/* ---- RFC 7714 16 and 17: AES-GCM ----------------------------------------- */

static const char *G_KEY128 = "000102030405060708090a0b0c0d0e0f";
static const char *G_KEY256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char *G_SALT = "517569642070726f2071756f";
/* 16: header 8040f17b 8041f8d3 5501a0b2, "Gallia est omnis divisa in partes tres" */
static const char *G_RTP = "8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e69732064"
			   "697669736120696e207061727465732074726573";
static const char *G_SRTP128 = "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe63"
			       "3bd50d294e6f42a5f47a51c7d19b36de3adf8833 899d7f27beb16a9152cf765ee4390cce";
static const char *G_SRTP256 = "8040f17b8041f8d35501a0b2 32b1de78a822fe12ef9f78fa332e33aab180"
			       "12389a58e2f3b50b2a0276ffae0f1ba63799b8 7b7aa3db36dfffd6b0f9bb7878d7a76c13";
/* 17.1, 17.2: SSRC "Mars", SRTCP index 0x5d4, E = 1 */
static const char *G_RTCP = "81c8000d4d617273 4e5450314e545032525450200000042a0000e930"
			    "4c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
static const char *G_SRTCP128 = "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06"
				"f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa458 96cf4d2fc5abf87245d9eade"
				" 800005d4";
static const char *G_SRTCP256 = "81c8000d4d617273 d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe"
				"0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c 4446839f57ff6f6cb26ac3be"
				" 800005d4";

static void gcm_keys(struct ref_gcm_keys *k, const char *key)
{
	k->klen = unhex(key, k->key, sizeof(k->key));
	unhex(G_SALT, k->salt, 12);
}

/* One RFC 7714 vector: the reference makes want from plain, and takes it back. */
static void gcm_vector(const char *key, const char *plain, const char *want, bool rtcp)
{
	struct ref_gcm_keys k;
	uint8_t p[256], w[256], back[256], iv[12] = { 0 };
	size_t n = unhex(plain, p, sizeof(p)), wn = unhex(want, w, sizeof(w)), len;
	char h[HEXBUF];

	gcm_keys(&k, key);
	len = rtcp ? ref_gcm_rtcp(&k, p, n, 0x5d4) : ref_gcm_rtp(&k, p, n, 0);
	CHECK(len == wn && same(p, w, wn), "protected %s", hex(p, len, h));
	/* decrypt (16.1.2 and the others' reverse) */
	if (rtcp) {
		memcpy(iv + 2, w + 4, 4);
		put32be(iv + 8, 0x5d4);
		xor_into(iv, k.salt, 12);
		uint8_t aad[12];

		memcpy(aad, w, 8);
		memcpy(aad + 8, w + wn - 4, 4);
		CHECK(ref_gcm(k.key, k.klen, iv, aad, 12, w + 8, wn - 8 - 20, back,
			      w + wn - 20, true), "the vector's tag verifies");
		unhex(plain, p, sizeof(p));
		CHECK(same(back, p + 8, n - 8), "decrypts to the plain RTCP");
	} else {
		ref_gcm_rtp_iv(&k, w, 0, iv);
		CHECK(ref_gcm(k.key, k.klen, iv, w, 12, w + 12, wn - 12 - 16, back, w + wn - 16, true),
		      "the vector's tag verifies");
		unhex(plain, p, sizeof(p));
		CHECK(same(back, p + 12, n - 12), "decrypts to the plain RTP");
	}
}

static void case_rfc7714_reference(void)
{
	CASE_BEGIN("rfc7714_16_1_1_srtp_aead_aes_128_gcm");
	gcm_vector(G_KEY128, G_RTP, G_SRTP128, false);
	CASE_END();
	CASE_BEGIN("rfc7714_16_2_1_srtp_aead_aes_256_gcm");
	gcm_vector(G_KEY256, G_RTP, G_SRTP256, false);
	CASE_END();
	CASE_BEGIN("rfc7714_17_1_srtcp_aead_aes_128_gcm");
	gcm_vector(G_KEY128, G_RTCP, G_SRTCP128, true);
	CASE_END();
	CASE_BEGIN("rfc7714_17_2_srtcp_aead_aes_256_gcm");
	gcm_vector(G_KEY256, G_RTCP, G_SRTCP256, true);
	CASE_END();
}

/* sctx_protect with the RFC's key || salt as the master key, against the
 * reference under the session keys it derives (labels 0/2 SRTP, 3/5 SRTCP). */
static void gcm_through_ctx(unsigned suite, const char *key)
{
	struct sdes_key mk;
	struct ref_gcm_keys rk, rc;
	uint8_t mkey[32], ms[12], p[256], q[256], plain[256];
	size_t klen = unhex(key, mkey, sizeof(mkey)), n, want;
	unsigned len;
	enum sctx_fail why;
	char err[128], h[HEXBUF], both[200];
	struct sctx *c;
	uint32_t idx;

	unhex(G_SALT, ms, 12);
	snprintf(both, sizeof(both), "%s %s", key, G_SALT);
	master(&mk, suite, both);
	c = sctx_new(&mk, &mk, err, sizeof(err));
	CHECK(c, "sctx_new: %s", err);
	if (!c)
		return;
	rk.klen = rc.klen = klen;
	ref_kdf(mkey, klen, ms, 12, 0, rk.key, klen);
	ref_kdf(mkey, klen, ms, 12, 2, rk.salt, 12);
	ref_kdf(mkey, klen, ms, 12, 3, rc.key, klen);
	ref_kdf(mkey, klen, ms, 12, 5, rc.salt, 12);
	n = unhex(G_RTP, p, sizeof(p));
	memcpy(q, p, n);
	memcpy(plain, p, n);
	len = (unsigned)n;
	CHECK(!sctx_protect(c, false, p, &len, sizeof(p), &why), "protect");
	want = ref_gcm_rtp(&rk, q, n, 0);
	CHECK(len == want && same(p, q, want), "SRTP differs: %s", hex(p, len, h));
	CHECK(!sctx_unprotect(c, false, p, &len, &why) && len == n && same(p, plain, n),
	      "unprotect back to the RFC's RTP packet");
	n = unhex(G_RTCP, p, sizeof(p));
	memcpy(q, p, n);
	len = (unsigned)n;
	CHECK(!sctx_protect(c, true, p, &len, sizeof(p), &why), "protect rtcp");
	idx = ((uint32_t)p[len - 4] << 24 | (uint32_t)p[len - 3] << 16 | p[len - 2] << 8 |
	       p[len - 1]) & 0x7fffffffu;
	want = ref_gcm_rtcp(&rc, q, n, idx);
	CHECK(len == want && same(p, q, want), "SRTCP (index %u) differs: %s", idx, hex(p, len, h));
	CHECK(!sctx_unprotect(c, true, p, &len, &why) && len == n, "unprotect rtcp");
	sctx_free(c);
}

static void case_gcm_through_ctx(void)
{
	CASE_BEGIN("rfc7714_key_through_sctx_aead_aes_128_gcm");
	gcm_through_ctx(SDES_AEAD_AES_128_GCM, G_KEY128);
	CASE_END();
	CASE_BEGIN("rfc7714_key_through_sctx_aead_aes_256_gcm");
	gcm_through_ctx(SDES_AEAD_AES_256_GCM, G_KEY256);
	CASE_END();
}

/* ---- refusals, on every suite ---------------------------------------------- */

static void refusals(unsigned suite, const char *key, bool rtcp)
{
	static const uint8_t rtp[] = { 0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t rtcp_sr[] = { 0x80, 0xc8, 0x00, 0x06, 0xde, 0xad, 0xbe, 0xef };
	struct sdes_key mk;
	uint8_t p[512], q[512];
	unsigned len, n;
	enum sctx_fail why = SCTX_FAIL_MAX;
	char err[128];
	struct sctx *c;

	master(&mk, suite, key);
	c = sctx_new(&mk, &mk, err, sizeof(err));
	CHECK(c, "sctx_new: %s", err);
	if (!c)
		return;
	memset(p, 0x5a, sizeof(p));
	memcpy(p, rtcp ? rtcp_sr : rtp, rtcp ? sizeof(rtcp_sr) : sizeof(rtp));
	n = len = rtcp ? 28 : 172;
	CHECK(!sctx_protect(c, rtcp, p, &len, sizeof(p), &why) && len > n, "protect");
	memcpy(q, p, len);
	n = len;
	p[20] ^= 1; /* payload */
	CHECK(sctx_unprotect(c, rtcp, p, &len, &why) && why == SCTX_FAIL_AUTH, "payload changed: auth");
	memcpy(p, q, n);
	len = n;
	p[n - 1 - (rtcp ? 4 : 0)] ^= 0x80; /* the tag's last byte (SRTCP: before E+index) */
	CHECK(sctx_unprotect(c, rtcp, p, &len, &why) && why == SCTX_FAIL_AUTH, "tag changed: auth");
	memcpy(p, q, n);
	len = n;
	CHECK(!sctx_unprotect(c, rtcp, p, &len, &why), "the packet as sent");
	memcpy(p, q, n);
	len = n;
	CHECK(sctx_unprotect(c, rtcp, p, &len, &why) && why == SCTX_FAIL_REPLAY, "again: replay");
	sctx_free(c);
}

static void case_refusals(void)
{
	static const char *const cm = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d";
	static const struct {
		const char *name;
		unsigned suite;
		const char *key;
	} s[] = {
		{ "aes_cm_128_hmac_sha1_80", SDES_AES_CM_128_HMAC_SHA1_80, cm },
		{ "aes_cm_128_hmac_sha1_32", SDES_AES_CM_128_HMAC_SHA1_32, cm },
		{ "aead_aes_128_gcm", SDES_AEAD_AES_128_GCM, "000102030405060708090a0b0c0d0e0f"
							      "517569642070726f2071756f" },
		{ "aead_aes_256_gcm", SDES_AEAD_AES_256_GCM, "000102030405060708090a0b0c0d0e0f"
							      "101112131415161718191a1b1c1d1e1f"
							      "517569642070726f2071756f" },
	};
	char name[80];

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		for (int rtcp = 0; rtcp < 2; rtcp++) {
			snprintf(name, sizeof(name), "openssl_%s_%s_tampered_and_replayed_refused",
				 s[i].name, rtcp ? "srtcp" : "srtp");
			CASE_BEGIN(name);
			refusals(s[i].suite, s[i].key, rtcp);
			CASE_END();
		}
	CASE_BEGIN("libsrtp2_runs_on_openssl");
	CHECK(!strcmp(sctx_lib_crypto(), "openssl"), "crypto %s", sctx_lib_crypto());
	CASE_END();
}

int main(void)
{
	case_b2_keystream();
	case_b3_reference();
	case_b3_through_ctx();
	case_rfc7714_reference();
	case_gcm_through_ctx();
	case_refusals();
	CHECK_EXIT();
}
