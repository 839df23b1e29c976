// SPDX-License-Identifier: GPL-2.0
/*
 * test_resolve.c - hostnames in the config and their SRV ordering
 * (core/resolve_dns.c): priority first, then RFC 2782's weighted draw with
 * a given random sequence; the service by transport and the default port;
 * sbc and target items that are hostnames, [sip] resolver; a route to a
 * hostname not resolved yet is refused (no address), not sent to 0.0.0.0.
 */
#include "check.h"
#include "core/config.h"
#include "core/resolve.h"
#include "sip/sip_route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A random sequence given by the test: each call returns the next value. */
struct seq {
	const uint32_t *v;
	int i, n;
};

static uint32_t next_of(void *arg)
{
	struct seq *s = arg;

	return s->i < s->n ? s->v[s->i++] : 0;
}

static struct rs_srv srv(uint16_t prio, uint16_t weight, const char *target)
{
	struct rs_srv r = { .prio = prio, .weight = weight, .port = 5060, .ttl = 60 };

	snprintf(r.target, sizeof(r.target), "%s", target);
	return r;
}

/* The targets in order, joined by spaces. */
static const char *order(const struct rs_srv *v, int n)
{
	static char buf[256];
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "",
					v[i].target);
	return buf;
}

struct order_case {
	const char *name;
	struct rs_srv in[5];
	int n;
	uint32_t rnd[5];
	const char *want;
};

/* rnd % sum + 1 picks: the first record whose running sum of weights
 * reaches it. */
static const struct order_case orders[] = {
	{ "priority first, whatever the weights", { { 2, 90, 5060, 60, "b" }, { 1, 10, 5060, 60, "a" } },
	  2, { 0, 0 }, "a b" },
	{ "one priority: the draw picks the heavier (pick 11 of 10+90)",
	  { { 1, 10, 5060, 60, "light" }, { 1, 90, 5060, 60, "heavy" } }, 2, { 10, 0 },
	  "heavy light" },
	{ "one priority: the draw picks the lighter (pick 10 of 10+90)",
	  { { 1, 10, 5060, 60, "light" }, { 1, 90, 5060, 60, "heavy" } }, 2, { 9, 0 },
	  "light heavy" },
	{ "weight 0 comes after the weighted ones of its priority",
	  { { 1, 0, 5060, 60, "zero" }, { 1, 5, 5060, 60, "five" }, { 2, 0, 5060, 60, "next" } }, 3,
	  { 0, 0, 0 }, "five zero next" },
	{ "all weights 0: the order given, by priority",
	  { { 3, 0, 5060, 60, "c" }, { 1, 0, 5060, 60, "a1" }, { 1, 0, 5060, 60, "a2" },
	    { 2, 0, 5060, 60, "b" } }, 4, { 0 }, "a1 a2 b c" },
	{ "three of one priority: place by place",
	  { { 1, 1, 5060, 60, "x" }, { 1, 1, 5060, 60, "y" }, { 1, 1, 5060, 60, "z" } }, 3,
	  { 2, 0, 0 }, "z x y" },
};

static void srv_ordering(void)
{
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		const struct order_case *c = &orders[i];
		struct rs_srv v[5];
		struct seq s = { c->rnd, 0, 5 };

		CASE_BEGIN(c->name);
		memcpy(v, c->in, sizeof(v));
		rs_srv_order(v, c->n, next_of, &s);
		CHECK(!strcmp(order(v, c->n), c->want), "order %s, expected %s", order(v, c->n),
		      c->want);
		CASE_END();
	}
	CASE_BEGIN("a weight's share of first places (1000 draws, 20 against 80)");
	{
		unsigned seed = 7, heavy = 0;

		for (int i = 0; i < 1000; i++) {
			struct rs_srv v[2] = { srv(1, 20, "l"), srv(1, 80, "h") };
			uint32_t r = (uint32_t)rand_r(&seed);
			struct seq s = { &r, 0, 1 };

			rs_srv_order(v, 2, next_of, &s);
			heavy += v[0].target[0] == 'h';
		}
		CHECK(heavy > 740 && heavy < 860, "the heavier first %u times of 1000", heavy);
	}
	CASE_END();
}

static void services(void)
{
	CASE_BEGIN("service and default port by transport (RFC 3263)");
	CHECK(!strcmp(rs_service("udp"), "_sip._udp") && !strcmp(rs_service("tcp"), "_sip._tcp") &&
	      !strcmp(rs_service("tls"), "_sips._tcp"), "services");
	CHECK(rs_default_port("udp") == 5060 && rs_default_port("tcp") == 5060 &&
	      rs_default_port("tls") == 5061, "default ports");
	CASE_END();
}

static const char base[] =
	"[interface a]\ndevice = r0\naddress = 198.18.1.1\n"
	"[sip]\nlisten = udp:0.0.0.0:5060\n";

