// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - reads and validates the INI configuration (INTERFACE.md).
 *
 * inih splits "key = value" lines; this module owns everything else. The
 * reader it hands inih counts lines (inih tells a handler none), strips `;`
 * and `#` comments, left-trims (so no line is ever a continuation line) and
 * handles [section] headers itself, so every message carries a real line
 * whatever options the system's inih was built with. Values are checked as
 * they are read, whole sections when they end, references between sections
 * at the end of the file; the caller's config changes only when all passed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define CFG_MAX_FILE (1 << 20)
#define MAX_KEYS 32
#define MAX_OBJS 64 /* the largest of CFG_MAX_IFACES, _REGIONS, _TRUNKS */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

enum sect { S_NONE, S_RELAY, S_IFACE, S_SIP, S_REGION, S_TRUNK, S_MAX };
static const char *const sect_names[] = { "", "relay", "interface", "sip", "region", "trunk" };

/* The named sections' arrays in struct rtpe_cfg; each element starts with
 * its name. */
static const struct {
	size_t arr, size, count;
	int max;
} objs[S_MAX] = {
	[S_IFACE] = { offsetof(struct rtpe_cfg, ifaces), sizeof(struct cfg_iface),
		      offsetof(struct rtpe_cfg, n_ifaces), CFG_MAX_IFACES },
	[S_REGION] = { offsetof(struct rtpe_cfg, regions), sizeof(struct cfg_region),
		       offsetof(struct rtpe_cfg, n_regions), CFG_MAX_REGIONS },
	[S_TRUNK] = { offsetof(struct rtpe_cfg, trunks), sizeof(struct cfg_trunk),
		      offsetof(struct rtpe_cfg, n_trunks), CFG_MAX_TRUNKS },
};

/* Names a [region] or [trunk] gives, resolved once the file is read. */
struct ref {
	char name[CFG_NAME_LEN];
	int line; /* 0: not given */
};

struct obj_refs {
	struct ref iface, region;
};

struct parse_ctx {
	const char *pos;              /* the reader's cursor in the text */
	int line;                     /* line last handed to inih */
	struct rtpe_cfg cfg;          /* the result, copied out on success only */
	enum sect sect;               /* section being read */
	int idx;                      /* its index in ifaces, regions or trunks */
	char label[CFG_NAME_LEN + 16]; /* "[interface public]" */
	int key_line[MAX_KEYS];       /* line of each key in this section */
	int sect_line[S_MAX][MAX_OBJS]; /* line of each section header */
	struct obj_refs refs[S_MAX][MAX_OBJS];
	bool failed;
	int err_line;
	char err[512];
};

/* Where a key's field lives: the config, the section's object or its
 * pending references. */
enum base { B_CFG, B_OBJ, B_REFS };

struct key_def;
typedef int (*setter)(struct parse_ctx *c, const struct key_def *k, void *f, const char *v);

struct key_def {
	enum sect sect;
	const char *name;
	setter set;
	setter item;            /* lists: parses one item */
	enum base base;
	size_t off, size;       /* the field; lists: the array, one element */
	size_t off2;            /* lists: the count; metrics_listen: the port */
	unsigned long min, max; /* numbers; lists: max = capacity */
	const char *what;       /* what the value must be, for messages */
	const char *required;   /* hint when a section lacks this key */
	const char *const *choices;
};

static const char *const xdp_modes[] = { "auto", "native", "generic", "off", NULL };
static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };
static const char *const transports[] = { "udp", "tcp", "tls", NULL };

