// SPDX-License-Identifier: GPL-2.0
/*
 * leg_sock.c - a leg's ports and sockets (leg_sock.h): a port pair taken
 * from its interface's pool and, for legs the daemon relays itself, the
 * RTP and RTCP sockets bound on it; socket-less (punt) legs only take the
 * ports, which XDP then owns.
 */
#include "media/leg_sock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "core/log.h"
#include "media/ports.h"

/* How many ports to try when binding fails because another process holds one. */
#define BIND_ATTEMPTS 16

/* Receive buffer of a userspace leg's socket: a burst of media waits here
 * while the loop serves others (the default ~200 KiB lost 22% at 20,000
 * packets/s in make bench). A limit, not an allocation. */
#define LEG_RCVBUF (1 << 20)

static int bind_udp(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int e, rcvbuf = LEG_RCVBUF;

	if (fd < 0)
		return -errno;
	/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; else the sysctl caps it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

void leg_close(struct media *r, struct leg *l)
{
	for (int k = 0; k < 2; k++) {
		if (l->fd[k] < 0)
			continue;
		loop_del(r->loop, l->fd[k]);
		close(l->fd[k]);
		l->fd[k] = -1;
	}
}

static void leg_set_local(struct media *r, struct leg *l, uint16_t port)
{
	l->local = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
					 .sin_addr = r->ifaces[l->iface].cfg.address };
}

/* Binds the leg's RTP and RTCP sockets on port and port + 1. 0 or -errno. */
static int leg_bind(struct media *r, struct leg *l, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr = r->ifaces[l->iface].cfg.address };
	int e;

	sa.sin_port = htons(port + 1);
	l->fd[1] = bind_udp(&sa);
	sa.sin_port = htons(port);
	l->fd[0] = l->fd[1] >= 0 ? bind_udp(&sa) : -1;
	if (l->fd[0] >= 0) {
		l->local = sa;
		return 0;
	}
	e = l->fd[1] < 0 ? l->fd[1] : l->fd[0];
	leg_close(r, l);
	return e;
}

static void bind_error(struct media *r, const struct leg *l, uint16_t port, int e,
		       char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = r->ifaces[l->iface].cfg.address };
	char buf[32];

	snprintf(err, errlen, "cannot bind %s on interface %s: %s%s",
		 sockaddr_str(&sa, buf, sizeof(buf)), r->ifaces[l->iface].cfg.name, strerror(-e),
		 e == -EADDRNOTAVAIL ? " (is the address configured on the device?)" : "");
}

/*
 * Takes a port pair on the leg's interface and binds both sockets. A port
 * that another process holds stays marked taken (we cannot use it) and the
 * next is tried. 0 or -1 with err set.
 */
int leg_open(struct media *r, struct leg *l, char *err, size_t errlen)
{
	struct relay_iface *ifc = &r->ifaces[l->iface];

	for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
		uint16_t port;
		int e = port_pool_get(ifc->ports, &port);

		if (e) {
			snprintf(err, errlen, "no free port pair on interface %s (%u-%u all in use)",
				 ifc->cfg.name, r->cfg->port_min, r->cfg->port_max);
			return -1;
		}
		if (l->s->punt) {
			leg_set_local(r, l, port);
			return 0;
		}
		e = leg_bind(r, l, port);
		if (!e)
			return 0;
		if (e != -EADDRINUSE) {
			port_pool_put(ifc->ports, port);
			bind_error(r, l, port, e, err, errlen);
			return -1;
		}
		log_warn("port %u or %u on %s is held by another process; skipping it",
			 port, port + 1, ifc->cfg.name);
	}
	snprintf(err, errlen, "no bindable port pair on interface %s after %d attempts",
		 ifc->cfg.name, BIND_ATTEMPTS);
	return -1;
}

/* Takes the leg's recorded port and binds it. 0 or -1 with err. */
int leg_reopen(struct media *r, struct leg *l, uint16_t port, char *err, size_t errlen)
{
	int e;

	if (l->iface < 0 || l->iface >= r->n_ifaces) {
		snprintf(err, errlen, "no interface for the leg");
		return -1;
	}
	e = port_pool_take(r->ifaces[l->iface].ports, port);
	if (e) {
		snprintf(err, errlen, "port %u on %s: %s", port, r->ifaces[l->iface].cfg.name,
			 e == -EBUSY ? "already in use by another session" : "outside the port range");
		return -1;
	}
	if (l->s->punt) {
		leg_set_local(r, l, port);
		return 0;
	}
	e = leg_bind(r, l, port);
	if (e) {
		port_pool_put(r->ifaces[l->iface].ports, port);
		bind_error(r, l, port, e, err, errlen);
		return -1;
	}
	return 0;
}

