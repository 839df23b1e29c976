// SPDX-License-Identifier: GPL-2.0
/*
 * test_config.c - the config parser: INTERFACE.md's example read back field
 * by field, defaults, comment handling, the shipped sample, and a table of
 * bad inputs each checked for its exact "FILE:LINE: " and its message.
 */
#include "check.h"
#include "core/config.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* INTERFACE.md's example, verbatim. */
static const char example[] =
	"[relay]\n"
	"control_socket = /run/rtpedge/rtpedge.sock\n"
	"metrics_listen = 127.0.0.1:9464\n"
	"pin_path = /sys/fs/bpf/rtpedge\n"
	"xdp_mode = auto              ; auto | native | generic | off (off = userspace only)\n"
	"port_min = 40000\n"
	"port_max = 60000\n"
	"session_timeout = 60         ; seconds with no media in either direction\n"
	"\n"
	"[interface public]           ; one section per media interface\n"
	"device = eth0\n"
	"address = 203.0.113.5        ; local address of the legs on this interface\n"
	"advertise = 203.0.113.5      ; address written into SDP (defaults to address)\n"
	"\n"
	"[sip]\n"
	"listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060   ; tls:ADDR:5061 with tls_cert/tls_key\n"
	"\n"
	"[region vapi-us]             ; upstream SBC set. Without `sbc`, a region named in the\n"
	"interface = public           ; shipped catalogue (vapi-us, vapi-eu, infobip-frankfurt, ...)\n"
	"                             ; takes its addresses, port and transport from there\n"
	"[region lab]\n"
	"sbc = 192.0.2.20, 192.0.2.21 ; explicit addresses (tried in order, failover)\n"
	"port = 5060\n"
	"transport = udp\n"
	"options_interval = 30        ; seconds between OPTIONS pings, 0 = off\n"
	"interface = public\n"
	"\n"
	"[trunk pbx]                  ; downstream peers (customer PBX / carrier)\n"
	"addresses = 198.51.100.7/32  ; sources allowed to send SIP (allowlisted)\n"
	"target = 198.51.100.7:5060   ; where calls towards this trunk go\n"
	"interface = public\n"
	"region = vapi-us             ; calls from this trunk go to this region, and\n"
	"                             ; calls from this region come to this trunk\n";

/* The smallest valid file: lines 1-3. Bad cases append after it. */
#define MINI "[interface public]\ndevice = eth0\naddress = 203.0.113.5\n"

static int ip_is(struct in_addr a, const char *s)
{
	struct in_addr b;

	return inet_pton(AF_INET, s, &b) == 1 && a.s_addr == b.s_addr;
}

