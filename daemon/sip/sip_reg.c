// SPDX-License-Identifier: GPL-2.0
/*
 * sip_reg.c - owns the registrations table: the REGISTERs the proxy relayed
 * with a Path (one entry per address-of-record, its To URI), the lifetime
 * the registrar's 2xx gives each binding (the Contact's expires parameter,
 * else the Expires header), its end (that lifetime over, a REGISTER with
 * Expires: 0, or a 2xx giving 0), the `registrations` JSON, and whether a
 * call's Route may still follow a Path the proxy wrote.
 *
 * An ended registration leaves the listing but stays in the table (until
 * its slot is needed) so that a call on its Path is routed as if it had
 * none. A Path the table does not know (the daemon restarted since the
 * REGISTER) is followed, as it was before the table kept lifetimes.
 */
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include "core/clock.h"
#include "core/log.h"

#define REG_ENDED 1 /* exp_ns of a registration that ended at once */
#define REG_DEFAULT_S 3600 /* RFC 3261 10.2.1.1: the lifetime nothing names */

static bool reg_over(const struct sip_reg *r, uint64_t now)
{
	return r->exp_ns && r->exp_ns <= now;
}

/* A REGISTER that removes its bindings: Contact: *, Expires: 0, or every
 * Contact with expires=0. */
static bool unregisters(sip_t const *sip)
{
	sip_contact_t const *m = sip->sip_contact;
	bool all_zero = true;

	if (m && m->m_url->url_type == url_any)
		return true;
	for (; m; m = m->m_next) {
		if (m->m_expires ? strtoul(m->m_expires, NULL, 10) != 0 :
				   !sip->sip_expires || sip->sip_expires->ex_delta != 0)
			all_zero = false;
	}
	return sip->sip_contact && all_zero;
}

/* The lifetime the registrar gave the REGISTER's binding, in seconds: the
 * expires parameter of the 2xx's Contact that is the REGISTER's, else the
 * 2xx's Expires, else its first Contact's expires, else the REGISTER's
 * own Expires, else 3600. */
static unsigned long lifetime(sip_t const *req, sip_t const *resp)
{
	if (unregisters(req))
		return 0;
	for (sip_contact_t const *m = resp->sip_contact; m; m = m->m_next)
		for (sip_contact_t const *rc = req->sip_contact; rc; rc = rc->m_next)
			if (m->m_expires && !url_cmp(m->m_url, rc->m_url))
				return strtoul(m->m_expires, NULL, 10);
	if (resp->sip_expires)
		return resp->sip_expires->ex_delta;
	if (resp->sip_contact && resp->sip_contact->m_expires)
		return strtoul(resp->sip_contact->m_expires, NULL, 10);
	if (req->sip_expires)
		return req->sip_expires->ex_delta;
	return REG_DEFAULT_S;
}

/* The entry of aor, or NULL (under calls.mu). */
static struct sip_reg *reg_find(struct sip *sp, const char *aor)
{
	for (int i = 0; i < sp->n_regs; i++)
		if (!strcmp(sp->regs[i].aor, aor))
			return &sp->regs[i];
	return NULL;
}

/* A slot for a new entry: a free one, else an ended one, else the oldest. */
static struct sip_reg *reg_slot(struct sip *sp, uint64_t now)
{
	struct sip_reg *r;

	if (sp->n_regs < SIP_MAX_REGS)
		return &sp->regs[sp->n_regs++];
	r = &sp->regs[0];
	for (int i = 0; i < sp->n_regs; i++) {
		if (reg_over(&sp->regs[i], now))
			return &sp->regs[i];
		if (sp->regs[i].at_ns < r->at_ns)
			r = &sp->regs[i];
	}
	return r;
}

static int aor_of(sip_t const *sip, char aor[128])
{
	if (!sip || !sip->sip_to || url_e(aor, 128, sip->sip_to->a_url) < 0)
		return -1;
	aor[127] = 0;
	return 0;
}

