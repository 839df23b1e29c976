// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - owns the session table: creating a session (ports, sockets,
 * stats slots, XDP entries), finding it, reading its figures and tearing it
 * down so that every resource goes back where it came from.
 */
#include "media/session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/loop.h"
#include "media/relay_xsk.h"
#include "media/latch.h"
#include "media/leg_sock.h"
#include "media/leg_srtp.h"
#include "media/ports.h"
#include "media/relay.h"
#include "media/worker.h"
#include "xdp/xdp.h"
#include "rtpe_rtp.h"

int sessions_init(struct media *r)
{
	uint32_t slots = 2 * r->cfg->max_sessions;

	r->hsize = 1024;
	while (r->hsize < r->cfg->max_sessions && r->hsize < (1u << 24))
		r->hsize <<= 1;
	r->htab = calloc(r->hsize, sizeof(*r->htab));
	r->free_slots = malloc(slots * sizeof(*r->free_slots));
	r->slot_leg = calloc(slots, sizeof(*r->slot_leg));
	if (!r->htab || !r->free_slots || !r->slot_leg)
		return -ENOMEM;
	/* Stack: slot 0 on top, so a fresh daemon hands out 0, 1, 2... */
	for (uint32_t i = 0; i < slots; i++)
		r->free_slots[i] = slots - 1 - i;
	r->n_free_slots = slots;
	if (!r->next_id)
		r->next_id = 1;
	r->punt_raw = -1;
	for (int i = 0; i < r->n_ifaces; i++) {
		r->ifaces[i].ports = port_pool_new(r->cfg->port_min, r->cfg->port_max);
		if (!r->ifaces[i].ports)
			return -ENOMEM;
	}
	return 0;
}

unsigned sessions_ports_free(const struct media *r)
{
	unsigned n = 0;

	for (int i = 0; i < r->n_ifaces; i++)
		n += port_pool_avail(r->ifaces[i].ports);
	return n;
}

void sessions_fini(struct media *r)
{
	workers_stop(r); /* the sessions are the loop thread's alone from here */
	while (r->first)
		session_destroy(r, r->first);
	for (int i = 0; i < r->n_ifaces; i++) {
		port_pool_free(r->ifaces[i].ports);
		r->ifaces[i].ports = NULL;
	}
	free(r->htab);
	free(r->free_slots);
	free(r->slot_leg);
	r->htab = NULL;
	r->free_slots = NULL;
	r->slot_leg = NULL;
}

/* The map entry of leg l, whose packets go out through leg o. */
static void leg_entry(const struct leg *l, const struct leg *o, struct rtpe_leg *v)
{
	memset(v, 0, sizeof(*v));
	v->local = l->local.sin_addr.s_addr;
	v->local_port = l->local.sin_port;
	v->peer = l->peer.sin_addr.s_addr;
	v->peer_port = l->peer.sin_port;
	v->peer_rtcp_port = htons(l->peer_rtcp_port);
	v->out_src = o->local.sin_addr.s_addr;
	v->out_sport = o->local.sin_port;
	v->out_dst = o->peer.sin_addr.s_addr;
	v->out_dport = o->peer.sin_port;
	v->out_rtcp_dport = htons(o->peer_rtcp_port);
	v->path = (__u8)l->path;
	v->family = RTPE_AF_INET;
	v->slot = l->slot;
	v->session_id = l->s->id;
	v->clock_rate = l->clock_rate;
	v->flags = (__u8)(RTPE_LEG_F_ACTIVE | (l->idx ? RTPE_LEG_F_SIDE_B : 0) |
			  (l->s->punt ? RTPE_LEG_F_PUNT : 0) | (l->s->xsk ? RTPE_LEG_F_XSK : 0));
}

int session_program(struct media *r, struct session *s)
{
	struct rtpe_leg v;
	int e;

	if (!r->xdp)
		return 0;
	for (int i = 0; i < 2; i++) {
		leg_entry(&s->leg[i], &s->leg[1 - i], &v);
		e = xdp_leg_put(r->xdp, &v);
		if (e)
			return e;
	}
	return 0;
}

