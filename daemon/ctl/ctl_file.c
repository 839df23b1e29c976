// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_file.c - the control socket's file: its directory (made with mode
 * 0755 when missing), the probe that refuses to start when another daemon
 * answers on the path and replaces a stale socket file, never anything
 * that is not a socket; the bind, with mode and group set before listen()
 * so that nobody connects under other rights (ctl_access.c says which);
 * and at the end the unlink, of our own file only (a replacement daemon
 * may have bound the path since).
 */
#include "ctl/ctl_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* mkdir -p of the directory holding path, mode 0755. 0 or -errno. */
static int ctl_mkdirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* 0 when nothing answers at the address (a stale socket file is removed). */
static int ctl_probe(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; remove it or choose another control_socket",
			 sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno : 0;
	close(fd);
	if (!rc || rc == -EAGAIN) { /* EAGAIN: it is alive, its backlog full */
		snprintf(err, errlen, "another rtpedged answers on %s; stop it or choose another control_socket",
			 sa->sun_path);
		return -EADDRINUSE;
	}
	if (rc != -ECONNREFUSED)
		return rc;
	return unlink(sa->sun_path) && errno != ENOENT ? -errno : 0; /* stale */
}

/* Binds, sets mode and group, listens. 0 or -errno. */
static int ctl_bind(struct ctl_server *s, const struct sockaddr_un *sa)
{
	struct stat st;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (const struct sockaddr *)sa, sizeof(*sa)) || lstat(s->path, &st))
		return -errno;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	/* Nobody can connect before listen(): mode and group are set first. */
	if (chmod(s->path, ctl_access_mode(s)) ||
	    (s->gid != (gid_t)-1 && chown(s->path, (uid_t)-1, s->gid)) ||
	    listen(s->fd, SOMAXCONN))
		return -errno;
	return 0;
}

int ctl_file_listen(struct ctl_server *s, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	if (!s->path[0] || strlen(s->path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path \"%s\" is empty or longer than %zu bytes",
			 s->path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, s->path);
	rc = ctl_mkdirs(s->path);
	if (!rc)
		rc = ctl_probe(&sa, err, errlen);
	if (!rc)
		rc = ctl_bind(s, &sa);
	return rc;
}

void ctl_file_unlink(struct ctl_server *s)
{
	struct stat st;

	if (s->ino && !lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
}
