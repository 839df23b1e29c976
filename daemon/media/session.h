/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session.h - the media layer's state (struct media): the interfaces, the
 * session table and each session's two legs.
 *
 * A session relays between two legs. Each leg owns an even RTP port and the
 * RTCP port above it on its interface's address. When XDP runs on both
 * legs' interfaces the legs hold no sockets: each is an entry in the
 * rtpe_legs map, and what XDP cannot forward reaches the daemon through the
 * punt perf buffer (punt.h). Otherwise each leg binds a UDP socket on both
 * ports and the daemon relays it (relay.c).
 *
 * Everything here runs on the event loop's thread. The table knows
 * nothing of its owner: what the owner must hear of (the state file)
 * goes through one hook, media_event().
 */
#ifndef RTPE_SESSION_H
#define RTPE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <linux/types.h>
#include "rtpedge.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/sockaddr.h"
#include "core/loop.h"
#include "srtp/srtp_ctx.h"
#include "xdp/xdp.h"

struct latch;
struct loop;
struct xdp_state;
struct port_pool;
struct punt;
struct relay_xsk;

struct relay_iface {
	struct cfg_iface cfg;
	struct port_pool *ports;  /* even ports on cfg.address */
};

struct session;

/* A leg that terminates SRTP (media/leg_srtp.h): its transform and what it
 * refused, by reason. */
struct leg_srtp {
	struct sctx *ctx;
	uint64_t fails[SCTX_FAIL_MAX];
	/* The restart state (srtp/srtp_ctx.h) as the relaying thread last saw
	 * it change, for the state file on the loop thread, which must not
	 * walk libsrtp's streams while a worker adds to them: struct
	 * sctx_stream as words, written under snap_seq (odd while written),
	 * read with leg_srtp_snap_read (leg_srtp.c). */
#define SNAP_WORDS 8
	uint32_t snap[2][SNAP_WORDS];
	unsigned snap_seq;
};

struct leg {
	struct session *s;
	int idx;                  /* 0 (a) or 1 (b) */
	int iface;                /* index into rtpe.ifaces */
	struct sockaddr_in local; /* relay address and even RTP port */
	struct sockaddr_in peer;  /* remote RTP endpoint */
	uint16_t peer_rtcp_port;  /* remote RTCP port, host order */
	enum rtpe_path path;
	uint32_t slot;            /* the daemon's number of the leg (punts) */
	uint32_t line;            /* its XDP counters' line (xdp_line_of), UINT32_MAX: none */
	int fd[2];                /* RTP and RTCP sockets, -1 when closed */
	struct rtpe_leg_stats us; /* what the daemon relayed itself */
	struct rtpe_leg_rtp us_rtp; /* RTP state of what the daemon relayed */
	/* learning: until confirmed, the daemon decides who the peer is */
	bool latch;               /* may take its peer from media (NAT) */
	uint64_t learn_until_ns;  /* end of the learning window */
	struct latch *cands;      /* latching candidates (latch.h), NULL: none heard */
	struct leg_srtp *srtp;    /* SRTP keys and context, NULL: plain RTP */
	uint32_t clock_rate;      /* RTP clock in Hz (jitter), RTP_DEFAULT_CLOCK unless told */
	bool rtcp_mux;            /* its peer sends and takes RTCP on the RTP port (RFC 5761);
				   * learnt on SRTP sessions from RTCP on the RTP port */
	struct leg_hop {          /* the next hop of what the AF_XDP relay sends its peer
				   * (relay_xsk.c; its thread's), asked again every second */
		uint64_t until_ns;    /* 0: never asked */
		__be32 dst;           /* the address it was asked for */
		int in_ifindex;       /* and the device the packets came in on */
		int ifindex;          /* where they leave, 0: the kernel routes them */
		uint8_t smac[6], dmac[6];
	} hop;
};

/* What a leg may be given at creation (session_create_ex); zeroes: plain
 * RTP at 8000 Hz, RTCP on the port above. */
struct leg_opts {
	const struct sdes_key *srtp_in;  /* decrypts what the peer sends; NULL: plain RTP */
	const struct sdes_key *srtp_out; /* encrypts what the relay sends it (NULL: srtp_in) */
	uint32_t clock_rate;      /* RTP clock from the SDP, 0: 8000 */
	bool rtcp_mux;            /* the peer multiplexes RTCP on the RTP port */
};

/* A peer is unknown (0.0.0.0:0) until the signalling gives it (the
 * answerer's side of a call created at the offer); nothing is sent to it. */
static inline bool leg_peer_known(const struct leg *l)
{
	return l->peer.sin_addr.s_addr && l->peer.sin_port;
}

/* The RTP receiver state to report for a leg: whichever side saw more of
 * its RTP, XDP (x, NULL when none) or the daemon's own relay. */
static inline const struct rtpe_leg_rtp *leg_rtp_of(const struct leg *l,
						     const struct rtpe_leg_rtp *x)
{
	return !x || l->us_rtp.rtp_packets > x->rtp_packets ? &l->us_rtp : x;
}

struct media;