static void session_link(struct media *r, struct session *s)
{
	uint32_t h = s->id & (r->hsize - 1);

	s->hnext = r->htab[h];
	r->htab[h] = s;
	s->prev = r->last;
	s->next = NULL;
	if (r->last)
		r->last->next = s;
	else
		r->first = s;
	r->last = s;
	r->n_sessions++;
}

static void session_unlink(struct media *r, struct session *s)
{
	struct session **pp = &r->htab[s->id & (r->hsize - 1)];

	media_event(r, MEDIA_UNLINK, s); /* a state file write may be about to read s */
	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	if (s->prev)
		s->prev->next = s->next;
	else
		r->first = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		r->last = s->prev;
	r->n_sessions--;
}

struct session *session_find(struct media *r, uint32_t id)
{
	struct session *s = r->htab[id & (r->hsize - 1)];

	while (s && s->id != id)
		s = s->hnext;
	return s;
}

struct session *session_new(struct media *r, uint32_t id)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->owner = r;
	s->id = id;
	s->worker = -1;
	s->created_ns = mono_ns();
	for (int i = 0; i < 2; i++) {
		s->leg[i].s = s;
		s->leg[i].idx = i;
		s->leg[i].fd[0] = s->leg[i].fd[1] = -1;
		s->leg[i].slot = UINT32_MAX;
		s->leg[i].line = UINT32_MAX;
		s->leg[i].clock_rate = RTP_DEFAULT_CLOCK;
	}
	return s;
}

static struct session *session_alloc(struct media *r, int iface_a, const struct sockaddr_in *peer_a,
				     int iface_b, const struct sockaddr_in *peer_b)
{
	struct session *s;

	/* Never 0 (no command can name s-0), never an id in use. */
	while (r->next_id == 0 || r->next_id > SESSION_ID_MAX || session_find(r, r->next_id))
		r->next_id = r->next_id && r->next_id < SESSION_ID_MAX ? r->next_id + 1 : 1;
	if (r->id_limit && r->next_id >= r->id_limit)
		media_event(r, MEDIA_IDS, NULL);
	s = session_new(r, r->next_id);
	if (!s)
		return NULL;
	r->next_id++;
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		l->iface = i ? iface_b : iface_a;
		l->peer = *(i ? peer_b : peer_a);
		l->peer.sin_family = AF_INET;
		l->peer_rtcp_port = leg_peer_known(l) ? (uint16_t)(ntohs(l->peer.sin_port) + 1) : 0;
	}
	return s;
}

/* The leg's slot back on the free stack, if it is the leg's to give: its
 * own (slot_leg), or taken from the stack for a leg not yet active. Never
 * a slot another leg holds, never past the stack's size. */
static void slot_put(struct media *r, struct leg *l)
{
	if (r->slot_leg[l->slot] == l)
		r->slot_leg[l->slot] = NULL;
	else if (r->slot_leg[l->slot])
		return;
	if (r->n_free_slots < 2 * r->cfg->max_sessions)
		r->free_slots[r->n_free_slots++] = l->slot;
}

/* Everything a session holds besides its table links. */
static void session_release(struct media *r, struct session *s)
{
	worker_release(r, s); /* its worker lets go of it first */
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		if (r->xdp && l->local.sin_port)
			xdp_leg_del(r->xdp, l->local.sin_addr.s_addr, l->local.sin_port);
		leg_close(r, l);
		latch_free(&l->cands);
		leg_srtp_free(l);
		if (l->local.sin_port)
			port_pool_put(r->ifaces[l->iface].ports, ntohs(l->local.sin_port));
		if (l->slot < 2 * r->cfg->max_sessions)
			slot_put(r, l);
	}
	free(s->dialog);
	free(s);
}

/* Writes the map entries and watches the four sockets: a relay worker's
 * from then on (worker.h), or the loop thread's without workers. 0 or -1
 * with err. */
