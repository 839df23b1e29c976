// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_sock.c - the control socket's file. It creates the server: checks the
 * path and the group, makes the directory, refuses when another daemon
 * answers on the path and replaces a stale socket file, binds and sets mode
 * and group before anyone can connect. At the end it unlinks the file, but
 * only the one it made (a replacement daemon's socket stays). Serving the
 * clients is ctl.c's.
 */
#include "ctl_int.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
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
static int ctl_listen(struct ctl_server *s, const struct sockaddr_un *sa, gid_t gid)
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
	if (chmod(s->path, 0660) || (gid != (gid_t)-1 && chown(s->path, (uid_t)-1, gid)) ||
	    listen(s->fd, SOMAXCONN))
		return -errno;
	return loop_add(s->loop, s->fd, EPOLLIN, ctl_on_accept, s);
}

struct ctl_server *ctl_server_new(struct loop *l, const char *path, const char *group,
				  const struct ctl_command *cmds, void *ctx,
				  char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *s = NULL;
	struct group *gr = NULL;
	int rc = -ENAMETOOLONG;

	err[0] = '\0';
	if (!path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path \"%s\" is empty or longer than %zu bytes",
			 path, sizeof(sa.sun_path) - 1);
		goto fail;
	}
	strcpy(sa.sun_path, path);
	if (group && group[0] && !(gr = getgrnam(group))) {
		snprintf(err, errlen, "control group \"%s\" does not exist; create it (groupadd %s) or leave control_group empty",
			 group, group);
		rc = -ENOENT;
		goto fail;
	}
	rc = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	*s = (struct ctl_server){ .loop = l, .fd = -1, .timer_fd = -1, .cmds = cmds, .ctx = ctx };
	s->path = strdup(path);
	s->tok = json_tokener_new();
	if (!s->path || !s->tok)
		goto fail;
	json_tokener_set_flags(s->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	rc = ctl_mkdirs(path);
	if (!rc)
		rc = ctl_probe(&sa, err, errlen);
	if (!rc)
		rc = ctl_listen(s, &sa, gr ? gr->gr_gid : (gid_t)-1);
	if (!rc)
		rc = s->timer_fd = loop_every(l, CTL_SWEEP_MS, ctl_sweep, s);
	if (rc >= 0)
		return s;
fail:
	if (!err[0])
		snprintf(err, errlen, "cannot create the control socket %s: %s", path, strerror(-rc));
	ctl_server_free(s);
	errno = -rc;
	return NULL;
}

/* Closes the sweep timer and the listening socket; unlinks the socket file
 * only if it is still the one ctl_listen made. */
void ctl_unlisten(struct ctl_server *s)
{
	struct stat st;

	if (s->timer_fd >= 0) {
		loop_del(s->loop, s->timer_fd);
		close(s->timer_fd);
		s->timer_fd = -1;
	}
	if (s->fd < 0)
		return;
	loop_del(s->loop, s->fd);
	close(s->fd);
	s->fd = -1;
	if (s->ino && !lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
}
