// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - the control socket server. It owns the connected clients (input
 * buffer, queue of reply bytes, idle deadline), accepting them, the line
 * framing and JSON parsing of requests, and their dispatch to the daemon's
 * command table. ctl_sock.c makes the listening socket and its file.
 * docs/CONTROL.md is the protocol.
 *
 * Everything runs on the daemon's event loop and nothing blocks: sockets
 * are non-blocking, replies that do not fit in the socket wait in the
 * client's queue for EPOLLOUT. A handler may call ctl_server_free() on the
 * very server running it (a reload replacing the socket), so inside
 * callbacks clients and the server are only marked dead; their memory is
 * freed when the outermost callback returns (ctl_reap).
 */
#include "ctl_int.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define CTL_IN_MIN 4096u        /* first size of a client's buffers */
#define CTL_IN_KEEP (64u << 10) /* larger idle input buffers are given back */
#define CTL_READS_PER_EVENT 16  /* fairness between busy clients */
#define CTL_ACCEPTS_PER_EVENT 64
#define CTL_ECHO_MAX 64         /* bytes of an unknown command name echoed */
#define CTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct ctl_client {
	struct ctl_server *s;
	struct ctl_client *next;
	int fd;             /* -1 once closed */
	uint32_t events;    /* what the loop watches now */
	bool closing;       /* send what is queued, then close */
	bool dead;          /* closed; memory freed by ctl_reap */
	char *in;           /* after processing: at most one partial line */
	size_t in_len, in_cap;
	size_t scanned;     /* in[0, scanned) holds no newline */
	char *out;          /* queued reply bytes are out[out_off, out_len) */
	size_t out_off, out_len, out_cap;
	uint64_t since_ms;  /* when the partial line began, or closing began */
};

static void ctl_reap(struct ctl_server *s);

static uint64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* {"ok":false,"error":MSG}, MSG printf-formatted; NULL when out of memory. */
static struct json_object *ctl_refusal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static struct json_object *ctl_refusal(const char *fmt, ...)
{
	struct json_object *r = json_object_new_object();
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (!r || n < 0) {
		json_object_put(r);
		return NULL;
	}
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	free(msg);
	return r;
}

static bool ctl_reply_ok(struct json_object *reply)
{
	struct json_object *ok;

	return json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
}

static const char *ctl_error_of(struct json_object *reply)
{
	struct json_object *e;

	return json_object_object_get_ex(reply, "error", &e) ? json_object_get_string(e) :
							       "out of memory";
}

/* The refusal of an unknown command names the known ones. */
static struct json_object *ctl_unknown(struct ctl_server *s, const char *name)
{
	char names[1024] = "";
	size_t off = 0, n = strlen(name);

	for (const struct ctl_command *c = s->cmds; c->name && off < sizeof(names); c++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
					c == s->cmds ? "" : ", ", c->name);
	if (n > CTL_ECHO_MAX) /* cut a long name, not inside a UTF-8 character */
		for (n = CTL_ECHO_MAX; n && ((unsigned char)name[n] & 0xc0) == 0x80; n--)
			;
	return ctl_refusal("unknown command \"%.*s%s\" (try: %s)", (int)n, name,
			   name[n] ? "..." : "", names);
}

/* Runs the handler of one request object; *name is what to log it as. */
static struct json_object *ctl_run(struct ctl_server *s, struct json_object *req,
				   const char **name)
{
	struct json_object *jcmd, *args = NULL, *result = NULL, *reply = NULL;
	const struct ctl_command *cmd = s->cmds;
	char err[512] = "";
	int rc;

	*name = "request";
	if (!json_object_is_type(req, json_type_object))
		return ctl_refusal("a request must be a JSON object like {\"command\":\"status\"}, not %s",
				   json_type_to_name(json_object_get_type(req)));
	if (!json_object_object_get_ex(req, "command", &jcmd) ||
	    !json_object_is_type(jcmd, json_type_string))
		return ctl_refusal("request has no \"command\" string (try {\"command\":\"status\"})");
	while (cmd->name && strcmp(cmd->name, json_object_get_string(jcmd)))
		cmd++;
	if (!cmd->name)
		return ctl_unknown(s, json_object_get_string(jcmd));
	*name = cmd->name;
	if (json_object_object_get_ex(req, "args", &args) &&
	    !json_object_is_type(args, json_type_object))
		return ctl_refusal("\"args\" of %s must be a JSON object, not %s", cmd->name,
				   json_type_to_name(json_object_get_type(args)));
	args = args ? json_object_get(args) : json_object_new_object();
	if (!args)
		return NULL;
	rc = cmd->fn(s->ctx, args, &result, err, sizeof(err));
	json_object_put(args);
	if (rc) {
		json_object_put(result);
		if (!err[0]) /* the handler gave no reason: word its errno */
			snprintf(err, sizeof(err), "%s", rc < -1 ? strerror(-rc) : "refused, no reason given");
		return ctl_refusal("%s", err);
	}
	reply = json_object_new_object();
	if (reply) {
		json_object_object_add(reply, "ok", json_object_new_boolean(1));
		if (result)
			json_object_object_add(reply, "result", result);
	} else {
		json_object_put(result);
	}
	return reply;
}

