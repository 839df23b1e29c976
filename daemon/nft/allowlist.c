// SPDX-License-Identifier: GPL-2.0
/*
 * allowlist.c - the SIP allowlist (allowlist.h): its elements with their
 * origins, computed from the config (regions, their catalogue addresses,
 * trunks) and the runtime additions; what the kernel must hold (merged
 * ranges per family, the table's shape: allowlist_want.c); the changes
 * that get it there, each one netlink batch (nft_table.c); the check every
 * AL_CHECK_MS that the table is still there and holds what it should.
 */
#include "nft/allowlist.h"
#include "nft/allowlist_want.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "core/log.h"
#include "nft/allowlist_file.h"

struct allowlist {
	struct loop *loop;
	int timer;                   /* the check's timer fd, -1 none */
	struct nft_sock *s;          /* opened when first needed */
	bool active;                 /* the table is in force */
	const char *why;             /* why not, when !active */
	struct nft_shape shape;      /* of the table in force */
	struct al_elem *elems;       /* config, then runtime */
	int n;
	struct prefix *runtime;
	int n_runtime;
	struct nft_ranges v4, v6;    /* what the table's sets hold */
	char file[300];              /* the runtime additions' file */
	char last_check_err[256];    /* logged once until it changes */
};

/* What al has, with the runtime additions rt instead of its own. */
static int want_runtime(const struct allowlist *al, const struct prefix *rt, int n_rt,
			struct want *w)
{
	int cap = 0, e = 0;

	memset(w, 0, sizeof(*w));
	w->active = al->active;
	w->why = al->why;
	w->shape = al->shape;
	for (int i = 0; !e && i < al->n - al->n_runtime; i++) {
		e = elem_push(w, &cap, &al->elems[i].p, "", NULL);
		if (!e)
			memcpy(w->elems[w->n - 1].origin, al->elems[i].origin, AL_ORIGIN_LEN);
	}
	for (int i = 0; !e && i < n_rt; i++)
		e = elem_push(w, &cap, &rt[i], "runtime", NULL);
	return want_ranges(w, e);
}

/* The socket, opened on first use. */
static int sock(struct allowlist *al, char *err, size_t errlen)
{
	return al->s ? 0 : nft_open(&al->s, err, errlen);
}

/* Adds what the operator can do about a refusal to err. */
static void hint(int e, const struct nft_shape *sh, char *err, size_t errlen)
{
	size_t len = strlen(err);

	if (e == -ENFILE)
		snprintf(err + len, errlen - len, ": more than allowlist_max = %u ranges of one address family",
			 sh->max);
	else if (e == -EPERM)
		snprintf(err + len, errlen - len, ": rtpedged needs CAP_NET_ADMIN");
}

/* A new table of shape w (deleting rtpedged's old one in the same batch). */
static int build(struct allowlist *al, const struct want *w, char *err, size_t errlen)
{
	const char *t = w->shape.table;
	struct nft_counter start = { 0 };
	char found[NFT_COMMENT_LEN];
	enum nft_owner owner;
	const char *old = NULL;
	int e = sock(al, err, errlen);

	if (!e)
		e = nft_table_probe(al->s, t, w->shape.comment, &owner, found, err, errlen);
	if (e)
		return e;
	if (owner == NFT_FOREIGN) {
		snprintf(err, errlen, "table inet %s exists and is not this rtpedged's (%s%.*s%s): leave it, or delete it (nft delete table inet %s), or set another allowlist_table",
			 t, found[0] ? "comment \"" : "no comment", found[0] ? 100 : 0, found,
			 found[0] ? "\"" : "", t);
		return -EEXIST;
	}
	if (al->active && strcmp(al->shape.table, t))
		old = al->shape.table;
	if (owner == NFT_OURS || old) /* the counter goes on where it was */
		nft_table_counter(al->s, owner == NFT_OURS ? t : old, &start);
	e = nft_table_build(al->s, &w->shape, owner == NFT_OURS, old, &w->v4, &w->v6, &start, err,
			    errlen);
	hint(e, &w->shape, err, errlen);
	return e;
}

