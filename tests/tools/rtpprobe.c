// SPDX-License-Identifier: GPL-2.0
/*
 * rtpprobe - an RTP (or RTCP) endpoint for tests and the demo: sends a
 * bounded stream from one bound UDP socket and, on the same socket, receives
 * and verifies every byte of what comes back, then reports counts and
 * one-way latency.
 *
 * Every packet's payload carries a magic, the SSRC, a packet index, the
 * sequence start, the kind (RTP/RTCP), a CLOCK_MONOTONIC send time and a
 * pattern derived from (ssrc, index) filling the rest, so a receiver that
 * knows nothing of the sender verifies header and payload in full. Both
 * ends share CLOCK_MONOTONIC (network namespaces of one machine), so the
 * latency is one-way.
 *
 * Exit status: 0 when everything was sent and exactly --expect packets
 * arrived, all from --expect-from (when given), all intact, no duplicates;
 * 1 otherwise; 2 on usage or setup errors (bad option, cannot bind).
 *
 * SIGUSR1 ends the sending early (a stream as long as a test's other work:
 * tests/e2e/test_fault.sh): what was sent so far is the stream, and the
 * receiving goes on for --timeout as after a last send. SIGINT and SIGTERM
 * stop at once; either way the report is printed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_MAGIC 0x52545045u /* "RTPE" */
#define RTP_HDR 12
#define RTCP_HDR 8              /* V/P/RC, PT, length, SSRC */
#define RTCP_PT_SR 200
#define PAYLOAD_HDR 28          /* magic, ssrc, index, seq_start, kind, ts_step, send_ns */
#define MAX_SIZE 1400           /* payload bytes: stays under a 1500 MTU */
#define MAX_COUNT 10000000u
#define MAX_STREAMS 8           /* distinct SSRCs tracked by a receiver */
#define BATCH 64                /* datagrams per sendmmsg/recvmmsg */
#define BUF_SIZE 2048
#define MAX_BAD_LOG 5           /* bad packets described on stderr */

enum kind { KIND_RTP = 0, KIND_RTCP = 1 };

struct opts {
	struct sockaddr_in bind, to, expect_from;
	bool rtcp, json;
	uint32_t given;          /* bit i: opt_defs[i] was on the command line */
	uint32_t count, rate, expect, ssrc, timeout_ms, size, delay_ms, ts_step;
	uint32_t seq_start;      /* 0-65535 */
	uint32_t pause_at, pause_ms; /* packets from pause_at on are sent pause_ms later */
};

/* o.given bits of the options that have no default (rows 0-4 of opt_defs). */
enum { GIVEN_BIND = 1u << 0, GIVEN_TO = 1u << 1, GIVEN_FROM = 1u << 2,
       GIVEN_SSRC = 1u << 3, GIVEN_SEQ = 1u << 4 };

static volatile sig_atomic_t interrupted, stop_sending;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stop_sending = 1;
	else
		interrupted = sig;
}

#define PROBE_NAME "rtpprobe"
#include "probe_stats.h"
#include "rtpprobe_payload.h"

/* Accounts one received datagram: source, integrity, duplicates, order. */
static void account(struct stats *st, const struct opts *o, const uint8_t *p,
		    size_t len, bool truncated, const struct sockaddr_in *src,
		    uint64_t t)
{
	uint32_t ssrc, index, nbits = o->count > o->expect ? o->count : o->expect;
	const char *why = truncated ? "datagram larger than the buffer" : NULL;
	struct stream *s;
	uint64_t send_ns;

	if (!st->received++)
		st->first_src = *src;
	st->last_src = *src;
	if ((o->given & GIVEN_FROM) && (src->sin_addr.s_addr != o->expect_from.sin_addr.s_addr ||
			     src->sin_port != o->expect_from.sin_port)) {
		st->bad_source++;
		log_bad(st, src, "not from --expect-from");
		return;
	}
	if (!why)
		why = verify_packet(p, len, o->rtcp, &ssrc, &index, &send_ns);
	s = why ? NULL : stream_get(st, ssrc, nbits < 65536 ? 65536 : nbits);
	if (!why && !s)
		why = "more SSRCs than a probe tracks";
	if (why) {
		st->bad_payload++;
		log_bad(st, src, why);
		return;
	}
	if (index < s->nbits && (s->seen[index / 8] & (1u << (index % 8)))) {
		st->duplicates++;
		return;
	}
	if (index < s->nbits)
		s->seen[index / 8] |= (uint8_t)(1u << (index % 8));
	st->distinct++;
	if (s->any && index < s->max_index)
		st->reordered++;
	if (!s->any || index > s->max_index)
		s->max_index = index;
	s->any = true;
	lat_add(st, send_ns, t);
}

