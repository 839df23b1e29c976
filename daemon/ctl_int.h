/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_int.h - what the control socket's two files share, not part of
 * ctl.h's contract: ctl.c serves the clients, ctl_sock.c makes the
 * listening socket and its file and removes them again.
 */
#ifndef RTPE_CTL_INT_H
#define RTPE_CTL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl.h"

#define CTL_SWEEP_MS 1000 /* idle clients are found within this */

struct ctl_client;

struct ctl_server {
	struct loop *loop;
	int fd, timer_fd;
	char *path;
	dev_t dev;          /* the socket file we made: unlink only that one */
	ino_t ino;
	const struct ctl_command *cmds;
	void *ctx;
	struct json_tokener *tok;
	struct ctl_client *clients;
	unsigned n_clients;
	unsigned busy;      /* callbacks of this server in progress */
	bool dead;          /* ctl_server_free() called while busy */
	bool accept_paused; /* out of fds: accept again at the next sweep */
};

/* The loop's callbacks for the listening socket and the sweep timer
 * (ctl.c); arg is the server. */
void ctl_on_accept(struct loop *l, int fd, uint32_t events, void *arg);
void ctl_sweep(struct loop *l, void *arg);

/* One request line (no newline): parsed, run (a batch item by item), and
 * its reply returned (a new reference), or NULL for a blank line. What a
 * client's line goes through; the fuzzer calls it directly. */
struct json_object *ctl_handle_line(struct ctl_server *s, const char *line, size_t len);

/* Closes the sweep timer and the listening socket, and unlinks the socket
 * file if it is still the one this server made (ctl_sock.c). */
void ctl_unlisten(struct ctl_server *s);

#endif
