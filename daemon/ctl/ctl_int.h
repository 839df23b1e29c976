/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_int.h - what the control socket's files share, not part of ctl.h's
 * contract: ctl_dispatch.c turns a request line into its reply text,
 * ctl_sock.c owns the sockets (the listening one, the clients, their
 * buffers and framing), ctl_file.c the socket's file, ctl_access.c says
 * who may connect and run what (ctl.h, struct ctl_access).
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

/* ---- between ctl_dispatch.c and ctl_sock.c -------------------------------- */

struct ctl_client;

/* A client's credentials when it connected, and what it may run. */
struct ctl_peer {
	bool known;     /* uid, gid and pid were read (SO_PEERCRED) */
	bool read_only; /* may run only the read_only commands */
	uid_t uid;
	gid_t gid;
	pid_t pid;
};

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
	unsigned n_denied;  /* refused clients being told why (not in n_clients) */
	unsigned busy;      /* callbacks of this server in progress */
	bool dead;          /* ctl_server_free() called while busy */
	bool accept_paused; /* out of fds: accept again at the next sweep */
	unsigned idle_ms;   /* CTL_IDLE_MS; tests may shorten it */
	/* access (ctl_access.c): the groups' names and ids, when set */
	char group[64], ro_group[64];
	gid_t gid, ro_gid;
};

/*
 * One request line (no newline) from peer (NULL: the daemon itself, may
 * run anything): parsed, run (a batch item by item), its reply line
 * appended to out with its newline. Appends nothing for a blank line.
 * Every request is logged. Out of memory shows as out->oom. (ctl_dispatch.c)
 */
void ctl_handle(struct ctl_server *s, const struct ctl_peer *peer, const char *line, size_t len,
		struct jbuf *out);

/* Appends {"ok":false,"error":MSG} (no newline). (ctl_dispatch.c) */
void ctl_put_refusal(struct jbuf *out, const char *msg);

/* The same as a json-c object (a new reference), or NULL for a blank line
 * or when out of memory: what the fuzzer calls. A reply that is not valid
 * JSON aborts, so that the fuzzer finds it. (ctl_dispatch.c) */
struct json_object *ctl_handle_line(struct ctl_server *s, const char *line, size_t len);

/* Frees what callbacks closed once none of them runs any more; frees the
 * server itself once it is dead. (ctl_sock.c) */
void ctl_reap(struct ctl_server *s);

/* ---- the socket file (ctl_file.c) ----------------------------------------- */

/* Makes the directory of s->path, refuses when another daemon answers on
 * it (-EADDRINUSE) or it is no socket (-EEXIST), replaces a stale socket
 * file, binds s->fd there with the mode and group of ctl_access_mode() and
 * s->gid, and listens. 0, or -errno (err set when there is more to say). */
int ctl_file_listen(struct ctl_server *s, char *err, size_t errlen);

/* Unlinks s->path if it is still the file ctl_file_listen bound. */
void ctl_file_unlink(struct ctl_server *s);

/* ---- access (ctl_access.c) ------------------------------------------------ */

/* Looks up acc's groups into s. 0, or -ENOENT with err naming the group
 * that does not exist. */
int ctl_access_init(struct ctl_server *s, const struct ctl_access *acc, char *err, size_t errlen);

/* The socket file's mode: 0660, or 0666 when the server checks clients
 * itself (a read-only group). */
unsigned ctl_access_mode(const struct ctl_server *s);

/* Reads the credentials of the client on fd into p and decides what it may
 * run. 0, or -EACCES with msg, the refusal to send it before closing. */
int ctl_access_peer(const struct ctl_server *s, int fd, struct ctl_peer *p, char *msg, size_t len);

/* " (uid 0, pid 42)" for the log, "" when p's credentials are unknown. */
const char *ctl_peer_str(const struct ctl_peer *p, char *buf, size_t len);

#endif
