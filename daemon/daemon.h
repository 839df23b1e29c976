/* SPDX-License-Identifier: GPL-2.0 */
/* daemon.h - the daemon's lifecycle, called from commands and signals. */
#ifndef RTPE_DAEMON_H
#define RTPE_DAEMON_H

#include <stddef.h>
#include "ctl/ctl.h"
#include "rtpe.h"

/* Brings the daemon up for r->cfg (already loaded): interfaces, signals,
 * control socket serving cmds (handed down by main.c: the commands call
 * this module, not the other way round), XDP, sessions (restored),
 * timers, metrics. 0, or -errno with err saying why. */
int daemon_start(struct rtpe *r, const struct ctl_command *cmds, char *err, size_t errlen);
/* After the loop ends: writes the state and leaves XDP relaying, or removes
 * everything when r->remove_on_exit. */
void daemon_finish(struct rtpe *r);

/* Re-reads the config file; applies it whole or keeps the running one.
 * 0, or -1 with err saying why. */
int daemon_reload(struct rtpe *r, char *err, size_t errlen);
/* Leaves the event loop after the current callback. */
void daemon_stop(struct rtpe *r);

#endif
