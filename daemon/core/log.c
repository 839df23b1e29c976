// SPDX-License-Identifier: GPL-2.0
/* log.c - levels, stderr or syslog, and libbpf's print callback. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <bpf/libbpf.h>

static bool log_stderr = true;
static enum log_level log_max = LOG_LVL_INFO;

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

__attribute__((format(printf, 2, 0)))
static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_max)
		return;
	if (!log_stderr) {
		vsyslog(syslog_prio[level], fmt, ap);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s: ", stamp, ts.tv_nsec / 1000000,
		level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* libbpf's messages end in a newline of their own; its debug output
 * (verifier logs included) only shows at our debug level. */
__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	enum log_level level = lvl == LIBBPF_WARN ? LOG_LVL_WARN :
			       lvl == LIBBPF_INFO ? LOG_LVL_INFO : LOG_LVL_DEBUG;
	char buf[1024];
	size_t n;

	if (level > log_max)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_msg(level, "%s", buf); /* libbpf prefixes its own "libbpf: " */
	return 0;
}

void log_setup(bool to_stderr, enum log_level level)
{
	log_stderr = to_stderr;
	log_max = level;
	if (!to_stderr)
		openlog("rtpedged", LOG_PID, LOG_DAEMON);
	libbpf_set_print(libbpf_print);
}

void log_set_level(enum log_level level)
{
	log_max = level;
}

int log_level_parse(const char *s)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(s, level_names[i]))
			return (int)i;
	if (!strcmp(s, "err"))
		return LOG_LVL_ERR;
	if (!strcmp(s, "warn"))
		return LOG_LVL_WARN;
	return -1;
}
