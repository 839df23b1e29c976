// SPDX-License-Identifier: GPL-2.0
/*
 * sip_regions.c - the `regions` reply (docs/CONTROL.md), read by the loop
 * thread under the health table's mutex: each region's SBC addresses with
 * their health (sip_health.c) and, for the addresses a hostname gave, the
 * hostname, the record they came from (SRV or A) and the TTL left; each
 * hostname's lookup (resolved, failures, the last error); the trunks whose
 * target is a hostname, with their addresses.
 */
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/clock.h"
#include "core/resolve.h"

static void str_or_null(struct jbuf *b, const char *s)
{
	if (s && *s)
		jbuf_str(b, s, strlen(s));
	else
		jbuf_lit(b, "null");
}

/* ,"source":"SRV","ttl_s":N of addr:port in a hostname's answer. */
static void record_of(struct jbuf *b, const struct rs_result *res, struct in_addr addr,
		      uint16_t port, uint64_t now)
{
	for (int i = 0; i < res->n; i++) {
		const struct rs_addr *a = &res->a[i];

		if (a->addr.s_addr != addr.s_addr || a->port != port)
			continue;
		if (a->source == RS_SRC_SRV)
			jbuf_lit(b, ",\"source\":\"SRV\",\"ttl_s\":");
		else
			jbuf_lit(b, ",\"source\":\"A\",\"ttl_s\":");
		jbuf_u64(b, a->expires_ns > now ? (a->expires_ns - now + 999999999) / 1000000000 : 0);
		return;
	}
}

static void address_write(struct jbuf *b, const struct cfg_region *cr, const struct sip_sbc *s,
			  uint64_t now)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->addr, a, sizeof(a));
	jbuf_lit(b, "{\"address\":");
	jbuf_str(b, a, strlen(a));
	jbuf_lit(b, ",\"port\":");
	jbuf_u64(b, s->port);
	if (s->up)
		jbuf_lit(b, ",\"up\":true,\"last_reply_ms\":");
	else
		jbuf_lit(b, ",\"up\":false,\"last_reply_ms\":");
	if (s->last_reply_ns)
		jbuf_u64(b, (now - s->last_reply_ns) / 1000000);
	else
		jbuf_lit(b, "null");
	jbuf_lit(b, ",\"rtt_ms\":");
	if (s->rtt_us >= 0)
		jbuf_double(b, (double)s->rtt_us / 1000.0);
	else
		jbuf_lit(b, "null");
	jbuf_lit(b, ",\"calls\":");
	jbuf_u64(b, s->calls);
	if (s->host >= 0 && s->host < cr->n_sbc && cr->sbc_host[s->host][0]) {
		struct rs_result res;
		const char *h = cr->sbc_host[s->host];

		jbuf_lit(b, ",\"hostname\":");
		jbuf_str(b, h, strlen(h));
		resolve_get(h, cr->sbc_host_port[s->host], cr->transport, &res);
		record_of(b, &res, s->addr, s->port, now);
	}
	jbuf_lit(b, "}");
}

/* One hostname's lookup: {"hostname","port","lookup","resolved","failures","error"}. */
static void lookup_write(struct jbuf *b, const char *host, uint16_t port, const char *transport,
			 uint64_t now)
{
	struct rs_result res;
	char what[40];

	resolve_get(host, port, transport, &res);
	jbuf_lit(b, "{\"hostname\":");
	jbuf_str(b, host, strlen(host));
	jbuf_lit(b, ",\"port\":");
	if (port)
		jbuf_u64(b, port);
	else
		jbuf_lit(b, "null");
	if (port)
		snprintf(what, sizeof(what), "A");
	else
		snprintf(what, sizeof(what), "%s SRV, then A", rs_service(transport));
	jbuf_lit(b, ",\"lookup\":");
	jbuf_str(b, what, strlen(what));
	if (res.resolved) {
		jbuf_lit(b, ",\"resolved\":true,\"age_ms\":");
		jbuf_u64(b, (now - res.at_ns) / 1000000);
	} else {
		jbuf_lit(b, ",\"resolved\":false,\"age_ms\":null");
	}
	jbuf_lit(b, ",\"failures\":");
	jbuf_u64(b, res.failures);
	jbuf_lit(b, ",\"error\":");
	str_or_null(b, res.error);
	jbuf_lit(b, "}");
}

static void region_write(struct jbuf *b, const struct sip_hregion *r, const struct cfg_region *cr,
			 uint64_t now)
{
	bool first = true;

	jbuf_lit(b, "{\"name\":");
	jbuf_str(b, r->name, strlen(r->name));
	jbuf_lit(b, ",\"transport\":");
	jbuf_str(b, cr->transport, strlen(cr->transport));
	jbuf_lit(b, ",\"strategy\":");
	jbuf_str(b, cr->strategy, strlen(cr->strategy));
	jbuf_lit(b, ",\"addresses\":[");
	for (int k = 0; k < r->n; k++) {
		if (k)
			jbuf_lit(b, ",");
		address_write(b, cr, &r->sbc[k], now);
	}
	jbuf_lit(b, "],\"hostnames\":[");
	for (int k = 0; k < cr->n_sbc; k++) {
		if (!cr->sbc_host[k][0])
			continue;
		if (!first)
			jbuf_lit(b, ",");
		first = false;
		lookup_write(b, cr->sbc_host[k], cr->sbc_host_port[k], cr->transport, now);
	}
	jbuf_lit(b, "]}");
}

/* The trunks whose target is a hostname: their lookup and addresses. */
static void trunks_write(struct jbuf *b, const struct rtpe_cfg *c, uint64_t now)
{
	bool first = true;
	char a[INET_ADDRSTRLEN];

	jbuf_lit(b, ",\"trunks\":[");
	for (int i = 0; i < c->n_trunks; i++) {
		const struct cfg_trunk *t = &c->trunks[i];
		struct rs_result res;

		if (!t->target_host[0])
			continue;
		if (!first)
			jbuf_lit(b, ",");
		first = false;
		jbuf_lit(b, "{\"name\":");
		jbuf_str(b, t->name, strlen(t->name));
		jbuf_lit(b, ",\"target\":");
		lookup_write(b, t->target_host, t->target_port, t->transport, now);
		jbuf_lit(b, ",\"addresses\":[");
		resolve_get(t->target_host, t->target_port, t->transport, &res);
		for (int k = 0; k < res.n; k++) {
			inet_ntop(AF_INET, &res.a[k].addr, a, sizeof(a));
			if (k)
				jbuf_lit(b, ",");
			jbuf_lit(b, "{\"address\":");
			jbuf_str(b, a, strlen(a));
			jbuf_lit(b, ",\"port\":");
			jbuf_u64(b, res.a[k].port);
			record_of(b, &res, res.a[k].addr, res.a[k].port, now);
			jbuf_lit(b, "}");
		}
		jbuf_lit(b, "]}");
	}
	jbuf_lit(b, "]");
}

int sip_regions_write(struct sip *sp, struct jbuf *b)
{
	uint64_t now = mono_ns();

	jbuf_lit(b, "{\"regions\":[");
	if (!sp) {
		jbuf_lit(b, "]}");
		return 0;
	}
	pthread_mutex_lock(&sp->health.mu);
	for (int i = 0; i < sp->health.n; i++) {
		if (i)
			jbuf_lit(b, ",");
		region_write(b, &sp->health.r[i], &sp->cfg->regions[i], now);
	}
	jbuf_lit(b, "]");
	trunks_write(b, sp->cfg, now);
	pthread_mutex_unlock(&sp->health.mu);
	jbuf_lit(b, "}");
	return 0;
}
