/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - the daemon's one logging layer: levels, stderr in the foreground,
 * syslog (journald) otherwise; libbpf's own messages are routed here too.
 */
#ifndef RTPE_LOG_H
#define RTPE_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Where messages go: stderr when to_stderr, else syslog (the journal). */
void log_setup(bool to_stderr, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warning", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *s);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
