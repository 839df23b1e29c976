/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_media.h - the queue between the SIP thread and the loop thread.
 *
 * The session table has one owner, the loop thread. The SIP thread asks it
 * to anchor an SDP body (create the sessions of its streams, set the
 * sending side's peers) or to end sessions by putting a request on the
 * queue and writing an eventfd the loop watches (loop_add); the loop runs
 * it and hands it back, filled in, on the other queue with an eventfd the
 * SIP thread's reactor watches (su_root_register). The loop also sends the
 * SIP thread what it must hear of: a media timeout, a reloaded config, the
 * order to stop. A request is one allocation that travels both ways.
 */
#ifndef RTPE_SIP_MEDIA_H
#define RTPE_SIP_MEDIA_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/loop.h"
#include "media/session.h"
#include "sip/sdp_anchor.h"
#include "sip/sip_sdes.h"

enum sip_mop {
	SIP_M_SDP,     /* SIP -> loop: anchor one side's SDP */
	SIP_M_RESERVE, /* SIP -> loop: one session with both peers unknown (late offer) */
	SIP_M_END,     /* SIP -> loop: destroy the sessions */
	SIP_M_DIALOG,  /* SIP -> loop: text goes with the sessions (state file) */
	SIP_M_TIMEOUT, /* loop -> SIP: session id timed out (the sweep removes it); text
			* is what the session kept of its dialog (NULL: none) */
	SIP_M_CONFIG,  /* loop -> SIP: the reloaded config (cfg, the SIP thread frees it) */
	SIP_M_STOP,    /* loop -> SIP: leave the reactor */
};

struct sip_mreq {
	struct sip_mreq *next;
	enum sip_mop op;
	/* SIP_M_SDP, SIP_M_RESERVE, SIP_M_END */
	int iface[2];                    /* the call's media interfaces: [0] caller's side */
	int side;                        /* SDP: whose body it is (0 caller, 1 callee) */
	uint32_t ids[SDP_MAX_STREAMS];   /* sessions by m= line (0: none); the loop updates them */
	int n_ids;
	struct sdp_desc desc;            /* SDP: the body's streams */
	bool offer;                      /* SDP: it is an offer (else an answer) */
	struct sip_sdes *sdes;           /* the call's SDES state, NULL: no side is srtp = sdes */
	/* filled by the loop */
	struct sdp_anchor anchors[SDP_MAX_STREAMS]; /* SDP: what the other side is told */
	int err;                         /* 0 or -errno */
	bool refused;                    /* SDP offer: every stream refused for its SRTP (488) */
	char why[128];
	/* SIP_M_TIMEOUT */
	uint32_t id;
	/* SIP_M_DIALOG, SIP_M_TIMEOUT: the call's dialog as text (malloc'd, the
	 * receiver's to free) */
	char *text;
	/* SIP_M_CONFIG */
	struct rtpe_cfg *cfg;
	/* run on the SIP thread when the request comes back */
	void (*done)(struct sip_mreq *q);
	void *ctx, *ctx2;
};

struct sip_queue {
	pthread_mutex_t mu;
	struct sip_mreq *to_loop, **to_loop_tail;
	struct sip_mreq *to_sip, **to_sip_tail;
	int loop_fd, sip_fd;             /* eventfds: the loop's, the SIP thread's */
	struct loop *loop;
	struct media *m;
};

/* Creates both eventfds and watches the loop's. 0 or -errno. */
int sip_queue_init(struct sip_queue *q, struct loop *loop, struct media *m);
/* Stops watching, closes, frees what is still queued (the SIP thread is gone). */
void sip_queue_fini(struct sip_queue *q);

/* SIP thread: hands q to the loop. */
void sip_queue_to_loop(struct sip_queue *q, struct sip_mreq *r);
/* Loop thread: hands q to the SIP thread. */
void sip_queue_to_sip(struct sip_queue *q, struct sip_mreq *r);
/* SIP thread: everything the loop handed back, oldest first (clears the
 * eventfd). */
struct sip_mreq *sip_queue_take(struct sip_queue *q);

/* Wipes (its SDP description and anchors may hold keys) and frees r. */
void sip_mreq_free(struct sip_mreq *r);

/* Loop thread: runs one request on the session table (sip_media.c). */
void sip_media_run(struct media *m, struct sip_mreq *r);

#endif
