// SPDX-License-Identifier: GPL-2.0
/*
 * worker.c - owns the relay workers (worker.h): their threads, each with
 * its own event loop (core/loop.h) over the sockets of the sessions it was
 * handed, the command queue from the loop thread (core/spsc.h + an
 * eventfd), and the way back (an eventfd in the loop thread's loop: "the
 * state file is behind"; a synchronous command's end: another eventfd the
 * loop thread waits on).
 *
 * The packet path takes no lock: a worker reads its commands only between
 * two events of its own loop, so no packet of a session is in flight while
 * a command changes or removes that session, and a session's two legs are
 * on the same worker.
 */
#include "media/worker.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/spsc.h"
#include "media/relay.h"
#include "media/relay_xsk.h"

#define WORKER_QUEUE 1024

_Thread_local struct worker *media_self;

enum wop { W_ADD, W_DEL, W_CALL, W_WINDOW, W_STOP };

struct wcmd {
	enum wop op;
	struct session *s;
	void (*fn)(void *arg);
	void *arg;
};

struct worker {
	struct media *r;
	int idx;
	pthread_t th;
	bool running;
	struct loop *loop;
	struct spsc *q;
	int cmd_fd;               /* eventfd: commands waiting (the worker's loop) */
	int done_fd;              /* eventfd: a synchronous command is done (the loop thread reads) */
	int note_fd;              /* eventfd: the state file is behind (the loop thread's loop) */
	uint64_t sessions;        /* handed to it (the loop thread's count) */
	struct relay_batch *batch;
	int changed;              /* atomic: a note is pending */
	/* Written by the worker only, read by the loop thread. */
	_Alignas(64) struct rtpe_totals totals;
};

struct rtpe_totals *worker_totals(struct worker *w)
{
	return &w->totals;
}

struct relay_batch *worker_batch(struct worker *w)
{
	return w->batch;
}

int workers_count(const struct media *r)
{
	return r->n_workers;
}

void worker_note_changed(struct worker *w)
{
	uint64_t one = 1;

	if (!__atomic_exchange_n(&w->changed, 1, __ATOMIC_ACQ_REL) &&
	    write(w->note_fd, &one, sizeof(one)) < 0)
		log_debug("relay worker %d: eventfd: %s", w->idx, strerror(errno));
}

/* The loop thread: a worker changed what the state file keeps. */
static void on_note(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct worker *w = arg;
	uint64_t n;

	(void)lp;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0)
		return;
	__atomic_store_n(&w->changed, 0, __ATOMIC_RELEASE);
	media_event(w->r, MEDIA_CHANGED, NULL);
}

static void cmd_add(struct worker *w, struct session *s)
{
	relay_xsk_add(w->r, s);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++) {
			int e;

			if (s->leg[i].fd[k] < 0)
				continue;
			e = relay_watch(w->loop, &s->leg[i], k);
			if (e)
				log_err("session s-%u: relay worker %d cannot watch a socket: %s; "
					"its packets are not relayed", s->id, w->idx, strerror(-e));
		}
}

static void cmd_del(struct worker *w, struct session *s)
{
	relay_xsk_del(w->r, s);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++)
			if (s->leg[i].fd[k] >= 0)
				loop_del(w->loop, s->leg[i].fd[k]);
}

/* The sweep found a learning window over: the signalled peer, as on the
 * loop thread (sweep.c). */
static void cmd_window(struct worker *w, struct session *s)
{
	uint64_t now = mono_ns();

	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		if (l->path == RTPE_PATH_LEARNING && now >= l->learn_until_ns)
			leg_confirm(w->r, l, NULL);
	}
}

