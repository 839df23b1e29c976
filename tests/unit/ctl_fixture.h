/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_fixture.h - what test_ctl.c and test_cli.c share: a temporary
 * directory holding the daemon log, a command table of canned replies for
 * the control socket server (daemon/ctl/ctl_dispatch.c) to serve, and a client that
 * sends request lines and reads reply lines with a deadline.
 *
 * Header only: each tests/unit/test_*.c is its own program. Functions are
 * static inline so a program that does not use one gets no warning.
 */
#ifndef RTPE_CTL_FIXTURE_H
#define RTPE_CTL_FIXTURE_H

#include "check.h"
#include "ctl/ctl.h"
#include "core/log.h"
#include "core/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define BIG_LEN (1u << 20)
#define WAIT_MS 3000 /* a reply that takes longer is a failure */

struct server {
	struct loop *loop;
	struct ctl_server *ctl;
	char path[108];
	pthread_mutex_t lock;
	char last_args[512]; /* session.add / shutdown args as received */
	int adds;            /* session.add calls */
};

static char tmpdir[] = "/tmp/rtpedge-ctl-XXXXXX";

/* ---- the test command table ------------------------------------------ */

static const char session_json[] =
	"{\"id\":\"s-1\",\"created_s\":75,\"idle_ms\":1234,\"legs\":["
	"{\"interface\":\"public\",\"local\":\"203.0.113.5:40000\",\"peer\":\"198.51.100.7:5004\","
	"\"path\":\"xdp\",\"packets\":120,\"bytes\":20640,\"drops\":1,\"last_seen_ms\":1234,"
	"\"rtp\":{\"ssrc\":3735928559,\"lost\":2,\"jitter_ms\":1.25}},"
	"{\"interface\":\"internal\",\"local\":\"10.0.0.5:40002\",\"peer\":\"44.229.228.186:51000\","
	"\"path\":\"userspace\",\"packets\":118,\"bytes\":20296,\"drops\":0,\"last_seen_ms\":null,"
	"\"rtp\":{\"ssrc\":null,\"lost\":0,\"jitter_ms\":0.0}}]}";

static const char status_json[] =
	"{\"version\":\"0.1-test\",\"uptime_s\":3723,\"sessions\":2,\"calls\":0,"
	"\"ports_free\":9996,\"max_sessions\":16384,\"xdp_mode\":\"auto\",\"interfaces\":["
	"{\"name\":\"public\",\"device\":\"veth-pub\",\"address\":\"203.0.113.5\","
	"\"xdp\":\"native\",\"ifindex\":7},"
	"{\"name\":\"internal\",\"device\":\"veth-int\",\"address\":\"10.0.0.5\","
	"\"xdp\":\"generic\",\"ifindex\":12}]}";

static const char stats_json[] =
	"{\"sessions_active\":2,\"calls_active\":0,\"ports_free\":9996,"
	"\"packets\":{\"xdp\":120,\"userspace\":118,\"srtp\":0},"
	"\"bytes\":{\"xdp\":20640,\"userspace\":20296,\"srtp\":0},\"userspace_drops\":3,"
	"\"xdp_verdicts\":[{\"verdict\":\"tx\",\"reason\":\"forwarded\",\"packets\":120,"
	"\"bytes\":20640},{\"verdict\":\"pass\",\"reason\":\"not_rtp\",\"packets\":5,"
	"\"bytes\":300}]}";

static inline int h_echo(void *ctx, struct json_object *args, struct json_object **res,
			 char *err, size_t errlen)
{
	*res = json_object_get(args);
	return 0;
}

static inline int h_fail(void *ctx, struct json_object *args, struct json_object **res,
			 char *err, size_t errlen)
{
	snprintf(err, errlen, "refused as asked");
	return -1;
}

static inline int h_errno(void *ctx, struct json_object *args, struct json_object **res,
			  char *err, size_t errlen)
{
	return -ENOSPC; /* no message: the server words one */
}

