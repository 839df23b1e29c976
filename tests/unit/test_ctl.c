// SPDX-License-Identifier: GPL-2.0
/*
 * test_ctl.c - the control socket server (daemon/ctl.c) serving real
 * clients on a socket in a temporary directory, its loop in a thread, and
 * the rtpedgectl binary run against it (build/rtpedgectl, or $RTPEDGECTL).
 *
 * Every case asserts the exact reply bytes. The daemon log goes to a file
 * in the temporary directory, kept (and named) when a case fails. The idle
 * case waits CTL_IDLE_MS once (~11 s); the CLI timeout case runs meanwhile.
 */
#include "check.h"
#include "ctl.h"
#include "log.h"
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

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
static char cli_path[PATH_MAX];

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

static int h_echo(void *ctx, struct json_object *args, struct json_object **res, char *err,
		  size_t errlen)
{
	*res = json_object_get(args);
	return 0;
}

static int h_fail(void *ctx, struct json_object *args, struct json_object **res, char *err,
		  size_t errlen)
{
	snprintf(err, errlen, "refused as asked");
	return -1;
}

static int h_errno(void *ctx, struct json_object *args, struct json_object **res, char *err,
		   size_t errlen)
{
	return -ENOSPC; /* no message: the server words one */
}

static int h_big(void *ctx, struct json_object *args, struct json_object **res, char *err,
		 size_t errlen)
{
	char *b = malloc(BIG_LEN);

	if (!b)
		return -ENOMEM;
	memset(b, 'x', BIG_LEN);
	*res = json_object_new_string_len(b, BIG_LEN);
	free(b);
	return 0;
}

static int h_stop(void *ctx, struct json_object *args, struct json_object **res, char *err,
		  size_t errlen)
{
	loop_stop(((struct server *)ctx)->loop);
	return 0;
}

static int h_none(void *ctx, struct json_object *args, struct json_object **res, char *err,
		  size_t errlen)
{
	return 0;
}

static int canned(struct json_object **res, const char *txt)
{
	*res = json_tokener_parse(txt);
	return *res ? 0 : -EINVAL;
}

static void remember(struct server *t, struct json_object *args)
{
	pthread_mutex_lock(&t->lock);
	snprintf(t->last_args, sizeof(t->last_args), "%s",
		 json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN));
	pthread_mutex_unlock(&t->lock);
}

static int h_status(void *ctx, struct json_object *args, struct json_object **res, char *err,
		    size_t errlen)
{
	return canned(res, status_json);
}

static int h_stats(void *ctx, struct json_object *args, struct json_object **res, char *err,
		   size_t errlen)
{
	return canned(res, stats_json);
}

static int h_show(void *ctx, struct json_object *args, struct json_object **res, char *err,
		  size_t errlen)
{
	struct json_object *id;
	const char *s = json_object_object_get_ex(args, "id", &id) ? json_object_get_string(id) : "";

	if (!strcmp(s, "s-1"))
		return canned(res, session_json);
	snprintf(err, errlen, "no session \"%s\"", s);
	return -1;
}

static int h_list(void *ctx, struct json_object *args, struct json_object **res, char *err,
		  size_t errlen)
{
	char txt[2048];

	snprintf(txt, sizeof(txt), "{\"sessions\":[%s,{\"id\":\"s-2\",\"idle_ms\":null,\"legs\":["
		 "{\"local\":\"203.0.113.5:40004\",\"path\":\"learning\",\"packets\":0},"
		 "{\"local\":\"10.0.0.5:40006\",\"path\":\"learning\",\"packets\":0}]}]}",
		 session_json);
	return canned(res, txt);
}

static int h_add(void *ctx, struct json_object *args, struct json_object **res, char *err,
		 size_t errlen)
{
	struct server *t = ctx;

	remember(t, args);
	pthread_mutex_lock(&t->lock);
	t->adds++;
	pthread_mutex_unlock(&t->lock);
	return canned(res, session_json);
}

