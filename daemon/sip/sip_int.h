/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_int.h - what the SIP thread's files share (not the daemon's API):
 * the proxy, its calls, transactions and the per-call queue of steps.
 *
 *   sip_thread.c the thread, the nta agent, the queue's end, counters
 *   sip_proxy.c  requests in: new call or in-dialog (sip_msg.c classifies)
 *   sip_fwd.c    forwarding: requests out, responses back, CANCEL
 *   sip_retry.c  sent again: failover, a refused send, digest credentials
 *   sip_call.c   the call table, each call's steps in order, the CLI's JSON
 *   sip_bye.c    BYE both ways when the media times out
 *   sip_dialog.c the dialog those BYEs need, in the state file across restarts
 *   sip_health.c the SBC addresses' OPTIONS pings, up/down, failover
 *   sip_reg.c    registrations relayed with a Path, their lifetimes
 *   sip_via.c    the proxy's Via on a 0.0.0.0 listen: the leaving interface
 *
 * Everything below runs on the SIP thread, except what the call table's
 * mutex guards (the table and the fields the CLI reads) and the counters
 * (atomic adds).
 */
#ifndef RTPE_SIP_INT_H
#define RTPE_SIP_INT_H

#define SU_ROOT_MAGIC_T struct sip
#define NTA_LEG_MAGIC_T struct sip
#define NTA_INCOMING_MAGIC_T struct sip_tr
#define NTA_OUTGOING_MAGIC_T struct sip_tr
#define SU_TIMER_ARG_T struct sip_tr

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include <sofia-sip/nta.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/su_wait.h>

#include "sip/sdp_anchor.h"
#include "sip/sip_media.h"
#include "sip/sip_msg.h"
#include "sip/sip_proxy.h"
#include "sip/sip_route.h"
#include "sip/sip_rr.h"

enum call_state { CALL_TRYING, CALL_EARLY, CALL_CONFIRMED, CALL_ENDED };

struct sip_step;

#define SIP_MAX_FORKS 4

/* An early dialog of a callee side that forks: its To tag and the SDP
 * answer it gave last (RFC 3261 19.3: each fork answers on its own). */
struct sip_fork {
	char tag[64];
	struct sdp_desc desc;
};

/* One Call-ID the proxy carries. */
struct sip_call {
	struct sip_call *hnext, *prev, *next; /* table (under the mutex) */
	struct sip *sp;
	su_home_t *home;                /* what the call keeps of its messages */
	char *call_id, *from_uri, *to_uri;
	enum sip_dir dir;
	char trunk[CFG_NAME_LEN], region[CFG_NAME_LEN];
	int iface[2];                   /* media: [0] caller's side, [1] callee's */
	char transport[2][4];           /* each side's SIP transport (Record-Route) */
	enum call_state state;
	bool restored;                  /* rebuilt from a Route (after a restart) */
	bool counted;                   /* its INVITE's result is counted */
	uint64_t created_ns, answered_ns;
	uint32_t ids[SDP_MAX_STREAMS];  /* media sessions by m= line */
	int n_ids;
	/* the dialog, for a BYE of our own (sip_bye.c) */
	sip_from_t *from;               /* the caller's From (tag) */
	sip_to_t *to;                   /* the callee's To (tag), at the answer */
	url_t *target[2];               /* each side's Contact */
	sip_route_t *route[2];          /* the route set from us towards each side */
	uint32_t cseq[2];               /* highest CSeq each side sent */
	struct cfg_auth auth;           /* credentials towards the callee (user "": none) */
	uint32_t cseq_add;              /* added to the caller's CSeq towards the callee
					 * (1 once the proxy answered a challenge) */
	/* the callee's early dialogs with an SDP answer, until the 2xx: the
	 * one whose 2xx comes sets the callee's peers again (sip_call.c) */
	struct sip_fork *forks[SIP_MAX_FORKS];
	int n_forks;
	int fork_last;                  /* whose SDP set the peers last (-1: none) */
	struct sip_sdes *sdes;          /* SDES state (sip_sdes.h), NULL: no side is sdes */
	bool sdes_looked;               /* sdes was decided (from the config, once) */
	/* steps: the call's messages, handled one after the other */
	struct sip_step *steps, **steps_tail;
	bool busy;                      /* the head step waits for the loop */
	bool running;                   /* call_run is on the stack */
	bool linked;                    /* in the table */
	int refs;
};

