// SPDX-License-Identifier: GPL-2.0
/* log.c - levels, stderr or syslog, and libbpf's print callback. Safe from
 * any thread: a line is one write() (stderr) or one syslog() call. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

static bool log_stderr = true;
static enum log_level log_max = LOG_LVL_INFO;

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

#define LOG_LINE_MAX 2048

__attribute__((format(printf, 2, 0)))
static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char line[LOG_LINE_MAX];
	size_t n;
	int k;

	if (level > __atomic_load_n(&log_max, __ATOMIC_RELAXED))
		return;
	if (!log_stderr) {
		vsyslog(syslog_prio[level], fmt, ap); /* one datagram per message */
		return;
	}
	/* The SIP thread logs too: each line is built whole and written with
	 * one write(), so lines of two threads never interleave. */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s: ", ts.tv_nsec / 1000000,
		     level_names[level]);
	n += k > 0 ? (size_t)k : 0;
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n += k > 0 ? (size_t)k : 0;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2; /* cut: the newline still ends it */
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return; /* nowhere left to say it */
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
	__atomic_store_n(&log_max, level, __ATOMIC_RELAXED);
}

enum log_level log_get_level(void)
{
	return __atomic_load_n(&log_max, __ATOMIC_RELAXED);
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
