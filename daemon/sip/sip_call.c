// SPDX-License-Identifier: GPL-2.0
/*
 * sip_call.c - owns the call table and each call's steps.
 *
 * A call is a Call-ID the proxy carries media for. Its messages (requests
 * and responses, both ways) are handled one after the other, in the order
 * they came: a message with SDP waits for the loop thread to anchor it
 * before it is sent on, and everything after it waits too, so a 200 never
 * overtakes the 183 whose SDP is still being anchored, and ending the
 * sessions never runs before creating them.
 *
 * The table is the SIP thread's; the control socket reads it (calls,
 * calls show) on the loop thread under the mutex, which every change of
 * the table or of a field it reads takes.
 */
#include "sip/sip_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/sip_header.h>

#include "core/clock.h"
#include "core/log.h"

#define CALLS_HSIZE 4096 /* buckets; chains grow past that */

int calls_init(struct sip_calls *t)
{
	pthread_mutex_init(&t->mu, NULL);
	t->hsize = CALLS_HSIZE;
	t->htab = calloc(t->hsize, sizeof(*t->htab));
	return t->htab ? 0 : -ENOMEM;
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct sip_call *call_find(struct sip *sp, char const *call_id)
{
	struct sip_call *c = sp->calls.htab[hash(call_id) & (sp->calls.hsize - 1)];

	while (c && strcmp(c->call_id, call_id))
		c = c->hnext;
	return c;
}

struct sip_call *call_by_session(struct sip *sp, uint32_t id)
{
	for (struct sip_call *c = sp->calls.first; c; c = c->next)
		for (int i = 0; i < c->n_ids; i++)
			if (c->ids[i] == id)
				return c;
	return NULL;
}

static void call_unlink(struct sip_call *c)
{
	struct sip_calls *t = &c->sp->calls;
	struct sip_call **pp = &t->htab[hash(c->call_id) & (t->hsize - 1)];

	pthread_mutex_lock(&t->mu);
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	if (c->prev)
		c->prev->next = c->next;
	else
		t->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->last = c->prev;
	t->n--;
	if (c->state != CALL_ENDED)
		c->sp->st.calls_active--;
	c->linked = false;
	pthread_mutex_unlock(&t->mu);
	c->hnext = c->prev = c->next = NULL;
	call_unref(c); /* the table's */
}

struct sip_call *call_new(struct sip *sp, sip_t const *sip, enum sip_dir dir)
{
	return call_new_id(sp, sip->sip_call_id->i_id, sip->sip_from->a_url, sip->sip_to->a_url,
			   dir);
}

struct sip_call *call_new_id(struct sip *sp, const char *call_id, url_t const *from,
			     url_t const *to, enum sip_dir dir)
{
	struct sip_calls *t = &sp->calls;
	struct sip_call *c = call_find(sp, call_id), **bucket;

	if (c) /* an ended call of that Call-ID (a retry after 407): the new one replaces it */
		call_unlink(c);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->home = su_home_new(sizeof(su_home_t)))) {
		free(c);
		return NULL;
	}
	c->sp = sp;
	c->refs = 2; /* the table's and the caller's */
	c->fork_last = -1;
	c->dir = dir;
	c->iface[0] = c->iface[1] = -1;
	memcpy(c->transport[0], "udp", 4);
	memcpy(c->transport[1], "udp", 4);
	c->created_ns = mono_ns();
	c->steps_tail = &c->steps;
	c->call_id = su_strdup(c->home, call_id);
	c->from_uri = url_as_string(c->home, from);
	c->to_uri = url_as_string(c->home, to);
	if (!c->call_id || !c->from_uri || !c->to_uri) {
		su_home_unref(c->home);
		free(c);
		return NULL;
	}
	bucket = &t->htab[hash(c->call_id) & (t->hsize - 1)];
	pthread_mutex_lock(&t->mu);
	c->hnext = *bucket;
	*bucket = c;
	c->prev = t->last;
	if (t->last)
		t->last->next = c;
	else
		t->first = c;
	t->last = c;
	t->n++;
	c->linked = true;
	sp->st.calls_active++;
	pthread_mutex_unlock(&t->mu);
	return c;
}

void call_ref(struct sip_call *c)
{
	c->refs++;
}

void call_unref(struct sip_call *c)
{
	if (--c->refs > 0)
		return;
	call_forks_drop(c);
	sip_sdes_free(c->sdes);
	su_home_unref(c->home);
	free(c);
}

