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
#include <stdint.h>
#include <linux/types.h>
#include "rtpedge.h"
#include "core/config.h"

struct xdp_state;

enum xdp_attach { XDP_ATTACH_OFF, XDP_ATTACH_NATIVE, XDP_ATTACH_GENERIC, XDP_ATTACH_FAILED };

/* The XDP side of the configured interface of the same index: the caller
 * fills ifindex and forwarding, xdp_setup writes attach. */
struct xdp_iface {
	int ifindex;              /* of cfg->ifaces[i].device */
	bool forwarding;          /* net.ipv4.conf.DEV.forwarding, needed by the FIB */
	enum xdp_attach attach;   /* how XDP runs on it */
};

/* Whether XDP forwards on an interface attached so. */
static inline bool xdp_attached(enum xdp_attach a)
{
	return a == XDP_ATTACH_NATIVE || a == XDP_ATTACH_GENERIC;
}

/*
 * Loads the program for cfg (map sizes from the port range), pins or
 * reuses the maps under pin_path, writes the port range and attaches to
 * every interface per xdp_mode, recording in xif[i].attach how it runs
 * there. Under auto a failed attach leaves that interface to userspace;
 * under native or generic it is an error. *out is NULL with xdp_mode off.
 * 0, or -errno with err set.
 */
int xdp_setup(const struct rtpe_cfg *cfg, struct xdp_iface *xif, struct xdp_state **out,
	      char *err, size_t errlen);

/*
 * What an earlier run pinned under cfg->pin_path and cfg no longer uses:
 * with xdp_mode off every link pin_path/link_DEV is detached from its
 * device and unpinned, and every pinned map removed with the directory;
 * otherwise the links of devices no [interface] names any more. Each
 * removal is logged. With xdp_mode off, kept (when not NULL) is asked for
 * every session the pinned leg map holds; those it says were not restored
 * are logged as dropped. Run after the sessions were restored, so their
 * sockets are bound before XDP lets go. The number of links removed, or
 * -errno when pin_path cannot be read.
 */
typedef bool (*xdp_kept_fn)(uint32_t session_id, void *arg);
int xdp_remove_unused(const struct rtpe_cfg *cfg, xdp_kept_fn kept, void *arg);

/* Closes the daemon's handles and frees x (NULL: nothing). remove: also
 * detach from every interface (xif[i].attach becomes off) and unpin links
 * and maps, so nothing of rtpedge stays in the kernel. */
void xdp_teardown(struct xdp_state *x, const struct rtpe_cfg *cfg, struct xdp_iface *xif,
		  bool remove);

/*
 * Leg entries (xdp_legs.c), each at the index of its local address and
 * port (v->local, v->local_port). 0 or -errno (-ENOENT: not an address of
 * the table; -ERANGE: port outside the range).
 *
 * put: a new leg, or a change of one that may be forwarding (written only
 *   if it differs).
 * del: the leg on local:local_port is gone. clear: the entry at idx is (from
 *   xdp_legs_foreach).
 * Plain stores into the mapped array, no system call; the fast path never
 * forwards by a half-written entry (struct rtpe_leg, seq).
 */
/* The rtpe_legs size for this configuration: every index xdp_leg_index
 * may give is below it. (xdp_legs.c) */
__u32 xdp_legs_entries(const struct rtpe_cfg *cfg);
/* The rtpe_legs index of (addr, port), also its line. 0, or -ENOENT (no
 * such address) or -ERANGE (port outside the range). (xdp_legs.c) */
int xdp_leg_index(const struct xdp_state *x, __be32 addr, __be16 port, __u32 *idx);
int xdp_leg_put(struct xdp_state *x, const struct rtpe_leg *v);
int xdp_leg_del(struct xdp_state *x, __be32 local, __be16 local_port);
int xdp_leg_clear(struct xdp_state *x, __u32 idx);
/* Calls fn for every leg in rtpe_legs, with its index (a snapshot read in
 * batches). Stops early when fn returns non-zero and returns that. */
typedef int (*xdp_leg_fn)(const struct rtpe_leg *v, __u32 idx, void *arg);
int xdp_legs_foreach(struct xdp_state *x, xdp_leg_fn fn, void *arg);
/* Whether the pinned maps were a predecessor's (so they hold every leg it
 * had), not made by this start. */
bool xdp_maps_reused(const struct xdp_state *x);
/* Entries in rtpe_legs (RTPE_MAX_ADDRS * pairs). */
__u32 xdp_legs_size(const struct xdp_state *x);
/*
 * A leg's line (xdp_lines.c): its entry of rtpe_legs_state (counters, last-seen, RTP
 * state, written by XDP), at the leg's own index in rtpe_legs, which its
 * local address and port give. UINT32_MAX when the address is not in the
 * table or the port is outside the range.
 */
__u32 xdp_line_of(const struct xdp_state *x, __be32 addr, __be16 port);
/* Zeroes a line (before a new leg uses it). */
int xdp_line_reset(struct xdp_state *x, __u32 line);
/* A line's counters and last-seen (CLOCK_MONOTONIC, at most now_ns), read
 * from memory. 0 or -errno. */
int xdp_line_read(struct xdp_state *x, __u32 line, uint64_t now_ns, struct rtpe_leg_stats *out);
/* A line's RTP receiver state (one copy for all CPUs, read from memory);
 * write it to hand the state the daemon built while the leg
 * was learning over to XDP (before the leg forwards in XDP). */
int xdp_rtp_read(struct xdp_state *x, __u32 line, struct rtpe_leg_rtp *out);
int xdp_rtp_put(struct xdp_state *x, __u32 line, const struct rtpe_leg_rtp *v);
/* The whole memory-mapped rtpe_legs_state (n entries into *n if n is not
 * NULL), as XDP writes it: an entry may change while it is read. */
const struct rtpe_leg_state *xdp_state_table(const struct xdp_state *x, __u32 *n);
/* CLOCK_MONOTONIC of the last packet XDP forwarded for the leg whose entry
 * of that table rs is (converted from jiffies), 0: none. */
uint64_t xdp_seen_ns(const struct xdp_state *x, const struct rtpe_leg_state *rs, uint64_t now_ns);
/* Sums the per-CPU verdict counters into out[RTPE_V_MAX]. */
int xdp_verdicts_read(struct xdp_state *x, struct rtpe_counter *out);

/* The rtpe_punt perf event array, for the punt readers. */
int xdp_punt_fd(struct xdp_state *x);
/* Asks the kernel's route and neighbour for q (rtpedge_fib, BPF_PROG_RUN):
 * 0 with q answered (q->ret: BPF_FIB_LKUP_RET_*), or -errno. */
int xdp_next_hop(struct xdp_state *x, struct rtpe_fib_query *q);

const char *xdp_attach_name(enum xdp_attach a);

#endif
