// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sdp.c - libFuzzer harness for the SDP anchor (daemon/sip/sdp_anchor.h):
 * any bytes through sdp_describe; a body it takes is rewritten with anchors
 * made from its description (each anchorable stream a port, the others
 * rejected, two relay addresses, rtcp-mux as the stream asked or, for odd
 * sizes, the other way; SRTP kept, made plain or given two a=crypto lines of
 * fixed keys by the size's next bits). Under ASan/UBSan nothing may crash or leak, and
 * the rewrite must keep its invariants, or the harness aborts:
 *   - a failed description says why and describes no stream;
 *   - the rewrite fits in SDP_REWRITE_SPACE, is NUL-terminated, CRLF only,
 *     and has no ICE attribute left;
 *   - it describes again: same streams (media, proto, direction, clock,
 *     crypto, hold; proto and crypto as the anchor's srtp says), ports and rtcp-mux as the anchors say, the anchor's
 *     address on every anchored stream that was not on 0.0.0.0 hold;
 *   - rewriting the rewritten body with the same anchors changes nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/sdp_anchor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                           \
	do {                                                                                 \
		if (!(c))                                                                    \
			abort();                                                             \
	} while (0)

static void make_anchors(const struct sdp_desc *d, size_t size, struct sdp_anchor *an)
{
	static const char *const keys[] = {
		"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4",
		"2 AEAD_AES_256_GCM inline:BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTI=",
	};

	memset(an, 0, SDP_MAX_STREAMS * sizeof(*an));
	for (int i = 0; i < d->n; i++) {
		an[i].addr.s_addr = htonl(i % 2 ? 0xcb00710a : 0xcb007114); /* 203.0.113.10/.20 */
		an[i].port = d->s[i].anchorable ? (uint16_t)(40000 + 2 * i) : 0;
		an[i].rtcp_mux = d->s[i].rtcp_mux ^ (size & 1);
		an[i].srtp = (uint8_t)((size >> 1) % 3);
		if (an[i].srtp != SDP_SRTP_SDES)
			continue;
		an[i].n_crypto = 2;
		for (int k = 0; k < 2; k++)
			REQUIRE(!sdp_crypto_parse(keys[k], strlen(keys[k]), &an[i].crypto[k]));
	}
}

/* The proto the rewrite writes for proto under srtp. */
static const char *proto_after(const char *proto, int srtp)
{
	static const char *const from[2][2] = { { "RTP/SAVP", "RTP/SAVPF" },
						{ "RTP/AVP", "RTP/AVPF" } };

	if (srtp == SDP_SRTP_KEEP)
		return proto;
	for (int k = 0; k < 2; k++)
		if (!strcasecmp(proto, from[srtp == SDP_SRTP_PLAIN ? 0 : 1][k]))
			return from[srtp == SDP_SRTP_PLAIN ? 1 : 0][k];
	return proto;
}

/* Whether the line at s (up to CR) is an ICE attribute: "a=NAME" or "a=NAME:...". */
static bool is_ice(const char *s)
{
	static const char *const ice[] = {
		"ice-ufrag",	     "ice-pwd",		  "ice-options", "candidate",
		"end-of-candidates", "remote-candidates", "ice-lite",	 "ice-mismatch",
		"ice-pacing",
	};

	if (s[0] != 'a' || s[1] != '=')
		return false;
	for (size_t k = 0; k < sizeof(ice) / sizeof(ice[0]); k++) {
		size_t n = strlen(ice[k]);

		if (!strncasecmp(s + 2, ice[k], n) && (s[2 + n] == ':' || s[2 + n] == '\r'))
			return true;
	}
	return false;
}

static void check_text(const char *out, int len)
{
	REQUIRE(len > 0 && strlen(out) == (size_t)len);
	REQUIRE(len >= 2 && out[len - 2] == '\r' && out[len - 1] == '\n');
	REQUIRE(!is_ice(out));
	for (int i = 0; i < len; i++) {
		if (out[i] == '\n') {
			REQUIRE(i > 0 && out[i - 1] == '\r');
			REQUIRE(!is_ice(out + i + 1));
		}
		if (out[i] == '\r')
			REQUIRE(out[i + 1] == '\n');
	}
}

static void check_again(const struct sdp_desc *d, const struct sdp_desc *e,
			const struct sdp_anchor *an)
{
	REQUIRE(e->n == d->n && e->hold == d->hold);
	for (int i = 0; i < d->n; i++) {
		const struct sdp_stream *a = &d->s[i], *b = &e->s[i];

		REQUIRE(!strcmp(a->media, b->media));
		REQUIRE(!strcasecmp(proto_after(a->proto, an[i].srtp), b->proto));
		REQUIRE(a->dir == b->dir && a->clock_rate == b->clock_rate);
		if (an[i].srtp == SDP_SRTP_KEEP)
			REQUIRE(a->crypto == b->crypto && a->crypto_ok == b->crypto_ok);
		else if (an[i].srtp == SDP_SRTP_PLAIN)
			REQUIRE(!b->crypto);
		else
			REQUIRE(b->crypto == (an[i].port != 0) && b->crypto_ok == b->crypto &&
				(!b->crypto || sdes_key_equal(&b->cry.key, &an[i].crypto[0].key)));
		REQUIRE(b->port == an[i].port && b->rtcp_mux == an[i].rtcp_mux);
		if (!an[i].port)
			continue;
		REQUIRE(b->anchorable);
		if (a->addr.s_addr)
			REQUIRE(b->addr.s_addr == an[i].addr.s_addr);
		else
			REQUIRE(b->addr.s_addr == 0);
		if (!an[i].rtcp_mux)
			REQUIRE(b->rtcp_port == an[i].port + 1);
	}
}

static size_t longest_line(const char *s, size_t n)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		cur = s[i] == '\n' ? 0 : cur + 1;
		best = cur > best ? cur : best;
	}
	return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct sdp_anchor an[SDP_MAX_STREAMS];
	struct sdp_desc d, e;
	size_t cap = SDP_REWRITE_SPACE(size);
	char err[128], *out, *again;
	int len, len2;

	err[0] = '\0';
	if (sdp_describe(body, size, &d, err, sizeof(err))) {
		REQUIRE(err[0] && d.n == 0);
		return 0;
	}
	REQUIRE(d.n >= 0 && d.n <= SDP_MAX_STREAMS);
	make_anchors(&d, size, an);
	out = malloc(cap);
	again = malloc(cap);
	REQUIRE(out && again);
	len = sdp_rewrite(body, size, &d, an, out, cap);
	if (d.n == 0 || len == -EINVAL) {
		/* no stream to take an address from; or the output would pass the
		 * limits: a line near SDP_MAX_LINE that grew, a body that grew */
		REQUIRE(len == -EINVAL && out[0] == '\0');
		REQUIRE(d.n == 0 || longest_line(body, size) > SDP_MAX_LINE - 32 ||
			size > SDP_MAX_LEN / 3);
		goto out;
	}
	check_text(out, len);
	REQUIRE(sdp_describe(out, (size_t)len, &e, err, sizeof(err)) == 0);
	check_again(&d, &e, an);
	len2 = sdp_rewrite(out, (size_t)len, &e, an, again, cap);
	REQUIRE(len2 == len && !memcmp(out, again, (size_t)len));
out:
	free(out);
	free(again);
	return 0;
}
