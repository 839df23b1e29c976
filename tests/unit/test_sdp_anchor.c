// SPDX-License-Identifier: GPL-2.0
/*
 * test_sdp_anchor.c - sdp_describe and sdp_rewrite (daemon/sip/sdp_anchor.h)
 * over the table of real-world SDP shapes in sdp_cases.h: every description
 * field, the exact bytes of the rewritten body, and that the rewritten
 * body describes again with the anchors' ports. Then bad input (broken,
 * huge, cut, missing lines, too many streams, absurd ports, the shapes of
 * CVE-2022-31003) must give -EINVAL with the expected reason, and the
 * rewrite's own refusals (-ENOSPC, a description of another body).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sdp_cases.h"
#include "sip/sdp_anchor.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a = { 0 };

	if (s)
		inet_pton(AF_INET, s, &a);
	return a;
}

static const char *dir_name(enum sdp_dir d)
{
	static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

	return (unsigned)d < 4 ? names[d] : "?";
}

static void check_stream(int i, const struct sdp_stream *got, const struct want_stream *w)
{
	char a[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &got->addr, a, sizeof(a));
	inet_ntop(AF_INET, &got->rtcp_addr, r, sizeof(r));
	CHECK(!strcmp(got->media, w->media), "s[%d].media %s", i, got->media);
	CHECK(!strcmp(got->proto, w->proto), "s[%d].proto %s", i, got->proto);
	CHECK(got->anchorable == w->anchorable, "s[%d].anchorable %d", i, got->anchorable);
	CHECK(got->addr.s_addr == ip(w->addr).s_addr, "s[%d].addr %s", i, a);
	CHECK(got->port == w->port, "s[%d].port %u", i, got->port);
	CHECK(got->rtcp_port == w->rtcp_port, "s[%d].rtcp_port %u", i, got->rtcp_port);
	CHECK(got->rtcp_addr.s_addr == ip(w->rtcp_addr).s_addr, "s[%d].rtcp_addr %s", i, r);
	CHECK(got->rtcp_mux == w->rtcp_mux, "s[%d].rtcp_mux %d", i, got->rtcp_mux);
	CHECK(got->dir == w->dir, "s[%d].dir %s", i, dir_name(got->dir));
	CHECK(got->clock_rate == w->clock_rate, "s[%d].clock_rate %u", i, got->clock_rate);
	CHECK(got->crypto == w->crypto, "s[%d].crypto %d", i, got->crypto);
}

/* The first byte where two strings differ, for a readable failure. */
static size_t diff_at(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	return i;
}

static void check_rewrite(const struct sdp_case *c, const struct sdp_desc *d)
{
	struct sdp_anchor an[SDP_MAX_STREAMS] = { 0 };
	struct sdp_desc again;
	char out[4096], err[128];
	int r;

	for (int i = 0; i < c->n; i++) {
		an[i].addr = ip(c->a[i].addr);
		an[i].port = c->a[i].port;
		an[i].rtcp_mux = c->a[i].rtcp_mux;
	}
	r = sdp_rewrite(c->in, strlen(c->in), d, an, out, sizeof(out));
	CHECK(r == (int)strlen(c->out), "rewrite returned %d, want %zu", r, strlen(c->out));
	if (r < 0)
		return;
	CHECK(!strcmp(out, c->out), "rewritten body differs at byte %zu: got \"%.40s\"",
	      diff_at(out, c->out), out + diff_at(out, c->out));
	r = sdp_describe(out, (size_t)r, &again, err, sizeof(err));
	CHECK(r == 0, "rewritten body does not describe: %s", err);
	CHECK(again.n == c->n, "rewritten body has %d streams", again.n);
	for (int i = 0; !r && i < c->n; i++) {
		CHECK(again.s[i].port == an[i].port, "rewritten s[%d].port %u", i, again.s[i].port);
		CHECK(again.s[i].rtcp_mux == an[i].rtcp_mux, "rewritten s[%d].rtcp_mux", i);
	}
}

