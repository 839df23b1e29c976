// SPDX-License-Identifier: GPL-2.0
/*
 * rtpedgectl.c - the command line client of rtpedged's control socket.
 *
 *   rtpedgectl [-s SOCKET] [--json] COMMAND [ARGS]
 *
 * The commands (words, request name, arguments, help) are the table the
 * daemon serves too (include/rtpe_ctl_cmds.h): the help text and the
 * argument checks are generated from it. It checks arguments locally,
 * sends one request line and prints the reply (the command's printer of
 * print.c, or the result as JSON).
 * Exit status: 0 done, 1 refused by the daemon or a usage error, 2 the
 * daemon cannot be reached (no socket, no reply in 5 s, bad reply).
 */
#include "print.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef RTPE_VERSION
#define RTPE_VERSION "unknown"
#endif

#define DEFAULT_SOCKET "/run/rtpedge/rtpedge.sock"
#define TIMEOUT_MS 5000
#define MAX_REPLY (1u << 30) /* bytes: far above any real reply */
#define JSON_LINE (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define JSON_PRETTY (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | \
		     JSON_C_TO_STRING_NOSLASHESCAPE)

enum { EXIT_REFUSED = 1, EXIT_UNREACHABLE = 2 };

static unsigned n_args(const struct rtpe_ctl_arg *a, unsigned max)
{
	unsigned n = 0;

	while (n < max && a[n].key)
		n++;
	return n;
}

/* "--srtp-a" for the key "srtp_a"; "IFACE_A" for a positional one. */
static const char *arg_name(const struct rtpe_ctl_arg *a, bool option, char *buf, size_t len)
{
	size_t i = 0;

	if (option)
		i = (size_t)snprintf(buf, len, "--");
	for (const char *k = a->key; *k && i + 1 < len; k++)
		buf[i++] = option ? (*k == '_' ? '-' : *k) : (char)toupper((unsigned char)*k);
	buf[i] = '\0';
	return buf;
}

static void cmd_usage(FILE *f, const struct rtpe_ctl_cmd *c)
{
	char name[32];

	fprintf(f, "%s", c->words);
	for (unsigned i = 0; i < n_args(c->pos, RTPE_CTL_MAX_POS); i++)
		fprintf(f, " %s", arg_name(&c->pos[i], false, name, sizeof(name)));
	for (unsigned i = 0; i < n_args(c->opt, RTPE_CTL_MAX_OPT); i++)
		fprintf(f, " [%s%s]", arg_name(&c->opt[i], true, name, sizeof(name)),
			c->opt[i].kind == RTPE_ARG_SRTP ? " SUITE:KEY" : "");
}

static void help(FILE *f)
{
	fprintf(f, "usage: rtpedgectl [-s SOCKET] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < RTPE_CMD_MAX; i++) {
		fprintf(f, "  ");
		cmd_usage(f, &rtpe_ctl_cmds[i]);
		fprintf(f, "\n      %s\n", rtpe_ctl_cmds[i].help);
	}
	fprintf(f, "\noptions:\n"
		"  -s, --socket PATH  control socket (default $RTPEDGE_SOCKET, else %s)\n"
		"  --json             print the reply's result as JSON\n"
		"  -h, --help         this help; -V, --version  the version\n\n"
		"PEER is IP:PORT (RTCP at PORT+1). SUITE:KEY is SUITE:INKEY[:OUTKEY], SUITE as in\n"
		"RFC 4568 (AES_CM_128_HMAC_SHA1_80), keys in base64 inline form.\n"
		"exit status: 0 done, 1 refused or usage error, 2 rtpedged unreachable\n",
		DEFAULT_SOCKET);
}

static int usage_error(const struct rtpe_ctl_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_error(const struct rtpe_ctl_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rtpedgectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: rtpedgectl ");
	if (c)
		cmd_usage(stderr, c);
	else
		fprintf(stderr, "[-s SOCKET] [--json] COMMAND [ARGS] (rtpedgectl help lists them)");
	fputc('\n', stderr);
	return EXIT_REFUSED;
}

/* IP:PORT or [IPv6]:PORT, port 1-65535. */
static bool valid_peer(const char *s)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2], *end;
	unsigned char addr[16];
	unsigned long port;
	size_t n;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host) || !colon[1])
		return false;
	n = (size_t)(colon - s);
	memcpy(host, s, n);
	host[n] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port < 1 || port > 65535 || colon[1] < '0' || colon[1] > '9')
		return false;
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, addr) == 1;
	}
	return inet_pton(AF_INET, host, addr) == 1;
}