static struct json_object *ctl_run_logged(struct ctl_server *s, struct json_object *req)
{
	const char *name;
	struct json_object *reply = ctl_run(s, req, &name);

	if (ctl_reply_ok(reply))
		log_info("ctl: %s ok", name);
	else
		log_info("ctl: %s refused: %s", name, ctl_error_of(reply));
	return reply;
}

struct json_object *ctl_dispatch(struct ctl_server *s, struct json_object *req)
{
	struct json_object *reply;

	s->busy++;
	reply = ctl_run_logged(s, req);
	s->busy--;
	ctl_reap(s);
	return reply;
}

/* An array of requests: one reply each, in order, and one log line. */
static struct json_object *ctl_batch(struct ctl_server *s, struct json_object *reqs)
{
	size_t n = json_object_array_length(reqs), good = 0;
	struct json_object *replies = json_object_new_array_ext(n ? (int)n : 1);
	const char *name;

	for (size_t i = 0; replies && i < n; i++) {
		struct json_object *r;

		/* A handler closed this server: its ctx may be gone, run no more. */
		if (s->dead)
			r = ctl_refusal("not run: the control socket is closing");
		else
			r = ctl_run(s, json_object_array_get_idx(reqs, i), &name);
		if (!r) {
			json_object_put(replies);
			return NULL;
		}
		good += ctl_reply_ok(r);
		json_object_array_add(replies, r);
	}
	log_info("ctl: batch of %zu: %zu ok, %zu refused", n, good, n - good);
	return replies;
}

static void ctl_client_close(struct ctl_client *c)
{
	if (c->dead)
		return;
	loop_del(c->s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	c->s->n_clients--;
}

/* Sends what is queued without blocking; closes a closing client once done. */
static void ctl_flush(struct ctl_client *c)
{
	uint32_t events;

	while (!c->dead && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			ctl_client_close(c); /* the peer went away */
		else
			c->out_off += (size_t)n;
	}
	if (c->dead)
		return;
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->closing) {
			ctl_client_close(c);
			return;
		}
	}
	events = (c->closing ? 0 : EPOLLIN) | (c->out_len ? EPOLLOUT : 0);
	if (c->events != events && !loop_mod(c->s->loop, c->fd, events))
		c->events = events;
}

