// SPDX-License-Identifier: GPL-2.0
/*
 * test_state_restore.c - a start from a damaged state file (daemon/state/,
 * xdp_mode off: the file is the only record), the daemon of
 * tests/unit/state_fixture.h started in a child process per case so that
 * a crash is a FAIL line, not the end of the program.
 *
 * Every value is checked for its type and range: a record with a wrong one
 * is skipped and the sessions around it come back; a file that is not the
 * format at all restores nothing. Either way the daemon starts, keeps the
 * file as FILE.bad-<unix time> (a log line names it), writes a new file at
 * once, and numbers new sessions above every id the file held, never 0.
 * A valid file is not set aside.
 */
#include "state_fixture.h"

#include <glob.h>
#include <sys/wait.h>

/* s-1 and s-3: valid records, ports 20000 and 20004. */
#define LEG(ifc, addr, port, peer) \
	"{\"interface\":\"" ifc "\",\"local\":\"" addr ":" port "\",\"peer\":\"" peer \
	"\",\"peer_rtcp_port\":10001,\"path\":\"userspace\",\"slot\":4294967295," \
	"\"packets\":5,\"bytes\":500,\"drops\":0,\"rtcp_packets\":1}"
#define REC(id, port, hold) \
	"{\"id\":" id ",\"created_unix_ms\":1700000000000,\"hold\":" hold ",\"legs\":[" \
	LEG("lo", "127.0.0.1", port, "127.0.0.5:10000") "," \
	LEG("lo2", "127.0.0.2", port, "127.0.0.6:10000") "]}"
#define GOOD1 REC("1", "20000", "true")
#define GOOD3 REC("3", "20004", "false")
/* s-2 with one field replaced: its legs as GOOD's with port 20002. */
#define LEG2(extra) \
	"{\"interface\":\"lo\",\"local\":\"127.0.0.1:20002\",\"peer\":\"127.0.0.5:10002\"," \
	"\"path\":\"userspace\"" extra "}"
#define LEG2B "{\"interface\":\"lo2\",\"local\":\"127.0.0.2:20002\",\"peer\":\"127.0.0.6:10002\"," \
	"\"path\":\"userspace\"}"
#define REC2(extra, legs) "{\"id\":2" extra ",\"legs\":" legs "}"
#define REC2L(legextra) REC2("", "[" LEG2(legextra) "," LEG2B "]")

/* An SRTP leg's object, its keys (RFC 4568 4 and 9.1's). */
#define SRTP(inner) "\"srtp\":{" inner "}"
#define K1 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define K2 "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"
#define KEYS(suite, in, out) "\"suite\":\"" suite "\",\"in_key\":\"" in "\",\"out_key\":\"" out "\""

struct file_case {
	const char *name;
	const char *text;     /* the whole file */
	bool bad;             /* to be set aside */
	int restored;         /* sessions expected back: -1 for s-1 and s-3 */
	uint32_t next_min;    /* next_id at least this */
	bool link;            /* FILE is a symbolic link to a file of that text */
};

#define FILE3(head, mid) "{\"version\":1" head ",\"sessions\":[\n" GOOD1 ",\n" mid ",\n" GOOD3 "\n]}\n"
#define BADREC(name, rec) { name, FILE3(",\"next_id\":4", rec), true, -1, 4, false }

