// SPDX-License-Identifier: GPL-2.0
/*
 * test_ctl.c - the control socket server (daemon/ctl/ctl_dispatch.c, daemon/ctl/ctl_sock.c)
 * serving real clients on a socket in a temporary directory, its loop in a
 * thread: the protocol, the limits, the socket file and the server's life.
 * test_cli.c runs the rtpedgectl binary against the same kind of server;
 * ctl_fixture.h is what the two share.
 *
 * Every case asserts the exact reply bytes. The daemon log goes to a file
 * in the temporary directory, kept (and named) when a case fails. The idle
 * case waits CTL_IDLE_MS once (~11 s). The reply writer and the daemon's
 * session replies are test_ctl_reply.c's.
 */
#include "ctl_fixture.h"
#include "ctl/ctl_int.h"

#include <grp.h>
#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* ---- protocol cases ---------------------------------------------------- */

#define NOT_OBJECT "a request must be a JSON object like {\\\"command\\\":\\\"status\\\"}, not "
#define NO_COMMAND "request has no \\\"command\\\" string (try {\\\"command\\\":\\\"status\\\"})"
#define KNOWN "(try: echo, fail, errno, big, stop, status, stats, session.show, session.list, " \
	      "session.add, session.del, reload, shutdown)"

/* One request line and its exact reply; rows without a name go on the case above. */
#define EX(name, req, want) { name, req, want, sizeof(req) - 1 }

static const struct {
	const char *name, *req, *want;
	size_t len; /* the request may hold a NUL */
} exchanges[] = {
	EX("ok reply: result is the handler's object, no result when it gives none",
	  "{\"command\":\"echo\",\"args\":{\"a\":1,\"s\":\"x/y\"}}", "{\"ok\":true,\"result\":{\"a\":1,\"s\":\"x/y\"}}"),
	EX(NULL, "{\"command\":\"echo\"}", "{\"ok\":true,\"result\":{}}"),
	EX(NULL, "{\"command\":\"reload\"}", "{\"ok\":true}"),
	EX("refusal: the handler's message, or its errno worded",
	  "{\"command\":\"fail\"}", "{\"ok\":false,\"error\":\"refused as asked\"}"),
	EX(NULL, "{\"command\":\"errno\"}", "{\"ok\":false,\"error\":\"No space left on device\"}"),
	EX("malformed JSON is refused with the parser's reason",
	  "{\"command\":", "{\"ok\":false,\"error\":\"malformed JSON: unexpected end of the line\"}"),
	EX(NULL, "{\"command\" \"x\"}",
	  "{\"ok\":false,\"error\":\"malformed JSON: object property name separator ':' expected at byte 11\"}"),
	EX(NULL, "{\"command\":\"echo\"} x",
	  "{\"ok\":false,\"error\":\"malformed JSON: unexpected character at byte 19\"}"),
	EX(NULL, "{\"command\":\"echo\",\"args\":{\"s\":\"\xff\"}}",
	  "{\"ok\":false,\"error\":\"malformed JSON: invalid utf-8 string at byte 31\"}"),
	EX(NULL, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	  "{\"ok\":false,\"error\":\"malformed JSON: nesting too deep at byte 32\"}"),
	EX(NULL, "{\"command\":\0\"echo\"}",
	  "{\"ok\":false,\"error\":\"malformed JSON: NUL byte in the request\"}"),
	EX("a request that is no object is refused",
	  "42", "{\"ok\":false,\"error\":\"" NOT_OBJECT "int\"}"),
	EX(NULL, "\"status\"", "{\"ok\":false,\"error\":\"" NOT_OBJECT "string\"}"),
	EX(NULL, "null", "{\"ok\":false,\"error\":\"" NOT_OBJECT "null\"}"),
	EX("an object without a command string is refused",
	  "{\"args\":{}}", "{\"ok\":false,\"error\":\"" NO_COMMAND "\"}"),
	EX(NULL, "{\"command\":5}", "{\"ok\":false,\"error\":\"" NO_COMMAND "\"}"),
	EX("unknown command lists the registered ones (long names cut)",
	  "{\"command\":\"nope\"}", "{\"ok\":false,\"error\":\"unknown command \\\"nope\\\" " KNOWN "\"}"),
	EX(NULL, "{\"command\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9\"}",
	  "{\"ok\":false,\"error\":\"unknown command "
	  "\\\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9...\\\" " KNOWN "\"}"),
	EX("args that are no object are refused",
	  "{\"command\":\"echo\",\"args\":[1]}",
	  "{\"ok\":false,\"error\":\"\\\"args\\\" of echo must be a JSON object, not array\"}"),
	EX(NULL, "{\"command\":\"echo\",\"args\":null}",
	  "{\"ok\":false,\"error\":\"\\\"args\\\" of echo must be a JSON object, not null\"}"),
	EX("batch of 3 with one refused: 3 replies in order",
	  "[{\"command\":\"echo\",\"args\":{\"i\":1}},{\"command\":\"fail\"},{\"command\":\"echo\",\"args\":{\"i\":3}}]",
	  "[{\"ok\":true,\"result\":{\"i\":1}},{\"ok\":false,\"error\":\"refused as asked\"},{\"ok\":true,\"result\":{\"i\":3}}]"),
	EX(NULL, "[1,{\"command\":\"echo\"}]",
	  "[{\"ok\":false,\"error\":\"" NOT_OBJECT "int\"},{\"ok\":true,\"result\":{}}]"),
	EX("empty batch gets an empty array", "[]", "[]"),
};