__attribute__((format(printf, 3, 4)))
static int fail(struct parse_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return -1; /* the first error is the one reported */
	c->failed = true;
	c->err_line = line;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

#define KEY_FAIL(c, k, fmt, ...) fail((c), (c)->line, "%s: " fmt, (k)->name, ##__VA_ARGS__)
#define BAD_VALUE(c, k, v) KEY_FAIL(c, k, "\"%s\" is not %s", (v), (k)->what)

static void join(char *buf, size_t size, const char *const *words, int n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && words[i] && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", words[i]);
}

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

static bool valid_name(const char *s, size_t size)
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
		join(list, sizeof(list), k->choices, MAX_KEYS);
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

/* Names: control_group, and the sections a [region] or [trunk] refers to. */
static int set_name(struct parse_ctx *c, const struct key_def *k, void *f, const char *v)
{
	if (!valid_name(v, k->size))
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
	char item[48];

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
		for (int i = 0; i < *count; i++)
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

static const struct key_def keys[] = {
	{ KEY(S_RELAY, "control_socket", set_path), CFG(control_socket), PATH },
	{ KEY(S_RELAY, "control_group", set_name), CFG(control_group), .what = "a group name" },
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
	{ KEY(S_RELAY, "log_level", set_choice), CFG(log_level), .choices = log_levels,
	  .what = "error, warning, info or debug" },
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
	{ KEY(S_REGION, "sbc", set_list), LIST(B_OBJ, struct cfg_region, sbc, n_sbc, set_unicast),
	  IPV4 },
	{ KEY(S_REGION, "port", set_num), REGION(port), PORT },
	{ KEY(S_REGION, "transport", set_choice), REGION(transport), .choices = transports,
	  .what = "udp, tcp or tls" },
	{ KEY(S_REGION, "options_interval", set_num), REGION(options_interval), SECONDS(0, 3600) },
	{ KEY(S_REGION, "interface", set_name), REF(iface, "an [interface] name") },
	{ KEY(S_TRUNK, "addresses", set_list), LIST(B_OBJ, struct cfg_trunk, addresses,
	  n_addresses, set_cidr), .what = "an IPv4 CIDR (A.B.C.D/0-32)",
	  .required = "the CIDRs allowed to send SIP" },
	{ KEY(S_TRUNK, "target", set_hostport), TRUNK(target_addr),
	  .off2 = offsetof(struct cfg_trunk, target_port), .min = 1, .what = "a unicast IP:PORT",
	  .required = "the IP:PORT calls towards the trunk go to" },
	{ KEY(S_TRUNK, "interface", set_name), REF(iface, "an [interface] name") },
	{ KEY(S_TRUNK, "region", set_name), REF(region, "a [region] name") },
};
_Static_assert(ARRAY_SIZE(keys) <= MAX_KEYS, "key_line[] too small");
_Static_assert(CFG_MAX_IFACES <= MAX_OBJS && CFG_MAX_REGIONS <= MAX_OBJS &&
	       CFG_MAX_TRUNKS <= MAX_OBJS, "MAX_OBJS too small");

static const struct key_def *key_find(enum sect s, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].sect == s && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Line of key name in the current section, 0 when it was not given. */
static int key_line(const struct parse_ctx *c, const char *name)
{
	const struct key_def *k = key_find(c->sect, name);

	return k ? c->key_line[k - keys] : 0;
}

static void *obj_at(const struct rtpe_cfg *g, enum sect s, int i)
{
	return (char *)g + objs[s].arr + (size_t)i * objs[s].size;
}

static int *obj_count(const struct rtpe_cfg *g, enum sect s)
{
	return (int *)((char *)g + objs[s].count);
}

/* Index of the object of kind s (named section) called name, or -1. */
static int obj_find(const struct rtpe_cfg *g, enum sect s, const char *name)
{
	for (int i = 0; i < *obj_count(g, s); i++)
		if (!strcmp(obj_at(g, s, i), name))
			return i;
	return -1;
}

static void *key_field(struct parse_ctx *c, const struct key_def *k)
{
	char *base = (char *)&c->cfg;

	if (k->base == B_OBJ)
		base = obj_at(&c->cfg, c->sect, c->idx);
	else if (k->base == B_REFS)
		base = (char *)&c->refs[c->sect][c->idx];
	return base + k->off;
}

/* inih's handler: one call per "key = value" line, c->line is its line. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	const struct key_def *k = key_find(c->sect, name);
	const char *valid[MAX_KEYS];
	char list[256];
	int n = 0;

	if (c->failed)
		return 0;
	if (!k) {
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (keys[i].sect == c->sect)
				valid[n++] = keys[i].name;
		join(list, sizeof(list), valid, n);
		fail(c, c->line, "unknown key \"%s\" in %s (valid: %s)", name, c->label, list);
		return 0;
	}
	if (c->key_line[k - keys]) {
		fail(c, c->line, "%s: duplicate key in %s (first at line %d)", name, c->label,
		     c->key_line[k - keys]);
		return 0;
	}
	c->key_line[k - keys] = c->line;
	if (!*value) {
		KEY_FAIL(c, k, "empty value: expected %s", k->what);
		return 0;
	}
	return k->set(c, k, key_field(c, k), value) == 0;
}

/* [relay] values that only make sense together; the error goes on the
 * line of the later of the two keys involved. */
static int relay_end(struct parse_ctx *c)
{
	const struct rtpe_cfg *g = &c->cfg;
	unsigned first = g->port_min + (g->port_min & 1u);
	int lmin = key_line(c, "port_min"), lmax = key_line(c, "port_max");
	int lses = key_line(c, "session_timeout"), lhold = key_line(c, "hold_timeout");

	if (g->port_min >= g->port_max)
		return fail(c, lmax > lmin ? lmax : lmin,
			    "port_min %u must be below port_max %u", g->port_min, g->port_max);
	if (first + 1 > g->port_max)
		return fail(c, lmax > lmin ? lmax : lmin,
			    "port range %u-%u holds no even/odd pair (RTP on an even port, RTCP on the next)",
			    g->port_min, g->port_max);
	if (g->hold_timeout < g->session_timeout)
		return fail(c, lhold > lses ? lhold : lses,
			    "hold_timeout %u must not be below session_timeout %u",
			    g->hold_timeout, g->session_timeout);
	return 0;
}

/* Checks that need the whole section, run when the next one starts. */
static int section_end(struct parse_ctx *c)
{
	struct rtpe_cfg *g = &c->cfg;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].sect == c->sect && keys[i].required && !c->key_line[i])
			return fail(c, c->sect_line[c->sect][c->idx], "%s: %s is required (%s)",
				    c->label, keys[i].name, keys[i].required);
	if (c->sect == S_RELAY)
		return relay_end(c);
	if (c->sect == S_IFACE && !key_line(c, "advertise"))
		g->ifaces[c->idx].advertise = g->ifaces[c->idx].address;
	for (int i = 0; c->sect == S_SIP && i < g->n_sip_listen; i++)
		if (!strcmp(g->sip_listen[i].transport, "tls") && (!*g->tls_cert || !*g->tls_key))
			return fail(c, key_line(c, "listen"),
				    "listen: tls needs tls_cert and tls_key in [sip]");
	return 0;
}

