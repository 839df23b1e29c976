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
#include "core/config_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define CFG_MAX_FILE (1 << 20)

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
_Static_assert(CFG_MAX_IFACES <= MAX_OBJS && CFG_MAX_REGIONS <= MAX_OBJS &&
	       CFG_MAX_TRUNKS <= MAX_OBJS, "MAX_OBJS too small");

int cfg_fail(struct parse_ctx *c, int line, const char *fmt, ...)
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

void cfg_join(char *buf, size_t size, const char *const *words, int n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && words[i] && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", words[i]);
}

/* Line of key name in the current section, 0 when it was not given. */
static int key_line(const struct parse_ctx *c, const char *name)
{
	const struct key_def *k = cfg_key_find(c->sect, name);

	return k ? c->key_line[k - cfg_keys] : 0;
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
	const struct key_def *k = cfg_key_find(c->sect, name);
	const char *valid[MAX_KEYS];
	char list[256];
	int n = 0;

	if (c->failed)
		return 0;
	if (!k) {
		for (size_t i = 0; i < cfg_n_keys; i++)
			if (cfg_keys[i].sect == c->sect)
				valid[n++] = cfg_keys[i].name;
		cfg_join(list, sizeof(list), valid, n);
		cfg_fail(c, c->line, "unknown key \"%s\" in %s (valid: %s)", name, c->label, list);
		return 0;
	}
	if (c->key_line[k - cfg_keys]) {
		cfg_fail(c, c->line, "%s: duplicate key in %s (first at line %d)", name, c->label,
		     c->key_line[k - cfg_keys]);
		return 0;
	}
	c->key_line[k - cfg_keys] = c->line;
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
	int lgrp = key_line(c, "control_group"), lro = key_line(c, "control_ro_group");

	if (g->port_min >= g->port_max)
		return cfg_fail(c, lmax > lmin ? lmax : lmin,
			    "port_min %u must be below port_max %u", g->port_min, g->port_max);
	if (first + 1 > g->port_max)
		return cfg_fail(c, lmax > lmin ? lmax : lmin,
			    "port range %u-%u holds no even/odd pair (RTP on an even port, RTCP on the next)",
			    g->port_min, g->port_max);
	c->catalogue_line = key_line(c, "catalogue");
	if (g->hold_timeout < g->session_timeout)
		return cfg_fail(c, lhold > lses ? lhold : lses,
			    "hold_timeout %u must not be below session_timeout %u",
			    g->hold_timeout, g->session_timeout);
	if (g->control_ro_group[0] && !strcmp(g->control_ro_group, g->control_group))
		return cfg_fail(c, lro > lgrp ? lro : lgrp,
			    "control_ro_group \"%s\" is control_group too: its members would run every command; name a group of read-only users",
			    g->control_ro_group);
	return 0;
}

/* Checks that need the whole section, run when the next one starts. */
static int section_end(struct parse_ctx *c)
{
	struct rtpe_cfg *g = &c->cfg;

	for (size_t i = 0; i < cfg_n_keys; i++)
		if (cfg_keys[i].sect == c->sect && cfg_keys[i].required && !c->key_line[i])
			return cfg_fail(c, c->sect_line[c->sect][c->idx], "%s: %s is required (%s)",
				    c->label, cfg_keys[i].name, cfg_keys[i].required);
	if (c->sect == S_RELAY)
		return relay_end(c);
	if (c->sect == S_REGION) {
		struct cfg_region *r = &g->regions[c->idx];

		c->region_port[c->idx] = key_line(c, "port") != 0;
		c->region_transport[c->idx] = key_line(c, "transport") != 0;
		/* a hostname with the region's port given: A records only (RFC 3263) */
		for (int i = 0; c->region_port[c->idx] && i < r->n_sbc; i++)
			if (r->sbc_host[i][0] && !r->sbc_host_port[i])
				r->sbc_host_port[i] = r->port;
	}
	if (c->sect == S_IFACE && !key_line(c, "advertise"))
		g->ifaces[c->idx].advertise = g->ifaces[c->idx].address;
	for (int i = 0; c->sect == S_SIP && i < g->n_sip_listen; i++)
		if (!strcmp(g->sip_listen[i].transport, "tls") && (!*g->tls_cert || !*g->tls_key))
			return cfg_fail(c, key_line(c, "listen"),
				    "listen: tls needs tls_cert and tls_key in [sip]");
	return 0;
}