void call_set_state(struct sip_call *c, enum call_state s)
{
	pthread_mutex_lock(&c->sp->calls.mu);
	if (c->state != CALL_ENDED && s == CALL_ENDED && c->linked)
		c->sp->st.calls_active--;
	c->state = s;
	pthread_mutex_unlock(&c->sp->calls.mu);
}

void call_result(struct sip_call *c, enum sip_result r)
{
	if (c->counted || c->restored)
		return;
	c->counted = true;
	sip_count(&c->sp->st.calls[r]);
	log_info("sip: call %s %s (%s, trunk %s, region %s)", c->call_id, sip_result_labels[r],
		 sip_dir_name(c->dir), c->trunk, c->region);
}

void calls_fini(struct sip *sp)
{
	/* The loop answers no more: steps go, then transactions, then calls. */
	for (struct sip_call *c = sp->calls.first; c; c = c->next) {
		while (c->steps) {
			struct sip_step *st = c->steps;

			c->steps = st->next;
			if (st->msg)
				msg_destroy(st->msg);
			if (st->tr)
				tr_unref(st->tr);
			free(st);
		}
		c->steps_tail = &c->steps;
		c->busy = false;
	}
	trs_fini(sp);
	while (sp->calls.first)
		call_unlink(sp->calls.first);
}

/* ---- a callee side that forks ------------------------------------------------------ */

/*
 * A forking proxy beyond the relay gives the INVITE early dialogs of its
 * own, one per To tag, each with its SDP answer (reliable 183s: each
 * answer is final in its early dialog, and the 2xx repeats none). The
 * callee's peers follow the last answer heard; the fork whose 2xx comes
 * may be another, whose answer then sets them again (step_start). The
 * others' answers are dropped at the 2xx.
 */
static int fork_find(const struct sip_call *c, const char *tag)
{
	for (int i = 0; tag && i < c->n_forks; i++)
		if (!strcmp(c->forks[i]->tag, tag))
			return i;
	return -1;
}

void call_fork_note(struct sip_call *c, const char *tag, const struct sdp_desc *desc)
{
	int i = fork_find(c, tag);

	if (!tag || strlen(tag) >= sizeof(c->forks[0]->tag))
		return;
	if (i < 0 && c->n_forks < SIP_MAX_FORKS &&
	    (c->forks[c->n_forks] = calloc(1, sizeof(struct sip_fork)))) {
		i = c->n_forks++;
		snprintf(c->forks[i]->tag, sizeof(c->forks[i]->tag), "%s", tag);
	}
	if (i < 0) /* a fifth fork: not followed */
		return;
	c->forks[i]->desc = *desc;
	c->fork_last = i;
}

void call_forks_drop(struct sip_call *c)
{
	for (int i = 0; i < c->n_forks; i++)
		free(c->forks[i]);
	c->n_forks = 0;
	c->fork_last = -1;
}

/* A 2xx without SDP to the INVITE that began the call, from one of two or
 * more forks: that fork's answer, for the loop again (the last one applied
 * too: on a latch = yes interface another fork's early media, from the
 * same address, may have moved the peer since). */
static const struct sdp_desc *fork_answering(struct sip_call *c, const struct sip_step *st,
					     sip_t const *sip)
{
	int i;

	if (st->kind != STEP_RESPONSE || !st->tr->initial || !sip->sip_status ||
	    sip->sip_status->st_status / 100 != 2 || sip_has_sdp(sip) || !sip->sip_to)
		return NULL;
	i = fork_find(c, sip->sip_to->a_tag);
	if (i < 0 || c->n_forks < 2)
		return NULL;
	log_info("sip: call %s: the 2xx comes from fork %s of %d (the last early answer: %s): "
		 "the callee's peers are its answer's", c->call_id, c->forks[i]->tag, c->n_forks,
		 c->forks[c->fork_last]->tag);
	c->fork_last = i;
	return &c->forks[i]->desc;
}

/* ---- steps ---------------------------------------------------------------------- */

static void call_run(struct sip_call *c);

/* Takes the head step off the call and completes it (its request or
 * response goes on), freeing it. */
static void step_finish_now(struct sip_call *c, struct sip_step *st)
{
	c->steps = st->next;
	if (!c->steps)
		c->steps_tail = &c->steps;
	if (st->kind == STEP_REQUEST)
		step_request_done(st);
	else if (st->kind == STEP_RESPONSE)
		step_response_done(st);
	if (st->msg)
		msg_destroy(st->msg);
	if (st->tr)
		tr_unref(st->tr);
	free(st);
}