static void cmd_run(struct worker *w, const struct wcmd *c)
{
	uint64_t one = 1;

	switch (c->op) {
	case W_ADD:
		cmd_add(w, c->s);
		return; /* asynchronous */
	case W_WINDOW:
		cmd_window(w, c->s);
		return;
	case W_DEL:
		cmd_del(w, c->s);
		break;
	case W_CALL:
		c->fn(c->arg);
		break;
	case W_STOP:
		loop_stop(w->loop);
		break;
	}
	if (write(w->done_fd, &one, sizeof(one)) < 0)
		log_err("relay worker %d: eventfd: %s", w->idx, strerror(errno));
}

/* The worker: its commands, between two events of its loop. */
static void on_cmd(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct worker *w = arg;
	struct wcmd c;
	uint64_t n;

	(void)lp;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("relay worker %d: eventfd: %s", w->idx, strerror(errno));
	while (spsc_pop(w->q, &c))
		cmd_run(w, &c);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];

	media_self = w;
	snprintf(name, sizeof(name), "rtpe-relay%d", w->idx);
	pthread_setname_np(pthread_self(), name);
	loop_run(w->loop);
	return NULL;
}

/* Queues c for w and wakes it; waits for room when the queue is full
 * (the worker empties it between two events). */
static void push(struct worker *w, const struct wcmd *c)
{
	uint64_t one = 1;

	while (!spsc_push(w->q, c)) {
		if (write(w->cmd_fd, &one, sizeof(one)) < 0)
			break;
		sched_yield();
	}
	if (write(w->cmd_fd, &one, sizeof(one)) < 0)
		log_err("relay worker %d: eventfd: %s", w->idx, strerror(errno));
}

/* Queues c and waits until w has run it. */
static void call_sync(struct worker *w, const struct wcmd *c)
{
	uint64_t n;

	push(w, c);
	while (read(w->done_fd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
}

static void worker_free(struct media *r, struct worker *w)
{
	if (!w)
		return;
	if (w->note_fd >= 0) {
		loop_del(r->loop, w->note_fd);
		close(w->note_fd);
	}
	if (w->cmd_fd >= 0)
		close(w->cmd_fd);
	if (w->done_fd >= 0)
		close(w->done_fd);
	loop_free(w->loop);
	spsc_free(w->q);
	relay_batch_free(w->batch);
	free(w);
}

static struct worker *worker_new(struct media *r, int idx)
{
	struct worker *w = aligned_alloc(64, sizeof(*w));

	if (!w)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->idx = idx;
	w->loop = loop_new();
	w->q = spsc_new(WORKER_QUEUE, sizeof(struct wcmd));
	w->batch = relay_batch_new();
	w->cmd_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->done_fd = eventfd(0, EFD_CLOEXEC);
	w->note_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!w->loop || !w->q || !w->batch || w->cmd_fd < 0 || w->done_fd < 0 || w->note_fd < 0 ||
	    loop_add(w->loop, w->cmd_fd, EPOLLIN, on_cmd, w) ||
	    loop_add(r->loop, w->note_fd, EPOLLIN, on_note, w)) {
		worker_free(r, w);
		return NULL;
	}
	return w;
}

static unsigned workers_wanted(const struct rtpe_cfg *cfg)
{
	long n = cfg->workers;

	if (cfg->workers == CFG_WORKERS_AUTO) {
		cpu_set_t set;

		/* The CPUs this daemon may run on (taskset, CPUAffinity=). */
		n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) :
								   sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
	}
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

int workers_start(struct media *r, char *err, size_t errlen)
{
	unsigned n = workers_wanted(r->cfg);
	int e;

	if (!n)
		return 0;
	r->workers = calloc(n, sizeof(*r->workers));
	if (!r->workers)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = worker_new(r, (int)i);

		if (!w) {
			snprintf(err, errlen, "relay worker %u: out of memory or file descriptors", i);
			workers_stop(r);
			return -ENOMEM;
		}
		r->workers[r->n_workers++] = w;
		if (!i)
			relay_xsk_watch(r, w->loop, 0);
		e = pthread_create(&w->th, NULL, worker_main, w);
		if (e) {
			snprintf(err, errlen, "relay worker %u: cannot start its thread: %s", i,
				 strerror(e));
			workers_stop(r);
			return -e;
		}
		w->running = true;
	}
	log_info("%d relay workers", r->n_workers);
	return 0;
}

