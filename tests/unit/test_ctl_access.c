// SPDX-License-Identifier: GPL-2.0
/*
 * test_ctl_access.c - who may use the control socket (daemon/ctl/
 * ctl_access.c): with a read-only group the socket is mode 0666 and the
 * server decides by the client's credentials; members of control_group
 * (as primary or supplementary group) run everything, members of
 * control_ro_group only the read-only commands, anyone else is told why
 * and closed; changing commands are logged with the client's uid and pid.
 * Clients of other users are forked children that drop to uid 65534
 * (nobody) with the groups each case needs, so the test needs root.
 * Groups used: users (control_group), nogroup (control_ro_group), staff
 * (neither), all in Debian's base-passwd.
 */
#include "ctl_fixture.h"
#include "ctl/ctl_int.h"
#include "core/config.h"

#include <grp.h>
#include <sys/wait.h>

#define NOBODY 65534

static gid_t gid_of(const char *name)
{
	struct group *gr = getgrnam(name);

	return gr ? gr->gr_gid : (gid_t)-1;
}

/*
 * Sends the request lines reqs (each ending in \n) to the socket at path as
 * uid NOBODY with primary group gid and the supplementary groups (n of
 * them), from a child process; returns the reply lines, each ending in
 * \n, then "EOF" when the server closed (malloc'd), or NULL.
 */
static char *as_nobody(const char *path, gid_t gid, const gid_t *groups, int n, const char *reqs)
{
	char *out = calloc(1, 65536);
	int p[2], st;
	size_t len = 0;
	ssize_t k;
	pid_t pid;

	if (!out || pipe(p))
		return out;
	pid = fork();
	if (pid == 0) {
		struct conn c;
		const char *why;
		char *l;
		int nreq = 0;

		close(p[0]);
		if (setgroups((size_t)n, groups) || setgid(gid) || setuid(NOBODY))
			_exit(3);
		for (const char *r = reqs; *r; r++)
			nreq += *r == '\n';
		if (conn_open(&c, path)) {
			dprintf(p[1], "connect: %s\n", strerror(errno));
			_exit(0);
		}
		conn_send(&c, reqs); /* may fail when turned away: the reply says why */
		for (int i = 0; i < nreq && (l = conn_line(&c, WAIT_MS, &why)); i++) {
			dprintf(p[1], "%s\n", l);
			free(l);
		}
		if (conn_closed(&c, 200))
			dprintf(p[1], "EOF");
		_exit(0);
	}
	close(p[1]);
	while (pid > 0 && (k = read(p[0], out + len, 65535 - len)) > 0)
		len += (size_t)k;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	return out;
}

#define STATUS "{\"command\":\"status\"}\n"
#define ADD "{\"command\":\"session.add\",\"args\":{\"a\":1}}\n"
#define STATUS_OK "{\"ok\":true,\"result\":{\"version\":\"0.1-test\""
#define ADD_OK "{\"ok\":true,\"result\":{\"id\":\"s-1\""

