/* SPDX-License-Identifier: GPL-2.0 */
/*
 * relay.h - the userspace relay: receives on a leg's sockets and sends out
 * of the opposite leg's, in batches (recvmmsg/sendmmsg). It carries legs
 * that XDP does not (xdp_mode off, attach failed, learning, SRTP later) and
 * the packets XDP hands to the kernel (unresolved neighbour, no route).
 */
#ifndef RTPE_RELAY_H
#define RTPE_RELAY_H

#include "session.h"

/* Registers leg l's socket k (0 RTP, 1 RTCP) with the event loop. 0 or -errno. */
int relay_watch(struct rtpe *r, struct leg *l, int k);

#endif
