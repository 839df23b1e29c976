/* SPDX-License-Identifier: GPL-2.0 */
/* daemon.h - the daemon's lifecycle, called from commands and signals. */
#ifndef RTPE_DAEMON_H
#define RTPE_DAEMON_H

#include <stddef.h>
#include "session.h"

/* Re-reads the config file; applies it whole or keeps the running one.
 * 0, or -1 with err saying why. */
int daemon_reload(struct rtpe *r, char *err, size_t errlen);
/* Leaves the event loop after the current callback. */
void daemon_stop(struct rtpe *r);
/* The session table changed: the state file is rewritten soon. */
void daemon_state_changed(struct rtpe *r);

#endif