static inline int h_big(void *ctx, struct json_object *args, struct json_object **res,
			char *err, size_t errlen)
{
	char *b = malloc(BIG_LEN);

	if (!b)
		return -ENOMEM;
	memset(b, 'x', BIG_LEN);
	*res = json_object_new_string_len(b, BIG_LEN);
	free(b);
	return 0;
}

static inline int h_stop(void *ctx, struct json_object *args, struct json_object **res,
			 char *err, size_t errlen)
{
	loop_stop(((struct server *)ctx)->loop);
	return 0;
}

static inline int h_none(void *ctx, struct json_object *args, struct json_object **res,
			 char *err, size_t errlen)
{
	return 0;
}

static inline int canned(struct json_object **res, const char *txt)
{
	*res = json_tokener_parse(txt);
	return *res ? 0 : -EINVAL;
}

static inline void remember(struct server *t, struct json_object *args)
{
	pthread_mutex_lock(&t->lock);
	snprintf(t->last_args, sizeof(t->last_args), "%s",
		 json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN));
	pthread_mutex_unlock(&t->lock);
}

static inline int h_status(void *ctx, struct json_object *args, struct json_object **res,
			   char *err, size_t errlen)
{
	return canned(res, status_json);
}

static inline int h_stats(void *ctx, struct json_object *args, struct json_object **res,
			  char *err, size_t errlen)
{
	return canned(res, stats_json);
}

static inline int h_show(void *ctx, struct json_object *args, struct json_object **res,
			 char *err, size_t errlen)
{
	struct json_object *id;
	const char *s = json_object_object_get_ex(args, "id", &id) ? json_object_get_string(id) : "";

	if (!strcmp(s, "s-1"))
		return canned(res, session_json);
	snprintf(err, errlen, "no session \"%s\"", s);
	return -1;
}

static inline int h_list(void *ctx, struct json_object *args, struct json_object **res,
			 char *err, size_t errlen)
{
	char txt[2048];

	snprintf(txt, sizeof(txt), "{\"sessions\":[%s,{\"id\":\"s-2\",\"idle_ms\":null,\"legs\":["
		 "{\"local\":\"203.0.113.5:40004\",\"path\":\"learning\",\"packets\":0},"
		 "{\"local\":\"10.0.0.5:40006\",\"path\":\"learning\",\"packets\":0}]}]}",
		 session_json);
	return canned(res, txt);
}

static inline int h_add(void *ctx, struct json_object *args, struct json_object **res,
			char *err, size_t errlen)
{
	struct server *t = ctx;

	remember(t, args);
	pthread_mutex_lock(&t->lock);
	t->adds++;
	pthread_mutex_unlock(&t->lock);
	return canned(res, session_json);
}

static inline int h_shutdown(void *ctx, struct json_object *args, struct json_object **res,
			     char *err, size_t errlen)
{
	remember(ctx, args);
	return canned(res, "{\"message\":\"stopping (test)\"}");
}

/* Read-only as in the daemon's table: status, stats, session.show, .list. */
static const struct ctl_command test_cmds[] = {
	{ "echo", h_echo, false },	     { "fail", h_fail, false },
	{ "errno", h_errno, false },	     { "big", h_big, false },
	{ "stop", h_stop, false },	     { "status", h_status, true },
	{ "stats", h_stats, true },	     { "session.show", h_show, true },
	{ "session.list", h_list, true },    { "session.add", h_add, false },
	{ "session.del", h_show, false },    { "reload", h_none, false },
	{ "shutdown", h_shutdown, false },   { NULL, NULL, false },
};

/* ---- a client --------------------------------------------------------- */

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	*c = (struct conn){ .fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return 0;
}

static inline void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	*c = (struct conn){ .fd = -1 };
}