static void test_example(void)
{
	static struct rtpe_cfg cfg;
	char err[512] = "";
	int r = config_parse_string("rtpedge.conf", example, &cfg, err, sizeof(err));

	CASE_BEGIN("INTERFACE.md example: [relay]");
	CHECK(r == 0, "parse failed: %s", err);
	CHECK(!strcmp(cfg.path, "rtpedge.conf"), "path %s", cfg.path);
	CHECK(!strcmp(cfg.control_socket, "/run/rtpedge/rtpedge.sock"), "%s", cfg.control_socket);
	CHECK(ip_is(cfg.metrics_addr, "127.0.0.1") && cfg.metrics_port == 9464, "metrics");
	CHECK(!strcmp(cfg.pin_path, "/sys/fs/bpf/rtpedge"), "%s", cfg.pin_path);
	CHECK(cfg.xdp_mode == XDP_MODE_AUTO, "xdp_mode %d", cfg.xdp_mode);
	CHECK(cfg.port_min == 40000 && cfg.port_max == 60000, "ports");
	CHECK(cfg.session_timeout == 60, "session_timeout %u", cfg.session_timeout);
	CASE_END();

	CASE_BEGIN("INTERFACE.md example: [interface] and [sip]");
	CHECK(cfg.n_ifaces == 1, "n_ifaces %d", cfg.n_ifaces);
	CHECK(!strcmp(cfg.ifaces[0].name, "public"), "name %s", cfg.ifaces[0].name);
	CHECK(!strcmp(cfg.ifaces[0].device, "eth0"), "device %s", cfg.ifaces[0].device);
	CHECK(ip_is(cfg.ifaces[0].address, "203.0.113.5"), "address");
	CHECK(ip_is(cfg.ifaces[0].advertise, "203.0.113.5"), "advertise");
	CHECK(!cfg.ifaces[0].latch, "latch");
	CHECK(cfg.n_sip_listen == 2, "n_sip_listen %d", cfg.n_sip_listen);
	CHECK(!strcmp(cfg.sip_listen[0].transport, "udp") &&
	      ip_is(cfg.sip_listen[0].addr, "0.0.0.0") && cfg.sip_listen[0].port == 5060, "listen 0");
	CHECK(!strcmp(cfg.sip_listen[1].transport, "tcp") &&
	      ip_is(cfg.sip_listen[1].addr, "0.0.0.0") && cfg.sip_listen[1].port == 5060, "listen 1");
	CASE_END();

	CASE_BEGIN("INTERFACE.md example: [region] and [trunk]");
	CHECK(cfg.n_regions == 2, "n_regions %d", cfg.n_regions);
	/* no sbc: from the shipped regions catalogue */
	CHECK(!strcmp(cfg.regions[0].name, "vapi-us") && cfg.regions[0].n_sbc == 2 &&
	      ip_is(cfg.regions[0].sbc[0], "44.229.228.186") &&
	      ip_is(cfg.regions[0].sbc[1], "44.238.177.138") && cfg.regions[0].catalogued &&
	      cfg.regions[0].iface == 0 && cfg.regions[0].port == 5060 &&
	      !strcmp(cfg.regions[0].transport, "udp") && cfg.regions[0].options_interval == 30,
	      "region vapi-us");
	CHECK(!cfg.regions[1].catalogued, "region lab has its own sbc");
	CHECK(!strcmp(cfg.regions[1].name, "lab") && cfg.regions[1].n_sbc == 2 &&
	      ip_is(cfg.regions[1].sbc[0], "192.0.2.20") && ip_is(cfg.regions[1].sbc[1], "192.0.2.21") &&
	      cfg.regions[1].port == 5060 && !strcmp(cfg.regions[1].transport, "udp") &&
	      cfg.regions[1].options_interval == 30 && cfg.regions[1].iface == 0, "region lab");
	CHECK(cfg.regions[1].options_down_after == 3 && !strcmp(cfg.regions[1].strategy, "failover") &&
	      cfg.regions[1].invite_timeout_ms == 2000, "region health defaults");
	CHECK(!strcmp(cfg.regions[1].srtp, "no"), "region srtp default: %s", cfg.regions[1].srtp);
	CHECK(cfg.n_trunks == 1 && !strcmp(cfg.trunks[0].name, "pbx"), "trunk");
	CHECK(cfg.trunks[0].n_addresses == 1 && ip_is(cfg.trunks[0].addresses[0].addr, "198.51.100.7") &&
	      cfg.trunks[0].addresses[0].prefix == 32, "trunk addresses");
	CHECK(ip_is(cfg.trunks[0].target_addr, "198.51.100.7") && cfg.trunks[0].target_port == 5060,
	      "trunk target");
	CHECK(cfg.trunks[0].iface == 0 && cfg.trunks[0].region == 0, "trunk refs %d %d",
	      cfg.trunks[0].iface, cfg.trunks[0].region);
	CHECK(config_iface_find(&cfg, "public") == 0 && config_iface_find(&cfg, "pub") == -1,
	      "config_iface_find");
	CASE_END();
}

