/* SPDX-License-Identifier: GPL-2.0 */
/*
 * latch.h - whom a learning leg on a latch = yes interface takes as its
 * peer when media comes from somewhere else than the signalled address
 * (NAT). relay.c asks; session.c (leg_confirm) reads the RTCP port and
 * frees the state when the leg is confirmed.
 *
 * The signalled address itself is relay.c's business (its first packet
 * confirms the leg at once). Every other source is a candidate, of up to
 * LATCH_CANDS kept at once, each on its own probation: LATCH_PROBATION RTP
 * packets in sequence (one SSRC, sequence + 1). Candidates on the
 * signalled IP (the NAT kept the address and changed the port) latch as
 * soon as they pass; strangers (any other IP) also wait until they have
 * kept up a stream for LATCH_HOLD_MS and no source on the signalled IP has
 * advanced within that time, so the signalled IP wins every tie. A new
 * source takes a free slot, else the least recently advanced one (never
 * advanced first); a stranger never displaces a candidate on the
 * signalled IP. Nothing a candidate sends is relayed, and nothing is sent
 * to it, until it is the peer.
 *
 * RTCP seen during learning is noted per IP (not relayed): when the leg
 * latches, a source on the latched IP gives the RTCP port.
 */
#ifndef RTPE_LATCH_H
#define RTPE_LATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define LATCH_CANDS 4
#define LATCH_PROBATION 3
#define LATCH_HOLD_MS 500

struct latch;

/*
 * A valid RTP packet (ssrc, seq) from src, which is not the signalled
 * address sig, at now (CLOCK_MONOTONIC ns). *lp is allocated on first use
 * (NULL: none yet). True when the leg should take src as its peer now.
 */
bool latch_rtp(struct latch **lp, const struct sockaddr_in *sig, const struct sockaddr_in *src,
	       uint32_t ssrc, uint16_t seq, uint64_t now);
/* An RTCP packet from src (not the signalled RTCP address): noted. */
void latch_rtcp(struct latch **lp, const struct sockaddr_in *sig, const struct sockaddr_in *src);
/* The RTCP port (host order) last seen from addr during learning, 0: none. */
uint16_t latch_rtcp_port(const struct latch *lt, struct in_addr addr);
/* Frees the state (the leg is confirmed or gone); *lp becomes NULL. */
void latch_free(struct latch **lp);

#endif
