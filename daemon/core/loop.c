// SPDX-License-Identifier: GPL-2.0
/*
 * loop.c - epoll event loop with periodic timerfd timers.
 *
 * Registrations live in an array indexed by fd; each carries a generation
 * number that is also stored in the epoll event, so an event already
 * fetched for an fd that a previous callback in the same batch removed (or
 * closed and reused) is recognised as stale and skipped.
 */
#include "core/loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#define LOOP_BATCH 256

struct loop_handle {
	loop_fd_cb cb;
	void *arg;
	uint32_t gen;
	bool timer;
	loop_timer_cb tcb;
};

struct loop {
	int epfd;
	bool stop;
	uint32_t gen;
	struct loop_handle *h;
	int nh;
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (int fd = 0; fd < l->nh; fd++)
		if (l->h[fd].timer)
			close(fd);
	close(l->epfd);
	free(l->h);
	free(l);
}

static int loop_grow(struct loop *l, int fd)
{
	int n = l->nh ? l->nh : 64;
	struct loop_handle *h;

	if (fd < l->nh)
		return 0;
	while (n <= fd)
		n *= 2;
	h = realloc(l->h, (size_t)n * sizeof(*h));
	if (!h)
		return -ENOMEM;
	memset(h + l->nh, 0, (size_t)(n - l->nh) * sizeof(*h));
	l->h = h;
	l->nh = n;
	return 0;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	int err;

	if (fd < 0 || !cb)
		return -EINVAL;
	err = loop_grow(l, fd);
	if (err)
		return err;
	if (l->h[fd].cb || l->h[fd].tcb)
		return -EEXIST;
	l->gen++;
	ev.data.u64 = (uint64_t)(uint32_t)fd | (uint64_t)l->gen << 32;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->h[fd] = (struct loop_handle){ .cb = cb, .arg = arg, .gen = l->gen };
	return 0;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || fd >= l->nh || !l->h[fd].cb)
		return -ENOENT;
	ev.data.u64 = (uint64_t)(uint32_t)fd | (uint64_t)l->h[fd].gen << 32;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_del(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->nh || (!l->h[fd].cb && !l->h[fd].tcb))
		return -ENOENT;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(&l->h[fd], 0, sizeof(l->h[fd]));
	return 0;
}

static void loop_timer_fire(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	l->h[fd].tcb(l, arg);
}

int loop_every(struct loop *l, unsigned interval_ms, loop_timer_cb cb, void *arg)
{
	struct itimerspec its = {
		.it_interval = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000 },
	};
	int fd, err;

	if (!interval_ms || !cb)
		return -EINVAL;
	its.it_value = its.it_interval;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = loop_add(l, fd, EPOLLIN, loop_timer_fire, arg);
	if (err) {
		close(fd);
		return err;
	}
	l->h[fd].timer = true;
	l->h[fd].tcb = cb;
	return fd;
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_BATCH];

	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, ev, LOOP_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			int fd = (int)(uint32_t)ev[i].data.u64;
			uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
			struct loop_handle *h;

			if (fd >= l->nh)
				continue;
			h = &l->h[fd];
			if (!h->cb || h->gen != gen)
				continue; /* removed by an earlier callback */
			h->cb(l, fd, ev[i].events, h->arg);
		}
	}
	return 0;
}

bool loop_duty_due(const struct loop_duty *d, unsigned share, uint64_t now_ns)
{
	return !d->ended_ns || now_ns - d->ended_ns >= share * d->took_ns;
}

void loop_duty_done(struct loop_duty *d, uint64_t start_ns, uint64_t end_ns)
{
	d->took_ns = end_ns - start_ns;
	d->ended_ns = end_ns;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
