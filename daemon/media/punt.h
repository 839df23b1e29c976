/* SPDX-License-Identifier: GPL-2.0 */
/*
 * punt.h - the slow path of socket-less legs. When both interfaces of a
 * session run XDP, its legs hold no sockets (no file descriptors: a host
 * carries 100,000 sessions under any fd limit). What XDP cannot forward for
 * them - a learning leg's packets, a next hop not yet resolved, no route -
 * it hands over through the rtpe_punt perf buffer; the daemon decides as it
 * would for a socket and sends through one raw socket, which makes the
 * kernel route and resolve the neighbour.
 */
#ifndef RTPE_PUNT_H
#define RTPE_PUNT_H

#include <stddef.h>
#include <netinet/in.h>
#include "media/session.h"

/* Opens the perf buffer readers and the raw socket (punt_tx.h, needs CAP_NET_RAW).
 * No-op without XDP. 0, or -errno with err set. */
int punt_start(struct media *r, char *err, size_t errlen);
void punt_stop(struct media *r);

/* Frames the perf buffer could not take since the start (the daemon fell
 * behind): XDP passed them to the kernel instead, which has no socket for
 * a socket-less leg and drops them. 0 without XDP. */
uint64_t punt_lost(const struct media *r);

/* The UDP datagram inside a punted frame f of len bytes (Ethernet, one
 * optional 802.1Q tag, IPv4 with or without options): its endpoints and
 * payload, which lies within f. 0, or -1 when it is not one. */
int punt_frame_udp(const unsigned char *f, unsigned len, struct sockaddr_in *src,
		   struct sockaddr_in *dst, const unsigned char **payload, unsigned *plen);

#endif
