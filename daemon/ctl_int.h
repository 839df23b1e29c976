/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_int.h - what the control socket's two files share, not part of
 * ctl.h's contract: ctl.c turns a request line into its reply text,
 * ctl_sock.c owns the sockets (the listening one and its file, the
 * clients, their buffers and framing).
 *
 * Also the JSON text writer (struct ctl_buf) that replies are written
 * with: straight into the client's output buffer, with no json-c object
 * tree and no malloc per reply. Command handlers whose replies are hot
 * (session.add and session.del in batches of thousands, commands.c)
 * write their result text with it and hand it over as ctl_raw_new().
 */
#ifndef RTPE_CTL_INT_H
#define RTPE_CTL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "ctl.h"

#define CTL_SWEEP_MS 1000 /* idle clients are found within this */

/* ---- the JSON text writer ------------------------------------------------ */

/* Text being written. A failed allocation sets oom and drops every later
 * append: check oom once at the end. Starts zeroed; free p when done. */
struct ctl_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Room for n more bytes (the buffer doubles). false (oom set) when out of memory. */
bool ctl_buf_grow(struct ctl_buf *b, size_t n);

static inline void ctl_buf_mem(struct ctl_buf *b, const void *s, size_t n)
{
	if (b->cap - b->len < n && !ctl_buf_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A string literal, JSON text already (no escaping). */
#define ctl_buf_lit(b, s) ctl_buf_mem((b), (s), sizeof(s) - 1)

/* A JSON string: quoted, with ", \ and control characters escaped as
 * json-c does (\b \f \n \r \t, else \u00XX); '/' and bytes >= 0x80 as they are. */
void ctl_buf_str(struct ctl_buf *b, const char *s, size_t n);
void ctl_buf_u64(struct ctl_buf *b, uint64_t v);
void ctl_buf_i64(struct ctl_buf *b, int64_t v);
/* As json-c prints a double ("%.17g", ".0" added to an integral value);
 * null for NaN and infinities, which JSON cannot hold. */
void ctl_buf_double(struct ctl_buf *b, double v);
/* Any json-c value, byte for byte as json-c's plain output (no spaces, '/'
 * not escaped; NULL is null), but for NaN and infinities (null). */
void ctl_buf_json(struct ctl_buf *b, struct json_object *o);

/*
 * A result that is JSON text already (len bytes, one complete JSON value):
 * what a handler returns as *result to skip building an object tree. The
 * server copies the text into the reply as it is; json-c serialises it as
 * the same text (a custom serializer), so it is a valid json_object for
 * any other user. NULL when out of memory.
 */
struct json_object *ctl_raw_new(const char *json, size_t len);

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
};

/*
 * One request line (no newline): parsed, run (a batch item by item), its
 * reply line appended to out with its newline. Appends nothing for a blank
 * line. Every request is logged. Out of memory shows as out->oom. (ctl.c)
 */
void ctl_handle(struct ctl_server *s, const char *line, size_t len, struct ctl_buf *out);

/* Appends {"ok":false,"error":MSG} (no newline). (ctl.c) */
void ctl_put_refusal(struct ctl_buf *out, const char *msg);

/* The same as a json-c object (a new reference), or NULL for a blank line
 * or when out of memory: what the fuzzer calls. A reply that is not valid
 * JSON aborts, so that the fuzzer finds it. (ctl.c) */
struct json_object *ctl_handle_line(struct ctl_server *s, const char *line, size_t len);

/* Frees what callbacks closed once none of them runs any more; frees the
 * server itself once it is dead. (ctl_sock.c) */
void ctl_reap(struct ctl_server *s);

#endif