static int session_activate(struct media *r, struct session *s, char *err, size_t errlen)
{
	int e;

	for (int i = 0; i < 2; i++) {
		if (s->leg[i].slot < 2 * r->cfg->max_sessions)
			r->slot_leg[s->leg[i].slot] = &s->leg[i];
		for (int k = 0; k < 2 && s->leg[i].fd[k] >= 0 && !r->n_workers; k++) {
			e = relay_watch(r->loop, &s->leg[i], k);
			if (e) {
				snprintf(err, errlen, "cannot watch socket: %s", strerror(-e));
				return -1;
			}
		}
	}
	/* AF_XDP sessions are all on one thread: a session takes it when that
	 * thread is the least loaded, so with several workers the rest spread
	 * over them on their sockets. */
	s->xsk = relay_xsk_able(r, s) && worker_pick(r, s) == relay_xsk_owner(r);
	if (!r->n_workers)
		relay_xsk_add(r, s);
	e = session_program(r, s);
	if (e) {
		snprintf(err, errlen, "cannot write the XDP leg map: %s", strerror(-e));
		return -1;
	}
	worker_assign(r, s); /* last: the worker may change s at once */
	return 0;
}

/* Whether XDP can carry the session: both interfaces run it and no leg
 * terminates SRTP (crypto does not run in XDP). */
static bool session_xdp_capable(const struct media *r, const struct session *s)
{
	return !s->srtp && xdp_attached(r->xif[s->leg[0].iface].attach) &&
	       xdp_attached(r->xif[s->leg[1].iface].attach);
}

enum rtpe_path leg_path_confirmed(const struct media *r, const struct leg *l)
{
	if (l->srtp)
		return RTPE_PATH_SRTP;
	return session_xdp_capable(r, l->s) ? RTPE_PATH_XDP : RTPE_PATH_USERSPACE;
}

/* The leg's XDP line, from its local address and port (UINT32_MAX: none). */
static uint32_t leg_line(const struct media *r, const struct leg *l)
{
	return r->xdp ? xdp_line_of(r->xdp, l->local.sin_addr.s_addr, l->local.sin_port) :
			UINT32_MAX;
}

static int session_setup(struct media *r, struct session *s, char *err, size_t errlen)
{
	uint64_t now = mono_ns();
	int e;

	s->punt = r->punt && session_xdp_capable(r, s);
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		if (leg_open(r, l, err, errlen))
			return -1;
		l->slot = r->free_slots[--r->n_free_slots];
		l->path = RTPE_PATH_LEARNING;
		l->latch = r->ifaces[l->iface].cfg.latch;
		l->learn_until_ns = now + (uint64_t)r->cfg->learning_window * 1000000000ull;
		/* The line may hold the figures of the port's previous leg. */
		l->line = leg_line(r, l);
		if (l->line != UINT32_MAX && (e = xdp_line_reset(r->xdp, l->line))) {
			snprintf(err, errlen, "cannot reset the XDP counters of port %u: %s",
				 ntohs(l->local.sin_port), strerror(-e));
			return -1;
		}
	}
	return session_activate(r, s, err, errlen);
}

/* A leg's creation options: its clock, rtcp-mux and SRTP keys. 0 or -1. */
static int leg_apply(struct leg *l, const struct leg_opts *o, char *err, size_t errlen)
{
	if (o->clock_rate)
		l->clock_rate = o->clock_rate;
	l->rtcp_mux = o->rtcp_mux;
	if (l->rtcp_mux) /* RTCP to and from the RTP port, XDP's entry too */
		l->peer_rtcp_port = ntohs(l->peer.sin_port);
	if (!o->srtp_in)
		return 0;
	if (leg_srtp_new(l, o->srtp_in, o->srtp_out, err, errlen)) {
		char why[160];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "leg %c: %s", 'a' + l->idx, why);
		return -1;
	}
	return 0;
}