static void totals_add(struct rtpe_totals *sum, const struct rtpe_totals *t)
{
	for (int p = 0; p < RTPE_PATH_MAX; p++) {
		sum->packets[p] += t->packets[p];
		sum->bytes[p] += t->bytes[p];
	}
	sum->us_drops += t->us_drops;
	for (int f = 0; f < SCTX_FAIL_MAX; f++)
		sum->srtp_fails[f] += t->srtp_fails[f];
}

void workers_stop(struct media *r)
{
	struct wcmd stop = { .op = W_STOP };

	for (int i = 0; i < r->n_workers; i++) {
		struct worker *w = r->workers[i];

		if (w->running) {
			call_sync(w, &stop);
			pthread_join(w->th, NULL);
		}
	}
	/* What they counted stays in the loop thread's figures. */
	for (int i = 0; i < r->n_workers; i++) {
		totals_add(&r->totals, &r->workers[i]->totals);
		worker_free(r, r->workers[i]);
	}
	free(r->workers);
	r->workers = NULL;
	r->n_workers = 0;
	for (struct session *s = r->first; s; s = s->next)
		s->worker = -1;
}

int worker_pick(const struct media *r, const struct session *s)
{
	const struct worker *best = NULL;

	if (!r->n_workers || s->punt)
		return -1;
	for (int i = 0; i < r->n_workers; i++)
		if (!best || r->workers[i]->sessions < best->sessions)
			best = r->workers[i];
	return best->idx;
}

void worker_assign(struct media *r, struct session *s)
{
	struct worker *best;

	if (!r->n_workers || s->punt)
		return;
	best = r->workers[worker_pick(r, s)];
	if (s->xsk && relay_xsk_owner(r) >= 0)
		best = r->workers[relay_xsk_owner(r)]; /* its frames come to that one */
	best->sessions++;
	s->worker = best->idx;
	push(best, &(struct wcmd){ .op = W_ADD, .s = s });
}

static struct worker *worker_of(const struct media *r, const struct session *s)
{
	return s->worker >= 0 && s->worker < r->n_workers ? r->workers[s->worker] : NULL;
}

void worker_release(struct media *r, struct session *s)
{
	struct worker *w = worker_of(r, s);

	s->worker = -1;
	if (!w) {
		if (!r->n_workers)
			relay_xsk_del(r, s); /* the loop thread's own */
		return;
	}
	call_sync(w, &(struct wcmd){ .op = W_DEL, .s = s });
	w->sessions--;
}

void worker_run(struct media *r, struct session *s, void (*fn)(void *arg), void *arg)
{
	struct worker *w = worker_of(r, s);

	if (!w || media_self == w)
		fn(arg);
	else
		call_sync(w, &(struct wcmd){ .op = W_CALL, .s = s, .fn = fn, .arg = arg });
}

bool worker_window(struct media *r, struct session *s)
{
	struct worker *w = worker_of(r, s);

	if (!w)
		return false;
	push(w, &(struct wcmd){ .op = W_WINDOW, .s = s });
	return true;
}

void media_totals(const struct media *r, struct rtpe_totals *sum)
{
	*sum = r->totals;
	for (int i = 0; i < r->n_workers; i++)
		totals_add(sum, &r->workers[i]->totals);
}

void worker_figures(const struct media *r, int i, uint64_t *packets, uint64_t *bytes,
		    uint64_t *sessions)
{
	const struct worker *w = r->workers[i];

	*packets = *bytes = 0;
	for (int p = 0; p < RTPE_PATH_MAX; p++) {
		*packets += w->totals.packets[p];
		*bytes += w->totals.bytes[p];
	}
	*sessions = w->sessions;
}