/* Session ids run from 1 to SESSION_ID_MAX (so that an id + 1 fits in
 * next_id), then start again at 1, passing over ids in use. */
#define SESSION_ID_MAX (UINT32_MAX - 1)

struct session {
	struct media *owner;
	uint32_t id;
	uint64_t created_ns;      /* CLOCK_MONOTONIC */
	bool hold;                /* on hold: hold_timeout applies */
	bool punt;                /* socket-less legs: XDP punts the slow path (punt.h) */
	bool srtp;                /* a leg terminates SRTP: both legs relayed by the daemon */
	bool xsk;                 /* relayed on AF_XDP (relay_xsk.h), its legs' sockets the fallback */
	char *dialog;             /* what the SIP proxy keeps of its call's dialog (its own
				   * text, in the state file: a BYE after a restart), or NULL */
	int worker;               /* the relay worker its sockets are on (worker.h), -1: none */
	struct leg leg[2];
	struct session *hnext;    /* id hash chain */
	struct session *prev, *next; /* all sessions, oldest first */
};

/* Figures of one leg, XDP and userspace merged. */
struct leg_view {
	uint64_t packets, bytes, drops, rtcp_packets;
	uint64_t last_seen_ns;    /* 0: never */
	bool has_rtp;
	uint32_t ssrc;
	uint64_t lost;
	double jitter_ms;
};

struct rtpe_totals {              /* since start (the relay's: per thread, worker.h) */
	uint64_t packets[RTPE_PATH_MAX], bytes[RTPE_PATH_MAX]; /* relayed by the daemon */
	uint64_t us_drops;        /* userspace: wrong source */
	uint64_t srtp_fails[SCTX_FAIL_MAX]; /* SRTP/SRTCP refused from peers, by reason */
	uint64_t created, deleted, timed_out;
};

#define JITTER_BUCKETS(X) X(1) X(2) X(5) X(10) X(20) X(50) X(100) X(200)
#define RTPE_X_COUNT(ms) +1
enum { N_JITTER_BUCKETS = 0 JITTER_BUCKETS(RTPE_X_COUNT) };
#undef RTPE_X_COUNT

/* Figures over all legs, refreshed by each sweep (sweep.c). */
struct rtpe_agg {
	uint64_t legs[RTPE_PATH_MAX];  /* legs by path */
	uint64_t rtp_legs;             /* legs that have received RTP */
	uint64_t rtp_lost;             /* packets lost, summed over active legs */
	uint64_t jitter_le[N_JITTER_BUCKETS]; /* legs with jitter <= bucket (cumulative) */
	double jitter_sum_ms;
};

/* What the session table tells its owner (struct media's hook). */
enum media_event {
	MEDIA_CHANGED, /* sessions, paths or peers changed: what the state file keeps */
	MEDIA_UNLINK,  /* s is leaving the table (before it is freed) */
	MEDIA_IDS,     /* next_id reached id_limit: the owner makes the ids above it
			* durable and raises id_limit (or leaves it: no limit) */
	MEDIA_TIMEOUT, /* s had no media for its timeout; it is destroyed next (the
			* owner ends the call it belongs to) */
};

/*
 * The media layer: interfaces, the session table, the userspace relay and
 * the punt path. Its owner (the daemon) fills cfg, loop, xdp and the
 * interfaces, and learns of changes through on_event.
 */
struct media {
	const struct rtpe_cfg *cfg;
	struct loop *loop;
	struct xdp_state *xdp;    /* NULL when XDP is off */
	struct relay_iface ifaces[CFG_MAX_IFACES];
	struct xdp_iface xif[CFG_MAX_IFACES]; /* each interface's XDP side */
	int n_ifaces;

	struct session **htab;    /* by id */
	uint32_t hsize;           /* power of two */
	struct session *first, *last;
	uint32_t n_sessions, next_id;
	uint32_t id_limit;        /* the owner is told (MEDIA_IDS) before an id >= this is used */
	uint32_t *free_slots;     /* stack of free leg numbers (struct leg.slot) */
	uint32_t n_free_slots;
	struct rtpe_totals totals;
	struct rtpe_agg agg;
	struct loop_duty sweep_duty;  /* the sweep's pace (sweep.c) */
	struct punt *punt;        /* the slow path of socket-less legs, NULL without XDP */
	int punt_raw;             /* its raw socket (punt_tx.c), -1 when closed */
	struct leg **slot_leg;    /* the leg holding each stats slot (punted frames) */
	struct relay_xsk *xsk;    /* the relay's AF_XDP side (relay_xsk.h), NULL: none */

	struct worker **workers;  /* the relay workers (worker.h), n_workers of them */
	int n_workers;

	void (*on_event)(void *arg, enum media_event ev, const struct session *s);
	void *event_arg;
};

struct worker;
/* The relay worker this thread is (worker.h), NULL on the loop thread. */
extern _Thread_local struct worker *media_self;
/* On worker w: the state file is behind (the loop thread is told). */
void worker_note_changed(struct worker *w);
/* Worker w's relay counters. */
struct rtpe_totals *worker_totals(struct worker *w);

/* Tells the owner (no-op without a hook). On a relay worker only
 * MEDIA_CHANGED happens, and it reaches the owner through the loop
 * thread. */
