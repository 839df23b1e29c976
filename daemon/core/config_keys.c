// SPDX-License-Identifier: GPL-2.0
/*
 * config_keys.c - the configuration's keys: the table naming each key's
 * section, field, limits and messages, and the parsers of single values
 * (numbers, booleans, choices, addresses, paths, names, lists). A setter
 * checks one value and writes it into the field; checks that need other
 * keys or sections are config.c's.
 */
#include "core/config_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

static const char *const xdp_modes[] = { "auto", "native", "generic", "off", NULL };
static const char *const srtp_cryptos[] = { "openssl", "nss", NULL };
static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };
static const char *const transports[] = { "udp", "tcp", "tls", NULL };
static const char *const strategies[] = { "failover", "round-robin", NULL };
static const char *const srtp_modes[] = { "no", "sdes", NULL };

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* The first n characters of s as a dotted quad. */
static int parse_ip(const char *s, size_t n, struct in_addr *a)
{
	char ip[INET_ADDRSTRLEN];

	if (n >= sizeof(ip))
		return -1;
	memcpy(ip, s, n);
	ip[n] = '\0';
	return inet_pton(AF_INET, ip, a) == 1 ? 0 : -1;
}

/* An address a peer can send to: not 0.0.0.0, broadcast or multicast. */
static bool is_unicast(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h && h != 0xffffffffu && (h >> 28) != 0xe;
}

/* "IP:PORT" with the port in [minport, 65535]. */
static int parse_hostport(const char *s, unsigned long minport, struct in_addr *a,
			  uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	unsigned long p;

	if (!colon || parse_ip(s, (size_t)(colon - s), a) ||
	    parse_ulong(colon + 1, 65535, &p) || p < minport)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

bool cfg_valid_name(const char *s, size_t size)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

	return n && !s[n] && n < size;
}

static int choice_index(const char *const *choices, const char *v, size_t n)
{
	for (int i = 0; choices[i]; i++)
		if (strlen(choices[i]) == n && !strncmp(choices[i], v, n))
			return i;
	return -1;
}

static int set_num(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	unsigned long n;

	if (parse_ulong(v, k->max, &n) || n < k->min)
		return KEY_FAIL(c, k, "\"%s\" is not %s (%lu-%lu)", v, k->what, k->min, k->max);
	if (k->size == sizeof(uint16_t))
		*(uint16_t *)f = (uint16_t)n;
	else
		*(unsigned *)f = (unsigned)n;
	return 0;
}

static int set_bool(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*(bool *)f = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return BAD_VALUE(c, k, v);
}

/* One of k->choices: its index into an int field, or the word into a
 * char array (transport = udp). */
static int set_choice(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	int i = choice_index(k->choices, v, strlen(v));
	char list[64];

	if (i < 0) {
		cfg_join(list, sizeof(list), k->choices, MAX_KEYS);
		return KEY_FAIL(c, k, "\"%s\" is not one of %s", v, list);
	}
	if (k->base == B_CFG)
		*(int *)f = i;
	else
		snprintf(f, k->size, "%s", k->choices[i]);
	return 0;
}

static int set_unicast(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	if (parse_ip(v, strlen(v), f) || !is_unicast(*(struct in_addr *)f))
		return BAD_VALUE(c, k, v);
	return 0;
}

/* Two interfaces on one address could not tell their legs apart. */
static int set_iface_addr(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	struct in_addr *a = f;

	if (set_unicast(c, k, f, v))
		return -1;
	for (int i = 0; i < c->idx; i++)
		if (c->cfg.ifaces[i].address.s_addr == a->s_addr)
			return KEY_FAIL(c, k, "%s is already the address of [interface %s] (line %d)",
					v, c->cfg.ifaces[i].name, c->sect_line[S_IFACE][i]);
	return 0;
}

static int set_path(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	if (v[0] != '/')
		return KEY_FAIL(c, k, "\"%s\" is not an absolute path (it must start with /)", v);
	if (strlen(v) >= k->size)
		return KEY_FAIL(c, k, "path is %zu characters long, the limit is %zu",
				strlen(v), k->size - 1);
	memcpy(f, v, strlen(v) + 1);
	return 0;
}

/* A user name or password: printable, no space, shorter than the field. */
static int set_secret(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	size_t n = strlen(v);

	if (!n || n >= k->size)
		return KEY_FAIL(c, k, "is empty or longer than %zu characters", k->size - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f)
			return KEY_FAIL(c, k, "holds a space or a control character");
	memcpy(f, v, n + 1);
	return 0;
}