int session_create(struct media *r, int iface_a, const struct sockaddr_in *peer_a,
		   int iface_b, const struct sockaddr_in *peer_b, struct session **out,
		   char *err, size_t errlen)
{
	return session_create_ex(r, iface_a, peer_a, iface_b, peer_b, NULL, out, err, errlen);
}

int session_create_ex(struct media *r, int iface_a, const struct sockaddr_in *peer_a,
		      int iface_b, const struct sockaddr_in *peer_b, const struct leg_opts *opts,
		      struct session **out, char *err, size_t errlen)
{
	struct session *s;

	if (r->n_sessions >= r->cfg->max_sessions || r->n_free_slots < 2) {
		snprintf(err, errlen, "session limit reached (max_sessions = %u)",
			 r->cfg->max_sessions);
		return -1;
	}
	s = session_alloc(r, iface_a, peer_a, iface_b, peer_b);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; opts && i < 2; i++)
		if (leg_apply(&s->leg[i], &opts[i], err, errlen)) {
			session_release(r, s);
			return -1;
		}
	if (session_setup(r, s, err, errlen)) {
		session_release(r, s);
		return -1;
	}
	session_link(r, s);
	*out = s;
	return 0;
}

int session_restore(struct media *r, struct session *s, char *err, size_t errlen)
{
	uint32_t slots = 2 * r->cfg->max_sessions;
	uint16_t port[2];

	/* A leg owns its port (and its map entry) once local.sin_port is set. */
	for (int i = 0; i < 2; i++) {
		port[i] = ntohs(s->leg[i].local.sin_port);
		s->leg[i].local.sin_port = 0;
	}
	if (session_find(r, s->id)) {
		snprintf(err, errlen, "session %u exists twice", s->id);
		goto fail;
	}
	for (int i = 0; i < 2; i++)
		if (s->leg[i].iface < 0 || s->leg[i].iface >= r->n_ifaces) {
			snprintf(err, errlen, "leg %c: no interface has its address", 'a' + i);
			goto fail;
		} else if (s->leg[i].path == RTPE_PATH_SRTP && !s->leg[i].srtp) {
			snprintf(err, errlen, "leg %c: on the srtp path without its keys", 'a' + i);
			goto fail;
		}
	s->punt = r->punt && session_xdp_capable(r, s);
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		if (leg_reopen(r, l, port[i], err, errlen))
			goto fail;
		if (l->slot >= slots)
			l->slot = UINT32_MAX; /* sessions_rebuild_slots gives it one */
		l->line = leg_line(r, l); /* its figures stay: the program counted on */
		l->latch = r->ifaces[l->iface].cfg.latch;
		l->learn_until_ns = mono_ns() + (uint64_t)r->cfg->learning_window * 1000000000ull;
		if (!r->xdp && l->path == RTPE_PATH_XDP)
			l->path = RTPE_PATH_USERSPACE;
		if (s->srtp && l->path != RTPE_PATH_LEARNING)
			l->path = leg_path_confirmed(r, l); /* never XDP */
		if (l->srtp)
			leg_srtp_snap(l); /* the restart state it was given */
	}
	if (session_activate(r, s, err, errlen))
		goto fail;
	session_link(r, s);
	if (s->id >= r->next_id)
		r->next_id = s->id + 1;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		/* Not a slot of the stack: sessions_rebuild_slots settles them. */
		if (l->slot < slots && r->slot_leg[l->slot] == l)
			r->slot_leg[l->slot] = NULL;
		l->slot = UINT32_MAX;
		/* The port back, the map entry left: the caller decides on it. */
		leg_close(r, l);
		if (l->local.sin_port)
			port_pool_put(r->ifaces[l->iface].ports, ntohs(l->local.sin_port));
		l->local.sin_port = 0;
	}
	session_release(r, s);
	return -1;
}

static void program_on_worker(void *arg)
{
	struct session *s = arg;
	int e = session_program(s->owner, s);

	if (e)
		log_warn("session s-%u: cannot write its new stats slots to the XDP legs: %s",
			 s->id, strerror(-e));
}

