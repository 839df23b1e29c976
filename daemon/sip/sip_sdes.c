// SPDX-License-Identifier: GPL-2.0
/*
 * sip_sdes.c - owns the SDES negotiation of a call's streams (sip_sdes.h):
 * which legs terminate SRTP, the a=crypto lines rtpedge offers and answers
 * with, and the keys of each leg, set from the offer (the offerer's leg)
 * and the answer (the answerer's). Runs on the loop thread.
 *
 * Keys are never reused under a new context: a leg whose keys change gets
 * a new transform, and a direction whose key stays carries its stream
 * state over (SSRC, rollover counter, SRTCP index: srtp_ctx.h), so that
 * no packet index is protected twice under one key.
 */
#include "sip/sip_sdes.h"
#include "media/leg_srtp.h"
#include "media/worker.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

struct sip_sdes *sip_sdes_new(bool sdes0, bool sdes1)
{
	struct sip_sdes *d;

	if (!sdes0 && !sdes1)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->sdes[0] = sdes0;
	d->sdes[1] = sdes1;
	d->last_offer_from = -1;
	for (int i = 0; i < SDP_MAX_STREAMS; i++)
		d->s[i].offer_from = -1;
	return d;
}

void sip_sdes_free(struct sip_sdes *d)
{
	if (!d)
		return;
	explicit_bzero(d, sizeof(*d));
	free(d);
}

static const struct sdes_key *leg_key(const struct leg *l, enum sctx_dir dir)
{
	return l->srtp ? sctx_key(l->srtp->ctx, dir) : NULL;
}

/* A fresh key of suite under tag into c. 0 or -1. */
static int fresh(struct sdp_crypto *c, uint32_t tag, unsigned suite)
{
	c->tag = tag;
	if (sdes_key_generate(suite, &c->key)) {
		log_err("sip: no random bytes for an SRTP key");
		return -1;
	}
	return 0;
}

/* Our lines for the offer to side y: the leg's key when its keys were
 * negotiated already (a re-offer keeps them), else one fresh key per suite. */
static int offer_lines(struct sip_sdes_stream *ss, int y, const struct session *s)
{
	const struct sdes_key *out = s && ss->keyed[y] ? leg_key(&s->leg[y], SCTX_OUT) : NULL;

	if (out) { /* the tag agreed for it: an answerer matches tag and suite */
		ss->offered[0].tag = ss->tag[y] ? ss->tag[y] : 1;
		ss->offered[0].key = *out;
		ss->n_offered = 1;
		return 0;
	}
	ss->keyed[y] = false;
	for (unsigned k = 0; k < SDES_SUITE_MAX; k++)
		if (fresh(&ss->offered[k], k + 1, k))
			return -1;
	ss->n_offered = SDES_SUITE_MAX;
	return 0;
}

/* RTP/AVP(F), RTP/SAVP(F): the profiles SDES applies to (not udptl, not
 * DTLS's UDP/TLS/RTP/SAVPF). */
static bool sdes_profile(const struct sdp_stream *st)
{
	return !strncasecmp(st->proto, "RTP/AVP", 7) || st->savp;
}

int sip_sdes_offer(struct sip_sdes *d, int i, int from, const struct sdp_stream *st,
		   const struct session *s, struct leg_opts opts[2])
{
	struct sip_sdes_stream *ss = &d->s[i];
	int y = 1 - from;
	const struct sdes_key *in;
	bool rtp = sdes_profile(st);

	ss->term[from] = rtp && (d->sdes[from] || (st->savp && st->crypto && d->sdes[y]));
	ss->term[y] = rtp && d->sdes[y];
	ss->offer_from = from;
	d->last_offer_from = from;
	if (ss->term[from] && !(st->savp && st->crypto_ok))
		return -1; /* RFC 4568 7.1.2: no line we can take */
	for (int k = 0; s && k < 2; k++)
		if (!s->leg[k].srtp != !ss->term[k])
			return -1; /* a live leg keeps whether it terminates SRTP */
	if (ss->term[from]) {
		in = s ? leg_key(&s->leg[from], SCTX_IN) : NULL;
		if (in && sdes_key_equal(in, &st->cry.key)) { /* the offerer keeps its key */
			ss->answer.tag = st->cry.tag;
			ss->answer.key = *leg_key(&s->leg[from], SCTX_OUT);
		} else if (fresh(&ss->answer, st->cry.tag, st->cry.key.suite)) {
			return -1;
		}
	}
	if (ss->term[y] && offer_lines(ss, y, s))
		return -1;
	memset(opts, 0, 2 * sizeof(*opts));
	for (int k = 0; k < 2; k++)
		opts[k].clock_rate = st->clock_rate;
	opts[from].rtcp_mux = st->rtcp_mux;
	if (ss->term[from]) {
		opts[from].srtp_in = &st->cry.key;
		opts[from].srtp_out = &ss->answer.key;
	}
	if (ss->term[y]) /* until the answer says which: our first line's key both ways */
		opts[y].srtp_in = opts[y].srtp_out = &ss->offered[0].key;
	return 0;
}

