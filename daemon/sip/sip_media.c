// SPDX-License-Identifier: GPL-2.0
/*
 * sip_media.c - owns the queue between the SIP and loop threads and what
 * the loop does for the SIP thread (sip_media.h): sessions created at an
 * SDP (one per anchorable m= line, the other side's peer unknown until its
 * SDP comes), peers set from each side's SDP, hold followed, sessions
 * ended. Runs on the loop thread, the table's owner; the SIP thread only
 * ever sees ids and endpoints.
 */
#include "sip/sip_media.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "core/log.h"

static void fd_kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("sip: eventfd write: %s", strerror(errno));
}

static void fd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_err("sip: eventfd read: %s", strerror(errno));
}

static void push(struct sip_queue *q, struct sip_mreq ***tail, struct sip_mreq *r, int fd)
{
	r->next = NULL;
	pthread_mutex_lock(&q->mu);
	**tail = r;
	*tail = &r->next;
	pthread_mutex_unlock(&q->mu);
	fd_kick(fd);
}

void sip_queue_to_loop(struct sip_queue *q, struct sip_mreq *r)
{
	push(q, &q->to_loop_tail, r, q->loop_fd);
}

void sip_queue_to_sip(struct sip_queue *q, struct sip_mreq *r)
{
	push(q, &q->to_sip_tail, r, q->sip_fd);
}

static struct sip_mreq *take(struct sip_queue *q, struct sip_mreq **head,
			     struct sip_mreq ***tail, int fd)
{
	struct sip_mreq *all;

	fd_drain(fd);
	pthread_mutex_lock(&q->mu);
	all = *head;
	*head = NULL;
	*tail = head;
	pthread_mutex_unlock(&q->mu);
	return all;
}

struct sip_mreq *sip_queue_take(struct sip_queue *q)
{
	return take(q, &q->to_sip, &q->to_sip_tail, q->sip_fd);
}

/* The loop's side: run each request, hand it back. */
static void on_loop_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct sip_queue *q = arg;
	struct sip_mreq *r = take(q, &q->to_loop, &q->to_loop_tail, q->loop_fd), *next;

	for (; r; r = next) {
		next = r->next;
		sip_media_run(q->m, r);
		sip_queue_to_sip(q, r);
	}
}

int sip_queue_init(struct sip_queue *q, struct loop *loop, struct media *m)
{
	int e;

	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	q->to_loop_tail = &q->to_loop;
	q->to_sip_tail = &q->to_sip;
	q->loop = loop;
	q->m = m;
	q->loop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->sip_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->loop_fd < 0 || q->sip_fd < 0)
		return -errno;
	e = loop_add(loop, q->loop_fd, EPOLLIN, on_loop_fd, q);
	return e;
}

void sip_mreq_free(struct sip_mreq *r)
{
	if (!r)
		return;
	free(r->text);
	explicit_bzero(r, sizeof(*r));
	free(r);
}

static void free_list(struct sip_mreq *r)
{
	while (r) {
		struct sip_mreq *next = r->next;

		if (r->op == SIP_M_CONFIG)
			free(r->cfg);
		sip_mreq_free(r);
		r = next;
	}
}

void sip_queue_fini(struct sip_queue *q)
{
	if (q->loop_fd >= 0) {
		loop_del(q->loop, q->loop_fd);
		close(q->loop_fd);
	}
	if (q->sip_fd >= 0)
		close(q->sip_fd);
	q->loop_fd = q->sip_fd = -1;
	free_list(q->to_loop);
	free_list(q->to_sip);
	q->to_loop = q->to_sip = NULL;
	pthread_mutex_destroy(&q->mu);
}

/* ---- the loop's work ---------------------------------------------------------- */