/* Free slots to the legs that have none; their map entries get them. */
static unsigned slots_hand_out(struct media *r)
{
	unsigned lacking = 0;

	for (struct session *s = r->first; s; s = s->next) {
		bool changed = false;

		for (int i = 0; i < 2; i++) {
			struct leg *l = &s->leg[i];

			if (l->slot != UINT32_MAX)
				continue;
			if (!r->n_free_slots) {
				lacking++;
				continue;
			}
			l->slot = r->free_slots[--r->n_free_slots];
			r->slot_leg[l->slot] = l;
			changed = true;
		}
		if (changed) /* where it is relayed: the worker may write them too */
			worker_run(r, s, program_on_worker, s);
	}
	return lacking;
}

int sessions_rebuild_slots(struct media *r)
{
	uint32_t slots = 2 * r->cfg->max_sessions;
	unsigned lacking;

	memset(r->slot_leg, 0, slots * sizeof(*r->slot_leg));
	for (struct session *s = r->first; s; s = s->next)
		for (int i = 0; i < 2; i++) {
			struct leg *l = &s->leg[i];

			if (l->slot < slots && !r->slot_leg[l->slot])
				r->slot_leg[l->slot] = l;
			else
				l->slot = UINT32_MAX; /* none, beyond the table, or another's */
		}
	r->n_free_slots = 0;
	for (uint32_t i = slots; i-- > 0;)
		if (!r->slot_leg[i])
			r->free_slots[r->n_free_slots++] = i;
	lacking = slots_hand_out(r);
	if (lacking)
		log_warn("%u legs have no stats slot (max_sessions %u is below the sessions "
			 "restored): frames XDP hands them are not relayed", lacking,
			 r->cfg->max_sessions);
	return 0;
}

void sessions_detach(struct media *r)
{
	workers_stop(r);
	while (r->first) {
		struct session *s = r->first;

		session_unlink(r, s);
		for (int i = 0; i < 2; i++) {
			leg_close(r, &s->leg[i]);
			latch_free(&s->leg[i].cands);
			leg_srtp_free(&s->leg[i]);
			if (s->leg[i].slot < 2 * r->cfg->max_sessions)
				r->slot_leg[s->leg[i].slot] = NULL;
		}
		free(s);
	}
}

void session_destroy(struct media *r, struct session *s)
{
	session_unlink(r, s);
	session_release(r, s);
}

/* The RTP figures of whichever side (XDP or userspace) saw more RTP. */
static void rtp_figures(const struct rtpe_leg_rtp *st, uint32_t clock_rate, struct leg_view *v)
{
	uint64_t expected;

	if (!st->rtp_packets)
		return;
	v->has_rtp = true;
	v->ssrc = st->ssrc;
	expected = (uint64_t)st->max_seq - st->base_seq + 1;
	v->lost = expected > st->rtp_packets ? expected - st->rtp_packets : 0;
	v->jitter_ms = (double)(st->jitter >> 4) * 1000.0 / clock_rate;
}

void leg_view(struct media *r, const struct leg *l, struct leg_view *v)
{
	struct rtpe_leg_stats st;
	struct rtpe_leg_rtp rtp;

	memset(v, 0, sizeof(*v));
	if (!r->xdp || xdp_line_read(r->xdp, l->line, mono_ns(), &st))
		memset(&st, 0, sizeof(st));
	if (!r->xdp || xdp_rtp_read(r->xdp, l->line, &rtp))
		memset(&rtp, 0, sizeof(rtp));
	v->packets = l->us.packets + st.packets;
	v->bytes = l->us.bytes + st.bytes;
	v->drops = l->us.drops + st.drops;
	v->rtcp_packets = l->us.rtcp_packets + st.rtcp_packets;
	v->last_seen_ns = l->us.last_seen_ns > st.last_seen_ns ? l->us.last_seen_ns : st.last_seen_ns;
	rtp_figures(leg_rtp_of(l, &rtp), l->clock_rate ? l->clock_rate : RTP_DEFAULT_CLOCK, v);
}
