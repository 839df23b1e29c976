// SPDX-License-Identifier: GPL-2.0
/*
 * test_nft.c - the allowlist's nftables table, in a network namespace of
 * its own (unshare: root needed): ranges merged as an interval set needs
 * them; the table built in one batch and read back through netlink and
 * through `nft -j list table`; SIP on loopback from an allowed source
 * received, from another dropped and counted, other ports untouched; an
 * element update in one batch (the table itself unchanged); batches the
 * kernel refuses (a set over its size, in an update and in a replacement)
 * leaving the old ruleset as it was; the allowlist object: elements with
 * their origins (a catalogue region expanded), runtime additions kept in
 * their file and back after a restart with exactly one table, reload,
 * the table deleted when the allowlist is turned off.
 */
#include "check.h"
#include "netns_fixture.h"
#include "core/config.h"
#include "core/log.h"
#include "nft/allowlist.h"
#include "nft/nft_table.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <sys/socket.h>

static struct prefix pfx(const char *s)
{
	struct prefix p;

	if (prefix_parse(s, &p))
		fprintf(stderr, "test_nft: bad prefix %s\n", s);
	return p;
}

/* "lo-hi,lo-hi" of r, for messages and comparisons. */
static const char *ranges_str(const struct nft_ranges *r, char *buf, size_t len)
{
	size_t off = 0;
	int af = r->family;

	buf[0] = '\0';
	for (int i = 0; i < r->n && off < len; i++) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		inet_ntop(af, r->r[i].lo, a, sizeof(a));
		inet_ntop(af, r->r[i].hi, b, sizeof(b));
		off += (size_t)snprintf(buf + off, len - off, "%s%s-%s", i ? "," : "", a, b);
	}
	return buf;
}

static int build_ranges(const char *const *list, uint8_t family, struct nft_ranges *out)
{
	struct prefix p[16];
	int n = 0;

	for (; list[n]; n++)
		p[n] = pfx(list[n]);
	memset(out, 0, sizeof(*out));
	return nft_ranges_build(p, n, family, out);
}

static void test_ranges(void)
{
	static const char *const v4[] = { "10.0.0.0/8", "10.1.0.0/16", "11.0.0.0/8", "192.0.2.2",
					   "192.0.2.1", "255.255.255.255", "198.51.100.0/24",
					   "198.51.100.128/25", NULL };
	static const char *const v6[] = { "2001:db8::/32", "2001:db9::/32", "::1", NULL };
	struct nft_ranges r4, r6;
	char buf[512];
	struct prefix q;

	CASE_BEGIN("nft: prefixes merge into sorted ranges that neither overlap nor touch");
	CHECK(!build_ranges(v4, AF_INET, &r4) && !build_ranges(v6, AF_INET6, &r6), "build");
	ranges_str(&r4, buf, sizeof(buf));
	CHECK(!strcmp(buf, "10.0.0.0-11.255.255.255,192.0.2.1-192.0.2.2,198.51.100.0-198.51.100.255,"
		      "255.255.255.255-255.255.255.255"), "v4: %s", buf);
	ranges_str(&r6, buf, sizeof(buf));
	CHECK(!strcmp(buf, "::1-::1,2001:db8::-2001:db9:ffff:ffff:ffff:ffff:ffff:ffff"), "v6: %s", buf);
	q = pfx("10.200.0.0/16");
	CHECK(nft_ranges_cover(&r4, &q), "10.200.0.0/16 not covered");
	q = pfx("192.0.2.0/31");
	CHECK(!nft_ranges_cover(&r4, &q), "192.0.2.0/31 covered");
	q = pfx("2001:db8::/31");
	CHECK(nft_ranges_cover(&r6, &q) && !nft_ranges_cover(&r4, &q), "2001:db8::/31");
	nft_ranges_free(&r4);
	nft_ranges_free(&r6);
	CASE_END();

	CASE_BEGIN("nft: prefix parse and print");
	CHECK(prefix_parse("198.51.100.7/24", &q) == PREFIX_HOST_BITS &&
	      !strcmp(prefix_str(&q, buf, sizeof(buf)), "198.51.100.0/24"), "host bits: %s", buf);
	CHECK(prefix_parse("2001:DB8::/32", &q) == PREFIX_OK &&
	      !strcmp(prefix_str(&q, buf, sizeof(buf)), "2001:db8::/32"), "v6: %s", buf);
	CHECK(prefix_parse("1.2.3.4", &q) == PREFIX_OK && q.len == 32, "bare address");
	CHECK(prefix_parse("1.2.3.4/", &q) == PREFIX_SYNTAX && prefix_parse("1.2.3.4/-1", &q) &&
	      prefix_parse("1.2.3.4/33", &q) && prefix_parse("::/129", &q) &&
	      prefix_parse("x/8", &q) && prefix_parse("/8", &q) && prefix_parse("1.2.3.4/0x8", &q),
	      "bad ones accepted");
	CASE_END();
}

