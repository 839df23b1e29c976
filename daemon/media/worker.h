/* SPDX-License-Identifier: GPL-2.0 */
/*
 * worker.h - the relay workers: threads that relay the legs with sockets
 * (userspace and SRTP paths), each with its own epoll and its own legs.
 *
 * The loop thread keeps the session table. A session whose legs have
 * sockets is handed to one worker when it is created or restored (both
 * legs on the same worker, so the relay of a packet from one leg to the
 * other takes no lock); from then on only that worker touches what the
 * relay changes (counters, RTP state, latching, SRTP contexts). What the
 * loop does to such a session afterwards (a new peer from the signalling,
 * the end of a learning window, the leg entries after a restore, its
 * deletion) it hands to the worker through a per-worker queue and an
 * eventfd (core/spsc.h): asynchronously, or synchronously when it needs
 * the result or the legs back. The loop reads the counters as they are
 * (whole 64-bit words; a figure may be one packet behind).
 *
 * [relay] workers = 0 relays on the loop thread, as before workers.
 */
#ifndef RTPE_WORKER_H
#define RTPE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "media/session.h"

/* The most workers a daemon runs. */
#define WORKERS_MAX 64

/* Starts cfg->workers workers (CFG_WORKERS_AUTO: one per online CPU).
 * 0 or -errno with err. */
int workers_start(struct media *r, char *err, size_t errlen);
/* Stops and joins them; their sessions stay in the table, relayed by
 * nobody until freed. */
void workers_stop(struct media *r);
/* How many run. */
int workers_count(const struct media *r);

/* The worker worker_assign would hand s to now (the least loaded), -1:
 * none (no workers, or s has no sockets). */
int worker_pick(const struct media *r, const struct session *s);
/* Hands s (its sockets open, its map entries written) to a worker:
 * s->worker is set; asynchronous. No-op without workers. */
void worker_assign(struct media *r, struct session *s);
/* Takes s back from its worker (synchronous: when it returns the worker
 * has let go of s's sockets and will never touch s again). */
void worker_release(struct media *r, struct session *s);
/* Runs fn(arg) where s is relayed: on its worker, waiting for it, or here
 * when s has none or this is its worker's thread. */
void worker_run(struct media *r, struct session *s, void (*fn)(void *arg), void *arg);
/* Asks s's worker to end the legs' learning whose window is over
 * (asynchronous; leg_confirm on the worker). False: s has no worker. */
bool worker_window(struct media *r, struct session *s);

/* Worker w's relay buffers (relay.c). */
struct relay_batch *worker_batch(struct worker *w);

/* Counters of the relay since start: the loop thread's (r->totals) plus
 * every worker's. */
void media_totals(const struct media *r, struct rtpe_totals *sum);
/* Worker i's relayed packets and bytes (all paths), and its sessions. */
void worker_figures(const struct media *r, int i, uint64_t *packets, uint64_t *bytes,
		    uint64_t *sessions);

#endif
