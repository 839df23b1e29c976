/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_msg.h - the proxy's work on SIP messages that needs no transaction,
 * no thread and no session: what a request is (refused, answered by the
 * proxy, a new call, an in-dialog request), the copy that goes out (Max-
 * Forwards, Request-URI, the proxy's Route entries gone), its Record-Route,
 * the route sets a call's own BYEs take, and an SDP body replaced by its
 * rewrite. On sofia-sip's parsed messages (msg_t, sip_t); the SIP thread
 * calls it for every message, the fuzzer (tests/fuzz/fuzz_sip.c) too.
 */
#ifndef RTPE_SIP_MSG_H
#define RTPE_SIP_MSG_H

#include <stdbool.h>
#include <netinet/in.h>

#include <sofia-sip/sip.h>

#include "core/config.h"
#include "sip/sdp_anchor.h"
#include "sip/sip_route.h"
#include "sip/sip_rr.h"

enum sip_kind {
	SIP_K_ANSWER,  /* the proxy answers it with status (refusal, or OPTIONS to it) */
	SIP_K_NEW,     /* a new call or an out-of-dialog request: routed by the config */
	SIP_K_DIALOG,  /* an in-dialog request (or an ACK): routed by its Route */
};

struct sip_class {
	enum sip_kind kind;
	int status;                 /* SIP_K_ANSWER: the status to answer */
	const char *why;            /* SIP_K_ANSWER: why, for the log */
	struct sip_call_route rt;   /* SIP_K_NEW: where it goes */
	bool by_path;               /* SIP_K_NEW: ... by the Path of a registration */
	struct in_addr path_addr;   /* ... the address and port the Path names */
	uint16_t path_port;
	bool ours;                  /* SIP_K_DIALOG: its top Route is the proxy's */
	struct sip_rr rr;           /* ... with these parameters */
	bool forged;                /* SIP_K_ANSWER 403: the proxy's Route, not signed by it */
};

/* Whether url names the proxy (one of its addresses and listen ports). */
bool sip_url_is_self(const struct rtpe_cfg *c, url_t const *u);
/* Whether a Route or Record-Route entry is the proxy's; rr gets its parameters. */
bool sip_route_ours(const struct rtpe_cfg *c, sip_route_t const *r, struct sip_rr *rr);

/*
 * Classifies request sip from src: refusals first (source 403, missing
 * mandatory headers 400, Max-Forwards 0 483, a loop 482, a route the
 * config has not 404/503, an in-dialog request whose Route names the proxy
 * with parameters it did not sign 403 and forged), then new or in-dialog.
 * Never changes sip.
 */
void sip_classify(const struct rtpe_cfg *c, sip_t const *sip, struct in_addr src,
		  struct sip_class *out);
/* The same, a Path the proxy wrote in the Route ignored: the call is routed
 * by its number (a registration that ended). */
void sip_classify_by_number(const struct rtpe_cfg *c, sip_t const *sip, struct in_addr src,
			    struct sip_class *out);

/* The copy of a request that goes out: Max-Forwards one less (70 when it
 * had none), the proxy's own Route entries removed. NULL when out of memory. */
msg_t *sip_fwd_copy(const struct rtpe_cfg *c, msg_t *in);
/* The copy of a new call's request retargeted to rt: its Request-URI keeps
 * the user, takes rt's host, port and transport. 0 or -1. */
int sip_request_retarget(msg_t *msg, const struct sip_call_route *rt);
/* Where msg goes next: its first Route when that routes loosely, else its
 * Request-URI. */
url_t const *sip_next_hop(msg_t *msg);

/* The two Record-Route entries of a new call (RFC 5658): facing the callee
 * (side 1) on top, then the caller (side 0), each on the interface and
 * transport of its side, with rr's parameters. 0 or -1. */
int sip_record_route_add(msg_t *msg, const struct rtpe_cfg *c, const struct sip_rr *rr,
			 const int iface[2], const char transport[2][4]);

/* From the Record-Route of a 2xx: the route sets from the proxy towards the
 * caller (the entries below its own, in order) and towards the callee (the
 * entries above, nearest first), allocated from home. */
void sip_route_sets(su_home_t *home, const struct rtpe_cfg *c, sip_record_route_t const *rr,
		    sip_route_t **to_caller, sip_route_t **to_callee);

/* Whether sip carries an SDP body (multipart and other bodies do not). */
bool sip_has_sdp(sip_t const *sip);
/* Replaces msg's SDP body with its rewrite for anchors (Content-Length
 * follows). 0 or -1 (the body stays). */
int sip_body_rewrite(msg_t *msg, const struct sdp_desc *desc, const struct sdp_anchor *anchors);

/* Adds delta to the message's CSeq number. 0 or -1. */
int sip_cseq_shift(msg_t *msg, int32_t delta);

/* The Route entry r is a Path the proxy wrote for a REGISTER (RFC 3327):
 * true, with the address and port the REGISTER came from. */
bool sip_path_target(const struct rtpe_cfg *c, sip_route_t const *r, struct in_addr *addr,
		     uint16_t *port);

#endif