/* ---- packets on loopback ------------------------------------------------------- */

static int udp_bound(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	inet_pton(AF_INET, ip, &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Sends one datagram from src to 127.0.0.1:port; 1 when rx got it. */
static int udp_passes(int rx, const char *src, int port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pollfd p = { .fd = rx, .events = POLLIN };
	int tx = udp_bound(src, 0), got = 0;
	char buf[16];

	if (tx < 0)
		return -1;
	sendto(tx, "SIP", 3, 0, (struct sockaddr *)&to, sizeof(to));
	if (poll(&p, 1, 200) == 1)
		got = recv(rx, buf, sizeof(buf), 0) == 3;
	close(tx);
	return got;
}

/* ---- nft -j list ---------------------------------------------------------------- */

/* `nft -j list table inet NAME` parsed, or NULL. */
static struct json_object *nft_json(const char *table)
{
	char cmd[128], buf[65536];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nft -j list table inet %s 2>/dev/null", table);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	pclose(f);
	buf[n] = '\0';
	return json_tokener_parse(buf);
}

/* The object of kind ("set", "chain", "counter", "table") called name. */
static struct json_object *nft_obj(struct json_object *j, const char *kind, const char *name)
{
	struct json_object *a, *o, *v;

	if (!json_object_object_get_ex(j, "nftables", &a))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(a, i), kind, &o) &&
		    json_object_object_get_ex(o, "name", &v) &&
		    !strcmp(json_object_get_string(v), name))
			return o;
	return NULL;
}

static int nft_rules(struct json_object *j, const char *chain)
{
	struct json_object *a, *o, *v;
	int n = 0;

	if (!json_object_object_get_ex(j, "nftables", &a))
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		n += json_object_object_get_ex(json_object_array_get_idx(a, i), "rule", &o) &&
		     json_object_object_get_ex(o, "chain", &v) &&
		     !strcmp(json_object_get_string(v), chain);
	return n;
}

/* A set's elements as nft prints them: "a.b.c.d" or "a.b.c.d/len", joined. */
static const char *nft_elems(struct json_object *set, char *buf, size_t len)
{
	struct json_object *el, *p, *addr, *plen;
	size_t off = 0;

	buf[0] = '\0';
	if (!set || !json_object_object_get_ex(set, "elem", &el))
		return buf;
	for (size_t i = 0; i < json_object_array_length(el) && off < len; i++) {
		struct json_object *e = json_object_array_get_idx(el, i);

		if (json_object_object_get_ex(e, "prefix", &p) &&
		    json_object_object_get_ex(p, "addr", &addr) &&
		    json_object_object_get_ex(p, "len", &plen))
			off += (size_t)snprintf(buf + off, len - off, "%s%s/%d", i ? "," : "",
						json_object_get_string(addr), json_object_get_int(plen));
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
						json_object_get_string(e));
	}
	return buf;
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* ---- the table -------------------------------------------------------------------- */

static void shape_t1(struct nft_shape *sh, unsigned max)
{
	memset(sh, 0, sizeof(*sh));
	snprintf(sh->table, sizeof(sh->table), "t1");
	nft_comment(sh->comment, "/tmp/test_nft.sock");
	sh->ports[0] = (struct nft_sip_port){ IPPROTO_UDP, 5060, { 0 } };
	sh->ports[1] = (struct nft_sip_port){ IPPROTO_TCP, 5061, { htonl(INADDR_LOOPBACK) } };
	sh->n_ports = 2;
	sh->max = max;
}