/* auth_password_file: the password is the file's first line (read now). */
static int set_secret_file(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	char line[256];
	FILE *fp;

	if (v[0] != '/')
		return KEY_FAIL(c, k, "\"%s\" is not an absolute path (it must start with /)", v);
	fp = fopen(v, "re");
	if (!fp)
		return KEY_FAIL(c, k, "cannot read %s: %s", v, strerror(errno));
	if (!fgets(line, sizeof(line), fp))
		line[0] = 0;
	fclose(fp);
	line[strcspn(line, "\r\n")] = 0;
	if (set_secret(c, k, f, line))
		return KEY_FAIL(c, k, "%s: its first line must be the password", v);
	return 0;
}

/* Names: control_group, control_ro_group, allowlist_table, and the
 * sections a [region] or [trunk] refers to. */
static int set_name(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	if (!cfg_valid_name(v, k->size))
		return KEY_FAIL(c, k, "\"%s\" is not %s (letters, digits, '-', '_', '.'; at most %zu)",
				v, k->what, k->size - 1);
	memcpy(f, v, strlen(v) + 1);
	if (k->base == B_REFS)
		((struct ref *)f)->line = c->line;
	return 0;
}

/* The kernel's rule (dev_valid_name): < IFNAMSIZ, no '/', ':' or space. */
static int set_device(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	if (strlen(v) >= k->size || strpbrk(v, "/: \t") || !strcmp(v, ".") || !strcmp(v, ".."))
		return BAD_VALUE(c, k, v);
	memcpy(f, v, strlen(v) + 1);
	return 0;
}

/* IP:PORT: metrics_listen (any address, port 0 = off) or a trunk's target. */
static int set_hostport(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	struct in_addr *a = f;
	uint16_t *port = (uint16_t *)((char *)f - k->off + k->off2);

	if (parse_hostport(v, k->min, a, port) || (k->min && !is_unicast(*a)))
		return BAD_VALUE(c, k, v);
	return 0;
}

/*
 * A hostname as sbc or target may name it: letters, digits, '-', '_' and
 * dots, labels of 1-63, at least one letter (so that a mistyped address
 * is not taken for a name). 0, or -1.
 */
static int parse_hostname(const char *s, size_t n)
{
	size_t label = 0;
	bool letter = false;

	if (!n || n >= CFG_HOST_LEN || s[0] == '.' || s[n - 1] == '.')
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (!label)
				return -1;
			label = 0;
			continue;
		}
		if (++label > 63 || !(isalnum((unsigned char)ch) || ch == '-' || ch == '_'))
			return -1;
		letter |= isalpha((unsigned char)ch) != 0;
	}
	return letter ? 0 : -1;
}

/* HOST or HOST:PORT into host (CFG_HOST_LEN) and *port (0: none). */
static int parse_named(const char *v, char *host, uint16_t *port)
{
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	unsigned long p = 0;

	if (parse_hostname(v, n) || (colon && (parse_ulong(colon + 1, 65535, &p) || !p)))
		return -1;
	memcpy(host, v, n);
	host[n] = '\0';
	*port = (uint16_t)p;
	return 0;
}

/* One [region] sbc item: an IPv4 address, or a hostname (HOST or HOST:PORT)
 * kept beside it (its address slot stays 0.0.0.0). */
static int set_sbc(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	struct cfg_region *r = &c->cfg.regions[c->idx];
	int i = (int)((struct in_addr *)f - r->sbc);
	struct in_addr a;

	if (!parse_ip(v, strlen(v), &a))
		return set_unicast(c, k, f, v);
	if (parse_named(v, r->sbc_host[i], &r->sbc_host_port[i]))
		return BAD_VALUE(c, k, v);
	for (int j = 0; j < i; j++)
		if (!strcasecmp(r->sbc_host[j], r->sbc_host[i]) &&
		    r->sbc_host_port[j] == r->sbc_host_port[i])
			return KEY_FAIL(c, k, "%s is listed twice", v);
	return 0;
}

/* [trunk] target: IP:PORT, or HOST[:PORT] (SRV and A records when no port). */
static int set_target(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	struct cfg_trunk *t = &c->cfg.trunks[c->idx];

	t->target_host[0] = '\0';
	if (!parse_hostport(v, 1, f, &t->target_port) && is_unicast(*(struct in_addr *)f))
		return 0;
	if (parse_named(v, t->target_host, &t->target_port))
		return BAD_VALUE(c, k, v);
	t->target_addr.s_addr = 0;
	return 0;
}

