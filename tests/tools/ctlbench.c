// SPDX-License-Identifier: GPL-2.0
/*
 * ctlbench - session churn through rtpedged's control socket, for the
 * benchmarks (scripts/bench.sh). Requests are batched: one line holding a
 * JSON array of requests gets one line holding the array of replies
 * (docs/CONTROL.md, "Batches"), so the figure is the daemon's work per
 * session, not a round trip per session.
 *
 *   ctlbench add --socket S --count N --iface-a NAME[,NAME...]
 *                --iface-b NAME[,NAME...] [--first K] [--batch B]
 *                [--peer-a IP] [--peer-b IP] [--flows FILE]
 *                [--srtp-a SUITE:KEY] [--srtp-b SUITE:KEY]
 *       Creates N sessions, numbered K, K+1, ... Session k takes its
 *       interfaces round robin from the two lists and has the peers
 *       PEER_A + k / 30000 : 2000 + 2 (k % 30000) (an address plus an
 *       offset, so that 100,000 sessions get distinct endpoints) and the
 *       same for PEER_B (defaults 198.18.1.2 and 198.18.2.2). Appends one
 *       line per session to FILE: "ID LEG_A_LOCAL PEER_A LEG_B_LOCAL PEER_B".
 *       --srtp-a/-b give every session's leg the same SRTP suite and key.
 *   ctlbench del --socket S --flows FILE [--batch B]
 *       Deletes every session FILE lists.
 *   ctlbench wait --socket S --flows FILE --path PATH [--sample K]
 *                 [--timeout MS]
 *       Waits until both legs of K sessions spread over FILE are on PATH
 *       (learning ends at the first packet or after learning_window); PATH
 *       may be a list, "srtp,userspace": each leg on one of them.
 *
 * Prints one JSON object: {"op", "sessions", "seconds", "per_s",
 * "refused", "first_error"}. Exit status 0 when every request succeeded,
 * 1 otherwise, 2 on usage errors.
 *
 * The tools are linked without json-c (see the Makefile): the replies are
 * read with a small scanner that knows the daemon's compact JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MAX_SESSIONS 2000000
#define MAX_IFACES 16
#define PORTS_PER_ADDR 30000
#define REQ_MAX 512   /* bytes of one request in a batch */
#define EP_LEN 32     /* "255.255.255.255:65535" */

struct opts {
	const char *sock, *flows, *path, *srtp_a, *srtp_b;
	char *iface_a[MAX_IFACES], *iface_b[MAX_IFACES];
	int n_a, n_b;
	struct in_addr peer_a, peer_b;
	unsigned count, first, batch, sample, timeout_ms;
};

/* One session as the flows file has it. */
struct sess {
	char id[24];
	char la[EP_LEN], pa[EP_LEN], lb[EP_LEN], pb[EP_LEN];
};

