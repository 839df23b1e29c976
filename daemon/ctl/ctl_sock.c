// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_sock.c - the control socket's sockets. It creates and frees the
 * server (its file is ctl_file.c's) and owns the connected clients:
 * accepting them, their input buffer and line framing, the queue of reply
 * bytes, idle deadlines: a request must complete, and a connection that
 * carries nothing either way is closed, within the server's idle_ms
 * (CTL_IDLE_MS), so idle clients cannot hold every slot. What a line
 * becomes is ctl_dispatch.c's; who may connect and run what,
 * ctl_access.c's. A client it refuses is told why before it is closed.
 *
 * Everything runs on the daemon's event loop and nothing blocks: sockets
 * are non-blocking, replies that do not fit in the socket wait in the
 * client's queue for EPOLLOUT. A client's buffers are kept between
 * requests (a batch of thousands needs hundreds of KiB: growing them anew
 * for every line cost more than the requests) and given back once it has
 * been idle for a sweep. A handler may call ctl_server_free() on the very
 * server running it (a reload replacing the socket), so inside callbacks
 * clients and the server are only marked dead; their memory is freed when
 * the outermost callback returns (ctl_reap).
 */
#include "ctl/ctl_int.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define CTL_IN_MIN 4096u        /* first size of a client's input buffer */
#define JBUF_KEEP (64u << 10) /* larger buffers are given back when idle */
#define CTL_READS_PER_EVENT 16  /* fairness between busy clients */
#define CTL_ACCEPTS_PER_EVENT 64
#define CTL_DENIED_MS 1000      /* a refused client's time to send and read why */
#define CTL_MAX_DENIED 32       /* refused clients kept that long at once */

struct ctl_client {
	struct ctl_server *s;
	struct ctl_client *next;
	int fd;             /* -1 once closed */
	uint32_t events;    /* what the loop watches now */
	bool closing;       /* send what is queued, then close */
	bool dead;          /* closed; memory freed by ctl_reap */
	bool active;        /* read from since the last sweep */
	bool denied;        /* refused access: told why, closed after its request */
	char *in;           /* after processing: at most one partial line */
	size_t in_len, in_cap;
	size_t scanned;     /* in[0, scanned) holds no newline */
	struct jbuf out; /* queued reply bytes are out.p[out_off, out.len) */
	size_t out_off;
	uint64_t since_ms;  /* when the partial line began, or closing began */
	uint64_t last_ms;   /* when a byte last came in or went out */
	struct ctl_peer peer; /* who connected, what it may run */
};

static void ctl_on_accept(struct loop *l, int fd, uint32_t events, void *arg);
static void ctl_sweep(struct loop *l, void *arg);

static uint64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct ctl_server *ctl_server_new(struct loop *l, const char *path,
				  const struct ctl_access *acc,
				  const struct ctl_command *cmds, void *ctx,
				  char *err, size_t errlen)
{
	struct ctl_server *s = NULL;
	int rc = -ENOMEM;

	err[0] = '\0';
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	*s = (struct ctl_server){ .loop = l, .fd = -1, .timer_fd = -1, .cmds = cmds, .ctx = ctx,
				  .idle_ms = CTL_IDLE_MS };
	s->path = strdup(path);
	s->tok = json_tokener_new();
	if (!s->path || !s->tok)
		goto fail;
	json_tokener_set_flags(s->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	rc = ctl_access_init(s, acc, err, errlen);
	if (!rc)
		rc = ctl_file_listen(s, err, errlen);
	if (!rc)
		rc = loop_add(l, s->fd, EPOLLIN, ctl_on_accept, s);
	if (!rc)
		rc = s->timer_fd = loop_every(l, CTL_SWEEP_MS, ctl_sweep, s);
	if (rc >= 0)
		return s;
fail:
	if (!err[0])
		snprintf(err, errlen, "cannot create the control socket %s: %s", path, strerror(-rc));
	ctl_server_free(s);
	errno = -rc;
	return NULL;
}

/* Closes the sweep timer and the listening socket; unlinks the socket file
 * only if it is still the one ctl_file_listen made. */
static void ctl_unlisten(struct ctl_server *s)
{
	if (s->timer_fd >= 0) {
		loop_del(s->loop, s->timer_fd);
		close(s->timer_fd);
		s->timer_fd = -1;
	}
	if (s->fd < 0)
		return;
	loop_del(s->loop, s->fd);
	close(s->fd);
	s->fd = -1;
	ctl_file_unlink(s);
}

/* ---- clients ------------------------------------------------------------- */

static void ctl_client_close(struct ctl_client *c)
{
	if (c->dead)
		return;
	loop_del(c->s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	if (c->denied)
		c->s->n_denied--;
	else
		c->s->n_clients--;
}

/* Sends what is queued without blocking; closes a closing client once done. */
static void ctl_flush(struct ctl_client *c)
{
	uint32_t events;

	while (!c->dead && c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			ctl_client_close(c); /* the peer went away */
		} else {
			c->out_off += (size_t)n;
			c->last_ms = ctl_now_ms();
		}
	}
	if (c->dead)
		return;
	if (c->out_off == c->out.len) {
		c->out_off = c->out.len = 0;
		if (c->closing) {
			ctl_client_close(c);
			return;
		}
	}
	events = (c->closing ? 0 : EPOLLIN) | (c->out.len ? EPOLLOUT : 0);
	if (c->events != events && !loop_mod(c->s->loop, c->fd, events))
		c->events = events;
}

/* Moves the queue's unsent bytes to the front when that is free (all was
 * sent) or pays for itself (no more unsent bytes than sent ones). */
static void ctl_out_compact(struct ctl_client *c)
{
	struct jbuf *o = &c->out;

	if (c->out_off && c->out_off >= o->len - c->out_off) {
		memmove(o->p, o->p + c->out_off, o->len - c->out_off);
		o->len -= c->out_off;
		c->out_off = 0;
	}
}

/* Over CTL_MAX_OUTPUT queued, or out of memory: the client is cut off. */
static void ctl_out_check(struct ctl_client *c)
{
	if (c->dead || (!c->out.oom && c->out.len - c->out_off <= CTL_MAX_OUTPUT))
		return;
	if (c->out.oom)
		log_err("ctl: out of memory writing a reply; disconnecting control client %d", c->fd);
	else
		log_warn("ctl: disconnecting control client %d: it does not read its replies (over CTL_MAX_OUTPUT queued)",
			 c->fd);
	ctl_client_close(c);
}

/* One complete line, without its newline: its reply goes into the queue. */
static void ctl_line(struct ctl_client *c, const char *line, size_t len)
{
	ctl_out_compact(c);
	ctl_handle(c->s, &c->peer, line, len, &c->out);
	ctl_out_check(c);
}

/* Replies with an error, reads nothing more and closes once it is sent. */
static void ctl_client_refuse(struct ctl_client *c, const char *msg)
{
	log_info("ctl: control client %d refused and disconnected: %s", c->fd, msg);
	ctl_out_compact(c);
	ctl_put_refusal(&c->out, msg);
	jbuf_lit(&c->out, "\n");
	ctl_out_check(c);
	if (c->dead)
		return;
	c->closing = true;
	c->since_ms = ctl_now_ms();
	ctl_flush(c);
}

static void ctl_refuse_long(struct ctl_client *c)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "request longer than %u bytes", CTL_MAX_LINE);
	ctl_client_refuse(c, msg);
}

