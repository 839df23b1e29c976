/* SPDX-License-Identifier: GPL-2.0 */
/*
 * srtp_ref.h - an SRTP transform written from RFC 3711 and RFC 7714 on
 * OpenSSL's libcrypto, for the known-answer tests (test_srtp.c): libsrtp2
 * here is built on NSS, so this is an independent implementation. It is
 * checked against the RFCs' published vectors first; the daemon's own
 * code (daemon/srtp/, on libsrtp2) is then checked against it, byte for
 * byte, where a vector needs a step the RFC does not publish.
 *
 * Only what the tests need: no replay list, no MKI, one packet at a time.
 */
#ifndef RTPE_SRTP_REF_H
#define RTPE_SRTP_REF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* Hex text (spaces ignored) into out; the number of bytes. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else if (n < cap) {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* One AES block (ECB) under a 16- or 32-byte key. */
static void ref_aes(const uint8_t *key, size_t klen, const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	EVP_EncryptInit_ex(c, klen == 32 ? EVP_aes_256_ecb() : EVP_aes_128_ecb(), NULL, key, NULL);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, out, &n, in, 16);
	EVP_CIPHER_CTX_free(c);
}

/* AES counter mode keystream from the 16-byte iv (RFC 3711 4.1.1: the
 * counter is the IV plus the block number in its low 16 bits). */
static void ref_keystream(const uint8_t *key, size_t klen, const uint8_t iv[16], uint8_t *out,
			  size_t n)
{
	uint8_t ctr[16], blk[16];

	for (size_t b = 0; b * 16 < n; b++) {
		uint16_t low = (uint16_t)((iv[14] << 8 | iv[15]) + b);

		memcpy(ctr, iv, 16);
		ctr[14] = (uint8_t)(low >> 8);
		ctr[15] = (uint8_t)low;
		ref_aes(key, klen, ctr, blk);
		memcpy(out + 16 * b, blk, n - 16 * b < 16 ? n - 16 * b : 16);
	}
}

/*
 * RFC 3711 4.3.1/4.3.3 with kdr 0: the n bytes of label (0 key, 1 auth,
 * 2 salt, 3-5 the same for SRTCP) from the master key (klen bytes) and a
 * salt of slen bytes (14; GCM's 12 are followed by two zero bytes, as
 * libsrtp2 reads RFC 7714 12).
 */
static void ref_kdf(const uint8_t *mkey, size_t klen, const uint8_t *msalt, size_t slen,
		    uint8_t label, uint8_t *out, size_t n)
{
	uint8_t iv[16] = { 0 };

	memcpy(iv, msalt, slen);
	iv[7] ^= label;
	ref_keystream(mkey, klen, iv, out, n);
}

