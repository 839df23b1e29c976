// SPDX-License-Identifier: GPL-2.0
/*
 * nft_table.c - writes rtpedge's table (nft_table.h) as libnftnl messages
 * into one batch: the table with its comment, the drop counter, the two
 * interval sets and their elements, the chains and rules; element updates
 * (flush both sets, add the new elements: one transaction, so no packet
 * meets a half-changed set); deletion.
 *
 * An interval set holds a range [lo, hi] as two elements, lo and hi + 1
 * flagged "interval end" (none when hi is the last address), plus a
 * leading end element at address 0 when no range starts there: what the
 * nft program writes, so that it lists the sets as prefixes.
 */
#include "nft/nft_table.h"
#include "nft/nft_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#define SET4 "allow4"
#define SET6 "allow6"
#define COUNTER "sip_dropped"
#define ELEMS_PER_MSG 256

/* libnftnl's frees do not take NULL: every one here is guarded. */

enum { SET4_ID = 1, SET6_ID = 2 }; /* the sets' ids inside one batch */

static const char *set_name(uint8_t family)
{
	return family == AF_INET ? SET4 : SET6;
}

void nft_comment(char out[NFT_COMMENT_LEN], const char *sock)
{
	snprintf(out, NFT_COMMENT_LEN, NFT_COMMENT_MARK "rtpedgectl -s %s allowlist", sock);
}

static void add_table(struct nft_batch *bt, const char *name, const char *comment)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	struct nlmsghdr *nlh;

	if (!t || !ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_TABLE_COMMENT, comment) ||
	    nftnl_table_set_str(t, NFTNL_TABLE_NAME, name) ||
	    nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud),
				 nftnl_udata_buf_len(ud)))
		bt->oom = true;
	nlh = nft_batch_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL,
			    "create table inet %s", name);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		nft_batch_next(bt);
	}
	if (ud)
		nftnl_udata_buf_free(ud);
	if (t)
		nftnl_table_free(t);
}

static void del_table(struct nft_batch *bt, const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t || nftnl_table_set_str(t, NFTNL_TABLE_NAME, name))
		bt->oom = true;
	nlh = nft_batch_msg(bt, NFT_MSG_DELTABLE, 0, "delete table inet %s", name);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		nft_batch_next(bt);
	}
	if (t)
		nftnl_table_free(t);
}

static void add_counter(struct nft_batch *bt, const char *table, const struct nft_counter *start)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (!o) {
		bt->oom = true;
	} else {
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, COUNTER);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, start->packets);
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, start->bytes);
	}
	nlh = nft_batch_msg(bt, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL,
			    "create counter %s in table inet %s", COUNTER, table);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nft_batch_next(bt);
	}
	if (o)
		nftnl_obj_free(o);
}

static void add_set(struct nft_batch *bt, const char *table, uint8_t family, unsigned max)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	bool v4 = family == AF_INET;

	if (!s || nftnl_set_set_str(s, NFTNL_SET_TABLE, table) ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, set_name(family)))
		bt->oom = true;
	else {
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
		nftnl_set_set_u32(s, NFTNL_SET_ID, v4 ? SET4_ID : SET6_ID);
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, v4 ? 7 : 8); /* nft's ipv4_addr, ipv6_addr */
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, v4 ? 4 : 16);
		/* A backstop: the daemon holds to max ranges itself. Kernels
		 * since 6.14 count a set's size in ranges, earlier ones in
		 * elements (two a range, and the leading end): either way
		 * max ranges fit. */
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 2 * max + 1);
	}
	nlh = nft_batch_msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL,
			    "create set %s (at most %u ranges) in table inet %s", set_name(family),
			    max, table);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nft_batch_next(bt);
	}
	if (s)
		nftnl_set_free(s);
}

/* An element message for the set of family (by id too when the set is
 * made in this batch); type NEWSETELEM or DELSETELEM (none given: flush). */
static struct nftnl_set *elem_set(struct nft_batch *bt, const char *table, uint8_t family,
				  bool by_id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s || nftnl_set_set_str(s, NFTNL_SET_TABLE, table) ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, set_name(family))) {
		bt->oom = true;
		return s;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	if (by_id)
		nftnl_set_set_u32(s, NFTNL_SET_ID, family == AF_INET ? SET4_ID : SET6_ID);
	return s;
}

static void put_elem(struct nft_batch *bt, struct nftnl_set *s, const uint8_t *key, size_t len,
		     bool end)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e || nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)len)) {
		bt->oom = true;
		if (e)
			nftnl_set_elem_free(e);
		return;
	}
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
}

