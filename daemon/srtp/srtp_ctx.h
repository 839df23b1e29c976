/* SPDX-License-Identifier: GPL-2.0 */
/*
 * srtp_ctx.h - the SRTP transform of one leg, on libsrtp2: an inbound
 * session that unprotects what the peer sends (its INKEY) and an outbound
 * one that protects what the relay sends it (its OUTKEY), RTP and RTCP
 * both, each with libsrtp's default replay window (128 packets). Streams
 * are made per SSRC as packets come (libsrtp's "any SSRC" templates).
 *
 * What a restarted daemon needs to carry a call on without a loss is
 * struct sctx_stream per direction: the SSRC last seen, its rollover
 * counter (srtp_get_stream_roc / srtp_set_stream_roc) and, outbound, how
 * many SRTCP packets it was sent (its SRTCP index goes on from there, so
 * the peer's replay check does not refuse them).
 *
 * No session knowledge, no logging of keys. One thread (the one relaying
 * the leg); sctx_used from any.
 */
#ifndef RTPE_SRTP_CTX_H
#define RTPE_SRTP_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp/srtp_keys.h"

/* Why a packet was refused; the labels of rtpedge_srtp_failures_total. */
#define SCTX_FAILS(X)                                                           \
	X(AUTH, "auth")     /* authentication tag wrong: tampered, wrong key, forged */ \
	X(REPLAY, "replay") /* an index seen before, or older than the window */ \
	X(OTHER, "other")   /* not SRTP at all, too short, key lifetime over */

enum sctx_fail {
#define SCTX_X_ENUM(e, name) SCTX_FAIL_##e,
	SCTX_FAILS(SCTX_X_ENUM)
#undef SCTX_X_ENUM
	SCTX_FAIL_MAX,
};

extern const char *const sctx_fail_names[SCTX_FAIL_MAX];

/* Bytes protect may add to a packet: auth tag (16 at most), the SRTCP
 * index (4) and an MKI (up to 128). */
#define SCTX_TRAILER_MAX (16 + 4 + SDES_MKI_MAX)

enum sctx_dir { SCTX_IN, SCTX_OUT };

/* One direction's state a restart needs (see the head of this file). */
struct sctx_stream {
	bool have;                /* an RTP packet went through: ssrc and roc hold */
	uint32_t ssrc;            /* its SSRC (host order) */
	uint32_t roc;             /* its rollover counter */
	bool have_rtcp;           /* an RTCP packet went through (outbound) */
	uint32_t rtcp_ssrc;       /* its SSRC */
	uint32_t rtcp_sent;       /* SRTCP packets protected for it (outbound) */
	uint64_t used;            /* packets through the key (its lifetime) */
};

struct sctx;

/* Initialises libsrtp2 once per process (sctx_new does, with nss false):
 * on OpenSSL's primitives (srtp_ossl.h), or with nss on the ones libsrtp2
 * was built with. The first call decides. 0 or -EIO (a self-test failed). */
int sctx_lib_init(bool nss);
/* "openssl", "nss", or "none" before sctx_lib_init. */
const char *sctx_lib_crypto(void);

/* A leg's transform for in (what the peer sends) and out (what the relay
 * sends it). NULL with err set (never quoting a key). */
struct sctx *sctx_new(const struct sdes_key *in, const struct sdes_key *out, char *err,
		      size_t errlen);
/* Frees c, its libsrtp sessions and its copies of the keys (wiped). */
void sctx_free(struct sctx *c);
/* The keys c was made with. */
const struct sdes_key *sctx_key(const struct sctx *c, enum sctx_dir d);

/*
 * Unprotects the SRTP (rtcp: SRTCP) packet of *len bytes at p in place,
 * leaving the RTP (RTCP) packet and its length. 0, or -1 with *why and the
 * packet to be dropped (p's bytes are then unspecified).
 */
int sctx_unprotect(struct sctx *c, bool rtcp, uint8_t *p, unsigned *len, enum sctx_fail *why);
/*
 * Protects the RTP (rtcp: RTCP) packet of *len bytes at p in place; cap is
 * the room at p (at least *len + SCTX_TRAILER_MAX). 0, or -1 with *why
 * (not RTP, an index used already: a duplicate, the key's lifetime over).
 */
int sctx_protect(struct sctx *c, bool rtcp, uint8_t *p, unsigned *len, unsigned cap,
		 enum sctx_fail *why);

/* Whether what a restart needs changed (a new SSRC, a rollover, SRTCP
 * sent) since the last call; clears it. */
bool sctx_changed(struct sctx *c);
/* Packets through direction d's key so far (any thread: one word). */
uint64_t sctx_used(const struct sctx *c, enum sctx_dir d);
/* Direction d's restart state now. */
void sctx_stream_get(struct sctx *c, enum sctx_dir d, struct sctx_stream *st);
/*
 * Puts direction d back where st says (after a restart, before any
 * packet): the SSRC's stream with its rollover counter, and outbound its
 * SRTCP index moved on past the st->rtcp_sent packets sent before. 0 or -1
 * with err set.
 */
int sctx_stream_set(struct sctx *c, enum sctx_dir d, const struct sctx_stream *st, char *err,
		    size_t errlen);

/* Asks the CPU for libsrtp2's context of direction d ahead of a packet
 * (c itself already in cache, or on its way). */
void sctx_prefetch(const struct sctx *c, enum sctx_dir d);

#endif
