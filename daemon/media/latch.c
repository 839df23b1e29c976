// SPDX-License-Identifier: GPL-2.0
/*
 * latch.c - owns the latching decision of a learning leg: its candidate
 * sources, their probation, which one wins (latch.h says the rules). The
 * state exists only while a latching leg is learning and has heard from
 * someone else than its signalled peer; leg_confirm frees it.
 */
#include "media/latch.h"

#include <stdlib.h>
#include <string.h>

struct latch_cand {
	struct sockaddr_in src;   /* sin_family 0: a free slot */
	uint32_t ssrc;            /* the stream on probation */
	uint16_t seq;             /* its last sequence number */
	uint16_t rtcp_port;       /* host order, 0: no RTCP seen from src's IP */
	uint8_t count;            /* packets in sequence so far */
	uint64_t first_ns;        /* when this stream began */
	uint64_t adv_ns;          /* when it last advanced, 0: never */
	uint64_t seen_ns;         /* its last packet */
};

struct latch {
	struct in_addr sig;       /* the signalled IP */
	uint16_t sig_rtcp_port;   /* RTCP seen from it, host order, 0: none */
	struct latch_cand c[LATCH_CANDS];
};

#define HOLD_NS ((uint64_t)LATCH_HOLD_MS * 1000000ull)

static struct latch *latch_get(struct latch **lp, const struct sockaddr_in *sig)
{
	if (!*lp) {
		*lp = calloc(1, sizeof(**lp));
		if (*lp)
			(*lp)->sig = sig->sin_addr;
	}
	return *lp;
}

static bool on_sig_ip(const struct latch *lt, const struct latch_cand *c)
{
	return c->src.sin_addr.s_addr == lt->sig.s_addr;
}

/* Whether a is a worse keeper than b: advanced less recently (never
 * first), then seen less recently. */
static bool staler(const struct latch_cand *a, const struct latch_cand *b)
{
	return a->adv_ns != b->adv_ns ? a->adv_ns < b->adv_ns : a->seen_ns < b->seen_ns;
}

/* The slot for a new source: a free one, else the stalest one it may
 * displace (a stranger never displaces a source on the signalled IP; a
 * source on the signalled IP displaces strangers first). NULL: none. */
static struct latch_cand *slot_for(struct latch *lt, bool sig_ip)
{
	struct latch_cand *v = NULL;

	for (int i = 0; i < LATCH_CANDS; i++) {
		struct latch_cand *c = &lt->c[i];
		bool cs = on_sig_ip(lt, c);

		if (!c->src.sin_family)
			return c;
		if (cs && !sig_ip)
			continue;
		if (!v || (on_sig_ip(lt, v) && !cs) ||
		    (on_sig_ip(lt, v) == cs && staler(c, v)))
			v = c;
	}
	return v;
}

static struct latch_cand *cand_find(struct latch *lt, const struct sockaddr_in *src)
{
	for (int i = 0; i < LATCH_CANDS; i++)
		if (lt->c[i].src.sin_family && lt->c[i].src.sin_addr.s_addr == src->sin_addr.s_addr &&
		    lt->c[i].src.sin_port == src->sin_port)
			return &lt->c[i];
	return NULL;
}

/* The RTCP port already seen from src's IP, 0: none. */
static uint16_t rtcp_seen(const struct latch *lt, struct in_addr a)
{
	if (a.s_addr == lt->sig.s_addr)
		return lt->sig_rtcp_port;
	for (int i = 0; i < LATCH_CANDS; i++)
		if (lt->c[i].src.sin_family && lt->c[i].src.sin_addr.s_addr == a.s_addr &&
		    lt->c[i].rtcp_port)
			return lt->c[i].rtcp_port;
	return 0;
}

/* Moves c's probation on by one packet. */
static void cand_step(struct latch_cand *c, uint32_t ssrc, uint16_t seq, uint64_t now)
{
	if (c->count && c->ssrc == ssrc && (uint16_t)(c->seq + 1) == seq) {
		if (c->count < UINT8_MAX)
			c->count++;
		c->adv_ns = now;
	} else { /* a new stream (or the first packet): probation starts over */
		c->ssrc = ssrc;
		c->count = 1;
		c->first_ns = now;
		c->adv_ns = 0;
	}
	c->seq = seq;
	c->seen_ns = now;
}

/* Whether a source on the signalled IP advanced within the hold. */
static bool sig_ip_active(const struct latch *lt, uint64_t now)
{
	for (int i = 0; i < LATCH_CANDS; i++)
		if (lt->c[i].src.sin_family && on_sig_ip(lt, &lt->c[i]) && lt->c[i].adv_ns &&
		    now - lt->c[i].adv_ns < HOLD_NS)
			return true;
	return false;
}

bool latch_rtp(struct latch **lp, const struct sockaddr_in *sig, const struct sockaddr_in *src,
	       uint32_t ssrc, uint16_t seq, uint64_t now)
{
	struct latch *lt = latch_get(lp, sig);
	struct latch_cand *c;

	if (!lt)
		return false;
	c = cand_find(lt, src);
	if (!c) {
		c = slot_for(lt, src->sin_addr.s_addr == lt->sig.s_addr);
		if (!c)
			return false; /* every slot holds a source on the signalled IP */
		memset(c, 0, sizeof(*c));
		c->src = *src;
		c->rtcp_port = rtcp_seen(lt, src->sin_addr);
	}
	cand_step(c, ssrc, seq, now);
	if (c->count < LATCH_PROBATION)
		return false;
	if (on_sig_ip(lt, c))
		return true;
	return now - c->first_ns >= HOLD_NS && !sig_ip_active(lt, now);
}

void latch_rtcp(struct latch **lp, const struct sockaddr_in *sig, const struct sockaddr_in *src)
{
	struct latch *lt = latch_get(lp, sig);

	if (!lt)
		return;
	if (src->sin_addr.s_addr == lt->sig.s_addr) {
		lt->sig_rtcp_port = ntohs(src->sin_port);
		return;
	}
	for (int i = 0; i < LATCH_CANDS; i++)
		if (lt->c[i].src.sin_family && lt->c[i].src.sin_addr.s_addr == src->sin_addr.s_addr)
			lt->c[i].rtcp_port = ntohs(src->sin_port);
}

uint16_t latch_rtcp_port(const struct latch *lt, struct in_addr addr)
{
	return lt ? rtcp_seen(lt, addr) : 0;
}

void latch_free(struct latch **lp)
{
	free(*lp);
	*lp = NULL;
}
