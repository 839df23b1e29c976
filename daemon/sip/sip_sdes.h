/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_sdes.h - SDES (RFC 4568) on a call's media: which legs terminate
 * SRTP, the keys rtpedge offers and answers with, and the leg keys set
 * from each offer and answer (docs/SRTP.md, "SDES in SIP calls").
 *
 * A leg terminates SRTP when its side is configured `srtp = sdes`, or when
 * its side offers RTP/SAVP(F) with a=crypto to a side that is: the relay
 * then holds keys for both legs. When neither side is `sdes` nothing here
 * runs (a call's SRTP goes end to end, untouched). The state is the call's
 * (allocated by the SIP thread) and read and written by the loop thread
 * while the call waits for it; it holds keys and is wiped when freed.
 */
#ifndef RTPE_SIP_SDES_H
#define RTPE_SIP_SDES_H

#include <stdbool.h>
#include <stdint.h>

#include "media/session.h"
#include "sip/sdp_anchor.h"

struct sip_sdes_stream {
	bool term[2];           /* each side's leg terminates SRTP (decided at each offer) */
	bool keyed[2];          /* its keys come from a finished offer/answer */
	uint32_t tag[2];        /* the a=crypto tag each keyed side agreed (RFC 4568 6.1) */
	int offer_from;         /* the side of the last offer, -1: none seen */
	int n_offered;          /* our lines in the offer to the other side */
	struct sdp_crypto offered[SDES_SUITE_MAX];
	struct sdp_crypto answer; /* our line in the answer to offer_from */
};

struct sip_sdes {
	bool sdes[2];           /* each side's config says srtp = sdes */
	int last_offer_from;    /* -1: none */
	struct sip_sdes_stream s[SDP_MAX_STREAMS];
};

/* A call's state for sides whose config says sdes[0], sdes[1]; NULL when
 * neither does (nothing to do) or out of memory. */
struct sip_sdes *sip_sdes_new(bool sdes0, bool sdes1);
/* Wipes and frees (NULL: nothing). */
void sip_sdes_free(struct sip_sdes *d);

/*
 * Stream i of an offer from side `from`, with its session s (NULL: none
 * yet). Decides which legs terminate, picks the keys (kept when the
 * offerer keeps its own and the leg has them, fresh otherwise) and fills
 * opts[2] for a session still to be created. 0, or -1: the stream is
 * refused (no acceptable a=crypto from a side that must send SRTP, or a
 * live session whose legs cannot change termination).
 */
int sip_sdes_offer(struct sip_sdes *d, int i, int from, const struct sdp_stream *st,
		   const struct session *s, struct leg_opts opts[2]);
/* The offer's keys on the live session s (after sip_sdes_offer). 0 or -1. */
int sip_sdes_offer_apply(struct media *m, struct sip_sdes *d, int i, int from,
			 const struct sdp_stream *st, struct session *s);
/* Stream i of an answer from side `from` on session s: the answerer's key
 * must match a line we offered; sets its leg's keys. 0, or -1: refused. */
int sip_sdes_answer(struct media *m, struct sip_sdes *d, int i, int from,
		    const struct sdp_stream *st, struct session *s);
/* The SRTP part of the anchor of stream i sent to side `to` (an answer:
 * our answer line, an offer: our offered lines). */
void sip_sdes_anchor(const struct sip_sdes *d, int i, int to, bool answer, struct sdp_anchor *a);

#endif
