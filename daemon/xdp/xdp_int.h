/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_int.h - what xdp.c (program, links, counters) and xdp_legs.c (the
 * address table and the leg array) share: the state behind struct
 * xdp_state and the batched array reader. Not for other modules.
 */
#ifndef RTPE_XDP_INT_H
#define RTPE_XDP_INT_H

#include <stdbool.h>
#include <linux/types.h>
#include "core/config.h"
#include "rtpedge.h"
#include "xdp/xdp_clock.h"

struct rtpedge;

/* A local address of the relay and where its legs start in rtpe_legs. */
struct xdp_addr {
	__be32 addr;
	__u32 base;
};

struct xdp_state {
	struct rtpedge *skel;
	int ncpu;
	int fd_legs, fd_state, fd_verdicts, fd_config, fd_tx, fd_addrs;
	int fd_xsks, fd_xsk_ifs;        /* AF_XDP (xdp_xsk.c) */
	int link_fd[CFG_MAX_IFACES];
	bool link_new[CFG_MAX_IFACES]; /* created by this start, not taken over */
	char pin_path[256];
	/* the leg table's shape (xdp_legs.c) */
	struct rtpe_config cfg;        /* as written to rtpe_config */
	bool reused;                   /* the maps hold a predecessor's table */
	struct xdp_addr addrs[RTPE_MAX_ADDRS];
	int n_addrs;
	struct rtpe_leg *legs;         /* rtpe_legs, memory-mapped */
	size_t legs_len;               /* bytes mapped */
	struct rtpe_leg_state *state;  /* rtpe_legs_state, memory-mapped */
	size_t state_len;              /* as many entries as rtpe_legs */
	struct xdp_clock clock;        /* jiffies -> CLOCK_MONOTONIC */
};


/* After load and xdp_clock_calibrate: the port range, the route cache's
 * lifetime and the address table in rtpe_config and
 * rtpe_addrs, keeping the slots of addresses a predecessor already placed
 * (its legs stay where they are). 0, or -errno with err set. */
int xdp_legs_setup(struct xdp_state *x, const struct rtpe_cfg *cfg, char *err, size_t errlen);
/* Unmaps what xdp_legs_setup mapped (rtpe_legs, rtpe_legs_state). */
void xdp_legs_unmap(struct xdp_state *x);
/* The line's entry in the mapped rtpe_legs_state, NULL if out of range
 * or not mapped. */
struct rtpe_leg_state *xdp_line_state(const struct xdp_state *x, __u32 line);

#endif
