// SPDX-License-Identifier: GPL-2.0
/*
 * srtppeer - an SRTP endpoint for tests, on libsrtp2: rtpprobe's packets
 * (rtpprobe_payload.h: every byte verifiable) protected with a suite and
 * key before they leave, and what arrives unprotected and verified byte
 * for byte; the same report (rtpprobe_report.h). A packet that does not
 * unprotect counts as bad_payload (stderr says why).
 *
 * For the relay's refusal tests it can also misbehave: --tamper flips a
 * payload bit of every packet after protecting it, --replay sends every
 * protected packet twice. A stranger's "valid-looking" SRTP is simply the
 * right SSRC and sequence numbers under another --key.
 *
 * Exit status as rtpprobe's: 0 when everything was sent and exactly
 * --expect packets arrived from --expect-from, intact; 1 otherwise; 2 on
 * usage or setup errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <srtp2/srtp.h>

#define PROBE_MAGIC 0x52545045u /* "RTPE" */
#define RTP_HDR 12
#define RTCP_HDR 8
#define RTCP_PT_SR 200
#define PAYLOAD_HDR 28
#define MAX_SIZE 1400
#define MAX_COUNT 10000000u
#define MAX_STREAMS 8
#define BUF_SIZE 2048
#define MAX_BAD_LOG 5
#define TRAILER 64      /* room for the tag and the SRTCP index */

enum kind { KIND_RTP = 0, KIND_RTCP = 1 };

struct opts {
	struct sockaddr_in bind, to, expect_from;
	bool rtcp, json, tamper, replay, have_to, have_from;
	uint32_t count, rate, expect, ssrc, timeout_ms, size, delay_ms, ts_step, seq_start;
	uint32_t pause_at, pause_ms; /* packets from pause_at on are sent pause_ms later */
	srtp_t tx, rx;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

#define PROBE_NAME "srtppeer"
#include "probe_stats.h"
#include "rtpprobe_payload.h"

static const char *srtp_why(srtp_err_status_t e)
{
	return e == srtp_err_status_auth_fail ? "SRTP authentication failed" :
	       e == srtp_err_status_replay_fail || e == srtp_err_status_replay_old ?
	       "SRTP replay" : "SRTP unprotect failed";
}

/* Accounts one received datagram: source, unprotect, integrity, order. */
static void account(struct stats *st, const struct opts *o, uint8_t *p, size_t len,
		    const struct sockaddr_in *src, uint64_t t)
{
	uint32_t ssrc, index, nbits = o->count > o->expect ? o->count : o->expect;
	const char *why = NULL;
	struct stream *s = NULL;
	uint64_t send_ns;
	int n = (int)len;
	srtp_err_status_t e;

	if (!st->received++)
		st->first_src = *src;
	st->last_src = *src;
	if (o->have_from && (src->sin_addr.s_addr != o->expect_from.sin_addr.s_addr ||
			     src->sin_port != o->expect_from.sin_port)) {
		st->bad_source++;
		log_bad(st, src, "not from --expect-from");
		return;
	}
	e = o->rtcp ? srtp_unprotect_rtcp(o->rx, p, &n) : srtp_unprotect(o->rx, p, &n);
	if (e)
		why = srtp_why(e);
	if (!why)
		why = verify_packet(p, (size_t)n, o->rtcp, &ssrc, &index, &send_ns);
	if (!why && !(s = stream_get(st, ssrc, nbits < 65536 ? 65536 : nbits)))
		why = "more SSRCs than a peer tracks";
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

static int recv_some(int fd, struct stats *st, const struct opts *o)
{
	static uint8_t buf[BUF_SIZE];
	struct sockaddr_in src;
	socklen_t sl;
	int got = 0;

	for (;;) {
		ssize_t n;

		sl = sizeof(src);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&src, &sl);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? got : -errno;
		account(st, o, buf, (size_t)n, &src, now_ns());
		got++;
	}
}

/* Protects and sends packet index (twice with --replay). 0, or 1 when the
 * socket is full (the packet is sent again later). */
static int send_one(int fd, const struct opts *o, struct stats *st, uint32_t index)
{
	uint8_t buf[BUF_SIZE + TRAILER];
	int len = (int)build_packet(buf, o, index), r;
	srtp_err_status_t e;

	e = o->rtcp ? srtp_protect_rtcp(o->tx, buf, &len) : srtp_protect(o->tx, buf, &len);
	if (e) {
		if (!st->send_errors++)
			fprintf(stderr, "srtppeer: protect failed (%d)\n", e);
		return 0;
	}
	if (o->tamper)
		buf[(o->rtcp ? RTCP_HDR : RTP_HDR) + 5] ^= 0x01;
	for (int k = 0; k < (o->replay ? 2 : 1); k++) {
		r = (int)sendto(fd, buf, (size_t)len, 0, (const struct sockaddr *)&o->to,
				sizeof(o->to));
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS))
			return k ? 0 : 1; /* a protected index cannot be sent again: drop the copy */
		if (r < 0 && !st->send_errors++)
			fprintf(stderr, "srtppeer: sendto: %s\n", strerror(errno));
	}
	st->sent++;
	return 0;
}

