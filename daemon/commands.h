/* SPDX-License-Identifier: GPL-2.0 */
/* commands.h - the control commands served on the control socket. */
#ifndef RTPE_COMMANDS_H
#define RTPE_COMMANDS_H

#include <json-c/json.h>
#include "ctl/ctl.h"
#include "media/session.h"

struct jbuf;

/* Each XDP verdict's labels: rtpedge_xdp_verdicts_total{verdict,reason}
 * and the "xdp_verdicts" of `stats`. */
struct verdict_label {
	const char *verdict, *reason;
};
extern const struct verdict_label verdict_labels[RTPE_V_MAX];

/* The command table, ending with {NULL, NULL}; ctx is the struct rtpe. */
extern const struct ctl_command rtpe_commands[];

/* Appends a session as the JSON of INTERFACE.md, with its legs' counters
 * as they are now. */
void session_write(struct jbuf *b, struct rtpe *r, const struct session *s);
const char *path_name(enum rtpe_path p);
/* Free port pairs over all interfaces. */
unsigned ports_free(struct rtpe *r);

#endif