static int parse(const char *more, struct rtpe_cfg *cfg, char *err, size_t errlen)
{
	static char text[4096];

	snprintf(text, sizeof(text), "%s%s", base, more);
	return config_parse_string("test.conf", text, cfg, err, errlen);
}

static void config_hostnames(void)
{
	static struct rtpe_cfg cfg;
	char err[512];
	const struct cfg_region *r = &cfg.regions[0];
	struct in_addr a;

	CASE_BEGIN("sbc items: an address, a hostname (SRV), a hostname with a port (A only)");
	CHECK(!parse("resolver = 127.0.0.1:5353\n"
		     "[region lab]\nsbc = 192.0.2.1, sbc.example.net, b.example.net:5080\n"
		     "interface = a\n"
		     "[trunk t]\naddresses = 198.51.100.0/24\ntarget = pbx.example.net\n"
		     "interface = a\nregion = lab\n",
		     &cfg, err, sizeof(err)), "%s", err);
	inet_pton(AF_INET, "192.0.2.1", &a);
	CHECK(r->n_sbc == 3 && r->sbc[0].s_addr == a.s_addr && !r->sbc_host[0][0], "item 0");
	CHECK(!strcmp(r->sbc_host[1], "sbc.example.net") && !r->sbc_host_port[1] && !r->sbc[1].s_addr,
	      "item 1: %s %u", r->sbc_host[1], r->sbc_host_port[1]);
	CHECK(!strcmp(r->sbc_host[2], "b.example.net") && r->sbc_host_port[2] == 5080, "item 2");
	CHECK(!strcmp(cfg.trunks[0].target_host, "pbx.example.net") && !cfg.trunks[0].target_port &&
	      !cfg.trunks[0].target_addr.s_addr, "target %s", cfg.trunks[0].target_host);
	inet_pton(AF_INET, "127.0.0.1", &a);
	CHECK(cfg.resolver_addr.s_addr == a.s_addr && cfg.resolver_port == 5353, "resolver");
	CASE_END();

	CASE_BEGIN("the region's port given: its hostnames are looked up by A records on it");
	CHECK(!parse("resolver = 10.0.0.53\n[region lab]\nsbc = sbc.example.net\nport = 5070\n"
		     "interface = a\n", &cfg, err, sizeof(err)), "%s", err);
	CHECK(r->sbc_host_port[0] == 5070, "port %u", r->sbc_host_port[0]);
	CHECK(cfg.resolver_port == 53, "resolver port %u", cfg.resolver_port);
	CASE_END();

	static const struct { const char *name, *text, *msg; } bad[] = {
		{ "a mistyped address is not a hostname", "[region lab]\nsbc = 192.0.2\ninterface = a\n",
		  "is not a unicast IPv4 address or a hostname" },
		{ "an empty label", "[region lab]\nsbc = a..example.net\ninterface = a\n", "sbc:" },
		{ "a hostname listed twice", "[region lab]\nsbc = x.example.net, X.example.net\ninterface = a\n",
		  "listed twice" },
		{ "port 0", "[region lab]\nsbc = x.example.net:0\ninterface = a\n", "sbc:" },
		{ "a target hostname with a bad port",
		  "[region lab]\nsbc = 192.0.2.1\ninterface = a\n[trunk t]\naddresses = 198.51.100.0/24\n"
		  "target = pbx.example.net:99999\ninterface = a\nregion = lab\n", "target:" },
		{ "a resolver that is a name", "resolver = dns.example.net\n", "resolver:" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CASE_BEGIN(bad[i].name);
		CHECK(parse(bad[i].text, &cfg, err, sizeof(err)) && strstr(err, bad[i].msg),
		      "error '%s', expected '%s'", err, bad[i].msg);
		CASE_END();
	}
}

static void unresolved_route(void)
{
	static struct rtpe_cfg cfg;
	struct sip_call_route rt;
	struct sip_source from;
	struct in_addr src;
	char err[512];

	CASE_BEGIN("a hostname not resolved yet: no route (503), never 0.0.0.0");
	CHECK(!parse("[region lab]\nsbc = sbc.example.net\ninterface = a\n"
		     "[trunk t]\naddresses = 198.51.100.0/24\ntarget = pbx.example.net:5060\n"
		     "interface = a\nregion = lab\n", &cfg, err, sizeof(err)), "%s", err);
	inet_pton(AF_INET, "198.51.100.7", &src);
	CHECK(sip_route_call(&cfg, src, "+1555", &rt) == -EHOSTUNREACH, "trunk to region");
	inet_pton(AF_INET, "0.0.0.0", &src);
	CHECK(sip_route_source(&cfg, src, &from) == -ENOENT, "0.0.0.0 is no region's");
	CASE_END();
}

int main(void)
{
	srv_ordering();
	services();
	config_hostnames();
	unresolved_route();
	CHECK_EXIT();
}
