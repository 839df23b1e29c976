// SPDX-License-Identifier: GPL-2.0
/*
 * test_latch.c - whom a learning leg on a latch = yes interface takes as its
 * peer, through the real relay: sessions on loopback (a private network
 * namespace, xdp_mode off), RTP and RTCP sent from sockets standing for the
 * NATed peer, strangers and a sprayer, the event loop run between packets.
 *
 * Leg A (interface "nat", latch = yes) is signalled as 127.0.0.5:10000.
 * The NATed peer really sends from 127.0.0.5:17000 (same IP, other port),
 * its RTCP from 127.0.0.5:17777. Leg B's peer, 127.0.0.6:12000, receives
 * what leg A relays. Strangers are other addresses. Every case runs twice:
 * relayed on the loop thread ([relay] workers = 0), then by two relay
 * workers, where latching must behave the same.
 */
#include "check.h"
#include "core/config.h"
#include "core/loop.h"
#include "core/log.h"
#include "media/session.h"
#include "media/sweep.h"
#include "media/worker.h"
#include "netns_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Strangers must keep up a stream for longer than this before they may
 * latch (the relay's hold, 500 ms, plus a margin for a slow machine). */
#define PAST_HOLD_MS 700
/* Sources of the sprayer: fewer than the candidates a leg keeps beside the
 * peer's (OPERATIONS.md says what more can do). */
#define N_SPRAY 3

static struct rtpe_cfg cfg;
static struct media M;
static uint64_t pump_until;
static bool on_workers; /* the second pass: the legs on relay workers (media/worker.h) */

/* The cases run twice: relayed on the loop thread, then on two workers. */
#define LCASE(name) CASE_BEGIN(on_workers ? name " (relay workers)" : (name))

static struct sockaddr_in ep(const char *ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static int sock_at(const char *ip, uint16_t port)
{
	struct sockaddr_in sa = ep(ip, port);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_tick(struct loop *l, void *arg)
{
	(void)arg;
	if (mono_ns() >= pump_until)
		loop_stop(l);
}

/* Runs the loop for ms (the relay reads what was sent meanwhile). */
static void pump(unsigned ms)
{
	pump_until = mono_ns() + (uint64_t)ms * 1000000ull;
	loop_run(M.loop);
}

/* One RTP packet (version 2, PT 0) of ssrc with seq, from fd to `to`. */
static void send_rtp(int fd, const struct sockaddr_in *to, uint32_t ssrc, uint16_t seq)
{
	unsigned char p[32] = { 0x80, 0x00, (unsigned char)(seq >> 8), (unsigned char)seq };

	p[8] = (unsigned char)(ssrc >> 24);
	p[9] = (unsigned char)(ssrc >> 16);
	p[10] = (unsigned char)(ssrc >> 8);
	p[11] = (unsigned char)ssrc;
	sendto(fd, p, sizeof(p), 0, (const struct sockaddr *)to, sizeof(*to));
}

static void send_rtcp(int fd, const struct sockaddr_in *to)
{
	unsigned char p[8] = { 0x80, 200, 0, 1, 1, 2, 3, 4 };

	sendto(fd, p, sizeof(p), 0, (const struct sockaddr *)to, sizeof(*to));
}

/* n RTP packets in sequence from fd, the loop run after each. */
static void stream(int fd, const struct sockaddr_in *to, uint32_t ssrc, uint16_t seq0, int n)
{
	for (int i = 0; i < n; i++) {
		send_rtp(fd, to, ssrc, (uint16_t)(seq0 + i));
		pump(5);
	}
}

/* Datagrams waiting on fd; counts those of ssrc into *of (may be NULL). */
static int drain(int fd, uint32_t ssrc, int *of)
{
	unsigned char b[2048];
	int n = 0;
	ssize_t k;

	while ((k = recv(fd, b, sizeof(b), MSG_DONTWAIT)) >= 0) {
		n++;
		if (of && k >= 12 &&
		    ((uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11]) == ssrc)
			(*of)++;
	}
	return n;
}

static bool is_ep(const struct sockaddr_in *a, const char *ip, uint16_t port)
{
	struct sockaddr_in b = ep(ip, port);

	return a->sin_addr.s_addr == b.sin_addr.s_addr && a->sin_port == b.sin_port;
}

static const char *ep_str(const struct sockaddr_in *a)
{
	static char buf[4][32];
	static int i;
	char *s = buf[i++ & 3];

	return sockaddr_str(a, s, 32);
}

/* The sockets of the hosts around leg A (and leg B's peer). */
struct hosts {
	int nat, nat_rtcp, far, att, stranger, spray[N_SPRAY];
};

static struct hosts H;

/* A fresh session: leg A learning on the latching interface. */
static struct session *new_session(struct sockaddr_in *la, struct sockaddr_in *lb)
{
	struct sockaddr_in pa = ep("127.0.0.5", 10000), pb = ep("127.0.0.6", 12000);
	struct session *s;
	char err[256];

	if (session_create(&M, 0, &pa, 1, &pb, &s, err, sizeof(err))) {
		fprintf(stderr, "session_create: %s\n", err);
		return NULL;
	}
	int all[] = { H.nat, H.nat_rtcp, H.far, H.att, H.stranger };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		drain(all[i], 0, NULL); /* what an earlier case left */
	*la = s->leg[0].local;
	*lb = s->leg[1].local;
	return s;
}

/* Packets the relay workers relayed so far. */
static uint64_t worker_relayed(void)
{
	uint64_t sum = 0, pk, by, ns;

	for (int i = 0; i < workers_count(&M); i++) {
		worker_figures(&M, i, &pk, &by, &ns);
		sum += pk;
	}
	return sum;
}

static void t_exact(void)
{
	struct sockaddr_in la, lb;
	struct session *s = new_session(&la, &lb);
	int sig = sock_at("127.0.0.5", 10000);

	LCASE("latch: the exact signalled address confirms at its first packet");
	CHECK(s && sig >= 0, "setup");
	if (s && sig >= 0) {
		send_rtp(sig, &la, 0x5160, 1);
		pump(10);
		CHECK(s->leg[0].path != RTPE_PATH_LEARNING, "still learning");
		CHECK(is_ep(&s->leg[0].peer, "127.0.0.5", 10000), "peer %s", ep_str(&s->leg[0].peer));
		CHECK(drain(H.far, 0, NULL) == 1, "the packet was not relayed");
		CHECK(!on_workers || worker_relayed() > 0, "no worker relayed it");
		session_destroy(&M, s);
	}
	if (sig >= 0)
		close(sig);
	CASE_END();
}

static void t_nat_probation(void)
{
	struct sockaddr_in la, lb;
	struct session *s = new_session(&la, &lb);
	int got = 0;

	LCASE("latch: the signalled IP on another port latches after three packets in "
	      "sequence, its RTCP port as seen, not port + 1");
	CHECK(s, "setup");
	if (!s) {
		CASE_END();
		return;
	}
	send_rtp(H.nat, &la, 0xa1, 100);
	pump(10);
	CHECK(s->leg[0].path == RTPE_PATH_LEARNING, "latched at the first packet");
	CHECK(is_ep(&s->leg[0].peer, "127.0.0.5", 10000), "peer %s", ep_str(&s->leg[0].peer));
	CHECK(drain(H.far, 0, NULL) == 0, "a packet of a source on probation was relayed");
	la.sin_port = htons((uint16_t)(ntohs(la.sin_port) + 1));
	send_rtcp(H.nat_rtcp, &la); /* the NAT's RTCP mapping: not RTP port + 1 */
	la.sin_port = htons((uint16_t)(ntohs(la.sin_port) - 1));
	pump(10);
	CHECK(drain(H.far, 0, NULL) == 0, "RTCP of a peer still unknown was relayed");
	stream(H.nat, &la, 0xa1, 101, 2);
	CHECK(s->leg[0].path != RTPE_PATH_LEARNING, "not latched after three packets");
	CHECK(is_ep(&s->leg[0].peer, "127.0.0.5", 17000), "peer %s", ep_str(&s->leg[0].peer));
	CHECK(s->leg[0].peer_rtcp_port == 17777, "RTCP port %u, learned 17777",
	      s->leg[0].peer_rtcp_port);
	CHECK(drain(H.far, 0xa1, &got) == 1 && got == 1, "the latching packet was not relayed");
	send_rtp(H.far, &lb, 0xb2, 1);
	pump(10);
	CHECK(drain(H.nat, 0xb2, &got) == 1, "media did not reach the latched peer");
	session_destroy(&M, s);
	CASE_END();
}

static void t_rtp_only(void)
{
	struct sockaddr_in la, lb;
	struct session *s = new_session(&la, &lb);

	LCASE("latch: without RTCP seen, the latched RTP port + 1");
	CHECK(s, "setup");
	if (s) {
		stream(H.nat, &la, 0xa2, 7, 3);
		CHECK(is_ep(&s->leg[0].peer, "127.0.0.5", 17000), "peer %s", ep_str(&s->leg[0].peer));
		CHECK(s->leg[0].peer_rtcp_port == 17001, "RTCP port %u", s->leg[0].peer_rtcp_port);
		session_destroy(&M, s);
	}
	CASE_END();
}

static void t_race(void)
{
	struct sockaddr_in la, lb;
	struct session *s = new_session(&la, &lb);
	int from_nat = 0, att_got;

	LCASE("latch: a stranger's stream, started first, loses to the NATed peer; it "
	      "receives nothing and injects nothing; no re-latch afterwards");
	CHECK(s, "setup");
	if (!s) {
		CASE_END();
		return;
	}
	stream(H.att, &la, 0xbad, 1, 6);
	CHECK(s->leg[0].path == RTPE_PATH_LEARNING, "a stranger latched at once (peer %s)",
	      ep_str(&s->leg[0].peer));
	stream(H.nat, &la, 0xa3, 50, 3);
	CHECK(is_ep(&s->leg[0].peer, "127.0.0.5", 17000), "peer %s", ep_str(&s->leg[0].peer));
	stream(H.att, &la, 0xbad, 7, 10);
	pump(PAST_HOLD_MS);
	stream(H.att, &la, 0xbad, 17, 5);
	CHECK(is_ep(&s->leg[0].peer, "127.0.0.5", 17000), "re-latched to %s",
	      ep_str(&s->leg[0].peer));
	CHECK(drain(H.far, 0xa3, &from_nat) == 1 && from_nat == 1,
	      "leg B's peer got %d packets, 1 from the NATed peer", from_nat);
	send_rtp(H.far, &lb, 0xb3, 1);
	pump(10);
	att_got = drain(H.att, 0, NULL);
	CHECK(att_got == 0, "the stranger received %d packets", att_got);
	CHECK(drain(H.nat, 0, NULL) == 1, "the NATed peer did not receive media");
	session_destroy(&M, s);
	CASE_END();
}

static void t_spray(void)
{
	struct sockaddr_in la, lb;
	struct session *s = new_session(&la, &lb);
	uint16_t seq = 1000;

	LCASE("latch: a peer behind NAT on another IP latches after the hold although a "
	      "sprayer hits the port between its packets");
	CHECK(s, "setup");
	if (!s) {
		CASE_END();
		return;
	}
	for (int i = 0; i < 60 && s->leg[0].path == RTPE_PATH_LEARNING; i++) {
		send_rtp(H.stranger, &la, 0x7e, seq++);
		pump(2);
		for (int k = 0; k < N_SPRAY; k++)
			send_rtp(H.spray[k], &la, 0xbad0 + (uint32_t)k, (uint16_t)(i * 77 + k));
		pump(18);
		if (i == 3)
			CHECK(s->leg[0].path == RTPE_PATH_LEARNING,
			      "a stranger latched before the hold (peer %s)", ep_str(&s->leg[0].peer));
	}
	CHECK(s->leg[0].path != RTPE_PATH_LEARNING, "never latched");
	CHECK(is_ep(&s->leg[0].peer, "127.0.0.7", 18000), "peer %s", ep_str(&s->leg[0].peer));
	session_destroy(&M, s);
	CASE_END();
}

static void t_window_end(void)
{
	struct sockaddr_in la, lb;
	struct session *s = new_session(&la, &lb);

	LCASE("latch: the sweep ends a learning window that is over: the signalled peer, the "
	      "leg on its confirmed path");
	CHECK(s, "setup");
	if (!s) {
		CASE_END();
		return;
	}
	pump(10); /* the session reached its worker */
	CHECK(s->leg[1].path == RTPE_PATH_LEARNING, "leg B not learning: %d", s->leg[1].path);
	s->leg[1].learn_until_ns = 0; /* its window is over (the worker reads it next) */
	sweep_run(&M);
	pump(10);
	CHECK(s->leg[1].path == RTPE_PATH_USERSPACE, "leg B path %d after the sweep",
	      s->leg[1].path);
	CHECK(is_ep(&s->leg[1].peer, "127.0.0.6", 12000), "peer %s", ep_str(&s->leg[1].peer));
	session_destroy(&M, s);
	CASE_END();
}

static void t_timeout(void)
{
	struct sockaddr_in la, lb, la2, lb2;
	struct session *s = new_session(&la, &lb), *quiet = new_session(&la2, &lb2);
	int sig = sock_at("127.0.0.5", 10000);
	uint32_t id = s ? s->id : 0, quiet_id = quiet ? quiet->id : 0;

	LCASE("latch: the sweep reads the last packet the relay saw: a session with media "
	      "stays, one without is timed out");
	CHECK(s && quiet && sig >= 0, "setup");
	if (s && quiet && sig >= 0) {
		send_rtp(sig, &la, 0x71, 1);
		pump(10);
		/* As if both were created long ago: only media keeps them. */
		s->created_ns = quiet->created_ns = 0;
		sweep_run(&M);
		pump(10);
		CHECK(session_find(&M, id) == s, "the session with media was removed");
		CHECK(!session_find(&M, quiet_id), "the session without media stayed");
		if (session_find(&M, id))
			session_destroy(&M, s);
	}
	if (sig >= 0)
		close(sig);
	CASE_END();
}

static int media_up(char *err, size_t errlen)
{
	static const char conf[] =
		"[relay]\nxdp_mode = off\nport_min = 20000\nport_max = 20099\n"
		"learning_window = 10\nlog_level = error\n"
		"[interface nat]\ndevice = lo\naddress = 127.0.0.1\nlatch = yes\n"
		"[interface far]\ndevice = lo\naddress = 127.0.0.2\n";

	if (config_parse_string("test.conf", conf, &cfg, err, errlen))
		return -1;
	log_set_level((enum log_level)cfg.log_level);
	M.cfg = &cfg;
	M.loop = loop_new();
	M.n_ifaces = cfg.n_ifaces;
	for (int i = 0; i < cfg.n_ifaces; i++)
		M.ifaces[i].cfg = cfg.ifaces[i];
	if (!M.loop || sessions_init(&M) || loop_every(M.loop, 1, on_tick, NULL) < 0) {
		snprintf(err, errlen, "session table or loop");
		return -1;
	}
	H.nat = sock_at("127.0.0.5", 17000);
	H.nat_rtcp = sock_at("127.0.0.5", 17777);
	H.far = sock_at("127.0.0.6", 12000);
	H.att = sock_at("127.0.0.9", 31337);
	H.stranger = sock_at("127.0.0.7", 18000);
	for (int k = 0; k < N_SPRAY; k++)
		if ((H.spray[k] = sock_at("127.0.0.9", (uint16_t)(30000 + k))) < 0)
			H.nat = -1;
	if (H.nat < 0 || H.nat_rtcp < 0 || H.far < 0 || H.att < 0 || H.stranger < 0) {
		snprintf(err, errlen, "cannot bind the hosts' sockets: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int main(void)
{
	char err[256] = "";

	if (geteuid() != 0) {
		CASE_SKIP("latch", "needs root (a network namespace of its own)");
		return 0;
	}
	if (unshare(CLONE_NEWNET) || lo_up() || media_up(err, sizeof(err))) {
		LCASE("latch: setup");
		CHECK(0, "%s", err[0] ? err : strerror(errno));
		CASE_END();
		CHECK_EXIT();
	}
	for (int pass = 0; pass < 2; pass++) {
		t_exact();
		t_nat_probation();
		t_rtp_only();
		t_race();
		t_spray();
		t_window_end();
		t_timeout();
		cfg.workers = 2;
		if (!pass && workers_start(&M, err, sizeof(err))) {
			CASE_BEGIN("latch: relay workers start");
			CHECK(0, "%s", err);
			CASE_END();
			break;
		}
		on_workers = true;
	}
	sessions_fini(&M);
	loop_free(M.loop);
	CHECK_EXIT();
}
