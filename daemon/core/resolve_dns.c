// SPDX-License-Identifier: GPL-2.0
/*
 * resolve_dns.c - one name looked up as RFC 3263 says, with libc's
 * res_nquery (blocking: only the resolver thread of resolve.c calls it):
 * the SRV records of the transport's service in priority and weight order
 * (RFC 2782) and the A records of each target, else the name's own A
 * records on the default port; a port given means A records only. The
 * nameserver is /etc/resolv.conf's, or the config's `resolver`.
 */
#include "core/resolve_int.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

const char *rs_service(const char *transport)
{
	if (!strcmp(transport, "tls"))
		return "_sips._tcp";
	return !strcmp(transport, "tcp") ? "_sip._tcp" : "_sip._udp";
}

uint16_t rs_default_port(const char *transport)
{
	return !strcmp(transport, "tls") ? 5061 : 5060;
}

void rs_srv_order(struct rs_srv *v, int n, uint32_t (*rnd)(void *arg), void *arg)
{
	struct rs_srv t;

	/* by priority, stable (insertion sort: n is small) */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1].prio > v[j].prio; j--)
			t = v[j], v[j] = v[j - 1], v[j - 1] = t;
	/* within each priority: the weighted draw of RFC 2782, place by place */
	for (int lo = 0; lo < n; lo++) {
		uint32_t sum = 0, pick, run = 0;
		int hi = lo, k;

		while (hi + 1 < n && v[hi + 1].prio == v[lo].prio)
			hi++;
		for (k = lo; k <= hi; k++)
			sum += v[k].weight;
		if (!sum)
			continue; /* only weight 0 left: the order given */
		pick = rnd(arg) % sum + 1;
		for (k = lo; k <= hi; k++) {
			run += v[k].weight;
			if (v[k].weight && run >= pick)
				break;
		}
		t = v[k];
		memmove(&v[lo + 1], &v[lo], (size_t)(k - lo) * sizeof(t));
		v[lo] = t;
	}
}

static const char *herr(int h)
{
	switch (h) {
	case HOST_NOT_FOUND: return "no such name (NXDOMAIN)";
	case NO_DATA: return "no records of that type";
	case TRY_AGAIN: return "no answer from the nameserver (timeout or SERVFAIL)";
	case NO_RECOVERY: return "the nameserver refused";
	default: return "lookup failed";
	}
}

/* One query; the answer's length, or -1 with *h (h_errno's codes). */
static int query(res_state st, const char *name, int type, unsigned char *buf, int len, int *h)
{
	int n = res_nquery(st, name, ns_c_in, type, buf, len);

	*h = n < 0 ? st->res_h_errno : 0;
	return n;
}

/* The SRV records of an answer. Their number. */
static int parse_srv(const unsigned char *buf, int len, struct rs_srv *v, int max)
{
	ns_msg msg;
	ns_rr rr;
	int n = 0;

	if (ns_initparse(buf, len, &msg) < 0)
		return 0;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++) {
		const unsigned char *rd;

		if (ns_parserr(&msg, ns_s_an, i, &rr) || ns_rr_type(rr) != ns_t_srv ||
		    ns_rr_rdlen(rr) < 7)
			continue;
		rd = ns_rr_rdata(rr);
		v[n].prio = ns_get16(rd);
		v[n].weight = ns_get16(rd + 2);
		v[n].port = ns_get16(rd + 4);
		v[n].ttl = ns_rr_ttl(rr);
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, v[n].target,
			      sizeof(v[n].target)) < 0)
			continue;
		n++;
	}
	return n;
}

/* The A records of name added to out on port, expiring with the smaller
 * of their TTL and ttl_max. 0, or -1 with err. */
static int add_a(res_state st, const char *name, uint16_t port, enum rs_source src,
		 uint32_t ttl_max, struct rs_result *out, char *err, size_t errlen)
{
	unsigned char buf[4096];
	int len, h, found = 0;
	uint64_t now = mono_ns();
	ns_msg msg;
	ns_rr rr;

	len = query(st, name, ns_t_a, buf, sizeof(buf), &h);
	if (len < 0 || ns_initparse(buf, len, &msg) < 0)
		return snprintf(err, errlen, "%s A: %s", name, herr(h)), -1;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		struct rs_addr *a;
		uint32_t ttl;

		if (ns_parserr(&msg, ns_s_an, i, &rr) || ns_rr_type(rr) != ns_t_a ||
		    ns_rr_rdlen(rr) != 4)
			continue;
		found++;
		if (out->n == RS_MAX_ADDRS)
			continue;
		a = &out->a[out->n++];
		memcpy(&a->addr, ns_rr_rdata(rr), 4);
		a->port = port;
		a->source = (uint8_t)src;
		ttl = ns_rr_ttl(rr) < ttl_max ? ns_rr_ttl(rr) : ttl_max;
		a->expires_ns = now + (uint64_t)ttl * 1000000000ull;
	}
	if (!found)
		return snprintf(err, errlen, "%s A: no address", name), -1;
	return 0;
}

static uint32_t rnd32(void *arg)
{
	unsigned *seed = arg;

	return (uint32_t)rand_r(seed) ^ ((uint32_t)rand_r(seed) << 16);
}

/* SRV, then each target's A records (a target without one is skipped). */
static int by_srv(res_state st, const char *host, const char *transport, struct rs_result *out,
		  bool *none, char *err, size_t errlen)
{
	unsigned char buf[4096];
	struct rs_srv v[RS_MAX_SRV];
	char name[CFG_HOST_LEN + 16];
	unsigned seed = (unsigned)mono_ns();
	int len, h, n;

	snprintf(name, sizeof(name), "%s.%s", rs_service(transport), host);
	len = query(st, name, ns_t_srv, buf, sizeof(buf), &h);
	n = len < 0 ? 0 : parse_srv(buf, len, v, RS_MAX_SRV);
	*none = !n && (len >= 0 || h == HOST_NOT_FOUND || h == NO_DATA);
	if (!n) {
		if (!*none)
			snprintf(err, errlen, "%s SRV: %s", name, herr(h));
		return -1;
	}
	rs_srv_order(v, n, rnd32, &seed);
	for (int i = 0; i < n; i++)
		if (strcmp(v[i].target, ".") && v[i].target[0])
			add_a(st, v[i].target, v[i].port, RS_SRC_SRV, v[i].ttl, out, err, errlen);
	if (!out->n && !err[0])
		snprintf(err, errlen, "%s SRV: no target with an address", name);
	return out->n ? 0 : -1;
}

int rs_lookup(const struct rs_key *k, struct in_addr ns, uint16_t ns_port,
	      struct rs_result *out, char *err, size_t errlen)
{
	struct __res_state st;
	bool none = true;
	int e = -1;

	memset(&st, 0, sizeof(st));
	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (res_ninit(&st))
		return snprintf(err, errlen, "cannot read the resolver's configuration"), -1;
	if (ns.s_addr) {
		st.nscount = 1;
		st.nsaddr_list[0].sin_family = AF_INET;
		st.nsaddr_list[0].sin_addr = ns;
		st.nsaddr_list[0].sin_port = htons(ns_port);
	}
	st.retrans = 1; /* 1 s, then 2 s: a lookup gives up after ~3 s */
	st.retry = 2;
	if (!k->port)
		e = by_srv(&st, k->host, k->transport, out, &none, err, errlen);
	if (e && none) {
		out->n = 0;
		err[0] = '\0';
		e = add_a(&st, k->host, k->port ? k->port : rs_default_port(k->transport),
			  RS_SRC_A, UINT32_MAX, out, err, errlen);
	}
	res_nclose(&st);
	return e;
}
