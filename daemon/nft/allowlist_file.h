/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allowlist_file.h - the runtime additions' file (STATE_FILE.allowlist):
 * one CIDR a line, '#' comments, written whole and atomically (mode 0600).
 */
#ifndef RTPE_ALLOWLIST_FILE_H
#define RTPE_ALLOWLIST_FILE_H

#include <stddef.h>

#include "core/prefix.h"

/* Reads path into *out (malloc'd, *n entries). A missing file is none; a
 * bad line is logged with its line and skipped. 0 or -errno. */
int al_file_read(const char *path, struct prefix **out, int *n);
/* Replaces path with p[0..n) (PATH.tmp, fsync, rename); creates its
 * directory. 0, or -errno with err. */
int al_file_write(const char *path, const struct prefix *p, int n, char *err, size_t errlen);

#endif