/* SUITE:INKEY[:OUTKEY]: SUITE in [A-Z0-9_], then a key. The keys' own
 * syntax (base64, |LIFETIME, |MKI:LENGTH, whose colon is no separator) is
 * the daemon's to check: it says what is wrong without quoting the key. */
static bool valid_srtp(const char *s)
{
	size_t suite = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	const char *key = s + suite + 1;

	return suite && s[suite] == ':' && *key && *key != ':' && s[strlen(s) - 1] != ':';
}

/* ADDR or ADDR/LEN, IPv4 (LEN 0-32) or IPv6 (0-128); host bits are the
 * daemon's to refuse (it says which network was meant). */
static bool valid_cidr(const char *s)
{
	size_t n = strcspn(s, "/");
	char host[INET6_ADDRSTRLEN], *end;
	unsigned char addr[16];
	unsigned long len;
	int max;

	if (!n || n >= sizeof(host))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	max = inet_pton(AF_INET, host, addr) == 1 ? 32 : inet_pton(AF_INET6, host, addr) == 1 ? 128 : -1;
	if (max < 0)
		return false;
	if (!s[n])
		return true;
	errno = 0;
	len = strtoul(s + n + 1, &end, 10);
	return s[n + 1] >= '0' && s[n + 1] <= '9' && !*end && !errno && len <= (unsigned long)max;
}

static int check_arg(const struct rtpe_ctl_cmd *c, const struct rtpe_ctl_arg *a, bool option,
		     const char *v)
{
	static const char *const hint[] = {
		[RTPE_ARG_NAME] = "must not be empty",
		[RTPE_ARG_ID] = "must not be empty (session ids look like s-1)",
		[RTPE_ARG_PEER] = "is not IP:PORT (e.g. 198.51.100.7:5004 or [2001:db8::7]:5004)",
		[RTPE_ARG_SRTP] = "is not SUITE:INKEY[:OUTKEY] (e.g. AES_CM_128_HMAC_SHA1_80:BASE64KEY)",
		[RTPE_ARG_FLAG] = "takes no value",
		[RTPE_ARG_ONOFF] = "must be on or off",
		[RTPE_ARG_CIDR] = "is not an address or CIDR (e.g. 203.0.113.0/24, 2001:db8::/32, 198.51.100.7)",
		[RTPE_ARG_CALLID] = "must not be empty (a Call-ID as `rtpedgectl calls` lists it)",
	};
	bool ok = a->kind == RTPE_ARG_PEER ? valid_peer(v) : a->kind == RTPE_ARG_SRTP ? valid_srtp(v) :
		  a->kind == RTPE_ARG_ONOFF ? !strcmp(v, "on") || !strcmp(v, "off") :
		  a->kind == RTPE_ARG_CIDR ? valid_cidr(v) : *v;
	char name[32];

	if (ok)
		return 0;
	if (a->kind == RTPE_ARG_SRTP) /* never echo key material */
		return usage_error(c, "%s %s", arg_name(a, option, name, sizeof(name)), hint[a->kind]);
	return usage_error(c, "%s \"%.200s\" %s", arg_name(a, option, name, sizeof(name)), v,
			   hint[a->kind]);
}

/* An option of c at argv[*i] ("--srtp-a X" or "--srtp-a=X") into args. */
static int parse_opt(const struct rtpe_ctl_cmd *c, int argc, char **argv, int *i,
		     struct json_object *args)
{
	char name[32];

	for (unsigned k = 0; k < n_args(c->opt, RTPE_CTL_MAX_OPT); k++) {
		const struct rtpe_ctl_arg *a = &c->opt[k];
		size_t n = strlen(arg_name(a, true, name, sizeof(name)));
		const char *v;

		if (strncmp(argv[*i], name, n) || (argv[*i][n] && argv[*i][n] != '='))
			continue;
		if (a->kind == RTPE_ARG_FLAG) {
			if (argv[*i][n])
				return usage_error(c, "%s takes no value", name);
			json_object_object_add(args, a->key, json_object_new_boolean(1));
			return 0;
		}
		if (argv[*i][n])
			v = argv[*i] + n + 1;
		else if (*i + 1 < argc)
			v = argv[++*i];
		else
			return usage_error(c, "%s needs a value", name);
		if (check_arg(c, a, true, v))
			return EXIT_REFUSED;
		json_object_object_add(args, a->key, json_object_new_string(v));
		return 0;
	}
	return usage_error(c, "unknown option %s", argv[*i]);
}

