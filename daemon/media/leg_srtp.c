// SPDX-License-Identifier: GPL-2.0
/*
 * leg_srtp.c - owns a leg's SRTP termination (leg_srtp.h): its context,
 * its failure counters, and the transforms of one packet each way. The
 * keys live in the context (srtp/srtp_ctx.h), which wipes them.
 */
#include "media/leg_srtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int leg_srtp_new(struct leg *l, const struct sdes_key *in, const struct sdes_key *out, char *err,
		 size_t errlen)
{
	struct leg_srtp *ls = calloc(1, sizeof(*ls));

	if (!ls) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ls->ctx = sctx_new(in, out ? out : in, err, errlen);
	if (!ls->ctx) {
		free(ls);
		return -1;
	}
	leg_srtp_free(l);
	l->srtp = ls;
	l->s->srtp = true;
	leg_srtp_snap(l);
	return 0;
}

void leg_srtp_free(struct leg *l)
{
	if (!l->srtp)
		return;
	sctx_free(l->srtp->ctx);
	free(l->srtp);
	l->srtp = NULL;
	l->s->srtp = l->s->leg[1 - l->idx].srtp != NULL;
}

bool leg_srtp_is_rtcp(const unsigned char *p, unsigned len)
{
	return len >= 8 && (p[0] >> 6) == 2 && p[1] >= 192 && p[1] <= 223;
}

_Static_assert(sizeof(struct sctx_stream) <= sizeof(((struct leg_srtp *)0)->snap[0]),
	       "a leg's SRTP snapshot holds struct sctx_stream");

/*
 * A sequence lock whose data are words read and written atomically
 * (relaxed), so that neither side reads a word half written: the writer
 * makes the count odd with an acquire-release increment (its stores stay
 * after it), writes, and makes it even with a release; the reader reads
 * the count (acquire), the words, and the count again through a release
 * read-modify-write (its loads stay before it), and retries on an odd or
 * changed count.
 */
void leg_srtp_snap(struct leg *l)
{
	struct leg_srtp *ls = l->srtp;
	uint32_t w[SNAP_WORDS];

	__atomic_fetch_add(&ls->snap_seq, 1, __ATOMIC_ACQ_REL);
	for (int d = 0; d < 2; d++) {
		struct sctx_stream st;

		sctx_stream_get(ls->ctx, (enum sctx_dir)d, &st);
		memset(w, 0, sizeof(w));
		memcpy(w, &st, sizeof(st));
		for (int i = 0; i < SNAP_WORDS; i++)
			__atomic_store_n(&ls->snap[d][i], w[i], __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&ls->snap_seq, 1, __ATOMIC_RELEASE);
}

void leg_srtp_snap_read(const struct leg_srtp *ls, enum sctx_dir d, struct sctx_stream *st)
{
	unsigned *seqp = (unsigned *)&ls->snap_seq; /* the closing read is an RMW */
	uint32_t w[SNAP_WORDS];
	unsigned seq;

	do {
		seq = __atomic_load_n(seqp, __ATOMIC_ACQUIRE);
		for (int i = 0; i < SNAP_WORDS; i++)
			w[i] = __atomic_load_n(&ls->snap[d][i], __ATOMIC_RELAXED);
	} while ((seq & 1) || seq != __atomic_fetch_add(seqp, 0, __ATOMIC_RELEASE));
	memcpy(st, w, sizeof(*st));
	st->used = sctx_used(ls->ctx, d); /* counts every packet: read as it is */
}

/* The restart state changed (a new SSRC, a rollover): the owner's state
 * file is behind. */
static void note_change(struct media *r, struct leg *l)
{
	if (sctx_changed(l->srtp->ctx)) {
		leg_srtp_snap(l);
		media_event(r, MEDIA_CHANGED, l->s);
	}
}

bool leg_srtp_in(struct media *r, struct leg *l, int kind, unsigned char *p, unsigned *len)
{
	enum sctx_fail why;

	if (sctx_unprotect(l->srtp->ctx, kind == 1, p, len, &why)) {
		l->srtp->fails[why]++;
		media_counters(r)->srtp_fails[why]++;
		return false;
	}
	note_change(r, l);
	return true;
}

bool leg_srtp_out(struct media *r, struct leg *o, int kind, unsigned char *p, unsigned *len,
		  unsigned cap)
{
	enum sctx_fail why;

	if (sctx_protect(o->srtp->ctx, kind == 1, p, len, cap, &why)) {
		o->us.drops++;
		return false;
	}
	note_change(r, o);
	return true;
}
