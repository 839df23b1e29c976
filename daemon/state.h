/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state.h - the session table across daemon restarts.
 *
 * The pinned rtpe_legs map is the truth for XDP legs: every entry carries
 * the session number, both endpoints and the stats slot, so a daemon that
 * was killed with SIGKILL can rebuild its sessions from the map alone. The
 * state file (written atomically, at most once a second and at exit) adds
 * what the map does not hold: session ages, the next session number, the
 * userspace counters and the sessions of userspace-only legs.
 */
#ifndef RTPE_STATE_H
#define RTPE_STATE_H

#include <stddef.h>
#include "session.h"

/* The table changed: write the state file at the next tick. */
void state_mark_dirty(struct rtpe *r);
/* Writes the state file now (tmp + fsync + rename). 0 or -errno. */
int state_write(struct rtpe *r);
/* Removes the state file (a clean stop that removes everything). */
void state_remove(struct rtpe *r);
/* Rebuilds the session table from the pinned maps and the state file, and
 * deletes map entries no session can own. Starts the periodic writer.
 * 0, or -errno with err set (only for failures that must stop the start). */
int state_restore(struct rtpe *r, char *err, size_t errlen);

#endif
