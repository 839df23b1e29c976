/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns_fixture.h - for unit tests that run their own daemon pieces in a
 * network namespace of their own (after unshare(CLONE_NEWNET)): bringing
 * its loopback up. Header only, static inline (see ctl_fixture.h).
 */
#ifndef RTPE_NETNS_FIXTURE_H
#define RTPE_NETNS_FIXTURE_H

#include <net/if.h>
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

#endif