/* Runs every complete line in the input buffer and keeps the partial one. */
static void ctl_lines(struct ctl_client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->dead && !c->closing && !c->s->dead &&
	       (nl = memchr(c->in + c->scanned, '\n', c->in_len - c->scanned))) {
		size_t end = (size_t)(nl - c->in);

		if (end - start > CTL_MAX_LINE) {
			ctl_refuse_long(c);
			return;
		}
		ctl_line(c, c->in + start, end - start);
		start = c->scanned = end + 1;
	}
	if (c->dead || c->closing || c->s->dead)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	c->scanned = c->in_len;
	if (c->in_len > CTL_MAX_LINE)
		ctl_refuse_long(c);
	else if (c->in_len && start)
		c->since_ms = ctl_now_ms(); /* a new partial line began */
}

/* Room for at least one more byte, the buffer growing to a full line. */
static bool ctl_in_room(struct ctl_client *c)
{
	size_t cap = c->in_cap ? c->in_cap * 2 : CTL_IN_MIN;
	char *p;

	if (c->in_len < c->in_cap)
		return true;
	if (cap > CTL_MAX_LINE + 1)
		cap = CTL_MAX_LINE + 1; /* the longest line and its newline */
	p = cap > c->in_cap ? realloc(c->in, cap) : NULL;
	if (p) {
		c->in = p;
		c->in_cap = cap;
	}
	return p;
}

