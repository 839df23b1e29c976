/* SPDX-License-Identifier: GPL-2.0 */
/*
 * srtp_keys.h - SDES master keys (RFC 4568): the crypto suites rtpedge
 * terminates, a key's inline form (base64 of key || salt, optional
 * lifetime and MKI) parsed and printed, the control's SUITE:INKEY[:OUTKEY]
 * and keys made from the kernel's CSPRNG.
 *
 * Nothing here logs or prints a key on its own: the callers decide where a
 * key may appear (the state file, `session show --keys`), and error
 * messages never quote the key material they refuse.
 */
#ifndef RTPE_SRTP_KEYS_H
#define RTPE_SRTP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * X(ENUM, RFC 4568 / RFC 7714 name, master key bytes, master salt bytes,
 *   SRTP auth tag bytes)
 */
#define SDES_SUITES(X)                                                          \
	X(AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10)       \
	X(AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 4)        \
	X(AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 16)                     \
	X(AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32, 12, 16)

enum sdes_suite {
#define SDES_X_ENUM(e, name, k, s, t) SDES_##e,
	SDES_SUITES(SDES_X_ENUM)
#undef SDES_X_ENUM
	SDES_SUITE_MAX,
};

#define SDES_KEY_MAX 44      /* the longest key || salt: AES-256 + 12 */
#define SDES_MKI_MAX 128     /* RFC 4568: mki-length 1..128 */
/* The largest lifetime of every suite here: 2^48 packets (RFC 3711 9.2,
 * RFC 7714 14.1). */
#define SDES_LIFETIME_MAX (1ull << 48)

/* One master key as SDES carries it. */
struct sdes_key {
	uint8_t suite;            /* enum sdes_suite */
	uint8_t len;              /* bytes of key || salt: sdes_key_len(suite) */
	uint8_t mki_len;          /* MKI bytes in each packet, 0: no MKI */
	uint8_t lifetime_pow2;    /* lifetime was written 2^N (printed back so) */
	uint64_t mki;             /* the MKI's value (mki_len bytes, big-endian) */
	uint64_t lifetime;        /* packets the key may protect, 0: the suite's maximum */
	uint8_t key[SDES_KEY_MAX];
};

/* "AES_CM_128_HMAC_SHA1_80"... ("?" out of range). */
const char *sdes_suite_name(unsigned suite);
/* The suite named by the len bytes at s (case as RFC 4568 writes it), or -1. */
int sdes_suite_parse(const char *s, size_t len);
/* Bytes of key || salt of the suite (0 out of range). */
unsigned sdes_key_len(unsigned suite);
/* Bytes of the master key alone (the rest is salt). */
unsigned sdes_master_len(unsigned suite);
/* SRTP authentication tag bytes of the suite. */
unsigned sdes_tag_len(unsigned suite);

/*
 * One key-params of suite: "[inline:]BASE64[|LIFETIME][|MKI:LEN]" (RFC 4568
 * 6.1, 9.2) from s, stopping at end or at a ':' that follows it (the
 * control's separator), which *end then points at. LIFETIME is N or 2^N, at
 * most 2^48 and not 0; MKI's LEN is 1 to 128 bytes and its value must fit
 * in them. A key of the wrong length, bad base64, a lifetime or MKI out of
 * range, or anything else refuses the whole key-params, as RFC 4568 6.1
 * says. 0, or -1 with err set (never quoting the key).
 */
int sdes_key_parse(unsigned suite, const char *s, const char **end, struct sdes_key *k,
		   char *err, size_t errlen);
/* "BASE64[|LIFETIME][|MKI:LEN]" of k into buf (no "inline:"). Its length,
 * or -1 when buf is too small. */
int sdes_key_print(const struct sdes_key *k, char *buf, size_t len);
/* Room sdes_key_print needs for any key. */
#define SDES_KEY_TEXT_MAX 128

/*
 * The control's "SUITE:INKEY[:OUTKEY]" (docs/CONTROL.md): INKEY decrypts
 * what the peer sends, OUTKEY (default INKEY) encrypts what the relay
 * sends to it; both of SUITE. 0, or -1 with err set.
 */
int sdes_spec_parse(const char *spec, struct sdes_key *in, struct sdes_key *out, char *err,
		    size_t errlen);

/* A fresh key of suite from getrandom (no lifetime, no MKI). 0 or -errno. */
int sdes_key_generate(unsigned suite, struct sdes_key *k);
/* Wipes k (the compiler may not drop it). */
void sdes_key_wipe(struct sdes_key *k);
/* Whether a and b are the same key with the same parameters. */
bool sdes_key_equal(const struct sdes_key *a, const struct sdes_key *b);

/* base64 (RFC 4648, with padding) of n bytes into out (room for
 * 4 * ((n + 2) / 3) + 1). Returns the text's length. */
size_t sdes_base64_encode(const uint8_t *in, size_t n, char *out);
/* Decodes len chars of base64 (padding optional) into out of room cap.
 * Bytes written, or -1 when it is not base64 or does not fit. */
int sdes_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
