// SPDX-License-Identifier: GPL-2.0
/*
 * srtp_keys.c - owns SDES key material (srtp_keys.h): the suite table, the
 * inline key-params of RFC 4568 both ways, base64, and keys from getrandom.
 *
 * RFC 4568 6.1 and 9.2 are strict about key-params: a key-salt of the
 * wrong length, a lifetime beyond the suite's or an MKI length outside
 * 1..128 make the whole attribute invalid. So this parser refuses rather
 * than guesses; the caller (the control, the SDP side) then refuses the
 * leg or the crypto line.
 */
#include "srtp/srtp_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const struct {
	const char *name;
	uint8_t key, salt, tag;
} suites[SDES_SUITE_MAX] = {
#define SDES_X_ROW(e, n, k, s, t) [SDES_##e] = { n, k, s, t },
	SDES_SUITES(SDES_X_ROW)
#undef SDES_X_ROW
};

const char *sdes_suite_name(unsigned suite)
{
	return suite < SDES_SUITE_MAX ? suites[suite].name : "?";
}

int sdes_suite_parse(const char *s, size_t len)
{
	for (int i = 0; i < SDES_SUITE_MAX; i++)
		if (strlen(suites[i].name) == len && !memcmp(s, suites[i].name, len))
			return i;
	return -1;
}

unsigned sdes_key_len(unsigned suite)
{
	return suite < SDES_SUITE_MAX ? suites[suite].key + suites[suite].salt : 0;
}

unsigned sdes_master_len(unsigned suite)
{
	return suite < SDES_SUITE_MAX ? suites[suite].key : 0;
}

unsigned sdes_tag_len(unsigned suite)
{
	return suite < SDES_SUITE_MAX ? suites[suite].tag : 0;
}

