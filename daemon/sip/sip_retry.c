// SPDX-License-Identifier: GPL-2.0
/*
 * sip_retry.c - a request of a transaction sent again (sip_int.h): the
 * INVITE of a new call to the next SBC address of its region (after a 503
 * or no response in invite_timeout_ms), a request the kernel refused after
 * a pause (nta's own 503), and the INVITE with the credentials that answer
 * a 401/407 challenge (SHA-256 by sip_digest.c, MD5 by sofia's digest
 * client). sip_fwd.c sends and relays; this file decides what goes again.
 */
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/auth_client.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_uniqueid.h>

#include "core/log.h"
#include "sip/sip_digest.h"

/* A request nta could not send goes again after 20, 40, 80, 160, 320 ms
 * (each plus up to as much again at random): some 0.6-1.2 s in all. */
#define SEND_RETRIES 5
#define SEND_RETRY_MS 20
/* nta reports a first send's failure at once; a failure later than this
 * (under T1, 500 ms) is a retransmission's, whose request went out. */
#define FIRST_SEND_NS (400 * 1000000ull)

static void resend(struct sip_tr *tr, msg_t *m);

void itimer_stop(struct sip_tr *tr)
{
	if (tr->itimer)
		su_timer_destroy(tr->itimer);
	tr->itimer = NULL;
}

void rtimer_stop(struct sip_tr *tr)
{
	if (tr->rtimer)
		su_timer_destroy(tr->rtimer);
	tr->rtimer = NULL;
}

/* ---- failover to the next SBC address of a region ----------------------------------- */

static void on_invite_timeout(struct sip *sp, su_timer_t *t, struct sip_tr *tr)
{
	itimer_stop(tr);
	if (!tr->heard)
		tr_failover(tr, "no response");
}

/* A new call's INVITE to a region with more addresses waits invite_timeout_ms
 * for a response. */
void itimer_start(struct sip_tr *tr)
{
	const struct cfg_region *cr;
	int n;

	if (tr->region < 0 || tr->region >= tr->sp->cfg->n_regions || tr->stateless ||
	    tr->method != sip_method_invite)
		return;
	cr = &tr->sp->cfg->regions[tr->region];
	n = health_count(tr->sp, tr->region); /* hostnames resolved */
	if (n < 2 || (tr->tried & ((1u << n) - 1)) == (1u << n) - 1)
		return;
	tr->itimer = su_timer_create(su_root_task(tr->sp->root), cr->invite_timeout_ms);
	if (tr->itimer && su_timer_set(tr->itimer, on_invite_timeout, tr) < 0)
		itimer_stop(tr);
}

/*
 * The INVITE of a new call got 503, or no response in time, from one SBC
 * address: it goes to the next one (the caller sees one transaction). The
 * copy sent on loses the proxy's Via (nta writes a new one) and takes the
 * next address as its Request-URI. False when there is none (the answer
 * goes up as it is) or the caller cancelled.
 */
bool tr_failover(struct sip_tr *tr, const char *why)
{
	struct sip_call_route rt = { 0 };
	const struct cfg_region *cr;
	char a[INET_ADDRSTRLEN];
	msg_t *m;
	int k;

	if (tr->region < 0 || tr->region >= tr->sp->cfg->n_regions || tr->cancelled ||
	    tr->final || !tr->initial || tr->method != sip_method_invite)
		return false;
	cr = &tr->sp->cfg->regions[tr->region];
	snprintf(rt.transport, sizeof(rt.transport), "%s", cr->transport);
	k = health_next(tr->sp, tr->region, tr->sbc, &tr->tried, &rt.addr, &rt.port);
	if (k < 0)
		return false;
	m = msg_dup(tr->req);
	if (!m || !sip_via_remove(m, sip_object(m)) || sip_request_retarget(m, &rt)) {
		if (m)
			msg_destroy(m);
		return false;
	}
	inet_ntop(AF_INET, &rt.addr, a, sizeof(a));
	log_info("sip: %s: region %s: %s from sbc %d, INVITE to %s:%u", tr->call ?
		 tr->call->call_id : "-", cr->name, why, tr->sbc, a, rt.port);
	tr->sbc = k;
	resend(tr, m);
	return true;
}

/* ---- a request nta could not send ------------------------------------------------ */

static void on_send_retry(su_root_magic_t *magic, su_timer_t *t, struct sip_tr *tr)
{
	msg_t *m = msg_dup(tr->req);

	rtimer_stop(tr);
	if (!m || !sip_via_remove(m, sip_object(m))) { /* nta's Via went on before the send */
		if (m)
			msg_destroy(m);
		tr_reply(tr, 503, "Cannot Forward");
		return;
	}
	resend(tr, m);
}

/*
 * nta answers a request it could not hand to the kernel with a 503 of its
 * own, at once (a stateless ACK: no transaction): EAGAIN (the socket's send
 * buffer full, which sofia's tport reports as EIO), or ENOBUFS (a device
 * queue full: sofia's sockets report errors, IP_RECVERR). That is a loss
 * on the way out, not the next hop's answer, and every request sent while
 * the queue was full met it: a burst failed all its transactions within a
 * millisecond. Such a request goes again after a pause instead, as a lost
 * one would. False when the send failed otherwise or the tries are spent.
 */