static void t_requests(struct server *t)
{
	struct conn c;
	size_t n = sizeof(exchanges) / sizeof(exchanges[0]);

	CHECK(!conn_open(&c, t->path), "connect %s", t->path);
	for (size_t i = 0; i < n; i++) {
		const char *why, *req = exchanges[i].req;
		size_t len = exchanges[i].len;
		char *got = NULL;

		if (exchanges[i].name)
			CASE_BEGIN(exchanges[i].name);
		if (!conn_send_n(&c, req, len) && !conn_send(&c, "\n"))
			got = conn_line(&c, WAIT_MS, &why);
		CHECK(got && !strcmp(got, exchanges[i].want), "%.200s -> %.300s, want %.300s", req,
		      got ? got : why, exchanges[i].want);
		free(got);
		if (i + 1 == n || exchanges[i + 1].name)
			CASE_END();
	}

	CASE_BEGIN("each request is logged with its outcome, a batch in one line");
	CHECK(log_has("ctl: echo ok"), "no \"ctl: echo ok\"");
	CHECK(log_has("ctl: fail refused: refused as asked"), "no refusal line");
	CHECK(log_has("ctl: request refused: malformed JSON: unexpected end of the line"), "no parse error line");
	CHECK(log_has("ctl: batch of 3: 2 ok, 1 refused"), "no batch line");
	CASE_END();

	CASE_BEGIN("blank lines are skipped, pipelined requests answered in order");
	CHECK(!conn_send(&c, "\n \r\n{\"command\":\"echo\",\"args\":{\"n\":1}}\r\n{\"command\":\"echo\",\"args\":{\"n\":2}}\n"),
	      "send");
	EXPECT_LINE(&c, WAIT_MS, "{\"ok\":true,\"result\":{\"n\":1}}");
	EXPECT_LINE(&c, WAIT_MS, "{\"ok\":true,\"result\":{\"n\":2}}");
	conn_close(&c);
	CASE_END();

	CASE_BEGIN("last request without newline is answered at EOF, then closed");
	CHECK(!conn_open(&c, t->path), "connect");
	CHECK(!conn_send(&c, "{\"command\":\"echo\",\"args\":{\"e\":1}}"), "send");
	shutdown(c.fd, SHUT_WR);
	EXPECT_LINE(&c, WAIT_MS, "{\"ok\":true,\"result\":{\"e\":1}}");
	CHECK(conn_closed(&c, WAIT_MS), "not closed after EOF");
	conn_close(&c);
	CASE_END();
}

/* ---- limits -------------------------------------------------------------- */

/* head + 'x' * n + tail + end, malloc'd. */
static char *padded(const char *head, size_t n, const char *tail, const char *end)
{
	size_t h = strlen(head), t = strlen(tail);
	char *r = malloc(h + n + t + strlen(end) + 1);

	memcpy(r, head, h);
	memset(r + h, 'x', n);
	strcpy(stpcpy(r + h + n, tail), end);
	return r;
}

