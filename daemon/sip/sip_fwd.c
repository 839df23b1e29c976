// SPDX-License-Identifier: GPL-2.0
/*
 * sip_fwd.c - owns forwarding: a transaction pair per forwarded request
 * (nta's server transaction it came in on, the client transaction it goes
 * out on), CANCEL passed downstream, responses relayed upstream with the
 * proxy's Via removed, and what a step does once the loop has anchored its
 * SDP: the body rewritten, the Record-Route written (initial requests), the
 * message sent on, the call's state and result moved on.
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
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_uniqueid.h>

#include "core/log.h"
#include "sip/sip_digest.h"

/* How long a transaction that passed a 2xx to INVITE stays, so that the
 * UAS's retransmissions of it (and forked 2xx) still go up: 64 x T1. */
#define LINGER_MS 32000

/* A request nta could not send goes again after 20, 40, 80, 160, 320 ms
 * (each plus up to as much again at random): some 0.6-1.2 s in all. */
#define SEND_RETRIES 5
#define SEND_RETRY_MS 20
/* nta reports a first send's failure at once; a failure later than this
 * (under T1, 500 ms) is a retransmission's, whose request went out. */
#define FIRST_SEND_NS (400 * 1000000ull)

static int on_ack_cancel(struct sip_tr *tr, nta_incoming_t *irq, sip_t const *sip);
static bool auth_retry(struct sip_tr *tr, sip_t const *sip, int status);
static void resend(struct sip_tr *tr, msg_t *m);
static bool send_failed(struct sip_tr *tr, sip_t const *sip, int status);
static bool send_again(struct sip_tr *tr);
static void retry_cancelled(struct sip_tr *tr);

static void itimer_stop(struct sip_tr *tr)
{
	if (tr->itimer)
		su_timer_destroy(tr->itimer);
	tr->itimer = NULL;
}

static void rtimer_stop(struct sip_tr *tr)
{
	if (tr->rtimer)
		su_timer_destroy(tr->rtimer);
	tr->rtimer = NULL;
}

struct sip_tr *tr_new(struct sip *sp, nta_incoming_t *irq, sip_t const *sip)
{
	struct sip_tr *tr = calloc(1, sizeof(*tr));

	if (!tr)
		return NULL;
	tr->sp = sp;
	tr->irq = irq;
	tr->method = sip->sip_request->rq_method;
	tr->refs = 2; /* the caller's, and the transaction's until it is done */
	tr->region = tr->sbc = -1;
	tr->next = sp->trs;
	if (sp->trs)
		sp->trs->prev = tr;
	sp->trs = tr;
	if (tr->method != sip_method_ack && tr->method != sip_method_cancel)
		nta_incoming_bind(irq, on_ack_cancel, tr);
	return tr;
}

void tr_ref(struct sip_tr *tr)
{
	tr->refs++;
}

void tr_unref(struct sip_tr *tr)
{
	if (--tr->refs > 0)
		return;
	if (tr->prev)
		tr->prev->next = tr->next;
	else
		tr->sp->trs = tr->next;
	if (tr->next)
		tr->next->prev = tr->prev;
	if (tr->req)
		msg_destroy(tr->req);
	if (tr->call)
		call_unref(tr->call);
	free(tr);
}

/* The transaction is over: nta's objects go, the transaction's reference
 * too. Once only. */
void tr_done(struct sip_tr *tr)
{
	if (tr->done)
		return;
	tr->done = true;
	if (tr->timer) {
		su_timer_destroy(tr->timer);
		tr->timer = NULL;
	}
	itimer_stop(tr);
	sip_tls_unwatch(tr);
	rtimer_stop(tr);
	if (tr->orq) {
		nta_outgoing_destroy(tr->orq);
		tr->orq = NULL;
	}
	if (tr->irq) {
		nta_incoming_bind(tr->irq, NULL, NULL);
		nta_incoming_destroy(tr->irq);
		tr->irq = NULL;
	}
	tr_unref(tr);
}

