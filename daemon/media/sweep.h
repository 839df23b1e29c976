/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sweep.h - the once-a-second pass over every session: reads all legs'
 * XDP counters in one batch, tears down sessions whose media stopped
 * (session_timeout, hold_timeout), and refreshes the aggregates that the
 * metrics export (legs by path, RTP loss, jitter distribution).
 */
#ifndef RTPE_SWEEP_H
#define RTPE_SWEEP_H

#include "media/session.h"

#define SWEEP_MS 1000

/* The upper bounds (ms) of the jitter histogram's buckets. */
extern const unsigned jitter_bounds_ms[N_JITTER_BUCKETS];

/* Starts the periodic sweep. 0 or -errno. */
int sweep_start(struct media *r);
/* One pass now (also used at start and by tests through the loop). */
void sweep_run(struct media *r);

#endif
