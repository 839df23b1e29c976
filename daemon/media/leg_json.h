/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leg_json.h - a leg as JSON, written once for the control replies
 * (commands.c) and the state file (state/state_text.c), so that both spell
 * each field the same way ("interface", not "iface"). Each writer passes
 * its figures and says which fields of its own it adds.
 */
#ifndef RTPE_LEG_JSON_H
#define RTPE_LEG_JSON_H

#include <stdint.h>

#include "core/jbuf.h"
#include "media/session.h"

/* The fields only one of the writers adds. */
enum leg_json_extra {
	LEG_JSON_SLOT = 1u << 0, /* "slot", the leg's number (the state file) */
	LEG_JSON_LIVE = 1u << 1, /* "last_seen_ms" and "rtp" (replies) */
	LEG_JSON_KEYS = 1u << 2, /* an SRTP leg's keys (the state file, show --keys) */
	LEG_JSON_STREAMS = 1u << 3, /* an SRTP leg's restart state (the state file) */
};

/*
 * Appends leg l (of r) as one JSON object, in this order:
 *   {"interface":NAME,"local":"IP:PORT","peer":"IP:PORT","peer_rtcp_port":N,
 *    "path":PATH,["slot":N,]"packets":N,"bytes":N,"drops":N,"rtcp_packets":N
 *    [,"last_seen_ms":N,"rtp":{"ssrc":N,"lost":N,"jitter_ms":F}]
 *    [,"clock_rate":N][,"rtcp_mux":true]
 *    [,"srtp":{"suite":S,"failures":{"auth":N,"replay":N,"other":N}
 *              [,"in_key":K,"out_key":K][,"in":{...},"out":{...}]}]}
 * clock_rate only when not 8000, rtcp_mux only when true, srtp only for a
 * leg that terminates SRTP; its keys (RFC 4568 inline form) only with
 * LEG_JSON_KEYS, its restart state only with LEG_JSON_STREAMS: each
 * direction's {"used":N[,"ssrc":N,"roc":N][,"rtcp_ssrc":N,"rtcp_sent":N]}.
 * The counters are v's: the
 * state file's are the daemon's own (l->us), replies merge XDP's in. With
 * LEG_JSON_LIVE, v's last_seen_ns and RTP figures too, null when there are
 * none yet; now_ns is CLOCK_MONOTONIC read after v (unused otherwise).
 */
void leg_json_write(struct jbuf *b, const struct media *r, const struct leg *l,
		    const struct leg_view *v, unsigned extra, uint64_t now_ns);

#endif
