// SPDX-License-Identifier: GPL-2.0
/*
 * sip_health.c - owns the health of each region's SBC addresses: an
 * OPTIONS ping to every address at the region's options_interval, an
 * address down after options_down_after pings in a row without an answer
 * (a ping still unanswered when the next is due counts as one; a 408 or
 * 503 too) and up again after one answer; the address a new call goes to
 * (failover: the first healthy one in order; round-robin: each healthy one
 * in turn) and the next one when an INVITE times out or gets 503. The
 * table is read by `regions` and the metrics under its mutex.
 */
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag.h>

#include "core/log.h"
#include "core/clock.h"
#include "core/resolve.h"

#define TICK_MS 200

static struct sip_hregion *hregion(struct sip *sp, int region)
{
	return region >= 0 && region < sp->health.n ? &sp->health.r[region] : NULL;
}

/* Adds addr:port to r (once), from sbc item host (-1: an IP item). */
static void sbc_add(struct sip_hregion *r, struct in_addr addr, uint16_t port, int host)
{
	struct sip_sbc *s;

	for (int k = 0; k < r->n; k++)
		if (r->sbc[k].addr.s_addr == addr.s_addr && r->sbc[k].port == port)
			return;
	if (r->n == CFG_MAX_SBC) {
		log_debug("sip: region %s: more than %d SBC addresses, the rest unused", r->name,
			  CFG_MAX_SBC);
		return;
	}
	s = &r->sbc[r->n++];
	s->addr = addr;
	s->port = port;
	s->host = host;
	s->up = true;
	s->rtt_us = -1;
}

/* A region's addresses: its sbc items in order, a hostname giving the
 * addresses of its last good answer (SRV priority and weight order). */
static void region_addresses(const struct cfg_region *cr, struct sip_hregion *r)
{
	for (int k = 0; k < cr->n_sbc; k++) {
		struct rs_result res;

		if (!cr->sbc_host[k][0]) {
			sbc_add(r, cr->sbc[k], cr->port, -1);
			continue;
		}
		resolve_get(cr->sbc_host[k], cr->sbc_host_port[k], cr->transport, &res);
		for (int j = 0; j < res.n; j++)
			sbc_add(r, res.a[j].addr, res.a[j].port, k);
	}
}

/* The table after a start, a reload or new DNS answers: one entry per
 * region of the config, each address keeping what was known of it (same
 * region, address, port). */
void health_sync(struct sip *sp)
{
	struct sip_health *h = &sp->health;
	static struct sip_hregion old[CFG_MAX_REGIONS];
	int n_old;

	h->rs_gen = resolve_generation();
	pthread_mutex_lock(&h->mu);
	memcpy(old, h->r, sizeof(old));
	n_old = h->n;
	memset(h->r, 0, sizeof(h->r));
	h->n = sp->cfg->n_regions;
	for (int i = 0; i < h->n; i++) {
		const struct cfg_region *cr = &sp->cfg->regions[i];
		struct sip_hregion *r = &h->r[i];

		snprintf(r->name, sizeof(r->name), "%s", cr->name);
		region_addresses(cr, r);
		for (int k = 0; k < r->n; k++) {
			struct sip_sbc *s = &r->sbc[k];
			int host = s->host;

			for (int j = 0; j < n_old; j++)
				for (int m = 0; m < old[j].n; m++)
					if (!strcmp(r->name, old[j].name) &&
					    old[j].sbc[m].addr.s_addr == s->addr.s_addr &&
					    old[j].sbc[m].port == s->port) {
						*s = old[j].sbc[m];
						s->host = host;
					}
		}
		for (int j = 0; j < n_old; j++)
			if (!strcmp(old[j].name, r->name)) {
				r->next_ping_ns = old[j].next_ping_ns;
				r->rr_next = r->n ? old[j].rr_next % r->n : 0;
			}
	}
	/* pings of addresses that went: forgotten (their answers find nothing) */
	for (int j = 0; j < n_old; j++)
		for (int m = 0; m < old[j].n; m++) {
			bool kept = false;

			for (int i = 0; i < h->n; i++)
				for (int k = 0; k < h->r[i].n; k++)
					kept |= h->r[i].sbc[k].ping == old[j].sbc[m].ping;
			if (old[j].sbc[m].ping && !kept)
				nta_outgoing_destroy(old[j].sbc[m].ping);
		}
	pthread_mutex_unlock(&h->mu);
}

