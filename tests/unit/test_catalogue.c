// SPDX-License-Identifier: GPL-2.0
/*
 * test_catalogue.c - the regions catalogue: the shipped data/regions.conf
 * holds every signalling address the platforms publish (the table of
 * docs, row by row), a [region] without sbc expands to its catalogue
 * entry, the operator's catalogue extends and replaces the shipped one,
 * and every error names its file and line (the catalogue's own, or the
 * config's where the catalogue is needed or named).
 */
#include "check.h"
#include "core/catalogue.h"
#include "core/config.h"

#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char shipped[PATH_MAX];

/* data/regions.conf of the source tree, from build/tests/test_catalogue. */
static int find_shipped(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		snprintf(shipped, sizeof(shipped), "%s/../../data/regions.conf", dirname(exe));
		if (!access(shipped, R_OK))
			return 0;
	}
	snprintf(shipped, sizeof(shipped), "data/regions.conf");
	return access(shipped, R_OK);
}

static bool has_sbc(const struct cat_entry *e, const char *ip)
{
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	for (int i = 0; i < e->n_sbc; i++)
		if (e->sbc[i].s_addr == a.s_addr)
			return true;
	return false;
}

/* The platforms' published addresses (sbc-regions facts): region, addresses. */
static const struct {
	const char *name, *sbc[2];
	uint16_t port, tls_port;
} published[] = {
	{ "vapi-us", { "44.229.228.186", "44.238.177.138" }, 5060, 5061 },
	{ "vapi-eu", { "44.233.34.47", "44.233.34.48" }, 5060, 5061 },
	{ "infobip-frankfurt", { "62.140.31.124" }, 5060, 5061 },
	{ "infobip-frankfurt-registered", { "62.140.31.213" }, 5060, 5061 },
	{ "infobip-bogota", { "81.23.252.124" }, 5060, 5061 },
	{ "infobip-bogota-registered", { "81.23.252.80" }, 5060, 5061 },
	{ "infobip-new-york", { "185.255.9.23" }, 5060, 5061 },
	{ "infobip-new-york-registered", { "185.255.9.216" }, 5060, 5061 },
	{ "infobip-portland", { "185.255.11.170" }, 5060, 5061 },
	{ "infobip-portland-registered", { "185.255.11.110" }, 5060, 5061 },
	{ "infobip-sao-paulo", { "81.23.253.104" }, 5060, 5061 },
	{ "infobip-sao-paulo-registered", { "81.23.253.60" }, 5060, 5061 },
	{ "infobip-singapore", { "81.23.254.103" }, 5060, 5061 },
	{ "infobip-singapore-registered", { "81.23.254.222" }, 5060, 5061 },
	{ "infobip-johannesburg", { "202.22.162.104" }, 5060, 5061 },
	{ "infobip-johannesburg-registered", { "202.22.162.50" }, 5060, 5061 },
	{ "infobip-moscow", { "202.22.163.127" }, 5060, 5061 },
	{ "infobip-moscow-registered", { "202.22.163.222" }, 5060, 5061 },
	{ "infobip-istanbul", { "202.22.169.124" }, 5060, 5061 },
	{ "infobip-istanbul-registered", { "202.22.169.222" }, 5060, 5061 },
	{ "infobip-kuala-lumpur", { "202.22.165.100" }, 5060, 5061 },
	{ "infobip-kuala-lumpur-registered", { "202.22.165.222" }, 5060, 5061 },
};

static void test_shipped(void)
{
	struct catalogue cat;
	char msg[256] = "";
	int line = -1, n = sizeof(published) / sizeof(published[0]);

	CASE_BEGIN("catalogue: the shipped one holds every published signalling address");
	CHECK(catalogue_load(shipped, &cat, &line, msg, sizeof(msg)) == 0, "%s:%d: %s", shipped,
	      line, msg);
	CHECK(cat.n == n, "%d regions, the platforms publish %d", cat.n, n);
	for (int i = 0; i < n && cat.e; i++) {
		const struct cat_entry *e = catalogue_find(&cat, published[i].name);
		int want = published[i].sbc[1] ? 2 : 1;

		CHECK(e, "%s missing", published[i].name);
		if (!e)
			continue;
		CHECK(e->n_sbc == want && has_sbc(e, published[i].sbc[0]) &&
		      (want == 1 || has_sbc(e, published[i].sbc[1])), "%s: %d addresses", e->name,
		      e->n_sbc);
		CHECK(e->port == published[i].port && e->tls_port == published[i].tls_port &&
		      !strcmp(e->transport, "udp") && !e->n_allow, "%s: ports %u/%u %s", e->name,
		      e->port, e->tls_port, e->transport);
	}
	catalogue_free(&cat);
	CASE_END();
}

#define MINI "[interface public]\ndevice = eth0\naddress = 203.0.113.5\n"

/* A config with shipped_catalogue set to the tree's file, then text. */
static int load(const char *text, struct rtpe_cfg *cfg, char *err, size_t errlen)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "[relay]\nshipped_catalogue = %s\n%s", shipped, text);
	return config_parse_string("t.conf", buf, cfg, err, errlen);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static bool ip_is(struct in_addr a, const char *s)
{
	struct in_addr b;

	return inet_pton(AF_INET, s, &b) == 1 && a.s_addr == b.s_addr;
}

