// SPDX-License-Identifier: GPL-2.0
/*
 * allowlist_want.c - what the allowlist must hold (allowlist_want.h): the
 * elements with their origins from the config (regions, the addresses
 * their hostnames resolved to, trunks) and the runtime additions, the
 * merged ranges per family, the table's shape (name, comment, the SIP
 * ports guarded). allowlist.c makes the kernel hold it.
 */
#include "nft/allowlist_want.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "core/resolve.h"

void want_free(struct want *w)
{
	free(w->elems);
	nft_ranges_free(&w->v4);
	nft_ranges_free(&w->v6);
	memset(w, 0, sizeof(*w));
}

static bool port_is(const struct nft_sip_port *p, uint8_t proto, uint16_t port,
		    struct in_addr addr)
{
	return p->proto == proto && p->port == port && p->addr.s_addr == addr.s_addr;
}

static void shape_of(const struct rtpe_cfg *cfg, struct nft_shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	snprintf(sh->table, sizeof(sh->table), "%s", cfg->allowlist_table);
	nft_comment(sh->comment, cfg->control_socket);
	sh->max = cfg->allowlist_max;
	for (int i = 0; i < cfg->n_sip_listen; i++) {
		const struct cfg_endpoint *l = &cfg->sip_listen[i];
		uint8_t proto = strcmp(l->transport, "udp") ? IPPROTO_TCP : IPPROTO_UDP;
		int j;

		for (j = 0; j < sh->n_ports && !port_is(&sh->ports[j], proto, l->port, l->addr); j++)
			;
		if (j < sh->n_ports)
			continue;
		sh->ports[j].proto = proto;
		sh->ports[j].port = l->port;
		sh->ports[j].addr = l->addr;
		sh->n_ports++;
	}
}

/* Field by field: the structs have padding. */
bool shape_eq(const struct nft_shape *a, const struct nft_shape *b)
{
	if (strcmp(a->table, b->table) || strcmp(a->comment, b->comment) || a->max != b->max ||
	    a->n_ports != b->n_ports)
		return false;
	for (int i = 0; i < a->n_ports; i++)
		if (!port_is(&a->ports[i], b->ports[i].proto, b->ports[i].port, b->ports[i].addr))
			return false;
	return true;
}

int elem_push(struct want *w, int *cap, const struct prefix *p, const char *kind,
	      const char *name)
{
	if (w->n == *cap) {
		int c = *cap ? *cap * 2 : 64;
		struct al_elem *e = realloc(w->elems, (size_t)c * sizeof(*e));

		if (!e)
			return -ENOMEM;
		w->elems = e;
		*cap = c;
	}
	w->elems[w->n].p = *p;
	snprintf(w->elems[w->n].origin, AL_ORIGIN_LEN, "%s%s%s", kind, name ? " " : "",
		 name ? name : "");
	w->n++;
	return 0;
}

static void prefix_of4(struct in_addr a, uint8_t len, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->len = len;
	memcpy(p->addr, &a, 4);
}

/* The elements of cfg's regions and trunks, then the runtime ones. */
static int collect(const struct rtpe_cfg *cfg, const struct prefix *rt, int n_rt, struct want *w)
{
	struct prefix p;
	int cap = 0, e = 0;

	for (int i = 0; !e && i < cfg->n_regions; i++) {
		const struct cfg_region *r = &cfg->regions[i];

		for (int k = 0; !e && k < r->n_sbc; k++) {
			struct rs_result res;

			if (!r->sbc_host[k][0]) {
				prefix_of4(r->sbc[k], 32, &p);
				e = elem_push(w, &cap, &p, "region", r->name);
				continue;
			}
			/* a hostname: the addresses of its last good answer */
			resolve_get(r->sbc_host[k], r->sbc_host_port[k], r->transport, &res);
			for (int j = 0; !e && j < res.n; j++) {
				prefix_of4(res.a[j].addr, 32, &p);
				e = elem_push(w, &cap, &p, "region", r->name);
			}
		}
		for (int k = 0; !e && k < r->n_allow; k++)
			e = elem_push(w, &cap, &r->allow[k], "region", r->name);
	}
	for (int i = 0; !e && i < cfg->n_trunks; i++) {
		const struct cfg_trunk *t = &cfg->trunks[i];

		for (int k = 0; !e && k < t->n_addresses; k++) {
			prefix_of4(t->addresses[k].addr, t->addresses[k].prefix, &p);
			e = elem_push(w, &cap, &p, "trunk", t->name);
		}
	}
	for (int i = 0; !e && i < n_rt; i++)
		e = elem_push(w, &cap, &rt[i], "runtime", NULL);
	return e;
}

/* w's ranges from its elements (w is freed on failure). */
int want_ranges(struct want *w, int e)
{
	struct prefix *all = w->n ? malloc((size_t)w->n * sizeof(*all)) : NULL;

	if (!e && w->n && !all)
		e = -ENOMEM;
	for (int i = 0; !e && i < w->n; i++)
		all[i] = w->elems[i].p;
	if (!e)
		e = nft_ranges_build(all, w->n, AF_INET, &w->v4);
	if (!e)
		e = nft_ranges_build(all, w->n, AF_INET6, &w->v6);
	free(all);
	if (e)
		want_free(w);
	return e;
}

/* What cfg asks for, with the runtime additions rt. */
int want_of(const struct rtpe_cfg *cfg, const struct prefix *rt, int n_rt,
	    struct want *w)
{
	memset(w, 0, sizeof(*w));
	w->active = cfg->allowlist && cfg->n_sip_listen > 0;
	w->why = !cfg->allowlist ? "allowlist = no" : "no [sip] listen: no SIP to guard";
	shape_of(cfg, &w->shape);
	return want_ranges(w, collect(cfg, rt, n_rt, w));
}