/* A refused client told why: what it sends is dropped, and it is closed
 * once its reply is out. Until it sends, it is kept (CTL_DENIED_MS at
 * most), so a client that writes its request before reading sees why. */
static void ctl_read_denied(struct ctl_client *c)
{
	char junk[512];

	while (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) == (ssize_t)sizeof(junk))
		;
	c->closing = true;
	c->since_ms = ctl_now_ms();
}

static void ctl_read(struct ctl_client *c)
{
	c->active = true;
	if (c->denied) {
		ctl_read_denied(c);
		return;
	}
	for (int i = 0; i < CTL_READS_PER_EVENT && !c->dead && !c->closing && !c->s->dead; i++) {
		ssize_t n = -1;

		errno = ENOMEM;
		if (ctl_in_room(c))
			n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			log_info("ctl: control client %d: %s; disconnecting", c->fd,
				 strerror(errno));
			ctl_client_close(c);
		} else if (n == 0) {
			if (c->in_len) /* a last request without its newline */
				ctl_line(c, c->in, c->in_len);
			c->in_len = c->scanned = 0;
			c->closing = true;
			c->since_ms = ctl_now_ms();
		} else {
			c->last_ms = ctl_now_ms();
			if (!c->in_len)
				c->since_ms = c->last_ms;
			c->in_len += (size_t)n;
			ctl_lines(c);
		}
	}
}

