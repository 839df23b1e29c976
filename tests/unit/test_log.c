// SPDX-License-Identifier: GPL-2.0
/*
 * test_log.c - log lines of two threads never interleave: the SIP thread
 * and the loop thread log at once, and every line on stderr must be one
 * whole message (core/log.c writes each line with one write()).
 */
#include "check.h"
#include "core/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES 3000

static void *writer(void *arg)
{
	char tag = *(const char *)arg;
	char fill[201];

	memset(fill, tag, sizeof(fill) - 1);
	fill[sizeof(fill) - 1] = '\0';
	for (int i = 0; i < LINES; i++)
		log_info("<%c%05d %s %c>", tag, i, fill, tag);
	return NULL;
}

/* One line: the stamp, "info: ", then <T00042 TTT...T T> of one thread. */
static bool line_whole(const char *l, size_t n, int *count)
{
	const char *m = memmem(l, n, "info: <", 7);
	char t;

	if (!m)
		return false;
	m += 7;
	t = m[0];
	if ((t != 'a' && t != 'b') || (size_t)(l + n - m) != 1 + 5 + 1 + 200 + 1 + 2)
		return false;
	for (int i = 0; i < 200; i++)
		if (m[7 + i] != t)
			return false;
	if (m[208] != t || m[209] != '>')
		return false;
	count[t - 'a']++;
	return true;
}

int main(void)
{
	char path[] = "/tmp/rtpe-test-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), count[2] = { 0 }, bad = 0;
	pthread_t th[2];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	CASE_BEGIN("log: lines of two threads logging at once stay whole");
	CHECK(fd >= 0 && saved >= 0, "temp file");
	log_setup(true, LOG_LVL_INFO);
	dup2(fd, STDERR_FILENO);
	pthread_create(&th[0], NULL, writer, "a");
	pthread_create(&th[1], NULL, writer, "b");
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	dup2(saved, STDERR_FILENO);
	f = fopen(path, "r");
	CHECK(f, "reopen");
	while (f && getline(&buf, &cap, f) > 0) {
		len = strlen(buf);
		if (len && buf[len - 1] == '\n')
			len--;
		if (!line_whole(buf, len, count) && bad++ < 3)
			CHECK(0, "broken line: %.80s...", buf);
	}
	CHECK(count[0] == LINES && count[1] == LINES, "whole lines %d + %d, want %d each (%d broken)",
	      count[0], count[1], LINES, bad);
	if (f)
		fclose(f);
	free(buf);
	unlink(path);
	CASE_END();
	CHECK_EXIT();
}
