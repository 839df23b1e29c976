/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns_fixture.h - for unit tests that run their own daemon pieces in a
 * network namespace of their own (after unshare(CLONE_NEWNET)): bringing
 * its loopback up; for those that also want their own mounts (a bpffs, a
 * tmpfs), the private network and mount namespaces with a temporary
 * directory. Header only, static inline (see ctl_fixture.h).
 */
#ifndef RTPE_NETNS_FIXTURE_H
#define RTPE_NETNS_FIXTURE_H

#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* lo up in a fresh network namespace: 127.0.0.0/8 is then all local. */
static inline int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd >= 0 && !ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Private network and mount namespaces (mounts made later are this
 * process's own), lo up, and a fresh directory from the mkdtemp template
 * dir. NULL, or what failed. */
static inline const char *private_netns_dir(char *dir)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    lo_up())
		return "cannot make private network and mount namespaces";
	if (!mkdtemp(dir))
		return "cannot make a temporary directory";
	return NULL;
}

#endif