/* One ping's outcome (under the mutex). */
static void sbc_heard(struct sip_hregion *r, struct sip_sbc *s, bool answered, unsigned down_after)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->addr, a, sizeof(a));
	if (answered) {
		uint64_t now = mono_ns();

		s->last_reply_ns = now;
		s->rtt_us = (int64_t)(now - s->sent_ns) / 1000;
		s->misses = 0;
		if (!s->up)
			log_info("sip: region %s: sbc %s:%u up (OPTIONS answered)", r->name, a, s->port);
		s->up = true;
		return;
	}
	if (++s->misses >= down_after && s->up) {
		s->up = false;
		log_warn("sip: region %s: sbc %s:%u down (%u OPTIONS unanswered)", r->name, a,
			 s->port, s->misses);
	}
}

static int on_pong(struct sip_tr *pinger, nta_outgoing_t *orq, sip_t const *sip)
{
	struct sip *sp = pinger->sp;
	struct sip_health *h = &sp->health;
	int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);

	if (status < 200)
		return 0;
	pthread_mutex_lock(&h->mu);
	for (int i = 0; i < h->n; i++)
		for (int k = 0; k < h->r[i].n; k++) {
			struct sip_sbc *s = &h->r[i].sbc[k];

			if (s->ping != orq)
				continue;
			s->ping = NULL;
			sbc_heard(&h->r[i], s, status != 408 && status != 503,
				  sp->cfg->regions[i].options_down_after);
		}
	pthread_mutex_unlock(&h->mu);
	nta_outgoing_destroy(orq);
	return 0;
}

/* An OPTIONS to one SBC address, from the proxy's address on the region's side. */
static nta_outgoing_t *ping(struct sip *sp, const struct cfg_region *cr, const struct sip_sbc *s)
{
	struct in_addr self;
	uint16_t sport;
	char a[INET_ADDRSTRLEN], me[INET_ADDRSTRLEN], uri[96], from[128];
	bool udp = !strcmp(cr->transport, "udp");
	msg_t *msg;
	sip_t *sip;

	sip_route_self(sp->cfg, cr->iface, cr->transport, &self, &sport);
	inet_ntop(AF_INET, &s->addr, a, sizeof(a));
	inet_ntop(AF_INET, &self, me, sizeof(me));
	snprintf(uri, sizeof(uri), "sip:%s:%u%s%s", a, s->port, udp ? "" : ";transport=",
		 udp ? "" : cr->transport);
	snprintf(from, sizeof(from), "<sip:ping@%s:%u>;tag=%08x", me, sport,
		 (unsigned)(mono_ns() & 0xffffffff));
	msg = nta_msg_create(sp->agent, 0);
	sip = msg ? sip_object(msg) : NULL;
	if (!sip || sip_add_tl(msg, sip,
			       SIPTAG_REQUEST(sip_request_create(msg_home(msg), SIP_METHOD_OPTIONS,
								 URL_STRING_MAKE(uri), NULL)),
			       SIPTAG_FROM_STR(from), SIPTAG_TO_STR(uri),
			       SIPTAG_CALL_ID(sip_call_id_create(msg_home(msg), NULL)),
			       SIPTAG_CSEQ(sip_cseq_create(msg_home(msg), 1, SIP_METHOD_OPTIONS)),
			       SIPTAG_MAX_FORWARDS_STR("70"), TAG_END()) < 0) {
		if (msg)
			msg_destroy(msg);
		return NULL;
	}
	return nta_outgoing_mcreate(sp->agent, on_pong, &sp->health.pinger, URL_STRING_MAKE(uri), msg,
				    NTATAG_USER_VIA(sip_via_add(sp->cfg, msg, NULL)), TAG_END());
}

/* Pings the region's addresses; one still unanswered counts as a miss. */
static void region_ping(struct sip *sp, int i, uint64_t now)
{
	const struct cfg_region *cr = &sp->cfg->regions[i];
	struct sip_hregion *r = &sp->health.r[i];

	r->next_ping_ns = now + (uint64_t)cr->options_interval * 1000000000ull;
	for (int k = 0; k < r->n; k++) {
		struct sip_sbc *s = &r->sbc[k];
		nta_outgoing_t *old = s->ping;

		if (old) {
			s->ping = NULL;
			sbc_heard(r, s, false, cr->options_down_after);
		}
		pthread_mutex_unlock(&sp->health.mu);
		if (old)
			nta_outgoing_destroy(old);
		old = ping(sp, cr, s);
		if (!old)
			log_debug("sip: region %s: cannot send OPTIONS", cr->name);
		pthread_mutex_lock(&sp->health.mu);
		s->ping = old;
		s->sent_ns = now;
	}
}