void reg_note(struct sip *sp, sip_t const *sip, const struct sip_call_route *rt,
	      const struct sockaddr_in *sa)
{
	uint64_t now = mono_ns();
	char aor[128];
	struct sip_reg *r;

	if (aor_of(sip, aor) || !sip->sip_contact)
		return; /* a query changes no binding */
	pthread_mutex_lock(&sp->calls.mu);
	r = reg_find(sp, aor);
	if (unregisters(sip)) {
		if (r && !reg_over(r, now)) {
			r->exp_ns = REG_ENDED;
			log_info("sip: registration of %s ended (Expires: 0)", aor);
		}
		pthread_mutex_unlock(&sp->calls.mu);
		return;
	}
	if (!r) {
		r = reg_slot(sp, now);
		memset(r, 0, sizeof(*r));
	} else if (reg_over(r, now)) {
		r->exp_ns = 0; /* registering again: until the registrar says */
	}
	snprintf(r->aor, sizeof(r->aor), "%s", aor);
	snprintf(r->trunk, sizeof(r->trunk), "%s", sp->cfg->trunks[rt->trunk].name);
	snprintf(r->region, sizeof(r->region), "%s", sp->cfg->regions[rt->region].name);
	r->addr = sa->sin_addr;
	r->port = ntohs(sa->sin_port);
	r->at_ns = now;
	pthread_mutex_unlock(&sp->calls.mu);
}

void reg_answered(struct sip *sp, msg_t *req, sip_t const *resp, int status)
{
	sip_t const *rq = req ? sip_object(req) : NULL;
	uint64_t now = mono_ns();
	unsigned long s;
	struct in_addr a;
	uint16_t port;
	struct sip_reg *r;
	char aor[128];

	if (!rq || !resp || status < 200 || aor_of(rq, aor) ||
	    !sip_path_target(sp->cfg, rq->sip_path, &a, &port))
		return;
	pthread_mutex_lock(&sp->calls.mu);
	r = reg_find(sp, aor);
	if (r && status >= 300 && !r->exp_ns) /* never registered: it goes */
		*r = sp->regs[--sp->n_regs];
	else if (r && status < 300) {
		s = lifetime(rq, resp);
		if (!s && !reg_over(r, now))
			log_info("sip: registration of %s ended (the registrar gave 0 s)", aor);
		r->exp_ns = s ? now + (uint64_t)s * 1000000000ull : REG_ENDED;
	}
	pthread_mutex_unlock(&sp->calls.mu);
}

bool reg_path_ended(struct sip *sp, struct in_addr addr, uint16_t port)
{
	uint64_t now = mono_ns();
	bool ended = false, live = false;

	pthread_mutex_lock(&sp->calls.mu);
	for (int i = 0; i < sp->n_regs; i++) {
		const struct sip_reg *r = &sp->regs[i];

		if (r->addr.s_addr != addr.s_addr || r->port != port)
			continue;
		if (reg_over(r, now))
			ended = true;
		else
			live = true;
	}
	pthread_mutex_unlock(&sp->calls.mu);
	return ended && !live;
}

static void reg_write(struct jbuf *b, const struct sip_reg *r, uint64_t now)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->addr, a, sizeof(a));
	jbuf_lit(b, "{\"aor\":");
	jbuf_str(b, r->aor, strlen(r->aor));
	jbuf_lit(b, ",\"trunk\":");
	jbuf_str(b, r->trunk, strlen(r->trunk));
	jbuf_lit(b, ",\"region\":");
	jbuf_str(b, r->region, strlen(r->region));
	jbuf_lit(b, ",\"address\":");
	jbuf_str(b, a, strlen(a));
	jbuf_lit(b, ",\"port\":");
	jbuf_u64(b, r->port);
	jbuf_lit(b, ",\"age_s\":");
	jbuf_u64(b, (now - r->at_ns) / 1000000000ull);
	jbuf_lit(b, ",\"expires_s\":");
	if (r->exp_ns) /* rounded up: 0 only once it is over */
		jbuf_u64(b, (r->exp_ns - now + 999999999ull) / 1000000000ull);
	else
		jbuf_lit(b, "null");
	jbuf_lit(b, "}");
}

int sip_registrations_write(struct sip *sp, struct jbuf *b)
{
	uint64_t now = mono_ns();
	bool first = true;

	jbuf_lit(b, "{\"registrations\":[");
	if (sp)
		pthread_mutex_lock(&sp->calls.mu);
	for (int i = 0; sp && i < sp->n_regs; i++) {
		if (reg_over(&sp->regs[i], now))
			continue; /* ended: no longer listed */
		if (!first)
			jbuf_lit(b, ",");
		first = false;
		reg_write(b, &sp->regs[i], now);
	}
	if (sp)
		pthread_mutex_unlock(&sp->calls.mu);
	jbuf_lit(b, "]}");
	return 0;
}
