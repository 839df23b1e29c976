// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_lines.c - a leg's line: its entry of rtpe_legs_state (counters,
 * last-seen stamp, RTP receiver state), which XDP writes at the leg's own
 * index in rtpe_legs (xdp_legs.c). The array is memory-mapped, so the
 * sweep and `session show` read every line without a system call; the
 * counters are added to atomically by the program, so each is read as one
 * whole value.
 */
#include <errno.h>
#include <string.h>

#include "xdp/xdp.h"
#include "xdp/xdp_int.h"

struct rtpe_leg_state *xdp_line_state(const struct xdp_state *x, __u32 line)
{
	return x->state && line < xdp_legs_size(x) ? &x->state[line] : NULL;
}

int xdp_line_reset(struct xdp_state *x, __u32 line)
{
	struct rtpe_leg_state *st = xdp_line_state(x, line);

	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	return 0;
}

__u32 xdp_line_of(const struct xdp_state *x, __be32 addr, __be16 port)
{
	__u32 idx;

	return xdp_leg_index(x, addr, port, &idx) ? UINT32_MAX : idx;
}

int xdp_line_read(struct xdp_state *x, __u32 line, uint64_t now_ns, struct rtpe_leg_stats *out)
{
	const struct rtpe_leg_state *st = xdp_line_state(x, line);

	memset(out, 0, sizeof(*out));
	if (!st)
		return -EINVAL;
	/* XDP adds to these atomically meanwhile: each read is one whole value */
	out->packets = __atomic_load_n(&st->packets, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&st->bytes, __ATOMIC_RELAXED);
	out->drops = __atomic_load_n(&st->drops, __ATOMIC_RELAXED);
	out->rtcp_packets = __atomic_load_n(&st->rtcp_packets, __ATOMIC_RELAXED);
	out->last_seen_ns = xdp_seen_ns(x, st, now_ns);
	return 0;
}

uint64_t xdp_seen_ns(const struct xdp_state *x, const struct rtpe_leg_state *rs, uint64_t now_ns)
{
	return xdp_clock_ns(&x->clock, __atomic_load_n(&rs->last_seen, __ATOMIC_RELAXED), now_ns);
}

int xdp_rtp_read(struct xdp_state *x, __u32 line, struct rtpe_leg_rtp *out)
{
	const struct rtpe_leg_state *st = xdp_line_state(x, line);

	if (!st) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	*out = st->rtp;
	return 0;
}

int xdp_rtp_put(struct xdp_state *x, __u32 line, const struct rtpe_leg_rtp *v)
{
	struct rtpe_leg_state *st = xdp_line_state(x, line);

	if (!st)
		return -EINVAL;
	st->rtp = *v;
	return 0;
}

const struct rtpe_leg_state *xdp_state_table(const struct xdp_state *x, __u32 *n)
{
	if (n)
		*n = x->state ? xdp_legs_size(x) : 0;
	return x->state;
}
