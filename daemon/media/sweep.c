// SPDX-License-Identifier: GPL-2.0
/*
 * sweep.c - owns session timeouts and the aggregate figures (sweep.h).
 *
 * Last-seen comes from the maps for XDP legs (jiffies, converted by
 * xdp_seen_ns to within a tick) and from the daemon's own counters
 * for legs it relays, so a session carried entirely in XDP is never timed
 * out while media flows, and no packet has to reach userspace for that.
 * The XDP figures are read straight from the memory-mapped rtpe_legs_state:
 * a pass costs no system call, whatever the number of sessions.
 */
#include "media/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "media/worker.h"
#include "xdp/xdp.h"
#include "rtpe_rtp.h"

const unsigned jitter_bounds_ms[N_JITTER_BUCKETS] = {
#define RTPE_X_BOUND(ms) ms,
	JITTER_BUCKETS(RTPE_X_BOUND)
#undef RTPE_X_BOUND
};

/* The leg's XDP entry (last-seen, RTP state), or NULL (no XDP, no slot). */
static const struct rtpe_leg_state *xdp_of(const struct rtpe_leg_state *t, __u32 n,
					   const struct leg *l)
{
	return t && l->line < n ? &t[l->line] : NULL;
}

static void agg_leg(struct rtpe_agg *a, const struct leg *l, const struct rtpe_leg_rtp *st)
{
	double jms;
	uint64_t expected;

	a->legs[l->path]++;
	if (!st->rtp_packets)
		return;
	a->rtp_legs++;
	expected = (uint64_t)st->max_seq - st->base_seq + 1;
	if (expected > st->rtp_packets)
		a->rtp_lost += expected - st->rtp_packets;
	jms = (double)(st->jitter >> 4) * 1000.0 / (l->clock_rate ? l->clock_rate : RTP_DEFAULT_CLOCK);
	a->jitter_sum_ms += jms;
	for (int b = 0; b < N_JITTER_BUCKETS; b++)
		if (jms <= jitter_bounds_ms[b])
			a->jitter_le[b]++;
}

/* Newest media of the session, or its creation when none came yet. */
static uint64_t session_last_activity(const struct media *r, const struct rtpe_leg_state *t,
				      __u32 n, const struct session *s, uint64_t now)
{
	uint64_t last = s->created_ns;

	for (int i = 0; i < 2; i++) {
		const struct leg *l = &s->leg[i];
		const struct rtpe_leg_state *x = xdp_of(t, n, l);
		uint64_t seen = x ? xdp_seen_ns(r->xdp, x, now) : 0;

		if (seen > last)
			last = seen;
		if (l->us.last_seen_ns > last)
			last = l->us.last_seen_ns;
	}
	return last;
}

void sweep_run(struct media *r)
{
	struct rtpe_agg a = { 0 };
	uint64_t now = mono_ns();
	struct session *s, *next;
	__u32 n = 0;
	const struct rtpe_leg_state *t = r->xdp ? xdp_state_table(r->xdp, &n) : NULL;

	for (s = r->first; s; s = next) {
		uint64_t last = session_last_activity(r, t, n, s, now);
		uint64_t idle_s = last < now ? (now - last) / 1000000000ull : 0;
		bool hold = s->hold || session_waiting(s);
		unsigned limit = hold ? r->cfg->hold_timeout : r->cfg->session_timeout;

		next = s->next;
		if (idle_s >= limit) {
			log_info("session s-%u: no media for %llu s (%s %u s): removed", s->id,
				 (unsigned long long)idle_s, hold ? "hold_timeout" : "session_timeout",
				 limit);
			media_event(r, MEDIA_TIMEOUT, s); /* the call it carries ends */
			r->totals.timed_out++;
			r->totals.deleted++;
			session_destroy(r, s);
			media_event(r, MEDIA_CHANGED, NULL);
			continue;
		}
		bool asked = false;

		for (int i = 0; i < 2; i++) {
			struct leg *l = &s->leg[i];
			const struct rtpe_leg_state *x = xdp_of(t, n, l);

			/* Window over: the signalled peer, by the worker relaying
			 * the session (once for both legs), else here; a leg
			 * whose session waits for a peer stays learning. */
			if (l->path == RTPE_PATH_LEARNING && now >= l->learn_until_ns && !asked &&
			    !session_waiting(s) && !(asked = worker_window(r, s)))
				leg_confirm(r, l, NULL);
			agg_leg(&a, l, leg_rtp_of(l, x ? &x->rtp : NULL));
		}
	}
	r->agg = a;
}

/*
 * Every second while the pass is cheap; with a table so large that a pass
 * takes long (100,000 sessions: ~0.15 s), no more than 1/SWEEP_SHARE of the
 * loop's time: timeouts are then checked every few seconds, and the relay
 * and the control socket keep the rest.
 */
#define SWEEP_SHARE 20

static void sweep_tick(struct loop *l, void *arg)
{
	struct media *r = arg;
	uint64_t start = mono_ns();

	(void)l;
	if (!loop_duty_due(&r->sweep_duty, SWEEP_SHARE, start))
		return;
	sweep_run(r);
	loop_duty_done(&r->sweep_duty, start, mono_ns());
}

int sweep_start(struct media *r)
{
	int e = loop_every(r->loop, SWEEP_MS, sweep_tick, r);
	return e < 0 ? e : 0;
}