static void end_sessions(struct media *m, const uint32_t *ids, int n)
{
	for (int i = 0; i < n; i++) {
		struct session *s = ids[i] ? session_find(m, ids[i]) : NULL;

		if (!s)
			continue;
		session_destroy(m, s);
		m->totals.deleted++;
		media_event(m, MEDIA_CHANGED, NULL);
	}
}

static struct session *create(struct media *m, struct sip_mreq *r, const struct leg_opts *opts)
{
	struct sockaddr_in unknown = { .sin_family = AF_INET };
	struct session *s;

	if (session_create_ex(m, r->iface[0], &unknown, r->iface[1], &unknown, opts, &s, r->why,
			      sizeof(r->why))) {
		r->err = -ENOSPC;
		return NULL;
	}
	m->totals.created++;
	media_event(m, MEDIA_CHANGED, s);
	return s;
}

/* Whether a stream stops sending or receiving: its session is on hold. */
static bool stream_holds(const struct sdp_stream *st)
{
	return st->dir != SDP_SENDRECV || !st->addr.s_addr;
}

/* Stream i refused for its SRTP: port 0 towards the other side (whose
 * answer with port 0 then ends the stream's session, if any). */
static void refuse_stream(struct media *m, struct sip_mreq *r, int i)
{
	r->anchors[i] = (struct sdp_anchor){ .addr = m->ifaces[r->iface[1 - r->side]].cfg.advertise };
	sip_sdes_anchor(r->sdes, i, 1 - r->side, !r->offer, &r->anchors[i]);
	if (!r->offer) { /* an answer that took none of our keys: the stream ends */
		end_sessions(m, &r->ids[i], 1);
		r->ids[i] = 0;
	}
}

/* SDES (sip_sdes.h) of stream i: the keys of an offer or answer on its
 * session s (NULL: not made yet; opts then says how to make it). 0, or 1:
 * the stream is refused. */
static int stream_sdes(struct media *m, struct sip_mreq *r, int i, struct session *s,
		       struct leg_opts opts[2])
{
	const struct sdp_stream *st = &r->desc.s[i];

	if (!r->sdes)
		return 0;
	if (r->offer)
		return sip_sdes_offer(r->sdes, i, r->side, st, s, opts) ||
		       (s && sip_sdes_offer_apply(m, r->sdes, i, r->side, st, s)) ? 1 : 0;
	return s && sip_sdes_answer(m, r->sdes, i, r->side, st, s) ? 1 : 0;
}

/* Stream i of side's SDP: its session (created when it has none), its
 * sender's peer, hold, and the anchor the other side is told. */
static int anchor_stream(struct media *m, struct sip_mreq *r, int i, bool *made)
{
	const struct sdp_stream *st = &r->desc.s[i];
	struct session *s = r->ids[i] ? session_find(m, r->ids[i]) : NULL;
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_addr = st->addr,
				    .sin_port = htons(st->port) };
	struct leg_opts opts[2];
	const struct leg *far;

	if (!st->anchorable) { /* rejected (port 0), not UDP, not IPv4 */
		if (s && !st->port)
			end_sessions(m, &r->ids[i], 1); /* the stream was disabled */
		r->ids[i] = 0;
		if (r->sdes) /* no keys on a refused stream: the profile of the side it goes to */
			r->anchors[i].srtp = r->sdes->sdes[1 - r->side] ? SDP_SRTP_SDES :
									  SDP_SRTP_PLAIN;
		return 0;
	}
	if (stream_sdes(m, r, i, s, opts)) {
		refuse_stream(m, r, i);
		return 0;
	}
	if (!s) {
		s = create(m, r, r->sdes ? opts : NULL);
		if (!s)
			return -1;
		r->ids[i] = s->id;
		*made = true;
	}
	session_set_peer(m, s, r->side, &peer, st->rtcp_mux ? st->port : st->rtcp_port);
	if (s->hold != stream_holds(st)) {
		s->hold = stream_holds(st);
		media_event(m, MEDIA_CHANGED, s); /* the state file keeps hold */
	}
	far = &s->leg[1 - r->side];
	r->anchors[i] = (struct sdp_anchor){ .addr = m->ifaces[far->iface].cfg.advertise,
					     .port = ntohs(far->local.sin_port),
					     .rtcp_mux = st->rtcp_mux };
	if (r->sdes)
		sip_sdes_anchor(r->sdes, i, 1 - r->side, !r->offer, &r->anchors[i]);
	return 0;
}

