// SPDX-License-Identifier: GPL-2.0
/*
 * relay_xsk.c - owns the userspace relay's AF_XDP side (relay_xsk.h): the
 * sockets of each interface queue, the owner thread's table of its legs
 * (by rtpe_legs index, written only on that thread: a frame finds its leg
 * without a lock and never a leg of another thread's), and the batch: 64
 * frames in, each through relay_one in place in its UMEM frame, the IPv4
 * and UDP headers written before the payload, one sendmmsg out: through
 * an AF_PACKET socket with the Ethernet header too, by the next hop the
 * kernel's FIB gives (asked as the fast path asks it, through
 * rtpedge_fib, at most once a second for each leg), else through the raw
 * socket, where the kernel routes it and resolves the neighbour.
 */
#include "media/relay_xsk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "media/punt.h"
#include "media/punt_tx.h"
#include "media/relay.h"
#include "srtp/srtp_ctx.h"
#include "xdp/xdp_xsk.h"

#define XSK_BATCH 64
#define XSK_ROUNDS 8           /* batches per wake-up, as relay.c's sockets */
#define XSK_QUEUES_MAX 16      /* per interface */
#define HDR 28                 /* IPv4 + UDP */
#define EHDR (ETH_HLEN + HDR)  /* and Ethernet */
#define HOP_TTL_NS 1000000000ull /* a next hop is asked again after this, */
#define HOP_RETRY_NS 100000000ull /* or this when the kernel had none */

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
	int pk;                    /* AF_PACKET socket for direct sends, -1: none */
	uint16_t ip_id;            /* the IPv4 id of the next direct send */
	uint64_t sent[2];          /* packets sent routed (raw socket), direct */
	/* the owner's batch: frames in, then out in b ([0] routed, [1] direct) */
	struct xdp_xsk_frame f[XSK_BATCH];
	struct frame_in {          /* each frame's addresses and leg (batch_prefetch) */
		struct sockaddr_in src, dst;
		const unsigned char *cp;
		unsigned len;
		uint32_t idx;          /* its rtpe_legs index, UINT32_MAX: none */
		struct leg *l, *o;     /* the leg at idx (not yet checked), its peer leg */
	} in[XSK_BATCH];
	struct out_batch {
		struct mmsghdr msg[XSK_BATCH];
		struct iovec iov[XSK_BATCH];
		struct leg *via[XSK_BATCH];
		unsigned n;
	} b[2];
	struct sockaddr_in to[XSK_BATCH];
	struct sockaddr_ll ll[XSK_BATCH];
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

/* The AF_PACKET socket for frames sent whole (no receive: protocol 0),
 * past the qdisc as XDP's redirects are. -1 when it cannot be had. */