static void test_cases(void)
{
	for (size_t k = 0; k < sizeof(sdp_cases) / sizeof(sdp_cases[0]); k++) {
		const struct sdp_case *c = &sdp_cases[k];
		struct sdp_desc d;
		char err[128] = "";
		int r = sdp_describe(c->in, strlen(c->in), &d, err, sizeof(err));

		CASE_BEGIN(c->name);
		CHECK(r == 0, "describe: %d %s", r, err);
		if (!r) {
			CHECK(d.n == c->n, "n %d, want %d", d.n, c->n);
			CHECK(d.hold == c->hold, "hold %d", d.hold);
			for (int i = 0; i < c->n && i < d.n; i++)
				check_stream(i, &d.s[i], &c->s[i]);
			check_rewrite(c, &d);
		}
		CASE_END();
	}
}

/* ---- bad input ------------------------------------------------------------- */

#define HEAD L("v=0") L("o=- 1 1 IN IP4 192.0.2.1") L("s=-") L("c=IN IP4 192.0.2.1") L("t=0 0")
#define AUDIO L("m=audio 30000 RTP/AVP 0")

static const struct bad_case {
	const char *name, *in;
	const char *why; /* a part of the reason */
} bad_cases[] = {
	{ "no v= first", L("o=- 1 1 IN IP4 192.0.2.1") L("s=-") AUDIO, "v=0" },
	{ "v=1", L("v=1") L("o=- 1 1 IN IP4 192.0.2.1") AUDIO, "v=0" },
	{ "no o=", L("v=0") L("s=-") L("c=IN IP4 192.0.2.1") L("t=0 0") AUDIO, "o=" },
	{ "no c= for an active stream", L("v=0") L("o=- 1 1 IN IP4 192.0.2.1") L("s=-")
	  L("t=0 0") AUDIO, "c=" },
	{ "port above 65535", HEAD L("m=audio 70000 RTP/AVP 0"), "port" },
	{ "port of 20 digits", HEAD L("m=audio 99999999999999999999 RTP/AVP 0"), "" },
	{ "a=rtcp:0", HEAD AUDIO L("a=rtcp:0"), "rtcp" },
	{ "a=rtcp:65536", HEAD AUDIO L("a=rtcp:65536"), "rtcp" },
	{ "a=rtcp without a port", HEAD AUDIO L("a=rtcp:x"), "rtcp" },
	{ "payload type 200", HEAD L("m=audio 30000 RTP/AVP 200"), "" },
	{ "line of one byte (CVE-2022-31003)", HEAD AUDIO L("a") L("a=sendonly"), "x=" },
	{ "body ends in \"a=\" (CVE-2022-31003)", HEAD AUDIO "a=", "" },
	{ "body ends in \"c=IN IP4\"", HEAD AUDIO "c=IN IP4", "address" },
	{ "body ends in \"m=audio\"", HEAD "m=audio", "" },
	{ "body ends in \"a\"", HEAD AUDIO "a", "x=" },
	{ "upper-case field", HEAD AUDIO L("A=sendonly"), "x=" },
	{ "empty line inside", HEAD L("") AUDIO, "empty line" },
	{ "bare CR inside a line", HEAD AUDIO L("a=sendonly\rx"), "CR" },
	{ "no type", HEAD L("=x") AUDIO, "x=" },
	{ "garbage", "\x01\x02\xff\xfe garbage", "x=...: \"???? garbage\"" },
	{ "nine m= lines", HEAD AUDIO AUDIO AUDIO AUDIO AUDIO AUDIO AUDIO AUDIO AUDIO,
	  "too many" },
	{ "c= of an unknown network", HEAD AUDIO L("c=ATM NSAP 47.0091.8100"), "" },
	{ "unknown line type", HEAD L("q=what") AUDIO, "" },
	/* sofia-sip 1.12.11 allocates without end on these (the format list) */
	{ "format starting with ':' (sofia loops)", HEAD L("m=image 30000 udptl :"),
	  "bad m= line" },
	{ "format starting with '/' (sofia loops)", HEAD L("m=image 30000 udptl t38 /x"),
	  "bad m= line" },
	{ "m= without formats", HEAD L("m=audio 30000 RTP/AVP"), "bad m= line" },
	{ "m= with blanks for formats (sofia loops)", HEAD L("m=image 30000 udptl \t\t"),
	  "bad m= line" },
	{ "m= port glued to proto", HEAD L("m=audio 30000RTP/AVP 0"), "bad m= line" },
	{ "m= signed port", HEAD L("m=audio +30000 RTP/AVP 0"), "bad m= line" },
	{ "m= proto starting with '/'", HEAD L("m=audio 30000/2 /AVP 0"), "bad m= line" },
};