/* Appends reply and a newline to the client's queue; drops the reference. */
static void ctl_queue(struct ctl_client *c, struct json_object *reply)
{
	const char *txt = NULL;
	size_t n = 0, need;
	char *p;

	if (reply)
		txt = json_object_to_json_string_length(reply, CTL_JSON_FLAGS, &n);
	need = c->out_len - c->out_off + n + 1;
	if (!txt || need > CTL_MAX_OUTPUT) {
		log_warn("ctl: disconnecting control client %d: %s", c->fd,
			 txt ? "it does not read its replies (over CTL_MAX_OUTPUT queued)" :
			       "out of memory");
		ctl_client_close(c);
		goto out;
	}
	if (c->out_off && c->out_cap - c->out_len <= n) { /* no room at the end */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : CTL_IN_MIN;

		while (cap < need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			log_err("ctl: out of memory queueing a %zu byte reply; disconnecting control client %d",
				n, c->fd);
			ctl_client_close(c);
			goto out;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, txt, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
out:
	json_object_put(reply);
}

/* Replies with an error, reads nothing more and closes once it is sent. */
static void ctl_client_refuse(struct ctl_client *c, const char *msg)
{
	log_info("ctl: control client %d refused and disconnected: %s", c->fd, msg);
	ctl_queue(c, ctl_refusal("%s", msg));
	if (c->dead)
		return;
	c->closing = true;
	c->since_ms = ctl_now_ms();
	ctl_flush(c);
}

/* The request on a line, or NULL with *refusal set. */
static struct json_object *ctl_parse(struct ctl_server *s, const char *line, size_t len,
				     struct json_object **refusal)
{
	struct json_object *req;
	enum json_tokener_error jerr;

	*refusal = NULL;
	if (memchr(line, '\0', len)) {
		*refusal = ctl_refusal("malformed JSON: NUL byte in the request");
		return NULL;
	}
	json_tokener_reset(s->tok);
	req = json_tokener_parse_ex(s->tok, line, (int)len);
	jerr = json_tokener_get_error(s->tok);
	if (jerr == json_tokener_continue) /* a number may go on: end it */
		req = json_tokener_parse_ex(s->tok, " ", 1);
	jerr = json_tokener_get_error(s->tok);
	if (jerr == json_tokener_success)
		return req;
	json_object_put(req);
	if (jerr == json_tokener_continue)
		*refusal = ctl_refusal("malformed JSON: unexpected end of the line");
	else
		*refusal = ctl_refusal("malformed JSON: %s at byte %zu",
				       json_tokener_error_desc(jerr),
				       json_tokener_get_parse_end(s->tok));
	return NULL;
}

static bool ctl_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

struct json_object *ctl_handle_line(struct ctl_server *s, const char *line, size_t len)
{
	struct json_object *req, *reply;

	while (len && ctl_blank(line[len - 1]))
		len--;
	while (len && ctl_blank(line[0])) {
		line++;
		len--;
	}
	if (!len)
		return NULL; /* blank lines between requests are allowed */
	req = ctl_parse(s, line, len, &reply);
	if (!req)
		log_info("ctl: request refused: %s", ctl_error_of(reply));
	else if (json_object_is_type(req, json_type_array))
		reply = ctl_batch(s, req);
	else
		reply = ctl_run_logged(s, req);
	json_object_put(req);
	return reply;
}

/* One complete line, without its newline: parse, run, queue the reply. */
static void ctl_line(struct ctl_client *c, const char *line, size_t len)
{
	struct json_object *reply = ctl_handle_line(c->s, line, len);

	if (reply)
		ctl_queue(c, reply);
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

static void ctl_read(struct ctl_client *c)
{
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
			if (!c->in_len)
				c->since_ms = ctl_now_ms();
			c->in_len += (size_t)n;
			ctl_lines(c);
		}
	}
	if (!c->dead && !c->in_len && c->in_cap > CTL_IN_KEEP) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
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

/* Over CTL_MAX_CLIENTS: tell the newest one why, without waiting for it. */
static void ctl_turn_away(int fd)
{
	static const char msg[] =
		"{\"ok\":false,\"error\":\"too many control clients; retry later\"}\n";

	if (send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("ctl: could not tell a surplus control client why: %s", strerror(errno));
	close(fd);
}

void ctl_on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctl_server *s = arg;
	struct ctl_client *c;

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
		if (s->n_clients >= CTL_MAX_CLIENTS) {
			log_warn("ctl: %u control clients connected already; turning one away",
				 s->n_clients);
			ctl_turn_away(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c || loop_add(l, cfd, EPOLLIN, ctl_on_client, c)) {
			log_warn("ctl: cannot serve a control client on %s: out of memory",
				 s->path);
			free(c);
			close(cfd);
			continue;
		}
		*c = (struct ctl_client){ .s = s, .next = s->clients, .fd = cfd,
					  .events = EPOLLIN };
		s->clients = c;
		s->n_clients++;
	}
}

/* Every CTL_SWEEP_MS: cut off clients stuck in a request or in closing. */
void ctl_sweep(struct loop *l, void *arg)
{
	struct ctl_server *s = arg;
	uint64_t now = ctl_now_ms();
	char msg[128];

	if (s->accept_paused && !loop_mod(l, s->fd, EPOLLIN))
		s->accept_paused = false;
	snprintf(msg, sizeof(msg),
		 "request incomplete after %u s: a request is one line of JSON ending in a newline",
		 CTL_IDLE_MS / 1000);
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next) {
		if (c->dead || now - c->since_ms < CTL_IDLE_MS)
			continue;
		if (c->closing)
			ctl_client_close(c); /* it does not read its last reply */
		else if (c->in_len)
			ctl_client_refuse(c, msg);
	}
	s->busy--;
	ctl_reap(s);
}

/* Frees what callbacks closed, once none of them is running any more. */
static void ctl_reap(struct ctl_server *s)
{
	struct ctl_client **pp = &s->clients, *c;

	if (s->busy)
		return;
	while ((c = *pp)) {
		if (s->dead && !c->dead && c->out_len > c->out_off)
			ctl_flush(c); /* best effort: the last reply, e.g. to shutdown */
		if (s->dead)
			ctl_client_close(c);
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		free(c->in);
		free(c->out);
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
