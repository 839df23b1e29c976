// SPDX-License-Identifier: GPL-2.0
/*
 * state_ids.c - session ids across a crash (state.h). The state file is
 * written up to a second behind the table, so the ids handed out in that
 * second were lost with a SIGKILL and a restart would hand them out again:
 * a client still holding one would then delete or hold another call.
 * Ids are therefore handed out in blocks: before the first id of a block
 * is used, the block's end is made durable in FILE.ids (write, fsync,
 * rename: about a millisecond, once per IDS_BLOCK sessions), and a restart
 * starts above it, so above every id the crashed daemon gave.
 */
#include "state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

#define IDS_BLOCK 4096u

static void ids_path(const struct state_file *sf, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s.ids%s", sf->m->cfg->state_file, suffix);
}

uint32_t state_ids_read(const struct state_file *sf)
{
	char path[300], text[32];
	unsigned long long v;
	char *end;
	ssize_t n;
	int fd;

	ids_path(sf, path, sizeof(path), "");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n') || v > SESSION_ID_MAX) {
		log_warn("%s does not hold an id (ignored: ids restart above the state file's)", path);
		return 0;
	}
	return (uint32_t)v;
}

/* Writes limit to FILE.ids durably. 0 or -errno. */
static int ids_write(const struct state_file *sf, uint32_t limit)
{
	char path[300], tmp[304], text[16];
	int fd, n, e = 0;

	ids_path(sf, path, sizeof(path), "");
	ids_path(sf, tmp, sizeof(tmp), ".tmp");
	n = snprintf(text, sizeof(text), "%" PRIu32 "\n", limit);
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)n) != n || fsync(fd) < 0)
		e = errno ? -errno : -EIO;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && rename(tmp, path) < 0)
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

void state_ids_reserve(struct state_file *sf)
{
	struct media *m = sf->m;
	uint64_t limit = (uint64_t)m->next_id + IDS_BLOCK;
	int e;

	if (limit > SESSION_ID_MAX)
		limit = SESSION_ID_MAX;
	e = ids_write(sf, (uint32_t)limit);
	if (e && !sf->ids_failed)
		log_err("cannot keep the session ids handed out in %s.ids: %s (after a crash, ids "
			"of the last second may be given again)", m->cfg->state_file, strerror(-e));
	sf->ids_failed = e != 0;
	/* Retried at the next block even when it failed: the calls go on. */
	m->id_limit = (uint32_t)limit;
}

void state_ids_remove(const struct state_file *sf)
{
	char path[300];

	ids_path(sf, path, sizeof(path), "");
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", path, strerror(errno));
}