/* The kernel's sets of t1 as text. */
static void read_back(struct nft_sock *s, char *b4, char *b6, size_t len)
{
	struct nft_ranges k4 = { 0 }, k6 = { 0 };

	snprintf(b4, len, "(unreadable)");
	snprintf(b6, len, "(unreadable)");
	if (!nft_table_read_set(s, "t1", AF_INET, &k4))
		ranges_str(&k4, b4, len);
	if (!nft_table_read_set(s, "t1", AF_INET6, &k6))
		ranges_str(&k6, b6, len);
	nft_ranges_free(&k4);
	nft_ranges_free(&k6);
}

static void test_build(struct nft_sock *s, struct nft_shape *sh, int rx)
{
	static const char *const a4[] = { "127.0.0.2", "10.0.0.0/8", NULL };
	static const char *const a6[] = { "2001:db8::/32", NULL };
	struct nft_counter start = { 5, 300 }, c;
	struct nft_ranges r4, r6;
	struct json_object *j;
	char err[512] = "", b4[512], b6[512], found[NFT_COMMENT_LEN];
	enum nft_owner owner;

	CASE_BEGIN("nft: the table built in one batch reads back through netlink");
	build_ranges(a4, AF_INET, &r4);
	build_ranges(a6, AF_INET6, &r6);
	CHECK(!nft_table_build(s, sh, false, NULL, &r4, &r6, &start, err, sizeof(err)), "%s", err);
	CHECK(!nft_table_probe(s, "t1", sh->comment, &owner, found, err, sizeof(err)) &&
	      owner == NFT_OURS, "probe: %d %s", owner, err);
	CHECK(!nft_table_probe(s, "t1", "managed by rtpedged: another", &owner, found, err,
			       sizeof(err)) && owner == NFT_FOREIGN && !strcmp(found, sh->comment),
	      "another daemon's comment: %d %s", owner, found);
	read_back(s, b4, b6, sizeof(b4));
	CHECK(!strcmp(b4, "10.0.0.0-10.255.255.255,127.0.0.2-127.0.0.2"), "v4 %s", b4);
	CHECK(!strcmp(b6, "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), "v6 %s", b6);
	CHECK(!nft_table_counter(s, "t1", &c) && c.packets == 5 && c.bytes == 300,
	      "counter %llu/%llu", (unsigned long long)c.packets, (unsigned long long)c.bytes);
	CASE_END();

	CASE_BEGIN("nft: nft -j list table inet t1 shows the same table");
	j = nft_json("t1");
	CHECK(j, "nft -j list table inet t1 gave no JSON");
	CHECK(!strcmp(nft_elems(nft_obj(j, "set", "allow4"), b4, sizeof(b4)), "10.0.0.0/8,127.0.0.2"),
	      "allow4: %s", b4);
	CHECK(!strcmp(nft_elems(nft_obj(j, "set", "allow6"), b6, sizeof(b6)), "2001:db8::/32"),
	      "allow6: %s", b6);
	CHECK(jint(nft_obj(j, "set", "allow4"), "size") == 2 * 8 + 1, "size");
	CHECK(jint(nft_obj(j, "chain", "prerouting"), "prio") == -300 &&
	      !strcmp(json_object_get_string(json_object_object_get(nft_obj(j, "chain", "prerouting"),
								    "hook")), "prerouting"),
	      "prerouting chain: hook prerouting, priority raw");
	CHECK(nft_rules(j, "prerouting") == 2 && nft_rules(j, "sip4") == 2 && nft_rules(j, "sip6") == 2,
	      "rules %d %d %d", nft_rules(j, "prerouting"), nft_rules(j, "sip4"), nft_rules(j, "sip6"));
	CHECK(jint(nft_obj(j, "counter", "sip_dropped"), "packets") == 5, "counter");
	json_object_put(j);
	CASE_END();

	CASE_BEGIN("nft: SIP from an allowed source passes, from another is dropped and counted");
	CHECK(udp_passes(rx, "127.0.0.2", 5060) == 1, "127.0.0.2 (allowed) did not get through");
	CHECK(udp_passes(rx, "127.0.0.3", 5060) == 0, "127.0.0.3 got through");
	CHECK(udp_passes(rx, "127.0.0.3", 5060) == 0, "127.0.0.3 got through");
	CHECK(!nft_table_counter(s, "t1", &c) && c.packets == 7, "counter %llu, want 7",
	      (unsigned long long)c.packets);
	CASE_END();
	nft_ranges_free(&r4);
	nft_ranges_free(&r6);
}

static void test_update(struct nft_sock *s, struct nft_shape *sh, int rx, int rx_other)
{
	static const char *const a4[] = { "127.0.0.3", "10.0.0.0/8", NULL };
	struct nft_ranges r4, r6 = { AF_INET6, 0, NULL }, big;
	struct json_object *j;
	struct nft_counter c, zero = { 0 };
	char err[512] = "", b4[512], b6[512];
	struct prefix many[40];
	int64_t handle;

	for (int i = 0; i < 40; i++) {
		char a[24];

		snprintf(a, sizeof(a), "1.0.%d.1", i);
		many[i] = pfx(a);
	}
	j = nft_json("t1");
	handle = jint(nft_obj(j, "table", "t1"), "handle");
	json_object_put(j);
	CASE_BEGIN("nft: an element update is one batch; the table stays (same handle)");
	build_ranges(a4, AF_INET, &r4);
	CHECK(!nft_table_set_elements(s, "t1", &r4, &r6, err, sizeof(err)), "%s", err);
	read_back(s, b4, b6, sizeof(b4));
	CHECK(!strcmp(b4, "10.0.0.0-10.255.255.255,127.0.0.3-127.0.0.3") && !b6[0], "%s / %s", b4, b6);
	CHECK(udp_passes(rx, "127.0.0.3", 5060) == 1, "127.0.0.3 now allowed: dropped");
	CHECK(udp_passes(rx, "127.0.0.2", 5060) == 0, "127.0.0.2 now dropped: got through");
	CHECK(udp_passes(rx_other, "127.0.0.2", 5070) == 1, "another port: dropped");
	j = nft_json("t1");
	CHECK(jint(nft_obj(j, "table", "t1"), "handle") == handle, "the table was replaced");
	json_object_put(j);
	CASE_END();

	CASE_BEGIN("nft: a batch the kernel refuses changes nothing (update, then replacement)");
	/* 40 ranges: the sets' size (17) refuses them on any kernel */
	memset(&big, 0, sizeof(big));
	CHECK(!nft_ranges_build(many, 40, AF_INET, &big) && big.n == 40, "40 ranges");
	CHECK(nft_table_set_elements(s, "t1", &big, &r6, err, sizeof(err)) == -ENFILE,
	      "accepted: %s", err);
	CHECK(strstr(err, "the kernel refused to add 81 elements to set allow4 of table inet t1: "),
	      "message: %s", err);
	read_back(s, b4, b6, sizeof(b4));
	CHECK(!strcmp(b4, "10.0.0.0-10.255.255.255,127.0.0.3-127.0.0.3"), "after update: %s", b4);
	CHECK(nft_table_build(s, sh, true, NULL, &big, &r6, &zero, err, sizeof(err)) == -ENFILE,
	      "replacement accepted: %s", err);
	read_back(s, b4, b6, sizeof(b4));
	CHECK(!strcmp(b4, "10.0.0.0-10.255.255.255,127.0.0.3-127.0.0.3"), "after replacement: %s",
	      b4);
	CHECK(!nft_table_counter(s, "t1", &c) && c.packets == 8, "counter %llu",
	      (unsigned long long)c.packets);
	j = nft_json("t1");
	CHECK(jint(nft_obj(j, "table", "t1"), "handle") == handle, "the table was replaced");
	json_object_put(j);
	CASE_END();

	CASE_BEGIN("nft: delete");
	CHECK(!nft_table_delete(s, "t1", err, sizeof(err)), "%s", err);
	CHECK(nft_table_counter(s, "t1", &c) == -ENOENT, "still there");
	CHECK(!nft_table_delete(s, "t1", err, sizeof(err)), "deleting twice: %s", err);
	CHECK(udp_passes(rx, "127.0.0.2", 5060) == 1, "without the table SIP flows");
	CASE_END();
	nft_ranges_free(&r4);
	nft_ranges_free(&big);
}

/* ---- the allowlist ------------------------------------------------------------------ */

static char dir[64];

static int load_cfg(struct rtpe_cfg *cfg, const char *trunk, const char *extra)
{
	char text[2048], err[512];

	snprintf(text, sizeof(text),
		 "[relay]\ncontrol_socket = %s/ctl.sock\nstate_file = %s/state.json\n%s"
		 "[interface lo]\ndevice = lo\naddress = 127.0.0.1\n"
		 "[sip]\nlisten = udp:127.0.0.1:5060\n"
		 "[region vapi-us]\n[region lab]\nsbc = 127.0.0.2\n"
		 "[trunk t]\naddresses = %s\ntarget = 127.0.0.9:5060\nregion = lab\n",
		 dir, dir, extra, trunk);
	if (config_parse_string("t.conf", text, cfg, err, sizeof(err))) {
		fprintf(stderr, "test_nft: %s\n", err);
		return -1;
	}
	return 0;
}

/* "cidr origin|cidr origin" of the allowlist, each with * when not in the kernel. */
static const char *elems_str(struct allowlist *al, char *buf, size_t len)
{
	const struct al_elem *e;
	int n = allowlist_elements(al, &e);
	bool k[32] = { false };
	size_t off = 0;
	char p[PREFIX_STRLEN];

	if (n > 32 || allowlist_in_kernel(al, k))
		memset(k, 0, sizeof(k));
	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s%s", i ? "|" : "",
					prefix_str(&e[i].p, p, sizeof(p)), e[i].origin, k[i] ? "" : "*");
	return buf;
}

static int tables_named(void)
{
	struct json_object *j = NULL, *a;
	char buf[8192];
	FILE *f = popen("nft -j list tables 2>/dev/null", "r");
	int n = 0;
	size_t len;

	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	pclose(f);
	buf[len] = '\0';
	j = json_tokener_parse(buf);
	if (json_object_object_get_ex(j, "nftables", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			n += json_object_object_get_ex(json_object_array_get_idx(a, i), "table", NULL);
	json_object_put(j);
	return n;
}

static void test_allowlist(void)
{
	static struct rtpe_cfg cfg;
	struct allowlist *al = NULL;
	struct prefix p = pfx("203.0.113.0/24");
	char err[512] = "", buf[1024], path[128], file[512] = "";
	FILE *f;

	CASE_BEGIN("allowlist: regions (a catalogue one expanded), trunks, their origins, in the kernel");
	CHECK(!load_cfg(&cfg, "10.0.0.0/8", ""), "config");
	CHECK(!allowlist_start(&al, &cfg, NULL, err, sizeof(err)), "%s", err);
	CHECK(allowlist_active(al, NULL), "not active");
	CHECK(!strcmp(elems_str(al, buf, sizeof(buf)),
		      "44.229.228.186/32 region vapi-us|44.238.177.138/32 region vapi-us|"
		      "127.0.0.2/32 region lab|10.0.0.0/8 trunk t"), "%s", buf);
	CASE_END();

	CASE_BEGIN("allowlist: runtime add and del, kept in STATE_FILE.allowlist");
	CHECK(allowlist_add(al, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(allowlist_add(al, &p, err, sizeof(err)) == 1, "added twice");
	p = pfx("10.0.0.0/8");
	CHECK(allowlist_del(al, &p, err, sizeof(err)) == -1 &&
	      strstr(err, "10.0.0.0/8 comes from trunk t"), "%s", err);
	p = pfx("2001:db8::/32");
	CHECK(allowlist_add(al, &p, err, sizeof(err)) == 0, "%s", err);
	snprintf(path, sizeof(path), "%s/state.json.allowlist", dir);
	f = fopen(path, "r");
	if (f) {
		file[fread(file, 1, sizeof(file) - 1, f)] = '\0';
		fclose(f);
	}
	CHECK(strstr(file, "\n203.0.113.0/24\n2001:db8::/32\n"), "file: %s", file);
	CHECK(strstr(elems_str(al, buf, sizeof(buf)), "|203.0.113.0/24 runtime|2001:db8::/32 runtime") &&
	      !strchr(buf, '*'), "%s", buf);
	CHECK(allowlist_del(al, &p, err, sizeof(err)) == 0, "%s", err);
	CASE_END();

	CASE_BEGIN("allowlist: a restart finds its table, keeps one, and the runtime additions");
	allowlist_stop(al, false);
	CHECK(tables_named() == 1, "%d tables after a stop", tables_named());
	CHECK(!allowlist_start(&al, &cfg, NULL, err, sizeof(err)), "%s", err);
	CHECK(tables_named() == 1, "%d tables", tables_named());
	CHECK(strstr(elems_str(al, buf, sizeof(buf)), "10.0.0.0/8 trunk t|203.0.113.0/24 runtime") &&
	      !strchr(buf, '*') && !strstr(buf, "2001"), "%s", buf);
	CASE_END();

	CASE_BEGIN("allowlist: reload changes the elements; allowlist = no deletes the table");
	CHECK(!load_cfg(&cfg, "10.9.0.0/16", ""), "config");
	CHECK(!allowlist_reload(al, &cfg, err, sizeof(err)), "%s", err);
	CHECK(strstr(elems_str(al, buf, sizeof(buf)), "10.9.0.0/16 trunk t|203.0.113.0/24 runtime") &&
	      !strchr(buf, '*'), "%s", buf);
	CHECK(!load_cfg(&cfg, "10.9.0.0/16", "allowlist_max = 2\n"), "config");
	CHECK(allowlist_reload(al, &cfg, err, sizeof(err)) == -1 &&
	      !strcmp(err, "allowlist: 5 IPv4 and 0 IPv6 ranges: more than allowlist_max = 2 of one family"),
	      "%s", err);
	CHECK(allowlist_active(al, NULL) && !strchr(elems_str(al, buf, sizeof(buf)), '*'),
	      "refused reload changed the table: %s", buf);
	CHECK(!load_cfg(&cfg, "10.9.0.0/16", "allowlist = no\n"), "config");
	CHECK(!allowlist_reload(al, &cfg, err, sizeof(err)), "%s", err);
	CHECK(!allowlist_active(al, NULL) && tables_named() == 0, "%d tables", tables_named());
	p = pfx("198.51.100.0/24");
	CHECK(allowlist_add(al, &p, err, sizeof(err)) == -1 && strstr(err, "off (allowlist = no)"),
	      "%s", err);
	allowlist_stop(al, true);
	unlink(path);
	CASE_END();
}

int main(void)
{
	struct nft_shape sh;
	struct nft_sock *s = NULL;
	char err[256];
	int rx, rx_other;

	test_ranges();
	if (geteuid() || unshare(CLONE_NEWNET) || lo_up()) {
		CASE_SKIP("nft: the table", "needs root (a network namespace of its own)");
		CHECK_EXIT();
	}
	log_setup(true, LOG_LVL_ERR);
	snprintf(dir, sizeof(dir), "/tmp/test_nft.%d", (int)getpid());
	rx = udp_bound("127.0.0.1", 5060);
	rx_other = udp_bound("127.0.0.1", 5070);
	CASE_BEGIN("nft: setup");
	CHECK(rx >= 0 && rx_other >= 0, "sockets");
	CHECK(!nft_open(&s, err, sizeof(err)), "%s", err);
	CASE_END();
	if (s && rx >= 0 && rx_other >= 0) {
		shape_t1(&sh, 8);
		test_build(s, &sh, rx);
		test_update(s, &sh, rx, rx_other);
		test_allowlist();
	}
	nft_close(s);
	rmdir(dir);
	CHECK_EXIT();
}