static int h_shutdown(void *ctx, struct json_object *args, struct json_object **res,
		      char *err, size_t errlen)
{
	remember(ctx, args);
	return canned(res, "{\"message\":\"stopping (test)\"}");
}

static const struct ctl_command test_cmds[] = {
	{ "echo", h_echo },	       { "fail", h_fail },
	{ "errno", h_errno },	       { "big", h_big },
	{ "stop", h_stop },	       { "status", h_status },
	{ "stats", h_stats },	       { "session.show", h_show },
	{ "session.list", h_list },    { "session.add", h_add },
	{ "session.del", h_show },     { "reload", h_none },
	{ "shutdown", h_shutdown },    { NULL, NULL },
};

/* ---- a client --------------------------------------------------------- */

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	*c = (struct conn){ .fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	*c = (struct conn){ .fd = -1 };
}

/* Sends all of s (len bytes); -errno when the server has gone. */
static int conn_send_n(struct conn *c, const char *s, size_t len)
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

static int conn_send(struct conn *c, const char *s)
{
	return conn_send_n(c, s, strlen(s));
}

/* The next line (malloc'd, without newline) within ms; NULL at EOF
 * ("EOF", also for a reset after the last reply), on timeout or error. */
static char *conn_line(struct conn *c, int ms, const char **why)
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
static bool conn_closed(struct conn *c, int ms)
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

/* ---- the rtpedgectl binary --------------------------------------------- */

struct run {
	int status; /* exit status, 128+signal, or -1 */
	char out[16384], err[4096];
	double secs;
	pid_t pid;
	int pout, perr;
};

