// SPDX-License-Identifier: GPL-2.0
/*
 * srtpcost - what libsrtp2 costs here per packet: for each suite rtpedge
 * terminates, N RTP packets of a 12-byte header and --size payload bytes
 * (default 160: 20 ms of G.711) protected and unprotected in a tight loop
 * on one core, timed by the thread's CPU clock; with --sessions N, round
 * robin over N pairs of contexts (a relay's legs: each packet finds its
 * context as cold as N sessions leave it). The floor of the relay's
 * cost per SRTP packet (docs/SRTP.md; make bench's srtp phase uses it).
 *
 * --crypto openssl (the default, as rtpedged's) runs libsrtp2 on the
 * daemon's OpenSSL primitives (daemon/srtp/srtp_ossl.c); --crypto nss on
 * the NSS Debian builds it with.
 *
 * Output: one line per suite, or one JSON object with --json:
 *   {"size":160,"packets":N,"crypto":C,"suites":[{"suite":S,"protect_ns":F,
 *    "unprotect_ns":F,"both_ns":F},...]}
 *
 *   srtpcost --write FILE --suite S --key BASE64 [--count N] [--size B]
 * instead writes the SRTP packets a benchmark generator sends (rtpgen
 * --mode srtp-set): N (a power of two, at most 65536: one rollover
 * period) packets of one stream, SSRC 0x12000000 (bench_sink: untimed),
 * sequence numbers 0..N-1, each protected with the master key and salt
 * BASE64 (RFC 4568 inline key without "inline:"); the plaintext payload
 * is the generator's stamp with a send time of 0, then 0xd5. The file:
 * "RTPESET1", N and the packet length (32-bit little-endian), packets.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <srtp2/srtp.h>

#include "srtp/srtp_ossl.h"

static const struct {
	const char *name;
	void (*set)(srtp_crypto_policy_t *);
} suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default }, /* a macro of it */
	{ "AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 },
	{ "AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth },
	{ "AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static srtp_t session(int i, srtp_ssrc_type_t type, uint8_t *key)
{
	srtp_policy_t p;
	srtp_t s = NULL;

	memset(&p, 0, sizeof(p));
	suites[i].set(&p.rtp);
	suites[i].set(&p.rtcp);
	p.ssrc.type = type;
	p.key = key;
	if (srtp_create(&s, &p)) {
		fprintf(stderr, "srtpcost: %s: srtp_create failed\n", suites[i].name);
		exit(2);
	}
	return s;
}

/* Standard base64 into out (at most max bytes): the length, or -1. */
static int b64_decode(const char *s, uint8_t *out, int max)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0, n = 0;

	for (; *s && *s != '='; s++) {
		const char *p = strchr(al, *s);

		if (!p)
			return -1;
		acc = acc << 6 | (uint32_t)(p - al);
		bits += 6;
		if (bits >= 8) {
			if (n >= max)
				return -1;
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* --write: n packets of suite i under key into path. 0, or an exit status. */
static int write_set(const char *path, int i, const char *key64, uint32_t n, unsigned size)
{
	uint8_t key[64] = { 0 }, b[1600], head[16] = "RTPESET1";
	FILE *f;
	srtp_t tx;
	int len = 0;

	if (b64_decode(key64, key, sizeof(key)) < 28 || size < 16 || (n & (n - 1)) || n > 65536) {
		fprintf(stderr, "srtpcost: --write needs a key of 28+ bytes in base64, --size 16+, "
				"--count a power of two up to 65536\n");
		return 2;
	}
	tx = session(i, ssrc_any_outbound, key);
	f = fopen(path, "wb");
	if (!f)
		return 1;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t ts = 160 * k;

		memset(b, 0xd5, 12 + size);
		b[0] = 0x80, b[1] = 0;
		b[2] = (uint8_t)(k >> 8), b[3] = (uint8_t)k;
		b[4] = (uint8_t)(ts >> 24), b[5] = (uint8_t)(ts >> 16);
		b[6] = (uint8_t)(ts >> 8), b[7] = (uint8_t)ts;
		memcpy(b + 8, "\x12\0\0\0", 4);
		memcpy(b + 12, "RTPB\0\0\0\0\0\0\0\0\0\0\0\0", 16); /* magic, flow 0, send time 0 */
		len = 12 + (int)size;
		if (srtp_protect(tx, b, &len))
			return 3;
		if (!k) {
			le32(head + 8, n);
			le32(head + 12, (uint32_t)len);
			fwrite(head, 1, sizeof(head), f);
		}
		fwrite(b, 1, (size_t)len, f);
	}
	srtp_dealloc(tx);
	return fclose(f) ? 1 : 0;
}

static void packet(uint8_t *b, uint32_t i, unsigned size)
{
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(i >> 8);
	b[3] = (uint8_t)i;
	memcpy(b + 4, &i, 4);
	memcpy(b + 8, "\x12\x34\x56\x78", 4);
	memset(b + 12, (int)(i & 0xff), size);
}

/* ns per packet of protect and of unprotect over n packets. */
/* ns per packet of protect and of unprotect over n packets, round robin
 * over ns sessions (each its own pair of contexts, as a relay's legs). */
static void measure(int i, uint32_t n, uint32_t ns, unsigned size, double *prot, double *unprot)
{
	static uint8_t bufs[2048][1600];
	srtp_t *tx = calloc(ns, sizeof(*tx)), *rx = calloc(ns, sizeof(*rx));
	uint64_t tp = 0, tu = 0;
	uint8_t key[64];

	if (!tx || !rx)
		exit(2);
	for (unsigned k = 0; k < sizeof(key); k++)
		key[k] = (uint8_t)(k * 7 + 1);
	for (uint32_t k = 0; k < ns; k++) {
		tx[k] = session(i, ssrc_any_outbound, key);
		rx[k] = session(i, ssrc_any_inbound, key);
	}
	for (uint32_t done = 0; done < n; done += 2048) {
		uint32_t m = n - done < 2048 ? n - done : 2048;
		int len[2048];
		uint64_t t0, t1, t2;

		for (uint32_t j = 0; j < m; j++) {
			packet(bufs[j], (done + j) / ns, size);
			len[j] = 12 + (int)size;
		}
		t0 = cpu_ns();
		for (uint32_t j = 0; j < m; j++)
			if (srtp_protect(tx[(done + j) % ns], bufs[j], &len[j]))
				exit(3);
		t1 = cpu_ns();
		for (uint32_t j = 0; j < m; j++)
			if (srtp_unprotect(rx[(done + j) % ns], bufs[j], &len[j]))
				exit(4);
		t2 = cpu_ns();
		tp += t1 - t0;
		tu += t2 - t1;
	}
	*prot = (double)tp / n;
	*unprot = (double)tu / n;
	for (uint32_t k = 0; k < ns; k++) {
		srtp_dealloc(tx[k]);
		srtp_dealloc(rx[k]);
	}
	free(tx);
	free(rx);
}

int main(int argc, char **argv)
{
	uint32_t n = 200000, ns = 1;
	unsigned size = 160;
	bool json = false, nss = false;
	const char *out = NULL, *suite = NULL, *key = NULL;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--json"))
			json = true;
		else if (!strcmp(argv[a], "--count") && a + 1 < argc)
			n = (uint32_t)strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--size") && a + 1 < argc)
			size = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--sessions") && a + 1 < argc)
			ns = (uint32_t)strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--write") && a + 1 < argc)
			out = argv[++a];
		else if (!strcmp(argv[a], "--suite") && a + 1 < argc)
			suite = argv[++a];
		else if (!strcmp(argv[a], "--key") && a + 1 < argc)
			key = argv[++a];
		else if (!strcmp(argv[a], "--crypto") && a + 1 < argc &&
			 (!strcmp(argv[a + 1], "nss") || !strcmp(argv[a + 1], "openssl")))
			nss = !strcmp(argv[++a], "nss");
		else {
			fprintf(stderr, "usage: srtpcost [--count N] [--sessions N] [--size BYTES] [--json] "
					"[--crypto openssl|nss]\n"
					"       srtpcost --write FILE --suite S --key BASE64 [--count N] "
					"[--size BYTES]\n");
			return 2;
		}
	}
	if (out) {
		srtp_init();
		for (int i = 0; suite && key && i < (int)(sizeof(suites) / sizeof(suites[0])); i++)
			if (!strcmp(suites[i].name, suite))
				return write_set(out, i, key, n == 200000 ? 65536 : n, size);
		fprintf(stderr, "srtpcost: --write needs --suite (one of the suites) and --key\n");
		return 2;
	}
	if (!n || n > 60000 * ns || !ns || ns > 100000 || size < 1 || size > 1400) {
		fprintf(stderr, "srtpcost: --sessions 1..100000, --count 1..60000 a session (no "
				"rollover), --size 1..1400\n");
		return 2;
	}
	srtp_init();
	if (!nss && srtp_ossl_install()) {
		fprintf(stderr, "srtpcost: the OpenSSL primitives failed libsrtp2's self-test\n");
		return 1;
	}
	if (json)
		printf("{\"size\":%u,\"packets\":%u,\"sessions\":%u,\"crypto\":\"%s\",\"suites\":[",
		       size, n, ns, nss ? "nss" : "openssl");
	for (int i = 0; i < (int)(sizeof(suites) / sizeof(suites[0])); i++) {
		double p, u;

		measure(i, n, ns, size, &p, &u);
		if (json)
			printf("%s{\"suite\":\"%s\",\"protect_ns\":%.1f,\"unprotect_ns\":%.1f,"
			       "\"both_ns\":%.1f}", i ? "," : "", suites[i].name, p, u, p + u);
		else
			printf("%-24s protect %7.1f ns  unprotect %7.1f ns  both %7.1f ns/packet\n",
			       suites[i].name, p, u, p + u);
	}
	if (json)
		printf("]}\n");
	return 0;
}