static void step_media_done(struct sip_mreq *mq)
{
	struct sip_step *st = mq->ctx;
	struct sip_call *c = mq->ctx2;

	c->busy = false;
	if (st->kind == STEP_END) {
		pthread_mutex_lock(&c->sp->calls.mu);
		memset(c->ids, 0, sizeof(c->ids));
		pthread_mutex_unlock(&c->sp->calls.mu);
	}
	call_ref(c);
	step_finish_now(c, st); /* may read st->mq: freed after */
	sip_mreq_free(mq);
	call_run(c);
	call_unref(c);
}

/* Whether the config says srtp = sdes for the trunk or region named. */
static bool side_sdes(const struct rtpe_cfg *cfg, bool trunk, const char *name)
{
	if (trunk) {
		for (int i = 0; i < cfg->n_trunks; i++)
			if (!strcmp(cfg->trunks[i].name, name))
				return !strcmp(cfg->trunks[i].srtp, "sdes");
	} else {
		for (int i = 0; i < cfg->n_regions; i++)
			if (!strcmp(cfg->regions[i].name, name))
				return !strcmp(cfg->regions[i].srtp, "sdes");
	}
	return false;
}

/* The call's SDES state, decided once from its trunk's and region's srtp
 * (a reload applies to new calls): NULL when neither is sdes. */
static struct sip_sdes *call_sdes(struct sip_call *c)
{
	bool t2r = c->dir == SIP_DIR_T2R;

	if (!c->sdes_looked) {
		c->sdes_looked = true;
		c->sdes = sip_sdes_new(side_sdes(c->sp->cfg, t2r, t2r ? c->trunk : c->region),
				       side_sdes(c->sp->cfg, !t2r, t2r ? c->region : c->trunk));
	}
	return c->sdes;
}

/* Whether the SDP of step st is an offer (RFC 3264; RFC 3262 for PRACK):
 * a response's SDP answers its request's, unless the request had none; an
 * ACK's answers; a PRACK's answers an offer of the other side. */
static bool sdp_offer(struct sip_call *c, struct sip_step *st, sip_t const *sip)
{
	if (st->kind == STEP_RESPONSE)
		return !sip_has_sdp(sip_object(st->tr->req));
	if (sip->sip_request->rq_method == sip_method_ack)
		return false;
	if (sip->sip_request->rq_method == sip_method_prack)
		return !(c->sdes && c->sdes->last_offer_from == 1 - st->side);
	return true;
}

static struct sip_mreq *mreq_new(struct sip_call *c, struct sip_step *st, enum sip_mop op)
{
	struct sip_mreq *mq = calloc(1, sizeof(*mq));

	if (!mq)
		return NULL;
	mq->op = op;
	mq->iface[0] = c->iface[0];
	mq->iface[1] = c->iface[1];
	mq->side = st->side;
	memcpy(mq->ids, c->ids, sizeof(mq->ids));
	mq->n_ids = c->n_ids;
	mq->done = step_media_done;
	mq->ctx = st;
	mq->ctx2 = c;
	mq->sdes = call_sdes(c);
	return mq;
}

/* Starts a step: true when it waits for the loop (its media request is
 * queued), false when it can finish now. */
static bool step_start(struct sip_call *c, struct sip_step *st)
{
	msg_t *msg = st->kind == STEP_REQUEST ? st->tr->req : st->msg;
	sip_t const *sip = msg ? sip_object(msg) : NULL;
	enum sip_mop op;
	const struct sdp_desc *fork = NULL;
	struct sip_mreq *mq;
	char why[128];

	if (st->kind == STEP_END) {
		if (!c->n_ids)
			return false;
		op = SIP_M_END;
	} else if (!sip || (st->kind == STEP_REQUEST && st->tr->cancelled)) {
		return false;
	} else if (sip_has_sdp(sip) || (fork = fork_answering(c, st, sip))) {
		op = SIP_M_SDP;
	} else if (st->kind == STEP_REQUEST && st->tr->initial && c->iface[0] >= 0 &&
		   st->tr->method == sip_method_invite) {
		op = SIP_M_RESERVE; /* late offer: the session waits for the 200's SDP */
	} else {
		return false;
	}
	if (c->iface[0] < 0 && op != SIP_M_END)
		return false; /* a restored call whose trunk is gone: no new media */
	mq = mreq_new(c, st, op);
	if (!mq)
		return false;
	if (fork)
		mq->desc = *fork; /* no body: the answer its early dialog gave */
	else if (op == SIP_M_SDP && sdp_describe(sip->sip_payload->pl_data,
						 sip->sip_payload->pl_len, &mq->desc, why,
						 sizeof(why))) {
		log_warn("sip: call %s: SDP of a %s: %s", c->call_id,
			 sip->sip_request ? sip->sip_request->rq_method_name : "response", why);
		st->sdp_bad = true;
		sip_mreq_free(mq);
		return false;
	}
	if (op == SIP_M_SDP)
		mq->offer = sdp_offer(c, st, sip);
	st->mq = mq;
	sip_queue_to_loop(&c->sp->q, mq);
	return true;
}