static const struct file_case cases[] = {
	{ "a valid file: every session, not set aside", FILE3(",\"next_id\":4", REC2L("")), false, 3, 4, false },
	BADREC("legs a string", REC2("", "\"x\"")),
	BADREC("legs an object", REC2("", "{\"a\":1}")),
	BADREC("legs of numbers", REC2("", "[1,2]")),
	BADREC("three legs", REC2("", "[" LEG2B "," LEG2B "," LEG2B "]")),
	BADREC("no legs", REC2("", "[]")),
	BADREC("a session that is a number", "5"),
	BADREC("a session that is null", "null"),
	BADREC("a session that is an array", "[1]"),
	BADREC("id a string", "{\"id\":\"2\",\"legs\":[" LEG2("") "," LEG2B "]}"),
	BADREC("id negative", "{\"id\":-2,\"legs\":[" LEG2("") "," LEG2B "]}"),
	BADREC("id 0", "{\"id\":0,\"legs\":[" LEG2("") "," LEG2B "]}"),
	BADREC("id 2^32 + 1 (s-1 again, truncated)", "{\"id\":4294967297,\"legs\":[" LEG2("") "," LEG2B "]}"),
	BADREC("id 2^32 - 1 (no next_id above it)", "{\"id\":4294967295,\"legs\":[" LEG2("") "," LEG2B "]}"),
	BADREC("id a fraction", "{\"id\":2.5,\"legs\":[" LEG2("") "," LEG2B "]}"),
	BADREC("id twice (s-1)", "{\"id\":1,\"legs\":[" LEG2("") "," LEG2B "]}"),
	BADREC("hold a string", REC2(",\"hold\":\"yes\"", "[" LEG2("") "," LEG2B "]")),
	BADREC("created_unix_ms a string", REC2(",\"created_unix_ms\":\"x\"", "[" LEG2("") "," LEG2B "]")),
	BADREC("created_unix_ms hugely negative",
	       REC2(",\"created_unix_ms\":-9223372036854775808", "[" LEG2("") "," LEG2B "]")),
	BADREC("created_unix_ms a double", REC2(",\"created_unix_ms\":1e300", "[" LEG2("") "," LEG2B "]")),
	BADREC("peer_rtcp_port 70000", REC2L(",\"peer_rtcp_port\":70000")),
	BADREC("peer_rtcp_port negative", REC2L(",\"peer_rtcp_port\":-1")),
	BADREC("slot negative", REC2L(",\"slot\":-1")),
	BADREC("slot 2^32", REC2L(",\"slot\":4294967296")),
	BADREC("slot a string", REC2L(",\"slot\":\"0\"")),
	BADREC("packets negative", REC2L(",\"packets\":-5")),
	BADREC("bytes a string", REC2L(",\"bytes\":\"1\"")),
	BADREC("interface a number",
	       REC2("", "[{\"interface\":5,\"local\":\"127.0.0.1:20002\",\"peer\":\"127.0.0.5:10002\","
		    "\"path\":\"userspace\"}," LEG2B "]")),
	BADREC("local a number",
	       REC2("", "[{\"interface\":\"lo\",\"local\":20002,\"peer\":\"127.0.0.5:10002\","
		    "\"path\":\"userspace\"}," LEG2B "]")),
	BADREC("local port odd",
	       REC2("", "[{\"interface\":\"lo\",\"local\":\"127.0.0.1:20003\",\"peer\":\"127.0.0.5:10002\","
		    "\"path\":\"userspace\"}," LEG2B "]")),
	BADREC("peer no endpoint",
	       REC2("", "[{\"interface\":\"lo\",\"local\":\"127.0.0.1:20002\",\"peer\":\"x\","
		    "\"path\":\"userspace\"}," LEG2B "]")),
	BADREC("path unknown",
	       REC2("", "[{\"interface\":\"lo\",\"local\":\"127.0.0.1:20002\",\"peer\":\"127.0.0.5:10002\","
		    "\"path\":\"warp\"}," LEG2B "]")),
	BADREC("a leg that is a string", REC2("", "[\"x\"," LEG2B "]")),
	{ "an SRTP leg with its keys, clock, rtcp-mux and restart state: every session",
	  FILE3(",\"next_id\":4", REC2L(",\"clock_rate\":48000,\"rtcp_mux\":true," SRTP(
		  "\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"in_key\":\"" K1 "|2^20|1:4\","
		  "\"out_key\":\"" K2 "\",\"failures\":{\"auth\":1,\"replay\":2,\"other\":3},"
		  "\"in\":{\"used\":5,\"ssrc\":1234,\"roc\":1},\"out\":{\"used\":6,\"ssrc\":99,"
		  "\"roc\":2,\"rtcp_ssrc\":99,\"rtcp_sent\":70}"))), false, 3, 4, false },
	BADREC("srtp a string", REC2L(",\"srtp\":\"x\"")),
	BADREC("srtp suite unknown", REC2L("," SRTP(KEYS("AES_CM_128_HMAC_SHA1_81", K1, K2)))),
	BADREC("srtp in_key short", REC2L("," SRTP(KEYS("AES_CM_128_HMAC_SHA1_80", "PS1uQCVe", K2)))),
	BADREC("srtp out_key of another suite", REC2L("," SRTP(KEYS("AEAD_AES_128_GCM", K1, K2)))),
	BADREC("srtp in_key a number", REC2L("," SRTP("\"suite\":\"AES_CM_128_HMAC_SHA1_80\","
						   "\"in_key\":5,\"out_key\":\"" K2 "\""))),
	BADREC("srtp roc without ssrc", REC2L("," SRTP(KEYS("AES_CM_128_HMAC_SHA1_80", K1, K2)
						     ",\"in\":{\"roc\":1}"))),
	BADREC("srtp roc 2^32", REC2L("," SRTP(KEYS("AES_CM_128_HMAC_SHA1_80", K1, K2)
					     ",\"in\":{\"ssrc\":1,\"roc\":4294967296}"))),
	BADREC("srtp rtcp_sent 2^21", REC2L("," SRTP(KEYS("AES_CM_128_HMAC_SHA1_80", K1, K2)
						   ",\"out\":{\"rtcp_ssrc\":1,\"rtcp_sent\":2097152}"))),
	BADREC("srtp used past 2^48", REC2L("," SRTP(KEYS("AES_CM_128_HMAC_SHA1_80", K1, K2)
						   ",\"out\":{\"used\":281474976710657}"))),
	BADREC("srtp failures a string", REC2L("," SRTP(KEYS("AES_CM_128_HMAC_SHA1_80", K1, K2)
						       ",\"failures\":\"x\""))),
	BADREC("clock_rate 0", REC2L(",\"clock_rate\":0")),
	BADREC("clock_rate a string", REC2L(",\"clock_rate\":\"8000\"")),
	BADREC("rtcp_mux a string", REC2L(",\"rtcp_mux\":\"yes\"")),
	BADREC("path srtp without keys",
	       REC2("", "[{\"interface\":\"lo\",\"local\":\"127.0.0.1:20002\",\"peer\":\"127.0.0.5:10002\","
		    "\"path\":\"srtp\"}," LEG2B "]")),
	{ "next_id -1", FILE3(",\"next_id\":-1", REC2L("")), true, 3, 4, false },
	{ "next_id 0", FILE3(",\"next_id\":0", REC2L("")), true, 3, 4, false },
	{ "next_id 2^32 (0 once truncated)", FILE3(",\"next_id\":4294967296", REC2L("")), true, 3, 4, false },
	{ "next_id a string", FILE3(",\"next_id\":\"9\"", REC2L("")), true, 3, 4, false },
	{ "next_id behind the ids", FILE3(",\"next_id\":2", REC2L("")), false, 3, 4, false },
	{ "next_id 2^32 - 1 (valid: new ids wrap past the restored ones)",
	  FILE3(",\"next_id\":4294967295", REC2L("")), false, 3, 4, false },
	{ "not JSON", "{\"version\":1,\"next_id\":4,\"sessions\":[\n" GOOD1 ",\n", true, 0, 1, false },
	{ "empty", "", true, 0, 1, false },
	{ "a JSON array", "[" GOOD1 "]", true, 0, 1, false },
	{ "sessions an object", "{\"version\":1,\"next_id\":4,\"sessions\":{\"1\":" GOOD1 "}}", true, 0, 1, false },
	{ "sessions a string", "{\"version\":1,\"next_id\":4,\"sessions\":\"x\"}", true, 0, 1, false },
	{ "version 2", "{\"version\":2,\"next_id\":4,\"sessions\":[" GOOD1 "]}", true, 0, 1, false },
	{ "version a string", "{\"version\":\"1\",\"next_id\":4,\"sessions\":[" GOOD1 "]}", true, 0, 1, false },
	{ "a symbolic link to a valid file: not followed", FILE3(",\"next_id\":4", REC2L("")), true, 0,
	  1, true },
};

