// SPDX-License-Identifier: GPL-2.0
/*
 * punt.c - owns the slow path of socket-less legs (punt.h): the perf buffer
 * the XDP program writes punted frames to, their parsing back to a leg and
 * a UDP datagram, and the raw socket the daemon sends them on with.
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
#include "media/relay.h"
#include "xdp/xdp.h"

#define PUNT_PAGES 64 /* per CPU: 256 KiB, ~1,000 frames of backlog */
#define ETH_HLEN 14
#define VLAN_HLEN 4

struct punt {
	struct perf_buffer *pb;
	int epfd, raw;
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
	struct rtpe *r = ctx;
	const struct rtpe_punt_meta *m = data;
	const unsigned char *payload;
	struct sockaddr_in src, dst;
	struct leg *l;
	unsigned plen;
	uint16_t port;

	(void)cpu;
	if (size < sizeof(*m) || m->len > size - sizeof(*m) || m->slot >= 2 * r->cfg.max_sessions ||
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

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	struct rtpe *r = ctx;

	r->punt->lost += cnt;
	log_warn("punt: %llu frames lost on CPU %d (the daemon fell behind)",
		 (unsigned long long)cnt, cpu);
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct rtpe *r = arg;

	(void)l;
	(void)fd;
	(void)events;
	perf_buffer__consume(r->punt->pb);
}

int punt_start(struct rtpe *r, char *err, size_t errlen)
{
	struct punt *p;
	int e;

	if (!r->xdp)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->punt = p;
	p->raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	if (p->raw < 0) {
		e = -errno;
		snprintf(err, errlen, "raw socket for the slow path: %s (CAP_NET_RAW is needed)",
			 strerror(-e));
		goto fail;
	}
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

void punt_stop(struct rtpe *r)
{
	struct punt *p = r->punt;

	if (!p)
		return;
	if (p->pb) {
		loop_del(r->loop, p->epfd);
		perf_buffer__free(p->pb);
	}
	if (p->raw >= 0)
		close(p->raw);
	free(p);
	r->punt = NULL;
}

static uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const unsigned char *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int punt_send(struct rtpe *r, const struct sockaddr_in *from, const struct sockaddr_in *to,
	      const void *payload, unsigned len)
{
	unsigned char pkt[20 + 8 + 2048];
	unsigned tot = 28 + len;
	uint32_t sum;
	uint16_t c;

	if (!r->punt || len > sizeof(pkt) - 28)
		return -EINVAL;
	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	pkt[2] = (unsigned char)(tot >> 8);
	pkt[3] = (unsigned char)tot;
	pkt[8] = 64; /* TTL; the kernel fills the id and the header checksum */
	pkt[9] = IPPROTO_UDP;
	memcpy(pkt + 12, &from->sin_addr, 4);
	memcpy(pkt + 16, &to->sin_addr, 4);
	memcpy(pkt + 20, &from->sin_port, 2);
	memcpy(pkt + 22, &to->sin_port, 2);
	pkt[24] = (unsigned char)((len + 8) >> 8);
	pkt[25] = (unsigned char)(len + 8);
	memcpy(pkt + 28, payload, len);
	/* UDP checksum over the pseudo-header, header and payload. */
	sum = sum16(pkt + 12, 8, IPPROTO_UDP + len + 8);
	c = fold(sum16(pkt + 20, 8 + len, sum));
	c = c ? c : 0xffff;
	pkt[26] = (unsigned char)(c >> 8);
	pkt[27] = (unsigned char)c;
	if (sendto(r->punt->raw, pkt, tot, MSG_DONTWAIT, (const struct sockaddr *)to,
		   sizeof(*to)) < 0)
		return -errno;
	return 0;
}
