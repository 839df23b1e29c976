// SPDX-License-Identifier: GPL-2.0
/*
 * srtp_ossl.c - libsrtp2's crypto primitives on OpenSSL (srtp_ossl.h).
 *
 * Each type keeps one libcrypto context, keyed once at init: a packet
 * costs a new IV (counter or nonce) and the cipher or MAC over its bytes,
 * never a key schedule, a lookup or a lock. The contracts are libsrtp2's
 * (cipher.h, auth.h): the AES-ICM key carries its 14-byte salt, which the
 * counter is the IV xor'd with; GCM's decrypt is handed the tag after the
 * ciphertext and fails on a wrong one; an HMAC is ready to take bytes
 * after init and after start.
 *
 * The self-test vectors libsrtp2 runs before accepting a type: RFC 3711
 * B.2 (AES-128-CM), RFC 6188 7 (AES-256-CM), the GCM specification's test
 * cases 4 and 16 (AES-128/256-GCM, 16- and 8-byte tags) and RFC 2202 test
 * case 1 (HMAC-SHA1).
 */
/* SHA1_Init/Update/Final: see the HMAC below. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "srtp/srtp_ossl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/crypto_types.h>
#include <srtp2/srtp.h>

#define SALT_LEN 14
#define GCM_SALT_LEN 12

/* ---- AES in counter mode (AES_ICM) ------------------------------------------ */

struct icm {
	EVP_CIPHER_CTX *ctx;
	uint8_t salt[16];           /* the key's salt, its last two bytes 0 */
	int key_size;               /* 16 or 32 */
};

struct cipher_mem {
	srtp_cipher_t c;
	union {
		struct icm icm;
		struct gcm {
			EVP_CIPHER_CTX *ctx;
			int key_size, tag_len;
		} gcm;
	} u;
};

static const srtp_cipher_type_t icm128_type, icm256_type, gcm128_type, gcm256_type;

static srtp_err_status_t cipher_new(srtp_cipher_pointer_t *cp, const srtp_cipher_type_t *type,
				    int algorithm, int key_len, EVP_CIPHER_CTX **ctx)
{
	struct cipher_mem *m = calloc(1, sizeof(*m));

	if (!m)
		return srtp_err_status_alloc_fail;
	*ctx = EVP_CIPHER_CTX_new();
	if (!*ctx) {
		free(m);
		return srtp_err_status_alloc_fail;
	}
	m->c.type = type;
	m->c.state = &m->u;
	m->c.key_len = key_len;
	m->c.algorithm = algorithm;
	*cp = &m->c;
	return srtp_err_status_ok;
}