/* Starts the object of a named section; name is valid and new. */
static int object_begin(struct parse_ctx *c, enum sect s, const char *name)
{
	int *n = obj_count(&c->cfg, s);

	if (*n == objs[s].max)
		return fail(c, c->line, "too many [%s] sections (at most %d)", sect_names[s],
			    objs[s].max);
	c->idx = (*n)++;
	snprintf(obj_at(&c->cfg, s, c->idx), CFG_NAME_LEN, "%s", name);
	if (s == S_REGION) {
		struct cfg_region *r = &c->cfg.regions[c->idx];

		r->port = 5060;
		memcpy(r->transport, "udp", 4);
		r->options_interval = 30;
		r->iface = -1;
	} else if (s == S_TRUNK) {
		c->cfg.trunks[c->idx].iface = c->cfg.trunks[c->idx].region = -1;
	}
	return 0;
}

/* A "[kind name]" header; inner is what the brackets hold, trimmed. */
static int section_begin(struct parse_ctx *c, char *inner)
{
	char *name = inner + strcspn(inner, " \t");
	enum sect s = S_NONE;
	bool named;
	int i;

	if (*name)
		*name++ = '\0';
	name += strspn(name, " \t");
	for (i = S_RELAY; i < S_MAX; i++)
		if (!strcmp(inner, sect_names[i]))
			s = (enum sect)i;
	if (s == S_NONE)
		return fail(c, c->line, "unknown section [%s] (valid: [relay], [interface NAME], [sip], [region NAME], [trunk NAME])",
			    inner);
	named = objs[s].max > 0;
	if (named && !*name)
		return fail(c, c->line, "[%s] needs a name: [%s NAME]", inner, inner);
	if (!named && *name)
		return fail(c, c->line, "[%s] takes no name, found \"%s\"", inner, name);
	if (named && !valid_name(name, CFG_NAME_LEN))
		return fail(c, c->line, "[%s %s]: a name has letters, digits, '-', '_', '.' (at most %d)",
			    inner, name, CFG_NAME_LEN - 1);
	if (named)
		i = obj_find(&c->cfg, s, name);
	else
		i = c->sect_line[s][0] ? 0 : -1;
	if (i >= 0)
		return fail(c, c->line, "duplicate section [%s%s%s] (first at line %d)", inner,
			    named ? " " : "", name, c->sect_line[s][i]);
	snprintf(c->label, sizeof(c->label), "[%s%s%s]", inner, named ? " " : "", name);
	memset(c->key_line, 0, sizeof(c->key_line));
	c->sect = s;
	c->idx = 0;
	if (named && object_begin(c, s, name))
		return -1;
	c->sect_line[s][c->idx] = c->line;
	return 0;
}

