// SPDX-License-Identifier: GPL-2.0
/*
 * test_ctl_limits.c - what one control client can take from the others:
 * a batch whose reply would grow without end (its later items are refused
 * once the reply passes CTL_MAX_REPLY, so memory stays bounded). The protocol itself is
 * test_ctl.c's; ctl_fixture.h is the shared server and client.
 */
#include "ctl_fixture.h"
#include "ctl/ctl_int.h"


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

/* ---- main ------------------------------------------------------------------- */

int main(void)
{
	static struct server t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct conn c;
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

	CASE_BEGIN("server: stops on request");
	CHECK(!conn_open(&c, t.path), "connect");
	EXPECT(&c, "{\"command\":\"stop\"}", "{\"ok\":true}");
	conn_close(&c);
	pthread_join(th, NULL);
	ctl_server_free(t.ctl);
	loop_free(t.loop);
	CASE_END();

	fixture_cleanup();
	CHECK_EXIT();
}