static void t_groups(struct server *t)
{
	gid_t users = gid_of("users"), nogroup = gid_of("nogroup"), staff = gid_of("staff");
	char *r;

	CASE_BEGIN("access: control_ro_group runs read-only commands; changing ones refused, saying why");
	r = as_nobody(t->path, nogroup, NULL, 0,
		      STATUS ADD "[{\"command\":\"session.list\"},{\"command\":\"session.del\",\"args\":{\"id\":\"s-1\"}}]\n");
	CHECK(r && !strncmp(r, STATUS_OK, strlen(STATUS_OK)), "status: %.200s", r);
	CHECK(r && strstr(r, "\n{\"ok\":false,\"error\":\"permission denied: session.add changes the relay; "
			  "uid 65534 is in control_ro_group \\\"nogroup\\\" only, which may run status, "
			  "stats, session.show, session.list\"}\n"), "session.add: %.600s", r);
	CHECK(r && strstr(r, "\n[{\"ok\":true,\"result\":{\"sessions\":[") &&
	      strstr(r, "]}},{\"ok\":false,\"error\":\"permission denied: session.del changes the relay; "),
	      "batch: %.900s", r);
	CHECK(r && !strstr(r, "EOF"), "closed: %.900s", r);
	free(r);
	CASE_END();

	CASE_BEGIN("access: control_group, primary or supplementary, runs every command");
	r = as_nobody(t->path, nogroup, &users, 1, STATUS ADD);
	CHECK(r && !strncmp(r, STATUS_OK, strlen(STATUS_OK)) && strstr(r, "\n" ADD_OK),
	      "supplementary users: %.300s", r);
	free(r);
	r = as_nobody(t->path, users, NULL, 0, ADD);
	CHECK(r && !strncmp(r, ADD_OK, strlen(ADD_OK)), "primary users: %.300s", r);
	free(r);
	CASE_END();

	CASE_BEGIN("access: a client in neither group is told why at once and closed");
	r = as_nobody(t->path, staff, NULL, 0, STATUS);
	CHECK(r && !strcmp(r, "{\"ok\":false,\"error\":\"permission denied: uid 65534 is neither root nor "
			   "in control_group \\\"users\\\" or control_ro_group \\\"nogroup\\\"\"}\nEOF"),
	      "got %.300s", r);
	free(r);
	CHECK(log_has("ctl: control client refused (uid 65534, pid "), "no log line for the refusal");
	CASE_END();
}

static void t_log(struct server *t)
{
	char want[128];
	struct conn c;

	CASE_BEGIN("access: changing commands are logged with uid and pid, read-only ones without");
	CHECK(!conn_open(&c, t->path), "connect");
	EXPECT(&c, "{\"command\":\"reload\"}", "{\"ok\":true}");
	EXPECT(&c, "{\"command\":\"stats\"}", "{\"ok\":true,\"result\":" "{\"sessions_active\":2,\"calls_active\":0,\"ports_free\":9996,"
	       "\"packets\":{\"xdp\":120,\"userspace\":118,\"srtp\":0},"
	       "\"bytes\":{\"xdp\":20640,\"userspace\":20296,\"srtp\":0},\"userspace_drops\":3,"
	       "\"xdp_verdicts\":[{\"verdict\":\"tx\",\"reason\":\"forwarded\",\"packets\":120,"
	       "\"bytes\":20640},{\"verdict\":\"pass\",\"reason\":\"not_rtp\",\"packets\":5,"
	       "\"bytes\":300}]}}");
	CHECK(!conn_send(&c, "[{\"command\":\"stats\"},{\"command\":\"fail\"}]\n[{\"command\":\"stats\"}]\n"),
	      "send");
	free(conn_line(&c, WAIT_MS, &(const char *){ 0 }));
	free(conn_line(&c, WAIT_MS, &(const char *){ 0 }));
	conn_close(&c);
	snprintf(want, sizeof(want), "ctl: reload ok (uid 0, pid %d)\n", (int)getpid());
	CHECK(log_has(want), "no \"%s\"", want);
	CHECK(log_has("ctl: stats ok\n"), "no \"ctl: stats ok\" alone");
	snprintf(want, sizeof(want), "ctl: batch of 2: 1 ok, 1 refused (uid 0, pid %d)\n", (int)getpid());
	CHECK(log_has(want), "no \"%s\"", want);
	CHECK(log_has("ctl: batch of 1: 1 ok, 0 refused\n"), "read-only batch logged with uid");
	CHECK(log_has("ctl: session.add refused: permission denied: session.add changes the relay; uid 65534 is in control_ro_group \"nogroup\" only, which may run status, stats, session.show, session.list (uid 65534, pid "),
	      "no refusal line with uid 65534");
	CASE_END();
}