/* {"command":"echo","args":{"x":"xxx..."}} of exactly len bytes, newline added. */
static char *padded_request(size_t len)
{
	return padded("{\"command\":\"echo\",\"args\":{\"x\":\"", len - 34, "\"}}", "\n");
}

static void t_long_line(struct server *t)
{
	char *req = padded_request(CTL_MAX_LINE);
	char *want = padded("{\"ok\":true,\"result\":{\"x\":\"", CTL_MAX_LINE - 34, "\"}}", "");
	struct conn other, c;
	const char *why;
	char *l;

	CASE_BEGIN("a request of exactly CTL_MAX_LINE bytes is served");
	CHECK(strlen(req) == CTL_MAX_LINE + 1, "request of %zu bytes", strlen(req));
	CHECK(!conn_open(&c, t->path) && !conn_send(&c, req), "send");
	l = conn_line(&c, 10000, &why);
	CHECK(l && !strcmp(l, want), "got %.60s (%zu bytes)", l ? l : why, l ? strlen(l) : 0);
	free(l);
	free(want);
	free(req);
	conn_close(&c);
	CASE_END();

	CASE_BEGIN("over CTL_MAX_LINE: error reply and close, other clients served meanwhile");
	req = padded_request(CTL_MAX_LINE + 1);
	CHECK(!conn_open(&other, t->path) && !conn_open(&c, t->path), "connect");
	CHECK(!conn_send_n(&c, req, 1u << 20), "first MiB");
	EXPECT(&other, "{\"command\":\"echo\",\"args\":{\"mid\":1}}", "{\"ok\":true,\"result\":{\"mid\":1}}");
	conn_send_n(&c, req + (1u << 20), strlen(req) - (1u << 20)); /* may see EPIPE */
	EXPECT_LINE(&c, 10000, "{\"ok\":false,\"error\":\"request longer than 4194304 bytes\"}");
	CHECK(conn_closed(&c, WAIT_MS), "still open");
	EXPECT(&other, "{\"command\":\"echo\",\"args\":{\"after\":1}}", "{\"ok\":true,\"result\":{\"after\":1}}");
	conn_close(&c);
	conn_close(&other);
	free(req);
	CASE_END();
}

static void t_idle(struct server *t)
{
	struct conn slow, quick;
	const char *why;
	double t0, dt;
	char *l;

	CASE_BEGIN("a half request is cut off after CTL_IDLE_MS; others served meanwhile");
	CHECK(!conn_open(&slow, t->path) && !conn_open(&quick, t->path), "connect");
	t0 = now_s();
	CHECK(!conn_send(&slow, "{\"command\":\"ec"), "send half");
	EXPECT(&quick, "{\"command\":\"echo\",\"args\":{\"q\":1}}", "{\"ok\":true,\"result\":{\"q\":1}}");
	CHECK(now_s() - t0 < 1.0, "quick client waited %.2f s", now_s() - t0);
	l = conn_line(&slow, CTL_IDLE_MS / 2, &why);
	CHECK(!l && !strcmp(why, "timeout"), "half request answered early: %s", l ? l : why);
	free(l);
	CHECK(!conn_send(&quick, "\n"), "keep quick open"); /* it would be idle as long */
	l = conn_line(&slow, CTL_IDLE_MS / 2 + 3000, &why);
	dt = now_s() - t0;
	CHECK(l && !strcmp(l, "{\"ok\":false,\"error\":\"request incomplete after 10 s: a request is one line of JSON ending in a newline\"}"),
	      "got %s", l ? l : why);
	CHECK(dt >= CTL_IDLE_MS / 1000.0 - 0.1 && dt < CTL_IDLE_MS / 1000.0 + 2.0,
	      "cut off after %.2f s", dt);
	CHECK(conn_closed(&slow, WAIT_MS), "still open");
	free(l);
	EXPECT(&quick, "{\"command\":\"echo\",\"args\":{\"q\":2}}", "{\"ok\":true,\"result\":{\"q\":2}}");
	conn_close(&slow);
	conn_close(&quick);
	CASE_END();
}

struct worker {
	const char *path;
	int id, good;
	char why[256];
};

