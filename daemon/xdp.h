/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp.h - the XDP program and its maps, through libbpf and the embedded
 * skeleton: load (reusing maps pinned under pin_path), attach through
 * pinned bpf_links, program legs, read counters.
 */
#ifndef RTPE_XDP_H
#define RTPE_XDP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "rtpedge.h"
#include "session.h"

/*
 * Loads the program for r->cfg (map sizes from max_sessions), pins or reuses
 * the maps under pin_path, writes the port range and attaches to every
 * interface per xdp_mode, recording in r->ifaces[i].xdp how it runs there.
 * Under auto a failed attach leaves that interface to userspace; under
 * native or generic it is an error. 0, or -errno with err set.
 */
int xdp_setup(struct rtpe *r, char *err, size_t errlen);

/* Closes the daemon's handles. remove: also detach from every interface
 * and unpin links and maps, so nothing of rtpedge stays in the kernel. */
void xdp_teardown(struct rtpe *r, bool remove);

/* Whether the maps were pinned by an earlier daemon (and may hold data). */
bool xdp_maps_reused(const struct xdp_state *x);

/* Writes or deletes one leg's rtpe_legs entry. 0 or -errno. */
int xdp_leg_put(struct xdp_state *x, const struct rtpe_leg_key *k, const struct rtpe_leg *v);
int xdp_leg_del(struct xdp_state *x, const struct rtpe_leg_key *k);
/* Calls fn for every rtpe_legs entry (a snapshot: fn may not modify the
 * map). Stops early when fn returns non-zero and returns that. */
typedef int (*xdp_leg_fn)(const struct rtpe_leg_key *k, const struct rtpe_leg *v, void *arg);
int xdp_legs_foreach(struct xdp_state *x, xdp_leg_fn fn, void *arg);
/* Zeroes a stats slot on every CPU (before a new leg uses it). */
int xdp_slot_reset(struct xdp_state *x, __u32 slot);
/* Merges a slot's per-CPU copies: sums and the largest last_seen. 0 or -errno. */
int xdp_slot_read(struct xdp_state *x, __u32 slot, struct rtpe_leg_stats *out);
/* Reads slots [0, n) at once (batched: one syscall per 4096 slots), merged
 * as xdp_slot_read does, into out[0..n). 0 or -errno. */
int xdp_slots_read(struct xdp_state *x, __u32 n, struct rtpe_leg_stats *out);
/* A leg's RTP receiver state (one copy for all CPUs); write it to hand the
 * state the daemon built while the leg was learning over to XDP. */
int xdp_rtp_read(struct xdp_state *x, __u32 slot, struct rtpe_leg_rtp *out);
int xdp_rtp_put(struct xdp_state *x, __u32 slot, const struct rtpe_leg_rtp *v);
/* RTP state of slots [0, n), batched. 0 or -errno. */
int xdp_rtp_read_all(struct xdp_state *x, __u32 n, struct rtpe_leg_rtp *out);
/* Sums the per-CPU verdict counters into out[RTPE_V_MAX]. */
int xdp_verdicts_read(struct xdp_state *x, struct rtpe_counter *out);

/* The rtpe_punt perf event array, for the punt readers. */
int xdp_punt_fd(struct xdp_state *x);

/* Updates the port range seen by the program. */
int xdp_config_put(struct xdp_state *x, __u16 port_min, __u16 port_max);

const char *xdp_attach_name(enum xdp_attach a);

#endif