/* Sends all of s (len bytes); -errno when the server has gone. */
static inline int conn_send_n(struct conn *c, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(c->fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline int conn_send(struct conn *c, const char *s)
{
	return conn_send_n(c, s, strlen(s));
}

/* The next line (malloc'd, without newline) within ms; NULL at EOF
 * ("EOF", also for a reset after the last reply), on timeout or error. */
static inline char *conn_line(struct conn *c, int ms, const char **why)
{
	double end = now_s() + ms / 1000.0;
	char *nl, *line;

	*why = "?";
	while (!(nl = c->len ? memchr(c->buf, '\n', c->len) : NULL)) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (c->len == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			c->buf = realloc(c->buf, c->cap);
		}
		if (poll(&p, 1, (int)((end - now_s()) * 1000) + 1) <= 0) {
			*why = "timeout";
			return NULL;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n <= 0) {
			*why = n == 0 || errno == ECONNRESET ? "EOF" : strerror(errno);
			return NULL;
		}
		c->len += (size_t)n;
	}
	line = strndup(c->buf, (size_t)(nl - c->buf));
	c->len -= (size_t)(nl - c->buf) + 1;
	memmove(c->buf, nl + 1, c->len);
	return line;
}

/* Whether the server closed c (EOF or reset) within ms, nothing sent before. */
static inline bool conn_closed(struct conn *c, int ms)
{
	const char *why;
	char *l = conn_line(c, ms, &why);

	free(l);
	return !l && !strcmp(why, "EOF");
}

/* Checks that the next line on c, within ms, is exactly want. */
#define EXPECT_LINE(c, ms, want)                                                     \
	do {                                                                         \
		const char *why_;                                                    \
		char *got_ = conn_line((c), (ms), &why_);                            \
		CHECK(got_ && !strcmp(got_, (want)), "got %.300s, want %.300s",      \
		      got_ ? got_ : why_, (want));                                   \
		free(got_);                                                          \
	} while (0)

/* Sends req + "\n" and checks the reply line is exactly want. */
#define EXPECT(c, req, want)                                                         \
	do {                                                                         \
		CHECK(!conn_send((c), req "\n"), "send %s", req);                    \
		EXPECT_LINE((c), WAIT_MS, (want));                                   \
	} while (0)

/* A listening socket at path that the test itself serves (or never does):
 * a stale socket file, a daemon that never answers or hangs up. -1 when
 * path does not fit a socket address or bind/listen fail. */
static inline int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline void *loop_thread(void *arg)
{
	loop_run(arg);
	return NULL;
}

/* The temporary directory, with stderr (the daemon log) going to
 * daemon.log in it. 0, or -1 after a "FAIL: setup" line. */
static inline int fixture_setup(void)
{
	char logpath[PATH_MAX];
	int fd;

	umask(022);
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmpdir)) {
		printf("FAIL: setup: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", tmpdir);
	fd = open(logpath, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0) {
		printf("FAIL: setup: %s: %s\n", logpath, strerror(errno));
		return -1;
	}
	close(fd);
	log_setup(true, LOG_LVL_INFO);
	return 0;
}

/* Removes the temporary directory, or keeps it for a look when a case
 * failed. */
static inline void fixture_cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (check_failures) {
		printf("      daemon log and sockets kept in %s\n", tmpdir);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			printf("      could not remove %s\n", tmpdir);
	}
}

/* Stops the server's loop with a request and frees the server; -1 when it
 * did not answer (its thread is then left running). */
static inline int server_stop(struct server *t, pthread_t th)
{
	const char *why = "connect";
	char *l = NULL;
	struct conn c;

	if (!conn_open(&c, t->path) && !conn_send(&c, "{\"command\":\"stop\"}\n"))
		l = conn_line(&c, WAIT_MS, &why);
	conn_close(&c);
	if (!l || strcmp(l, "{\"ok\":true}")) {
		printf("FAIL: teardown: stopping the server: %s\n", l ? l : why);
		free(l);
		return -1;
	}
	free(l);
	pthread_join(th, NULL);
	ctl_server_free(t->ctl);
	loop_free(t->loop);
	return 0;
}

/* Whether the daemon log of the test (tmpdir/daemon.log) holds needle. */
static inline bool log_has(const char *needle)
{
	char path[PATH_MAX], *buf;
	bool found = false;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/daemon.log", tmpdir);
	fflush(stderr);
	f = fopen(path, "r");
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		found = strstr(buf, needle);
	free(buf);
	fclose(f);
	return found;
}

#endif
