// SPDX-License-Identifier: GPL-2.0
/*
 * test_ctl_limits.c - what one control client can take from the others:
 * a batch whose reply would grow without end (its later items are refused
 * once the reply passes CTL_MAX_REPLY, so memory stays bounded), and idle
 * clients holding every slot (each is closed after the server's idle
 * timeout, lowered here to keep the test short). The protocol itself is
 * test_ctl.c's; ctl_fixture.h is the shared server and client.
 */
#include "ctl_fixture.h"
#include "ctl/ctl_int.h"

#include <sys/resource.h>

#define TEST_IDLE_MS 500

/* A batch of n copies of item (with a comma after each but the last), malloc'd. */
static char *batch_of(const char *item, size_t n)
{
	size_t il = strlen(item), len = n * (il + 1) + 2;
	char *b = malloc(len + 1), *p = b;

	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		memcpy(p, item, il);
		p += il;
		*p++ = i + 1 < n ? ',' : ']';
	}
	*p++ = '\n';
	*p = '\0';
	return b;
}

/* Sends a batch of n items, reads its reply: checks that it stays under
 * CTL_MAX_REPLY and one item, that it comes quickly, that the first item
 * ran and the last was refused with the reason. */
static void batch_case(struct server *t, const char *name, const char *item, size_t n)
{
	static const char refusal[] = "{\"ok\":false,\"error\":\"not run: the reply to this batch "
				      "passed 16777216 bytes (CTL_MAX_REPLY); send the rest in another batch\"}]";
	char *req = batch_of(item, n), *l = NULL;
	const char *why = "connect";
	struct conn c;
	double t0;
	size_t len;

	CASE_BEGIN(name);
	CHECK(strlen(req) <= CTL_MAX_LINE, "request of %zu bytes", strlen(req));
	t0 = now_s();
	if (!conn_open(&c, t->path) && !conn_send(&c, req))
		l = conn_line(&c, 20000, &why);
	len = l ? strlen(l) : 0;
	CHECK(l, "no reply: %s", why);
	CHECK(len < CTL_MAX_REPLY + (n + 1) * (sizeof(refusal) + 1) + (64u << 10),
	      "reply of %zu bytes", len);
	CHECK(l && !strncmp(l, "[{\"ok\":true,", 12), "first item: %.60s", l ? l : "");
	CHECK(len > sizeof(refusal) && !strcmp(l + len - (sizeof(refusal) - 1), refusal),
	      "last item: %.200s", len > 200 ? l + len - 200 : (l ? l : ""));
	CHECK(now_s() - t0 < 5.0, "took %.2f s", now_s() - t0);
	EXPECT(&c, "{\"command\":\"echo\",\"args\":{\"after\":1}}", "{\"ok\":true,\"result\":{\"after\":1}}");
	free(l);
	free(req);
	conn_close(&c);
	CASE_END();
}

static void t_batch(struct server *t)
{
	batch_case(t, "a batch of 40000 session.list: reply bounded, later items refused, quickly",
		   "{\"command\":\"session.list\"}", 40000);
	batch_case(t, "a batch of 100000 status: reply bounded, later items refused, quickly",
		   "{\"command\":\"status\"}", 100000);
}

/* ---- idle clients ----------------------------------------------------------- */

static void fd_limit(unsigned need)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* An echo on a new connection within ms: whether it was served. */
static bool served_within(const char *path, int ms)
{
	double end = now_s() + ms / 1000.0;
	bool ok = false;

	while (!ok && now_s() < end) {
		const char *why;
		struct conn c;
		char *l = NULL;

		if (!conn_open(&c, path) && !conn_send(&c, "{\"command\":\"echo\"}\n"))
			l = conn_line(&c, 1000, &why);
		ok = l && !strcmp(l, "{\"ok\":true,\"result\":{}}");
		free(l);
		conn_close(&c);
		if (!ok)
			usleep(100000);
	}
	return ok;
}

static void t_idle_slots(struct server *t)
{
	static struct conn c[CTL_MAX_CLIENTS + 1];
	int n, told = 0, closed = 0;
	struct conn keep;
	double t0;

	fd_limit(2 * CTL_MAX_CLIENTS + 64);
	CASE_BEGIN("CTL_MAX_CLIENTS idle clients: a new one is told why, then served once they time out");
	for (n = 0; n < CTL_MAX_CLIENTS && !conn_open(&c[n], t->path); n++)
		;
	CHECK(n == CTL_MAX_CLIENTS, "only %d clients connected", n);
	CHECK(!conn_open(&c[n], t->path), "connect one more");
	EXPECT_LINE(&c[n], WAIT_MS, "{\"ok\":false,\"error\":\"too many control clients (256); "
		    "retry in a few seconds (idle clients are closed after 0.5 s)\"}");
	CHECK(conn_closed(&c[n], WAIT_MS), "surplus client still open");
	conn_close(&c[n]);
	t0 = now_s();
	CHECK(served_within(t->path, TEST_IDLE_MS + 2 * CTL_SWEEP_MS + 2000),
	      "no client served %.1f s after the idle ones' timeout", now_s() - t0);
	for (int i = 0; i < n; i++) { /* all within WAIT_MS when they were told */
		int ms = told == i ? WAIT_MS : 1;
		const char *why;
		char *l = conn_line(&c[i], ms, &why);

		told += l && !strcmp(l, "{\"ok\":false,\"error\":\"idle for 0.5 s: connection closed "
				     "(send a blank line to keep it open)\"}");
		closed += conn_closed(&c[i], ms);
		free(l);
		conn_close(&c[i]);
	}
	CHECK(told == n && closed == n, "%d of %d idle clients told why, %d closed", told, n, closed);
	CASE_END();

	CASE_BEGIN("a blank line now and then keeps an idle connection open");
	CHECK(!conn_open(&keep, t->path), "connect");
	for (int i = 0; i < 10; i++) { /* 2 s: four idle timeouts */
		CHECK(!conn_send(&keep, "\n"), "send a blank line");
		usleep(200000);
	}
	EXPECT(&keep, "{\"command\":\"echo\",\"args\":{\"k\":1}}", "{\"ok\":true,\"result\":{\"k\":1}}");
	conn_close(&keep);
	CASE_END();
}

/* ---- main ------------------------------------------------------------------- */

int main(void)
{
	static struct server t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char err[256];
	pthread_t th;

	if (fixture_setup())
		return 1;
	snprintf(t.path, sizeof(t.path), "%s/ctl.sock", tmpdir);
	t.loop = loop_new();
	t.ctl = ctl_server_new(t.loop, t.path, NULL, test_cmds, &t, err, sizeof(err));
	if (!t.ctl) {
		printf("FAIL: setup: ctl_server_new: %s\n", err);
		return 1;
	}
	pthread_create(&th, NULL, loop_thread, t.loop);

	t_batch(&t);
	t.ctl->idle_ms = TEST_IDLE_MS; /* the loop reads it at its next sweep */
	t_idle_slots(&t);

	CASE_BEGIN("server: stops on request");
	CHECK(!server_stop(&t, th), "the server did not stop on request");
	CASE_END();

	fixture_cleanup();
	CHECK_EXIT();
}