static inline void media_event(struct media *r, enum media_event ev, const struct session *s)
{
	if (media_self)
		worker_note_changed(media_self);
	else if (r->on_event)
		r->on_event(r->event_arg, ev, s);
}

/* The relay counters this thread writes: its worker's, or the loop's. */
static inline struct rtpe_totals *media_counters(struct media *r)
{
	return media_self ? worker_totals(media_self) : &r->totals;
}

/* Allocates the table, slots and port pools for r->cfg-> 0 or -errno. */
int sessions_init(struct media *r);
/* Free port pairs over all interfaces. */
unsigned sessions_ports_free(const struct media *r);
/* Destroys every session (closing sockets, deleting map entries). */
void sessions_fini(struct media *r);

/*
 * Creates a session relaying iface_a/peer_a <-> iface_b/peer_b: allocates a
 * port pair on each interface, binds the sockets, programs XDP. A peer may
 * be 0.0.0.0:0, unknown (session_set_peer gives it later): both legs then
 * learn and forward nothing until it is set. 0 with *out set, or -1 with err
 * holding the reason for the client.
 */
int session_create(struct media *r, int iface_a, const struct sockaddr_in *peer_a,
		   int iface_b, const struct sockaddr_in *peer_b, struct session **out,
		   char *err, size_t errlen);
/* The same with each leg's options (opts[0] leg a, opts[1] leg b; NULL:
 * none). A leg with SRTP keys puts its session on the daemon's sockets
 * (never socket-less XDP legs): that leg's path is srtp, the other's
 * userspace unless it has keys too. */
int session_create_ex(struct media *r, int iface_a, const struct sockaddr_in *peer_a,
		      int iface_b, const struct sockaddr_in *peer_b, const struct leg_opts *opts,
		      struct session **out, char *err, size_t errlen);
void session_destroy(struct media *r, struct session *s);
/*
 * Restores a session found in the maps or the state file: s has id, legs'
 * iface, local, peer, peer_rtcp_port, path, slot (UINT32_MAX for a fresh
 * one), clock_rate and, for SRTP legs, srtp (leg_srtp_new) set. Takes those exact ports, binds, rewrites the map entries.
 * A slot beyond max_sessions is dropped; the slots are settled by
 * sessions_rebuild_slots, which the caller runs once every session is back.
 * 0, or -1 with err: s is then freed, its ports are free again and its map
 * entries are left (whether they stay is the caller's call).
 */
int session_restore(struct media *r, struct session *s, char *err, size_t errlen);
/* A blank session for session_restore (legs' fds -1, slots unset). */
struct session *session_new(struct media *r, uint32_t id);
/*
 * Ends a leg's learning: peer (when not NULL) becomes its peer. Its RTCP
 * port is the one RTCP was seen from on the peer's IP while learning, else
 * the peer's port + 1 (when peer is NULL and no RTCP was seen: unchanged).
 * The leg moves to XDP where both interfaces run it, else to userspace;
 * both map entries are rewritten so the opposite leg sends to the confirmed
 * peer. A confirmed leg never learns again.
 */
void leg_confirm(struct media *r, struct leg *l, const struct sockaddr_in *peer);
/*
 * Sets or changes leg idx's peer from the signalling (SDP answer,
 * re-INVITE): RTCP at rtcp_port (0: the port above). 0.0.0.0 or port 0 makes
 * it unknown (hold with c=0.0.0.0): nothing is sent to it. The leg learns
 * again (its first packet from the new peer confirms it), both map entries
 * are rewritten. 0 or -errno (the map write failed).
 */
int session_set_peer(struct media *r, struct session *s, int idx, const struct sockaddr_in *peer,
		     uint16_t rtcp_port);
/* Whether a peer of s is still unknown (no leg may forward yet): the sweep
 * gives such a session hold_timeout, as a ringing call may wait long. */
bool session_waiting(const struct session *s);
/* The path a confirmed leg takes: srtp for a leg with keys, xdp when both
 * interfaces run XDP and no leg of its session terminates SRTP, else
 * userspace (the plain leg of an SRTP session too). */
enum rtpe_path leg_path_confirmed(const struct media *r, const struct leg *l);
/* Writes both legs' entries (new, or over live ones). 0 or -errno. */
int session_program(struct media *r, struct session *s);
/*
 * Settles the stats slots after a restore: a slot held by two legs stays
 * with the first in the table, a leg without one (none, beyond the table,
 * or shared) gets a free one (its map entries are rewritten), slot_leg
 * names each slot's leg and the free stack holds every other slot once.
 * Legs left without one (max_sessions lowered) are logged. 0.
 */
int sessions_rebuild_slots(struct media *r);
/* Forgets every session without touching the kernel: the map entries stay
 * and XDP goes on relaying (stop for an upgrade). Sockets are closed. */
void sessions_detach(struct media *r);
struct session *session_find(struct media *r, uint32_t id);

/* Fills v with the leg's figures. now_ns: CLOCK_MONOTONIC. */
void leg_view(struct media *r, const struct leg *l, struct leg_view *v);

#endif
