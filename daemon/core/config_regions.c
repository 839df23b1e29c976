// SPDX-License-Identifier: GPL-2.0
/*
 * config_regions.c - the config's [region]s without `sbc` take their
 * addresses, port and transport from the regions catalogue: the
 * operator's own (`catalogue`), whose regions extend and replace those of
 * the shipped one (`shipped_catalogue`, by default the file `make install`
 * puts in RTPE_DATADIR). Run once the whole config is read; a region in
 * neither, or a catalogue with an error, fails the load like any other
 * error of the file (a catalogue's own errors carry its path and line).
 */
#include "core/config_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/catalogue.h"

#ifndef RTPE_DATADIR
#define RTPE_DATADIR "/usr/local/share/rtpedge"
#endif

/*
 * Where the shipped catalogue is when the config does not say: installed
 * (make install), else in the source tree the daemon was built from, so
 * that a daemon run from its build tree needs no install.
 */
static const char *shipped_default(void)
{
	static const char *const where[] = {
		RTPE_DATADIR "/regions.conf",
#ifdef RTPE_SRCDIR
		RTPE_SRCDIR "/data/regions.conf",
#endif
	};

	for (size_t i = 0; i < ARRAY_SIZE(where); i++)
		if (!access(where[i], F_OK))
			return where[i];
	return where[0];
}

/* Loads path into cat; an error inside it fails the parse at its line,
 * one of the file as a whole at the config's line cfg_line. */
static int load(struct parse_ctx *c, const char *path, int cfg_line, const char *what,
		struct catalogue *cat)
{
	char msg[400];
	int line;

	if (!catalogue_load(path, cat, &line, msg, sizeof(msg)))
		return 0;
	if (line) {
		snprintf(c->err_file, sizeof(c->err_file), "%s", path);
		return cfg_fail(c, line, "%s", msg);
	}
	return cfg_fail(c, cfg_line, "%s: %s: %s", what, path, msg);
}

/* "vapi-us, vapi-eu, ..." of both catalogues, cut to fit buf. */
static void known(char *buf, size_t size, const struct catalogue *a, const struct catalogue *b)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < 2; k++) {
		const struct catalogue *cat = k ? b : a;

		for (int i = 0; i < cat->n && len + 40 < size; i++)
			if (!k || !catalogue_find(a, cat->e[i].name))
				len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
							cat->e[i].name);
	}
	if (len + 40 >= size)
		snprintf(buf + len, size - len, ", ...");
}

/* Region i takes entry e; its own port and transport, when given, stay. */
static int fill(struct parse_ctx *c, int i, const struct cat_entry *e, const char *from)
{
	struct cfg_region *r = &c->cfg.regions[i];

	memcpy(r->sbc, e->sbc, sizeof(r->sbc));
	r->n_sbc = e->n_sbc;
	memcpy(r->allow, e->allow, sizeof(r->allow));
	r->n_allow = e->n_allow;
	r->catalogued = true;
	if (!c->region_transport[i])
		memcpy(r->transport, e->transport, sizeof(r->transport));
	if (c->region_port[i])
		return 0;
	if (strcmp(r->transport, "tls")) {
		r->port = e->port;
		return 0;
	}
	if (!e->tls_port)
		return cfg_fail(c, c->sect_line[S_REGION][i],
				"[region %s]: transport tls, but %s:%d gives it no tls_port", r->name,
				from, e->line);
	r->port = e->tls_port;
	return 0;
}

static int resolve_all(struct parse_ctx *c, const struct catalogue *own,
		       struct catalogue *shipped)
{
	struct rtpe_cfg *g = &c->cfg;
	char list[300];

	for (int i = 0; i < g->n_regions; i++) {
		const struct cat_entry *e;
		const struct catalogue *from = own;

		if (g->regions[i].n_sbc)
			continue;
		e = catalogue_find(own, g->regions[i].name);
		if (!e && !shipped->path[0]) {
			char what[CFG_NAME_LEN + 80];

			snprintf(what, sizeof(what), "[region %s]: no sbc, and the regions catalogue cannot be read",
				 g->regions[i].name);
			if (load(c, g->shipped_catalogue, c->sect_line[S_REGION][i], what, shipped))
				return -1;
		}
		if (!e) {
			e = catalogue_find(shipped, g->regions[i].name);
			from = shipped;
		}
		if (!e) {
			known(list, sizeof(list), own, shipped);
			return cfg_fail(c, c->sect_line[S_REGION][i],
					"[region %s]: no sbc, and \"%s\" is not in the regions catalogue (%s%s%s): known regions are %s",
					g->regions[i].name, g->regions[i].name, shipped->path,
					own->n ? ", " : "", own->n ? own->path : "", list);
		}
		if (fill(c, i, e, from->path))
			return -1;
	}
	return 0;
}

int cfg_regions_resolve(struct parse_ctx *c)
{
	struct rtpe_cfg *g = &c->cfg;
	struct catalogue own, shipped;
	int rc;

	memset(&own, 0, sizeof(own));
	memset(&shipped, 0, sizeof(shipped));
	if (!g->shipped_catalogue[0])
		snprintf(g->shipped_catalogue, sizeof(g->shipped_catalogue), "%s", shipped_default());
	if (g->catalogue[0] && load(c, g->catalogue, c->catalogue_line, "catalogue", &own))
		return -1;
	rc = resolve_all(c, &own, &shipped);
	catalogue_free(&own);
	catalogue_free(&shipped);
	return rc;
}