static void send_elems(struct nft_batch *bt, struct nftnl_set *s, uint16_t type, int n,
		       const char *table, uint8_t family)
{
	struct nlmsghdr *nlh;

	if (n)
		nlh = nft_batch_msg(bt, type, NLM_F_CREATE, "add %d elements to set %s of table inet %s",
				    n, set_name(family), table);
	else
		nlh = nft_batch_msg(bt, type, 0, "flush set %s of table inet %s", set_name(family),
				    table);
	if (nlh && s) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nft_batch_next(bt);
	}
	if (s)
		nftnl_set_free(s);
}

/* a + 1 into out (len bytes); false when a is the last address. */
static bool plus_one(const uint8_t *a, uint8_t *out, size_t len)
{
	int i;

	memcpy(out, a, 16);
	for (i = (int)len - 1; i >= 0 && out[i] == 0xff; i--)
		out[i] = 0;
	if (i < 0)
		return false;
	out[i]++;
	return true;
}

/* The elements of ranges r, in messages of at most ELEMS_PER_MSG. */
static void add_elements(struct nft_batch *bt, const char *table, const struct nft_ranges *r,
			 bool by_id)
{
	size_t len = r->family == AF_INET ? 4 : 16;
	static const uint8_t zero[16];
	struct nftnl_set *s = NULL;
	uint8_t next[16];
	int n = 0;

	for (int i = 0; i < r->n && !bt->oom; i++) {
		if (!s)
			s = elem_set(bt, table, r->family, by_id);
		if (!i && memcmp(r->r[0].lo, zero, len)) {
			put_elem(bt, s, zero, len, true);
			n++;
		}
		put_elem(bt, s, r->r[i].lo, len, false);
		n++;
		if (plus_one(r->r[i].hi, next, len)) {
			put_elem(bt, s, next, len, true);
			n++;
		}
		if (n >= ELEMS_PER_MSG || i + 1 == r->n) {
			send_elems(bt, s, NFT_MSG_NEWSETELEM, n, table, r->family);
			s = NULL;
			n = 0;
		}
	}
	if (s)
		nftnl_set_free(s);
}

/* ---- chains and rules ---------------------------------------------------------- */

static void add_chain(struct nft_batch *bt, const char *table, const char *name, bool base)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c || nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table) ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name) ||
	    (base && nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter"))) {
		bt->oom = true;
	} else if (base) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_PRE_ROUTING);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, NF_IP_PRI_RAW);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = nft_batch_msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL,
			    base ? "create chain %s (hook prerouting, priority raw) in table inet %s" :
				   "create chain %s in table inet %s", name, table);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nft_batch_next(bt);
	}
	if (c)
		nftnl_chain_free(c);
}

/* A rule being written: expressions load into register 1 and compare it. */
struct rule {
	struct nft_batch *bt;
	struct nftnl_rule *r;
};

static struct nftnl_expr *expr(struct rule *rl, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e || !rl->r)
		rl->bt->oom = true;
	return e;
}

static void expr_add(struct rule *rl, struct nftnl_expr *e)
{
	if (e && rl->r)
		nftnl_rule_add_expr(rl->r, e);
	else if (e)
		nftnl_expr_free(e);
}

static void x_meta(struct rule *rl, uint32_t key)
{
	struct nftnl_expr *e = expr(rl, "meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	expr_add(rl, e);
}

static void x_cmp(struct rule *rl, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(rl, "cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		if (nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len))
			rl->bt->oom = true;
	}
	expr_add(rl, e);
}

static void x_payload(struct rule *rl, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = expr(rl, "payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	expr_add(rl, e);
}

/* meta nfproto ipv4|ipv6: what `ip ...` / `ip6 ...` need in an inet table. */
static void x_nfproto(struct rule *rl, uint8_t family)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	x_meta(rl, NFT_META_NFPROTO);
	x_cmp(rl, &proto, sizeof(proto));
}

static void x_verdict(struct rule *rl, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr(rl, "immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
		if (chain && nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain))
			rl->bt->oom = true;
	}
	expr_add(rl, e);
}

static struct rule rule_begin(struct nft_batch *bt)
{
	struct rule rl = { bt, nftnl_rule_alloc() };

	if (!rl.r)
		bt->oom = true;
	return rl;
}

static void rule_end(struct rule *rl, const char *table, const char *chain, const char *what)
{
	struct nlmsghdr *nlh;

	if (rl->r && (nftnl_rule_set_str(rl->r, NFTNL_RULE_TABLE, table) ||
		      nftnl_rule_set_str(rl->r, NFTNL_RULE_CHAIN, chain)))
		rl->bt->oom = true;
	nlh = nft_batch_msg(rl->bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			    "add rule \"%s\" to chain %s of table inet %s", what, chain, table);
	if (nlh && rl->r) {
		nftnl_rule_nlmsg_build_payload(nlh, rl->r);
		nft_batch_next(rl->bt);
	}
	if (rl->r)
		nftnl_rule_free(rl->r);
}