static void xor_into(uint8_t *p, const uint8_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= k[i];
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Session keys of an AES-CM + HMAC-SHA1 suite (SRTP or SRTCP). */
struct ref_cm {
	uint8_t key[16], salt[14], auth[20];
	unsigned tag;             /* tag bytes: 10 or 4 */
};

/* HMAC-SHA1 of a || b, truncated to tag bytes. */
static void ref_hmac(const struct ref_cm *k, const uint8_t *a, size_t alen, const uint8_t *b,
		     size_t blen, uint8_t *tag)
{
	uint8_t buf[2048], md[20];
	unsigned mdlen = 0;

	memcpy(buf, a, alen);
	if (blen) /* b may be NULL */
		memcpy(buf + alen, b, blen);
	HMAC(EVP_sha1(), k->auth, 20, buf, alen + blen, md, &mdlen);
	memcpy(tag, md, k->tag);
}

/* RFC 3711 3.1 and 4.1.1: SRTP of the RTP packet p (12-byte header, no
 * CSRC or extension) of len bytes under roc; the protected length. */
static size_t ref_cm_rtp(const struct ref_cm *k, uint8_t *p, size_t len, uint32_t roc)
{
	uint8_t iv[16] = { 0 }, ks[2048], r[4];
	uint64_t index = (uint64_t)roc << 16 | (uint16_t)(p[2] << 8 | p[3]);

	memcpy(iv, k->salt, 14);
	xor_into(iv + 4, p + 8, 4);                  /* SSRC * 2^64 */
	for (int i = 0; i < 6; i++)                  /* index * 2^16 */
		iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
	ref_keystream(k->key, 16, iv, ks, len - 12);
	xor_into(p + 12, ks, len - 12);
	put32be(r, roc);
	ref_hmac(k, p, len, r, 4, p + len);          /* tag over M || ROC */
	return len + k->tag;
}

/* RFC 3711 3.4: SRTCP of the RTCP packet p under SRTCP index idx, encrypted
 * (E = 1); the protected length. */
static size_t ref_cm_rtcp(const struct ref_cm *k, uint8_t *p, size_t len, uint32_t idx)
{
	uint8_t iv[16] = { 0 }, ks[2048];

	memcpy(iv, k->salt, 14);
	xor_into(iv + 4, p + 4, 4);                  /* SSRC */
	iv[10] ^= (uint8_t)(idx >> 24);              /* index * 2^16 */
	iv[11] ^= (uint8_t)(idx >> 16);
	iv[12] ^= (uint8_t)(idx >> 8);
	iv[13] ^= (uint8_t)idx;
	ref_keystream(k->key, 16, iv, ks, len - 8);
	xor_into(p + 8, ks, len - 8);
	put32be(p + len, 0x80000000u | idx);
	ref_hmac(k, p, len + 4, NULL, 0, p + len + 4);
	return len + 4 + k->tag;
}

/* AES-GCM (16-byte tag) of pt (n bytes) into ct and tag, or back when
 * decrypt (then false when the tag is wrong). */
static bool ref_gcm(const uint8_t *key, size_t klen, const uint8_t iv[12], const uint8_t *aad,
		    size_t alen, const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag, bool decrypt)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *t = klen == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	int m = 0, ok;

	if (decrypt) {
		EVP_DecryptInit_ex(c, t, NULL, key, iv);
		EVP_DecryptUpdate(c, NULL, &m, aad, (int)alen);
		EVP_DecryptUpdate(c, out, &m, in, (int)n);
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag);
		ok = EVP_DecryptFinal_ex(c, out + m, &m) > 0;
	} else {
		EVP_EncryptInit_ex(c, t, NULL, key, iv);
		EVP_EncryptUpdate(c, NULL, &m, aad, (int)alen);
		EVP_EncryptUpdate(c, out, &m, in, (int)n);
		EVP_EncryptFinal_ex(c, out + m, &m);
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) > 0;
	}
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* Session key (16 or 32 bytes) and 12-byte salt of a GCM suite. */
struct ref_gcm_keys {
	uint8_t key[32], salt[12];
	size_t klen;
};

/* RFC 7714 8.1 and 9.1: the RTP IV, 00 00 || SSRC || ROC || SEQ XOR salt. */
static void ref_gcm_rtp_iv(const struct ref_gcm_keys *k, const uint8_t *p, uint32_t roc,
			   uint8_t iv[12])
{
	memset(iv, 0, 12);
	memcpy(iv + 2, p + 8, 4);
	put32be(iv + 6, roc);
	iv[10] = p[2];
	iv[11] = p[3];
	xor_into(iv, k->salt, 12);
}

/* SRTP with AEAD_AES_*_GCM of the RTP packet p (12-byte header); the
 * protected length (payload encrypted, 16-byte tag after it). */
static size_t ref_gcm_rtp(const struct ref_gcm_keys *k, uint8_t *p, size_t len, uint32_t roc)
{
	uint8_t iv[12], ct[2048];

	ref_gcm_rtp_iv(k, p, roc, iv);
	ref_gcm(k->key, k->klen, iv, p, 12, p + 12, len - 12, ct, p + len, false);
	memcpy(p + 12, ct, len - 12);
	return len + 16;
}

/* RFC 7714 9.1 and 17: SRTCP, IV 00 00 || SSRC || 00 00 || E=0 index XOR
 * salt, AAD the 8-byte header || E || index; the protected length
 * (payload, tag, then E || index). */
static size_t ref_gcm_rtcp(const struct ref_gcm_keys *k, uint8_t *p, size_t len, uint32_t idx)
{
	uint8_t iv[12] = { 0 }, aad[12], ct[2048], tag[16];

	memcpy(iv + 2, p + 4, 4);
	put32be(iv + 8, idx & 0x7fffffffu);
	xor_into(iv, k->salt, 12);
	memcpy(aad, p, 8);
	put32be(aad + 8, 0x80000000u | idx);
	ref_gcm(k->key, k->klen, iv, aad, 12, p + 8, len - 8, ct, tag, false);
	memcpy(p + 8, ct, len - 8);
	memcpy(p + len, tag, 16);
	memcpy(p + len + 16, aad + 8, 4);
	return len + 20;
}

#endif