/* A forwarded request: the server transaction it came in on, the client
 * transaction it went out on. */
struct sip_tr {
	struct sip_tr *prev, *next;     /* the proxy's live transactions */
	struct sip *sp;
	struct sip_call *call;          /* NULL for requests without a call */
	nta_incoming_t *irq;
	nta_outgoing_t *orq;
	msg_t *req;                     /* the request as it goes out (ours until sent) */
	url_t const *hop;               /* its next hop (in req) */
	sip_method_t method;
	int side;                       /* the sender's side: 0 caller, 1 callee */
	bool initial;                   /* the request that began the call */
	bool cancelled, final;          /* CANCEL came; a final response went up */
	bool stateless;                 /* ACK: sent and forgotten */
	bool done;                      /* nta's objects gone, the transaction's reference dropped */
	su_timer_t *timer;              /* lingering after a 2xx to INVITE */
	/* a new call to a region: the SBC address it went to, the ones tried */
	int region, sbc;                /* -1: no failover */
	uint32_t tried;
	bool heard;                     /* a response came (100 too) */
	bool authed;                    /* the proxy answered a 401/407 for it */
	uint32_t cseq_add;              /* its CSeq out is the caller's + this */
	su_timer_t *itimer;             /* invite_timeout_ms without a response */
	su_timer_t *ttimer;             /* sent over TLS: the connection's check (sip_tls.c) */
	su_timer_t *rtimer;             /* the pause before sending again (not sent: sip_retry.c) */
	unsigned send_retries;          /* sent again after nta could not send it */
	uint64_t sent_ns;               /* when it was last handed to nta */
	int refs;
};

/* An SBC address of a region and what its OPTIONS pings said. */
struct sip_sbc {
	struct in_addr addr;
	uint16_t port;
	bool up;                        /* until options_down_after pings go unanswered */
	unsigned misses;                /* unanswered pings in a row */
	uint64_t sent_ns, last_reply_ns;
	int64_t rtt_us;                 /* of the last answer; -1 none yet */
	uint64_t calls;                 /* INVITEs sent to it */
	nta_outgoing_t *ping;           /* the ping in flight */
	int host;                       /* the sbc item (a hostname) it was resolved from, or -1 */
};

struct sip_hregion {
	char name[CFG_NAME_LEN];
	struct sip_sbc sbc[CFG_MAX_SBC];
	int n;
	int rr_next;                    /* round-robin: where the next call starts */
	uint64_t next_ping_ns;
};

/* The regions' health (sip_health.c): the table under mu (read by the
 * loop thread), the rest the SIP thread's. */
struct sip_health {
	pthread_mutex_t mu;
	struct sip_hregion r[CFG_MAX_REGIONS];
	int n;
	su_timer_t *timer;
	struct sip_tr pinger;           /* the pings' callback argument (only .sp) */
	uint64_t rs_gen;                /* the resolver's answers the table follows */
};

#define SIP_MAX_REGS 256

/* A REGISTER the proxy relayed with a Path: the address-of-record, where
 * it came from. */
struct sip_reg {
	char aor[128];
	char trunk[CFG_NAME_LEN], region[CFG_NAME_LEN];
	struct in_addr addr;
	uint16_t port;
	uint64_t at_ns;
	uint64_t exp_ns;                /* the registrar's lifetime ends (0: no 2xx yet;
					 * past: ended, not listed, its Path not followed) */
};

enum step_kind { STEP_REQUEST, STEP_RESPONSE, STEP_END };

/* One message of a call, in the order it came. */
struct sip_step {
	struct sip_step *next;
	enum step_kind kind;
	struct sip_tr *tr;              /* held */
	msg_t *msg;                     /* held: the request or response */
	int side;                       /* whose message */
	struct sip_mreq *mq;            /* the media request in flight, or NULL */
	bool sdp_bad;                   /* its SDP did not parse */
};

struct sip_calls {
	pthread_mutex_t mu;
	struct sip_call **htab;         /* by Call-ID hash */
	unsigned hsize;
	struct sip_call *first, *last;
	unsigned n;
};

