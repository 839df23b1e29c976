// SPDX-License-Identifier: GPL-2.0
/*
 * punt_tx.c - the send side of the slow path (punt_tx.h): one raw socket
 * that sends a datagram from any local address and port, so the kernel
 * routes it and resolves the neighbour for the socket-less legs.
 */
#include "media/punt_tx.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

int punt_tx_open(struct media *r, char *err, size_t errlen)
{
	int e;

	r->punt_raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	if (r->punt_raw >= 0)
		return 0;
	e = -errno;
	snprintf(err, errlen, "raw socket for the slow path: %s (CAP_NET_RAW is needed)",
		 strerror(-e));
	return e;
}

void punt_tx_close(struct media *r)
{
	if (r->punt_raw >= 0)
		close(r->punt_raw);
	r->punt_raw = -1;
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

void punt_udp_header(unsigned char *pkt, const struct sockaddr_in *from,
		     const struct sockaddr_in *to, unsigned len)
{
	unsigned tot = 28 + len;
	uint32_t sum;
	uint16_t c;

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
	/* UDP checksum over the pseudo-header, header and payload. */
	sum = sum16(pkt + 12, 8, IPPROTO_UDP + len + 8);
	c = fold(sum16(pkt + 20, 8 + len, sum));
	c = c ? c : 0xffff;
	pkt[26] = (unsigned char)(c >> 8);
	pkt[27] = (unsigned char)c;
}

void punt_ip_finish(unsigned char *ip, uint16_t id)
{
	uint16_t c;

	ip[4] = (unsigned char)(id >> 8);
	ip[5] = (unsigned char)id;
	ip[10] = ip[11] = 0;
	c = fold(sum16(ip, 20, 0));
	ip[10] = (unsigned char)(c >> 8);
	ip[11] = (unsigned char)c;
}

int punt_send(struct media *r, const struct sockaddr_in *from, const struct sockaddr_in *to,
	      const void *payload, unsigned len)
{
	unsigned char pkt[20 + 8 + 2048];

	if (r->punt_raw < 0 || len > sizeof(pkt) - 28)
		return -EINVAL;
	memcpy(pkt + 28, payload, len);
	punt_udp_header(pkt, from, to, len);
	if (sendto(r->punt_raw, pkt, 28 + len, MSG_DONTWAIT, (const struct sockaddr *)to,
		   sizeof(*to)) < 0)
		return -errno;
	return 0;
}
