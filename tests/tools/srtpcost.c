// SPDX-License-Identifier: GPL-2.0
/*
 * srtpcost - what libsrtp2 costs here per packet: for each suite rtpedge
 * terminates, N RTP packets of a 12-byte header and --size payload bytes
 * (default 160: 20 ms of G.711) protected and unprotected in a tight loop
 * on one core, timed by the thread's CPU clock. The floor of the relay's
 * cost per SRTP packet (docs/SRTP.md; make bench's srtp phase uses it).
 *
 * Output: one line per suite, or one JSON object with --json:
 *   {"size":160,"packets":N,"suites":[{"suite":S,"protect_ns":F,
 *    "unprotect_ns":F,"both_ns":F},...]}
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <srtp2/srtp.h>

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
static void measure(int i, uint32_t n, unsigned size, double *prot, double *unprot)
{
	static uint8_t bufs[2048][1600];
	uint8_t key[64];
	srtp_t tx, rx;
	uint64_t tp = 0, tu = 0;

	for (unsigned k = 0; k < sizeof(key); k++)
		key[k] = (uint8_t)(k * 7 + 1);
	tx = session(i, ssrc_any_outbound, key);
	rx = session(i, ssrc_any_inbound, key);
	for (uint32_t done = 0; done < n; done += 2048) {
		uint32_t m = n - done < 2048 ? n - done : 2048;
		int len[2048];
		uint64_t t0, t1, t2;

		for (uint32_t j = 0; j < m; j++) {
			packet(bufs[j], done + j, size);
			len[j] = 12 + (int)size;
		}
		t0 = cpu_ns();
		for (uint32_t j = 0; j < m; j++)
			if (srtp_protect(tx, bufs[j], &len[j]))
				exit(3);
		t1 = cpu_ns();
		for (uint32_t j = 0; j < m; j++)
			if (srtp_unprotect(rx, bufs[j], &len[j]))
				exit(4);
		t2 = cpu_ns();
		tp += t1 - t0;
		tu += t2 - t1;
	}
	*prot = (double)tp / n;
	*unprot = (double)tu / n;
	srtp_dealloc(tx);
	srtp_dealloc(rx);
}

int main(int argc, char **argv)
{
	uint32_t n = 200000;
	unsigned size = 160;
	bool json = false;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--json"))
			json = true;
		else if (!strcmp(argv[a], "--count") && a + 1 < argc)
			n = (uint32_t)strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--size") && a + 1 < argc)
			size = (unsigned)strtoul(argv[++a], NULL, 10);
		else {
			fprintf(stderr, "usage: srtpcost [--count N] [--size BYTES] [--json]\n");
			return 2;
		}
	}
	if (!n || n > 60000 || size < 1 || size > 1400) {
		fprintf(stderr, "srtpcost: --count 1..60000 (one stream, no rollover), --size 1..1400\n");
		return 2;
	}
	srtp_init();
	if (json)
		printf("{\"size\":%u,\"packets\":%u,\"suites\":[", size, n);
	for (int i = 0; i < (int)(sizeof(suites) / sizeof(suites[0])); i++) {
		double p, u;

		measure(i, n, size, &p, &u);
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