static srtp_err_status_t cipher_free(srtp_cipher_pointer_t c)
{
	struct cipher_mem *m = (struct cipher_mem *)c;

	if (!m)
		return srtp_err_status_bad_param;
	/* both members start with the context */
	EVP_CIPHER_CTX_free(m->u.icm.ctx);
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	struct cipher_mem *m;
	srtp_err_status_t e;
	EVP_CIPHER_CTX *ctx;

	(void)tag_len;
	if (key_len == SRTP_AES_ICM_128_KEY_LEN_WSALT)
		e = cipher_new(cp, &icm128_type, SRTP_AES_ICM_128, key_len, &ctx);
	else if (key_len == SRTP_AES_ICM_256_KEY_LEN_WSALT)
		e = cipher_new(cp, &icm256_type, SRTP_AES_ICM_256, key_len, &ctx);
	else
		return srtp_err_status_bad_param;
	if (e)
		return e;
	m = (struct cipher_mem *)*cp;
	m->u.icm.ctx = ctx;
	m->u.icm.key_size = key_len - SALT_LEN;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_init(void *state, const uint8_t *key)
{
	struct icm *s = state;
	const EVP_CIPHER *evp = s->key_size == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();

	memset(s->salt, 0, sizeof(s->salt));
	memcpy(s->salt, key + s->key_size, SALT_LEN);
	if (!EVP_EncryptInit_ex2(s->ctx, evp, key, NULL, NULL))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct icm *s = state;
	uint8_t ctr[16];

	(void)dir;
	for (int i = 0; i < 16; i++)
		ctr[i] = iv[i] ^ s->salt[i];
	if (!EVP_EncryptInit_ex2(s->ctx, NULL, NULL, ctr, NULL))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/* AES-ICM's encrypt and decrypt alike (the keystream from the counter on),
 * and GCM's encrypt: the cipher over buf in place. Both states start with
 * their context. */
static srtp_err_status_t crypt_in_place(void *state, uint8_t *buf, unsigned int *len)
{
	EVP_CIPHER_CTX *ctx = *(EVP_CIPHER_CTX **)state;
	int out = 0;

	if (*len > INT32_MAX || !EVP_CipherUpdate(ctx, buf, &out, buf, (int)*len))
		return srtp_err_status_cipher_fail;
	*len = (unsigned int)out;
	return srtp_err_status_ok;
}

/* ---- AES-GCM ------------------------------------------------------------------ */

static srtp_err_status_t gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	struct cipher_mem *m;
	srtp_err_status_t e;
	EVP_CIPHER_CTX *ctx;

	if (tag_len != 16 && tag_len != 8)
		return srtp_err_status_bad_param;
	if (key_len == SRTP_AES_GCM_128_KEY_LEN_WSALT)
		e = cipher_new(cp, &gcm128_type, SRTP_AES_GCM_128, key_len, &ctx);
	else if (key_len == SRTP_AES_GCM_256_KEY_LEN_WSALT)
		e = cipher_new(cp, &gcm256_type, SRTP_AES_GCM_256, key_len, &ctx);
	else
		return srtp_err_status_bad_param;
	if (e)
		return e;
	m = (struct cipher_mem *)*cp;
	m->u.gcm.ctx = ctx;
	m->u.gcm.key_size = key_len - GCM_SALT_LEN;
	m->u.gcm.tag_len = tag_len;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_init(void *state, const uint8_t *key)
{
	struct gcm *s = state;
	const EVP_CIPHER *evp = s->key_size == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();

	/* the 12-byte IV is GCM's default length */
	if (!EVP_CipherInit_ex2(s->ctx, evp, key, NULL, 1, NULL))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct gcm *s = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	if (!EVP_CipherInit_ex2(s->ctx, NULL, NULL, iv, dir == srtp_direction_encrypt, NULL))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad, uint32_t len)
{
	struct gcm *s = state;
	int out = 0;

	if (len > INT32_MAX || !EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len))
		return srtp_err_status_algo_fail;
	return srtp_err_status_ok;
}

/* After encrypt: the tag, s->tag_len bytes, to tag. */
static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
	struct gcm *s = state;
	uint8_t none[16];
	int out = 0;

	if (!EVP_CipherFinal_ex(s->ctx, none, &out) ||
	    !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, s->tag_len, tag))
		return srtp_err_status_algo_fail;
	*len = (uint32_t)s->tag_len;
	return srtp_err_status_ok;
}

/* buf holds the ciphertext and then its tag; *len shrinks by the tag. */
static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct gcm *s = state;
	unsigned int n;
	uint8_t none[16];
	int out = 0;

	if (*len < (unsigned int)s->tag_len || *len > INT32_MAX)
		return srtp_err_status_bad_param;
	n = *len - (unsigned int)s->tag_len;
	if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, buf + n) ||
	    !EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)n))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, none, &out) <= 0)
		return srtp_err_status_auth_fail;
	*len = n;
	return srtp_err_status_ok;
}

/* ---- HMAC-SHA1 ----------------------------------------------------------------- */

/*
 * RFC 2104 over SHA-1 with the key's inner and outer states computed once:
 * a packet's HMAC starts from a copy of the inner state and ends with one
 * block through a copy of the outer. OpenSSL 3.0's own HMAC (EVP_MAC)
 * restarts by duplicating its digest contexts, an allocation and a free
 * per packet, twice a packet on an SRTP <-> SRTP session (PERFORMANCE.md):
 * its low-level SHA-1 (deprecated in 3.0, kept) runs the same block
 * function without them.
 */
struct hmac_mem {
	srtp_auth_t a;
	SHA_CTX inner, outer;     /* after the key's ipad and opad blocks */
	SHA_CTX work;             /* the packet's */
};

static const srtp_auth_type_t hmac_type;