static void test_defaults(void)
{
	static struct rtpe_cfg cfg, d;
	char err[512] = "";

	CASE_BEGIN("defaults, and a file setting only an interface gets them");
	config_defaults(&d);
	CHECK(!strcmp(d.control_socket, "/run/rtpedge/rtpedge.sock"), "%s", d.control_socket);
	CHECK(ip_is(d.metrics_addr, "127.0.0.1") && d.metrics_port == 9464, "metrics");
	CHECK(!strcmp(d.pin_path, "/sys/fs/bpf/rtpedge"), "%s", d.pin_path);
	CHECK(!strcmp(d.state_file, "/var/lib/rtpedge/state.json"), "%s", d.state_file);
	CHECK(!d.control_group[0], "control_group %s", d.control_group);
	CHECK(d.xdp_mode == XDP_MODE_AUTO && d.port_min == 40000 && d.port_max == 60000, "relay");
	CHECK(d.session_timeout == 60 && d.hold_timeout == 3600 && d.learning_window == 3,
	      "timeouts");
	CHECK(d.max_sessions == 16384 && d.log_level == LOG_LVL_INFO, "limits");
	CHECK(d.workers == CFG_WORKERS_AUTO, "workers %u: one per CPU unless set", d.workers);
	CHECK(d.srtp_crypto == SRTP_CRYPTO_OPENSSL, "srtp_crypto %d: openssl unless set", d.srtp_crypto);
	CHECK(d.afxdp, "afxdp: yes unless set");
	CHECK(d.allowlist && !strcmp(d.allowlist_table, "rtpedge") && d.allowlist_max == 4096 &&
	      !d.catalogue[0] && !d.shipped_catalogue[0], "allowlist");
	CHECK(d.n_ifaces == 0 && d.n_sip_listen == 0 && d.sip_proxy && d.n_regions == 0 && d.n_trunks == 0,
	      "lists");
	CHECK(d.tls_verify && !d.tls_ca[0], "TLS peers verified, with the system's CAs");
	CHECK(d.sip_udp_buffer_kb == 8192, "udp_buffer_kb default: %u", d.sip_udp_buffer_kb);
	CHECK(config_parse_string("t.conf", MINI, &cfg, err, sizeof(err)) == 0, "%s", err);
	CHECK(cfg.hold_timeout == 3600 && cfg.max_sessions == 16384 && cfg.port_min == 40000,
	      "defaults not applied");
	CHECK(ip_is(cfg.ifaces[0].advertise, "203.0.113.5"), "advertise defaults to address");
	CHECK(!strcmp(xdp_mode_name(XDP_MODE_GENERIC), "generic") &&
	      !strcmp(xdp_mode_name(XDP_MODE_OFF), "off"), "xdp_mode_name");
	CASE_END();
}

static const char every_key[] =
	"\xef\xbb\xbf# a comment line\r\n"
	"[ relay ]\r\n"
	"control_socket = /tmp/r.sock\r\n"
	"control_group = rtpedge\n"
	"metrics_listen = 0.0.0.0:0   # off\n"
	"pin_path = /sys/fs/bpf/x\n"
	"state_file = /tmp/state.json\n"
	"xdp_mode = generic\n"
	"port_min = 30001\n"
	"port_max = 30010\n"
	"session_timeout = 5\n"
	"hold_timeout = 5\n"
	"learning_window = 1\n"
	"max_sessions = 10000000\n"
	"workers = 0\n"
	"srtp_crypto = nss\n"
	"afxdp = no\n"
	"log_level = debug\n"
	"allowlist = no\n"
	"allowlist_table = edge.1\n"
	"allowlist_max = 65536\n"
	"shipped_catalogue = /nonexistent/regions.conf ; every region has sbc: not read\n"
	"[interface public]\n"
	"  device = veth-pub     # indented key, # comment\n"
	"  address = 10.1.0.1\n"
	"  advertise = 203.0.113.9\n"
	"  latch = Yes\n"
	"\t; an indented comment\n"
	"[interface internal]\n"
	"device = veth-int\n"
	"address = 10.2.0.1\n"
	"latch = off\n"
	"[sip]\n"
	"listen = tls:10.1.0.1:5061,udp:10.1.0.1:5060\n"
	"tls_cert = /etc/rtpedge/a;b#c.pem\n"
	"tls_key = /etc/rtpedge/key.pem\n"
	"tls_ca = /etc/rtpedge/peers-ca.pem\n"
	"tls_verify = no\n"
	"proxy = no\n"
	"udp_buffer_kb = 0\n"
	"[trunk carrier]\n"
	"addresses = 198.51.100.0/24, 203.0.113.77, 0.0.0.0/0\n"
	"target = 198.51.100.10:5080\n"
	"interface = internal\n"
	"region = eu\n"
	"transport = tcp\n"
	"numbers = +1555, 4420 , sales\n"
	"srtp = no\n"
	"[region eu]\n"
	"sbc = 192.0.2.1\n"
	"port = 5061\n"
	"transport = tls\n"
	"options_interval = 0\n"
	"options_down_after = 5\n"
	"strategy = round-robin\n"
	"invite_timeout_ms = 1500\n"
	"auth_user = edge-user\n"
	"auth_password = p@ss;w#rd\n"
	"srtp = sdes\n"
	"interface = internal\n";

