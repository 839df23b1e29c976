/* SPDX-License-Identifier: GPL-2.0 */
/*
 * relay.h - the userspace relay: receives on a leg's sockets and sends out
 * of the opposite leg's, in batches (recvmmsg/sendmmsg), for legs relayed
 * in userspace (xdp_mode off, attach failed, SRTP), on the relay worker
 * that holds them (worker.h) or the loop thread; and relays the
 * packets XDP punts for socket-less legs (learning, unresolved neighbour,
 * no route) through the raw socket.
 */
#ifndef RTPE_RELAY_H
#define RTPE_RELAY_H

#include "media/session.h"

/* A datagram XDP handed over for socket-less leg l (k: 0 RTP, 1 RTCP), from
 * src, UDP payload p: accepted or dropped as a socket's would be, and sent
 * on through the raw socket (punt.c). */
void relay_punted(struct media *r, struct leg *l, int k, const struct sockaddr_in *src,
		  const unsigned char *p, unsigned len);

/*
 * One datagram that came to l's socket k (0 RTP, 1 RTCP) for o, in place at
 * p with cap bytes of room: on an SRTP session told RTP or RTCP (rtcp-mux)
 * and unprotected when l terminates SRTP, checked and counted, protected
 * when o does. Its kind (0 RTP, 1 RTCP), or -1 when dropped (counted).
 * On the thread that relays l.
 */
int relay_one(struct media *r, struct leg *l, struct leg *o, int k, const struct sockaddr_in *src,
	      unsigned char *p, unsigned *len, unsigned cap, uint64_t now);
/* The socket of o (0 RTP, 1 RTCP) that a packet of kind leaves from. */
int relay_out_sock(const struct leg *o, int kind);
/* Where the opposite leg o sends what it sends from its socket k (RTCP
 * from the RTCP socket to the peer's RTCP port; with rtcp-mux RTCP leaves
 * the RTP socket for the peer's RTP port). */
void relay_dst(const struct leg *o, int k, struct sockaddr_in *dst);

/* Registers leg l's socket k (0 RTP, 1 RTCP) with the event loop lp (the
 * loop thread's, or the worker's that relays l). 0 or -errno. */
int relay_watch(struct loop *lp, struct leg *l, int k);

/* A thread's receive and send buffers (RELAY_BATCH datagrams each way):
 * each worker has its own; the loop thread's is static. NULL: no memory. */
struct relay_batch *relay_batch_new(void);
void relay_batch_free(struct relay_batch *b);

#endif
