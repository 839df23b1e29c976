/* SPDX-License-Identifier: GPL-2.0 */
/*
 * names.h - the names of the shared enums (include/rtpedge.h) as the
 * control replies, the state file and the metrics spell them.
 */
#ifndef RTPE_NAMES_H
#define RTPE_NAMES_H

#include <linux/types.h>
#include <sys/cdefs.h> /* __always_inline, which rtpedge.h uses */

#include "rtpedge.h"

/* "xdp", "userspace", ... ("unknown" out of range). */
const char *path_name(enum rtpe_path p);

/* Each XDP verdict's labels: rtpedge_xdp_verdicts_total{verdict,reason}
 * and the "xdp_verdicts" of `stats`. */
struct verdict_label {
	const char *verdict, *reason;
};
extern const struct verdict_label verdict_labels[RTPE_V_MAX];

#endif