static void test_every_key(void)
{
	static struct rtpe_cfg cfg;
	char err[512] = "";
	int r = config_parse_string("t.conf", every_key, &cfg, err, sizeof(err));

	CASE_BEGIN("every key, BOM, CRLF, # and ; comments, indented keys");
	CHECK(r == 0, "parse failed: %s", err);
	CHECK(!strcmp(cfg.control_socket, "/tmp/r.sock") && !strcmp(cfg.control_group, "rtpedge"),
	      "socket %s group %s", cfg.control_socket, cfg.control_group);
	CHECK(ip_is(cfg.metrics_addr, "0.0.0.0") && cfg.metrics_port == 0, "metrics off");
	CHECK(!strcmp(cfg.pin_path, "/sys/fs/bpf/x") && !strcmp(cfg.state_file, "/tmp/state.json"),
	      "paths");
	CHECK(cfg.xdp_mode == XDP_MODE_GENERIC && cfg.port_min == 30001 && cfg.port_max == 30010,
	      "xdp/ports");
	CHECK(cfg.session_timeout == 5 && cfg.hold_timeout == 5 && cfg.learning_window == 1 &&
	      cfg.max_sessions == 10000000 && cfg.log_level == LOG_LVL_DEBUG && cfg.workers == 0 &&
	      cfg.srtp_crypto == SRTP_CRYPTO_NSS && !cfg.afxdp,
	      "numbers");
	CHECK(!cfg.allowlist && !strcmp(cfg.allowlist_table, "edge.1") &&
	      cfg.allowlist_max == 65536 &&
	      !strcmp(cfg.shipped_catalogue, "/nonexistent/regions.conf"), "allowlist keys");
	CHECK(cfg.n_ifaces == 2 && !strcmp(cfg.ifaces[0].device, "veth-pub") &&
	      ip_is(cfg.ifaces[0].advertise, "203.0.113.9") && cfg.ifaces[0].latch, "iface 0");
	CHECK(!strcmp(cfg.ifaces[1].device, "veth-int") && ip_is(cfg.ifaces[1].advertise, "10.2.0.1") &&
	      !cfg.ifaces[1].latch, "iface 1");
	CHECK(cfg.n_sip_listen == 2 && !strcmp(cfg.sip_listen[0].transport, "tls") &&
	      cfg.sip_listen[0].port == 5061 && ip_is(cfg.sip_listen[1].addr, "10.1.0.1"), "sip");
	CHECK(!strcmp(cfg.tls_cert, "/etc/rtpedge/a;b#c.pem"), "; or # inside a value: %s",
	      cfg.tls_cert);
	CHECK(!strcmp(cfg.tls_ca, "/etc/rtpedge/peers-ca.pem") && !cfg.tls_verify,
	      "tls_ca, tls_verify = no");
	CHECK(!cfg.sip_proxy, "proxy = no");
	CHECK(cfg.sip_udp_buffer_kb == 0, "udp_buffer_kb = 0: %u", cfg.sip_udp_buffer_kb);
	CHECK(cfg.n_trunks == 1 && cfg.trunks[0].n_addresses == 3 &&
	      cfg.trunks[0].addresses[0].prefix == 24 && cfg.trunks[0].addresses[1].prefix == 32 &&
	      cfg.trunks[0].addresses[2].prefix == 0, "trunk cidrs");
	CHECK(cfg.trunks[0].iface == 1 && cfg.trunks[0].region == 0 &&
	      cfg.trunks[0].target_port == 5080, "trunk refs before the region is defined");
	CHECK(!strcmp(cfg.trunks[0].transport, "tcp") && cfg.trunks[0].n_numbers == 3 &&
	      !strcmp(cfg.trunks[0].numbers[0], "+1555") && !strcmp(cfg.trunks[0].numbers[1], "4420") &&
	      !strcmp(cfg.trunks[0].numbers[2], "sales"), "trunk transport and numbers");
	CHECK(cfg.regions[0].port == 5061 && !strcmp(cfg.regions[0].transport, "tls") &&
	      cfg.regions[0].options_interval == 0 && cfg.regions[0].iface == 1, "region");
	CHECK(cfg.regions[0].options_down_after == 5 && !strcmp(cfg.regions[0].strategy, "round-robin") &&
	      cfg.regions[0].invite_timeout_ms == 1500, "region health keys: %u %s %u",
	      cfg.regions[0].options_down_after, cfg.regions[0].strategy,
	      cfg.regions[0].invite_timeout_ms);
	CHECK(!strcmp(cfg.regions[0].auth.user, "edge-user") &&
	      !strcmp(cfg.regions[0].auth.password, "p@ss;w#rd"), "region credentials: %s",
	      cfg.regions[0].auth.user);
	CHECK(!strcmp(cfg.regions[0].srtp, "sdes") && !strcmp(cfg.trunks[0].srtp, "no"),
	      "srtp: region %s trunk %s", cfg.regions[0].srtp, cfg.trunks[0].srtp);
	CASE_END();
}