/* An offer whose every stream was refused for its SRTP is answered 488
 * (RFC 4568 7.1.2, RFC 3264 6). */
static bool all_refused(const struct sip_mreq *r, int n)
{
	bool any = false;

	for (int i = 0; i < n; i++) {
		if (r->anchors[i].port)
			return false;
		any |= r->desc.s[i].anchorable;
	}
	return r->sdes && r->offer && any;
}

static void run_sdp(struct media *m, struct sip_mreq *r)
{
	uint32_t before[SDP_MAX_STREAMS];
	bool made[SDP_MAX_STREAMS] = { false };
	int n = r->desc.n < SDP_MAX_STREAMS ? r->desc.n : SDP_MAX_STREAMS;

	memcpy(before, r->ids, sizeof(before));
	memset(r->anchors, 0, sizeof(r->anchors));
	for (int i = 0; i < n; i++) {
		if (anchor_stream(m, r, i, &made[i]) == 0)
			continue;
		/* No port left: undo what this request created. */
		for (int k = 0; k <= i; k++)
			if (made[k])
				end_sessions(m, &r->ids[k], 1);
		memcpy(r->ids, before, sizeof(before));
		return;
	}
	if (r->n_ids < n)
		r->n_ids = n;
	r->refused = all_refused(r, n);
}

/* A late offer's session: a leg whose side is srtp = sdes gets keys of its
 * own until the offer and answer give it the real ones (an SRTP session
 * from the start: it never has socket-less XDP legs to convert). */
static struct session *reserve(struct media *m, struct sip_mreq *r)
{
	struct sdes_key k[2];
	struct leg_opts opts[2] = { { 0 } };
	struct session *s;

	for (int i = 0; r->sdes && i < 2; i++)
		if (r->sdes->sdes[i]) {
			if (sdes_key_generate(SDES_AES_CM_128_HMAC_SHA1_80, &k[i]))
				return NULL;
			opts[i].srtp_in = &k[i];
		}
	s = create(m, r, opts);
	explicit_bzero(k, sizeof(k));
	return s;
}

/* The call's dialog goes with each of its sessions into the state file. */
static void run_dialog(struct media *m, struct sip_mreq *r)
{
	for (int i = 0; i < r->n_ids && i < SDP_MAX_STREAMS; i++) {
		struct session *s = r->ids[i] ? session_find(m, r->ids[i]) : NULL;
		char *t;

		if (!s || (s->dialog && r->text && !strcmp(s->dialog, r->text)))
			continue;
		t = r->text ? strdup(r->text) : NULL;
		if (r->text && !t)
			continue; /* out of memory: the file keeps the older text */
		free(s->dialog);
		s->dialog = t;
		media_event(m, MEDIA_CHANGED, s);
	}
}

void sip_media_run(struct media *m, struct sip_mreq *r)
{
	struct session *s;

	r->err = 0;
	switch (r->op) {
	case SIP_M_SDP:
		run_sdp(m, r);
		break;
	case SIP_M_RESERVE:
		s = r->ids[0] ? session_find(m, r->ids[0]) : NULL;
		if (!s && (s = reserve(m, r))) {
			r->ids[0] = s->id;
			r->n_ids = r->n_ids ? r->n_ids : 1;
		}
		break;
	case SIP_M_END:
		end_sessions(m, r->ids, r->n_ids);
		break;
	case SIP_M_DIALOG:
		run_dialog(m, r);
		break;
	default:
		break;
	}
}