struct sip {
	struct sip_queue q;
	pthread_t thread;
	sem_t started;
	int start_err;
	char start_msg[256];
	/* the SIP thread's */
	su_home_t home[1];
	su_root_t *root;
	nta_agent_t *agent;
	nta_leg_t *leg;
	su_wait_t wait[1];
	int wait_index;
	struct rtpe_cfg *cfg;           /* its own copy, replaced at reload */
	struct sip_calls calls;
	struct sip_tr *trs;             /* live transactions (freed at the end) */
	struct sip_stats st;            /* atomic adds; calls_active under the mutex */
	struct sip_health health;
	struct sip_reg regs[SIP_MAX_REGS]; /* REGISTERs relayed (under calls.mu) */
	int n_regs;
};

/* ---- sip_thread.c ---- */
/* Counts one response sent upstream. */
void sip_count_response(struct sip *sp, int status);
void sip_count(uint64_t *counter);
/* The address a message came from. */
struct in_addr sip_msg_source(msg_t *msg);

/* ---- sip_proxy.c ---- */
/* The default leg's callback: every request outside nta's own transactions.
 * A status nta answers with, or 0 when the proxy took the request. */
int sip_on_request(struct sip *sp, nta_leg_t *leg, nta_incoming_t *irq, sip_t const *sip);

/* ---- sip_fwd.c ---- */
/* Ends every transaction (the thread ends). */
void trs_fini(struct sip *sp);
struct sip_tr *tr_new(struct sip *sp, nta_incoming_t *irq, sip_t const *sip);
void tr_ref(struct sip_tr *tr);
void tr_unref(struct sip_tr *tr);
/* The transaction is over: nta's objects go, its reference too (once). */
void tr_done(struct sip_tr *tr);
/* Answers the request with status (a final one ends the transaction). */
void tr_reply(struct sip_tr *tr, int status, char const *phrase);
/* Sends tr->req on to tr->hop. 0 or -1 (answered 5xx). */
int tr_forward(struct sip_tr *tr);
/* A response of tr's client transaction goes up (our Via removed). */
void tr_relay(struct sip_tr *tr, msg_t *resp);

/* ---- sip_call.c ---- */
struct sip_call *call_find(struct sip *sp, char const *call_id);
struct sip_call *call_new(struct sip *sp, sip_t const *sip, enum sip_dir dir);
/* The same from its parts (a call rebuilt from what its sessions kept). */
struct sip_call *call_new_id(struct sip *sp, const char *call_id, url_t const *from,
			     url_t const *to, enum sip_dir dir);
void call_ref(struct sip_call *c);
void call_unref(struct sip_call *c);
void call_set_state(struct sip_call *c, enum call_state s);
/* Counts the call's result once (rtpedge_calls_total). */
void call_result(struct sip_call *c, enum sip_result r);
/* Queues a message of the call and runs the queue. */
void call_push(struct sip_call *c, enum step_kind kind, struct sip_tr *tr, msg_t *msg, int side);
/* The call holding media session id, or NULL. */
struct sip_call *call_by_session(struct sip *sp, uint32_t id);
/* An early dialog of the callee (To tag of a 1xx, or From tag of its
 * request in the early dialog) whose SDP answer the loop just applied. */
void call_fork_note(struct sip_call *c, const char *tag, const struct sdp_desc *desc);
/* The call is answered or over: the early dialogs are forgotten. */
void call_forks_drop(struct sip_call *c);
/* Frees every call (the thread ends). */
void calls_fini(struct sip *sp);
int calls_init(struct sip_calls *t);

/* ---- sip_fwd.c: what a step does ---- */
/* The step's message after the loop anchored its SDP (mq NULL: it had
 * none): rewrite it, send it on. */
void step_request_done(struct sip_step *st);
void step_response_done(struct sip_step *st);

/* ---- sip_health.c ---- */
int health_start(struct sip *sp);
void health_stop(struct sip *sp);
/* The health table follows sp->cfg (start, reload). */
void health_sync(struct sip *sp);
/* The SBC address of region a new request goes to (by its strategy), added
 * to *tried; its index, or -1 (none: the route's own address stays). */
int health_pick(struct sip *sp, int region, uint32_t *tried, struct in_addr *addr,
		uint16_t *port);