/* Reads what is queued (bounded: BATCH datagrams per call). */
static int recv_batch(int fd, struct stats *st, const struct opts *o)
{
	static uint8_t bufs[BATCH][BUF_SIZE];
	struct sockaddr_in src[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	uint64_t t;
	int i, n;

	memset(m, 0, sizeof(m));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = BUF_SIZE;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &src[i];
		m[i].msg_hdr.msg_namelen = sizeof(src[i]);
	}
	n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	t = now_ns();
	for (i = 0; i < n; i++)
		account(st, o, bufs[i], m[i].msg_len,
			m[i].msg_hdr.msg_flags & MSG_TRUNC, &src[i], t);
	return n;
}

/* When packet i is due: start + i intervals, plus the pause from pause_at on. */
static uint64_t due_at(const struct opts *o, uint64_t start, uint64_t interval, uint32_t i)
{
	uint64_t t = start + (uint64_t)i * interval;

	return o->pause_ms && i >= o->pause_at ? t + (uint64_t)o->pause_ms * 1000000ull : t;
}

/*
 * Sends the packets that are due by t (at most BATCH), from index *next.
 * Returns 1 when the socket is full (wait for POLLOUT), 0 otherwise.
 */
static int send_due(int fd, const struct opts *o, struct stats *st, uint32_t *next,
		    uint64_t start, uint64_t interval, uint64_t t)
{
	static uint8_t bufs[BATCH][BUF_SIZE];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	int n = 0, r;

	memset(m, 0, sizeof(m));
	while (n < BATCH && *next + n < o->count &&
	       due_at(o, start, interval, *next + (uint32_t)n) <= t) {
		iov[n].iov_base = bufs[n];
		iov[n].iov_len = build_packet(bufs[n], o, *next + n);
		m[n].msg_hdr.msg_iov = &iov[n];
		m[n].msg_hdr.msg_iovlen = 1;
		m[n].msg_hdr.msg_name = (void *)&o->to;
		m[n].msg_hdr.msg_namelen = sizeof(o->to);
		n++;
	}
	if (!n)
		return 0;
	r = sendmmsg(fd, m, n, 0);
	if (r < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR))
		return 1;
	if (r < 0) {
		/* The packet is skipped, so the run cannot hang on it. */
		if (!st->send_errors++)
			fprintf(stderr, "rtpprobe: sendmmsg: %s\n", strerror(errno));
		r = 1;
	} else {
		st->sent += r;
	}
	*next += r;
	return 0;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull,
			       .tv_nsec = ns % 1000000000ull };
	return ts;
}

/*
 * Sends at the rate while receiving, then receives until --expect packets
 * arrived or --timeout passed after the last send. Bounded: sending gives
 * up at twice its planned duration plus 10 s.
 */
static int run(int fd, const struct opts *o, struct stats *st)
{
	uint64_t interval = o->rate ? 1000000000ull / o->rate : 0;
	uint64_t start = now_ns() + (uint64_t)o->delay_ms * 1000000ull, t, wake, done = 0;
	uint64_t send_deadline = start + 2 * (uint64_t)o->count * interval + 10000000000ull +
				 (uint64_t)o->pause_ms * 1000000ull;
	uint32_t next = 0;
	int full = 0, r;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts;

		t = now_ns();
		if (next < o->count && t > send_deadline) {
			fprintf(stderr, "rtpprobe: sending gave up after %u of %u packets\n",
				next, o->count);
			next = o->count;
		}
		if (next < o->count && stop_sending)
			next = o->count; /* SIGUSR1: the stream ends here */
		if (next < o->count)
			full = send_due(fd, o, st, &next, start, interval, t);
		if (next >= o->count && !done)
			done = t;
		if (done && ((o->expect && st->received >= o->expect) ||
			     t >= done + (uint64_t)o->timeout_ms * 1000000ull))
			return 0;
		if (interrupted)
			return -EINTR;
		if (!done)
			wake = full ? t + 1000000 : due_at(o, start, interval, next);
		else
			wake = done + (uint64_t)o->timeout_ms * 1000000ull;
		if (full)
			pfd.events |= POLLOUT;
		ts = ns_to_ts(wake > t ? wake - t : 0);
		if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR)
			return -errno;
		if (pfd.revents & POLLIN) {
			r = recv_batch(fd, st, o);
			if (r < 0)
				return r;
		}
	}
}