/* Starts rtpedgectl with args (NULL-terminated), RTPEDGE_SOCKET = env_sock. */
static int cli_start(struct run *r, const char *env_sock, const char *const *args)
{
	char *argv[16], envbuf[160];
	char *envp[] = { envbuf, NULL };
	posix_spawn_file_actions_t fa;
	int o[2], e[2], n = 0, rc;

	memset(r, 0, sizeof(*r));
	argv[n++] = cli_path;
	while (*args && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	snprintf(envbuf, sizeof(envbuf), "RTPEDGE_SOCKET=%s", env_sock ? env_sock : "");
	if (pipe2(o, O_CLOEXEC) || pipe2(e, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, e[1], 2);
	r->secs = now_s();
	rc = posix_spawn(&r->pid, cli_path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(o[1]);
	close(e[1]);
	r->pout = o[0];
	r->perr = e[0];
	return -rc;
}

/* Collects its output and exit status; kills it after 15 s. */
static void cli_finish(struct run *r)
{
	size_t lo = 0, le = 0;
	double end = now_s() + 15;
	int st;

	while ((r->pout >= 0 || r->perr >= 0) && now_s() < end) {
		struct pollfd p[2] = { { .fd = r->pout, .events = POLLIN },
				       { .fd = r->perr, .events = POLLIN } };

		if (poll(p, 2, 200) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			int *fd = i ? &r->perr : &r->pout;
			char *buf = i ? r->err : r->out;
			size_t *len = i ? &le : &lo, cap = i ? sizeof(r->err) : sizeof(r->out);
			ssize_t n;

			if (*fd < 0 || !p[i].revents)
				continue;
			n = read(*fd, buf + *len, cap - 1 - *len);
			if (n <= 0) {
				close(*fd);
				*fd = -1;
			} else {
				*len += (size_t)n;
			}
		}
	}
	r->out[lo] = r->err[le] = '\0';
	if (r->pout >= 0 || r->perr >= 0)
		kill(r->pid, SIGKILL);
	if (r->pout >= 0)
		close(r->pout);
	if (r->perr >= 0)
		close(r->perr);
	r->status = waitpid(r->pid, &st, 0) != r->pid ? -1 :
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->secs = now_s() - r->secs;
}

static void cli_run(struct run *r, const char *env_sock, const char *const *args)
{
	if (cli_start(r, env_sock, args)) {
		r->status = -1;
		return;
	}
	cli_finish(r);
}

#define CLI(r, sock, ...) cli_run((r), (sock), (const char *const[]){ __VA_ARGS__, NULL })

static bool find_cli(void)
{
	const char *env = getenv("RTPEDGECTL");
	char exe[PATH_MAX];
	ssize_t n;

	if (env) {
		snprintf(cli_path, sizeof(cli_path), "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return false;
		exe[n] = '\0';
		for (int i = 0; i < 2 && strrchr(exe, '/'); i++)
			*strrchr(exe, '/') = '\0'; /* build/tests/test_ctl -> build */
		snprintf(cli_path, sizeof(cli_path), "%.*s/rtpedgectl", PATH_MAX - 16, exe);
	}
	return !access(cli_path, X_OK);
}

/* ---- protocol cases ---------------------------------------------------- */

static bool log_has(const char *needle)
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

/* A listener that never accepts, and one that reads a request and hangs up. */
static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct bg_run {
	struct run r;
	char path[PATH_MAX];
};

/* rtpedgectl status against a socket that never answers, in a thread. */
static void *cli_timeout_run(void *arg)
{
	struct bg_run *b = arg;

	CLI(&b->r, NULL, "-s", b->path, "status");
	return NULL;
}

static void t_idle(struct server *t)
{
	static struct bg_run bg;
	struct conn slow, quick;
	pthread_t th;
	const char *why;
	double t0, dt;
	char *l;
	int lfd;

	snprintf(bg.path, sizeof(bg.path), "%s/silent.sock", tmpdir);
	lfd = listen_at(bg.path);
	if (cli_path[0] && lfd >= 0 && pthread_create(&th, NULL, cli_timeout_run, &bg))
		lfd = -1;

	CASE_BEGIN("a half request is cut off after CTL_IDLE_MS; others served meanwhile");
	CHECK(!conn_open(&slow, t->path) && !conn_open(&quick, t->path), "connect");
	t0 = now_s();
	CHECK(!conn_send(&slow, "{\"command\":\"ec"), "send half");
	EXPECT(&quick, "{\"command\":\"echo\",\"args\":{\"q\":1}}", "{\"ok\":true,\"result\":{\"q\":1}}");
	CHECK(now_s() - t0 < 1.0, "quick client waited %.2f s", now_s() - t0);
	l = conn_line(&slow, CTL_IDLE_MS + 3000, &why);
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

	if (!cli_path[0] || lfd < 0) {
		CASE_SKIP("cli: no reply in 5 s -> exit 2", "rtpedgectl not built or no listener");
		return;
	}
	CASE_BEGIN("cli: no reply in 5 s -> exit 2");
	pthread_join(th, NULL);
	CHECK(bg.r.status == 2, "exit %d", bg.r.status);
	CHECK(strstr(bg.r.err, ": no reply within 5 s"), "stderr: %s", bg.r.err);
	CHECK(bg.r.secs >= 4.9 && bg.r.secs < 7, "took %.2f s", bg.r.secs);
	CASE_END();
	close(lfd);
	unlink(bg.path);
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
	EXPECT_LINE(&c[n], WAIT_MS, "{\"ok\":false,\"error\":\"too many control clients; retry later\"}");
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
	s = ctl_server_new(l, path, gr ? "daemon" : NULL, test_cmds, t, err, sizeof(err));
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
	CHECK(!ctl_server_new(l, path, "rtpedge-no-such-group", test_cmds, t, err, sizeof(err)),
	      "unknown group accepted");
	CHECK(!strcmp(err, "control group \"rtpedge-no-such-group\" does not exist; create it (groupadd rtpedge-no-such-group) or leave control_group empty"),
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
	static const struct ctl_command cmds[] = { { "echo", h_echo }, { "close", h_close },
						   { NULL, NULL } };
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

/* ---- rtpedgectl against the test server ---------------------------------- */

static void expect_cli(const char *name, struct run *r, int status, const char *out,
		       const char *err)
{
	CASE_BEGIN(name);
	CHECK(r->status == status, "exit %d, want %d (stderr: %s)", r->status, status, r->err);
	CHECK(!out || !strcmp(r->out, out), "stdout:\n%s\nwant:\n%s", r->out, out);
	CHECK(!err || !strcmp(r->err, err), "stderr:\n%s\nwant:\n%s", r->err, err);
	CASE_END();
}

static void last_args(struct server *t, char *buf, size_t len, int *adds)
{
	pthread_mutex_lock(&t->lock);
	snprintf(buf, len, "%s", t->last_args);
	if (adds)
		*adds = t->adds;
	pthread_mutex_unlock(&t->lock);
}

/* The legs of session_json as session show and session del print them. */
#define LEGS_TABLE                                                                                                          \
	"INTERFACE  LOCAL              PEER                  PATH       PACKETS  BYTES  DROPS  LAST_SEEN  SSRC        LOST  JITTER\n" \
	"public     203.0.113.5:40000  198.51.100.7:5004     xdp            120  20640      1   1.2s ago  0xdeadbeef     2   1.2ms\n" \
	"internal   10.0.0.5:40002     44.229.228.186:51000  userspace      118  20296      0          -  -              0   0.0ms\n"

static void t_cli_show(struct server *t)
{
	const char *p = t->path;
	struct json_object *got, *want;
	struct run r;

	CLI(&r, NULL, "-s", p, "status");
	expect_cli("cli: status prints key/values and the interface table", &r, 0,
		   "version:          0.1-test\n"
		   "uptime:           1h02m03s\n"
		   "sessions:         2\n"
		   "calls:            0\n"
		   "ports free:       9996\n"
		   "max sessions:     16384\n"
		   "xdp_mode:         auto\n"
		   "\n"
		   "INTERFACE  DEVICE    ADDRESS      XDP      IFINDEX\n"
		   "public     veth-pub  203.0.113.5  native         7\n"
		   "internal   veth-int  10.0.0.5     generic       12\n", "");

	CLI(&r, p, "--json", "status");
	got = json_tokener_parse(r.out);
	want = json_tokener_parse(status_json);
	expect_cli("cli: --json status prints the result (RTPEDGE_SOCKET names the socket)", &r, 0,
		   NULL, "");
	CASE_BEGIN("cli: --json output is the result, pretty-printed");
	CHECK(got && json_object_equal(got, want), "stdout: %s", r.out);
	CHECK(strchr(r.out, '\n') != strrchr(r.out, '\n'), "not pretty: %s", r.out);
	CASE_END();
	json_object_put(got);
	json_object_put(want);

	CLI(&r, NULL, "-s", p, "session", "show", "s-1");
	expect_cli("cli: session show prints the header and the legs table", &r, 0,
		   "session:          s-1\n"
		   "created:          1m15s ago\n"
		   "idle:             1.2s\n"
		   "\n" LEGS_TABLE, "");

	CLI(&r, NULL, "-s", p, "session", "list");
	expect_cli("cli: session list prints one row per session", &r, 0,
		   "ID   LOCAL_A                 LOCAL_B         PATH           PACKETS  IDLE\n"
		   "s-1  203.0.113.5:40000  <->  10.0.0.5:40002  xdp/userspace      238  1.2s\n"
		   "s-2  203.0.113.5:40004  <->  10.0.0.5:40006  learning             0     -\n",
		   "");

	CLI(&r, NULL, "-s", p, "stats");
	expect_cli("cli: stats prints counters, paths, verdicts and unknown keys", &r, 0,
		   "sessions active:  2\n"
		   "calls active:     0\n"
		   "ports free:       9996\n"
		   "userspace_drops:  3\n"
		   "\n"
		   "PATH       PACKETS  BYTES\n"
		   "xdp            120  20640\n"
		   "userspace      118  20296\n"
		   "srtp             0      0\n"
		   "\n"
		   "VERDICT  REASON     PACKETS  BYTES\n"
		   "tx       forwarded      120  20640\n"
		   "pass     not_rtp          5    300\n", "");

	CLI(&r, NULL, "-s", p, "reload");
	expect_cli("cli: reload prints ok", &r, 0, "ok\n", "");
}

static void t_cli_requests(struct server *t)
{
	const char *p = t->path;
	char args[512];
	int before, after;
	struct run r;

	CLI(&r, NULL, "-s", p, "session", "add", "public", "198.51.100.7:5004", "internal",
	    "44.229.228.186:51000", "--srtp-a", "AES_CM_128_HMAC_SHA1_80:a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5");
	expect_cli("cli: session add prints the id and both local endpoints", &r, 0,
		   "s-1\n"
		   "public    203.0.113.5:40000  peer  198.51.100.7:5004\n"
		   "internal  10.0.0.5:40002     peer  44.229.228.186:51000\n", "");
	last_args(t, args, sizeof(args), &before);
	CASE_BEGIN("cli: session add sends the args, srtp only when given");
	CHECK(!strcmp(args, "{\"iface_a\":\"public\",\"peer_a\":\"198.51.100.7:5004\",\"iface_b\":\"internal\",\"peer_b\":\"44.229.228.186:51000\",\"srtp_a\":\"AES_CM_128_HMAC_SHA1_80:a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5\"}"),
	      "args %s", args);
	CASE_END();

	CLI(&r, NULL, "-s", p, "session", "add", "public", "198.51.100.7", "internal", "[::1]:5000");
	last_args(t, args, sizeof(args), &after);
	expect_cli("cli: a peer without port is refused locally, exit 1", &r, 1, "",
		   "rtpedgectl: PEER_A \"198.51.100.7\" is not IP:PORT (e.g. 198.51.100.7:5004 or [2001:db8::7]:5004)\n"
		   "usage: rtpedgectl session add IFACE_A PEER_A IFACE_B PEER_B [--srtp-a SUITE:KEY] [--srtp-b SUITE:KEY]\n");
	CASE_BEGIN("cli: nothing is sent for a local usage error");
	CHECK(before == after, "session.add ran %d times", after - before);
	CASE_END();

	CLI(&r, NULL, "-s", p, "session", "show");
	expect_cli("cli: a missing argument is a usage error", &r, 1, "",
		   "rtpedgectl: missing ID\nusage: rtpedgectl session show ID\n");

	CLI(&r, NULL, "-s", p, "session", "show", "s-9");
	expect_cli("cli: a refusal goes to stderr with exit 1", &r, 1, "",
		   "rtpedgectl: no session \"s-9\"\n");
	CLI(&r, NULL, "-s", p, "--json", "session", "show", "s-9");
	expect_cli("cli: --json refusal: nothing on stdout, exit 1", &r, 1, "",
		   "rtpedgectl: no session \"s-9\"\n");

	CLI(&r, NULL, "-s", p, "session", "del", "s-1");
	expect_cli("cli: session del prints deleted and the counters", &r, 0,
		   "deleted s-1\n" LEGS_TABLE, "");

	CLI(&r, NULL, "-s", p, "shutdown", "--remove");
	last_args(t, args, sizeof(args), NULL);
	expect_cli("cli: shutdown --remove sends remove:true, prints the message", &r, 0,
		   "stopping (test)\n", "");
	CASE_BEGIN("cli: shutdown args");
	CHECK(!strcmp(args, "{\"remove\":true}"), "args %s", args);
	CLI(&r, NULL, "-s", p, "shutdown");
	last_args(t, args, sizeof(args), NULL);
	CHECK(r.status == 0 && !strcmp(args, "{\"remove\":false}"), "args %s", args);
	CASE_END();
}

static void t_cli_unreachable(void)
{
	char path[PATH_MAX], err[PATH_MAX + 200];
	struct conn c = { .fd = -1 };
	struct pollfd pf;
	struct run r;
	int lfd;

	snprintf(path, sizeof(path), "%s/nobody.sock", tmpdir);
	CLI(&r, NULL, "-s", path, "status");
	snprintf(err, sizeof(err), "rtpedgectl: %s: cannot connect: No such file or directory (is rtpedged running? -s or RTPEDGE_SOCKET name another socket)\n", path);
	expect_cli("cli: no daemon -> exit 2 and a hint", &r, 2, "", err);

	CLI(&r, NULL, "-s", path, "frobnicate");
	expect_cli("cli: unknown command -> exit 1", &r, 1, "",
		   "rtpedgectl: unknown command \"frobnicate\"\n"
		   "usage: rtpedgectl [-s SOCKET] [--json] COMMAND [ARGS] (rtpedgectl help lists them)\n");

	CASE_BEGIN("cli: daemon hangs up after reading the request -> exit 2");
	lfd = listen_at(path);
	CHECK(lfd >= 0 && !cli_start(&r, NULL, (const char *const[]){ "-s", path, "stats", NULL }),
	      "start");
	pf = (struct pollfd){ .fd = lfd, .events = POLLIN };
	if (lfd >= 0 && poll(&pf, 1, WAIT_MS) == 1) {
		c.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		EXPECT_LINE(&c, WAIT_MS, "{\"command\":\"stats\"}");
		conn_close(&c);
	}
	cli_finish(&r);
	CHECK(r.status == 2, "exit %d", r.status);
	CHECK(strstr(r.err, ": rtpedged closed the connection without a reply"), "stderr %s", r.err);
	if (lfd >= 0)
		close(lfd);
	unlink(path);
	CASE_END();

	CLI(&r, NULL, "help");
	CASE_BEGIN("cli: help is generated from the command table");
	CHECK(r.status == 0 && strstr(r.out, "\n  session add IFACE_A PEER_A IFACE_B PEER_B [--srtp-a SUITE:KEY] [--srtp-b SUITE:KEY]\n") &&
	      strstr(r.out, "\n  shutdown [--remove]\n"), "exit %d: %s", r.status, r.out);
	CASE_END();
}

/* ---- main ------------------------------------------------------------------ */

static void *loop_thread(void *arg)
{
	loop_run(arg);
	return NULL;
}

int main(void)
{
	static struct server t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char logpath[PATH_MAX], dir[64], err[256], cmd[PATH_MAX + 16];
	pthread_t th;
	struct stat st;
	struct conn c;
	int fd;

	umask(022);
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmpdir)) {
		printf("FAIL: setup: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", tmpdir);
	fd = open(logpath, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0) {
		printf("FAIL: setup: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	close(fd);
	log_setup(true, LOG_LVL_INFO);
	if (!find_cli())
		cli_path[0] = '\0';

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
	if (cli_path[0]) {
		t_cli_show(&t);
		t_cli_requests(&t);
		t_cli_unreachable();
	} else {
		CASE_SKIP("cli: rtpedgectl against the server", "build/rtpedgectl not built (make build/rtpedgectl)");
	}
	t_idle(&t);

	CASE_BEGIN("server: stops on request, frees, unlinks its socket");
	CHECK(!conn_open(&c, t.path), "connect");
	EXPECT(&c, "{\"command\":\"stop\"}", "{\"ok\":true}");
	conn_close(&c);
	pthread_join(th, NULL);
	ctl_server_free(t.ctl);
	loop_free(t.loop);
	CHECK(access(t.path, F_OK) && errno == ENOENT, "socket file left behind");
	CASE_END();

	if (check_failures) {
		printf("      daemon log and sockets kept in %s\n", tmpdir);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			printf("      could not remove %s\n", tmpdir);
	}
	CHECK_EXIT();
}