static void pos_add(struct json_object *args, const struct rtpe_ctl_arg *a, const char *v)
{
	json_object_object_add(args, a->key, a->kind == RTPE_ARG_ONOFF ?
				json_object_new_boolean(!strcmp(v, "on")) : json_object_new_string(v));
}

/* The "args" of c from its arguments; 0 or an exit status. */
static int parse_args(const struct rtpe_ctl_cmd *c, int argc, char **argv, bool *json,
		      struct json_object *args)
{
	unsigned npos = 0, want = n_args(c->pos, RTPE_CTL_MAX_POS);
	char name[32];

	for (unsigned k = 0; k < n_args(c->opt, RTPE_CTL_MAX_OPT); k++)
		if (c->opt[k].kind == RTPE_ARG_FLAG)
			json_object_object_add(args, c->opt[k].key, json_object_new_boolean(0));
	for (int i = 0; i < argc; i++) {
		int rc = 0;

		if (!strcmp(argv[i], "--json"))
			*json = true;
		else if (!strncmp(argv[i], "--", 2))
			rc = parse_opt(c, argc, argv, &i, args);
		else if (npos == want)
			rc = usage_error(c, "unexpected argument \"%s\"", argv[i]);
		else if (!(rc = check_arg(c, &c->pos[npos], false, argv[i])))
			pos_add(args, &c->pos[npos++], argv[i]);
		if (rc)
			return rc;
	}
	if (npos < want)
		return usage_error(c, "missing %s",
				   arg_name(&c->pos[npos], false, name, sizeof(name)));
	return 0;
}

/* The command whose words start argv; *used is how many words it took. */
static const struct rtpe_ctl_cmd *find_cmd(int argc, char **argv, int *used)
{
	char verbs[128] = "";
	size_t off = 0;

	for (size_t i = 0; i < RTPE_CMD_MAX; i++) {
		const char *w = rtpe_ctl_cmds[i].words, *sp = strchr(w, ' ');
		size_t n = sp ? (size_t)(sp - w) : strlen(w);

		if (strncmp(argv[0], w, n) || argv[0][n])
			continue;
		*used = sp ? 2 : 1;
		if (!sp || (argc > 1 && !strcmp(argv[1], sp + 1)))
			return &rtpe_ctl_cmds[i];
		if (off < sizeof(verbs))
			off += (size_t)snprintf(verbs + off, sizeof(verbs) - off, "%s%s",
						off ? ", " : "", sp + 1);
	}
	if (off && argc > 1)
		usage_error(NULL, "%s: unknown verb \"%s\" (try: %s)", argv[0], argv[1], verbs);
	else if (off)
		usage_error(NULL, "%s: missing verb (try: %s)", argv[0], verbs);
	else
		usage_error(NULL, "unknown command \"%s\"", argv[0]);
	return NULL;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static int unreachable(const char *path, const char *what, int err)
{
	fprintf(stderr, "rtpedgectl: %s: %s", path, what);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	if (err == ENOENT || err == ECONNREFUSED)
		fprintf(stderr, " (is rtpedged running? -s or RTPEDGE_SOCKET name another socket)");
	else if (err == EACCES)
		fprintf(stderr, " (run as root or as a member of the socket's group)");
	fputc('\n', stderr);
	return EXIT_UNREACHABLE;
}

/* Waits for events on fd until the deadline; 0 or an exit status. */
static int wait_fd(int fd, short events, const struct timespec *deadline, const char *path)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, (int)ms_left(deadline));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return 0;
	if (n < 0)
		return unreachable(path, "cannot wait for the reply", errno);
	return unreachable(path, "no reply within 5 s", 0);
}

static int connect_to(const char *path, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return unreachable(path, "socket path too long", 0);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return unreachable(path, "cannot create a socket", errno);
	/* bounds a connect() to a daemon whose backlog is full */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK)) {
		int err = errno;

		close(fd);
		return unreachable(path, "cannot connect", err);
	}
	*fdp = fd;
	return 0;
}

static int send_all(int fd, const char *req, const struct timespec *deadline, const char *path)
{
	size_t len = strlen(req), off = 0;
	int rc = 0;

	while (!rc && off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (n >= 0)
			off += (size_t)n;
		else if (errno == EAGAIN)
			rc = wait_fd(fd, POLLOUT, deadline, path);
		else if (errno != EINTR)
			rc = unreachable(path, "cannot send the request", errno);
	}
	return rc;
}

