/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sdp_anchor.h - SDP bodies as the media anchor sees them: a small
 * description of the media streams of an offer or answer (sdp_describe),
 * and the same body rewritten so that the far side sends its media to the
 * relay (sdp_rewrite). Pure work on text: no threads, no sockets, no
 * sessions; safe to call from any thread.
 *
 * Input is checked line by line before sofia-sip's sdp_parse sees it
 * (every line "x=...", no NUL or stray CR, lines and body of bounded size,
 * at most SDP_MAX_STREAMS m= lines): bad input is -EINVAL with a short
 * reason, never a crash. CRLF and LF line endings are both accepted; the
 * rewritten body always has CRLF.
 */
#ifndef RTPE_SDP_ANCHOR_H
#define RTPE_SDP_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "srtp/srtp_keys.h"

#define SDP_MAX_STREAMS 8
#define SDP_MAX_LEN 32768 /* bytes of a body we accept */
#define SDP_MAX_LINE 4096 /* bytes of one line, without its line end */

enum sdp_dir { SDP_SENDRECV, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE };

/* One a=crypto line (RFC 4568 9.1): "a=crypto:TAG SUITE inline:KEY[|LIFETIME][|MKI:LEN]
 * [SESSION-PARAMS]". */
struct sdp_crypto {
	uint32_t tag;           /* 1 to 999999999 */
	struct sdes_key key;    /* its suite and key-params */
};

struct sdp_stream {             /* one m= line */
	char media[16];         /* "audio", "video", "image", "application"... */
	char proto[24];         /* "RTP/AVP", "RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "udptl"... */
	bool anchorable;        /* UDP-based (RTP/AVP(F), RTP/SAVP(F), udptl) with IPv4 c= and port != 0 */
	struct in_addr addr;    /* effective c= (media level, else session level); 0.0.0.0 = hold (old style) */
	uint16_t port;          /* m= port (0 = rejected/disabled stream) */
	uint16_t rtcp_port;     /* a=rtcp port if present, else port + 1 (0 when port is 0) */
	struct in_addr rtcp_addr; /* a=rtcp address if given, else addr */
	bool rtcp_mux;          /* a=rtcp-mux present */
	enum sdp_dir dir;       /* from a=sendrecv/sendonly/recvonly/inactive (media, else session level) */
	uint32_t clock_rate;    /* of the first payload type's rtpmap (8000 when static PT 0/8/18 or unknown) */
	bool crypto;            /* has a=crypto lines (SDES) */
	bool savp;              /* proto is RTP/SAVP or RTP/SAVPF (SDES's profiles) */
	bool crypto_ok;         /* one a=crypto line is acceptable: cry is the first such */
	struct sdp_crypto cry;  /* (wiped with the description: it holds a key) */
};

struct sdp_desc {
	int n;                        /* m= lines, in order */
	struct sdp_stream s[SDP_MAX_STREAMS];
	bool hold;                    /* every anchorable stream sendonly/inactive or c=0.0.0.0 */
};

/* Parses body (len bytes, not NUL-terminated necessarily). 0, or -EINVAL with err set (why, short). */
int sdp_describe(const char *body, size_t len, struct sdp_desc *out, char *err, size_t errlen);

/*
 * One a=crypto line's value ("TAG SUITE KEY-PARAMS [SESSION-PARAMS]", n bytes) as
 * rtpedge accepts it: a suite it knows, one inline key whose key-params parse
 * (srtp_keys.h: length, lifetime, MKI), session parameters only ones it may ignore
 * (WSH=, or any starting with '-': RFC 4568 6.3). 0 with *out, or -1 (out wiped).
 */
int sdp_crypto_parse(const char *v, size_t n, struct sdp_crypto *out);

/* What the rewrite does to a stream's SRTP (RTP/SAVP(F) and a=crypto). */
enum sdp_srtp {
	SDP_SRTP_KEEP,  /* proto and a=crypto lines as they are (end to end) */
	SDP_SRTP_PLAIN, /* RTP/SAVP(F) -> RTP/AVP(F), a=crypto lines removed */
	SDP_SRTP_SDES,  /* RTP/AVP(F) -> RTP/SAVP(F), a=crypto lines replaced by crypto[] */
};

/* The relay's side of one stream: where the far side must send. port 0 = reject this m= line. */
struct sdp_anchor {
	struct in_addr addr;          /* the interface's advertise address */
	uint16_t port;                /* the leg's RTP port (RTCP = port + 1 unless rtcp_mux) */
	bool rtcp_mux;                /* answer/offer with a=rtcp-mux (only when both sides use it) */
	uint8_t srtp;                 /* enum sdp_srtp */
	uint8_t n_crypto;             /* SDES: our a=crypto lines (none on a refused stream) */
	struct sdp_crypto crypto[SDES_SUITE_MAX];
};

/*
 * Rewrites body for the far side: o= address and every c= (session and media level) to the
 * anchor's addr (a stream rejected with port 0 keeps a c= as the RFC wants), every m= port to its
 * anchor's port, a=rtcp to the anchor's port + 1 (or removed with rtcp-mux), ICE attributes
 * (a=ice-ufrag, ice-pwd, ice-options, candidate, end-of-candidates, remote-candidates, ice-lite,
 * ice-mismatch) removed, every other line kept byte for byte (rtpmap, fmtp, ptime, crypto,
 * telephone-event, direction...), the SRTP profile and a=crypto lines as the anchor's srtp
 * says (kept, removed, or ours written at the end of the stream). The o= session version is kept as is (the proxy forwards one
 * offer/answer per direction; the far side sees the version the origin wrote).
 * anchors has desc->n entries. Writes a NUL-terminated body to out (outlen bytes);
 * returns its length, or -ENOSPC / -EINVAL.
 *
 * Details the contract above leaves open, as implemented:
 * - The session-level c= and o= take the address of the first stream with a port and an
 *   address (else the first anchor with an address; -EINVAL when no anchor has one); a
 *   media-level c= takes its stream's anchor address (the session's when that is 0.0.0.0).
 * - A c= that says 0.0.0.0 (old-style hold, RFC 2543) is kept, so the far side still sees
 *   the hold; the streams that inherit it stay on hold too.
 * - A stream with a port whose address differs from the session-level c= written (or with
 *   no c= at all) gets a media-level c= after its m= (and i=) line.
 * - a=rtcp-mux is written iff the anchor says rtcp_mux (kept, removed, or appended at the
 *   end of the stream's lines); a=rtcp is removed with rtcp_mux and on rejected streams,
 *   and keeps its "IN IP4 addr" part (with the anchor's address) when it had one.
 * - "m=audio 49170/2 ..." loses its "/2": one anchored port per stream.
 * - a=ice-pacing is removed with the ICE attributes listed above.
 * - -EINVAL too when no anchor has an address, when an anchor without rtcp_mux has port
 *   65535, or when the rewritten body would exceed SDP_MAX_LEN or a line SDP_MAX_LINE
 *   (so that the relay's own output always describes again).
 */
int sdp_rewrite(const char *body, size_t len, const struct sdp_desc *desc,
		const struct sdp_anchor *anchors, char *out, size_t outlen);

/* Room that sdp_rewrite may need for a body of len bytes (a c= line of 11 bytes can become
 * 26, a stream may gain SDES_SUITE_MAX a=crypto lines): an out buffer of this size never
 * gives -ENOSPC. */
#define SDP_REWRITE_SPACE(len) (3 * (size_t)(len) + (96 + 4 * 160) * SDP_MAX_STREAMS + 128)

#endif
