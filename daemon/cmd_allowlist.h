/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_allowlist.h - the handlers of allowlist.show, allowlist.add and
 * allowlist.del (commands.c lists them in the command table). */
#ifndef RTPE_CMD_ALLOWLIST_H
#define RTPE_CMD_ALLOWLIST_H

#include <stddef.h>
#include <json-c/json.h>

int cmd_allowlist_show(void *ctx, struct json_object *args, struct json_object **res,
		       char *err, size_t errlen);
int cmd_allowlist_add(void *ctx, struct json_object *args, struct json_object **res,
		      char *err, size_t errlen);
int cmd_allowlist_del(void *ctx, struct json_object *args, struct json_object **res,
		      char *err, size_t errlen);

#endif