bool send_again(struct sip_tr *tr)
{
	int e = msg_errno(tr->req);
	unsigned ms = SEND_RETRY_MS << tr->send_retries;

	if ((e != EIO && e != ENOBUFS && e != EAGAIN) || tr->send_retries >= SEND_RETRIES)
		return false;
	ms += (unsigned)su_randint(0, (int)ms);
	tr->rtimer = su_timer_create(su_root_task(tr->sp->root), ms);
	if (!tr->rtimer || su_timer_set(tr->rtimer, on_send_retry, tr) < 0) {
		rtimer_stop(tr);
		return false;
	}
	if (!tr->send_retries++)
		log_debug("sip: %s to %s not sent (%s): again in %u ms", sip_object(tr->req)->
			  sip_request->rq_method_name, tr->hop && tr->hop->url_host ?
			  tr->hop->url_host : "?", strerror(e == EIO ? EAGAIN : e), ms);
	return true;
}

/* nta's own 503 for a request it could not send (else it goes on as a
 * 503: failover, or up). Not for a retransmission that failed: the request
 * reached the next hop, and a new transaction would be a second INVITE. */
bool send_failed(struct sip_tr *tr, sip_t const *sip, int status)
{
	if (status != 503 || !sip || !nta_sip_is_internal(sip) || tr->cancelled || tr->final ||
	    mono_ns() - tr->sent_ns > FIRST_SEND_NS || !send_again(tr))
		return false;
	nta_outgoing_destroy(tr->orq); /* a CANCEL meanwhile: retry_cancelled */
	tr->orq = NULL;
	return true;
}

/* A CANCEL while the request waits to be sent again: 487 up, and the call
 * a new INVITE began ends (as one cancelled before it was sent on). */
void retry_cancelled(struct sip_tr *tr)
{
	struct sip_call *c = tr->call;

	rtimer_stop(tr);
	if (tr->initial && c) {
		call_result(c, SIP_R_cancelled);
		call_set_state(c, CALL_ENDED);
		call_push(c, STEP_END, NULL, NULL, 0);
	}
	tr_reply(tr, 487, "Request Terminated");
}

/* ---- digest credentials at the edge ------------------------------------------------- */

/* tr's request goes again as m (a copy: the proxy's Via gone). */
static void resend(struct sip_tr *tr, msg_t *m)
{
	nta_outgoing_t *old = tr->orq;

	tr->heard = false;
	tr->orq = NULL;
	nta_outgoing_destroy(old);
	msg_destroy(tr->req);
	tr->req = m;
	tr->hop = sip_next_hop(m);
	tr_ref(tr); /* tr_forward ends a sent ACK's tr: keep it until we are done */
	if (!tr_forward(tr) && !tr->done)
		itimer_start(tr);
	tr_unref(tr);
}

/*
 * MD5 by sofia's digest client: m's request (s its object) gets its
 * credentials for the challenges of chs sofia knows (a SHA-256 or other
 * Digest one would fail them all). 1 answered, else 0 or -1.
 */
static int md5_answer(msg_t *m, sip_t *s, msg_auth_t const *chs, msg_hclass_t *hc,
		      const struct cfg_auth *a)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	auth_client_t *auc = NULL;
	int n = 0, r = 0;

	for (msg_auth_t const *ch = chs; ch; ch = ch->au_next) {
		enum sip_digest_alg alg = sip_digest_alg(ch);
		msg_auth_t *one;

		if (alg == SIP_DIGEST_SHA256 || alg == SIP_DIGEST_UNKNOWN)
			continue;
		one = (msg_auth_t *)msg_header_dup_one(home, (msg_header_t const *)ch);
		if (one && auc_challenge(&auc, home, one, hc) > 0)
			n++;
	}
	if (n && auc_all_credentials(&auc, NULL, NULL, a->user, a->password) > 0)
		r = auc_authorization(&auc, m, (msg_pub_t *)s, s->sip_request->rq_method_name,
				      s->sip_request->rq_url, s->sip_payload);
	su_home_deinit(home);
	return r;
}

/*
 * The INVITE of a new call got 401 or 407 and the call has credentials
 * (its trunk's or region's): the proxy answers the challenge (SHA-256 or
 * SHA-256-sess, preferred, by sip_digest.c; MD5, MD5-sess by sofia's
 * digest client) and sends the INVITE again with CSeq + 1; the caller
 * sees one transaction, and the call's later requests from the caller
 * take the same + 1 (their responses go back with the caller's numbers).
 * Once per transaction; false leaves the challenge to go up.
 */
bool auth_retry(struct sip_tr *tr, sip_t const *sip, int status)
{
	struct sip_call *c = tr->call;
	msg_auth_t const *ch = status == 407 ? (msg_auth_t const *)sip->sip_proxy_authenticate :
					       (msg_auth_t const *)sip->sip_www_authenticate;
	msg_hclass_t *hc = status == 407 ? sip_proxy_authorization_class : sip_authorization_class;
	const char *alg = "SHA-256";
	sip_t *s;
	msg_t *m = NULL;
	bool ok = false;

	if (!c || !tr->initial || tr->authed || tr->cancelled || tr->final || !c->auth.user[0] ||
	    !ch)
		return false;
	m = msg_dup(tr->req);
	s = m ? sip_object(m) : NULL;
	if (!s || !sip_via_remove(m, s) || sip_cseq_shift(m, 1))
		goto out;
	if (sip_digest_answer(m, s, ch, hc, c->auth.user, c->auth.password) < 1) {
		alg = "MD5";
		if (md5_answer(m, s, ch, hc, &c->auth) < 1)
			goto out;
	}
	log_info("sip: %s: %d answered with the credentials of user %s (%s)", c->call_id, status,
		 c->auth.user, alg);
	tr->authed = true;
	tr->cseq_add = c->cseq_add = 1;
	resend(tr, m);
	m = NULL;
	ok = true;
out:
	if (!ok)
		log_warn("sip: %s: cannot answer the %d challenge: it goes to the caller", c->call_id,
			 status);
	if (m)
		msg_destroy(m);
	return ok;
}
