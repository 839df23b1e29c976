/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - rtpedgectl's human output: the result of each command as
 * "key: value" lines and aligned tables on stdout. Every printer takes the
 * reply's "result" (NULL when the daemon sent none) and prints "-" for a
 * field that is missing or null, so an older or newer daemon still prints.
 */
#ifndef RTPE_CLI_PRINT_H
#define RTPE_CLI_PRINT_H

#include <json-c/json.h>

#include "rtpe_ctl_cmds.h"

typedef void (*print_fn)(struct json_object *result);

/* The printer of each command's result, by its id (rtpe_ctl_cmds.h). */
extern const print_fn print_fns[RTPE_CMD_MAX];

void print_status(struct json_object *result);
void print_session_added(struct json_object *result);
void print_session(struct json_object *result);
void print_session_deleted(struct json_object *result);
void print_sessions(struct json_object *result);
void print_stats(struct json_object *result);
void print_calls(struct json_object *result);
void print_call(struct json_object *result);
void print_regions(struct json_object *result);
void print_registrations(struct json_object *result);
void print_allowlist(struct json_object *result);
/* "ok", or the result's "message" when it has one. */
void print_done(struct json_object *result);

#endif