static char log_path[300], target_path[300];

static int count_bad_files(char *first, size_t len)
{
	char pat[320];
	glob_t g;
	int n;

	snprintf(pat, sizeof(pat), "%s.bad-*", state_path);
	if (glob(pat, 0, NULL, &g))
		return 0;
	n = (int)g.gl_pathc;
	if (first && n)
		snprintf(first, len, "%s", g.gl_pathv[0]);
	globfree(&g);
	return n;
}

static void clean_dir(void)
{
	char pat[320];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/state/*", dir);
	if (!glob(pat, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	snprintf(pat, sizeof(pat), "%s/ctl.sock", dir);
	unlink(pat);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int count_id(uint32_t id)
{
	int n = 0;

	for (struct session *s = R.m.first; s; s = s->next)
		n += s->id == id;
	return n;
}

/* The checks of one case, in the child that started the daemon. */
static void check_file_case(const struct file_case *c)
{
	char bad[400] = "", *log, *kept, *now;
	uint32_t max_id = 0, id;
	int n_bad = count_bad_files(bad, sizeof(bad));

	for (struct session *s = R.m.first; s; s = s->next)
		max_id = s->id > max_id ? s->id : max_id;
	if (c->restored < 0) {
		CHECK(R.m.n_sessions == 2 && session_find(&R.m, 1) && session_find(&R.m, 3),
		      "%u sessions back, expected s-1 and s-3", R.m.n_sessions);
		CHECK(session_find(&R.m, 1) && session_find(&R.m, 1)->hold, "s-1 is on hold");
	} else {
		CHECK(R.m.n_sessions == (uint32_t)c->restored, "%u sessions back, expected %d",
		      R.m.n_sessions, c->restored);
	}
	CHECK(R.m.next_id >= c->next_min && R.m.next_id > max_id,
	      "next_id %u (sessions up to s-%u)", R.m.next_id, max_id);
	for (int k = 0; k < 2; k++) {
		uint32_t was = R.m.n_sessions;

		id = add_one(&R);
		CHECK(id >= c->next_min && R.m.n_sessions == was + 1 && count_id(id) == 1,
		      "new session %d is s-%u (%d of that id; restored up to s-%u)", k, id,
		      count_id(id), max_id);
	}
	log = slurp(log_path);
	if (c->bad) {
		kept = n_bad ? slurp(bad) : NULL;
		CHECK(n_bad == 1, "%d files %s.bad-*, expected 1", n_bad, state_path);
		CHECK(kept && !strcmp(kept, c->text), "the file set aside is not the damaged file");
		CHECK(log && bad[0] && strstr(log, bad), "no log line names %s: %s", bad, log);
		now = slurp(state_path);
		CHECK(now && strstr(now, "\"version\":1"), "the new file is not written at once");
		free(now);
		now = c->link ? slurp(target_path) : NULL;
		CHECK(!c->link || (now && !strcmp(now, c->text)), "the link's target changed");
		free(now);
		free(kept);
	} else {
		CHECK(n_bad == 0, "a valid file was set aside (%s): %s", bad, log);
	}
	free(log);
}

/* One case in a child: the file, a start, the checks; a crash is a FAIL. */
static void run_case(const struct file_case *c)
{
	char err[512];
	int status, fd;
	pid_t pid;

	clean_dir();
	unlink(target_path);
	if (c->link) {
		write_text(target_path, c->text);
		CHECK(!symlink(target_path, state_path), "symlink: %s", strerror(errno));
	} else {
		write_text(state_path, c->text);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		CASE_BEGIN(c->name);
		fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		dup2(fd, 2);
		close(fd);
		if (daemon_up(&R, err, sizeof(err)))
			CHECK(0, "the daemon does not start: %s", err);
		else
			check_file_case(c);
		CASE_END();
		if (R.loop)
			daemon_finish(&R);
		fflush(stdout);
		_exit(check_failures ? 1 : 0);
	}
	CASE_BEGIN(c->name);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		CHECK(0, "fork: %s", strerror(errno));
	} else if (WIFSIGNALED(status)) {
		CHECK(0, "the daemon died of signal %d (%s) at start", WTERMSIG(status),
		      strsignal(WTERMSIG(status)));
	} else {
		check_failures += WEXITSTATUS(status) != 0;
		return; /* the child printed the case */
	}
	CASE_END();
}

int main(void)
{
	log_setup(true, LOG_LVL_WARN);
	if (geteuid() || private_netns_dir(dir)) {
		CASE_SKIP("start from a damaged state file", "needs root (network namespace)");
		CHECK_EXIT();
	}
	snprintf(state_path, sizeof(state_path), "%s/state/state.json", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	snprintf(target_path, sizeof(target_path), "%s/target.json", dir);
	snprintf(tmp_path, sizeof(tmp_path), "%s/state", dir);
	mkdir(tmp_path, 0700);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	bed_down();
	CHECK_EXIT();
}