/* Makes the kernel hold w, from what al says it holds. 0 or -errno. */
static int apply(struct allowlist *al, const struct want *w, char *err, size_t errlen)
{
	int e = 0;

	if (w->active && (w->v4.n > (int)w->shape.max || w->v6.n > (int)w->shape.max)) {
		snprintf(err, errlen, "%d IPv4 and %d IPv6 ranges: more than allowlist_max = %u of one family",
			 w->v4.n, w->v6.n, w->shape.max);
		return -ENOSPC;
	}
	if (!w->active) {
		if (al->active && !(e = sock(al, err, errlen)))
			e = nft_table_delete(al->s, al->shape.table, err, errlen);
		return e;
	}
	if (!al->active || !shape_eq(&al->shape, &w->shape))
		return build(al, w, err, errlen);
	if (nft_ranges_eq(&al->v4, &w->v4) && nft_ranges_eq(&al->v6, &w->v6))
		return 0;
	e = sock(al, err, errlen);
	if (!e)
		e = nft_table_set_elements(al->s, w->shape.table, &w->v4, &w->v6, err, errlen);
	hint(e, &w->shape, err, errlen);
	return e;
}

/* al takes w's contents (w is left empty). */
static void commit(struct allowlist *al, struct want *w)
{
	free(al->elems);
	nft_ranges_free(&al->v4);
	nft_ranges_free(&al->v6);
	al->active = w->active;
	al->why = w->why;
	al->shape = w->shape;
	al->elems = w->elems;
	al->n = w->n;
	al->v4 = w->v4;
	al->v6 = w->v6;
	memset(w, 0, sizeof(*w));
}

/* ---- the periodic check -------------------------------------------------------- */

/* Puts back what was changed from outside. 0, or -errno with err. */
static int check(struct allowlist *al, char *err, size_t errlen)
{
	static const struct nft_counter zero;
	struct nft_ranges k4 = { 0 }, k6 = { 0 };
	const char *t = al->shape.table;
	char found[NFT_COMMENT_LEN];
	enum nft_owner owner;
	int e = sock(al, err, errlen);

	if (!e)
		e = nft_table_probe(al->s, t, al->shape.comment, &owner, found, err, errlen);
	if (e)
		return e;
	if (owner == NFT_FOREIGN) {
		snprintf(err, errlen, "table inet %s was replaced by one rtpedged did not make: SIP is not guarded by rtpedged",
			 t);
		return -EEXIST;
	}
	if (owner == NFT_ABSENT) {
		log_warn("allowlist: table inet %s is gone (deleted from outside rtpedged): creating it again",
			 t);
		e = nft_table_build(al->s, &al->shape, false, NULL, &al->v4, &al->v6, &zero, err,
				    errlen);
		hint(e, &al->shape, err, errlen);
		return e;
	}
	e = nft_table_read_set(al->s, t, AF_INET, &k4);
	if (!e)
		e = nft_table_read_set(al->s, t, AF_INET6, &k6);
	if (e == -ENOENT) {
		log_warn("allowlist: a set of table inet %s is gone (changed from outside rtpedged): building the table again",
			 t);
		e = nft_table_build(al->s, &al->shape, true, NULL, &al->v4, &al->v6, &zero, err,
				    errlen);
		hint(e, &al->shape, err, errlen);
	} else if (e)
		snprintf(err, errlen, "cannot read the sets of table inet %s: %s", t, strerror(-e));
	else if (!nft_ranges_eq(&k4, &al->v4) || !nft_ranges_eq(&k6, &al->v6)) {
		log_warn("allowlist: the sets of table inet %s were changed from outside rtpedged: putting its %d elements back",
			 t, al->n);
		e = nft_table_set_elements(al->s, t, &al->v4, &al->v6, err, errlen);
		hint(e, &al->shape, err, errlen);
	}
	nft_ranges_free(&k4);
	nft_ranges_free(&k6);
	return e;
}