/* A line left after comments went: a header, a key line, or nothing. */
static int check_line(struct parse_ctx *c, char *buf, size_t len)
{
	char inner[256];
	size_t eq;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return fail(c, c->line, "control character 0x%02x in the line",
				    (unsigned char)buf[i]);
	if (!len)
		return 0;
	if (buf[0] == '[') {
		if (strchr(buf, ']') != buf + len - 1)
			return fail(c, c->line, strchr(buf, ']') ? "text after the section header's ']'"
							  : "section header without a closing ']'");
		if (section_end(c))
			return -1;
		snprintf(inner, sizeof(inner), "%.*s", (int)len - 2, buf + 1);
		for (eq = strlen(inner); eq && (inner[eq - 1] == ' ' || inner[eq - 1] == '\t');)
			inner[--eq] = '\0';
		return section_begin(c, inner + strspn(inner, " \t"));
	}
	/* inih splits at the first '=' or ':'; only '=' is INI here. */
	eq = strcspn(buf, "=:");
	if (buf[eq] != '=')
		return fail(c, c->line, "expected \"key = value\", a [section] or a comment");
	while (eq && (buf[eq - 1] == ' ' || buf[eq - 1] == '\t'))
		eq--;
	if (!eq)
		return fail(c, c->line, "no key name before '='");
	if (c->sect == S_NONE)
		return fail(c, c->line, "\"%.*s\" is outside any section: put it under [relay], [interface NAME], ...",
			    (int)eq, buf);
	return 0;
}

