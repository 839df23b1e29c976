// SPDX-License-Identifier: GPL-2.0
/*
 * sip_rr_key.c - owns the secret that signs the proxy's Record-Route
 * parameters (sip_rr.h): 32 bytes from getrandom, kept in a file next to
 * the state file (STATE_FILE.key) so that a restarted daemon still
 * verifies the Routes of the calls in progress. Read at start; made when
 * missing. An operator rotates it by removing or replacing the file and
 * restarting (docs/OPERATIONS.md says what that does to calls). A key
 * that cannot be read or made never stops the start: the proxy signs with
 * a key of that run only.
 */
#include "sip/sip_rr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "core/log.h"

/* The whole of buf from fd: 0, or -errno (-EINVAL: the file is longer or shorter). */
static int read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	uint8_t extra;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EINVAL;
		got += (size_t)n;
	}
	return read(fd, &extra, 1) == 0 ? 0 : -EINVAL;
}

static int key_read(const char *path, uint8_t *key, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), e;
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return -ENOENT; /* none yet */
	if (fd < 0) {
		e = -errno;
		goto out;
	}
	e = fstat(fd, &st) ? -errno : !S_ISREG(st.st_mode) ? -EINVAL : 0;
	if (!e && (st.st_mode & 077) && fchmod(fd, 0600))
		e = -errno;
	if (!e)
		e = read_all(fd, key, SIP_RR_KEY_LEN);
	close(fd);
out:
	if (e)
		snprintf(err, errlen, "SIP route key %s: %s (it must be a regular file of exactly "
			 "%d bytes; remove it to have a new one made, which ends the routes of calls "
			 "in progress)", path, e == -EINVAL ? "not a key" : strerror(-e),
			 SIP_RR_KEY_LEN);
	return e == -ENOENT ? -EIO : e;
}

/* The directory of path, as the state file's writer makes it (0750). */
static void mkdir_parent(const char *path)
{
	char dir[512], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0750);
	}
}

/* A new key at path: tmp (0600, exclusive, never a link followed), fsync,
 * rename. 0 or -errno with err. */
static int key_make(const char *path, uint8_t *key, char *err, size_t errlen)
{
	char tmp[512];
	ssize_t n;
	int fd, e = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	do
		n = getrandom(key, SIP_RR_KEY_LEN, 0);
	while (n < 0 && errno == EINTR);
	if (n != SIP_RR_KEY_LEN) {
		snprintf(err, errlen, "SIP route key: getrandom: %s", strerror(errno));
		return -EIO;
	}
	mkdir_parent(path);
	if (unlink(tmp) < 0 && errno != ENOENT)
		e = -errno;
	fd = e ? -1 : open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && !e)
		e = -errno;
	if (!e && (fchmod(fd, 0600) || write(fd, key, SIP_RR_KEY_LEN) != SIP_RR_KEY_LEN ||
		   fsync(fd)))
		e = errno ? -errno : -EIO;
	if (fd >= 0 && close(fd) && !e)
		e = -errno;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e) {
		unlink(tmp);
		snprintf(err, errlen, "SIP route key: cannot write %s: %s (is its directory "
			 "writable?)", path, strerror(-e));
	}
	return e;
}

int sip_rr_key_load(const char *path, uint8_t *key, char *err, size_t errlen)
{
	int e = key_read(path, key, err, errlen);

	return e == -ENOENT ? key_make(path, key, err, errlen) : e;
}

void sip_rr_key_start(const char *state_file)
{
	uint8_t key[SIP_RR_KEY_LEN] = { 0 };
	char path[512], err[600];
	ssize_t n;

	snprintf(path, sizeof(path), "%s.key", state_file);
	if (sip_rr_key_load(path, key, err, sizeof(err))) {
		do
			n = getrandom(key, sizeof(key), 0);
		while (n < 0 && errno == EINTR);
		log_err("%s; the Record-Route is signed with a key of this run only: after the "
			"next restart, the in-dialog requests of calls in progress get 403%s", err,
			n == SIP_RR_KEY_LEN ? "" : " (and getrandom failed: the key is all zero)");
	}
	sip_rr_key_set(key);
	explicit_bzero(key, sizeof(key));
}