/* A server of its own: the socket's mode, and the groups' checks at start. */
static void t_socket(void)
{
	struct loop *l = loop_new();
	char path[PATH_MAX], err[256];
	struct ctl_server *s;
	struct stat st;
	char *r;

	CASE_BEGIN("access: without control_ro_group, mode 0660 and the kernel decides");
	snprintf(path, sizeof(path), "%s/rw.sock", tmpdir);
	s = ctl_server_new(l, path, &(struct ctl_access){ .group = "users" }, test_cmds, NULL, err,
			   sizeof(err));
	CHECK(s, "server: %s", err);
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0660 && st.st_gid == gid_of("users"),
	      "mode %o gid %u", st.st_mode & 07777, st.st_gid);
	r = as_nobody(path, gid_of("staff"), NULL, 0, STATUS);
	CHECK(r && !strncmp(r, "connect: Permission denied", 26), "staff: %.200s", r);
	free(r);
	ctl_server_free(s);
	CASE_END();

	CASE_BEGIN("access: an unknown control_ro_group, or one that is control_group, is refused");
	CHECK(!ctl_server_new(l, path, &(struct ctl_access){ .ro_group = "rtpedge-no-such-group" },
			      test_cmds, NULL, err, sizeof(err)), "unknown group accepted");
	CHECK(!strcmp(err, "control_ro_group \"rtpedge-no-such-group\" does not exist; create it (groupadd rtpedge-no-such-group) or leave control_ro_group empty"),
	      "err: %s", err);
	CHECK(access(path, F_OK), "socket made despite the bad group");
	{
		struct rtpe_cfg *cfg = calloc(1, sizeof(*cfg));

		CHECK(cfg && config_parse_string("t.conf", "[relay]\ncontrol_group = users\ncontrol_ro_group = users\n"
						 "[interface a]\ndevice = lo\naddress = 127.0.0.1\n", cfg, err, sizeof(err)),
		      "same group accepted");
		CHECK(!strcmp(err, "t.conf:3: control_ro_group \"users\" is control_group too: its members would run every command; name a group of read-only users"),
		      "err: %s", err);
		CHECK(cfg && !config_parse_string("t.conf", "[relay]\ncontrol_ro_group = nogroup\n"
						  "[interface a]\ndevice = lo\naddress = 127.0.0.1\n", cfg, err, sizeof(err)) &&
		      !strcmp(cfg->control_ro_group, "nogroup"), "control_ro_group: %s", err);
		free(cfg);
	}
	CASE_END();
	loop_free(l);
}

int main(void)
{
	static struct server t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char err[256];
	struct stat st;
	pthread_t th;

	if (geteuid()) {
		CASE_SKIP("access: clients of other users", "needs root (setuid to nobody)");
		return 0;
	}
	if (gid_of("users") == (gid_t)-1 || gid_of("nogroup") == (gid_t)-1 ||
	    gid_of("staff") == (gid_t)-1) {
		CASE_SKIP("access: clients of other users", "groups users, nogroup, staff needed");
		return 0;
	}
	if (fixture_setup())
		return 1;
	chmod(tmpdir, 0711); /* nobody reaches the sockets in it */
	snprintf(t.path, sizeof(t.path), "%s/ctl.sock", tmpdir);
	t.loop = loop_new();
	CASE_BEGIN("access: with control_ro_group the socket is mode 0666, group control_group");
	t.ctl = ctl_server_new(t.loop, t.path,
			       &(struct ctl_access){ .group = "users", .ro_group = "nogroup" },
			       test_cmds, &t, err, sizeof(err));
	CHECK(t.ctl, "ctl_server_new: %s", err);
	CHECK(!stat(t.path, &st) && (st.st_mode & 07777) == 0666 && st.st_gid == gid_of("users"),
	      "mode %o gid %u", st.st_mode & 07777, st.st_gid);
	CASE_END();
	if (!t.ctl)
		CHECK_EXIT();
	pthread_create(&th, NULL, loop_thread, t.loop);

	t_groups(&t);
	t_log(&t);
	t_socket();

	CASE_BEGIN("access: root stops the server");
	CHECK(!server_stop(&t, th), "the server did not stop on request");
	CASE_END();

	fixture_cleanup();
	CHECK_EXIT();
}