static void call_run(struct sip_call *c)
{
	if (c->running)
		return;
	c->running = true;
	call_ref(c);
	while (!c->busy && c->steps) {
		struct sip_step *st = c->steps;

		if (step_start(c, st))
			c->busy = true;
		else
			step_finish_now(c, st);
	}
	c->running = false;
	if (!c->busy && !c->steps && c->state == CALL_ENDED && c->linked)
		call_unlink(c);
	call_unref(c);
}

void call_push(struct sip_call *c, enum step_kind kind, struct sip_tr *tr, msg_t *msg, int side)
{
	struct sip_step *st = calloc(1, sizeof(*st));

	if (!st) {
		if (msg)
			msg_destroy(msg);
		return;
	}
	st->kind = kind;
	st->tr = tr;
	if (tr)
		tr_ref(tr);
	st->msg = msg;
	st->side = side;
	*c->steps_tail = st;
	c->steps_tail = &st->next;
	call_run(c);
}

/* ---- the control socket's view ------------------------------------------------------- */

static const char *const state_names[] = { "trying", "early", "confirmed", "ended" };

static void put_str(struct jbuf *b, const char *s)
{
	jbuf_str(b, s, strlen(s));
}

static void call_write(struct jbuf *b, const struct sip_call *c, uint64_t now)
{
	bool first = true;

	jbuf_lit(b, "{\"call_id\":");
	put_str(b, c->call_id);
	jbuf_lit(b, ",\"from\":");
	put_str(b, c->from_uri);
	jbuf_lit(b, ",\"to\":");
	put_str(b, c->to_uri);
	jbuf_lit(b, ",\"direction\":");
	put_str(b, sip_dir_name(c->dir));
	jbuf_lit(b, ",\"trunk\":");
	put_str(b, c->trunk);
	jbuf_lit(b, ",\"region\":");
	put_str(b, c->region);
	jbuf_lit(b, ",\"state\":");
	put_str(b, state_names[c->state]);
	jbuf_lit(b, ",\"duration_s\":");
	jbuf_u64(b, c->answered_ns ? (now - c->answered_ns) / 1000000000ull : 0);
	jbuf_lit(b, ",\"age_s\":");
	jbuf_u64(b, (now - c->created_ns) / 1000000000ull);
	if (c->restored)
		jbuf_lit(b, ",\"restored\":true,\"sessions\":[");
	else
		jbuf_lit(b, ",\"restored\":false,\"sessions\":[");
	for (int i = 0; i < c->n_ids; i++) {
		if (!c->ids[i])
			continue;
		if (!first)
			jbuf_lit(b, ",");
		jbuf_lit(b, "\"s-");
		jbuf_u64(b, c->ids[i]);
		jbuf_lit(b, "\"");
		first = false;
	}
	jbuf_lit(b, "]}");
}

int sip_calls_write(struct sip *sp, struct jbuf *b, const char *call_id)
{
	uint64_t now = mono_ns();
	int rc = 0;

	if (!sp) {
		if (call_id)
			return -ENOENT;
		jbuf_lit(b, "{\"calls\":[]}");
		return 0;
	}
	pthread_mutex_lock(&sp->calls.mu);
	if (call_id) {
		struct sip_call *c = call_find(sp, call_id);

		if (c)
			call_write(b, c, now);
		else
			rc = -ENOENT;
	} else {
		jbuf_lit(b, "{\"calls\":[");
		for (struct sip_call *c = sp->calls.first; c; c = c->next) {
			if (c != sp->calls.first)
				jbuf_lit(b, ",");
			call_write(b, c, now);
		}
		jbuf_lit(b, "]}");
	}
	pthread_mutex_unlock(&sp->calls.mu);
	return rc;
}