/* When packet i is due: start + i intervals, plus the pause from pause_at on. */
static uint64_t due_at(const struct opts *o, uint64_t start, uint64_t interval, uint32_t i)
{
	uint64_t t = start + (uint64_t)i * interval;

	return o->pause_ms && i >= o->pause_at ? t + (uint64_t)o->pause_ms * 1000000ull : t;
}

/* Sends at the rate while receiving, then receives until --expect arrived
 * or --timeout ms after the last send (as rtpprobe's run). */
static int run(int fd, const struct opts *o, struct stats *st)
{
	uint64_t interval = o->rate ? 1000000000ull / o->rate : 0;
	uint64_t start = now_ns() + (uint64_t)o->delay_ms * 1000000ull, t, wake, done = 0;
	uint64_t deadline = start + 2 * (uint64_t)o->count * interval + 10000000000ull +
			    (uint64_t)o->pause_ms * 1000000ull;
	uint32_t next = 0;
	int full = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts;

		t = now_ns();
		if (next < o->count && t > deadline)
			next = o->count;
		full = 0;
		while (next < o->count && due_at(o, start, interval, next) <= t && !full) {
			full = send_one(fd, o, st, next);
			next += !full;
		}
		if (next >= o->count && !done)
			done = t;
		if (done && ((o->expect && st->received >= o->expect) ||
			     t >= done + (uint64_t)o->timeout_ms * 1000000ull))
			return 0;
		if (interrupted)
			return -EINTR;
		wake = !done ? (full ? t + 1000000 : due_at(o, start, interval, next)) :
			       done + (uint64_t)o->timeout_ms * 1000000ull;
		ts.tv_sec = (time_t)((wake > t ? wake - t : 0) / 1000000000ull);
		ts.tv_nsec = (long)((wake > t ? wake - t : 0) % 1000000000ull);
		if (full)
			pfd.events |= POLLOUT;
		if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR)
			return -errno;
		if ((pfd.revents & POLLIN) && recv_some(fd, st, o) < 0)
			return -EIO;
	}
}

#include "rtpprobe_report.h"

static int b64val(char c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

/* base64 key || salt (padding optional) into out; bytes, or -1. */
static int b64dec(const char *s, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0, n = 0;

	for (; *s && *s != '='; s++) {
		int v = b64val(*s);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if ((size_t)n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* A libsrtp session of suite with the base64 key for any SSRC. */
static int session(const char *suite, const char *b64, srtp_ssrc_type_t type, srtp_t *out)
{
	static uint8_t keys[2][64];
	static int used;
	uint8_t *key = keys[used++ & 1];
	srtp_policy_t p;
	int n = b64dec(b64, key, 64), want;

	memset(&p, 0, sizeof(p));
	if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_80")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
		want = 30;
	} else if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_32")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
		want = 30;
	} else if (!strcmp(suite, "AEAD_AES_128_GCM")) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
		want = 28;
	} else if (!strcmp(suite, "AEAD_AES_256_GCM")) {
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
		want = 44;
	} else {
		fprintf(stderr, "srtppeer: unknown --suite %s\n", suite);
		return -1;
	}
	if (n != want) {
		fprintf(stderr, "srtppeer: a %s key is %d bytes of base64, not %d\n", suite, want, n);
		return -1;
	}
	p.ssrc.type = type;
	p.key = key;
	return srtp_create(out, &p) == srtp_err_status_ok ? 0 : -1;
}

static int endpoint(const char *s, struct sockaddr_in *a)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 && a->sin_port ? 0 : -1;
}

