// SPDX-License-Identifier: GPL-2.0
/*
 * allowlist_file.c - keeps the allowlist's runtime additions across
 * restarts: a small text file beside the state file, one CIDR a line,
 * rewritten whole on every change (tmp file, fsync, rename, fsync of the
 * directory), so a crash leaves the old list or the new one.
 */
#include "nft/allowlist_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/log.h"

#define AL_FILE_MAX_LINE 128

static int add(struct prefix **out, int *n, int *cap, const struct prefix *p)
{
	if (*n == *cap) {
		int c = *cap ? *cap * 2 : 16;
		struct prefix *np = realloc(*out, (size_t)c * sizeof(*np));

		if (!np)
			return -ENOMEM;
		*out = np;
		*cap = c;
	}
	(*out)[(*n)++] = *p;
	return 0;
}

/* One line into *p: 1 a prefix, 0 nothing (blank, comment), -1 bad. */
static int parse_line(char *s, struct prefix *p)
{
	char *end;

	s[strcspn(s, "#\r\n")] = '\0';
	s += strspn(s, " \t");
	for (end = s + strlen(s); end > s && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = '\0';
	if (!*s)
		return 0;
	return prefix_parse(s, p) == PREFIX_OK ? 1 : -1;
}

int al_file_read(const char *path, struct prefix **out, int *n)
{
	FILE *f = fopen(path, "re");
	char line[AL_FILE_MAX_LINE];
	int cap = 0, ln = 0, rc = 0;
	struct prefix p;

	*out = NULL;
	*n = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (!rc && fgets(line, sizeof(line), f)) {
		int k;

		ln++;
		k = parse_line(line, &p);
		if (k < 0)
			log_warn("%s:%d: not a CIDR, ignored (rtpedgectl allowlist add/del write this file)",
				 path, ln);
		else if (k > 0)
			rc = add(out, n, &cap, &p);
	}
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The directory of path, created (0755) with its parents when missing. */
static int mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *d;

	snprintf(dir, sizeof(dir), "%s", path);
	d = dirname(dir);
	if (!access(d, F_OK))
		return 0;
	if (strcmp(d, "/") && strcmp(d, ".") && mkdir_parent(d))
		return -errno;
	return mkdir(d, 0755) && errno != EEXIST ? -errno : 0;
}

static int write_all(int fd, const struct prefix *p, int n)
{
	char buf[PREFIX_STRLEN + 1];
	FILE *f = fdopen(dup(fd), "w");
	int rc = 0;

	if (!f)
		return -errno;
	fputs("# runtime additions to the SIP allowlist: rtpedgectl allowlist add/del\n"
	      "# write this file (it is rewritten whole): do not edit it while rtpedged runs\n", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s\n", prefix_str(&p[i], buf, sizeof(buf)));
	if (fflush(f) || ferror(f))
		rc = errno ? -errno : -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int al_file_write(const char *path, const struct prefix *p, int n, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd, e;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	e = mkdir_parent(path);
	fd = e ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = e ? e : -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-e));
		return e;
	}
	e = write_all(fd, p, n);
	if (!e && fsync(fd))
		e = -errno;
	close(fd);
	if (!e && rename(tmp, path))
		e = -errno;
	if (e) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-e));
		return e;
	}
	sync_dir(path);
	return 0;
}