static void on_tick(struct sip *sp, su_timer_t *t, struct sip_tr *unused)
{
	uint64_t now = mono_ns();

	if (resolve_generation() != sp->health.rs_gen) /* a hostname's addresses changed */
		health_sync(sp);

	pthread_mutex_lock(&sp->health.mu);
	for (int i = 0; i < sp->health.n; i++)
		if (sp->cfg->regions[i].options_interval && now >= sp->health.r[i].next_ping_ns)
			region_ping(sp, i, now);
	pthread_mutex_unlock(&sp->health.mu);
}

int health_start(struct sip *sp)
{
	sp->health.pinger.sp = sp;
	health_sync(sp);
	sp->health.timer = su_timer_create(su_root_task(sp->root), TICK_MS);
	if (!sp->health.timer || su_timer_run(sp->health.timer, on_tick, NULL) < 0)
		return -1;
	return 0;
}

void health_stop(struct sip *sp)
{
	if (sp->health.timer)
		su_timer_destroy(sp->health.timer);
	sp->health.timer = NULL;
	for (int i = 0; i < sp->health.n; i++)
		for (int k = 0; k < sp->health.r[i].n; k++)
			if (sp->health.r[i].sbc[k].ping) {
				nta_outgoing_destroy(sp->health.r[i].sbc[k].ping);
				sp->health.r[i].sbc[k].ping = NULL;
			}
}

/* ---- choosing an address ------------------------------------------------------------ */

/* Under the mutex: the address for the next try, not in *tried: healthy
 * ones first (in order from start), else any untried; -1 when none. */
static int pick(struct sip_hregion *r, int start, uint32_t tried)
{
	for (int pass = 0; pass < 2; pass++)
		for (int j = 0; j < r->n; j++) {
			int k = (start + j) % r->n;

			if (!(tried & (1u << k)) && (pass || r->sbc[k].up))
				return k;
		}
	return -1;
}

static int take(struct sip_hregion *r, int k, uint32_t *tried, struct in_addr *addr,
		uint16_t *port)
{
	if (k < 0)
		return -1;
	*tried |= 1u << k;
	*addr = r->sbc[k].addr;
	*port = r->sbc[k].port;
	r->sbc[k].calls++;
	return k;
}

int health_pick(struct sip *sp, int region, uint32_t *tried, struct in_addr *addr,
		uint16_t *port)
{
	struct sip_hregion *r;
	int k = -1;

	pthread_mutex_lock(&sp->health.mu);
	r = hregion(sp, region);
	if (r && r->n) {
		bool rr = !strcmp(sp->cfg->regions[region].strategy, "round-robin");

		k = take(r, pick(r, rr ? r->rr_next : 0, *tried), tried, addr, port);
		if (rr && k >= 0)
			r->rr_next = (k + 1) % r->n;
	}
	pthread_mutex_unlock(&sp->health.mu);
	return k;
}

int health_count(struct sip *sp, int region)
{
	struct sip_hregion *r;
	int n;

	pthread_mutex_lock(&sp->health.mu);
	r = hregion(sp, region);
	n = r ? r->n : 0;
	pthread_mutex_unlock(&sp->health.mu);
	return n;
}

int health_next(struct sip *sp, int region, int after, uint32_t *tried, struct in_addr *addr,
		uint16_t *port)
{
	struct sip_hregion *r;
	int k = -1;

	pthread_mutex_lock(&sp->health.mu);
	r = hregion(sp, region);
	if (r && r->n)
		k = take(r, pick(r, (after + 1) % r->n, *tried), tried, addr, port);
	pthread_mutex_unlock(&sp->health.mu);
	return k;
}

/* ---- read by the loop thread ------------------------------------------------------------ */

int sip_sbc_up_read(struct sip *sp, void (*fn)(void *arg, const char *region,
					       struct in_addr addr, uint16_t port, bool up),
		    void *arg)
{
	if (!sp)
		return 0;
	pthread_mutex_lock(&sp->health.mu);
	for (int i = 0; i < sp->health.n; i++)
		for (int k = 0; k < sp->health.r[i].n; k++)
			fn(arg, sp->health.r[i].name, sp->health.r[i].sbc[k].addr,
			   sp->health.r[i].sbc[k].port, sp->health.r[i].sbc[k].up);
	pthread_mutex_unlock(&sp->health.mu);
	return 0;
}
