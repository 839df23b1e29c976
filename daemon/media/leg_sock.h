/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leg_sock.h - a leg's ports and sockets, for the session table
 * (session.c): not for other modules.
 */
#ifndef RTPE_LEG_SOCK_H
#define RTPE_LEG_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "media/session.h"

/* Takes a port pair on the leg's interface and, unless the session is
 * socket-less, binds both sockets; a port another process holds is skipped.
 * 0, or -1 with err set. */
int leg_open(struct media *r, struct leg *l, char *err, size_t errlen);
/* Takes the leg's recorded port (a restore) and binds it likewise. 0, or
 * -1 with err set (the port is given back). */
int leg_reopen(struct media *r, struct leg *l, uint16_t port, char *err, size_t errlen);
/* Closes the leg's sockets (the ports stay taken). */
void leg_close(struct media *r, struct leg *l);

#endif
