// SPDX-License-Identifier: GPL-2.0
/*
 * session_peer.c - owns where a leg's peer comes from: the end of its
 * learning (the signalled peer confirmed by its first packet or by the end
 * of the window, or a NATed source latched) and a peer the signalling sets
 * or changes (session_set_peer: the SDP answer, a re-INVITE).
 *
 * A peer may be unknown (0.0.0.0:0): the answerer's side of a call created
 * at the offer, or a side that holds with c=0.0.0.0. A leg confirmed once
 * never latches again; a new peer from the signalling only makes it learn
 * (and confirm by the new peer's first packet) again. Nothing is ever sent
 * to an unknown peer: a leg forwards to the opposite leg's peer, so a leg
 * leaves learning (and goes to the XDP path) only when both peers are known.
 */
#include "media/session.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/log.h"
#include "media/latch.h"
#include "media/worker.h"
#include "xdp/xdp.h"

bool session_waiting(const struct session *s)
{
	return !leg_peer_known(&s->leg[0]) || !leg_peer_known(&s->leg[1]);
}

void leg_confirm(struct media *r, struct leg *l, const struct sockaddr_in *peer)
{
	uint16_t rtcp;
	char a[32], b[32];
	int e;

	if (session_waiting(l->s))
		return; /* stays learning: nothing may go to an unknown peer */
	rtcp = latch_rtcp_port(l->cands, peer ? peer->sin_addr : l->peer.sin_addr);
	if (peer && (peer->sin_addr.s_addr != l->peer.sin_addr.s_addr ||
		     peer->sin_port != l->peer.sin_port)) {
		log_info("session s-%u leg %c: latched to %s (signalled %s)", l->s->id, 'a' + l->idx,
			 sockaddr_str(peer, a, sizeof(a)), sockaddr_str(&l->peer, b, sizeof(b)));
		l->peer.sin_addr = peer->sin_addr;
		l->peer.sin_port = peer->sin_port;
		l->peer_rtcp_port = (uint16_t)(ntohs(peer->sin_port) + 1);
	}
	if (rtcp) /* seen from the peer's IP: what its NAT really uses */
		l->peer_rtcp_port = rtcp;
	l->path = leg_path_confirmed(r, l);
	latch_free(&l->cands);
	/* XDP carries on from the RTP state the daemon built while learning. */
	if (r->xdp && l->path == RTPE_PATH_XDP && l->us_rtp.rtp_packets &&
	    xdp_rtp_put(r->xdp, l->line, &l->us_rtp) == 0)
		memset(&l->us_rtp, 0, sizeof(l->us_rtp));
	media_event(r, MEDIA_CHANGED, l->s); /* the state file keeps paths and counters */
	e = session_program(r, l->s);
	if (e) {
		log_err("session s-%u: cannot update the XDP legs: %s; relaying in userspace",
			l->s->id, strerror(-e));
		l->path = RTPE_PATH_USERSPACE;
	}
}

/* Back to learning, with a new window (latching behind NAT restarts too). */
static void leg_relearn(struct media *r, struct leg *l, uint64_t now)
{
	l->path = RTPE_PATH_LEARNING;
	l->learn_until_ns = now + (uint64_t)r->cfg->learning_window * 1000000000ull;
	latch_free(&l->cands);
}

static int set_peer_here(struct media *r, struct session *s, int idx,
			 const struct sockaddr_in *peer, uint16_t rtcp_port)
{
	struct leg *l = &s->leg[idx], *o = &s->leg[1 - idx];
	bool known = peer->sin_addr.s_addr && peer->sin_port;
	uint16_t rtcp = !known ? 0 : rtcp_port ? rtcp_port : (uint16_t)(ntohs(peer->sin_port) + 1);
	uint64_t now = mono_ns();
	char a[32];
	int e;

	if (l->peer.sin_addr.s_addr == peer->sin_addr.s_addr && l->peer.sin_port == peer->sin_port &&
	    l->peer_rtcp_port == rtcp)
		return 0;
	log_debug("session s-%u leg %c: peer %s (rtcp %u)", s->id, 'a' + idx,
		  known ? sockaddr_str(peer, a, sizeof(a)) : "unknown", rtcp);
	l->peer = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = peer->sin_addr,
					.sin_port = known ? peer->sin_port : 0 };
	l->peer_rtcp_port = rtcp;
	/* Its packets are confirmed afresh; the opposite leg, which sends to
	 * this peer, learns again when the peer is gone (held with c=0.0.0.0)
	 * and gets a new window when it was still learning. */
	leg_relearn(r, l, now);
	if (!known || o->path == RTPE_PATH_LEARNING)
		leg_relearn(r, o, now);
	media_event(r, MEDIA_CHANGED, s);
	e = session_program(r, s);
	if (e)
		log_err("session s-%u: cannot update the XDP legs: %s", s->id, strerror(-e));
	return e;
}

struct set_peer_args {
	struct session *s;
	int idx;
	const struct sockaddr_in *peer;
	uint16_t rtcp_port;
	int e;
};

static void set_peer_fn(void *arg)
{
	struct set_peer_args *a = arg;

	a->e = set_peer_here(a->s->owner, a->s, a->idx, a->peer, a->rtcp_port);
}

/* On the thread that relays s (worker.h): its worker is the only one that
 * touches the legs' peers, paths and latching while it relays them. */
int session_set_peer(struct media *r, struct session *s, int idx, const struct sockaddr_in *peer,
		     uint16_t rtcp_port)
{
	struct set_peer_args a = { s, idx, peer, rtcp_port, 0 };

	worker_run(r, s, set_peer_fn, &a);
	return a.e;
}