static void on_check(struct loop *l, void *arg)
{
	struct allowlist *al = arg;
	char err[sizeof(al->last_check_err)] = "";

	if (!al->active)
		return;
	if (!check(al, err, sizeof(err))) {
		al->last_check_err[0] = '\0';
	} else if (strcmp(err, al->last_check_err)) { /* once, not every few seconds */
		log_err("allowlist: %s", err);
		memcpy(al->last_check_err, err, sizeof(err));
	}
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void log_state(const struct allowlist *al, const char *verb)
{
	if (!al->active) {
		log_info("allowlist: off (%s)", al->why);
		return;
	}
	log_info("allowlist: table inet %s %s: %d elements (%d IPv4, %d IPv6 ranges, %d runtime) may send SIP to %d ports",
		 al->shape.table, verb, al->n, al->v4.n, al->v6.n, al->n_runtime, al->shape.n_ports);
}

/* With the allowlist off, the table this rtpedged left under that name
 * goes (a stale one would go on dropping SIP the operator now allows). */
static void remove_leftover(struct allowlist *al, const struct nft_shape *sh)
{
	char err[256], found[NFT_COMMENT_LEN];
	const char *table = sh->table;
	enum nft_owner owner;

	if (sock(al, err, sizeof(err)) ||
	    nft_table_probe(al->s, table, sh->comment, &owner, found, err, sizeof(err)) ||
	    owner != NFT_OURS)
		return;
	if (nft_table_delete(al->s, table, err, sizeof(err)))
		log_err("allowlist: cannot delete table inet %s: %s", table, err);
	else
		log_info("allowlist: deleted table inet %s, left by an earlier run", table);
}

int allowlist_start(struct allowlist **out, const struct rtpe_cfg *cfg, struct loop *loop,
		    char *err, size_t errlen)
{
	struct allowlist *al = calloc(1, sizeof(*al));
	char why[400];
	struct want w;
	int e;

	*out = al;
	if (!al)
		return -ENOMEM;
	al->loop = loop;
	al->timer = -1;
	snprintf(al->file, sizeof(al->file), "%s.allowlist", cfg->state_file);
	e = al_file_read(al->file, &al->runtime, &al->n_runtime);
	if (e) {
		snprintf(err, errlen, "allowlist: cannot read %s: %s", al->file, strerror(-e));
		return e;
	}
	e = want_of(cfg, al->runtime, al->n_runtime, &w);
	if (e) {
		snprintf(err, errlen, "allowlist: out of memory");
		return e;
	}
	if (!w.active) {
		remove_leftover(al, &w.shape);
	} else if ((e = apply(al, &w, why, sizeof(why)))) {
		snprintf(err, errlen, "allowlist: %s (allowlist = no in [relay] turns it off)", why);
		want_free(&w);
		return e;
	}
	commit(al, &w);
	log_state(al, "in force");
	if (loop && (e = loop_every(loop, AL_CHECK_MS, on_check, al)) >= 0)
		al->timer = e;
	return e < 0 ? e : 0;
}

int allowlist_reload(struct allowlist *al, const struct rtpe_cfg *cfg, char *err, size_t errlen)
{
	char why[400];
	struct want w;

	if (want_of(cfg, al->runtime, al->n_runtime, &w)) {
		snprintf(err, errlen, "allowlist: out of memory");
		return -1;
	}
	if (apply(al, &w, why, sizeof(why))) {
		snprintf(err, errlen, "allowlist: %s", why);
		want_free(&w);
		return -1;
	}
	commit(al, &w);
	log_state(al, "reloaded");
	return 0;
}

int allowlist_resolved(struct allowlist *al, const struct rtpe_cfg *cfg)
{
	char why[400];
	struct want w;
	bool same;

	if (!al || want_of(cfg, al->runtime, al->n_runtime, &w))
		return -ENOMEM;
	same = nft_ranges_eq(&al->v4, &w.v4) && nft_ranges_eq(&al->v6, &w.v6);
	if (apply(al, &w, why, sizeof(why))) {
		log_err("allowlist: the regions' resolved SBC addresses changed, and the table cannot follow: %s",
			why);
		want_free(&w);
		return -1;
	}
	commit(al, &w);
	if (!same)
		log_state(al, "updated (a region's SBC hostname resolves to other addresses)");
	return 0;
}

void allowlist_stop(struct allowlist *al, bool remove)
{
	char err[256];

	if (!al)
		return;
	if (al->timer >= 0) {
		loop_del(al->loop, al->timer);
		close(al->timer);
	}
	if (remove && al->active) {
		if (sock(al, err, sizeof(err)) || nft_table_delete(al->s, al->shape.table, err, sizeof(err)))
			log_err("allowlist: cannot delete table inet %s: %s", al->shape.table, err);
		else
			log_info("allowlist: deleted table inet %s", al->shape.table);
	}
	nft_close(al->s);
	free(al->elems);
	free(al->runtime);
	nft_ranges_free(&al->v4);
	nft_ranges_free(&al->v6);
	free(al);
}

/* ---- runtime additions ------------------------------------------------------------ */

/* Makes rt (malloc'd, taken over) the runtime additions: the file first,
 * then the kernel; when the kernel refuses, the file goes back. */
static int set_runtime(struct allowlist *al, struct prefix *rt, int n, char *err, size_t errlen)
{
	struct want w;
	char err2[256];

	if (want_runtime(al, rt, n, &w)) {
		free(rt);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (al_file_write(al->file, rt, n, err, errlen)) {
		want_free(&w);
		free(rt);
		return -1;
	}
	if (al->active && apply(al, &w, err, errlen)) {
		if (al_file_write(al->file, al->runtime, al->n_runtime, err2, sizeof(err2)))
			log_err("allowlist: %s", err2);
		want_free(&w);
		free(rt);
		return -1;
	}
	commit(al, &w);
	free(al->runtime);
	al->runtime = rt;
	al->n_runtime = n;
	return 0;
}

int allowlist_add(struct allowlist *al, const struct prefix *p, char *err, size_t errlen)
{
	struct prefix *rt;

	if (!al->active) {
		snprintf(err, errlen, "the allowlist is off (%s)", al->why);
		return -1;
	}
	for (int i = 0; i < al->n_runtime; i++)
		if (prefix_eq(&al->runtime[i], p))
			return 1;
	if (al->n_runtime >= AL_MAX_RUNTIME) {
		snprintf(err, errlen, "already %d runtime additions: put ranges in the config", al->n_runtime);
		return -1;
	}
	rt = malloc((size_t)(al->n_runtime + 1) * sizeof(*rt));
	if (!rt) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (al->n_runtime)
		memcpy(rt, al->runtime, (size_t)al->n_runtime * sizeof(*rt));
	rt[al->n_runtime] = *p;
	return set_runtime(al, rt, al->n_runtime + 1, err, errlen);
}

int allowlist_del(struct allowlist *al, const struct prefix *p, char *err, size_t errlen)
{
	char buf[PREFIX_STRLEN];
	struct prefix *rt;
	int i, k = 0;

	for (i = 0; i < al->n_runtime && !prefix_eq(&al->runtime[i], p); i++)
		;
	if (i == al->n_runtime) {
		for (int j = 0; j < al->n; j++)
			if (prefix_eq(&al->elems[j].p, p)) {
				snprintf(err, errlen, "%s comes from %s, not from allowlist add: change the config (or the catalogue) and reload",
					 prefix_str(p, buf, sizeof(buf)), al->elems[j].origin);
				return -1;
			}
		snprintf(err, errlen, "%s is not a runtime addition of the allowlist",
			 prefix_str(p, buf, sizeof(buf)));
		return -1;
	}
	rt = malloc((size_t)al->n_runtime * sizeof(*rt));
	if (!rt) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int j = 0; j < al->n_runtime; j++)
		if (j != i)
			rt[k++] = al->runtime[j];
	return set_runtime(al, rt, k, err, errlen);
}

/* ---- what show and the metrics read ------------------------------------------------ */

bool allowlist_active(const struct allowlist *al, const char **why)
{
	if (why)
		*why = al->active ? NULL : al->why;
	return al->active;
}

const struct nft_shape *allowlist_shape(const struct allowlist *al)
{
	return &al->shape;
}

int allowlist_elements(const struct allowlist *al, const struct al_elem **elems)
{
	*elems = al->elems;
	return al->n;
}

int allowlist_dropped(struct allowlist *al, struct nft_counter *c)
{
	char err[128];

	memset(c, 0, sizeof(*c));
	if (!al->active)
		return -ENODATA;
	if (sock(al, err, sizeof(err)))
		return -EIO;
	return nft_table_counter(al->s, al->shape.table, c);
}

int allowlist_in_kernel(struct allowlist *al, bool *in_kernel)
{
	struct nft_ranges k4 = { 0 }, k6 = { 0 };
	char err[128];
	int e;

	if (!al->active)
		return -ENODATA;
	e = sock(al, err, sizeof(err));
	if (!e)
		e = nft_table_read_set(al->s, al->shape.table, AF_INET, &k4);
	if (!e)
		e = nft_table_read_set(al->s, al->shape.table, AF_INET6, &k6);
	for (int i = 0; !e && i < al->n; i++)
		in_kernel[i] = nft_ranges_cover(al->elems[i].p.family == AF_INET ? &k4 : &k6,
						&al->elems[i].p);
	nft_ranges_free(&k4);
	nft_ranges_free(&k6);
	return e;
}
