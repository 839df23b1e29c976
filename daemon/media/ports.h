/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ports.h - allocation of even RTP ports (RTCP = port + 1) from a range.
 *
 * One pool per local address. Allocation goes round-robin from the last
 * port handed out, so a freed port is reused as late as possible (stale
 * packets of an old call do not reach a new one).
 */
#ifndef RTPE_PORTS_H
#define RTPE_PORTS_H

#include <stdint.h>

#include "core/port_range.h"

struct port_pool;

/* Pool of the even ports p in [min, max] with p + 1 <= max. NULL when the
 * range holds no pair (or on ENOMEM). */
struct port_pool *port_pool_new(uint16_t min, uint16_t max);
void port_pool_free(struct port_pool *p);

/* Takes a free even port. 0 or -ENOSPC when none is left. */
int port_pool_get(struct port_pool *p, uint16_t *port);
/* Takes a specific port (restoring state after a restart). 0, -EINVAL when
 * odd or outside the pool, -EBUSY when taken. */
int port_pool_take(struct port_pool *p, uint16_t port);
/* Gives a port back. 0, -EINVAL when outside the pool, -ENOENT when not
 * taken (double free). */
int port_pool_put(struct port_pool *p, uint16_t port);

unsigned port_pool_size(const struct port_pool *p);  /* pairs in the pool */
unsigned port_pool_avail(const struct port_pool *p); /* pairs free */

#endif