#include "rtpprobe_report.h"

static void usage(void)
{
	printf(
		"usage: rtpprobe --bind IP:PORT [--to IP:PORT] [--count N] [--rate PPS]\n"
		"                [--ssrc HEX] [--seq N] [--expect N] [--expect-from IP:PORT]\n"
		"                [--timeout MS] [--delay MS] [--rtcp] [--size BYTES]\n"
		"                [--ts-step N] [--pause-at N --pause MS] [--json]\n"
		"  Sends --count packets (default 0: receive only) to --to at --rate per\n"
		"  second (default 500; 0 = as fast as possible) while receiving on the same\n"
		"  socket until --expect packets arrived (default 0) or --timeout ms (default\n"
		"  5000) passed after the last send. --expect 0 waits the whole timeout and\n"
		"  wants nothing; --timeout 0 makes a pure sender. --delay waits before the\n"
		"  first send (receiving already), so that two probes started together both\n"
		"  have their sockets bound before packets fly. --size is the payload\n"
		"  (%d..%d bytes, default 160). --ts-step is the RTP timestamp increment\n"
		"  (default 160: 20 ms at 8 kHz; use 8000/rate for a jitter-free stream).\n"
		"  --rtcp sends and expects RTCP SR packets. SIGUSR1 ends the sending\n"
		"  early (then receives for --timeout as after the last send).\n"
		"  --pause-at N --pause MS: packets N and later are sent MS ms later than\n"
		"  the rate says (a gap in a stream).\n"
		"  Exit: 0 all sent, exactly --expect received, all from --expect-from,\n"
		"  intact, no duplicates; 1 otherwise; 2 usage or setup error.\n",
		PAYLOAD_HDR, MAX_SIZE);
}

static int parse_endpoint(const char *s, struct sockaddr_in *a)
{
	char ip[INET_ADDRSTRLEN], *end;
	const char *colon = strrchr(s, ':');
	unsigned long port;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, colon - s);
	ip[colon - s] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535 || colon[1] == '-')
		return -1;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

static int parse_u32(const char *s, int base, uint32_t max, uint32_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, base);
	if (errno || *end || end == s || s[0] == '-' || x > max)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

enum opt_kind { OPT_ADDR, OPT_NUM, OPT_FLAG };

/* The options, one row each: what getopt_long, parsing, defaults and the
 * "given" bits (o->given, bit = row) all come from. */
static const struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off;        /* the field in struct opts */
	int base;          /* OPT_NUM: 10, or 16 for the SSRC */
	uint32_t min, max; /* OPT_NUM: valid range */
	uint32_t dflt;     /* OPT_NUM: default */
} opt_defs[] = {
#define OFF(f) offsetof(struct opts, f)
	{ "bind", OPT_ADDR, OFF(bind), 0, 0, 0, 0 },
	{ "to", OPT_ADDR, OFF(to), 0, 0, 0, 0 },
	{ "expect-from", OPT_ADDR, OFF(expect_from), 0, 0, 0, 0 },
	{ "ssrc", OPT_NUM, OFF(ssrc), 16, 0, UINT32_MAX, 0 },
	{ "seq", OPT_NUM, OFF(seq_start), 10, 0, 65535, 0 },
	{ "count", OPT_NUM, OFF(count), 10, 0, MAX_COUNT, 0 },
	{ "rate", OPT_NUM, OFF(rate), 10, 0, 10000000, 500 },
	{ "expect", OPT_NUM, OFF(expect), 10, 0, MAX_COUNT, 0 },
	{ "timeout", OPT_NUM, OFF(timeout_ms), 10, 0, 3600000, 5000 },
	{ "delay", OPT_NUM, OFF(delay_ms), 10, 0, 3600000, 0 },
	{ "size", OPT_NUM, OFF(size), 10, PAYLOAD_HDR, MAX_SIZE, 160 },
	{ "ts-step", OPT_NUM, OFF(ts_step), 10, 0, 65535, 160 },
	{ "pause-at", OPT_NUM, OFF(pause_at), 10, 0, MAX_COUNT, 0 },
	{ "pause", OPT_NUM, OFF(pause_ms), 10, 0, 3600000, 0 },
	{ "rtcp", OPT_FLAG, OFF(rtcp), 0, 0, 0, 0 },
	{ "json", OPT_FLAG, OFF(json), 0, 0, 0, 0 },
#undef OFF
};
#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