/* inih's reader (fgets-like), called once per line of the text. */
static char *read_line(char *buf, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *s = c->pos, *end, *cut;
	size_t len;

	if (c->failed || !*s)
		return NULL;
	end = s + strcspn(s, "\n");
	c->pos = *end ? end + 1 : end;
	c->line++;
	if (c->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3; /* UTF-8 byte order mark */
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	/* A comment starts with ; or # at the start or after a blank. */
	for (cut = s; cut < end; cut++)
		if ((*cut == ';' || *cut == '#') && (cut == s || cut[-1] == ' ' || cut[-1] == '\t'))
			break;
	while (cut > s && (cut[-1] == ' ' || cut[-1] == '\t' || cut[-1] == '\r'))
		cut--;
	len = (size_t)(cut - s);
	/* inih's line buffer is fixed: a longer line would come back split. */
	if (len + 2 > (size_t)num) {
		fail(c, c->line, "line is longer than %d characters (comments aside)", num - 2);
		return NULL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (check_line(c, buf, len))
		return NULL;
	memcpy(buf + len, "\n", 2);
	return buf;
}

/* Resolves a [region]'s or [trunk]'s reference to a section of kind s;
 * without one, the only section of that kind is meant. */
static int resolve(struct parse_ctx *c, enum sect from, int i, enum sect s, int *out)
{
	const struct ref *r = s == S_IFACE ? &c->refs[from][i].iface : &c->refs[from][i].region;
	int n = *obj_count(&c->cfg, s);
	const char *names[MAX_OBJS] = { NULL };
	char list[256];

	*out = 0;
	if (!r->line && n == 1)
		return 0;
	if (!r->line)
		return fail(c, c->sect_line[from][i], "[%s %s]: %s is required (there are %d [%s] sections)",
			    sect_names[from], (char *)obj_at(&c->cfg, from, i), sect_names[s], n,
			    sect_names[s]);
	*out = obj_find(&c->cfg, s, r->name);
	if (*out >= 0)
		return 0;
	for (int j = 0; j < n; j++)
		names[j] = obj_at(&c->cfg, s, j);
	join(list, sizeof(list), names, n);
	return fail(c, r->line, "%s: \"%s\" is not a defined [%s] (defined: %s)", sect_names[s],
		    r->name, sect_names[s], n ? list : "none");
}

/* Checks of the file as a whole, once every section is read. */
static int finish(struct parse_ctx *c)
{
	struct rtpe_cfg *g = &c->cfg;

	if (section_end(c))
		return -1;
	if (!g->n_ifaces)
		return fail(c, 0, "no [interface NAME] section: at least one media interface is required");
	for (int i = 0; i < g->n_regions; i++)
		if (resolve(c, S_REGION, i, S_IFACE, &g->regions[i].iface))
			return -1;
	for (int i = 0; i < g->n_trunks; i++)
		if (resolve(c, S_TRUNK, i, S_IFACE, &g->trunks[i].iface) ||
		    resolve(c, S_TRUNK, i, S_REGION, &g->trunks[i].region))
			return -1;
	return 0;
}

void config_defaults(struct rtpe_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "/run/rtpedge/rtpedge.sock");
	cfg->metrics_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg->metrics_port = 9464;
	snprintf(cfg->pin_path, sizeof(cfg->pin_path), "/sys/fs/bpf/rtpedge");
	snprintf(cfg->state_file, sizeof(cfg->state_file), "/var/lib/rtpedge/state.json");
	cfg->xdp_mode = XDP_MODE_AUTO;
	cfg->port_min = 40000;
	cfg->port_max = 60000;
	cfg->session_timeout = 60;
	cfg->hold_timeout = 3600;
	cfg->learning_window = 3;
	cfg->max_sessions = 16384;
	cfg->log_level = LOG_LVL_INFO;
}

int config_parse_string(const char *name, const char *text, struct rtpe_cfg *cfg,
			char *err, size_t errlen)
{
	struct parse_ctx *c = calloc(1, sizeof(*c));
	int ret, rc = -1;

	if (!name)
		name = "config";
	if (!err)
		errlen = 0;
	if (!c) {
		snprintf(err, errlen, "%s:0: out of memory", name);
		return -1;
	}
	c->pos = text ? text : "";
	config_defaults(&c->cfg);
	snprintf(c->cfg.path, sizeof(c->cfg.path), "%s", name);
	ret = ini_parse_stream(read_line, c, on_key, c);
	/* The reader and handler report every error themselves; inih's own
	 * return only matters if it ever refuses a line they accepted. */
	if (!c->failed && ret)
		fail(c, ret > 0 ? ret : 0, ret > 0 ? "cannot parse this line" : "out of memory");
	if (!c->failed)
		finish(c);
	if (c->failed) {
		snprintf(err, errlen, "%s:%d: %s", name, c->err_line, c->err);
	} else {
		/* Byte for byte, padding and all: callers may memcmp configs
		 * to see what a reload changes. */
		memcpy(cfg, &c->cfg, sizeof(*cfg));
		rc = 0;
	}
	free(c);
	return rc;
}

int config_load(const char *path, struct rtpe_cfg *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *nul;
	size_t n;
	int rc = -1, line = 1;

	if (!f) {
		snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CFG_MAX_FILE + 1);
	if (!buf) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, CFG_MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s:0: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (n > CFG_MAX_FILE) {
		snprintf(err, errlen, "%s:0: larger than %d bytes: is this the config file?",
			 path, CFG_MAX_FILE);
		goto out;
	}
	buf[n] = '\0';
	nul = memchr(buf, '\0', n);
	if (nul) {
		for (char *p = buf; p < nul; p++)
			line += *p == '\n';
		snprintf(err, errlen, "%s:%d: NUL byte in the file: is it a text file?", path, line);
		goto out;
	}
	rc = config_parse_string(path, buf, cfg, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

int config_iface_find(const struct rtpe_cfg *cfg, const char *name)
{
	return obj_find(cfg, S_IFACE, name);
}

const char *xdp_mode_name(enum xdp_mode m)
{
	return (unsigned)m < ARRAY_SIZE(xdp_modes) - 1 ? xdp_modes[m] : "unknown";
}