struct tally {
	unsigned ok, refused, matched;
	char first_error[256];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One reply line into *buf (grown as needed, NUL-terminated, no newline).
 * Bytes after the newline cannot exist: one request line is in flight. */
static int read_line(int fd, char **buf, size_t *cap)
{
	size_t len = 0;

	for (;;) {
		ssize_t r;

		if (*cap - len < 65536) {
			char *nb = realloc(*buf, *cap * 2);

			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap *= 2;
		}
		r = read(fd, *buf + len, *cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -ECONNRESET;
		len += (size_t)r;
		if ((*buf)[len - 1] == '\n') {
			(*buf)[len - 1] = '\0';
			return 0;
		}
	}
}

/*
 * The string value of the nth (0-based) "key": "..." between p and end,
 * into out; -ENOENT when there is none. Values we read (ids, endpoints,
 * paths) never contain escapes; an error message may, and is kept raw.
 */
static int str_after(const char *p, const char *end, const char *key, int nth, char *out,
		     size_t outlen)
{
	char pat[64];
	size_t pl = (size_t)snprintf(pat, sizeof(pat), "\"%s\":", key), n;
	const char *q;

	for (q = p; q && q < end; q++) {
		q = memmem(q, (size_t)(end - q), pat, pl);
		if (!q)
			break;
		if (nth--)
			continue;
		for (q += pl; q < end && *q == ' '; q++)
			;
		if (q >= end || *q != '"')
			return -ENOENT;
		for (n = 0, q++; q < end && *q != '"' && n + 1 < outlen; q++) {
			if (*q == '\\' && q + 1 < end)
				q++;
			out[n++] = *q;
		}
		out[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* Calls fn on each object of the reply array, in order: [ {...}, {...} ]. */
static void each_reply(const char *line, void (*fn)(const char *, const char *, void *),
		       void *arg)
{
	const char *start = NULL;
	bool in_str = false;
	int depth = 0;

	for (const char *p = line; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = false;
			continue;
		}
		if (*p == '"') {
			in_str = true;
		} else if (*p == '{' || *p == '[') {
			if (++depth == 2 && *p == '{')
				start = p;
		} else if (*p == '}' || *p == ']') {
			if (depth-- == 2 && start) {
				fn(start, p + 1, arg);
				start = NULL;
			}
		}
	}
}

static bool reply_ok(const char *p, const char *end)
{
	const char *q = memmem(p, (size_t)(end - p), "\"ok\":", 5);

	if (!q)
		return false;
	for (q += 5; q < end && *q == ' '; q++)
		;
	return end - q >= 4 && !strncmp(q, "true", 4);
}

/* Counts a reply; keeps the first refusal's message. */
static bool tally_reply(struct tally *t, const char *p, const char *end)
{
	if (reply_ok(p, end)) {
		t->ok++;
		return true;
	}
	if (!t->refused++ && str_after(p, end, "error", 0, t->first_error, sizeof(t->first_error)))
		snprintf(t->first_error, sizeof(t->first_error), "malformed reply");
	return false;
}

/* A batch in flight: the requests' sessions and what came back. */
struct batch {
	struct sess *s;   /* the sessions of this batch, in request order */
	unsigned n, seen; /* requests, replies read */
	struct tally *t;
	FILE *flows;      /* add: where the new sessions go */
	const char *path; /* wait: the path every leg must be on */
};

static void on_add(const char *p, const char *end, void *arg)
{
	struct batch *b = arg;
	struct sess *s = b->seen < b->n ? &b->s[b->seen] : NULL;

	b->seen++;
	if (!s || !tally_reply(b->t, p, end))
		return;
	if (str_after(p, end, "id", 0, s->id, sizeof(s->id)) ||
	    str_after(p, end, "local", 0, s->la, sizeof(s->la)) ||
	    str_after(p, end, "local", 1, s->lb, sizeof(s->lb))) {
		b->t->ok--;
		b->t->refused++;
		return;
	}
	if (b->flows)
		fprintf(b->flows, "%s %s %s %s %s\n", s->id, s->la, s->pa, s->lb, s->pb);
}

static void on_del(const char *p, const char *end, void *arg)
{
	struct batch *b = arg;

	b->seen++;
	tally_reply(b->t, p, end);
}

/* Whether name is one of the comma-separated list. */
static bool path_in(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p; p = strchr(p, ','), p = p ? p + 1 : p)
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static void on_show(const char *p, const char *end, void *arg)
{
	struct batch *b = arg;
	char path[32];

	b->seen++;
	if (!tally_reply(b->t, p, end))
		return;
	for (int i = 0; i < 2; i++)
		if (!str_after(p, end, "path", i, path, sizeof(path)) && path_in(b->path, path))
			b->t->matched++;
}

/* Sends one batch line and reads its replies into fn. */
static int batch_run(int fd, char *req, size_t len, struct batch *b, char **buf, size_t *cap,
		     void (*fn)(const char *, const char *, void *))
{
	int e = send_all(fd, req, len);

	if (!e)
		e = read_line(fd, buf, cap);
	if (e)
		return e;
	b->seen = 0;
	each_reply(*buf, fn, b);
	if (b->seen < b->n) { /* the whole line was refused */
		b->t->refused += b->n - b->seen;
		if (!b->t->first_error[0])
			snprintf(b->t->first_error, sizeof(b->t->first_error), "%.200s", *buf);
	}
	return 0;
}

/* The peer endpoint of session k on one side: base + k / 30000. */
static void peer_of(struct in_addr base, unsigned k, char *out)
{
	struct in_addr a = { .s_addr = htonl(ntohl(base.s_addr) + k / PORTS_PER_ADDR) };
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(out, EP_LEN, "%s:%u", ip, 2000 + 2 * (k % PORTS_PER_ADDR));
}

static size_t add_requests(const struct opts *o, unsigned k0, unsigned n, struct sess *s, char *req)
{
	size_t len = 0;

	req[len++] = '[';
	for (unsigned i = 0; i < n; i++) {
		unsigned k = k0 + i;

		peer_of(o->peer_a, k, s[i].pa);
		peer_of(o->peer_b, k, s[i].pb);
		len += (size_t)sprintf(req + len,
			"%s{\"command\":\"session.add\",\"args\":{\"iface_a\":\"%s\",\"peer_a\":\"%s\","
			"\"iface_b\":\"%s\",\"peer_b\":\"%s\",\"brief\":true%s%s%s%s%s%s}}", i ? "," : "",
			o->iface_a[k % (unsigned)o->n_a], s[i].pa, o->iface_b[k % (unsigned)o->n_b], s[i].pb,
			o->srtp_a ? ",\"srtp_a\":\"" : "", o->srtp_a ? o->srtp_a : "", o->srtp_a ? "\"" : "",
			o->srtp_b ? ",\"srtp_b\":\"" : "", o->srtp_b ? o->srtp_b : "", o->srtp_b ? "\"" : "");
	}
	len += (size_t)sprintf(req + len, "]\n");
	return len;
}

/* Requests naming the sessions s[0..n) by id, for command, with more
 * args (JSON members after the id, or ""). */
static size_t id_requests(const char *command, const char *more, const struct sess *s,
			  unsigned n, char *req)
{
	size_t len = 0;

	req[len++] = '[';
	for (unsigned i = 0; i < n; i++)
		len += (size_t)sprintf(req + len, "%s{\"command\":\"%s\",\"args\":{\"id\":\"%s\"%s}}",
				       i ? "," : "", command, s[i].id, more);
	len += (size_t)sprintf(req + len, "]\n");
	return len;
}

/* The sessions listed in a flows file. */
static int flows_read(const char *path, struct sess **out, unsigned *n)
{
	struct sess *s = calloc(MAX_SESSIONS, sizeof(*s));
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned k = 0;

	if (!s || !f) {
		free(s);
		if (f)
			fclose(f);
		return -errno;
	}
	while (k < MAX_SESSIONS && fgets(line, sizeof(line), f))
		if (sscanf(line, "%23s %31s %31s %31s %31s", s[k].id, s[k].la, s[k].pa, s[k].lb,
			   s[k].pb) == 5)
			k++;
	fclose(f);
	*out = s;
	*n = k;
	return 0;
}

static void report(const char *op, unsigned n, double secs, const struct tally *t)
{
	printf("{\"op\":\"%s\",\"sessions\":%u,\"seconds\":%.3f,\"per_s\":%.0f,\"refused\":%u,"
	       "\"first_error\":\"", op, n, secs, secs > 0 ? t->ok / secs : 0.0, t->refused);
	for (const char *p = t->first_error; *p; p++)
		printf(*p == '"' || *p == '\\' ? "\\%c" : (unsigned char)*p < 0x20 ? "?" : "%c", *p);
	printf("\"}\n");
}

static int cmd_add(int fd, const struct opts *o, char **buf, size_t *cap)
{
	struct sess *s = calloc(o->batch, sizeof(*s));
	char *req = malloc((size_t)o->batch * REQ_MAX);
	FILE *flows = o->flows ? fopen(o->flows, "a") : NULL;
	struct tally t = { 0 };
	struct batch b = { .s = s, .t = &t, .flows = flows };
	double t0 = now_s();
	int e = !s || !req || (o->flows && !flows) ? -errno : 0;

	for (unsigned done = 0; !e && done < o->count; done += b.n) {
		b.n = o->count - done < o->batch ? o->count - done : o->batch;
		e = batch_run(fd, req, add_requests(o, o->first + done, b.n, s, req), &b, buf, cap,
			      on_add);
	}
	if (flows)
		fclose(flows);
	free(s);
	free(req);
	if (e)
		fprintf(stderr, "ctlbench: add: %s\n", strerror(-e));
	report("add", o->count, now_s() - t0, &t);
	return e || t.refused ? 1 : 0;
}

static int cmd_del(int fd, const struct opts *o, char **buf, size_t *cap)
{
	struct tally t = { 0 };
	struct batch b = { .t = &t };
	struct sess *s = NULL;
	char *req = malloc((size_t)o->batch * REQ_MAX);
	unsigned n = 0;
	double t0;
	int e = req ? flows_read(o->flows, &s, &n) : -ENOMEM;

	t0 = now_s();
	for (unsigned done = 0; !e && done < n; done += b.n) {
		b.n = n - done < o->batch ? n - done : o->batch;
		e = batch_run(fd, req, id_requests("session.del", ",\"brief\":true", s + done, b.n, req),
			      &b, buf, cap, on_del);
	}
	if (e)
		fprintf(stderr, "ctlbench: del: %s\n", strerror(-e));
	report("del", n, now_s() - t0, &t);
	free(s);
	free(req);
	return e || t.refused ? 1 : 0;
}

/* Polls a sample of the sessions until all their legs are on o->path. */
static int cmd_wait(int fd, const struct opts *o, char **buf, size_t *cap)
{
	struct sess *s = NULL, *pick = calloc(o->sample, sizeof(*pick));
	char *req = malloc((size_t)o->sample * REQ_MAX);
	double t0 = now_s(), limit = t0 + o->timeout_ms / 1000.0;
	struct tally t = { 0 };
	struct batch b = { .t = &t, .path = o->path };
	unsigned n = 0;
	int e = pick && req ? flows_read(o->flows, &s, &n) : -ENOMEM;

	b.n = n < o->sample ? n : o->sample;
	for (unsigned i = 0; !e && i < b.n; i++)
		pick[i] = s[(size_t)i * n / b.n];
	while (!e && b.n) {
		memset(&t, 0, sizeof(t));
		e = batch_run(fd, req, id_requests("session.show", "", pick, b.n, req), &b, buf, cap,
			      on_show);
		if (e || t.matched == 2 * b.n || t.refused || now_s() > limit)
			break;
		usleep(100000);
	}
	if (!e && t.matched != 2 * b.n && !t.refused)
		snprintf(t.first_error, sizeof(t.first_error),
			 "%u of %u sampled legs on path %s after %u ms", t.matched, 2 * b.n, o->path,
			 o->timeout_ms);
	report("wait", b.n, now_s() - t0, &t);
	free(s);
	free(pick);
	free(req);
	return e || t.matched != 2 * b.n ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: ctlbench add --socket S --count N --iface-a NAME[,NAME...] --iface-b NAME[,...]\n"
		"                    [--first K] [--batch B] [--peer-a IP] [--peer-b IP] [--flows FILE]\n"
		"                    [--srtp-a SUITE:KEY] [--srtp-b SUITE:KEY]\n"
		"       ctlbench del --socket S --flows FILE [--batch B]\n"
		"       ctlbench wait --socket S --flows FILE --path PATH [--sample K] [--timeout MS]\n");
	return 2;
}

/* "a,b,c" into names (the string is split in place). */
static int split_names(char *s, char **names)
{
	int n = 0;

	for (char *tok = strtok(s, ","); tok && n < MAX_IFACES; tok = strtok(NULL, ","))
		names[n++] = tok;
	return n;
}

static int num(const char *s, unsigned min, unsigned max, unsigned *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);

	if (end == s || *end || x < min || x > max)
		return -EINVAL;
	*v = (unsigned)x;
	return 0;
}

/* An SRTP argument goes into a request as it is: short, nothing to escape. */
static int srtp_arg_ok(const char *s)
{
	return strlen(s) < 200 && !strpbrk(s, "\"\\") ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket", 1, NULL, 's' }, { "count", 1, NULL, 'n' }, { "first", 1, NULL, 'k' },
		{ "batch", 1, NULL, 'b' },  { "iface-a", 1, NULL, 'a' }, { "iface-b", 1, NULL, 'B' },
		{ "peer-a", 1, NULL, 'p' }, { "peer-b", 1, NULL, 'P' }, { "flows", 1, NULL, 'f' },
		{ "path", 1, NULL, 'w' },   { "sample", 1, NULL, 'm' }, { "timeout", 1, NULL, 't' },
		{ "srtp-a", 1, NULL, 'x' }, { "srtp-b", 1, NULL, 'y' }, { NULL, 0, NULL, 0 },
	};
	int c, e = 0;

	while (!e && (c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->sock = optarg; break;
		case 'f': o->flows = optarg; break;
		case 'w': o->path = optarg; break;
		case 'x': o->srtp_a = optarg; e = srtp_arg_ok(optarg); break;
		case 'y': o->srtp_b = optarg; e = srtp_arg_ok(optarg); break;
		case 'n': e = num(optarg, 1, MAX_SESSIONS, &o->count); break;
		case 'k': e = num(optarg, 0, MAX_SESSIONS, &o->first); break;
		case 'b': e = num(optarg, 1, 8000, &o->batch); break;
		case 'm': e = num(optarg, 1, 8000, &o->sample); break;
		case 't': e = num(optarg, 1, 3600000, &o->timeout_ms); break;
		case 'a': o->n_a = split_names(optarg, o->iface_a); break;
		case 'B': o->n_b = split_names(optarg, o->iface_b); break;
		case 'p': e = inet_pton(AF_INET, optarg, &o->peer_a) == 1 ? 0 : -EINVAL; break;
		case 'P': e = inet_pton(AF_INET, optarg, &o->peer_b) == 1 ? 0 : -EINVAL; break;
		default: e = -EINVAL;
		}
	}
	return e || optind != argc || !o->sock ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .batch = 1000, .sample = 1000, .timeout_ms = 10000 };
	const char *cmd = argc > 1 ? argv[1] : "";
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	int fd, rc;

	inet_pton(AF_INET, "198.18.1.2", &o.peer_a);
	inet_pton(AF_INET, "198.18.2.2", &o.peer_b);
	if (!buf || argc < 2 || parse_opts(argc - 1, argv + 1, &o))
		return usage();
	if ((!strcmp(cmd, "add") && (!o.count || !o.n_a || !o.n_b)) ||
	    (strcmp(cmd, "add") && !o.flows) || (!strcmp(cmd, "wait") && !o.path))
		return usage();
	fd = ctl_connect(o.sock);
	if (fd < 0) {
		fprintf(stderr, "ctlbench: cannot connect to %s: %s (is rtpedged running?)\n", o.sock,
			strerror(-fd));
		return 1;
	}
	if (!strcmp(cmd, "add"))
		rc = cmd_add(fd, &o, &buf, &cap);
	else if (!strcmp(cmd, "del"))
		rc = cmd_del(fd, &o, &buf, &cap);
	else if (!strcmp(cmd, "wait"))
		rc = cmd_wait(fd, &o, &buf, &cap);
	else
		rc = usage();
	close(fd);
	free(buf);
	return rc;
}