/* Whether the next reply on c echoes {"c":id,"n":j}. */
static bool worker_reply(struct worker *w, struct conn *c, int j)
{
	char want[64];
	const char *why;
	char *l = conn_line(c, 10000, &why);
	bool ok;

	snprintf(want, sizeof(want), "{\"ok\":true,\"result\":{\"c\":%d,\"n\":%d}}", w->id, j);
	ok = l && !strcmp(l, want);
	if (!ok && !w->why[0])
		snprintf(w->why, sizeof(w->why), "reply %d: %.100s", j, l ? l : why);
	free(l);
	return ok;
}

/* 20 echo requests: 10 one at a time, then 10 in one send. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char req[10 * 64];
	size_t off = 0;
	struct conn c;

	if (conn_open(&c, w->path)) {
		snprintf(w->why, sizeof(w->why), "connect: %s", strerror(errno));
		return NULL;
	}
	for (int j = 0; j < 20; j++) {
		off += (size_t)snprintf(req + off, sizeof(req) - off,
					"{\"command\":\"echo\",\"args\":{\"c\":%d,\"n\":%d}}\n", w->id, j);
		if (j >= 10 && j < 19)
			continue;
		conn_send(&c, req);
		off = 0;
		for (int k = j < 10 ? j : 10; k <= j; k++)
			w->good += worker_reply(w, &c, k);
	}
	conn_close(&c);
	return NULL;
}

static void t_many(struct server *t)
{
	struct worker w[50];
	pthread_t th[50];
	int good = 0;

	CASE_BEGIN("50 concurrent clients x 20 requests all answered correctly");
	for (int i = 0; i < 50; i++) {
		w[i] = (struct worker){ .path = t->path, .id = i };
		pthread_create(&th[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < 50; i++) {
		pthread_join(th[i], NULL);
		good += w[i].good;
		CHECK(w[i].good == 20, "client %d: %d of 20 (%s)", i, w[i].good, w[i].why);
	}
	CHECK(good == 1000, "%d of 1000 replies right", good);
	CASE_END();
}

static void t_big(struct server *t)
{
	struct conn lazy, other;
	char req[64 * 100 + 1] = "", *l;
	const char *why;
	double t0;
	int lines = 0;

	CASE_BEGIN("a client not reading its replies does not block others; they wait queued");
	CHECK(!conn_open(&lazy, t->path) && !conn_open(&other, t->path), "connect");
	for (int i = 0; i < 10; i++)
		strcat(req, "{\"command\":\"big\"}\n");
	CHECK(!conn_send(&lazy, req), "send");
	t0 = now_s();
	EXPECT(&other, "{\"command\":\"echo\",\"args\":{\"o\":1}}", "{\"ok\":true,\"result\":{\"o\":1}}");
	CHECK(now_s() - t0 < 2.0, "other client waited %.2f s", now_s() - t0);
	for (int i = 0; i < 10; i++) {
		l = conn_line(&lazy, 10000, &why);
		lines += l && strlen(l) == BIG_LEN + 23 && !strncmp(l, "{\"ok\":true,\"result\":\"xxx", 24);
		free(l);
	}
	CHECK(lines == 10, "%d of 10 big replies right", lines);
	CASE_END();

	CASE_BEGIN("over CTL_MAX_OUTPUT queued: the non-reader is cut off");
	req[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(req, "{\"command\":\"big\"}\n");
	CHECK(!conn_send(&lazy, req), "send");
	EXPECT(&other, "{\"command\":\"echo\",\"args\":{\"o\":2}}", "{\"ok\":true,\"result\":{\"o\":2}}");
	lines = 0;
	while ((l = conn_line(&lazy, 10000, &why)) && lines < 100) {
		lines++;
		free(l);
	}
	CHECK(!l && !strcmp(why, "EOF"), "not closed: %s", l ? "a line" : why);
	CHECK(lines < 100, "all %d replies arrived", lines);
	EXPECT(&other, "{\"command\":\"echo\",\"args\":{\"o\":3}}", "{\"ok\":true,\"result\":{\"o\":3}}");
	conn_close(&lazy);
	conn_close(&other);
	CASE_END();
}

static void t_too_many(struct server *t)
{
	static struct conn c[CTL_MAX_CLIENTS + 1];
	struct rlimit rl;
	bool ok = false;
	int n = 0;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * CTL_MAX_CLIENTS + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	CASE_BEGIN("client CTL_MAX_CLIENTS+1 is told why and closed; a freed slot serves again");
	usleep(200000); /* the server sees the earlier cases' clients go */
	for (n = 0; n < CTL_MAX_CLIENTS; n++) {
		if (conn_open(&c[n], t->path))
			break;
		EXPECT(&c[n], "{\"command\":\"echo\"}", "{\"ok\":true,\"result\":{}}");
	}
	CHECK(n == CTL_MAX_CLIENTS, "only %d clients connected", n);
	CHECK(!conn_open(&c[n], t->path), "connect one more");
	EXPECT_LINE(&c[n], WAIT_MS, "{\"ok\":false,\"error\":\"too many control clients (256); retry in a few seconds (idle clients are closed after 10 s)\"}");
	CHECK(conn_closed(&c[n], WAIT_MS), "surplus client still open");
	conn_close(&c[n]);
	conn_close(&c[0]);
	/* The server sees the EOF of c[0] on its own time: retry a little. */
	for (int i = 0; i < 40 && !ok; i++) {
		const char *why;
		char *l = NULL;

		if (!conn_open(&c[n], t->path) && !conn_send(&c[n], "{\"command\":\"echo\"}\n"))
			l = conn_line(&c[n], WAIT_MS, &why);
		ok = l && !strcmp(l, "{\"ok\":true,\"result\":{}}");
		free(l);
		conn_close(&c[n]);
		if (!ok)
			usleep(50000);
	}
	CHECK(ok, "a freed slot did not serve again");
	for (int i = 1; i < CTL_MAX_CLIENTS; i++)
		conn_close(&c[i]);
	CASE_END();
}

