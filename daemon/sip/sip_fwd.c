// SPDX-License-Identifier: GPL-2.0
/*
 * sip_fwd.c - owns forwarding: a transaction pair per forwarded request
 * (nta's server transaction it came in on, the client transaction it goes
 * out on), CANCEL passed downstream, responses relayed upstream with the
 * proxy's Via removed, and what a step does once the loop has anchored its
 * SDP: the body rewritten, the Record-Route written (initial requests), the
 * message sent on, the call's state and result moved on. What goes again
 * (failover, a send the kernel refused, digest credentials) is sip_retry.c's.
 */
#include "sip/sip_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_tag.h>

#include "core/log.h"

/* How long a transaction that passed a 2xx to INVITE stays, so that the
 * UAS's retransmissions of it (and forked 2xx) still go up: 64 x T1. */
#define LINGER_MS 32000

static int on_ack_cancel(struct sip_tr *tr, nta_incoming_t *irq, sip_t const *sip);

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

/* A request refused or cancelled before it went on: when it began the call,
 * the call ends with result (no BYE: nothing was answered). */
static void initial_ended(struct sip_tr *tr, enum sip_result result)
{
	if (!tr->initial)
		return;
	call_result(tr->call, result);
	call_set_state(tr->call, CALL_ENDED);
	call_push(tr->call, STEP_END, NULL, NULL, 0);
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
		initial_ended(tr, SIP_R_refused);
		return;
	}
	if (tr->cancelled || (mq && mq->err)) {
		if (mq && mq->err) {
			log_warn("sip: call %s: no media: %s (503)", c->call_id, mq->why);
			tr_reply(tr, 503, "No Media Port");
		}
		initial_ended(tr, tr->cancelled ? SIP_R_cancelled : SIP_R_refused);
		return;
	}
	if (mq && mq->op == SIP_M_SDP && sip_body_rewrite(tr->req, &mq->desc, mq->anchors)) {
		log_warn("sip: call %s: cannot rewrite the SDP of %s (488)", c->call_id,
			 sip_object(tr->req)->sip_request->rq_method_name);
		tr_reply(tr, 488, "Not Acceptable Here");
		initial_ended(tr, SIP_R_refused);
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