static void ctl_on_client(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctl_client *c = arg;
	struct ctl_server *s = c->s;

	s->busy++;
	if (!c->closing && events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ctl_read(c);
	if (!c->dead && !s->dead)
		ctl_flush(c); /* on EPOLLHUP too: the send fails and closes */
	s->busy--;
	ctl_reap(s);
}

/* "10 s", "0.5 s": a timeout in messages. */
static const char *ctl_secs(unsigned ms, char *buf, size_t len)
{
	snprintf(buf, len, "%g s", ms / 1000.0);
	return buf;
}

/* A client not served: tell it why, without waiting for it, and close. */
static void ctl_turn_away(int fd, const char *msg)
{
	struct jbuf b = { 0 };

	ctl_put_refusal(&b, msg);
	jbuf_lit(&b, "\n");
	if (!b.oom && send(fd, b.p, b.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("ctl: could not tell a control client why it is turned away: %s",
			  strerror(errno));
	free(b.p);
	close(fd);
}

/* Over CTL_MAX_CLIENTS: the newest one is told when to retry. */
static void ctl_too_many(struct ctl_server *s, int fd)
{
	char msg[160], t[32];

	log_warn("ctl: %u control clients connected already; turning one away", s->n_clients);
	snprintf(msg, sizeof(msg), "too many control clients (%u); retry in a few seconds (idle clients are closed after %s)",
		 CTL_MAX_CLIENTS, ctl_secs(s->idle_ms, t, sizeof(t)));
	ctl_turn_away(fd, msg);
}

/* A new client on cfd: served, or told why not and closed. */
static void ctl_client_new(struct ctl_server *s, int cfd)
{
	struct ctl_client *c;
	struct ctl_peer peer;
	char msg[256], who[64];
	bool denied;

	if (s->n_clients >= CTL_MAX_CLIENTS) {
		ctl_too_many(s, cfd);
		return;
	}
	denied = ctl_access_peer(s, cfd, &peer, msg, sizeof(msg));
	if (denied) {
		log_warn("ctl: control client refused%s: %s", ctl_peer_str(&peer, who, sizeof(who)),
			 msg);
		if (s->n_denied >= CTL_MAX_DENIED) {
			ctl_turn_away(cfd, msg);
			return;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c || loop_add(s->loop, cfd, EPOLLIN, ctl_on_client, c)) {
		log_warn("ctl: cannot serve a control client on %s: out of memory", s->path);
		free(c);
		close(cfd);
		return;
	}
	*c = (struct ctl_client){ .s = s, .next = s->clients, .fd = cfd, .events = EPOLLIN,
				  .since_ms = ctl_now_ms(), .last_ms = ctl_now_ms(), .peer = peer,
				  .denied = denied };
	s->clients = c;
	if (!denied) {
		s->n_clients++;
		return;
	}
	s->n_denied++;
	ctl_put_refusal(&c->out, msg);
	jbuf_lit(&c->out, "\n");
	ctl_flush(c);
}

static void ctl_on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctl_server *s = arg;

	for (int i = 0; i < CTL_ACCEPTS_PER_EVENT; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (cfd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (cfd < 0) { /* out of fds: level-triggered epoll would spin */
			log_warn("ctl: cannot accept control clients on %s: %s; pausing accepts for %u ms (raise the fd limit?)",
				 s->path, strerror(errno), CTL_SWEEP_MS);
			s->accept_paused = !loop_mod(l, fd, 0);
			return;
		}
		ctl_client_new(s, cfd);
	}
}

/* A client idle since the last sweep gives back buffers over JBUF_KEEP. */
static void ctl_client_trim(struct ctl_client *c)
{
	if (c->active) {
		c->active = false;
		return;
	}
	if (!c->in_len && c->in_cap > JBUF_KEEP) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
	if (c->out_off == c->out.len && c->out.cap > JBUF_KEEP) {
		free(c->out.p);
		c->out = (struct jbuf){ 0 };
		c->out_off = 0;
	}
}

/* A client over its idle deadline: closed if it is closing already (it does
 * not read its last reply), else told why and closed. */
static void ctl_client_expire(struct ctl_client *c, uint64_t now)
{
	unsigned idle = c->s->idle_ms;
	char msg[160], t[32];

	if (c->closing || c->denied) {
		if (now - c->since_ms >= (c->denied ? CTL_DENIED_MS : idle))
			ctl_client_close(c);
	} else if (c->in_len) { /* a request begun: it must end in time */
		if (now - c->since_ms < idle)
			return;
		snprintf(msg, sizeof(msg), "request incomplete after %s: a request is one line of JSON ending in a newline",
			 ctl_secs(idle, t, sizeof(t)));
		ctl_client_refuse(c, msg);
	} else if (now - c->last_ms >= idle) { /* nothing in or out */
		snprintf(msg, sizeof(msg), "idle for %s: connection closed (send a blank line to keep it open)",
			 ctl_secs(idle, t, sizeof(t)));
		ctl_client_refuse(c, msg);
	}
}

/* Every CTL_SWEEP_MS: cut off clients stuck in a request, idle, or in
 * closing. */
static void ctl_sweep(struct loop *l, void *arg)
{
	struct ctl_server *s = arg;
	uint64_t now = ctl_now_ms();

	if (s->accept_paused && !loop_mod(l, s->fd, EPOLLIN))
		s->accept_paused = false;
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next) {
		if (c->dead)
			continue;
		ctl_client_trim(c);
		ctl_client_expire(c, now);
	}
	s->busy--;
	ctl_reap(s);
}

void ctl_reap(struct ctl_server *s)
{
	struct ctl_client **pp = &s->clients, *c;

	if (s->busy)
		return;
	while ((c = *pp)) {
		if (s->dead && !c->dead && c->out.len > c->out_off)
			ctl_flush(c); /* best effort: the last reply, e.g. to shutdown */
		if (s->dead)
			ctl_client_close(c);
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		free(c->in);
		free(c->out.p);
		free(c);
	}
	if (!s->dead)
		return;
	if (s->tok)
		json_tokener_free(s->tok);
	free(s->path);
	free(s);
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	ctl_unlisten(s); /* at once: a replacement server may want the path */
	s->dead = true;
	ctl_reap(s);
}
