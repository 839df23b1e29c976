/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe_stats.h - what a receiving test endpoint counts, shared by rtpprobe
 * and srtppeer (included once by each): the streams seen (one bitmap of
 * packet indexes per SSRC), the totals, one-way latencies, and the helpers
 * that fill them. The includer defines MAX_STREAMS, MAX_COUNT, MAX_BAD_LOG
 * and PROBE_NAME (the program's name for stderr) first.
 */
#ifndef RTPE_PROBE_STATS_H
#define RTPE_PROBE_STATS_H

struct stream {             /* what one SSRC delivered */
	uint32_t ssrc;
	uint8_t *seen;      /* bitmap of packet indexes */
	uint32_t nbits;
	uint32_t max_index;
	bool any;
};

struct stats {
	uint64_t sent, send_errors, received, bad_source, bad_payload;
	uint64_t duplicates, reordered, distinct;
	uint32_t *lat_us;   /* one-way latency of each valid packet */
	size_t nlat, caplat;
	struct sockaddr_in first_src, last_src;
	struct stream streams[MAX_STREAMS];
	int nstreams;
	unsigned bad_logged;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *addr_str(const struct sockaddr_in *a, char *buf, size_t n)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(buf, n, "%s:%u", ip, ntohs(a->sin_port));
	return buf;
}

/* One stderr line for each of the first MAX_BAD_LOG bad packets. */
static void log_bad(struct stats *st, const struct sockaddr_in *src, const char *why)
{
	char a[32];

	if (st->bad_logged++ >= MAX_BAD_LOG)
		return;
	fprintf(stderr, PROBE_NAME ": bad packet from %s: %s\n",
		addr_str(src, a, sizeof(a)), why);
}

/* The stream of ssrc, created on first sight; NULL when too many. */
static struct stream *stream_get(struct stats *st, uint32_t ssrc, uint32_t nbits)
{
	struct stream *s;
	int i;

	for (i = 0; i < st->nstreams; i++)
		if (st->streams[i].ssrc == ssrc)
			return &st->streams[i];
	if (st->nstreams == MAX_STREAMS)
		return NULL;
	s = &st->streams[st->nstreams];
	s->seen = calloc(nbits / 8 + 1, 1);
	if (!s->seen)
		return NULL;
	s->ssrc = ssrc;
	s->nbits = nbits;
	st->nstreams++;
	return s;
}

/* Keeps one latency sample (send to receive, microseconds). */
static void lat_add(struct stats *st, uint64_t send_ns, uint64_t recv_ns)
{
	uint64_t us = recv_ns > send_ns ? (recv_ns - send_ns) / 1000 : 0;
	uint32_t *n;

	if (st->nlat == st->caplat) {
		if (st->caplat >= MAX_COUNT)
			return;
		st->caplat = st->caplat ? st->caplat * 2 : 4096;
		n = realloc(st->lat_us, st->caplat * sizeof(*n));
		if (!n) {
			st->caplat = st->nlat;
			return;
		}
		st->lat_us = n;
	}
	st->lat_us[st->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

#endif