struct rekey_args {
	struct leg *l;
	struct sctx *c;         /* in: the new context; out: the old one, to free */
	bool same[2];           /* the directions whose key stays */
};

/* On the thread that relays the leg (worker.h): the stream state of the
 * directions whose key stays moves to the new context, which replaces the
 * old one, and the restart snapshot follows. */
static void rekey_fn(void *arg)
{
	struct rekey_args *a = arg;
	struct leg *l = a->l;
	struct sctx *old = l->srtp->ctx;
	char err[160];

	for (int dir = SCTX_IN; dir <= SCTX_OUT; dir++) {
		struct sctx_stream st;

		if (!a->same[dir])
			continue;
		sctx_stream_get(old, (enum sctx_dir)dir, &st);
		if ((st.have || st.have_rtcp || st.used) &&
		    sctx_stream_set(a->c, (enum sctx_dir)dir, &st, err, sizeof(err)))
			log_warn("sip: session %u leg %c: %s", l->s->id, 'a' + l->idx, err);
	}
	l->srtp->ctx = a->c;
	leg_srtp_snap(l);
	a->c = old;
}

/* Gives leg l the keys in and out; a direction whose key stays keeps its
 * stream state. 0 or -1. */
static int leg_rekey(struct media *m, struct leg *l, const struct sdes_key *in,
		     const struct sdes_key *out)
{
	struct sctx *old = l->srtp ? l->srtp->ctx : NULL;
	struct rekey_args a = { .l = l };
	char err[160];

	if (!old)
		return -1;
	a.same[SCTX_IN] = sdes_key_equal(sctx_key(old, SCTX_IN), in);
	a.same[SCTX_OUT] = sdes_key_equal(sctx_key(old, SCTX_OUT), out);
	if (a.same[SCTX_IN] && a.same[SCTX_OUT])
		return 0;
	a.c = sctx_new(in, out, err, sizeof(err));
	if (!a.c) {
		log_warn("sip: session %u leg %c: keys refused: %s", l->s->id, 'a' + l->idx, err);
		return -1;
	}
	worker_run(m, l->s, rekey_fn, &a); /* the worker alone touches a live context */
	sctx_free(a.c);
	media_event(m, MEDIA_CHANGED, l->s); /* the state file keeps the keys */
	return 0;
}

int sip_sdes_offer_apply(struct media *m, struct sip_sdes *d, int i, int from,
			 const struct sdp_stream *st, struct session *s)
{
	const struct sip_sdes_stream *ss = &d->s[i];

	if (!ss->term[from])
		return 0;
	return leg_rekey(m, &s->leg[from], &st->cry.key, &ss->answer.key);
}

int sip_sdes_answer(struct media *m, struct sip_sdes *d, int i, int from,
		    const struct sdp_stream *st, struct session *s)
{
	struct sip_sdes_stream *ss = &d->s[i];
	const struct sdp_crypto *ours = NULL;

	if (ss->offer_from != 1 - from) /* no offer of ours known (a restart): keys stay */
		return !s->leg[from].srtp || (st->crypto_ok &&
		       sdes_key_equal(leg_key(&s->leg[from], SCTX_IN), &st->cry.key)) ? 0 : -1;
	if (!ss->term[from]) { /* a plain answer: the offerer's keys are the agreed ones */
		ss->keyed[1 - from] = ss->term[1 - from];
		ss->tag[1 - from] = ss->answer.tag;
		return 0;
	}
	for (int k = 0; st->savp && st->crypto_ok && k < ss->n_offered; k++)
		if (ss->offered[k].tag == st->cry.tag &&
		    ss->offered[k].key.suite == st->cry.key.suite)
			ours = &ss->offered[k];
	if (!ours || leg_rekey(m, &s->leg[from], &st->cry.key, &ours->key))
		return -1; /* RFC 4568 7.1.3: an answer that picks none of our lines */
	ss->keyed[from] = true;
	ss->tag[from] = ours->tag;
	ss->keyed[1 - from] = ss->term[1 - from];
	ss->tag[1 - from] = ss->answer.tag;
	return 0;
}

void sip_sdes_anchor(const struct sip_sdes *d, int i, int to, bool answer, struct sdp_anchor *a)
{
	const struct sip_sdes_stream *ss = &d->s[i];

	a->n_crypto = 0;
	if (ss->term[to]) {
		a->srtp = SDP_SRTP_SDES;
		if (answer && ss->answer.tag) {
			a->crypto[0] = ss->answer;
			a->n_crypto = 1;
		} else if (!answer) {
			memcpy(a->crypto, ss->offered, sizeof(a->crypto));
			a->n_crypto = (uint8_t)ss->n_offered;
		}
	} else {
		a->srtp = ss->term[1 - to] ? SDP_SRTP_PLAIN : SDP_SRTP_KEEP;
	}
}