/* [sip] resolver: IP or IP:PORT (53). */
static int set_resolver(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	uint16_t *port = (uint16_t *)((char *)f - k->off + k->off2);

	*port = 53;
	if (!strchr(v, ':'))
		return set_unicast(c, k, f, v);
	if (parse_hostport(v, 1, f, port) || !is_unicast(*(struct in_addr *)f))
		return BAD_VALUE(c, k, v);
	return 0;
}

/* One [sip] listen item: transport:IP:PORT. */
static int set_endpoint(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	struct cfg_endpoint *e = f;
	size_t t = strcspn(v, ":");

	if (v[t] && choice_index(transports, v, t) < 0)
		return KEY_FAIL(c, k, "transport \"%.*s\" is not udp, tcp or tls", (int)t, v);
	if (!v[t] || parse_hostport(v + t + 1, 1, &e->addr, &e->port))
		return BAD_VALUE(c, k, v);
	memcpy(e->transport, v, t);
	return 0;
}

/* One [trunk] addresses item: A.B.C.D/LEN, or a bare address for /32. */
static int set_cidr(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	struct cfg_cidr *out = f;
	size_t n = strcspn(v, "/");
	unsigned long len = 32;
	uint32_t mask;

	if (parse_ip(v, n, &out->addr) || (v[n] && parse_ulong(v + n + 1, 32, &len)))
		return BAD_VALUE(c, k, v);
	out->prefix = (uint8_t)len;
	mask = len ? ~0u << (32 - len) : 0;
	if (ntohl(out->addr.s_addr) & ~mask) {
		struct in_addr net = { .s_addr = htonl(ntohl(out->addr.s_addr) & mask) };
		char buf[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &net, buf, sizeof(buf));
		return KEY_FAIL(c, k, "%s has host bits set (did you mean %s/%lu?)", v, buf, len);
	}
	return 0;
}

/* One [trunk] numbers item: a Request-URI user prefix (+1555, 4420, sales). */
static int set_number(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	size_t n = strspn(v, "+*#0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.");

	if (v[n] || n >= k->size)
		return BAD_VALUE(c, k, v);
	memcpy(f, v, n + 1);
	return 0;
}

static bool all_zero(const char *p, size_t n)
{
	while (n && !p[n - 1])
		n--;
	return !n;
}

/*
 * A comma-separated list: k->item parses each item into the array at f,
 * the count goes to k->off2. The arrays start zeroed (the context is
 * calloc'ed) and each slot is written once, field by field, so padding is
 * zero and memcmp finds repeated items.
 */
static int set_list(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	int *count = (int *)((char *)f - k->off + k->off2);
	const char *s = v, *end;
	char item[CFG_HOST_LEN + 8];

	for (*count = 0; s; (*count)++) {
		char *slot = (char *)f + (size_t)*count * k->size;
		size_t n;

		s += strspn(s, " \t");
		end = s + strcspn(s, ",");
		for (n = (size_t)(end - s); n && (s[n - 1] == ' ' || s[n - 1] == '\t');)
			n--;
		if (!n || n >= sizeof(item))
			return KEY_FAIL(c, k, "\"%s\" has an empty or overlong item", v);
		if ((unsigned long)*count == k->max)
			return KEY_FAIL(c, k, "more than %lu items", k->max);
		snprintf(item, sizeof(item), "%.*s", (int)n, s);
		if (k->item(c, k, slot, item))
			return -1;
		/* a hostname's address slot is all zero: set_sbc checks those */
		for (int i = 0; i < *count && !all_zero(slot, k->size); i++)
			if (!memcmp((char *)f + (size_t)i * k->size, slot, k->size))
				return KEY_FAIL(c, k, "%s is listed twice", item);
		s = *end ? end + 1 : NULL;
	}
	return 0;
}

#define KEY(s, n, fn) .sect = (s), .name = (n), .set = (fn)
#define FIELD(b, type, m) .base = (b), .off = offsetof(type, m), .size = MEMBER_SIZE(type, m)
#define CFG(m) FIELD(B_CFG, struct rtpe_cfg, m)
#define IFACE(m) FIELD(B_OBJ, struct cfg_iface, m)
#define REGION(m) FIELD(B_OBJ, struct cfg_region, m)
#define TRUNK(m) FIELD(B_OBJ, struct cfg_trunk, m)
#define REF(m, w) .base = B_REFS, .off = offsetof(struct obj_refs, m), \
	.size = MEMBER_SIZE(struct ref, name), .what = (w)
