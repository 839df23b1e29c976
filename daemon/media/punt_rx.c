// SPDX-License-Identifier: GPL-2.0
/*
 * punt_rx.c - the receive side of the slow path of socket-less legs
 * (punt.h): the perf buffer the XDP program writes punted frames to, and
 * their parsing back to a leg and a UDP datagram, handed to the relay
 * (relay.c), which sends on through punt_tx.c.
 */
#include "media/punt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "core/log.h"
#include "core/loop.h"
#include "media/punt_tx.h"
#include "media/relay.h"
#include "xdp/xdp.h"

#define PUNT_PAGES 64 /* per CPU: 256 KiB, ~1,000 frames of backlog */
#define ETH_HLEN 14
#define VLAN_HLEN 4

struct punt {
	struct perf_buffer *pb;
	int epfd;
	uint64_t lost, unknown;
};

int punt_frame_udp(const unsigned char *f, unsigned len, struct sockaddr_in *src,
		   struct sockaddr_in *dst, const unsigned char **payload, unsigned *plen)
{
	unsigned off = ETH_HLEN, ihl, ulen;
	uint16_t proto;

	if (len < ETH_HLEN)
		return -1;
	proto = (uint16_t)(f[12] << 8 | f[13]);
	if (proto == 0x8100) {
		if (len < ETH_HLEN + VLAN_HLEN)
			return -1;
		proto = (uint16_t)(f[16] << 8 | f[17]);
		off += VLAN_HLEN;
	}
	if (proto != 0x0800 || len < off + 20 || (f[off] >> 4) != 4 || f[off + 9] != IPPROTO_UDP)
		return -1;
	ihl = (f[off] & 0xf) * 4u;
	if (ihl < 20 || len < off + ihl + 8)
		return -1;
	*src = (struct sockaddr_in){ .sin_family = AF_INET };
	*dst = *src;
	memcpy(&src->sin_addr, f + off + 12, 4);
	memcpy(&dst->sin_addr, f + off + 16, 4);
	off += ihl;
	memcpy(&src->sin_port, f + off, 2);
	memcpy(&dst->sin_port, f + off + 2, 2);
	ulen = (unsigned)(f[off + 4] << 8 | f[off + 5]);
	if (ulen < 8 || off + ulen > len)
		return -1;
	*payload = f + off + 8;
	*plen = ulen - 8;
	return 0;
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct media *r = ctx;
	const struct rtpe_punt_meta *m = data;
	const unsigned char *payload;
	struct sockaddr_in src, dst;
	struct leg *l;
	unsigned plen;
	uint16_t port;

	(void)cpu;
	if (size < sizeof(*m) || m->len > size - sizeof(*m) || m->slot >= 2 * r->cfg->max_sessions ||
	    punt_frame_udp((const unsigned char *)(m + 1), m->len, &src, &dst, &payload, &plen)) {
		r->punt->unknown++;
		return;
	}
	l = r->slot_leg[m->slot];
	port = ntohs(dst.sin_port);
	/* The slot must still be the leg the frame was meant for. */
	if (!l || l->local.sin_addr.s_addr != dst.sin_addr.s_addr ||
	    ntohs(l->local.sin_port) != (port & ~1u)) {
		r->punt->unknown++;
		return;
	}
	relay_punted(r, l, port & 1, &src, payload, plen);
}

/* The kernel's count of samples the buffer had no room for, reported when
 * room came back: exported (punt_lost), and logged. */
static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	struct media *r = ctx;

	r->punt->lost += cnt;
	log_warn("punt: %llu frames lost on CPU %d (the daemon fell behind)",
		 (unsigned long long)cnt, cpu);
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct media *r = arg;

	(void)l;
	(void)fd;
	(void)events;
	perf_buffer__consume(r->punt->pb);
}

int punt_start(struct media *r, char *err, size_t errlen)
{
	struct punt *p;
	int e;

	if (!r->xdp)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->punt = p;
	e = punt_tx_open(r, err, errlen);
	if (e)
		goto fail;
	p->pb = perf_buffer__new(xdp_punt_fd(r->xdp), PUNT_PAGES, on_sample, on_lost, r, NULL);
	if (!p->pb) {
		e = -errno;
		snprintf(err, errlen, "perf buffer for the slow path: %s", strerror(-e));
		goto fail;
	}
	p->epfd = perf_buffer__epoll_fd(p->pb);
	e = loop_add(r->loop, p->epfd, EPOLLIN, on_ready, r);
	if (e) {
		snprintf(err, errlen, "perf buffer: %s", strerror(-e));
		goto fail;
	}
	return 0;
fail:
	punt_stop(r);
	return e;
}

uint64_t punt_lost(const struct media *r)
{
	return r->punt ? r->punt->lost : 0;
}

void punt_stop(struct media *r)
{
	struct punt *p = r->punt;

	if (!p)
		return;
	if (p->pb) {
		loop_del(r->loop, p->epfd);
		perf_buffer__free(p->pb);
	}
	punt_tx_close(r);
	free(p);
	r->punt = NULL;
}
