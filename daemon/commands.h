/* SPDX-License-Identifier: GPL-2.0 */
/* commands.h - the control commands served on the control socket. */
#ifndef RTPE_COMMANDS_H
#define RTPE_COMMANDS_H

#include <json-c/json.h>
#include "rtpe_ctl_cmds.h"
#include "ctl/ctl.h"
#include "rtpe.h"

struct jbuf;

/* The handlers of the commands of rtpe_ctl_cmds.h, by command id (each
 * entry's name is the command's request), ending with {NULL, NULL} at
 * RTPE_CMD_MAX; ctx is the struct rtpe. */
extern const struct ctl_command rtpe_commands[RTPE_CMD_MAX + 1];

/* Appends a session as the JSON of INTERFACE.md, with its legs' counters
 * as they are now. */
void session_write(struct jbuf *b, struct rtpe *r, const struct session *s);

#endif