/* ---- base64 (RFC 4648 section 4) ------------------------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sdes_base64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int sdes_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t n = 0, pad = 0;
	int bits = 0;

	while (len && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if ((len + pad) % 4 && pad) /* padding only completes a quantum */
		return -1;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val(s[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (acc & ((1u << bits) - 1)) /* bits left over must be zero (canonical) */
		return -1;
	return (int)n;
}

/* ---- key-params -------------------------------------------------------------- */

/* A decimal number of the n chars at s, at most max. 0 or -1. */
static int dec_parse(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!n || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

/* "N" or "2^N": 1 .. SDES_LIFETIME_MAX packets. */
static int lifetime_parse(const char *s, size_t n, struct sdes_key *k)
{
	uint64_t v;

	if (n > 2 && s[0] == '2' && s[1] == '^') {
		if (dec_parse(s + 2, n - 2, 48, &v))
			return -1;
		k->lifetime = 1ull << v;
		k->lifetime_pow2 = 1;
		return 0;
	}
	if (dec_parse(s, n, SDES_LIFETIME_MAX, &v) || !v)
		return -1;
	k->lifetime = v;
	return 0;
}

/* "VALUE:LEN": LEN 1..128 bytes, VALUE fitting in them. */
static int mki_parse(const char *s, size_t n, struct sdes_key *k)
{
	const char *colon = memchr(s, ':', n);
	uint64_t v, len;

	if (!colon || dec_parse(s, (size_t)(colon - s), UINT64_MAX, &v) ||
	    dec_parse(colon + 1, n - (size_t)(colon - s) - 1, SDES_MKI_MAX, &len) || !len)
		return -1;
	if (len < 8 && v >> (8 * len))
		return -1;
	k->mki = v;
	k->mki_len = (uint8_t)len;
	return 0;
}

/* Where a field starting at s ends: at '|', ':' or the end of the string. */
static size_t field_len(const char *s)
{
	return strcspn(s, "|:");
}

/* The length of an MKI field at s, "VALUE:LEN" with 1 to 3 digits of LEN
 * followed by '|', ':' or the end; 0 when s is not one. */
static size_t mki_field_len(const char *s)
{
	size_t v = strspn(s, "0123456789"), l;

	if (!v || s[v] != ':')
		return 0;
	l = strspn(s + v + 1, "0123456789");
	if (!l || l > 3 || (s[v + 1 + l] && s[v + 1 + l] != '|' && s[v + 1 + l] != ':'))
		return 0;
	return v + 1 + l;
}

static int fail(char *err, size_t errlen, const char *why, unsigned suite)
{
	snprintf(err, errlen, "%s key: %s", sdes_suite_name(suite), why);
	return -1;
}

/* The "|LIFETIME" and "|MKI:LEN" after the key at s, in that order, each
 * optional (RFC 4568 9.2); *end: where they stop. */
static int params_parse(unsigned suite, const char *s, const char **end, struct sdes_key *k,
			char *err, size_t errlen)
{
	size_t n;

	if (*s == '|' && !mki_field_len(s + 1)) {
		n = field_len(s + 1);
		if (lifetime_parse(s + 1, n, k))
			return fail(err, errlen, "lifetime is not N or 2^N from 1 to 2^48 packets "
				    "(RFC 4568 6.1)", suite);
		s += 1 + n;
	}
	if (*s == '|') {
		n = mki_field_len(s + 1);
		if (!n)
			return fail(err, errlen, "a parameter after the lifetime that is no "
				    "MKI:LENGTH", suite);
		if (mki_parse(s + 1, n, k))
			return fail(err, errlen, "MKI is not VALUE:LENGTH with a length of 1 to 128 "
				    "bytes that holds the value (RFC 4568 9.2)", suite);
		s += 1 + n;
	}
	if (*s == '|')
		return fail(err, errlen, "more parameters than |LIFETIME|MKI:LENGTH", suite);
	*end = s;
	return 0;
}

int sdes_key_parse(unsigned suite, const char *s, const char **end, struct sdes_key *k,
		   char *err, size_t errlen)
{
	uint8_t raw[SDES_KEY_MAX + 3];
	size_t n;
	int got;

	memset(k, 0, sizeof(*k));
	if (suite >= SDES_SUITE_MAX)
		return fail(err, errlen, "unknown suite", suite);
	if (!strncmp(s, "inline:", 7))
		s += 7;
	n = field_len(s);
	got = sdes_base64_decode(s, n, raw, sizeof(raw));
	if (got < 0 || (unsigned)got != sdes_key_len(suite)) {
		snprintf(err, errlen, "%s key: not %u bytes of key and salt in base64 (%u characters)",
			 sdes_suite_name(suite), sdes_key_len(suite),
			 (sdes_key_len(suite) + 2) / 3 * 4);
		memset(raw, 0, sizeof(raw));
		return -1;
	}
	k->suite = (uint8_t)suite;
	k->len = (uint8_t)got;
	memcpy(k->key, raw, (size_t)got);
	explicit_bzero(raw, sizeof(raw));
	if (params_parse(suite, s + n, end, k, err, errlen)) {
		sdes_key_wipe(k);
		return -1;
	}
	return 0;
}

int sdes_key_print(const struct sdes_key *k, char *buf, size_t len)
{
	char b[SDES_KEY_TEXT_MAX];
	size_t n;
	int m = 0;

	if (k->len > SDES_KEY_MAX)
		return -1;
	n = sdes_base64_encode(k->key, k->len, b);
	if (k->lifetime && k->lifetime_pow2)
		m = snprintf(b + n, sizeof(b) - n, "|2^%d", __builtin_ctzll(k->lifetime));
	else if (k->lifetime)
		m = snprintf(b + n, sizeof(b) - n, "|%llu", (unsigned long long)k->lifetime);
	n += (size_t)m;
	if (k->mki_len)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "|%llu:%u", (unsigned long long)k->mki,
				      k->mki_len);
	if (n + 1 > len) {
		explicit_bzero(b, sizeof(b));
		return -1;
	}
	memcpy(buf, b, n + 1);
	explicit_bzero(b, sizeof(b));
	return (int)n;
}

int sdes_spec_parse(const char *spec, struct sdes_key *in, struct sdes_key *out, char *err,
		    size_t errlen)
{
	const char *colon = strchr(spec, ':'), *end;
	int suite = colon ? sdes_suite_parse(spec, (size_t)(colon - spec)) : -1;

	memset(in, 0, sizeof(*in));
	memset(out, 0, sizeof(*out));
	if (suite < 0) {
		snprintf(err, errlen, "not SUITE:INKEY[:OUTKEY] with SUITE one of "
			 "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM, "
			 "AEAD_AES_256_GCM");
		return -1;
	}
	if (sdes_key_parse((unsigned)suite, colon + 1, &end, in, err, errlen))
		return -1;
	if (!*end) {
		*out = *in;
		return 0;
	}
	if (*end == ':' && !sdes_key_parse((unsigned)suite, end + 1, &end, out, err, errlen)) {
		if (!*end)
			return 0;
		snprintf(err, errlen, "%s: text after OUTKEY", sdes_suite_name((unsigned)suite));
		sdes_key_wipe(out);
	}
	sdes_key_wipe(in);
	return -1;
}

int sdes_key_generate(unsigned suite, struct sdes_key *k)
{
	size_t n = sdes_key_len(suite), got = 0;

	memset(k, 0, sizeof(*k));
	if (!n)
		return -EINVAL;
	while (got < n) { /* blocks until the pool is initialised, once per boot */
		ssize_t r = getrandom(k->key + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	k->suite = (uint8_t)suite;
	k->len = (uint8_t)n;
	return 0;
}

void sdes_key_wipe(struct sdes_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

bool sdes_key_equal(const struct sdes_key *a, const struct sdes_key *b)
{
	return a->suite == b->suite && a->len == b->len && a->mki_len == b->mki_len &&
	       a->mki == b->mki && a->lifetime == b->lifetime && a->len <= SDES_KEY_MAX &&
	       !memcmp(a->key, b->key, a->len);
}
