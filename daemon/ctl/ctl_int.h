/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_int.h - what the control socket's two files share, not part of
 * ctl.h's contract: ctl.c turns a request line into its reply text,
 * ctl_sock.c owns the sockets (the listening one and its file, the
 * clients, their buffers and framing).
 * Replies are written with jbuf.h straight into the client's output
 * buffer.
 */
#ifndef RTPE_CTL_INT_H
#define RTPE_CTL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "ctl/ctl.h"
#include "core/jbuf.h"

#define CTL_SWEEP_MS 1000 /* idle clients are found within this */

/* ---- between ctl.c and ctl_sock.c ----------------------------------------- */

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
	unsigned idle_ms;   /* CTL_IDLE_MS; tests may shorten it */
};

/*
 * One request line (no newline): parsed, run (a batch item by item), its
 * reply line appended to out with its newline. Appends nothing for a blank
 * line. Every request is logged. Out of memory shows as out->oom. (ctl.c)
 */
void ctl_handle(struct ctl_server *s, const char *line, size_t len, struct jbuf *out);

/* Appends {"ok":false,"error":MSG} (no newline). (ctl.c) */
void ctl_put_refusal(struct jbuf *out, const char *msg);

/* The same as a json-c object (a new reference), or NULL for a blank line
 * or when out of memory: what the fuzzer calls. A reply that is not valid
 * JSON aborts, so that the fuzzer finds it. (ctl.c) */
struct json_object *ctl_handle_line(struct ctl_server *s, const char *line, size_t len);

/* Frees what callbacks closed once none of them runs any more; frees the
 * server itself once it is dead. (ctl_sock.c) */
void ctl_reap(struct ctl_server *s);

#endif
