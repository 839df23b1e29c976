/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_proxy.h - the SIP proxy as the daemon sees it: started after the
 * sessions are up when the config has [sip], stopped before they are
 * detached; reload hands it the new routing; the media hook tells it of
 * timeouts; the control commands and metrics read its calls and counters.
 *
 * The proxy runs sofia-sip's transaction layer (nta) on a thread of its
 * own; everything here may be called from the loop thread.
 */
#ifndef RTPE_SIP_PROXY_H
#define RTPE_SIP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdint.h>

#include "core/config.h"
#include "core/jbuf.h"
#include "core/loop.h"
#include "media/session.h"

/* Requests by method, the label of rtpedge_sip_requests_total. */
#define SIP_METHODS(X) X(INVITE) X(ACK) X(BYE) X(CANCEL) X(OPTIONS) X(REGISTER) X(PRACK) \
	X(UPDATE) X(INFO) X(REFER) X(NOTIFY) X(SUBSCRIBE) X(MESSAGE) X(PUBLISH) X(OTHER)
/* How an INVITE that began a call ended: rtpedge_calls_total{result}.
 * refused: the proxy itself said no (unknown source 403, no route 404,
 * loop 482, Max-Forwards 483, no media port 503). */
#define SIP_RESULTS(X) X(answered) X(failed) X(cancelled) X(refused)
/* How an answered call ended: rtpedge_calls_ended_total{reason}. */
#define SIP_ENDS(X) X(bye) X(media_timeout)
/* Requests from a trunk or a region refused for what they carry:
 * rtpedge_sip_rejected_total{reason}. route_signature: an in-dialog
 * request whose Route names the proxy with parameters it did not sign. */
#define SIP_REJECTS(X) X(route_signature)

#define SIP_X_ENUM(n) SIP_##n,
enum sip_method_id { SIP_METHODS(SIP_X_ENUM) SIP_N_METHODS };
#undef SIP_X_ENUM
#define SIP_X_ENUM(n) SIP_R_##n,
enum sip_result { SIP_RESULTS(SIP_X_ENUM) SIP_N_RESULTS };
#undef SIP_X_ENUM
#define SIP_X_ENUM(n) SIP_E_##n,
enum sip_end { SIP_ENDS(SIP_X_ENUM) SIP_N_ENDS };
#undef SIP_X_ENUM
#define SIP_X_ENUM(n) SIP_J_##n,
enum sip_reject { SIP_REJECTS(SIP_X_ENUM) SIP_N_REJECTS };
#undef SIP_X_ENUM

extern const char *const sip_method_labels[SIP_N_METHODS];
extern const char *const sip_result_labels[SIP_N_RESULTS];
extern const char *const sip_end_labels[SIP_N_ENDS];
extern const char *const sip_reject_labels[SIP_N_REJECTS];

struct sip_stats {
	uint64_t requests[SIP_N_METHODS];
	uint64_t responses[6];        /* sent upstream by class: [1] 1xx ... [5] 5xx, [0] 6xx */
	uint64_t calls[SIP_N_RESULTS];
	uint64_t ended[SIP_N_ENDS];
	uint64_t forbidden;           /* requests refused for their source (403) */
	uint64_t tls_failures;        /* requests not sent: no verified TLS connection (503) */
	uint64_t rejected[SIP_N_REJECTS]; /* refused for what they carry (403) */
	uint64_t calls_active;        /* calls in the table, not yet ended */
};

struct sip;

/*
 * Starts the proxy for cfg's [sip] listen addresses: the SIP thread, its
 * transports (UDP and TCP), the queue to the loop (which runs the media
 * work on m). Returns it, or NULL with err (a listen address that cannot
 * be bound...).
 */
struct sip *sip_start(const struct rtpe_cfg *cfg, struct loop *loop, struct media *m,
		      char *err, size_t errlen);
/* Stops the thread and frees everything; calls in progress keep their
 * media (the sessions are the table's) and their Record-Route. */
void sip_stop(struct sip *sp);
/* New calls route by cfg (copied); calls in progress keep their route. */
void sip_reload(struct sip *sp, const struct rtpe_cfg *cfg);
/* The media hook: session id timed out; its call ends with BYE both ways. */
void sip_session_timeout(struct sip *sp, uint32_t id);

/* The calls as JSON (docs/CONTROL.md): all ({"calls":[...]}) when call_id is
 * NULL, else that one call's object. 0, or -ENOENT. */
int sip_calls_write(struct sip *sp, struct jbuf *b, const char *call_id);
/* The regions and their SBC addresses' health as JSON (docs/CONTROL.md):
 * {"regions":[...]} (empty without sp). 0. */
int sip_regions_write(struct sip *sp, struct jbuf *b);
/* The REGISTERs relayed with a Path as JSON (docs/CONTROL.md):
 * {"registrations":[...]}. 0. */
int sip_registrations_write(struct sip *sp, struct jbuf *b);
/* Calls fn for each SBC address of each region, with whether it is up. */
int sip_sbc_up_read(struct sip *sp, void (*fn)(void *arg, const char *region,
					       struct in_addr addr, uint16_t port, bool up),
		    void *arg);
/* The counters (NULL sp: all zero). */
void sip_stats_read(struct sip *sp, struct sip_stats *out);

#endif