/* Starts the object of a named section; name is valid and new. */
static int object_begin(struct parse_ctx *c, enum sect s, const char *name)
{
	int *n = obj_count(&c->cfg, s);

	if (*n == objs[s].max)
		return cfg_fail(c, c->line, "too many [%s] sections (at most %d)", sect_names[s],
			    objs[s].max);
	c->idx = (*n)++;
	snprintf(obj_at(&c->cfg, s, c->idx), CFG_NAME_LEN, "%s", name);
	if (s == S_REGION) {
		struct cfg_region *r = &c->cfg.regions[c->idx];

		r->port = 5060;
		memcpy(r->transport, "udp", 4);
		r->options_interval = 30;
		r->options_down_after = 3;
		memcpy(r->strategy, "failover", 9);
		r->invite_timeout_ms = 2000;
		r->iface = -1;
		memcpy(r->srtp, "no", 3);
	} else if (s == S_TRUNK) {
		c->cfg.trunks[c->idx].iface = c->cfg.trunks[c->idx].region = -1;
		memcpy(c->cfg.trunks[c->idx].transport, "udp", 4);
		memcpy(c->cfg.trunks[c->idx].srtp, "no", 3);
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
		return cfg_fail(c, c->line, "unknown section [%s] (valid: [relay], [interface NAME], [sip], [region NAME], [trunk NAME])",
			    inner);
	named = objs[s].max > 0;
	if (named && !*name)
		return cfg_fail(c, c->line, "[%s] needs a name: [%s NAME]", inner, inner);
	if (!named && *name)
		return cfg_fail(c, c->line, "[%s] takes no name, found \"%s\"", inner, name);
	if (named && !cfg_valid_name(name, CFG_NAME_LEN))
		return cfg_fail(c, c->line, "[%s %s]: a name has letters, digits, '-', '_', '.' (at most %d)",
			    inner, name, CFG_NAME_LEN - 1);
	if (named)
		i = obj_find(&c->cfg, s, name);
	else
		i = c->sect_line[s][0] ? 0 : -1;
	if (i >= 0)
		return cfg_fail(c, c->line, "duplicate section [%s%s%s] (first at line %d)", inner,
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
			return cfg_fail(c, c->line, "control character 0x%02x in the line",
				    (unsigned char)buf[i]);
	if (!len)
		return 0;
	if (buf[0] == '[') {
		if (strchr(buf, ']') != buf + len - 1)
			return cfg_fail(c, c->line, strchr(buf, ']') ? "text after the section header's ']'"
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
		return cfg_fail(c, c->line, "expected \"key = value\", a [section] or a comment");
	while (eq && (buf[eq - 1] == ' ' || buf[eq - 1] == '\t'))
		eq--;
	if (!eq)
		return cfg_fail(c, c->line, "no key name before '='");
	if (c->sect == S_NONE)
		return cfg_fail(c, c->line, "\"%.*s\" is outside any section: put it under [relay], [interface NAME], ...",
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
		cfg_fail(c, c->line, "line is longer than %d characters (comments aside)", num - 2);
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
		return cfg_fail(c, c->sect_line[from][i], "[%s %s]: %s is required (there are %d [%s] sections)",
			    sect_names[from], (char *)obj_at(&c->cfg, from, i), sect_names[s], n,
			    sect_names[s]);
	*out = obj_find(&c->cfg, s, r->name);
	if (*out >= 0)
		return 0;
	for (int j = 0; j < n; j++)
		names[j] = obj_at(&c->cfg, s, j);
	cfg_join(list, sizeof(list), names, n);
	return cfg_fail(c, r->line, "%s: \"%s\" is not a defined [%s] (defined: %s)", sect_names[s],
		    r->name, sect_names[s], n ? list : "none");
}

/* Calls from a region go to the trunk whose numbers match the Request-URI
 * user best, else to its one trunk without numbers: two such trunks, or
 * one prefix twice, would leave the choice to the order of the file. */
static int trunks_check(struct parse_ctx *c)
{
	const struct rtpe_cfg *g = &c->cfg;

	for (int i = 0; i < g->n_trunks; i++) {
		const struct cfg_trunk *a = &g->trunks[i];

		for (int j = 0; j < i; j++) {
			const struct cfg_trunk *b = &g->trunks[j];

			if (a->region != b->region)
				continue;
			if (!a->n_numbers && !b->n_numbers)
				return cfg_fail(c, c->sect_line[S_TRUNK][i],
					    "[trunk %s]: [trunk %s] already takes the calls of region %s that no numbers match; give one of them numbers = ...",
					    a->name, b->name, g->regions[a->region].name);
			for (int x = 0; x < a->n_numbers; x++)
				for (int y = 0; y < b->n_numbers; y++)
					if (!strcmp(a->numbers[x], b->numbers[y]))
						return cfg_fail(c, c->sect_line[S_TRUNK][i],
							    "[trunk %s]: numbers %s is also a prefix of [trunk %s] in region %s",
							    a->name, a->numbers[x], b->name,
							    g->regions[a->region].name);
		}
	}
	return 0;
}

/* A region or trunk reached over TLS needs the proxy's TLS transport (a
 * tls listen entry: nta connects from it and verifies with its CAs). */
static int tls_check(struct parse_ctx *c)
{
	const struct rtpe_cfg *g = &c->cfg;
	bool tls = false;

	for (int i = 0; i < g->n_sip_listen; i++)
		tls |= !strcmp(g->sip_listen[i].transport, "tls");
	if (tls || !g->n_sip_listen || !g->sip_proxy)
		return 0;
	for (int i = 0; i < g->n_regions; i++)
		if (!strcmp(g->regions[i].transport, "tls"))
			return cfg_fail(c, c->sect_line[S_REGION][i],
				    "[region %s]: transport tls needs a tls listen address in [sip] (listen = ..., tls:IP:5061, with tls_cert and tls_key)",
				    g->regions[i].name);
	for (int i = 0; i < g->n_trunks; i++)
		if (!strcmp(g->trunks[i].transport, "tls"))
			return cfg_fail(c, c->sect_line[S_TRUNK][i],
				    "[trunk %s]: transport tls needs a tls listen address in [sip] (listen = ..., tls:IP:5061, with tls_cert and tls_key)",
				    g->trunks[i].name);
	return 0;
}

/* Checks of the file as a whole, once every section is read. */
static int finish(struct parse_ctx *c)
{
	struct rtpe_cfg *g = &c->cfg;

	if (section_end(c))
		return -1;
	if (!g->n_ifaces)
		return cfg_fail(c, 0, "no [interface NAME] section: at least one media interface is required");
	for (int i = 0; i < g->n_regions; i++)
		if (resolve(c, S_REGION, i, S_IFACE, &g->regions[i].iface))
			return -1;
	for (int i = 0; i < g->n_trunks; i++)
		if (resolve(c, S_TRUNK, i, S_IFACE, &g->trunks[i].iface) ||
		    resolve(c, S_TRUNK, i, S_REGION, &g->trunks[i].region))
			return -1;
	if (cfg_regions_resolve(c) || tls_check(c))
		return -1;
	return trunks_check(c);
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
	cfg->workers = CFG_WORKERS_AUTO;
	cfg->log_level = LOG_LVL_INFO;
	cfg->allowlist = true;
	cfg->afxdp = true;
	cfg->sip_proxy = true;
	cfg->tls_verify = true;
	cfg->sip_udp_buffer_kb = 8192;
	snprintf(cfg->allowlist_table, sizeof(cfg->allowlist_table), "rtpedge");
	cfg->allowlist_max = 4096;
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
		cfg_fail(c, ret > 0 ? ret : 0, ret > 0 ? "cannot parse this line" : "out of memory");
	if (!c->failed)
		finish(c);
	if (c->failed) {
		snprintf(err, errlen, "%s:%d: %s", c->err_file[0] ? c->err_file : name,
			 c->err_line, c->err);
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
