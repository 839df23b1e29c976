/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leg_srtp.h - SRTP termination of a leg, for the relay (relay.c) and the
 * session table (session.c): the leg's context from its keys, the packet
 * transforms with their failures counted, and RFC 5761's demultiplexing
 * of RTCP sent to the RTP port (rtcp-mux).
 *
 * What the peer sends is unprotected before anything else reads it;
 * a refused packet is counted (the leg's and the daemon's failures, by
 * reason) and goes no further: no learning, no latching, no relaying.
 */
#ifndef RTPE_LEG_SRTP_H
#define RTPE_LEG_SRTP_H

#include <stdbool.h>
#include <stddef.h>

#include "media/session.h"

/* Gives leg l its SRTP context: in decrypts what its peer sends, out (NULL:
 * in) encrypts what the relay sends it; marks the session SRTP. 0, or -1
 * with err set. */
int leg_srtp_new(struct leg *l, const struct sdes_key *in, const struct sdes_key *out, char *err,
		 size_t errlen);
/* Frees l's context (keys wiped); l is plain again. */
void leg_srtp_free(struct leg *l);

/* Whether a datagram on an RTP port is RTCP (RFC 5761 4: the byte after
 * the first is 192-223, RTCP's packet types). */
/* Takes the leg's restart state into its snapshot (the thread that relays
 * the leg, or before it relays: after a restore). */
void leg_srtp_snap(struct leg *l);
/* The snapshot's direction d (any thread), with the key's use now. */
void leg_srtp_snap_read(const struct leg_srtp *ls, enum sctx_dir d, struct sctx_stream *st);

bool leg_srtp_is_rtcp(const unsigned char *p, unsigned len);

/* Unprotects in place what l's peer sent, RTP (kind 0) or RTCP (1): true,
 * or false when refused (counted by reason on l and in r's totals). */
bool leg_srtp_in(struct media *r, struct leg *l, int kind, unsigned char *p, unsigned *len);
/* Protects in place what goes to o's peer; cap is the room at p. True, or
 * false when it cannot be (not RTP, a repeated index, the key's lifetime
 * over: counted in o's drops). */
bool leg_srtp_out(struct media *r, struct leg *o, int kind, unsigned char *p, unsigned *len,
		  unsigned cap);

#endif