/* Reads up to the first newline into *line (malloc'd, newline cut). */
static int read_line(int fd, char **line, const struct timespec *deadline, const char *path)
{
	size_t cap = 0, got = 0;
	char *buf = NULL, *nl = NULL;
	int rc = 0;

	while (!rc && !nl) {
		ssize_t n;

		if (got == cap) {
			char *p = cap < MAX_REPLY ? realloc(buf, cap ? cap * 2 : 65536) : NULL;

			if (!p) {
				rc = unreachable(path, "reply too large, or out of memory", 0);
				break;
			}
			buf = p;
			cap = cap ? cap * 2 : 65536;
		}
		n = recv(fd, buf + got, cap - got, 0);
		if (n > 0) {
			nl = memchr(buf + got, '\n', (size_t)n);
			got += (size_t)n;
		} else if (n == 0) {
			rc = unreachable(path, "rtpedged closed the connection without a reply", 0);
		} else if (errno == EAGAIN) {
			rc = wait_fd(fd, POLLIN, deadline, path);
		} else if (errno != EINTR) {
			rc = unreachable(path, "cannot read the reply", errno);
		}
	}
	if (rc) {
		free(buf);
		return rc;
	}
	*nl = '\0';
	*line = buf;
	return 0;
}

/* Sends req (one line) and reads one reply line, all within TIMEOUT_MS. */
static int exchange(const char *path, const char *req, char **reply)
{
	struct timespec deadline;
	int fd = -1, rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += TIMEOUT_MS / 1000;
	rc = connect_to(path, &fd);
	if (rc)
		return rc;
	rc = send_all(fd, req, &deadline, path);
	if (!rc)
		rc = read_line(fd, reply, &deadline, path);
	close(fd);
	return rc;
}

/* Prints the reply line; returns the exit status it stands for. */
static int show_reply(const struct rtpe_ctl_cmd *c, const char *path, const char *line, bool json)
{
	struct json_object *reply = json_tokener_parse(line), *ok, *res = NULL, *err = NULL;
	int rc = 0;

	if (!json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		rc = unreachable(path, "rtpedged sent a malformed reply", 0);
	} else if (!json_object_get_boolean(ok)) {
		json_object_object_get_ex(reply, "error", &err);
		fprintf(stderr, "rtpedgectl: %s\n", err ? json_object_get_string(err) :
			"refused, no reason given");
		rc = EXIT_REFUSED;
	} else if (json) {
		json_object_object_get_ex(reply, "result", &res);
		puts(res ? json_object_to_json_string_ext(res, JSON_PRETTY) : "{}");
	} else {
		json_object_object_get_ex(reply, "result", &res);
		print_fns[c - rtpe_ctl_cmds](res);
	}
	json_object_put(reply);
	return rc;
}

/* The request line for c and its arguments; 0 or an exit status. */
static int build_request(const struct rtpe_ctl_cmd *c, int argc, char **argv, bool *json,
			 char **line)
{
	struct json_object *req = json_object_new_object(), *args = json_object_new_object();
	int rc;

	json_object_object_add(req, "command", json_object_new_string(c->request));
	rc = parse_args(c, argc, argv, json, args);
	if (!rc && json_object_object_length(args))
		json_object_object_add(req, "args", json_object_get(args));
	if (!rc && asprintf(line, "%s\n", json_object_to_json_string_ext(req, JSON_LINE)) < 0)
		rc = usage_error(NULL, "out of memory");
	json_object_put(args);
	json_object_put(req);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'V' },
		{},
	};
	const char *path = getenv("RTPEDGE_SOCKET");
	const struct rtpe_ctl_cmd *c;
	char *req, *reply;
	bool json = false;
	int opt, used, rc;

	if (!path || !path[0])
		path = DEFAULT_SOCKET;
	opterr = 0; /* our own message, with the usage line */
	while ((opt = getopt_long(argc, argv, "+s:hV", longopts, NULL)) != -1) {
		if (opt == 's') {
			path = optarg;
		} else if (opt == 'j') {
			json = true;
		} else if (opt == 'h') {
			help(stdout);
			return 0;
		} else if (opt == 'V') {
			puts("rtpedgectl " RTPE_VERSION);
			return 0;
		} else {
			return usage_error(NULL, "unknown option or missing value: %s",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error(NULL, "no command given");
	if (!strcmp(argv[optind], "help")) {
		help(stdout);
		return 0;
	}
	c = find_cmd(argc - optind, argv + optind, &used);
	if (!c)
		return EXIT_REFUSED;
	rc = build_request(c, argc - optind - used, argv + optind + used, &json, &req);
	if (rc)
		return rc;
	rc = exchange(path, req, &reply);
	free(req);
	if (!rc) {
		rc = show_reply(c, path, reply, json);
		free(reply);
	}
	return rc;
}