static srtp_err_status_t hmac_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
	struct hmac_mem *m;

	if (out_len < 0 || out_len > SHA_DIGEST_LENGTH || key_len < 0)
		return srtp_err_status_bad_param;
	m = calloc(1, sizeof(*m));
	if (!m)
		return srtp_err_status_alloc_fail;
	m->a.type = &hmac_type;
	m->a.state = m;
	m->a.out_len = out_len;
	m->a.key_len = key_len;
	m->a.prefix_len = 0;
	*ap = &m->a;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_free(srtp_auth_pointer_t a)
{
	struct hmac_mem *m = (struct hmac_mem *)a;

	if (!m)
		return srtp_err_status_bad_param;
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key, int key_len)
{
	struct hmac_mem *m = state;
	uint8_t k[SHA_CBLOCK] = { 0 }, pad[SHA_CBLOCK];
	unsigned int n = 0;

	if (key_len < 0)
		return srtp_err_status_auth_fail;
	if (key_len > SHA_CBLOCK) { /* RFC 2104 2: a long key is hashed first */
		if (!EVP_Digest(key, (size_t)key_len, k, &n, EVP_sha1(), NULL))
			return srtp_err_status_auth_fail;
	} else {
		memcpy(k, key, (size_t)key_len);
	}
	for (int i = 0; i < SHA_CBLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	SHA1_Init(&m->inner);
	SHA1_Update(&m->inner, pad, sizeof(pad));
	for (int i = 0; i < SHA_CBLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	SHA1_Init(&m->outer);
	SHA1_Update(&m->outer, pad, sizeof(pad));
	m->work = m->inner;
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	return srtp_err_status_ok;
}

/* Again from the key: the inner state init left. */
static srtp_err_status_t hmac_start(void *state)
{
	struct hmac_mem *m = state;

	m->work = m->inner;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *buf, int len)
{
	struct hmac_mem *m = state;

	if (len < 0 || !SHA1_Update(&m->work, buf, (size_t)len))
		return srtp_err_status_auth_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *buf, int len, int tag_len,
				      uint8_t *tag)
{
	struct hmac_mem *m = state;
	uint8_t md[SHA_DIGEST_LENGTH];
	SHA_CTX outer;

	if (tag_len < 0 || tag_len > SHA_DIGEST_LENGTH || hmac_update(state, buf, len) ||
	    !SHA1_Final(md, &m->work))
		return srtp_err_status_auth_fail;
	outer = m->outer;
	if (!SHA1_Update(&outer, md, sizeof(md)) || !SHA1_Final(md, &outer))
		return srtp_err_status_auth_fail;
	memcpy(tag, md, (size_t)tag_len);
	OPENSSL_cleanse(md, sizeof(md));
	OPENSSL_cleanse(&outer, sizeof(outer));
	return srtp_err_status_ok;
}

/* ---- self-test vectors and the types ----------------------------------------- */

/* RFC 3711 B.2: session key 2B7E..3C, salt F0F1..FD, the first 32 bytes. */
static const uint8_t icm128_key[30] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f,
	0x3c, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm128_ks[32] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e,
	0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f,
	0x97, 0xab,
};
/* RFC 6188 7: AES-256 in counter mode, the same salt. */
static const uint8_t icm256_key[46] = {
	0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70, 0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
	0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82, 0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm256_ks[32] = {
	0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25, 0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
	0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6, 0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
};
static const uint8_t zero32[32];
static uint8_t zero_iv[16];

static const srtp_cipher_test_case_t icm128_test = {
	30, icm128_key, zero_iv, 32, zero32, 32, icm128_ks, 0, NULL, 0, NULL,
};
static const srtp_cipher_test_case_t icm256_test = {
	46, icm256_key, zero_iv, 32, zero32, 32, icm256_ks, 0, NULL, 0, NULL,
};

/* The GCM specification's test cases 4 (AES-128) and 16 (AES-256): the key
 * (then 12 bytes of salt libsrtp2's key length counts, unused by the
 * cipher), IV, AAD, plaintext, and ciphertext with the 16-byte tag. */
static const uint8_t gcm_key[44] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
};
static uint8_t gcm_iv[12] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
static const uint8_t gcm_aad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
	0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2,
};
static const uint8_t gcm_plain[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26,
	0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
	0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49,
	0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
};
static const uint8_t gcm128_ct[76] = {
	0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4,
	0x9c, 0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac,
	0xa1, 0x2e, 0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a, 0xac,
	0x84, 0xaa, 0x05, 0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91,
	0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47,
};
static const uint8_t gcm256_ct[76] = {
	0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07, 0xf4, 0x7f, 0x37, 0xa3, 0x2a, 0x84, 0x42,
	0x7d, 0x64, 0x3a, 0x8c, 0xdc, 0xbf, 0xe5, 0xc0, 0xc9, 0x75, 0x98, 0xa2, 0xbd, 0x25, 0x55,
	0xd1, 0xaa, 0x8c, 0xb0, 0x8e, 0x48, 0x59, 0x0d, 0xbb, 0x3d, 0xa7, 0xb0, 0x8b, 0x10, 0x56,
	0x82, 0x88, 0x38, 0xc5, 0xf6, 0x1e, 0x63, 0x93, 0xba, 0x7a, 0x0a, 0xbc, 0xc9, 0xf6, 0x62,
	0x76, 0xfc, 0x6e, 0xce, 0x0f, 0x4e, 0x17, 0x68, 0xcd, 0xdf, 0x88, 0x53, 0xbb, 0x2d, 0x55, 0x1b,
};
/* 128 bits: the key's first 16 bytes, then the salt */
static uint8_t gcm128_key[28];

