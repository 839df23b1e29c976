/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_stats.h - the handlers of status and stats (commands.c lists them in
 * the command table). */
#ifndef RTPE_CMD_STATS_H
#define RTPE_CMD_STATS_H

#include <stddef.h>
#include <json-c/json.h>

int cmd_status(void *ctx, struct json_object *args, struct json_object **res,
	       char *err, size_t errlen);
int cmd_stats(void *ctx, struct json_object *args, struct json_object **res,
	      char *err, size_t errlen);

#endif