static void test_bad(void)
{
	for (size_t k = 0; k < sizeof(bad_cases) / sizeof(bad_cases[0]); k++) {
		const struct bad_case *c = &bad_cases[k];
		struct sdp_desc d;
		char err[128] = "";
		char name[96];
		int r = sdp_describe(c->in, strlen(c->in), &d, err, sizeof(err));

		snprintf(name, sizeof(name), "bad SDP: %s", c->name);
		CASE_BEGIN(name);
		CHECK(r == -EINVAL, "describe gave %d (%s)", r, err);
		CHECK(err[0] && strstr(err, c->why), "reason \"%s\" lacks \"%s\"", err, c->why);
		CHECK(d.n == 0, "a failed description has %d streams", d.n);
		if (getenv("SDP_TEST_VERBOSE"))
			printf("  %s -> %s\n", c->name, err);
		CASE_END();
	}
}

/* A NUL inside, a huge body, a huge line, a small err buffer. */
static void test_bad_sizes(void)
{
	static const char nul[] = HEAD "a=x\0y\r\n" AUDIO;
	size_t big = SDP_MAX_LEN + 1, n;
	char *s = malloc(big + 1), err[8];
	struct sdp_desc d;

	CASE_BEGIN("bad SDP: NUL, too large, line too long, short err buffer");
	CHECK(sdp_describe(nul, sizeof(nul) - 1, &d, err, sizeof(err)) == -EINVAL, "NUL");
	CHECK(sdp_describe("", 0, &d, err, sizeof(err)) == -EINVAL, "empty");
	CHECK(sdp_describe(NULL, 10, &d, NULL, 0) == -EINVAL, "NULL body");
	if (s) {
		n = strlen(HEAD AUDIO);
		memcpy(s, HEAD AUDIO, n);
		memcpy(s + n, "a=x", 3);
		memset(s + n + 3, 'y', big - n - 3);
		CHECK(sdp_describe(s, big, &d, NULL, 0) == -EINVAL, "body over SDP_MAX_LEN");
		CHECK(sdp_describe(s, SDP_MAX_LEN, &d, err, sizeof(err)) == -EINVAL, "long line");
		CHECK(strlen(err) == sizeof(err) - 1, "err not cut to its buffer: %s", err);
		free(s);
	}
	CASE_END();
}

static void test_rewrite_refusals(void)
{
	static const char in[] = HEAD AUDIO L("a=rtcp:30001");
	struct sdp_anchor an[2] = { { .addr = ip(RELAY), .port = 40000 }, { .addr = ip(RELAY), .port = 40002 } };
	struct sdp_desc d, two;
	char out[512], err[128];
	int len;

	CASE_BEGIN("rewrite: -ENOSPC, -EINVAL on another body or a bad anchor");
	CHECK(sdp_describe(in, strlen(in), &d, err, sizeof(err)) == 0, "%s", err);
	len = sdp_rewrite(in, strlen(in), &d, an, out, sizeof(out));
	CHECK(len > 0, "rewrite %d", len);
	CHECK(sdp_rewrite(in, strlen(in), &d, an, out, (size_t)len) == -ENOSPC, "one short");
	CHECK(out[0] == '\0', "out not emptied on -ENOSPC");
	CHECK(sdp_rewrite(in, strlen(in), &d, an, out, (size_t)len + 1) == len, "exact fit");
	two = d;
	two.n = 2;
	CHECK(sdp_rewrite(in, strlen(in), &two, an, out, sizeof(out)) == -EINVAL, "n 2");
	CHECK(sdp_rewrite("v=0", 3, &d, an, out, sizeof(out)) == -EINVAL, "other body");
	an[0].port = 65535;
	CHECK(sdp_rewrite(in, strlen(in), &d, an, out, sizeof(out)) == -EINVAL, "port 65535");
	an[0].port = 40000;
	an[0].addr.s_addr = 0;
	CHECK(sdp_rewrite(in, strlen(in), &d, an, out, sizeof(out)) == -EINVAL, "no address");
	CHECK(sdp_rewrite(in, strlen(in), NULL, an, out, sizeof(out)) == -EINVAL, "no desc");
	CASE_END();
}

int main(void)
{
	test_cases();
	test_bad();
	test_bad_sizes();
	test_rewrite_refusals();
	CHECK_EXIT();
}
