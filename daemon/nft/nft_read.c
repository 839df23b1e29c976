// SPDX-License-Identifier: GPL-2.0
/*
 * nft_read.c - reads rtpedge's table back from the kernel: whether it
 * exists and whose it is (the comment it was made with), its drop
 * counter, and the ranges its sets hold (the elements turned back into
 * ranges: the check that the kernel holds what the allowlist says).
 */
#include "nft/nft_table.h"
#include "nft/nft_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

/* libnftnl's frees do not take NULL. */

/* ---- the table and its comment ------------------------------------------------ */

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT && nftnl_udata_len(attr) &&
	    ((const char *)nftnl_udata_get(attr))[nftnl_udata_len(attr) - 1] == '\0')
		*comment = nftnl_udata_get(attr);
	return 0;
}

struct probe {
	bool found;
	char comment[NFT_COMMENT_LEN];
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	struct nftnl_table *t = nftnl_table_alloc();
	const char *comment = NULL;
	const void *ud;
	uint32_t len = 0;

	if (!t)
		return MNL_CB_ERROR;
	p->found = true;
	if (!nftnl_table_nlmsg_parse(nlh, t) &&
	    (ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len)) &&
	    nftnl_udata_parse(ud, len, comment_cb, &comment) >= 0 && comment)
		snprintf(p->comment, sizeof(p->comment), "%s", comment);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int nft_table_probe(struct nft_sock *s, const char *table, const char *comment,
		    enum nft_owner *owner, char found[NFT_COMMENT_LEN], char *err, size_t errlen)
{
	struct probe p = { 0 };
	char buf[4096];
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int e;

	if (!t || nftnl_table_set_str(t, NFTNL_TABLE_NAME, table)) {
		if (t)
			nftnl_table_free(t);
		return -ENOMEM;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, nft_seq(s));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	*owner = NFT_ABSENT;
	found[0] = '\0';
	e = nft_query(s, nlh, table_cb, &p);
	if (e == -ENOENT)
		return 0;
	if (e) {
		snprintf(err, errlen, "cannot read table inet %s: %s", table, strerror(-e));
		return e;
	}
	*owner = !p.found ? NFT_ABSENT : strcmp(p.comment, comment) ? NFT_FOREIGN : NFT_OURS;
	memcpy(found, p.comment, NFT_COMMENT_LEN);
	return 0;
}

/* ---- the drop counter ----------------------------------------------------------- */

static int counter_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_counter *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!o)
		return MNL_CB_ERROR;
	if (!nftnl_obj_nlmsg_parse(nlh, o)) {
		c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

int nft_table_counter(struct nft_sock *s, const char *table, struct nft_counter *c)
{
	char buf[4096];
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (!o)
		return -ENOMEM;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, "sip_dropped");
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_ACK, nft_seq(s));
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	memset(c, 0, sizeof(*c));
	return nft_query(s, nlh, counter_cb, c);
}

/* ---- the sets' elements --------------------------------------------------------- */

struct elem {
	uint8_t key[16];
	bool end;
};

struct elems {
	struct elem *e;
	int n, cap;
	size_t len; /* key bytes */
	bool oom;
};

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elems *es = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) || !(it = nftnl_set_elems_iter_create(s))) {
		if (s)
			nftnl_set_free(s);
		es->oom = true;
		return MNL_CB_ERROR;
	}
	for (struct nftnl_set_elem *e = nftnl_set_elems_iter_cur(it); e;
	     e = nftnl_set_elems_iter_next(it)) {
		uint32_t klen = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);

		if (!key || klen != es->len)
			continue;
		if (es->n == es->cap) {
			int cap = es->cap ? es->cap * 2 : 64;
			struct elem *ne = realloc(es->e, (size_t)cap * sizeof(*ne));

			if (!ne) {
				es->oom = true;
				break;
			}
			es->e = ne;
			es->cap = cap;
		}
		memset(&es->e[es->n], 0, sizeof(es->e[0]));
		memcpy(es->e[es->n].key, key, klen);
		es->e[es->n].end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
				   (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
				    NFT_SET_ELEM_INTERVAL_END);
		es->n++;
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return es->oom ? MNL_CB_ERROR : MNL_CB_OK;
}

/* By key, an end before a start at the same key. */
static int elem_cmp(const void *a, const void *b)
{
	const struct elem *x = a, *y = b;
	int c = memcmp(x->key, y->key, 16);

	return c ? c : (int)y->end - (int)x->end;
}

/* a - 1 into out (len bytes): the last address before a (a is not 0). */
static void minus_one(const uint8_t *a, uint8_t *out, size_t len)
{
	int i;

	memcpy(out, a, 16);
	for (i = (int)len - 1; i >= 0 && out[i] == 0; i--)
		out[i] = 0xff;
	if (i >= 0)
		out[i]--;
}

/* Sorted elements to ranges: each start up to the next end (exclusive),
 * or to the last address. */
static int elems_to_ranges(struct elems *es, uint8_t family, struct nft_ranges *out)
{
	struct nft_range *r = es->n ? calloc((size_t)es->n, sizeof(*r)) : NULL;
	int m = 0;

	if (es->n && !r)
		return -ENOMEM;
	if (es->n)
		qsort(es->e, (size_t)es->n, sizeof(*es->e), elem_cmp);
	for (int i = 0; i < es->n; i++) {
		if (es->e[i].end)
			continue;
		memcpy(r[m].lo, es->e[i].key, 16);
		memset(r[m].hi, 0, 16);
		if (i + 1 < es->n && es->e[i + 1].end)
			minus_one(es->e[++i].key, r[m].hi, es->len);
		else
			memset(r[m].hi, 0xff, es->len);
		m++;
	}
	nft_ranges_free(out);
	out->family = family;
	out->r = r;
	out->n = m;
	return 0;
}

int nft_table_read_set(struct nft_sock *s, const char *table, uint8_t family,
		       struct nft_ranges *out)
{
	char buf[4096];
	struct nftnl_set *set = nftnl_set_alloc();
	struct elems es = { .len = family == AF_INET ? 4 : 16 };
	struct nlmsghdr *nlh;
	int e;

	if (!set || nftnl_set_set_str(set, NFTNL_SET_TABLE, table) ||
	    nftnl_set_set_str(set, NFTNL_SET_NAME, family == AF_INET ? "allow4" : "allow6")) {
		if (set)
			nftnl_set_free(set);
		return -ENOMEM;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, nft_seq(s));
	nftnl_set_elems_nlmsg_build_payload(nlh, set);
	nftnl_set_free(set);
	e = nft_query(s, nlh, elems_cb, &es);
	if (!e)
		e = es.oom ? -ENOMEM : elems_to_ranges(&es, family, out);
	free(es.e);
	return e;
}
