/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loop.h - the daemon's single-threaded event loop (epoll + timerfd).
 *
 * Everything that touches the session table runs on this loop's thread:
 * the control socket, the userspace relay sockets, the timers. Work from
 * other threads (SIP, later) reaches it through an fd it registers here.
 */
#ifndef RTPE_LOOP_H
#define RTPE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

/* Called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP...). */
typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *l, void *arg);

struct loop *loop_new(void);
/* Closes nothing it did not create: registered fds stay the caller's. */
void loop_free(struct loop *l);

/* Watches fd for events; one registration per fd. 0 or -errno. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
/* Changes the events watched on a registered fd. 0 or -errno. */
int loop_mod(struct loop *l, int fd, uint32_t events);
/* Stops watching fd (safe from inside a callback, even for that fd). */
int loop_del(struct loop *l, int fd);

/* Calls cb every interval_ms until loop_free. Returns a timer fd or -errno. */
int loop_every(struct loop *l, unsigned interval_ms, loop_timer_cb cb, void *arg);

/*
 * A periodic job that keeps to 1/share of the loop's time however long it
 * grows (the sweep, the state file): due once share x its last run's
 * duration has passed since that run ended; always due the first time.
 */
struct loop_duty {
	uint64_t ended_ns, took_ns;
};

bool loop_duty_due(const struct loop_duty *d, unsigned share, uint64_t now_ns);
void loop_duty_done(struct loop_duty *d, uint64_t start_ns, uint64_t end_ns);

/* Runs until loop_stop; returns 0, or -errno when epoll fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