/* How many SBC addresses region has now (its hostnames resolved). */
int health_count(struct sip *sp, int region);
/* The address after index after that is not in *tried (healthy ones
 * first); its index, or -1 when every address was tried. */
int health_next(struct sip *sp, int region, int after, uint32_t *tried, struct in_addr *addr,
		uint16_t *port);

/* ---- sip_retry.c: a request sent again ---- */
/* tr's new call goes to the next SBC address of its region (why: for the
 * log). False when there is none or the caller cancelled. */
bool tr_failover(struct sip_tr *tr, const char *why);
/* A new call's INVITE to a region with more addresses waits
 * invite_timeout_ms for a response (then tr_failover). */
void itimer_start(struct sip_tr *tr);
/* Stop the response timer of itimer_start, the send-again timer. */
void itimer_stop(struct sip_tr *tr);
void rtimer_stop(struct sip_tr *tr);
/* tr->req, which the kernel refused, goes again after a pause; false when
 * it failed otherwise or the tries are spent. */
bool send_again(struct sip_tr *tr);
/* A response (status, sip) that is nta's own 503 for a request it could
 * not send: sent again (true), else it goes on as it is. */
bool send_failed(struct sip_tr *tr, sip_t const *sip, int status);
/* A CANCEL while tr->req waits to be sent again: 487 up, the call ends. */
void retry_cancelled(struct sip_tr *tr);
/* A 401/407 (status, sip) to a new call's INVITE answered with the call's
 * credentials and sent again (true); false leaves it to go up. */
bool auth_retry(struct sip_tr *tr, sip_t const *sip, int status);

/* ---- sip_tls.c: requests sent over TLS ---- */
/* tr went out to a TLS hop: unless a response comes first, its connection
 * is checked after a moment; one that failed (certificate not verified,
 * handshake refused, not connected) ends tr with 503 (or the next SBC). */
void sip_tls_watch(struct sip_tr *tr);
void sip_tls_unwatch(struct sip_tr *tr);

/* ---- sip_bye.c ---- */
/* What the call keeps of its dialog from the request that began it and
 * from a 2xx answer (BYE needs it). */
void bye_learn_request(struct sip_call *c, sip_t const *sip);
void bye_learn_answer(struct sip_call *c, sip_t const *sip);
/* Ends the call for a media timeout: BYE both ways, sessions ended. */
void bye_both_ways(struct sip_call *c);

/* ---- sip_reg.c ---- */
/* A trunk's REGISTER relayed with a Path (rt: its route, sa: where it came
 * from): its address-of-record's entry; Expires: 0 ends it. */
void reg_note(struct sip *sp, sip_t const *sip, const struct sip_call_route *rt,
	      const struct sockaddr_in *sa);
/* A final response to a REGISTER the proxy relayed (req: as it went out):
 * a 2xx sets the binding's lifetime, a failure forgets one never registered. */
void reg_answered(struct sip *sp, msg_t *req, sip_t const *resp, int status);
/* Whether a Path naming addr:port belongs to registrations that all ended
 * (false when one lives, or the table knows none). */
bool reg_path_ended(struct sip *sp, struct in_addr addr, uint16_t port);

/* ---- sip_via.c ---- */
/* On a 0.0.0.0 listen, the proxy's Via for a request to hop (an IPv4
 * address): the address of the interface the request leaves by (its
 * advertise address), the listen port; NULL when nta's own is right (a
 * specific listen address) or cannot be known (a hostname). */
sip_via_t *sip_via_self(const struct rtpe_cfg *c, su_home_t *home, url_t const *hop);
/* Puts that Via on top of msg (hop NULL: its next hop); true when it did,
 * and nta must keep it: NTATAG_USER_VIA(true). */
bool sip_via_add(const struct rtpe_cfg *c, msg_t *msg, url_t const *hop);
/* ---- sip_dialog.c ---- */
/* What bye_both_ways needs goes with the call's sessions into the state
 * file (the loop keeps it on each session): at the answer, and whenever a
 * request moves a CSeq or a target. Nothing before the answer. */
void dialog_save(struct sip_call *c);
/* Session id timed out; text is what it kept of its call's dialog (NULL:
 * nothing). The call, in the table or rebuilt from text after a restart,
 * ends with BYE both ways. */
void dialog_timeout(struct sip *sp, uint32_t id, const char *text);

#endif
