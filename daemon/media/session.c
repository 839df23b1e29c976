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
#include "media/ports.h"
#include "media/relay.h"
#include "xdp/xdp.h"

/* How many ports to try when binding fails because another process holds one. */
#define BIND_ATTEMPTS 16

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

/* Receive buffer of a userspace leg's socket: a burst of media waits here
 * while the loop serves others (the default ~200 KiB lost 22% at 20,000
 * packets/s in make bench). A limit, not an allocation. */
#define LEG_RCVBUF (1 << 20)

static int bind_udp(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int e, rcvbuf = LEG_RCVBUF;

	if (fd < 0)
		return -errno;
	/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; else the sysctl caps it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static void leg_close(struct media *r, struct leg *l)
{
	for (int k = 0; k < 2; k++) {
		if (l->fd[k] < 0)
			continue;
		loop_del(r->loop, l->fd[k]);
		close(l->fd[k]);
		l->fd[k] = -1;
	}
}

static void leg_set_local(struct media *r, struct leg *l, uint16_t port)
{
	l->local = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
					 .sin_addr = r->ifaces[l->iface].cfg.address };
}

/* Binds the leg's RTP and RTCP sockets on port and port + 1. 0 or -errno. */
static int leg_bind(struct media *r, struct leg *l, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr = r->ifaces[l->iface].cfg.address };
	int e;

	sa.sin_port = htons(port + 1);
	l->fd[1] = bind_udp(&sa);
	sa.sin_port = htons(port);
	l->fd[0] = l->fd[1] >= 0 ? bind_udp(&sa) : -1;
	if (l->fd[0] >= 0) {
		l->local = sa;
		return 0;
	}
	e = l->fd[1] < 0 ? l->fd[1] : l->fd[0];
	leg_close(r, l);
	return e;
}

static void bind_error(struct media *r, const struct leg *l, uint16_t port, int e,
		       char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = r->ifaces[l->iface].cfg.address };
	char buf[32];

	snprintf(err, errlen, "cannot bind %s on interface %s: %s%s",
		 sockaddr_str(&sa, buf, sizeof(buf)), r->ifaces[l->iface].cfg.name, strerror(-e),
		 e == -EADDRNOTAVAIL ? " (is the address configured on the device?)" : "");
}

/*
 * Takes a port pair on the leg's interface and binds both sockets. A port
 * that another process holds stays marked taken (we cannot use it) and the
 * next is tried. 0 or -1 with err set.
 */
static int leg_open(struct media *r, struct leg *l, char *err, size_t errlen)
{
	struct relay_iface *ifc = &r->ifaces[l->iface];

	for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
		uint16_t port;
		int e = port_pool_get(ifc->ports, &port);

		if (e) {
			snprintf(err, errlen, "no free port pair on interface %s (%u-%u all in use)",
				 ifc->cfg.name, r->cfg->port_min, r->cfg->port_max);
			return -1;
		}
		if (l->s->punt) {
			leg_set_local(r, l, port);
			return 0;
		}
		e = leg_bind(r, l, port);
		if (!e)
			return 0;
		if (e != -EADDRINUSE) {
			port_pool_put(ifc->ports, port);
			bind_error(r, l, port, e, err, errlen);
			return -1;
		}
		log_warn("port %u or %u on %s is held by another process; skipping it",
			 port, port + 1, ifc->cfg.name);
	}
	snprintf(err, errlen, "no bindable port pair on interface %s after %d attempts",
		 ifc->cfg.name, BIND_ATTEMPTS);
	return -1;
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
	v->clock_rate = 8000;
	v->flags = (__u8)(RTPE_LEG_F_ACTIVE | (l->idx ? RTPE_LEG_F_SIDE_B : 0) |
			  (l->s->punt ? RTPE_LEG_F_PUNT : 0));
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
	s->created_ns = mono_ns();
	for (int i = 0; i < 2; i++) {
		s->leg[i].s = s;
		s->leg[i].idx = i;
		s->leg[i].fd[0] = s->leg[i].fd[1] = -1;
		s->leg[i].slot = UINT32_MAX;
		s->leg[i].line = UINT32_MAX;
	}
	return s;
}

static struct session *session_alloc(struct media *r, int iface_a, const struct sockaddr_in *peer_a,
				     int iface_b, const struct sockaddr_in *peer_b)
{
	struct session *s = session_new(r, r->next_id);

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

/* Everything a session holds besides its table links. */
static void session_release(struct media *r, struct session *s)
{
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		if (r->xdp && l->local.sin_port)
			xdp_leg_del(r->xdp, l->local.sin_addr.s_addr, l->local.sin_port);
		leg_close(r, l);
		if (l->local.sin_port)
			port_pool_put(r->ifaces[l->iface].ports, ntohs(l->local.sin_port));
		if (l->slot != UINT32_MAX) {
			if (r->slot_leg[l->slot] == l)
				r->slot_leg[l->slot] = NULL;
			r->free_slots[r->n_free_slots++] = l->slot;
		}
	}
	free(s);
}