/* ---- the socket file and the server's life ------------------------------- */

static void t_socket_file(struct server *t)
{
	char path[PATH_MAX], err[256];
	struct ctl_server *s;
	struct group *gr = getgrnam("daemon");
	struct loop *l = loop_new();
	struct json_object *req, *reply;
	struct stat st;
	struct conn c;
	int fd;

	CASE_BEGIN("a second server on a live socket fails with EADDRINUSE; the first serves on");
	errno = 0;
	s = ctl_server_new(l, t->path, NULL, test_cmds, t, err, sizeof(err));
	CHECK(!s && errno == EADDRINUSE, "second server: %p errno %d", (void *)s, errno);
	CHECK(!strncmp(err, "another rtpedged answers on ", 28) && strstr(err, t->path), "err: %s", err);
	CHECK(!conn_open(&c, t->path), "connect");
	EXPECT(&c, "{\"command\":\"echo\"}", "{\"ok\":true,\"result\":{}}");
	conn_close(&c);
	CASE_END();

	CASE_BEGIN("a stale socket file is replaced; mode 0660, group set, ctl_dispatch direct");
	snprintf(path, sizeof(path), "%s/stale.sock", tmpdir);
	fd = listen_at(path);
	close(fd); /* the file stays, nobody listens */
	s = ctl_server_new(l, path, &(struct ctl_access){ .group = gr ? "daemon" : NULL }, test_cmds, t,
			   err, sizeof(err));
	CHECK(s, "stale: %s", err);
	CHECK(!stat(path, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0660,
	      "mode %o", st.st_mode);
	CHECK(!gr || st.st_gid == gr->gr_gid, "gid %u, want %u", st.st_gid, gr ? gr->gr_gid : 0);
	CHECK(!conn_open(&c, path), "connect to the replacement");
	conn_close(&c);
	req = json_tokener_parse("{\"command\":\"echo\",\"args\":{\"d\":1}}");
	reply = s ? ctl_dispatch(s, req) : NULL;
	CHECK(reply && !strcmp(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN),
			       "{\"ok\":true,\"result\":{\"d\":1}}"), "dispatch");
	json_object_put(req);
	json_object_put(reply);
	ctl_server_free(s);
	CHECK(access(path, F_OK) && errno == ENOENT, "socket file left behind");
	CASE_END();

	CASE_BEGIN("not a socket, unknown group, too long a path: refused with a reason");
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	errno = 0;
	CHECK(!ctl_server_new(l, path, NULL, test_cmds, t, err, sizeof(err)) && errno == EEXIST,
	      "errno %d", errno);
	CHECK(strstr(err, "exists and is not a socket; remove it"), "err: %s", err);
	unlink(path);
	CHECK(!ctl_server_new(l, path, &(struct ctl_access){ .group = "rtpedge-no-such-group" },
			      test_cmds, t, err, sizeof(err)),
	      "unknown group accepted");
	CHECK(!strcmp(err, "control_group \"rtpedge-no-such-group\" does not exist; create it (groupadd rtpedge-no-such-group) or leave control_group empty"),
	      "err: %s", err);
	CHECK(access(path, F_OK), "socket made despite the bad group");
	snprintf(path, sizeof(path), "%s/%0120d.sock", tmpdir, 0);
	CHECK(!ctl_server_new(l, path, NULL, test_cmds, t, err, sizeof(err)) &&
	      strstr(err, "is empty or longer than 107 bytes"), "err: %s", err);
	CASE_END();
	loop_free(l);
}

