// SPDX-License-Identifier: GPL-2.0
/*
 * relay_xsk.c - owns the userspace relay's AF_XDP side (relay_xsk.h): the
 * sockets of each interface queue, the owner thread's table of its legs
 * (by rtpe_legs index, written only on that thread: a frame finds its leg
 * without a lock and never a leg of another thread's), and the batch: 64
 * frames in, each through relay_one in place in its UMEM frame, the IPv4
 * and UDP headers written before the payload, one sendmmsg out.
 */
#include "media/relay_xsk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "media/punt.h"
#include "media/punt_tx.h"
#include "media/relay.h"
#include "xdp/xdp_xsk.h"

#define XSK_BATCH 64
#define XSK_ROUNDS 8           /* batches per wake-up, as relay.c's sockets */
#define XSK_QUEUES_MAX 16      /* per interface */
#define HDR 28                 /* IPv4 + UDP */

struct xsk_port {
	struct media *r;
	struct xdp_xsk *s;
};

struct relay_xsk {
	struct xsk_port port[RTPE_MAX_XSKS];
	int n;
	bool on[CFG_MAX_IFACES];   /* configured interfaces with sockets */
	int owner;                 /* worker index, -1: the loop thread */
	struct leg **legs;         /* by rtpe_legs index, the owner's */
	uint32_t n_legs;
	uint64_t unknown;          /* frames for no leg of ours (owner) */
	/* the owner's batch */
	struct xdp_xsk_frame f[XSK_BATCH];
	struct mmsghdr out[XSK_BATCH];
	struct iovec iov[XSK_BATCH];
	struct sockaddr_in to[XSK_BATCH];
	struct leg *via[XSK_BATCH];
};

/* The interfaces' sockets, one per device and queue (two configured
 * interfaces may share a device). 0, or -errno with err. */
static int open_ports(struct media *r, struct relay_xsk *x, char *err, size_t errlen)
{
	unsigned key = 0;

	for (int i = 0; i < r->n_ifaces; i++) {
		const char *dev = r->ifaces[i].cfg.device;
		bool dup = false;
		unsigned nq;

		if (!xdp_attached(r->xif[i].attach))
			continue;
		for (int j = 0; j < i; j++)
			dup |= r->xif[j].ifindex == r->xif[i].ifindex && x->on[j];
		x->on[i] = true;
		if (dup)
			continue;
		nq = xdp_xsk_queues(dev, XSK_QUEUES_MAX);
		if (key + nq > RTPE_MAX_XSKS) {
			snprintf(err, errlen, "more than %d interface queues", RTPE_MAX_XSKS);
			return -ENOSPC;
		}
		for (unsigned q = 0; q < nq; q++) {
			int e = xdp_xsk_open(r->xdp, dev, r->xif[i].ifindex, q, key + q,
					     &x->port[x->n].s, err, errlen);

			if (e)
				return e;
			x->port[x->n++].r = r;
		}
		key += nq;
	}
	return 0;
}

int relay_xsk_open(struct media *r)
{
	struct relay_xsk *x;
	char err[256] = "";
	int e;

	if (!r->xdp || !r->cfg->afxdp || r->punt_raw < 0)
		return 0;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->owner = -1;
	x->n_legs = 2 * r->cfg->max_sessions;
	x->legs = calloc(x->n_legs, sizeof(*x->legs));
	if (!x->legs) {
		free(x);
		return -ENOMEM;
	}
	r->xsk = x;
	e = open_ports(r, x, err, sizeof(err));
	if (e) {
		log_warn("AF_XDP: %s; the legs the daemon relays use their sockets", err);
		relay_xsk_close(r);
		return 0;
	}
	if (!x->n) {
		relay_xsk_close(r);
		return 0;
	}
	log_info("AF_XDP: %d sockets (copy mode) for the legs the daemon relays", x->n);
	return 0;
}

void relay_xsk_close(struct media *r)
{
	struct relay_xsk *x = r->xsk;

	if (!x)
		return;
	for (int i = 0; i < x->n; i++)
		xdp_xsk_close(x->port[i].s);
	free(x->legs);
	free(x);
	r->xsk = NULL;
}

int relay_xsk_sockets(const struct media *r)
{
	return r->xsk ? r->xsk->n : 0;
}

uint64_t relay_xsk_dropped(const struct media *r)
{
	uint64_t n;

	if (!r->xsk)
		return 0;
	n = __atomic_load_n(&r->xsk->unknown, __ATOMIC_RELAXED);
	for (int i = 0; i < r->xsk->n; i++)
		n += xdp_xsk_dropped(r->xsk->port[i].s);
	return n;
}

bool relay_xsk_able(const struct media *r, const struct session *s)
{
	return r->xsk && !s->punt && s->leg[0].fd[0] >= 0 && s->leg[1].fd[0] >= 0 &&
	       r->xsk->on[s->leg[0].iface] && r->xsk->on[s->leg[1].iface];
}

int relay_xsk_owner(const struct media *r)
{
	return r->xsk ? r->xsk->owner : -1;
}

