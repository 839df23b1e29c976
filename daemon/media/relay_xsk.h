/* SPDX-License-Identifier: GPL-2.0 */
/*
 * relay_xsk.h - the userspace relay on AF_XDP: the legs the daemon relays
 * itself (SRTP, and userspace legs on interfaces that run XDP) receive on
 * one AF_XDP socket per interface queue (xdp/xdp_xsk.h) instead of a
 * socket per leg, 64 frames at a time from every session at once, and
 * send in one sendmmsg per batch: whole frames through an AF_PACKET
 * socket by the next hop the kernel's FIB gives (xdp_next_hop, asked at
 * most once a second per leg, as the fast path asks it), or through the
 * raw socket when it gives none (punt_tx.h: the kernel routes and
 * resolves the neighbour). What a packet goes through is
 * relay.c's, unchanged (relay_one): source checks, learning and latching,
 * SRTP, counters.
 *
 * One thread relays every such session: the first relay worker (or the
 * loop thread without workers), which owns the sockets and its own table
 * of the legs it was handed. With several workers a session takes AF_XDP
 * when that worker is the least loaded (worker_pick), so sessions still
 * spread over every worker, the others on their sockets. The legs keep their sockets: a frame the
 * program cannot hand to a socket of ours (none bound on that queue, the
 * daemon restarting) reaches them as before. [relay] afxdp = no, no XDP,
 * or a socket that cannot be made: sockets only, as before.
 */
#ifndef RTPE_RELAY_XSK_H
#define RTPE_RELAY_XSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/session.h"

/* Opens the AF_XDP sockets on every interface XDP runs on (after
 * punt_start: its raw socket sends). A failure is logged and leaves
 * sockets only. 0 or -ENOMEM. */
int relay_xsk_open(struct media *r);
/* Reads them on lp, the loop of the thread that relays their sessions
 * (worker owner, -1: the loop thread); before that thread runs. */
void relay_xsk_watch(struct media *r, struct loop *lp, int owner);
void relay_xsk_close(struct media *r);

/* Whether s is relayed on AF_XDP: a session with sockets whose interfaces
 * both have AF_XDP sockets. */
bool relay_xsk_able(const struct media *r, const struct session *s);
/* The worker that relays AF_XDP sessions (-1: the loop thread). */
int relay_xsk_owner(const struct media *r);
/* On the owner's thread: s (s->xsk) is its to relay, or no longer. */
void relay_xsk_add(struct media *r, struct session *s);
void relay_xsk_del(struct media *r, struct session *s);

/* AF_XDP sockets open (0: the relay runs on sockets only). */
int relay_xsk_sockets(const struct media *r);
/* Packets it sent: direct (AF_PACKET, by the FIB's next hop) or routed
 * (the raw socket). */
uint64_t relay_xsk_sent(const struct media *r, bool direct);
/* Frames lost on the way in: with no_leg, those for no leg this relay
 * holds (a session just deleted); else the kernel's count (a ring full,
 * no free frame: the owner thread fell behind). */
uint64_t relay_xsk_dropped(const struct media *r, bool no_leg);

#endif
