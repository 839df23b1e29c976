/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clock.h - the daemon's clocks: CLOCK_MONOTONIC (what the session table,
 * the sweep and the timers measure with) and the wall clock in ms (what the
 * state file stores, so session ages cross a restart).
 */
#ifndef RTPE_CLOCK_H
#define RTPE_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ns. */
uint64_t mono_ns(void);
/* CLOCK_REALTIME in ms. */
int64_t wall_ms(void);

#endif