static struct ctl_server *closer;

/* A reload that replaces the socket frees the server running the request. */
static int h_close(void *ctx, struct json_object *args, struct json_object **res, char *err,
		   size_t errlen)
{
	ctl_server_free(closer);
	loop_stop(ctx);
	return 0;
}

static void watchdog(struct loop *l, void *arg)
{
	loop_stop(l);
}

static void t_self_free(void)
{
	static const struct ctl_command cmds[] = { { "echo", h_echo, false },
						   { "close", h_close, false },
						   { NULL, NULL, false } };
	struct loop *l = loop_new();
	char path[PATH_MAX], err[256];
	struct conn c;

	CASE_BEGIN("a handler freeing its own server: reply sent, rest of batch not run");
	snprintf(path, sizeof(path), "%s/self.sock", tmpdir);
	closer = ctl_server_new(l, path, NULL, cmds, l, err, sizeof(err));
	CHECK(closer, "server: %s", err);
	loop_every(l, 5000, watchdog, NULL);
	CHECK(!conn_open(&c, path), "connect");
	CHECK(!conn_send(&c, "[{\"command\":\"echo\",\"args\":{\"a\":1}},{\"command\":\"close\"},{\"command\":\"echo\"}]\n{\"command\":\"echo\"}\n"),
	      "send");
	loop_run(l);
	EXPECT_LINE(&c, WAIT_MS, "[{\"ok\":true,\"result\":{\"a\":1}},{\"ok\":true},{\"ok\":false,\"error\":\"not run: the control socket is closing\"}]");
	CHECK(conn_closed(&c, WAIT_MS), "client not closed");
	CHECK(access(path, F_OK), "socket file left behind");
	conn_close(&c);
	loop_free(l);
	CASE_END();
}

/* ---- main ------------------------------------------------------------------ */

int main(void)
{
	static struct server t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char dir[64], err[256];
	pthread_t th;
	struct stat st;

	if (fixture_setup())
		return 1;

	CASE_BEGIN("server: socket in a new directory (0755), mode 0660");
	snprintf(dir, sizeof(dir), "%s/run/rtpedge", tmpdir);
	snprintf(t.path, sizeof(t.path), "%s/ctl.sock", dir);
	t.loop = loop_new();
	t.ctl = ctl_server_new(t.loop, t.path, NULL, test_cmds, &t, err, sizeof(err));
	CHECK(t.ctl, "ctl_server_new: %s", err);
	CHECK(!stat(dir, &st) && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755,
	      "directory mode %o", st.st_mode);
	CHECK(!stat(t.path, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0660,
	      "socket mode %o", st.st_mode);
	CASE_END();
	if (!t.ctl)
		CHECK_EXIT();
	pthread_create(&th, NULL, loop_thread, t.loop);

	t_requests(&t);
	t_long_line(&t);
	t_many(&t);
	t_big(&t);
	t_too_many(&t);
	t_socket_file(&t);
	t_self_free();
	t_idle(&t);

	CASE_BEGIN("server: stops on request, frees, unlinks its socket");
	CHECK(!server_stop(&t, th), "the server did not stop on request");
	CHECK(access(t.path, F_OK) && errno == ENOENT, "socket file left behind");
	CASE_END();

	fixture_cleanup();
	CHECK_EXIT();
}
