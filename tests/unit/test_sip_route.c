// SPDX-License-Identifier: GPL-2.0
/*
 * test_sip_route.c - routing from the config (sip/sip_route.c): sources,
 * targets, the trunk chosen by the Request-URI user's prefix, media
 * interfaces, refusals, and the proxy's own addresses. One row per case.
 */
#include "check.h"
#include "sip/sip_route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const char conf[] =
	"[interface carrier]\ndevice = r0\naddress = 198.18.1.1\n"
	"[interface sbc]\ndevice = r1\naddress = 198.18.2.1\nadvertise = 203.0.113.9\n"
	"[sip]\nlisten = udp:0.0.0.0:5060, tcp:0.0.0.0:5070\n"
	"[region lab]\nsbc = 198.18.2.2, 198.18.2.3\ninterface = sbc\n"
	"[region eu]\nsbc = 192.0.2.30\nport = 5080\ntransport = tcp\ninterface = sbc\n"
	"[region vapi-us]\ninterface = sbc\n" /* from the regions catalogue */
	"[trunk carrier]\naddresses = 198.18.1.0/24\ntarget = 198.18.1.2:5060\n"
	"interface = carrier\nregion = lab\n"
	"[trunk us]\naddresses = 198.18.1.7\ntarget = 198.18.1.7:5062\ninterface = carrier\n"
	"region = lab\nnumbers = +1555, +1666\ntransport = tcp\n"
	"[trunk us-ny]\naddresses = 10.0.0.0/8\ntarget = 10.0.0.9:5060\ninterface = carrier\n"
	"region = lab\nnumbers = +1555123\n"
	"[trunk eu]\naddresses = 10.9.0.0/16\ntarget = 10.9.0.1:5060\ninterface = carrier\n"
	"region = eu\nnumbers = +44\n"
	"[trunk vapi]\naddresses = 10.8.0.0/16\ntarget = 10.8.0.1:5060\ninterface = carrier\n"
	"region = vapi-us\n";

struct call_case {
	const char *name, *src, *user;
	int rc;
	enum sip_dir dir;
	const char *trunk, *region, *to;
	uint16_t port;
	const char *transport;
	int iface0, iface1;
};

static const struct call_case calls[] = {
	{ "trunk to its region's first SBC", "198.18.1.2", "+15557654321", 0, SIP_DIR_T2R,
	  "carrier", "lab", "198.18.2.2", 5060, "udp", 0, 1 },
	{ "a /32 of another trunk beats the /24", "198.18.1.7", "+4412345", 0, SIP_DIR_T2R,
	  "us", "lab", "198.18.2.2", 5060, "udp", 0, 1 },
	{ "trunk to a tcp region on its port", "10.9.3.4", "100", 0, SIP_DIR_T2R, "eu", "eu",
	  "192.0.2.30", 5080, "tcp", 0, 1 },
	{ "region to the trunk of the longest prefix", "198.18.2.3", "+15551234567", 0,
	  SIP_DIR_R2T, "us-ny", "lab", "10.0.0.9", 5060, "udp", 1, 0 },
	{ "region to the trunk of a shorter prefix", "198.18.2.2", "+15559999", 0, SIP_DIR_R2T,
	  "us", "lab", "198.18.1.7", 5062, "tcp", 1, 0 },
	{ "region to its trunk without numbers", "198.18.2.2", "+4420", 0, SIP_DIR_R2T, "carrier",
	  "lab", "198.18.1.2", 5060, "udp", 1, 0 },
	{ "region without a user: the default trunk", "198.18.2.2", NULL, 0, SIP_DIR_R2T,
	  "carrier", "lab", "198.18.1.2", 5060, "udp", 1, 0 },
	{ "region whose trunks all have numbers: no match", "192.0.2.30", "+33", -ENOENT, 0,
	  NULL, NULL, NULL, 0, NULL, 0, 0 },
	{ "region whose trunk matches", "192.0.2.30", "+4479", 0, SIP_DIR_R2T, "eu", "eu",
	  "10.9.0.1", 5060, "udp", 1, 0 },
	{ "unknown source", "198.18.3.2", "+15557654321", -EACCES, 0, NULL, NULL, NULL, 0, NULL,
	  0, 0 },
	{ "trunk to a catalogue region's first SBC", "10.8.1.1", "1", 0, SIP_DIR_T2R, "vapi",
	  "vapi-us", "44.229.228.186", 5060, "udp", 0, 1 },
	{ "a catalogue region's second SBC to its trunk", "44.238.177.138", "+1", 0, SIP_DIR_R2T,
	  "vapi", "vapi-us", "10.8.0.1", 5060, "udp", 1, 0 },
};

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void t_calls(const struct rtpe_cfg *c)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call_case *k = &calls[i];
		struct sip_call_route r;
		int rc = sip_route_call(c, ip(k->src), k->user, &r);

		CASE_BEGIN(k->name);
		CHECK(rc == k->rc, "rc %d, want %d", rc, k->rc);
		if (!rc && !k->rc) {
			CHECK(r.dir == k->dir, "direction %s", sip_dir_name(r.dir));
			CHECK(!strcmp(c->trunks[r.trunk].name, k->trunk), "trunk %s",
			      c->trunks[r.trunk].name);
			CHECK(!strcmp(c->regions[r.region].name, k->region), "region %s",
			      c->regions[r.region].name);
			CHECK(r.addr.s_addr == ip(k->to).s_addr && r.port == k->port, "target %s:%u",
			      inet_ntoa(r.addr), r.port);
			CHECK(!strcmp(r.transport, k->transport), "transport %s", r.transport);
			CHECK(r.iface[0] == k->iface0 && r.iface[1] == k->iface1, "ifaces %d %d",
			      r.iface[0], r.iface[1]);
		}
		CASE_END();
	}
}

static void t_self(const struct rtpe_cfg *c)
{
	struct in_addr a;
	uint16_t port;

	CASE_BEGIN("sip_route: the proxy's own addresses");
	CHECK(sip_route_self(c, 1, "udp", &a, &port) == 0 && a.s_addr == ip("203.0.113.9").s_addr &&
	      port == 5060, "udp on sbc: %s:%u", inet_ntoa(a), port);
	CHECK(sip_route_self(c, 0, "tcp", &a, &port) == 0 && a.s_addr == ip("198.18.1.1").s_addr &&
	      port == 5070, "tcp on carrier: %s:%u", inet_ntoa(a), port);
	CHECK(sip_route_self(c, 0, "tls", &a, &port) == -ENOENT && port == 5060, "no tls");
	CHECK(sip_route_is_self(c, ip("198.18.1.1"), 5060), "address, udp port");
	CHECK(sip_route_is_self(c, ip("203.0.113.9"), 5070), "advertise, tcp port");
	CHECK(sip_route_is_self(c, ip("198.18.2.1"), 0), "no port means 5060");
	CHECK(!sip_route_is_self(c, ip("198.18.1.1"), 5080), "other port");
	CHECK(!sip_route_is_self(c, ip("198.18.2.2"), 5060), "an SBC");
	CASE_END();
}

int main(void)
{
	static struct rtpe_cfg c;
	char err[256];

	CASE_BEGIN("sip_route: the routing config parses");
	CHECK(!config_parse_string("t.conf", conf, &c, err, sizeof(err)), "%s", err);
	CASE_END();
	t_calls(&c);
	t_self(&c);
	CHECK_EXIT();
}