/* Row i's value from arg into o; -1 with a message when it is bad. */
static int parse_opt(size_t i, const char *arg, struct opts *o)
{
	const struct opt_def *d = &opt_defs[i];
	void *field = (char *)o + d->off;
	int r = 0;

	o->given |= 1u << i;
	if (d->kind == OPT_FLAG)
		*(bool *)field = true;
	else if (d->kind == OPT_ADDR)
		r = parse_endpoint(arg, field);
	else if (parse_u32(arg, d->base, d->max, field) || *(uint32_t *)field < d->min)
		r = -1;
	if (r)
		fprintf(stderr, "rtpprobe: bad value \"%s\" for --%s\n", arg, d->name);
	return r;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	struct option lo[N_OPTS + 2] = { { "help", no_argument, NULL, 'h' } };
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < N_OPTS; i++) {
		lo[i + 1] = (struct option){ opt_defs[i].name,
			opt_defs[i].kind == OPT_FLAG ? no_argument : required_argument,
			NULL, 256 + (int)i };
		if (opt_defs[i].kind == OPT_NUM)
			*(uint32_t *)((char *)o + opt_defs[i].off) = opt_defs[i].dflt;
	}
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'h') {
			usage();
			exit(0);
		}
		if (c < 256 || parse_opt((size_t)c - 256, optarg, o))
			return -1; /* getopt said what, for c < 256 */
	}
	if (optind < argc || !(o->given & GIVEN_BIND)) {
		fprintf(stderr, "rtpprobe: %s\n", optind < argc ? "unexpected argument" :
			"--bind IP:PORT is required");
		return -1;
	}
	if (o->count && !(o->given & GIVEN_TO)) {
		fprintf(stderr, "rtpprobe: --count %u needs --to IP:PORT\n", o->count);
		return -1;
	}
	if (!(o->given & GIVEN_SSRC))
		o->ssrc = (uint32_t)getpid() << 16 ^ ntohs(o->bind.sin_port) ^ (uint32_t)now_ns();
	if (!(o->given & GIVEN_SEQ))
		o->seq_start = o->ssrc >> 16;
	return 0;
}

static int open_socket(const struct opts *o)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int sz = 4 << 20;
	char a[32];

	if (fd < 0) {
		fprintf(stderr, "rtpprobe: socket: %s\n", strerror(errno));
		return -1;
	}
	/* Bursts after a scheduling gap must not overflow the default buffers;
	 * the FORCE variants pass the sysctl caps as root. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)&o->bind, sizeof(o->bind))) {
		fprintf(stderr, "rtpprobe: cannot bind %s: %s (address not in this "
			"namespace, or port in use?)\n", addr_str(&o->bind, a, sizeof(a)),
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct stats st;
	struct opts o;
	uint64_t start;
	int fd, r, i;
	bool ok;

	if (parse_args(argc, argv, &o)) {
		fprintf(stderr, "usage: rtpprobe --bind IP:PORT [--to IP:PORT] [--count N] ... "
			"(--help says more)\n");
		return 2;
	}
	fd = open_socket(&o);
	if (fd < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	memset(&st, 0, sizeof(st));
	start = now_ns();
	r = run(fd, &o, &st);
	if (r < 0 && r != -EINTR)
		fprintf(stderr, "rtpprobe: poll/receive failed: %s\n", strerror(-r));
	close(fd);
	if (st.nlat)
		qsort(st.lat_us, st.nlat, sizeof(*st.lat_us), cmp_u32);
	report(&st, &o, now_ns() - start);
	ok = r == 0 && st.sent == o.count && st.received == o.expect && !st.bad_source &&
	     !st.bad_payload && !st.duplicates;
	for (i = 0; i < st.nstreams; i++)
		free(st.streams[i].seen);
	free(st.lat_us);
	return ok ? 0 : 1;
}