/* Path of a file in the source tree, found from this program's location
 * (build/tests/test_config), so the test runs from any directory; else
 * relative to the current one. */
static int src_path(const char *rel, char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		snprintf(out, size, "%s/../../%s", dirname(exe), rel);
		if (!access(out, R_OK))
			return 0;
	}
	snprintf(out, size, "%s", rel);
	return access(out, R_OK);
}

static void test_files(void)
{
	static struct rtpe_cfg cfg;
	char path[PATH_MAX + 64], err[512] = "", tmpl[] = "/tmp/test_config.XXXXXX";
	int fd;

	if (src_path("scripts/rtpedge.conf.sample", path, sizeof(path))) {
		CASE_SKIP("the shipped sample loads", "scripts/rtpedge.conf.sample not found");
	} else {
		static struct rtpe_cfg d;

		CASE_BEGIN("the shipped sample loads and shows the defaults");
		config_defaults(&d);
		CHECK(config_load(path, &cfg, err, sizeof(err)) == 0, "%s", err);
		CHECK(cfg.n_ifaces == 1 && cfg.n_sip_listen == 2 && cfg.n_trunks == 1 &&
		      cfg.trunks[0].region == 0, "sample lacks interface, sip or trunk");
		/* It says every value shown is the default: hold it to that. */
		CHECK(!strcmp(cfg.control_socket, d.control_socket) &&
		      !strcmp(cfg.pin_path, d.pin_path) && !strcmp(cfg.state_file, d.state_file) &&
		      !cfg.control_group[0], "paths differ from the defaults");
		CHECK(cfg.metrics_addr.s_addr == d.metrics_addr.s_addr &&
		      cfg.metrics_port == d.metrics_port && cfg.xdp_mode == d.xdp_mode &&
		      cfg.port_min == d.port_min && cfg.port_max == d.port_max &&
		      cfg.session_timeout == d.session_timeout && cfg.hold_timeout == d.hold_timeout &&
		      cfg.learning_window == d.learning_window &&
		      cfg.max_sessions == d.max_sessions && cfg.log_level == d.log_level &&
		      !cfg.ifaces[0].latch, "values differ from the defaults");
		CHECK(cfg.allowlist == d.allowlist && !strcmp(cfg.allowlist_table, d.allowlist_table) &&
		      cfg.allowlist_max == d.allowlist_max && !cfg.catalogue[0],
		      "allowlist keys differ from the defaults");
		CHECK(cfg.n_regions == 1 && cfg.regions[0].catalogued && cfg.regions[0].n_sbc == 2,
		      "the sample's [region vapi-us] is not filled from the catalogue");
		CASE_END();
	}

	CASE_BEGIN("config_load on a missing file");
	CHECK(config_load("/nonexistent/rtpedge.conf", &cfg, err, sizeof(err)) == -1, "loaded");
	CHECK(!strcmp(err, "/nonexistent/rtpedge.conf:0: cannot open: No such file or directory"),
	      "message: %s", err);
	CASE_END();

	CASE_BEGIN("config_load: line numbers from a file, NUL byte refused");
	fd = mkstemp(tmpl);
	CHECK(fd >= 0, "mkstemp");
	if (fd >= 0) {
		char want[128];
		static const char text[] = MINI "[relay]\nport_min = x\n";

		CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1, "write");
		CHECK(config_load(tmpl, &cfg, err, sizeof(err)) == -1, "loaded");
		snprintf(want, sizeof(want), "%s:5: port_min: \"x\" is not a port number", tmpl);
		CHECK(!strncmp(err, want, strlen(want)), "message: %s", err);
		CHECK(write(fd, "\0x\n", 3) == 3, "write");
		CHECK(config_load(tmpl, &cfg, err, sizeof(err)) == -1, "loaded");
		snprintf(want, sizeof(want), "%s:6: NUL byte", tmpl);
		CHECK(!strncmp(err, want, strlen(want)), "message: %s", err);
		close(fd);
		unlink(tmpl);
	}
	CASE_END();

	CASE_BEGIN("a failed parse leaves the caller's config untouched");
	config_parse_string("t.conf", MINI "[relay]\nport_min = 40010\n", &cfg, err, sizeof(err));
	CHECK(cfg.port_min == 40010, "setup: %s", err);
	CHECK(config_parse_string("t.conf", MINI "[relay]\nport_min = 30000\nport_max = x\n", &cfg,
				  err, sizeof(err)) == -1, "parsed");
	CHECK(cfg.port_min == 40010, "port_min changed to %u", cfg.port_min);
	CASE_END();
}

