// SPDX-License-Identifier: GPL-2.0
/* names.c - the shared enums' names (names.h), expanded from their lists. */
#include "core/names.h"

static const char *const path_names[] = {
#define RTPE_X_NAME(name, str) str,
	RTPE_PATHS(RTPE_X_NAME)
#undef RTPE_X_NAME
};

const struct verdict_label verdict_labels[RTPE_V_MAX] = {
#define RTPE_X_LABEL(name, verdict, reason) { verdict, reason },
	RTPE_VERDICTS(RTPE_X_LABEL)
#undef RTPE_X_LABEL
};

const char *path_name(enum rtpe_path p)
{
	return p < RTPE_PATH_MAX ? path_names[p] : "unknown";
}