void trs_fini(struct sip *sp)
{
	while (sp->trs) {
		struct sip_tr *tr = sp->trs;

		tr->refs = 1; /* nothing else holds it now */
		tr->done = false;
		tr_done(tr);
	}
}

void tr_reply(struct sip_tr *tr, int status, char const *phrase)
{
	if (!tr->irq || tr->stateless)
		return;
	nta_incoming_treply(tr->irq, status, phrase, TAG_END());
	sip_count_response(tr->sp, status);
	if (status >= 200) {
		tr->final = true;
		if (!tr->orq)
			tr_done(tr);
	}
}

/* ---- nta's callbacks ---------------------------------------------------------------- */

static int on_ack_cancel(struct sip_tr *tr, nta_incoming_t *irq, sip_t const *sip)
{
	struct sip *sp = tr->sp; /* a 487 may end tr */

	if (!sip) { /* the server transaction ended (timeout, terminated) */
		if (tr->irq == irq) {
			nta_incoming_bind(irq, NULL, NULL);
			nta_incoming_destroy(irq);
			tr->irq = NULL;
		}
		return 0;
	}
	if (sip->sip_request->rq_method != sip_method_cancel)
		return 0;
	if (!tr->final) {
		tr->cancelled = true;
		if (tr->orq)
			nta_outgoing_tcancel(tr->orq, NULL, NULL, TAG_END());
		else if (tr->rtimer)
			retry_cancelled(tr); /* waiting to be sent again */
		else
			tr_reply(tr, 487, "Request Terminated"); /* not sent on yet */
	}
	sip_count_response(sp, 200);
	return 200;
}

static void on_linger(su_root_magic_t *magic, su_timer_t *t, struct sip_tr *tr)
{
	tr_done(tr);
}