/* Watches the four sockets and writes the map entries. 0 or -1 with err. */
static int session_activate(struct media *r, struct session *s, char *err, size_t errlen)
{
	int e;

	for (int i = 0; i < 2; i++) {
		if (s->leg[i].slot < 2 * r->cfg->max_sessions)
			r->slot_leg[s->leg[i].slot] = &s->leg[i];
		for (int k = 0; k < 2 && s->leg[i].fd[k] >= 0; k++) {
			e = relay_watch(r, &s->leg[i], k);
			if (e) {
				snprintf(err, errlen, "cannot watch socket: %s", strerror(-e));
				return -1;
			}
		}
	}
	e = session_program(r, s);
	if (e) {
		snprintf(err, errlen, "cannot write the XDP leg map: %s", strerror(-e));
		return -1;
	}
	return 0;
}

enum rtpe_path session_path_confirmed(const struct media *r, const struct session *s)
{
	return xdp_attached(r->xif[s->leg[0].iface].attach) &&
	       xdp_attached(r->xif[s->leg[1].iface].attach) ? RTPE_PATH_XDP : RTPE_PATH_USERSPACE;
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

	s->punt = r->punt && session_path_confirmed(r, s) == RTPE_PATH_XDP;
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

int session_create(struct media *r, int iface_a, const struct sockaddr_in *peer_a,
		   int iface_b, const struct sockaddr_in *peer_b, struct session **out,
		   char *err, size_t errlen)
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
	if (session_setup(r, s, err, errlen)) {
		session_release(r, s);
		return -1;
	}
	session_link(r, s);
	*out = s;
	return 0;
}

/* Takes the leg's recorded port and binds it. 0 or -1 with err. */
static int leg_reopen(struct media *r, struct leg *l, uint16_t port, char *err, size_t errlen)
{
	int e;

	if (l->iface < 0 || l->iface >= r->n_ifaces) {
		snprintf(err, errlen, "no interface for the leg");
		return -1;
	}
	e = port_pool_take(r->ifaces[l->iface].ports, port);
	if (e) {
		snprintf(err, errlen, "port %u on %s: %s", port, r->ifaces[l->iface].cfg.name,
			 e == -EBUSY ? "already in use by another session" : "outside the port range");
		return -1;
	}
	if (l->s->punt) {
		leg_set_local(r, l, port);
		return 0;
	}
	e = leg_bind(r, l, port);
	if (e) {
		port_pool_put(r->ifaces[l->iface].ports, port);
		bind_error(r, l, port, e, err, errlen);
		return -1;
	}
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
		}
	s->punt = r->punt && session_path_confirmed(r, s) == RTPE_PATH_XDP;
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];

		if (leg_reopen(r, l, port[i], err, errlen))
			goto fail;
		if (l->slot != UINT32_MAX && l->slot >= slots) {
			snprintf(err, errlen, "stats slot %u beyond max_sessions", l->slot);
			goto fail;
		}
		if (l->slot == UINT32_MAX && r->n_free_slots)
			l->slot = r->free_slots[--r->n_free_slots];
		l->line = leg_line(r, l); /* its figures stay: the program counted on */
		l->latch = r->ifaces[l->iface].cfg.latch;
		l->learn_until_ns = mono_ns() + (uint64_t)r->cfg->learning_window * 1000000000ull;
		if (!r->xdp && l->path == RTPE_PATH_XDP)
			l->path = RTPE_PATH_USERSPACE;
	}
	if (session_activate(r, s, err, errlen))
		goto fail;
	session_link(r, s);
	if (s->id >= r->next_id)
		r->next_id = s->id + 1;
	return 0;
fail:
	for (int i = 0; i < 2; i++)
		s->leg[i].slot = UINT32_MAX; /* the slot stack is rebuilt by the caller */
	session_release(r, s);
	return -1;
}

int sessions_rebuild_slots(struct media *r)
{
	uint32_t slots = 2 * r->cfg->max_sessions;
	uint8_t *used = calloc(slots, 1);

	if (!used)
		return -ENOMEM;
	for (struct session *s = r->first; s; s = s->next)
		for (int i = 0; i < 2; i++)
			if (s->leg[i].slot < slots)
				used[s->leg[i].slot] = 1;
	r->n_free_slots = 0;
	for (uint32_t i = slots; i-- > 0;)
		if (!used[i])
			r->free_slots[r->n_free_slots++] = i;
	free(used);
	return 0;
}

void sessions_detach(struct media *r)
{
	while (r->first) {
		struct session *s = r->first;

		session_unlink(r, s);
		for (int i = 0; i < 2; i++) {
			leg_close(r, &s->leg[i]);
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
	rtp_figures(leg_rtp_of(l, &rtp), 8000, v);
}
