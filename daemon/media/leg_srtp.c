// SPDX-License-Identifier: GPL-2.0
/*
 * leg_srtp.c - owns a leg's SRTP termination (leg_srtp.h): its context,
 * its failure counters, and the transforms of one packet each way. The
 * keys live in the context (srtp/srtp_ctx.h), which wipes them.
 */
#include "media/leg_srtp.h"

#include <stdio.h>
#include <stdlib.h>

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

/* The restart state changed (a new SSRC, a rollover): the owner's state
 * file is behind. */
static void note_change(struct media *r, struct leg *l)
{
	if (sctx_changed(l->srtp->ctx))
		media_event(r, MEDIA_CHANGED, l->s);
}

bool leg_srtp_in(struct media *r, struct leg *l, int kind, unsigned char *p, unsigned *len)
{
	enum sctx_fail why;

	if (sctx_unprotect(l->srtp->ctx, kind == 1, p, len, &why)) {
		l->srtp->fails[why]++;
		r->totals.srtp_fails[why]++;
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
