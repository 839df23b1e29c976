// SPDX-License-Identifier: GPL-2.0
/*
 * test_ctl_reply.c - what the control socket writes back: the reply writer
 * (jbuf.h), checked against json-c's own output, escapes and limits
 * included; and the daemon's session.add and session.del replies, brief
 * and full, against build/rtpedged run with xdp_mode off in a network
 * namespace of its own. Exact bytes everywhere.
 */
#include "ctl_fixture.h"
#include "ctl/ctl_int.h"
#include "netns_fixture.h"

#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

/* ---- the reply writer ------------------------------------------------------ */

static const char esc_str[] = "q\"b\\s/\x01\x1f\b\f\n\r\t\x7f \xc3\xa9\0z";

/* Values whose text is easy to get wrong: escapes, an inner NUL, integer
 * limits, doubles, empty containers, a key that needs escaping. */
static int h_values(void *ctx, struct json_object *args, struct json_object **res, char *err,
		    size_t errlen)
{
	struct json_object *o = json_object_new_object(), *d = json_object_new_array();
	static const double dv[] = { 0.0, 1.25, 0.1, 1e300, -2.0 };

	json_object_object_add(o, "s", json_object_new_string_len(esc_str, sizeof(esc_str) - 1));
	json_object_object_add(o, "i", json_object_new_int64(INT64_MIN));
	json_object_object_add(o, "m", json_object_new_int64(INT64_MAX));
	json_object_object_add(o, "u", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(o, "n", json_object_new_int(-1));
	for (size_t i = 0; i < sizeof(dv) / sizeof(dv[0]); i++)
		json_object_array_add(d, json_object_new_double(dv[i]));
	json_object_object_add(o, "d", d);
	json_object_object_add(o, "b", json_object_new_boolean(1));
	json_object_object_add(o, "f", json_object_new_boolean(0));
	json_object_object_add(o, "z", NULL);
	json_object_object_add(o, "e", json_object_new_object());
	json_object_object_add(o, "a", json_object_new_array());
	json_object_object_add(o, "k\"ey", json_object_new_int(1));
	*res = o;
	return 0;
}

#define RAW_TXT "{\"id\":\"s-7\",\"legs\":[{\"local\":\"203.0.113.5:40000\"}]}"

static int h_raw(void *ctx, struct json_object *args, struct json_object **res, char *err,
		 size_t errlen)
{
	*res = jbuf_raw_new(RAW_TXT, sizeof(RAW_TXT) - 1);
	return *res ? 0 : -ENOMEM;
}

/* A refusal naming something long enough to be cut inside a character. */
static int h_longerr(void *ctx, struct json_object *args, struct json_object **res, char *err,
		     size_t errlen)
{
	char name[601] = "";

	for (int i = 0; i < 300; i++)
		strcat(name, "\xc3\xa9");
	snprintf(err, errlen, "%s", name);
	return -1;
}

/* The reply line ctl_handle writes for req, NUL-terminated (free it). */
static char *handled(struct ctl_server *s, const char *req)
{
	struct jbuf b = { 0 };

	ctl_handle(s, NULL, req, strlen(req), &b);
	jbuf_mem(&b, "", 1);
	return b.oom ? NULL : b.p;
}

#define ESC_JSON "\"s\":\"q\\\"b\\\\s/\\u0001\\u001f\\b\\f\\n\\r\\t\x7f \xc3\xa9\\u0000z\""

static void t_writer(void)
{
	static const struct ctl_command cmds[] = { { "values", h_values, true },
						   { "raw", h_raw, true },
						   { "longerr", h_longerr, true },
						   { NULL, NULL, false } };
	struct loop *l = loop_new();
	struct json_object *tree = NULL, *j;
	struct jbuf b = { 0 };
	struct ctl_server *s;
	char path[PATH_MAX], err[256], want[2048], cut[600] = "", *got;

	snprintf(path, sizeof(path), "%s/writer.sock", tmpdir);
	s = ctl_server_new(l, path, NULL, cmds, NULL, err, sizeof(err));
	CASE_BEGIN("writer: every kind of value as json-c prints it, escapes and limits included");
	CHECK(s, "server: %s", err);
	if (!s)
		goto out;
	h_values(NULL, NULL, &tree, NULL, 0);
	snprintf(want, sizeof(want), "{\"ok\":true,\"result\":%s}\n",
		 json_object_to_json_string_ext(tree, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	got = handled(s, "{\"command\":\"values\"}");
	CHECK(got && !strcmp(got, want), "got %s, json-c %s", got, want);
	CHECK(got && !strcmp(got, "{\"ok\":true,\"result\":{" ESC_JSON ",\"i\":-9223372036854775808,"
		       "\"m\":9223372036854775807,\"u\":18446744073709551615,\"n\":-1,"
		       "\"d\":[0.0,1.25,0.10000000000000001,1.0000000000000001e+300,-2.0],"
		       "\"b\":true,\"f\":false,\"z\":null,\"e\":{},\"a\":[],\"k\\\"ey\":1}}\n"),
	      "got %s", got);
	free(got);
	json_object_put(tree);
	jbuf_double(&b, NAN);
	jbuf_double(&b, -INFINITY);
	jbuf_mem(&b, "", 1);
	CHECK(b.p && !strcmp(b.p, "nullnull"), "NaN, -inf: %s (JSON has no such numbers)", b.p);
	free(b.p);
	CASE_END();

	CASE_BEGIN("writer: a raw result goes out as it is, in batches too; json-c prints it alike");
	got = handled(s, "[{\"command\":\"raw\"},{\"command\":\"raw\"}]");
	CHECK(got && !strcmp(got, "[{\"ok\":true,\"result\":" RAW_TXT "},{\"ok\":true,\"result\":"
		       RAW_TXT "}]\n"), "got %s", got);
	free(got);
	h_raw(NULL, NULL, &tree, NULL, 0);
	CHECK(tree && !strcmp(json_object_to_json_string_ext(tree, JSON_C_TO_STRING_PRETTY), RAW_TXT),
	      "json-c prints %s", json_object_to_json_string(tree));
	json_object_put(tree);
	j = ctl_handle_line(s, "{\"command\":\"raw\"}", 17);
	CHECK(json_object_object_get_ex(j, "result", &tree) &&
	      json_object_object_get_ex(tree, "id", &tree) &&
	      !strcmp(json_object_get_string(tree), "s-7"), "ctl_handle_line: %s",
	      json_object_to_json_string(j));
	json_object_put(j);
	CHECK(!ctl_handle_line(s, " \t", 2), "a blank line has a reply");
	CASE_END();

	CASE_BEGIN("a refusal cut inside a UTF-8 character loses the partial character");
	for (int i = 0; i < 255; i++) /* 511 bytes fit: 255 characters and a half */
		strcat(cut, "\xc3\xa9");
	snprintf(want, sizeof(want), "{\"ok\":false,\"error\":\"%s\"}\n", cut);
	got = handled(s, "{\"command\":\"longerr\"}");
	CHECK(got && !strcmp(got, want), "got %.40s... (%zu bytes), want %zu", got,
	      got ? strlen(got) : 0, strlen(want));
	free(got);
	CASE_END();
out:
	ctl_server_free(s);
	loop_free(l);
}

/* ---- the daemon's session replies ------------------------------------------- */

/* rtpedged ($RTPE_DAEMON, default build/rtpedged) with xdp_mode off on
 * 127.0.0.1 and 127.0.0.2, in a network namespace of its own so that its
 * ports meet nobody else's, connected to c. Its pid, or -1 with why. */
static pid_t daemon_spawn(struct conn *c, const char **why)
{
	const char *bin = getenv("RTPE_DAEMON") ? getenv("RTPE_DAEMON") : "build/rtpedged";
	char conf[PATH_MAX], sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int st = 0;
	pid_t pid;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/d.conf", tmpdir);
	snprintf(sock, sizeof(sock), "%s/d.sock", tmpdir);
	*why = "build/rtpedged is not built (make, and run from the top directory)";
	if (access(bin, X_OK) || !(f = fopen(conf, "w")))
		return -1;
	fprintf(f, "[relay]\ncontrol_socket = %s\nstate_file = %s/d.state\n"
		"metrics_listen = 127.0.0.1:0\nxdp_mode = off\npin_path = %s/bpf\n"
		"port_min = 47000\nport_max = 47099\n"
		"max_sessions = 8\n[interface lo]\ndevice = lo\naddress = 127.0.0.1\n"
		"[interface lo2]\ndevice = lo\naddress = 127.0.0.2\n", sock, tmpdir, tmpdir);
	fclose(f);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) || lo_up())
			_exit(3);
		execl(bin, bin, "-c", conf, "-f", (char *)NULL);
		_exit(4);
	}
	for (int i = 0; pid > 0 && i < 50; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (!conn_open(c, sock))
			return pid;
		conn_close(c);
		usleep(100000);
	}
	*why = WIFEXITED(st) && WEXITSTATUS(st) == 3 ?
		"cannot make a network namespace (needs root)" :
		"rtpedged did not answer within 5 s (its log is daemon.log)";
	if (pid > 0 && !waitpid(pid, &st, WNOHANG)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return -1;
}

#define ADD_ARGS                                                                      \
	"\"iface_a\":\"lo\",\"peer_a\":\"127.0.0.5:4000\",\"iface_b\":\"lo2\","         \
	"\"peer_b\":\"127.0.0.6:5000\""
#define LEG_FULL(iface, local, peer, rtcp)                                                         \
	"{\"interface\":\"" iface "\",\"local\":\"" local "\",\"peer\":\"" peer "\","              \
	"\"peer_rtcp_port\":" rtcp ",\"path\":\"learning\",\"packets\":0,\"bytes\":0,\"drops\":0," \
	"\"rtcp_packets\":0,\"last_seen_ms\":null,\"rtp\":{\"ssrc\":null,\"lost\":0,\"jitter_ms\":0.0}}"
#define S2_FULL                                                                                   \
	"{\"id\":\"s-2\",\"created_s\":0,\"hold\":false,\"idle_ms\":null,\"afxdp\":false,"      \
	"\"legs\":["                                                                             \
	LEG_FULL("lo", "127.0.0.1:47002", "127.0.0.5:4000", "4001") ","                            \
	LEG_FULL("lo2", "127.0.0.2:47002", "127.0.0.6:5000", "5001") "]}"

static void t_daemon(void)
{
	const char *why;
	struct conn c;
	int st = 0;
	pid_t pid = daemon_spawn(&c, &why);

	if (pid < 0) {
		CASE_SKIP("daemon: session.add and session.del replies, brief and full", why);
		return;
	}
	CASE_BEGIN("daemon: session.add and session.del replies, brief and full");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"brief\":true}}",
	       "{\"ok\":true,\"result\":{\"id\":\"s-1\",\"legs\":[{\"local\":\"127.0.0.1:47000\"},"
	       "{\"local\":\"127.0.0.2:47000\"}]}}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS "}}",
	       "{\"ok\":true,\"result\":" S2_FULL "}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"brief\":1}}",
	       "{\"ok\":false,\"error\":\"\\\"brief\\\" must be true or false, not int\"}");
	EXPECT(&c, "[{\"command\":\"session.del\",\"args\":{\"id\":\"s-1\",\"brief\":true}},"
	       "{\"command\":\"session.del\",\"args\":{\"id\":\"s-2\",\"brief\":false}}]",
	       "[{\"ok\":true,\"result\":{\"id\":\"s-1\"}},{\"ok\":true,\"result\":" S2_FULL "}]");
	EXPECT(&c, "{\"command\":\"session.show\",\"args\":{\"id\":\"s-1\"}}",
	       "{\"ok\":false,\"error\":\"no session s-1\"}");
	CASE_END();

	CASE_BEGIN("daemon: boolean arguments are JSON true or false, nothing else");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"brief\":\"false\"}}",
	       "{\"ok\":false,\"error\":\"\\\"brief\\\" must be true or false, not string\"}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"brief\":true}}",
	       "{\"ok\":true,\"result\":{\"id\":\"s-3\",\"legs\":[{\"local\":\"127.0.0.1:47004\"},"
	       "{\"local\":\"127.0.0.2:47004\"}]}}");
	EXPECT(&c, "{\"command\":\"session.hold\",\"args\":{\"id\":\"s-3\",\"hold\":\"yes\"}}",
	       "{\"ok\":false,\"error\":\"\\\"hold\\\" must be true or false, not string\"}");
	EXPECT(&c, "{\"command\":\"session.hold\",\"args\":{\"id\":\"s-3\"}}",
	       "{\"ok\":false,\"error\":\"missing \\\"hold\\\" (true or false)\"}");
	EXPECT(&c, "{\"command\":\"shutdown\",\"args\":{\"remove\":\"false\"}}",
	       "{\"ok\":false,\"error\":\"\\\"remove\\\" must be true or false, not string\"}");
	EXPECT(&c, "{\"command\":\"shutdown\",\"args\":{\"remove\":0}}",
	       "{\"ok\":false,\"error\":\"\\\"remove\\\" must be true or false, not int\"}");
	EXPECT(&c, "{\"command\":\"session.del\",\"args\":{\"id\":\"s-3\",\"brief\":true}}",
	       "{\"ok\":true,\"result\":{\"id\":\"s-3\"}}");
	CASE_END();

	CASE_BEGIN("daemon: peers that are multicast, broadcast, unspecified or the relay's own are refused");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{\"iface_a\":\"lo\",\"peer_a\":\"224.0.0.5:4000\","
	       "\"iface_b\":\"lo2\",\"peer_b\":\"127.0.0.6:5000\"}}",
	       "{\"ok\":false,\"error\":\"peer_a \\\"224.0.0.5:4000\\\" is multicast (224.0.0.0/4): "
	       "a peer must be a remote unicast endpoint\"}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{\"iface_a\":\"lo\",\"peer_a\":\"127.0.0.5:4000\","
	       "\"iface_b\":\"lo2\",\"peer_b\":\"255.255.255.255:5000\"}}",
	       "{\"ok\":false,\"error\":\"peer_b \\\"255.255.255.255:5000\\\" is the broadcast address: "
	       "a peer must be a remote unicast endpoint\"}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{\"iface_a\":\"lo\",\"peer_a\":\"0.0.0.0:4000\","
	       "\"iface_b\":\"lo2\",\"peer_b\":\"127.0.0.6:5000\"}}",
	       "{\"ok\":false,\"error\":\"peer_a \\\"0.0.0.0:4000\\\" is unspecified (0.0.0.0/8): "
	       "a peer must be a remote unicast endpoint\"}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{\"iface_a\":\"lo\",\"peer_a\":\"127.0.0.5:4000\","
	       "\"iface_b\":\"lo\",\"peer_b\":\"127.0.0.2:5000\"}}",
	       "{\"ok\":false,\"error\":\"peer_b \\\"127.0.0.2:5000\\\" is the relay's own address "
	       "(interface lo2): a peer must be a remote unicast endpoint\"}");
	EXPECT(&c, "{\"command\":\"session.list\"}", "{\"ok\":true,\"result\":{\"sessions\":[]}}");
	CASE_END();

	CASE_BEGIN("daemon: srtp_a and srtp_b: refused without quoting a key, shown only with keys");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"srtp_a\":7}}",
	       "{\"ok\":false,\"error\":\"\\\"srtp_a\\\" must be a string SUITE:INKEY[:OUTKEY]\"}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"srtp_b\":"
	       "\"AES_CM_128_HMAC_SHA1_80:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB\"}}",
	       "{\"ok\":false,\"error\":\"srtp_b: AES_CM_128_HMAC_SHA1_80 key: not 30 bytes of key "
	       "and salt in base64 (40 characters)\"}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"srtp_b\":"
	       "\"AES_CM_128_HMAC_SHA1_80:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^49\"}}",
	       "{\"ok\":false,\"error\":\"srtp_b: AES_CM_128_HMAC_SHA1_80 key: lifetime is not N or "
	       "2^N from 1 to 2^48 packets (RFC 4568 6.1)\"}");
	EXPECT(&c, "{\"command\":\"session.add\",\"args\":{" ADD_ARGS ",\"brief\":true,\"srtp_b\":"
	       "\"AES_CM_128_HMAC_SHA1_80:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4:"
	       "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\"}}",
	       "{\"ok\":true,\"result\":{\"id\":\"s-4\",\"legs\":[{\"local\":\"127.0.0.1:47006\"},"
	       "{\"local\":\"127.0.0.2:47006\"}]}}");
	EXPECT(&c, "{\"command\":\"session.show\",\"args\":{\"id\":\"s-4\"}}",
	       "{\"ok\":true,\"result\":{\"id\":\"s-4\",\"created_s\":0,\"hold\":false,\"idle_ms\":null,\"afxdp\":false,"
	       "\"legs\":[" LEG_FULL("lo", "127.0.0.1:47006", "127.0.0.5:4000", "4001") ","
	       "{\"interface\":\"lo2\",\"local\":\"127.0.0.2:47006\",\"peer\":\"127.0.0.6:5000\","
	       "\"peer_rtcp_port\":5001,\"path\":\"learning\",\"packets\":0,\"bytes\":0,\"drops\":0,"
	       "\"rtcp_packets\":0,\"last_seen_ms\":null,\"rtp\":{\"ssrc\":null,\"lost\":0,\"jitter_ms\":0.0},"
	       "\"srtp\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"failures\":{\"auth\":0,\"replay\":0,"
	       "\"other\":0}}}]}}");
	EXPECT(&c, "{\"command\":\"session.show\",\"args\":{\"id\":\"s-4\",\"keys\":true}}",
	       "{\"ok\":true,\"result\":{\"id\":\"s-4\",\"created_s\":0,\"hold\":false,\"idle_ms\":null,\"afxdp\":false,"
	       "\"legs\":[" LEG_FULL("lo", "127.0.0.1:47006", "127.0.0.5:4000", "4001") ","
	       "{\"interface\":\"lo2\",\"local\":\"127.0.0.2:47006\",\"peer\":\"127.0.0.6:5000\","
	       "\"peer_rtcp_port\":5001,\"path\":\"learning\",\"packets\":0,\"bytes\":0,\"drops\":0,"
	       "\"rtcp_packets\":0,\"last_seen_ms\":null,\"rtp\":{\"ssrc\":null,\"lost\":0,\"jitter_ms\":0.0},"
	       "\"srtp\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"failures\":{\"auth\":0,\"replay\":0,"
	       "\"other\":0},\"in_key\":\"PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\","
	       "\"out_key\":\"d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\"}}]}}");
	EXPECT(&c, "{\"command\":\"session.del\",\"args\":{\"id\":\"s-4\",\"brief\":true}}",
	       "{\"ok\":true,\"result\":{\"id\":\"s-4\"}}");
	CASE_END();

	CASE_BEGIN("daemon: shutdown with remove stops it cleanly");
	EXPECT(&c, "{\"command\":\"shutdown\",\"args\":{\"remove\":true}}",
	       "{\"ok\":true,\"result\":{\"message\":\"stopping; removing XDP, maps and sessions\"}}");
	conn_close(&c);
	for (int i = 0; i < 50 && waitpid(pid, &st, WNOHANG) != pid; i++)
		usleep(100000);
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "rtpedged: status %#x", st);
	if (!WIFEXITED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	CASE_END();
}


int main(void)
{
	if (fixture_setup())
		return 1;
	t_writer();
	t_daemon();
	fixture_cleanup();
	CHECK_EXIT();
}