static int direct_socket(void)
{
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		log_warn("AF_XDP: no AF_PACKET socket (%s): sends go through the raw socket",
			 strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		log_debug("AF_XDP: PACKET_QDISC_BYPASS: %s", strerror(errno));
	return fd;
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
	x->pk = -1;
	/* by rtpe_legs index: every address's lines, whatever port the pool
	 * hands out (its cursor goes round the whole range) */
	x->n_legs = xdp_legs_entries(r->cfg);
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
	x->pk = direct_socket();
	log_info("AF_XDP: %d sockets (copy mode) for the legs the daemon relays; sends %s", x->n,
		 x->pk >= 0 ? "by the FIB's next hop (AF_PACKET)" : "through the raw socket");
	return 0;
}

void relay_xsk_close(struct media *r)
{
	struct relay_xsk *x = r->xsk;

	if (!x)
		return;
	for (int i = 0; i < x->n; i++)
		xdp_xsk_close(x->port[i].s);
	if (x->pk >= 0)
		close(x->pk);
	free(x->legs);
	free(x);
	r->xsk = NULL;
}

int relay_xsk_sockets(const struct media *r)
{
	return r->xsk ? r->xsk->n : 0;
}

uint64_t relay_xsk_dropped(const struct media *r, bool no_leg)
{
	uint64_t n = 0;

	if (!r->xsk)
		return 0;
	if (no_leg)
		return __atomic_load_n(&r->xsk->unknown, __ATOMIC_RELAXED);
	for (int i = 0; i < r->xsk->n; i++)
		n += xdp_xsk_dropped(r->xsk->port[i].s);
	return n;
}

uint64_t relay_xsk_sent(const struct media *r, bool direct)
{
	return r->xsk ? __atomic_load_n(&r->xsk->sent[direct], __ATOMIC_RELAXED) : 0;
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

/* The rtpe_legs index of a leg's address, or of what a frame to dst is
 * for (its RTP port's), UINT32_MAX: none of ours. */
static uint32_t leg_index(struct media *r, const struct sockaddr_in *dst)
{
	__u32 idx;

	if (xdp_leg_index(r->xdp, dst->sin_addr.s_addr, htons(ntohs(dst->sin_port) & ~1u), &idx) ||
	    idx >= r->xsk->n_legs)
		return UINT32_MAX;
	return idx;
}

static void legs_set(struct media *r, struct session *s, bool on)
{
	for (int i = 0; i < 2; i++) {
		uint32_t idx = leg_index(r, &s->leg[i].local);

		if (idx != UINT32_MAX)
			r->xsk->legs[idx] = on ? &s->leg[i] : NULL;
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

/* Whether l (the leg at dst's index, or NULL) is the one dst is for. */
static bool leg_is(const struct leg *l, const struct sockaddr_in *dst)
{
	return l && l->local.sin_addr.s_addr == dst->sin_addr.s_addr &&
	       ntohs(l->local.sin_port) == (ntohs(dst->sin_port) & ~1u);
}

/* The batch's frames parsed and their legs looked up before any is
 * relayed, in passes, each asking the CPU for what the next one reads: the
 * table's slot, the leg, its SRTP state and its peer leg's, their
 * contexts. With many sessions each of those is a cache miss; this way
 * the misses of the batch's 64 packets overlap instead of coming one
 * after another. */
static void batch_prefetch(struct media *r, struct relay_xsk *x, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct frame_in *in = &x->in[i];

		in->l = in->o = NULL;
		in->idx = punt_frame_udp(x->f[i].data, x->f[i].len, &in->src, &in->dst, &in->cp,
					 &in->len) ? UINT32_MAX : leg_index(r, &in->dst);
		if (in->idx != UINT32_MAX)
			__builtin_prefetch(&x->legs[in->idx]);
	}
	for (unsigned i = 0; i < n; i++)
		if (x->in[i].idx != UINT32_MAX && (x->in[i].l = x->legs[x->in[i].idx]))
			__builtin_prefetch(x->in[i].l);
	for (unsigned i = 0; i < n; i++) {
		struct leg *l = x->in[i].l;

		if (!l)
			continue;
		x->in[i].o = &l->s->leg[1 - l->idx];
		__builtin_prefetch(x->in[i].o);
		if (l->srtp)
			__builtin_prefetch(l->srtp);
	}
	for (unsigned i = 0; i < n; i++) {
		struct leg *l = x->in[i].l, *o = x->in[i].o;

		if (l && l->srtp)
			__builtin_prefetch(l->srtp->ctx);
		if (o && o->srtp)
			__builtin_prefetch(o->srtp);
	}
	for (unsigned i = 0; i < n; i++) {
		struct leg *l = x->in[i].l, *o = x->in[i].o;

		if (l && l->srtp)
			sctx_prefetch(l->srtp->ctx, SCTX_IN);
		if (o && o->srtp)
			__builtin_prefetch(o->srtp->ctx);
	}
	for (unsigned i = 0; i < n; i++)
		if (x->in[i].o && x->in[i].o->srtp)
			sctx_prefetch(x->in[i].o->srtp->ctx, SCTX_OUT);
}

/* Whether frames may leave whole by ifindex: one of the configured
 * interfaces XDP runs on (Ethernet, as the fast path's redirects), not a
 * tunnel or another device the route may pick. */
static bool egress_ours(const struct media *r, int ifindex)
{
	for (int i = 0; i < r->n_ifaces; i++)
		if (r->xif[i].ifindex == ifindex && xdp_attached(r->xif[i].attach))
			return true;
	return false;
}

/* o's next hop for what it sends to `to`, which came in on l's device: the
 * kernel's answer of the last second, asked again after HOP_TTL_NS (a
 * routing or neighbour change reaches the sends within it). False: none
 * (no route, no neighbour yet, forwarding off on that device, a route out
 * of a device XDP does not run on): the raw socket sends it, and the
 * kernel resolves the neighbour meanwhile. */
static bool hop_of(struct media *r, const struct leg *l, struct leg *o,
		   const struct sockaddr_in *to, uint64_t now)
{
	struct leg_hop *h = &o->hop;
	int in = r->xif[l->iface].ifindex;
	struct rtpe_fib_query q = {
		.src = o->local.sin_addr.s_addr, .dst = to->sin_addr.s_addr,
		.ifindex = (__u32)in, .tot_len = 1500,
	};

	if (now < h->until_ns && h->dst == to->sin_addr.s_addr && h->in_ifindex == in)
		return h->ifindex > 0;
	h->dst = to->sin_addr.s_addr;
	h->in_ifindex = in;
	h->ifindex = 0;
	h->until_ns = now + HOP_RETRY_NS;
	if (xdp_next_hop(r->xdp, &q) || q.ret != 0 || !egress_ours(r, (int)q.ifindex))
		return false;
	h->ifindex = (int)q.ifindex;
	memcpy(h->smac, q.smac, sizeof(h->smac));
	memcpy(h->dmac, q.dmac, sizeof(h->dmac));
	h->until_ns = now + HOP_TTL_NS;
	return true;
}

/* Queues the datagram of len bytes at p (its headers to be written before
 * it) from `from` to x->to[t]: whole through AF_PACKET by o's next hop,
 * or routed through the raw socket. */
static void queue_out(struct media *r, struct relay_xsk *x, const struct leg *l, struct leg *o,
		      unsigned char *p, unsigned len, const struct sockaddr_in *from, unsigned t,
		      uint64_t now)
{
	const struct sockaddr_in *to = &x->to[t];
	bool direct = x->pk >= 0 && hop_of(r, l, o, to, now);
	struct out_batch *b = &x->b[direct];
	unsigned i = b->n++;

	punt_udp_header(p - HDR, from, to, len);
	if (direct) {
		unsigned char *e = p - EHDR;

		punt_ip_finish(p - HDR, x->ip_id++);
		memcpy(e, o->hop.dmac, ETH_ALEN);
		memcpy(e + ETH_ALEN, o->hop.smac, ETH_ALEN);
		e[12] = ETH_P_IP >> 8;
		e[13] = ETH_P_IP & 0xff;
		x->ll[t] = (struct sockaddr_ll){
			.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
			.sll_ifindex = o->hop.ifindex, .sll_halen = ETH_ALEN,
		};
		memcpy(x->ll[t].sll_addr, o->hop.dmac, ETH_ALEN);
		b->iov[i] = (struct iovec){ e, EHDR + len };
		b->msg[i].msg_hdr = (struct msghdr){
			.msg_name = &x->ll[t], .msg_namelen = sizeof(x->ll[t]),
			.msg_iov = &b->iov[i], .msg_iovlen = 1,
		};
	} else {
		b->iov[i] = (struct iovec){ p - HDR, HDR + len };
		b->msg[i].msg_hdr = (struct msghdr){
			.msg_name = (void *)to, .msg_namelen = sizeof(*to),
			.msg_iov = &b->iov[i], .msg_iovlen = 1,
		};
	}
	b->via[i] = o;
}

/* Frame f (the t-th of its batch) through relay_one; on its way out its
 * headers are written in place before the payload. False: dropped. */
static bool frame_one(struct media *r, struct relay_xsk *x, const struct xdp_xsk_frame *f,
		      unsigned t, uint64_t now)
{
	struct frame_in *in = &x->in[t];
	struct leg *l = in->l, *o = in->o;
	struct sockaddr_in from;
	unsigned char *p;
	unsigned len = in->len;
	int kind, s;

	/* the program hands over untagged frames without IP options: the
	 * payload is EHDR bytes in */
	if (in->idx == UINT32_MAX || !leg_is(l, &in->dst) || in->cp - f->data < EHDR) {
		__atomic_store_n(&x->unknown, x->unknown + 1, __ATOMIC_RELAXED);
		return false;
	}
	p = f->data + (in->cp - f->data);
	kind = relay_one(r, l, o, ntohs(in->dst.sin_port) & 1, &in->src, p, &len,
			 f->room - (unsigned)(p - f->data), now);
	if (kind < 0)
		return false;
	s = relay_out_sock(o, kind);
	relay_dst(o, s, &x->to[t]);
	from = o->local;
	from.sin_port = htons((uint16_t)(ntohs(o->local.sin_port) + s));
	queue_out(r, x, l, o, p, len, &from, t, now);
	return true;
}

/* Sends batch d (0 routed, 1 direct) with as few sendmmsg as it takes. */
static void batch_send(struct media *r, struct relay_xsk *x, int d)
{
	struct rtpe_totals *t = media_counters(r);
	struct out_batch *b = &x->b[d];
	int fd = d ? x->pk : r->punt_raw;
	unsigned sent = 0, hdr = d ? EHDR : HDR;

	while (sent < b->n) {
		int m = sendmmsg(fd, &b->msg[sent], b->n - sent, MSG_DONTWAIT);

		if (m <= 0) {
			if (m < 0 && errno == EINTR)
				continue;
			/* a full buffer or an error of the first message's: it is
			 * lost, as on the wire; counted on its sending leg */
			b->via[sent]->us.drops++;
			sent++;
			continue;
		}
		for (unsigned i = sent; i < sent + (unsigned)m; i++) {
			enum rtpe_path path = b->via[i]->s->srtp ? RTPE_PATH_SRTP : RTPE_PATH_USERSPACE;

			t->packets[path]++;
			t->bytes[path] += b->iov[i].iov_len - hdr;
		}
		sent += (unsigned)m;
		__atomic_store_n(&x->sent[d], x->sent[d] + (uint64_t)m, __ATOMIC_RELAXED);
	}
	b->n = 0;
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
		unsigned n = xdp_xsk_rx(q->s, x->f, XSK_BATCH);
		uint64_t now = mono_ns();

		if (!n)
			return;
		batch_prefetch(r, x, n);
		for (unsigned i = 0; i < n; i++)
			frame_one(r, x, &x->f[i], i, now);
		for (int d = 0; d < 2; d++)
			if (x->b[d].n)
				batch_send(r, x, d);
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
