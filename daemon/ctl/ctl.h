/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - the control socket: a Unix stream socket serving line-delimited
 * JSON requests and replies (docs/CONTROL.md describes the protocol).
 *
 * Request:  {"command": "session.add", "args": {...}}\n
 * Reply:    {"ok": true, "result": {...}}\n
 *       or  {"ok": false, "error": "message"}\n
 * A line holding a JSON array of requests gets one array of replies, in
 * order (batching: thousands of session.add in one round trip). Once that
 * reply passes CTL_MAX_REPLY bytes, the remaining items are not run: each
 * gets a refusal saying why, so one line cannot take the daemon's memory.
 *
 * Non-blocking throughout: a client that sends a line longer than
 * CTL_MAX_LINE, does not complete a request within CTL_IDLE_MS, or whose
 * connection carries nothing either way for CTL_IDLE_MS, gets an error
 * reply and is disconnected (so idle clients cannot hold all
 * CTL_MAX_CLIENTS slots); a client that does not read its replies is cut
 * off once CTL_MAX_OUTPUT bytes are queued. Nothing a client sends can block
 * or crash the daemon. Many clients are served at once.
 */
#ifndef RTPE_CTL_H
#define RTPE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "core/loop.h"

#define CTL_MAX_LINE (4u << 20)   /* bytes in one request line */
#define CTL_MAX_OUTPUT (64u << 20) /* queued reply bytes per client */
#define CTL_MAX_REPLY (16u << 20)  /* a batch's reply: later items are not run */
#define CTL_IDLE_MS 10000          /* a request must complete, an idle client send, in this */
#define CTL_MAX_CLIENTS 256

/*
 * A command handler. args is the request's "args" object (an empty object
 * when absent). On success it sets *result (a new reference, or NULL for
 * {"ok":true} with no result) and returns 0; on refusal it writes a message
 * into err and returns -1.
 */
typedef int (*ctl_handler_fn)(void *ctx, struct json_object *args,
			      struct json_object **result, char *err, size_t errlen);

struct ctl_command {
	const char *name; /* "session.add" */
	ctl_handler_fn fn;
	bool read_only;   /* changes nothing: read-only clients may run it */
};

/* In a handler: whether the request comes from a client that may run only
 * the read_only commands, so that a read-only command can refuse what
 * such a client may not see (SRTP keys). */
bool ctl_client_read_only(void);

/*
 * Who may use the socket. Without ro_group the socket file is mode 0660
 * (group `group` when set) and the kernel decides: whoever can connect may
 * run every command. With ro_group it is mode 0666 and the server decides
 * when a client connects, by the client's credentials (SO_PEERCRED and
 * SO_PEERGROUPS): root, the daemon's own user and members of `group` run
 * every command, members of `ro_group` only the read_only ones, anyone
 * else is told so and disconnected. NULL or "" members: no such group.
 */
struct ctl_access {
	const char *group;    /* control_group */
	const char *ro_group; /* control_ro_group */
};

struct ctl_server;

/*
 * Creates the socket at path (mode and group as acc says; acc may be NULL),
 * replacing a stale socket file but refusing with -EADDRINUSE when another
 * daemon answers on it. cmds ends with a {NULL, NULL} entry. Every request
 * is logged at info level (command and outcome), a command that is not
 * read_only with the client's uid and pid. NULL with err set.
 */
struct ctl_server *ctl_server_new(struct loop *l, const char *path,
				  const struct ctl_access *acc,
				  const struct ctl_command *cmds, void *ctx,
				  char *err, size_t errlen);
/* Closes every client and the socket, and unlinks the socket file. */
void ctl_server_free(struct ctl_server *s);

/* Runs one request object as if received from a client (tests, batching):
 * returns a new reply object {"ok":...}. */
struct json_object *ctl_dispatch(struct ctl_server *s, struct json_object *req);

#endif
