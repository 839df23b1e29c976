/* SPDX-License-Identifier: GPL-2.0 */
/*
 * punt_tx.h - the send side of the slow path of socket-less legs: what
 * the relay sends on for them leaves through one raw socket (punt.h has
 * the receive side).
 */
#ifndef RTPE_PUNT_TX_H
#define RTPE_PUNT_TX_H

#include <stddef.h>
#include <netinet/in.h>
#include "media/session.h"

/* Opens the raw socket (needs CAP_NET_RAW) into r->punt_raw. 0, or -errno
 * with err set. */
int punt_tx_open(struct media *r, char *err, size_t errlen);
void punt_tx_close(struct media *r);

/* Sends a UDP datagram from -> to through the raw socket (any local source
 * address and port). 0 or -errno. */
/* The IPv4 and UDP headers (28 bytes) of a datagram from -> to at pkt,
 * whose len bytes of payload follow them at pkt + 28: the UDP checksum is
 * computed, the IP id and header checksum left to the kernel. */
void punt_udp_header(unsigned char *pkt, const struct sockaddr_in *from,
		     const struct sockaddr_in *to, unsigned len);
/* For a frame sent past the IP layer: the IPv4 header at ip gets its id
 * and its checksum (punt_udp_header leaves both to the kernel). */
void punt_ip_finish(unsigned char *ip, uint16_t id);
int punt_send(struct media *r, const struct sockaddr_in *from, const struct sockaddr_in *to,
	      const void *payload, unsigned len);

#endif
