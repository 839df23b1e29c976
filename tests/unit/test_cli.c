// SPDX-License-Identifier: GPL-2.0
/*
 * test_cli.c - the rtpedgectl binary (build/rtpedgectl, or $RTPEDGECTL) run
 * against the control socket server (daemon/ctl/ctl_dispatch.c) serving canned replies
 * from a temporary directory, its loop in a thread (ctl_fixture.h): the
 * exact stdout, stderr and exit status of each command, the arguments it
 * sends, and what it does when nobody answers.
 *
 * The timeout case waits 5 s; it starts first and the other cases run
 * meanwhile. The daemon log goes to a file in the temporary directory, kept
 * (and named) when a case fails.
 */
#include "ctl_fixture.h"

#include <spawn.h>
#include <sys/wait.h>

static char cli_path[PATH_MAX];

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

/* Starts the timeout case: a listener that never answers, rtpedgectl in a
 * thread. Returns the listener, or -1 when it could not start. */
static int cli_timeout_start(struct bg_run *bg, pthread_t *th)
{
	int lfd;

	snprintf(bg->path, sizeof(bg->path), "%s/silent.sock", tmpdir);
	lfd = listen_at(bg->path);
	if (lfd >= 0 && pthread_create(th, NULL, cli_timeout_run, bg)) {
		close(lfd);
		lfd = -1;
	}
	return lfd;
}

static void t_cli_timeout(struct bg_run *bg, pthread_t th, int lfd)
{
	if (lfd < 0) {
		CASE_SKIP("cli: no reply in 5 s -> exit 2", "rtpedgectl not built or no listener");
		return;
	}
	CASE_BEGIN("cli: no reply in 5 s -> exit 2");
	pthread_join(th, NULL);
	CHECK(bg->r.status == 2, "exit %d", bg->r.status);
	CHECK(strstr(bg->r.err, ": no reply within 5 s"), "stderr: %s", bg->r.err);
	CHECK(bg->r.secs >= 4.9 && bg->r.secs < 7, "took %.2f s", bg->r.secs);
	CASE_END();
	close(lfd);
	unlink(bg->path);
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
		   "rtpedgectl: missing ID\nusage: rtpedgectl session show ID [--keys]\n");

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

int main(void)
{
	static struct server t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	static struct bg_run bg;
	pthread_t th, bg_th;
	char err[256];
	int lfd;

	if (!find_cli()) {
		CASE_SKIP("cli: rtpedgectl against the server", "build/rtpedgectl not built (make build/rtpedgectl)");
		CASE_SKIP("cli: no reply in 5 s -> exit 2", "rtpedgectl not built or no listener");
		return 0;
	}
	if (fixture_setup())
		return 1;
	snprintf(t.path, sizeof(t.path), "%s/ctl.sock", tmpdir);
	t.loop = loop_new();
	t.ctl = ctl_server_new(t.loop, t.path, NULL, test_cmds, &t, err, sizeof(err));
	if (!t.ctl) {
		printf("FAIL: setup: ctl_server_new: %s (daemon log in %s)\n", err, tmpdir);
		return 1;
	}
	pthread_create(&th, NULL, loop_thread, t.loop);
	lfd = cli_timeout_start(&bg, &bg_th);

	t_cli_show(&t);
	t_cli_requests(&t);
	t_cli_unreachable();
	t_cli_timeout(&bg, bg_th, lfd);

	if (server_stop(&t, th))
		check_failures++;
	fixture_cleanup();
	CHECK_EXIT();
}