static void test_regions(void)
{
	static struct rtpe_cfg cfg;
	char err[1024] = "";
	const struct cfg_region *r = cfg.regions;

	CASE_BEGIN("catalogue: [region vapi-eu] without sbc expands to its addresses, port, transport");
	CHECK(load(MINI "[region vapi-eu]\n[region infobip-frankfurt-registered]\ntransport = tls\n",
		   &cfg, err, sizeof(err)) == 0, "%s", err);
	CHECK(cfg.n_regions == 2 && r[0].n_sbc == 2 && ip_is(r[0].sbc[0], "44.233.34.47") &&
	      ip_is(r[0].sbc[1], "44.233.34.48") && r[0].port == 5060 &&
	      !strcmp(r[0].transport, "udp") && r[0].catalogued, "vapi-eu");
	CHECK(r[1].n_sbc == 1 && ip_is(r[1].sbc[0], "62.140.31.213") && r[1].port == 5061 &&
	      !strcmp(r[1].transport, "tls"), "transport tls takes tls_port: %u", r[1].port);
	CASE_END();

	CASE_BEGIN("catalogue: a region in no catalogue is an error at its line, with the known ones");
	CHECK(load(MINI "[region vapi-mars]\n", &cfg, err, sizeof(err)) == -1, "loaded");
	CHECK(!strncmp(err, "t.conf:6: [region vapi-mars]: no sbc, and \"vapi-mars\" is not in the regions catalogue (",
		       80), "%s", err);
	CHECK(strstr(err, shipped) && strstr(err, "known regions are vapi-us, vapi-eu, infobip-frankfurt"),
	      "%s", err);
	CASE_END();

	CASE_BEGIN("catalogue: explicit sbc needs no catalogue; a missing one fails where it is needed");
	CHECK(config_parse_string("t.conf", "[relay]\nshipped_catalogue = /nonexistent/r.conf\n" MINI
				  "[region lab]\nsbc = 192.0.2.1\n", &cfg, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK(config_parse_string("t.conf", "[relay]\nshipped_catalogue = /nonexistent/r.conf\n" MINI
				  "[region vapi-us]\n", &cfg, err, sizeof(err)) == -1, "loaded");
	CHECK(!strcmp(err, "t.conf:6: [region vapi-us]: no sbc, and the regions catalogue cannot be read: /nonexistent/r.conf: cannot open: No such file or directory"),
	      "%s", err);
	CASE_END();
}

static void test_own(void)
{
	static struct rtpe_cfg cfg;
	char err[1024] = "", own[] = "/tmp/test_catalogue.XXXXXX", conf[2048];
	int fd = mkstemp(own);

	CASE_BEGIN("catalogue: the operator's replaces a shipped region and adds new ones");
	CHECK(fd >= 0, "mkstemp");
	close(fd);
	CHECK(!write_file(own, "# mine\n[vapi-us]\nsbc = 192.0.2.7\n\n[voximplant-eu]\n"
			       "sbc = 192.0.2.8, 192.0.2.9\nallow = 2001:db8:5::/48, 198.51.100.0/28\n"
			       "transport = tcp\nport = 5070\n"), "write");
	snprintf(conf, sizeof(conf), "catalogue = %s\n" MINI
		 "[region vapi-us]\n[region voximplant-eu]\n[region vapi-eu]\n", own);
	CHECK(load(conf, &cfg, err, sizeof(err)) == 0, "%s", err);
	CHECK(cfg.regions[0].n_sbc == 1 && ip_is(cfg.regions[0].sbc[0], "192.0.2.7"),
	      "vapi-us not replaced");
	CHECK(cfg.regions[1].n_sbc == 2 && cfg.regions[1].n_allow == 2 &&
	      cfg.regions[1].allow[0].family == AF_INET6 && cfg.regions[1].allow[0].len == 48 &&
	      cfg.regions[1].port == 5070 && !strcmp(cfg.regions[1].transport, "tcp"),
	      "voximplant-eu");
	CHECK(cfg.regions[2].n_sbc == 2 && ip_is(cfg.regions[2].sbc[0], "44.233.34.47"),
	      "vapi-eu from the shipped one");
	CASE_END();

	CASE_BEGIN("catalogue: an error in the operator's names its file and line");
	CHECK(!write_file(own, "[acme]\nsbc = 192.0.2.7\ntls_port = 70000\n"), "write");
	CHECK(load(conf, &cfg, err, sizeof(err)) == -1, "loaded");
	snprintf(conf, sizeof(conf), "%s:3: tls_port: \"70000\" is not a port number (0-65535)", own);
	CHECK(!strcmp(err, conf), "%s", err);
	unlink(own);
	CHECK(load("catalogue = /nonexistent/mine.conf\n" MINI, &cfg, err, sizeof(err)) == -1,
	      "loaded");
	CHECK(!strcmp(err, "t.conf:3: catalogue: /nonexistent/mine.conf: cannot open: No such file or directory"),
	      "%s", err);
	CHECK(load("catalogue = /dev/null\n" MINI, &cfg, err, sizeof(err)) == -1, "loaded");
	CHECK(!strcmp(err, "t.conf:3: catalogue: /dev/null: not a regular file"), "%s", err);
	CASE_END();
}

struct bad {
	const char *name, *text, *want; /* want: "LINE: message" (start) */
};

static const struct bad bad[] = {
	{ "key before a section", "sbc = 192.0.2.1\n", "1: a key before the first [NAME] section" },
	{ "unknown key", "[a]\nsbc = 192.0.2.1\nfoo = 1\n", "3: unknown key \"foo\" in [a]" },
	{ "duplicate key", "[a]\nsbc = 192.0.2.1\nsbc = 192.0.2.2\n",
	  "3: sbc: duplicate key in [a] (first at line 2)" },
	{ "duplicate region", "[a]\nsbc = 192.0.2.1\n[a]\n", "3: duplicate region [a] (first at line 1)" },
	{ "no addresses", "[a]\nport = 5060\n[b]\n", "1: [a]: no addresses: give sbc or allow" },
	{ "sbc not IPv4", "[a]\nsbc = 2001:db8::1\n", "2: sbc: \"2001:db8::1\" is not a unicast IPv4 address" },
	{ "sbc multicast", "[a]\nsbc = 224.0.0.1\n", "2: sbc: \"224.0.0.1\" is not a unicast IPv4" },
	{ "sbc twice", "[a]\nsbc = 192.0.2.1, 192.0.2.1\n", "2: sbc: 192.0.2.1 is listed twice" },
	{ "too many sbc", "[a]\nsbc = 1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9\n",
	  "2: sbc: more than 8 addresses" },
	{ "allow host bits", "[a]\nallow = 2001:db8::1/32\n",
	  "2: allow: 2001:db8::1/32 has host bits set (did you mean 2001:db8::/32?)" },
	{ "allow bad length", "[a]\nallow = 10.0.0.0/33\n", "2: allow: \"10.0.0.0/33\" is not an IPv4 or IPv6 CIDR" },
	{ "empty item", "[a]\nsbc = 192.0.2.1,,192.0.2.2\n", "2: sbc: an empty or overlong item" },
	{ "port 0", "[a]\nsbc = 192.0.2.1\nport = 0\n", "3: port: \"0\" is not a port number (1-65535)" },
	{ "bad transport", "[a]\nsbc = 192.0.2.1\ntransport = sctp\n", "3: transport: \"sctp\" is not udp, tcp or tls" },
	{ "tls without tls_port", "[a]\nsbc = 192.0.2.1\ntransport = tls\n", "3: [a]: transport tls needs tls_port" },
	{ "bad name", "[a b]\n", "1: [a b]: a region name has letters" },
	{ "header with text after", "[a] x\n", "1: a section header is [NAME], alone on its line" },
	{ "no '='", "[a]\nsbc 192.0.2.1\n", "2: expected \"key = value\", a [NAME] or a comment" },
	{ "empty value", "[a]\nsbc =\n", "2: sbc: empty value" },
	{ "control character", "[a]\nsbc = 192.0.2.1\x02\n", "2: control character 0x02" },
	{ "empty file", "# nothing\n", "0: no [NAME] section: the catalogue is empty" },
};

static void test_bad(void)
{
	struct catalogue cat;
	char msg[256], got[300];
	int line;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CASE_BEGIN(bad[i].name);
		CHECK(catalogue_parse("c.conf", bad[i].text, &cat, &line, msg, sizeof(msg)) == -1,
		      "parsed");
		snprintf(got, sizeof(got), "%d: %s", line, msg);
		CHECK(!strncmp(got, bad[i].want, strlen(bad[i].want)), "got \"%s\", want \"%s...\"",
		      got, bad[i].want);
		CHECK(!cat.e && !cat.n, "a failed catalogue holds entries");
		CASE_END();
	}
	CASE_BEGIN("catalogue: comments, BOM, CRLF, blanks as in the config");
	CHECK(catalogue_parse("c.conf", "\xef\xbb\xbf; c\r\n  [ a ]  # x\r\nsbc=192.0.2.1 ;y\r\n"
			      "\tallow = 10.0.0.0/8 , ::1\r\n", &cat, &line, msg, sizeof(msg)) == 0,
	      "%d: %s", line, msg);
	CHECK(cat.n == 1 && !strcmp(cat.e[0].name, "a") && cat.e[0].n_sbc == 1 &&
	      cat.e[0].n_allow == 2 && cat.e[0].allow[1].len == 128 && cat.e[0].line == 2, "entry");
	catalogue_free(&cat);
	CASE_END();
}

int main(void)
{
	if (find_shipped()) {
		CASE_SKIP("catalogue", "data/regions.conf not found");
		return 0;
	}
	test_shipped();
	test_regions();
	test_own();
	test_bad();
	CHECK_EXIT();
}
