/* SPDX-License-Identifier: GPL-2.0 */
/*
 * port_range.h - the media port range as pairs: an even RTP port and the
 * RTCP port above it. The port pools (media/ports.c) hand them out and the
 * XDP leg table (xdp/xdp_legs.c) has one entry per pair and address.
 */
#ifndef RTPE_PORT_RANGE_H
#define RTPE_PORT_RANGE_H

#include <errno.h>
#include <stdint.h>

/* The pairs of [min, max]: the lowest even port (never 0) and how many
 * even ports p have p + 1 <= max. 0, or -EINVAL when there is none. */
static inline int port_range_pairs(uint16_t min, uint16_t max, uint16_t *first, unsigned *n)
{
	unsigned f = min + (min & 1u);

	if (!f)
		f = 2; /* port 0 is no UDP port */
	/* The RTCP port of the last pair must stay inside the range too. */
	if (f + 1 > max)
		return -EINVAL;
	*first = (uint16_t)f;
	*n = (max - 1 - f) / 2 + 1;
	return 0;
}

#endif