static int on_response(struct sip_tr *tr, nta_outgoing_t *orq, sip_t const *sip)
{
	int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
	bool heard = tr->heard;
	msg_t *resp;

	if (orq != tr->orq)
		return 0; /* an address given up for the next one */
	tr->heard = true;
	itimer_stop(tr);
	if (!heard && send_failed(tr, sip, status)) /* not a retransmission after a 1xx */
		return 0;
	if (status == 503 && tr_failover(tr, "503"))
		return 0;
	if ((status == 401 || status == 407) && sip && auth_retry(tr, sip, status))
		return 0;
	if (status < 101)
		return 0; /* 100 Trying is hop by hop: the proxy sent its own */
	resp = nta_outgoing_getresponse(orq);
	if (!resp) {
		tr_reply(tr, status >= 300 ? status : 500, NULL);
		return 0;
	}
	if (tr->method == sip_method_register)
		reg_answered(tr->sp, tr->req, sip_object(resp), status); /* its lifetime */
	if (tr->call) {
		call_push(tr->call, STEP_RESPONSE, tr, resp, 1 - tr->side);
		return 0;
	}
	tr_relay(tr, resp);
	if (status >= 200)
		tr_done(tr);
	return 0;
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
static void itimer_start(struct sip_tr *tr)
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
static bool send_again(struct sip_tr *tr)
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
static bool send_failed(struct sip_tr *tr, sip_t const *sip, int status)
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
static void retry_cancelled(struct sip_tr *tr)
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
	if (!tr_forward(tr))
		itimer_start(tr);
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
static bool auth_retry(struct sip_tr *tr, sip_t const *sip, int status)
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

/* ---- out and back ------------------------------------------------------------------ */

int tr_forward(struct sip_tr *tr)
{
	struct sip *sp = tr->sp;
	bool own_via = sip_via_add(sp->cfg, tr->req, tr->hop); /* the leaving interface's */
	msg_t *ref = msg_ref_create(tr->req);

	msg_set_errno(tr->req, 0); /* what a failed send leaves: send_failed */
	tr->sent_ns = mono_ns();
	tr->orq = nta_outgoing_mcreate(sp->agent, tr->stateless ? NULL : on_response, tr,
				       (url_string_t const *)tr->hop, ref,
				       NTATAG_STATELESS(tr->stateless), NTATAG_USER_VIA(own_via),
				       TAG_END());
	if (!tr->orq) {
		char const *m = sip_object(tr->req)->sip_request->rq_method_name;

		/* nta took no reference on failure (it detaches the message from a
		 * stateless request it could not send): the one given is ours. */
		msg_destroy(ref);
		if (tr->stateless && send_again(tr))
			return 0; /* an ACK the kernel refused: again later */
		log_warn("sip: cannot send %s on to %s", m, tr->hop && tr->hop->url_host ?
			 tr->hop->url_host : "?");
		tr_reply(tr, 503, "Cannot Forward");
		tr_done(tr);
		return -1;
	}
	if (tr->stateless)
		tr_done(tr); /* ACK: sent, nothing comes back */
	else
		sip_tls_watch(tr);
	return 0;
}

void tr_relay(struct sip_tr *tr, msg_t *resp)
{
	sip_t *sip = sip_object(resp);
	int status = sip->sip_status->st_status;

	if (!tr->irq || (tr->final && !(tr->method == sip_method_invite && status < 300))) {
		msg_destroy(resp);
		return;
	}
	sip_via_remove(resp, sip);
	if (tr->cseq_add)
		sip_cseq_shift(resp, -(int32_t)tr->cseq_add); /* the caller's own number */
	sip_count_response(tr->sp, status);
	if (status >= 200)
		tr->final = true;
	nta_incoming_mreply(tr->irq, resp);
}

/* ---- a step's message once its SDP is anchored ----------------------------------- */

/* The two Record-Route entries of a new call, with its sessions. */
static int add_record_route(struct sip_tr *tr)
{
	struct sip_call *c = tr->call;
	struct sip_rr rr = { .n_ids = c->n_ids, .dir = c->dir };

	memcpy(rr.ids, c->ids, sizeof(rr.ids));
	snprintf(rr.trunk, sizeof(rr.trunk), "%s", c->trunk);
	snprintf(rr.region, sizeof(rr.region), "%s", c->region);
	return sip_record_route_add(tr->req, tr->sp->cfg, &rr, c->iface,
				    (const char (*)[4])c->transport);
}

/* The call's sessions after the loop's answer. */
static void call_take_ids(struct sip_call *c, const struct sip_mreq *mq)
{
	pthread_mutex_lock(&c->sp->calls.mu);
	memcpy(c->ids, mq->ids, sizeof(c->ids));
	if (mq->n_ids > c->n_ids)
		c->n_ids = mq->n_ids;
	pthread_mutex_unlock(&c->sp->calls.mu);
}

void step_request_done(struct sip_step *st)
{
	struct sip_tr *tr = st->tr;
	struct sip_call *c = tr->call;
	struct sip_mreq *mq = st->mq;

	if (mq && mq->op != SIP_M_END)
		call_take_ids(c, mq);
	if (mq && mq->op == SIP_M_SDP && !mq->err && st->side == 1 && c->state == CALL_EARLY)
		call_fork_note(c, sip_object(tr->req)->sip_from->a_tag, &mq->desc); /* UPDATE */
	if (st->sdp_bad && !tr->cancelled) {
		tr_reply(tr, 488, "Not Acceptable Here");
		if (tr->initial) {
			call_result(c, SIP_R_refused);
			call_set_state(c, CALL_ENDED);
		}
		return;
	}
	if (mq && mq->op == SIP_M_SDP && mq->refused && !tr->cancelled) {
		log_warn("sip: call %s: no acceptable a=crypto in the offer (488)", c->call_id);
		tr_reply(tr, 488, "Not Acceptable Here");
		if (tr->initial) {
			call_result(c, SIP_R_refused);
			call_set_state(c, CALL_ENDED);
			call_push(c, STEP_END, NULL, NULL, 0);
		}
		return;
	}
	if (tr->cancelled || (mq && mq->err)) {
		if (mq && mq->err) {
			log_warn("sip: call %s: no media: %s (503)", c->call_id, mq->why);
			tr_reply(tr, 503, "No Media Port");
		}
		if (tr->initial) {
			call_result(c, tr->cancelled ? SIP_R_cancelled : SIP_R_refused);
			call_set_state(c, CALL_ENDED);
			call_push(c, STEP_END, NULL, NULL, 0);
		}
		return;
	}
	if (mq && mq->op == SIP_M_SDP && sip_body_rewrite(tr->req, &mq->desc, mq->anchors)) {
		log_warn("sip: call %s: cannot rewrite the SDP of %s (488)", c->call_id,
			 sip_object(tr->req)->sip_request->rq_method_name);
		tr_reply(tr, 488, "Not Acceptable Here");
		if (tr->initial) {
			call_result(c, SIP_R_refused);
			call_set_state(c, CALL_ENDED);
			call_push(c, STEP_END, NULL, NULL, 0);
		}
		return;
	}
	if (tr->initial && add_record_route(tr)) {
		tr_reply(tr, 500, "Cannot Record-Route");
		return;
	}
	if (!tr_forward(tr) && tr->initial)
		itimer_start(tr);
}

/* What a final response to the INVITE that began the call does to it. */
static void call_answered(struct sip_call *c, struct sip_tr *tr, sip_t const *sip, int status)
{
	if (status < 200) {
		if (c->state == CALL_TRYING)
			call_set_state(c, CALL_EARLY);
		return;
	}
	call_forks_drop(c); /* the early dialogs that did not answer go */
	if (status < 300) {
		if (c->state != CALL_CONFIRMED) {
			c->answered_ns = mono_ns();
			call_set_state(c, CALL_CONFIRMED);
			call_result(c, SIP_R_answered);
			bye_learn_answer(c, sip);
		}
		return;
	}
	call_result(c, tr->cancelled ? SIP_R_cancelled : SIP_R_failed);
	call_set_state(c, CALL_ENDED);
	call_push(c, STEP_END, NULL, NULL, 0);
}

void step_response_done(struct sip_step *st)
{
	struct sip_tr *tr = st->tr;
	struct sip_call *c = tr->call;
	sip_t const *sip = sip_object(st->msg);
	int status = sip->sip_status->st_status;
	msg_t *resp = st->msg;

	if (st->mq && st->mq->op == SIP_M_SDP && !st->mq->err) {
		call_take_ids(c, st->mq);
		if (tr->initial && status < 200 && sip->sip_to)
			call_fork_note(c, sip->sip_to->a_tag, &st->mq->desc);
		if (sip_has_sdp(sip) && /* a fork's 2xx without SDP: its early answer again */
		    sip_body_rewrite(resp, &st->mq->desc, st->mq->anchors))
			log_warn("sip: call %s: cannot rewrite the SDP of a %d", c->call_id, status);
	}
	if (tr->initial)
		call_answered(c, tr, sip, status);
	else if (tr->method == sip_method_bye && status >= 200 && status != 401 && status != 407 &&
		 c->state != CALL_ENDED) {
		sip_count(&c->sp->st.ended[SIP_E_bye]);
		call_set_state(c, CALL_ENDED);
		call_push(c, STEP_END, NULL, NULL, 0);
	}
	st->msg = NULL; /* relayed: nta has it */
	tr_relay(tr, resp);
	if (status < 200)
		return;
	if (tr->method == sip_method_invite && status < 300) {
		if (!tr->timer) {
			tr->timer = su_timer_create(su_root_task(tr->sp->root), LINGER_MS);
			if (!tr->timer || su_timer_set(tr->timer, on_linger, tr) < 0)
				tr_done(tr);
		}
		return;
	}
	tr_done(tr);
}