#define LIST(b, type, arr, n, fn) .base = (b), .off = offsetof(type, arr), \
	.size = MEMBER_SIZE(type, arr[0]), .off2 = offsetof(type, n), .item = (fn), \
	.max = ARRAY_SIZE(((type *)0)->arr)
#define RANGE(lo, hi, w) .min = (lo), .max = (hi), .what = (w)
#define PORT RANGE(1, 65535, "a port number")
#define SECONDS(lo, hi) RANGE(lo, hi, "a whole number of seconds")
#define IPV4 .what = "a unicast IPv4 address"
#define PATH .what = "an absolute path"

const struct key_def cfg_keys[] = {
	{ KEY(S_RELAY, "control_socket", set_path), CFG(control_socket), PATH },
	{ KEY(S_RELAY, "control_group", set_name), CFG(control_group), .what = "a group name" },
	{ KEY(S_RELAY, "control_ro_group", set_name), CFG(control_ro_group), .what = "a group name" },
	{ KEY(S_RELAY, "metrics_listen", set_hostport), CFG(metrics_addr),
	  .off2 = offsetof(struct rtpe_cfg, metrics_port), .what = "IP:PORT (port 0 = off)" },
	{ KEY(S_RELAY, "pin_path", set_path), CFG(pin_path), PATH },
	{ KEY(S_RELAY, "state_file", set_path), CFG(state_file), PATH },
	{ KEY(S_RELAY, "xdp_mode", set_choice), CFG(xdp_mode), .choices = xdp_modes,
	  .what = "auto, native, generic or off" },
	{ KEY(S_RELAY, "port_min", set_num), CFG(port_min), PORT },
	{ KEY(S_RELAY, "port_max", set_num), CFG(port_max), PORT },
	{ KEY(S_RELAY, "session_timeout", set_num), CFG(session_timeout), SECONDS(1, 86400) },
	{ KEY(S_RELAY, "hold_timeout", set_num), CFG(hold_timeout), SECONDS(1, 604800) },
	{ KEY(S_RELAY, "learning_window", set_num), CFG(learning_window), SECONDS(1, 60) },
	{ KEY(S_RELAY, "max_sessions", set_num), CFG(max_sessions), RANGE(1, 10000000, "a number") },
	{ KEY(S_RELAY, "workers", set_num), CFG(workers), RANGE(0, 64, "a number of threads") },
	{ KEY(S_RELAY, "afxdp", set_bool), CFG(afxdp) },
	{ KEY(S_RELAY, "srtp_crypto", set_choice), CFG(srtp_crypto), .choices = srtp_cryptos,
	  .what = "openssl or nss" },
	{ KEY(S_RELAY, "log_level", set_choice), CFG(log_level), .choices = log_levels,
	  .what = "error, warning, info or debug" },
	{ KEY(S_RELAY, "allowlist", set_bool), CFG(allowlist),
	  .what = "a boolean (yes/no, true/false, on/off, 1/0)" },
	{ KEY(S_RELAY, "allowlist_table", set_name), CFG(allowlist_table),
	  .what = "an nftables table name" },
	{ KEY(S_RELAY, "allowlist_max", set_num), CFG(allowlist_max),
	  RANGE(1, 65536, "a number of ranges") },
	{ KEY(S_RELAY, "catalogue", set_path), CFG(catalogue), PATH },
	{ KEY(S_RELAY, "shipped_catalogue", set_path), CFG(shipped_catalogue), PATH },
	{ KEY(S_IFACE, "device", set_device), IFACE(device), .required = "e.g. device = eth0",
	  .what = "a network device name (at most 15 characters, no '/', ':' or space)" },
	{ KEY(S_IFACE, "address", set_iface_addr), IFACE(address), IPV4,
	  .required = "the local IPv4 address of its legs" },
	{ KEY(S_IFACE, "advertise", set_unicast), IFACE(advertise), IPV4 },
	{ KEY(S_IFACE, "latch", set_bool), IFACE(latch),
	  .what = "a boolean (yes/no, true/false, on/off, 1/0)" },
	{ KEY(S_SIP, "listen", set_list), LIST(B_CFG, struct rtpe_cfg, sip_listen, n_sip_listen,
	  set_endpoint), .what = "transport:IP:PORT (udp, tcp or tls)",
	  .required = "e.g. listen = udp:0.0.0.0:5060" },
	{ KEY(S_SIP, "tls_cert", set_path), CFG(tls_cert), PATH },
	{ KEY(S_SIP, "tls_key", set_path), CFG(tls_key), PATH },
	{ KEY(S_SIP, "resolver", set_resolver), CFG(resolver_addr),
	  .off2 = offsetof(struct rtpe_cfg, resolver_port), .what = "a unicast IP or IP:PORT" },
	{ KEY(S_SIP, "tls_ca", set_path), CFG(tls_ca), PATH },
	{ KEY(S_SIP, "tls_verify", set_bool), CFG(tls_verify),
	  .what = "a boolean (yes/no, true/false, on/off, 1/0)" },
	{ KEY(S_SIP, "proxy", set_bool), CFG(sip_proxy),
	  .what = "a boolean (yes/no, true/false, on/off, 1/0)" },
	{ KEY(S_SIP, "udp_buffer_kb", set_num), CFG(sip_udp_buffer_kb),
	  RANGE(0, 1048576, "a number of KiB (0: the kernel's default)") },
	{ KEY(S_REGION, "sbc", set_list), LIST(B_OBJ, struct cfg_region, sbc, n_sbc, set_sbc),
	  .what = "a unicast IPv4 address or a hostname (HOST or HOST:PORT)" },
	{ KEY(S_REGION, "port", set_num), REGION(port), PORT },
	{ KEY(S_REGION, "transport", set_choice), REGION(transport), .choices = transports,
	  .what = "udp, tcp or tls" },
	{ KEY(S_REGION, "options_interval", set_num), REGION(options_interval), SECONDS(0, 3600) },
	{ KEY(S_REGION, "options_down_after", set_num), REGION(options_down_after),
	  RANGE(1, 100, "a number of pings") },
	{ KEY(S_REGION, "strategy", set_choice), REGION(strategy), .choices = strategies,
	  .what = "failover or round-robin" },
	{ KEY(S_REGION, "invite_timeout_ms", set_num), REGION(invite_timeout_ms),
	  RANGE(100, 32000, "a number of milliseconds") },
	{ KEY(S_REGION, "interface", set_name), REF(iface, "an [interface] name") },
	{ KEY(S_REGION, "srtp", set_choice), REGION(srtp), .choices = srtp_modes,
	  .what = "no or sdes" },
	{ KEY(S_REGION, "auth_user", set_secret), REGION(auth.user) },
	{ KEY(S_REGION, "auth_password", set_secret), REGION(auth.password) },
	{ KEY(S_REGION, "auth_password_file", set_secret_file), REGION(auth.password) },
	{ KEY(S_TRUNK, "addresses", set_list), LIST(B_OBJ, struct cfg_trunk, addresses,
	  n_addresses, set_cidr), .what = "an IPv4 CIDR (A.B.C.D/0-32)",
	  .required = "the CIDRs allowed to send SIP" },
	{ KEY(S_TRUNK, "target", set_target), TRUNK(target_addr),
	  .off2 = offsetof(struct cfg_trunk, target_port), .min = 1,
	  .what = "a unicast IP:PORT or a hostname (HOST or HOST:PORT)",
	  .required = "the IP:PORT calls towards the trunk go to" },
	{ KEY(S_TRUNK, "interface", set_name), REF(iface, "an [interface] name") },
	{ KEY(S_TRUNK, "region", set_name), REF(region, "a [region] name") },
	{ KEY(S_TRUNK, "srtp", set_choice), TRUNK(srtp), .choices = srtp_modes,
	  .what = "no or sdes" },
	{ KEY(S_TRUNK, "auth_user", set_secret), TRUNK(auth.user) },
	{ KEY(S_TRUNK, "auth_password", set_secret), TRUNK(auth.password) },
	{ KEY(S_TRUNK, "auth_password_file", set_secret_file), TRUNK(auth.password) },
	{ KEY(S_TRUNK, "transport", set_choice), TRUNK(transport), .choices = transports,
	  .what = "udp, tcp or tls" },
	{ KEY(S_TRUNK, "numbers", set_list), LIST(B_OBJ, struct cfg_trunk, numbers, n_numbers,
	  set_number), .what = "a number prefix (digits, +, *, #, letters, '-', '_', '.'; at most 23)" },
};
const size_t cfg_n_keys = ARRAY_SIZE(cfg_keys);
_Static_assert(ARRAY_SIZE(cfg_keys) <= MAX_KEYS, "key_line[] too small");

const struct key_def *cfg_key_find(enum sect s, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cfg_keys); i++)
		if (cfg_keys[i].sect == s && !strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

const char *xdp_mode_name(enum xdp_mode m)
{
	return (unsigned)m < ARRAY_SIZE(xdp_modes) - 1 ? xdp_modes[m] : "unknown";
}