static const srtp_cipher_test_case_t gcm128_test8 = {
	28, gcm128_key, gcm_iv, 60, gcm_plain, 68, gcm128_ct, 20, gcm_aad, 8, NULL,
};
static const srtp_cipher_test_case_t gcm128_test = {
	28, gcm128_key, gcm_iv, 60, gcm_plain, 76, gcm128_ct, 20, gcm_aad, 16, &gcm128_test8,
};
static const srtp_cipher_test_case_t gcm256_test8 = {
	44, gcm_key, gcm_iv, 60, gcm_plain, 68, gcm256_ct, 20, gcm_aad, 8, NULL,
};
static const srtp_cipher_test_case_t gcm256_test = {
	44, gcm_key, gcm_iv, 60, gcm_plain, 76, gcm256_ct, 20, gcm_aad, 16, &gcm256_test8,
};

/* RFC 2202 test case 1: key 20 x 0x0b, "Hi There". */
static const uint8_t hmac_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_data[8] = { 'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e' };
static const uint8_t hmac_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t hmac_test = {
	20, hmac_key, 8, hmac_data, 20, hmac_tag, NULL,
};

#define ICM_TYPE(name, desc, test, id)                                                     \
	static const srtp_cipher_type_t name = {                                          \
		icm_alloc, cipher_free, icm_init, NULL, crypt_in_place, crypt_in_place, icm_set_iv, \
		NULL, desc, &test, id,                                                     \
	}
#define GCM_TYPE(name, desc, test, id)                                                       \
	static const srtp_cipher_type_t name = {                                            \
		gcm_alloc, cipher_free, gcm_init, gcm_set_aad, crypt_in_place, gcm_decrypt,    \
		gcm_set_iv, gcm_get_tag, desc, &test, id,                                    \
	}

ICM_TYPE(icm128_type, "AES-128 counter mode (rtpedge, OpenSSL)", icm128_test, SRTP_AES_ICM_128);
ICM_TYPE(icm256_type, "AES-256 counter mode (rtpedge, OpenSSL)", icm256_test, SRTP_AES_ICM_256);
GCM_TYPE(gcm128_type, "AES-128 GCM (rtpedge, OpenSSL)", gcm128_test, SRTP_AES_GCM_128);
GCM_TYPE(gcm256_type, "AES-256 GCM (rtpedge, OpenSSL)", gcm256_test, SRTP_AES_GCM_256);

static const srtp_auth_type_t hmac_type = {
	hmac_alloc, hmac_free, hmac_init, hmac_compute, hmac_update, hmac_start,
	"HMAC-SHA1 (rtpedge, OpenSSL)", &hmac_test, SRTP_HMAC_SHA1,
};

int srtp_ossl_install(void)
{
	static const srtp_cipher_type_t *const ciphers[] = {
		&icm128_type, &icm256_type, &gcm128_type, &gcm256_type,
	};

	memcpy(gcm128_key, gcm_key, 16);
	memcpy(gcm128_key + 16, gcm_key + 32, 12);
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (srtp_replace_cipher_type(ciphers[i], ciphers[i]->id) != srtp_err_status_ok)
			return -EIO;
	if (srtp_replace_auth_type(&hmac_type, SRTP_HMAC_SHA1) != srtp_err_status_ok)
		return -EIO;
	return 0;
}