struct bad_case {
	const char *name, *text;
	const char *prefix; /* exact start: "t.conf:LINE: ..." */
	const char *part;   /* and a distinctive part of the message */
};

#define LONG50 "0123456789012345678901234567890123456789012345678"
#define TWO_IFACES MINI "[interface b]\ndevice = eth1\naddress = 10.0.0.1\n"
#define TRUNK "[trunk pbx]\naddresses = 198.51.100.7\ntarget = 198.51.100.7:5060\n"

static const struct bad_case bad[] = {
	{ "unknown section", MINI "[bogus]\n", "t.conf:4: unknown section [bogus]", "[trunk NAME]" },
	{ "unknown key", "[relay]\nfoo = 1\n" MINI, "t.conf:2: unknown key \"foo\" in [relay]",
	  "valid: control_socket," },
	{ "duplicate key", "[relay]\nport_min = 40000\nport_min = 40010\n" MINI,
	  "t.conf:3: port_min: duplicate key in [relay]", "(first at line 2)" },
	{ "duplicate named section", MINI "[interface public]\n",
	  "t.conf:4: duplicate section [interface public]", "(first at line 1)" },
	{ "duplicate [relay]", "[relay]\n[relay]\n" MINI, "t.conf:2: duplicate section [relay]",
	  "first at line 1" },
	{ "bad port", "[relay]\nport_min = 4000x\n" MINI,
	  "t.conf:2: port_min: \"4000x\" is not a port number (1-65535)", "" },
	{ "port 0 and 65536", "[relay]\nport_max = 65536\n" MINI,
	  "t.conf:2: port_max: \"65536\" is not a port number", "" },
	{ "port range inverted", "[relay]\nport_min = 50000\nport_max = 40000\n" MINI,
	  "t.conf:3: port_min 50000 must be below port_max 40000", "" },
	{ "port range with no pair", "[relay]\nport_min = 40001\nport_max = 40002\n" MINI,
	  "t.conf:3: port range 40001-40002 holds no even/odd pair", "RTCP" },
	{ "bad xdp_mode", "[relay]\nxdp_mode = fast\n" MINI,
	  "t.conf:2: xdp_mode: \"fast\" is not one of auto, native, generic, off", "" },
	{ "bad srtp_crypto", "[relay]\nsrtp_crypto = gnutls\n" MINI,
	  "t.conf:2: srtp_crypto: \"gnutls\" is not one of openssl, nss", "" },
	{ "bad log_level", "[relay]\nlog_level = loud\n" MINI,
	  "t.conf:2: log_level: \"loud\" is not one of error, warning, info, debug", "" },
	{ "bad bool", MINI "latch = maybe\n", "t.conf:4: latch: \"maybe\" is not a boolean",
	  "yes/no" },
	{ "bad address", "[interface a]\ndevice = eth0\naddress = 203.0.113\n",
	  "t.conf:3: address: \"203.0.113\" is not a unicast IPv4 address", "" },
	{ "wildcard address for an interface", "[interface a]\ndevice = eth0\naddress = 0.0.0.0\n",
	  "t.conf:3: address: \"0.0.0.0\" is not a unicast", "" },
	{ "bad CIDR", MINI "[trunk t]\naddresses = 198.51.100.7/33\n",
	  "t.conf:5: addresses: \"198.51.100.7/33\" is not an IPv4 CIDR", "" },
	{ "CIDR host bits", MINI "[trunk t]\naddresses = 10.0.0.0/8, 198.51.100.7/24\n",
	  "t.conf:5: addresses: 198.51.100.7/24 has host bits set",
	  "did you mean 198.51.100.0/24?" },
	{ "missing device", "[interface a]\naddress = 1.2.3.4\n",
	  "t.conf:1: [interface a]: device is required", "" },
	{ "missing address", "[interface a]\ndevice = eth0\n[relay]\n",
	  "t.conf:1: [interface a]: address is required", "" },
	{ "region names an undefined interface", MINI "[region lab]\ninterface = pub\n",
	  "t.conf:5: interface: \"pub\" is not a defined [interface]", "(defined: public)" },
	{ "trunk names an undefined interface", MINI TRUNK "interface = internal\n[region r]\n",
	  "t.conf:7: interface: \"internal\" is not a defined [interface]", "" },
	{ "trunk names an undefined region", MINI "[region lab]\n" TRUNK "region = nowhere\n",
	  "t.conf:8: region: \"nowhere\" is not a defined [region]", "(defined: lab)" },
	{ "trunk without region and no [region]", MINI TRUNK,
	  "t.conf:4: [trunk pbx]: region is required", "0 [region] sections" },
	{ "region without interface among several", TWO_IFACES "[region r]\nsbc = 192.0.2.1\n",
	  "t.conf:7: [region r]: interface is required", "2 [interface] sections" },
	{ "no interface at all", "[relay]\nport_min = 40000\n",
	  "t.conf:0: no [interface NAME] section", "" },
	{ "empty file", "", "t.conf:0: no [interface NAME] section", "" },
	{ "duplicate interface address", MINI "[interface b]\ndevice = eth1\naddress = 203.0.113.5\n",
	  "t.conf:6: address: 203.0.113.5 is already the address of [interface public]",
	  "(line 1)" },
	{ "tls without cert", MINI "[sip]\nlisten = udp:0.0.0.0:5060, tls:0.0.0.0:5061\n",
	  "t.conf:5: listen: tls needs tls_cert and tls_key", "" },
	{ "region over tls without a tls listener", MINI "[sip]\nlisten = udp:0.0.0.0:5060\n"
	  "[region lab]\nsbc = 192.0.2.1\ntransport = tls\n",
	  "t.conf:6: [region lab]: transport tls needs a tls listen address in [sip]", "" },
	{ "trunk over tls without a tls listener", MINI "[sip]\nlisten = udp:0.0.0.0:5060\n"
	  "[region lab]\nsbc = 192.0.2.1\n[trunk pbx]\naddresses = 192.0.2.9\n"
	  "target = 192.0.2.9:5061\ntransport = tls\n",
	  "t.conf:8: [trunk pbx]: transport tls needs a tls listen address in [sip]", "" },
	{ "bad sip transport", MINI "[sip]\nlisten = sctp:0.0.0.0:5060\n",
	  "t.conf:5: listen: transport \"sctp\" is not udp, tcp or tls", "" },
	{ "udp_buffer_kb too big", MINI "[sip]\nlisten = udp:0.0.0.0:5060\nudp_buffer_kb = 1048577\n",
	  "t.conf:6: udp_buffer_kb: \"1048577\" is not a number of KiB", "(0-1048576)" },
	{ "sip listen trailing comma", MINI "[sip]\nlisten = udp:0.0.0.0:5060,\n",
	  "t.conf:5: listen: \"udp:0.0.0.0:5060,\" has an empty or overlong item", "" },
	{ "relative pin_path", "[relay]\npin_path = bpf/rtpedge\n" MINI,
	  "t.conf:2: pin_path: \"bpf/rtpedge\" is not an absolute path", "" },
	{ "relative state_file", "[relay]\nstate_file = state.json\n" MINI,
	  "t.conf:2: state_file: \"state.json\" is not an absolute path", "" },
	{ "socket path too long", "[relay]\ncontrol_socket = /" LONG50 LONG50 LONG50 "\n" MINI,
	  "t.conf:2: control_socket: path is 148 characters long, the limit is 107", "" },
	{ "hold_timeout below session_timeout",
	  "[relay]\nsession_timeout = 120\nhold_timeout = 60\n" MINI,
	  "t.conf:3: hold_timeout 60 must not be below session_timeout 120", "" },
	{ "empty value", "[interface a]\ndevice =\n",
	  "t.conf:2: device: empty value: expected a network device name", "" },
	{ "trailing garbage after a number", "[relay]\nport_min = 40000 x\n" MINI,
	  "t.conf:2: port_min: \"40000 x\" is not a port number", "" },
	{ "unit after a duration", "[relay]\nsession_timeout = 60s\n" MINI,
	  "t.conf:2: session_timeout: \"60s\" is not a whole number of seconds (1-86400)", "" },
	{ "max_sessions out of range", "[relay]\nmax_sessions = 10000001\n" MINI,
	  "t.conf:2: max_sessions: \"10000001\" is not a number (1-10000000)", "" },
	{ "workers out of range", "[relay]\nworkers = 65\n" MINI,
	  "t.conf:2: workers: \"65\" is not a number of threads (0-64)", "" },
	{ "metrics_listen without port", "[relay]\nmetrics_listen = 127.0.0.1\n" MINI,
	  "t.conf:2: metrics_listen: \"127.0.0.1\" is not IP:PORT", "" },
	{ "key outside any section", "port_min = 40000\n" MINI,
	  "t.conf:1: \"port_min\" is outside any section", "" },
	{ "text after a section header", MINI "[relay] x = 1\n",
	  "t.conf:4: text after the section header", "" },
	{ "section header without ]", MINI "[relay\n",
	  "t.conf:4: section header without a closing ']'", "" },
	{ "line without =", MINI "just some words\n",
	  "t.conf:4: expected \"key = value\", a [section] or a comment", "" },
	{ "line too long for inih", MINI "latch = " LONG50 LONG50 LONG50 LONG50 "\n",
	  "t.conf:4: line is longer than 198 characters", "" },
	{ "named section without a name", "[interface]\n",
	  "t.conf:1: [interface] needs a name: [interface NAME]", "" },
	{ "[relay] with a name", "[relay main]\n", "t.conf:1: [relay] takes no name", "" },
	{ "bad section name", "[interface pub/lic]\n", "t.conf:1: [interface pub/lic]: a name has",
	  "" },
	{ "trunk without target", MINI "[region r]\n[trunk t]\naddresses = 10.0.0.0/8\n",
	  "t.conf:5: [trunk t]: target is required", "" },
	{ "sbc listed twice", MINI "[region r]\nsbc = 192.0.2.1, 192.0.2.1\n",
	  "t.conf:5: sbc: 192.0.2.1 is listed twice", "" },
	{ "control character", MINI "[relay]\nlog_level = info\x01\n",
	  "t.conf:5: control character 0x01", "" },
	{ "device name too long", "[interface a]\ndevice = averyveryverylongname\n",
	  "t.conf:2: device: \"averyveryverylongname\" is not a network device name", "" },
	{ "control_group with a space", "[relay]\ncontrol_group = wheel staff\n" MINI,
	  "t.conf:2: control_group: \"wheel staff\" is not a group name", "" },
	{ "[sip] without listen", MINI "[sip]\ntls_key = /k.pem\n",
	  "t.conf:4: [sip]: listen is required", "" },
	{ "numbers with a space inside", MINI "[region r]\nsbc = 192.0.2.1\n" TRUNK
	  "numbers = +1 555\n", "t.conf:9: numbers: \"+1 555\" is not a number prefix", "" },
	{ "two default trunks in a region", MINI "[region r]\nsbc = 192.0.2.1\n" TRUNK
	  "[trunk b]\naddresses = 10.0.0.0/8\ntarget = 10.0.0.1:5060\n",
	  "t.conf:9: [trunk b]: [trunk pbx] already takes the calls of region r", "numbers = ..." },
	{ "one prefix in two trunks of a region", MINI "[region r]\nsbc = 192.0.2.1\n" TRUNK
	  "numbers = +1555\n[trunk b]\naddresses = 10.0.0.0/8\ntarget = 10.0.0.1:5060\n"
	  "numbers = +1666, +1555\n",
	  "t.conf:10: [trunk b]: numbers +1555 is also a prefix of [trunk pbx]", "" },
	{ "allowlist_max 0", "[relay]\nallowlist_max = 0\n" MINI,
	  "t.conf:2: allowlist_max: \"0\" is not a number of ranges (1-65536)", "" },
	{ "allowlist_table with a space", "[relay]\nallowlist_table = rtp edge\n" MINI,
	  "t.conf:2: allowlist_table: \"rtp edge\" is not an nftables table name", "" },
	{ "allowlist not a boolean", "[relay]\nallowlist = maybe\n" MINI,
	  "t.conf:2: allowlist: \"maybe\" is not a boolean", "" },
	{ "srtp not no or sdes", MINI "[region r]\nsbc = 192.0.2.1\nsrtp = dtls\n",
	  "t.conf:6: srtp: \"dtls\" is not one of no, sdes", "" },
	{ "catalogue relative", "[relay]\ncatalogue = regions.conf\n" MINI,
	  "t.conf:2: catalogue: \"regions.conf\" is not an absolute path", "" },
};

static void test_bad(void)
{
	static struct rtpe_cfg cfg;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_case *t = &bad[i];
		int r;

		err[0] = '\0';
		r = config_parse_string("t.conf", t->text, &cfg, err, sizeof(err));
		CASE_BEGIN(t->name);
		CHECK(r == -1, "parsed without error");
		CHECK(!strncmp(err, t->prefix, strlen(t->prefix)), "got \"%s\", want \"%s...\"", err,
		      t->prefix);
		CHECK(strstr(err, t->part), "\"%s\" lacks \"%s\"", err, t->part);
		CASE_END();
	}
}

int main(void)
{
	test_example();
	test_defaults();
	test_every_key();
	test_files();
	test_bad();
	CHECK_EXIT();
}