/* chain sip4|sip6 { ip saddr @allow4 accept; counter name sip_dropped drop } */
static void add_sip_chain(struct nft_batch *bt, const char *table, uint8_t family)
{
	const char *chain = family == AF_INET ? "sip4" : "sip6";
	struct rule rl;
	struct nftnl_expr *e;

	add_chain(bt, table, chain, false);
	rl = rule_begin(bt);
	x_nfproto(&rl, family);
	x_payload(&rl, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8,
		  family == AF_INET ? 4 : 16);
	if ((e = expr(&rl, "lookup"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, family == AF_INET ? SET4_ID : SET6_ID);
		if (nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set_name(family)))
			bt->oom = true;
	}
	expr_add(&rl, e);
	x_verdict(&rl, NF_ACCEPT, NULL);
	rule_end(&rl, table, chain, family == AF_INET ? "ip saddr @" SET4 " accept" :
							"ip6 saddr @" SET6 " accept");
	rl = rule_begin(bt);
	if ((e = expr(&rl, "objref"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		if (nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, COUNTER))
			bt->oom = true;
	}
	expr_add(&rl, e);
	x_verdict(&rl, NF_DROP, NULL);
	rule_end(&rl, table, chain, "counter name " COUNTER " drop");
}

/* meta nfproto ipv4 [ip daddr A] udp|tcp dport P [fib daddr type local] goto sip4 */
static void add_port_rule(struct nft_batch *bt, const char *table, const struct nft_sip_port *p)
{
	uint16_t port = htons(p->port);
	uint32_t local = RTN_LOCAL;
	char what[96], ip[INET_ADDRSTRLEN];
	struct rule rl = rule_begin(bt);
	struct nftnl_expr *e;

	x_nfproto(&rl, AF_INET);
	if (p->addr.s_addr) {
		x_payload(&rl, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
		x_cmp(&rl, &p->addr, 4);
	}
	x_meta(&rl, NFT_META_L4PROTO);
	x_cmp(&rl, &p->proto, 1);
	x_payload(&rl, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	x_cmp(&rl, &port, 2);
	if (!p->addr.s_addr && (e = expr(&rl, "fib"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		expr_add(&rl, e);
		x_cmp(&rl, &local, 4);
	}
	x_verdict(&rl, NFT_GOTO, "sip4");
	inet_ntop(AF_INET, &p->addr, ip, sizeof(ip));
	snprintf(what, sizeof(what), "%s%s %s dport %u goto sip4", p->addr.s_addr ? "ip daddr " : "",
		 p->addr.s_addr ? ip : "", p->proto == IPPROTO_UDP ? "udp" : "tcp", p->port);
	rule_end(&rl, table, "prerouting", what);
}

/* ---- the batches ------------------------------------------------------------- */

int nft_table_build(struct nft_sock *s, const struct nft_shape *shape, bool replace,
		    const char *old, const struct nft_ranges *v4, const struct nft_ranges *v6,
		    const struct nft_counter *start, char *err, size_t errlen)
{
	const char *t = shape->table;
	struct nft_batch bt;

	if (!nft_batch_begin(&bt, s)) {
		nft_batch_abort(&bt);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (old)
		del_table(&bt, old);
	if (replace)
		del_table(&bt, t);
	add_table(&bt, t, shape->comment);
	add_counter(&bt, t, start);
	add_set(&bt, t, AF_INET, shape->max);
	add_set(&bt, t, AF_INET6, shape->max);
	add_elements(&bt, t, v4, true);
	add_elements(&bt, t, v6, true);
	add_sip_chain(&bt, t, AF_INET);
	add_sip_chain(&bt, t, AF_INET6);
	add_chain(&bt, t, "prerouting", true);
	for (int i = 0; i < shape->n_ports; i++)
		add_port_rule(&bt, t, &shape->ports[i]);
	return nft_batch_commit(&bt, err, errlen);
}

int nft_table_set_elements(struct nft_sock *s, const char *table, const struct nft_ranges *v4,
			   const struct nft_ranges *v6, char *err, size_t errlen)
{
	struct nft_batch bt;

	if (!nft_batch_begin(&bt, s)) {
		nft_batch_abort(&bt);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	send_elems(&bt, elem_set(&bt, table, AF_INET, false), NFT_MSG_DELSETELEM, 0, table, AF_INET);
	send_elems(&bt, elem_set(&bt, table, AF_INET6, false), NFT_MSG_DELSETELEM, 0, table,
		   AF_INET6);
	add_elements(&bt, table, v4, false);
	add_elements(&bt, table, v6, false);
	return nft_batch_commit(&bt, err, errlen);
}

int nft_table_delete(struct nft_sock *s, const char *table, char *err, size_t errlen)
{
	struct nft_batch bt;
	int e;

	if (!nft_batch_begin(&bt, s)) {
		nft_batch_abort(&bt);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	del_table(&bt, table);
	e = nft_batch_commit(&bt, err, errlen);
	return e == -ENOENT ? 0 : e;
}