static void usage(void)
{
	puts("usage: srtppeer --bind IP:PORT --suite SUITE --key B64 [--rx-key B64]\n"
	     "                [--to IP:PORT] [--count N] [--rate PPS] [--ssrc HEX] [--seq N]\n"
	     "                [--expect N] [--expect-from IP:PORT] [--timeout MS] [--delay MS]\n"
	     "                [--size BYTES] [--rtcp] [--tamper] [--replay] [--json]\n"
	     "                [--pause-at N --pause MS]\n"
	     "  rtpprobe's options and report, with SRTP: --key protects what this peer\n"
	     "  sends, --rx-key (default --key) unprotects what it receives (base64 of key\n"
	     "  || salt, RFC 4568 inline form without parameters).");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "bind", 1, 0, 'b' }, { "to", 1, 0, 't' }, { "expect-from", 1, 0, 'f' },
		{ "ssrc", 1, 0, 's' }, { "seq", 1, 0, 'q' }, { "count", 1, 0, 'c' },
		{ "rate", 1, 0, 'r' }, { "expect", 1, 0, 'e' }, { "timeout", 1, 0, 'T' },
		{ "delay", 1, 0, 'd' }, { "size", 1, 0, 'z' }, { "rtcp", 0, 0, 'R' },
		{ "json", 0, 0, 'j' }, { "tamper", 0, 0, 'X' }, { "replay", 0, 0, 'P' },
		{ "suite", 1, 0, 'S' }, { "key", 1, 0, 'k' }, { "rx-key", 1, 0, 'K' },
		{ "pause-at", 1, 0, 'A' }, { "pause", 1, 0, 'p' }, { "help", 0, 0, 'h' }, { 0 },
	};
	const char *suite = "AES_CM_128_HMAC_SHA1_80", *key = NULL, *rxkey = NULL;
	bool have_bind = false, have_ssrc = false, have_seq = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->rate = 500;
	o->timeout_ms = 5000;
	o->size = 160;
	o->ts_step = 160;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b': have_bind = !endpoint(optarg, &o->bind); break;
		case 't': o->have_to = !endpoint(optarg, &o->to); break;
		case 'f': o->have_from = !endpoint(optarg, &o->expect_from); break;
		case 's': o->ssrc = (uint32_t)strtoul(optarg, NULL, 16); have_ssrc = true; break;
		case 'q': o->seq_start = (uint32_t)atoi(optarg) & 0xffff; have_seq = true; break;
		case 'c': o->count = (uint32_t)atoi(optarg); break;
		case 'r': o->rate = (uint32_t)atoi(optarg); break;
		case 'e': o->expect = (uint32_t)atoi(optarg); break;
		case 'T': o->timeout_ms = (uint32_t)atoi(optarg); break;
		case 'd': o->delay_ms = (uint32_t)atoi(optarg); break;
		case 'z': o->size = (uint32_t)atoi(optarg); break;
		case 'R': o->rtcp = true; break;
		case 'j': o->json = true; break;
		case 'X': o->tamper = true; break;
		case 'P': o->replay = true; break;
		case 'S': suite = optarg; break;
		case 'k': key = optarg; break;
		case 'K': rxkey = optarg; break;
		case 'A': o->pause_at = (uint32_t)atoi(optarg); break;
		case 'p': o->pause_ms = (uint32_t)atoi(optarg); break;
		case 'h': usage(); exit(0);
		default: return -1;
		}
	}
	if (!have_bind || !key || (o->count && !o->have_to) || o->size < PAYLOAD_HDR ||
	    o->size > MAX_SIZE || o->count > MAX_COUNT || o->expect > MAX_COUNT) {
		fprintf(stderr, "srtppeer: --bind and --key are required, --count needs --to, "
			"--size %d..%d\n", PAYLOAD_HDR, MAX_SIZE);
		return -1;
	}
	if (!have_ssrc)
		o->ssrc = (uint32_t)getpid() << 16 ^ ntohs(o->bind.sin_port) ^ (uint32_t)now_ns();
	if (!have_seq)
		o->seq_start = o->ssrc >> 16;
	return session(suite, key, ssrc_any_outbound, &o->tx) ||
	       session(suite, rxkey ? rxkey : key, ssrc_any_inbound, &o->rx) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct stats st;
	struct opts o;
	uint64_t start;
	int fd, r, sz = 4 << 20;
	bool ok;

	srtp_init();
	if (parse_args(argc, argv, &o))
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)),
		       bind(fd, (const struct sockaddr *)&o.bind, sizeof(o.bind)))) {
		fprintf(stderr, "srtppeer: cannot bind: %s\n", strerror(errno));
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	memset(&st, 0, sizeof(st));
	start = now_ns();
	r = run(fd, &o, &st);
	close(fd);
	if (st.nlat)
		qsort(st.lat_us, st.nlat, sizeof(*st.lat_us), cmp_u32);
	report(&st, &o, now_ns() - start);
	ok = r == 0 && st.sent == o.count && st.received == o.expect && !st.bad_source &&
	     !st.bad_payload && !st.duplicates;
	for (int i = 0; i < st.nstreams; i++)
		free(st.streams[i].seen);
	free(st.lat_us);
	srtp_dealloc(o.tx);
	srtp_dealloc(o.rx);
	return ok ? 0 : 1;
}