static void legs_set(struct media *r, struct session *s, bool on)
{
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];
		__u32 idx;

		if (!xdp_leg_index(r->xdp, l->local.sin_addr.s_addr, l->local.sin_port, &idx) &&
		    idx < r->xsk->n_legs)
			r->xsk->legs[idx] = on ? l : NULL;
	}
}

void relay_xsk_add(struct media *r, struct session *s)
{
	if (r->xsk && s->xsk)
		legs_set(r, s, true);
}

void relay_xsk_del(struct media *r, struct session *s)
{
	if (r->xsk && s->xsk)
		legs_set(r, s, false);
}

/* The leg of ours a frame to dst is for, and the socket kind (0 RTP, 1
 * RTCP) its port means; NULL: none. */
static struct leg *leg_of(struct media *r, const struct sockaddr_in *dst, int *k)
{
	uint16_t port = ntohs(dst->sin_port);
	struct leg *l;
	__u32 idx;

	if (xdp_leg_index(r->xdp, dst->sin_addr.s_addr, htons(port & ~1u), &idx) ||
	    idx >= r->xsk->n_legs)
		return NULL;
	l = r->xsk->legs[idx];
	if (!l || l->local.sin_addr.s_addr != dst->sin_addr.s_addr ||
	    ntohs(l->local.sin_port) != (port & ~1u))
		return NULL;
	*k = port & 1;
	return l;
}

/* Frame f through relay_one; on its way out it becomes message m (its IPv4
 * and UDP headers in place before the payload). False: dropped. */
static bool frame_one(struct media *r, struct relay_xsk *x, const struct xdp_xsk_frame *f,
		      unsigned m, uint64_t now)
{
	const unsigned char *cp;
	unsigned char *p;
	struct sockaddr_in src, dst, from;
	struct leg *l, *o;
	unsigned len;
	int k, kind, s;

	if (punt_frame_udp(f->data, f->len, &src, &dst, &cp, &len) ||
	    !(l = leg_of(r, &dst, &k)) || cp - f->data < HDR) {
		x->unknown++;
		return false;
	}
	p = f->data + (cp - f->data);
	o = &l->s->leg[1 - l->idx];
	kind = relay_one(r, l, o, k, &src, p, &len, f->room - (unsigned)(p - f->data), now);
	if (kind < 0)
		return false;
	s = relay_out_sock(o, kind);
	relay_dst(o, s, &x->to[m]);
	from = o->local;
	from.sin_port = htons((uint16_t)(ntohs(o->local.sin_port) + s));
	punt_udp_header(p - HDR, &from, &x->to[m], len);
	x->iov[m] = (struct iovec){ p - HDR, HDR + len };
	x->out[m].msg_hdr = (struct msghdr){
		.msg_name = &x->to[m], .msg_namelen = sizeof(x->to[m]),
		.msg_iov = &x->iov[m], .msg_iovlen = 1,
	};
	x->via[m] = o;
	return true;
}

static void batch_send(struct media *r, struct relay_xsk *x, unsigned n)
{
	struct rtpe_totals *t = media_counters(r);
	unsigned sent = 0;

	while (sent < n) {
		int m = sendmmsg(r->punt_raw, &x->out[sent], n - sent, MSG_DONTWAIT);

		if (m <= 0) {
			if (m < 0 && errno == EINTR)
				continue;
			/* a full buffer or an error of the first message's: it is
			 * lost, as on the wire; counted on its sending leg */
			x->via[sent]->us.drops++;
			sent++;
			continue;
		}
		for (unsigned i = sent; i < sent + (unsigned)m; i++) {
			enum rtpe_path path = x->via[i]->s->srtp ? RTPE_PATH_SRTP : RTPE_PATH_USERSPACE;

			t->packets[path]++;
			t->bytes[path] += x->iov[i].iov_len - HDR;
		}
		sent += (unsigned)m;
	}
}

static void xsk_readable(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct xsk_port *q = arg;
	struct media *r = q->r;
	struct relay_xsk *x = r->xsk;

	(void)lp;
	(void)fd;
	(void)events;
	for (int round = 0; round < XSK_ROUNDS; round++) {
		unsigned n = xdp_xsk_rx(q->s, x->f, XSK_BATCH), m = 0;
		uint64_t now = mono_ns();

		if (!n)
			return;
		for (unsigned i = 0; i < n; i++)
			m += frame_one(r, x, &x->f[i], m, now);
		if (m)
			batch_send(r, x, m);
		xdp_xsk_done(q->s, n);
		if (n < XSK_BATCH)
			return;
	}
}

void relay_xsk_watch(struct media *r, struct loop *lp, int owner)
{
	struct relay_xsk *x = r->xsk;

	if (!x)
		return;
	x->owner = owner;
	for (int i = 0; i < x->n; i++) {
		int e = loop_add(lp, xdp_xsk_fd(x->port[i].s), EPOLLIN, xsk_readable, &x->port[i]);

		if (e)
			log_err("AF_XDP: cannot watch socket %d: %s", i, strerror(-e));
	}
}
