/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jbuf.h - the JSON text writer that control replies and the state file
 * are written with: straight into a growing buffer (a client's output, a
 * handler's result, a slice of the state file), with no json-c object
 * tree and no malloc per value. Command handlers whose
 * replies are hot (session.add and session.del in batches of thousands,
 * commands.c) write their result text with it and hand it over as
 * jbuf_raw_new().
 */
#ifndef RTPE_JBUF_H
#define RTPE_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <json-c/json.h>

/* Text being written. A failed allocation sets oom and drops every later
 * append: check oom once at the end. Starts zeroed; free p when done. */
struct jbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Room for n more bytes (the buffer doubles). false (oom set) when out of memory. */
bool jbuf_grow(struct jbuf *b, size_t n);

static inline void jbuf_mem(struct jbuf *b, const void *s, size_t n)
{
	if (b->cap - b->len < n && !jbuf_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A string literal, JSON text already (no escaping). */
#define jbuf_lit(b, s) jbuf_mem((b), (s), sizeof(s) - 1)

/* A JSON string: quoted, with ", \ and control characters escaped as
 * json-c does (\b \f \n \r \t, else \u00XX); '/' and bytes >= 0x80 as they are. */
void jbuf_str(struct jbuf *b, const char *s, size_t n);
void jbuf_u64(struct jbuf *b, uint64_t v);
void jbuf_i64(struct jbuf *b, int64_t v);
/* As json-c prints a double ("%.17g", ".0" added to an integral value);
 * null for NaN and infinities, which JSON cannot hold. */
void jbuf_double(struct jbuf *b, double v);
/* An IPv4 endpoint as the JSON string "a.b.c.d:port", as sockaddr_str
 * (inet_ntop) writes it, without printf: replies and the state file
 * write one per leg. */
struct sockaddr_in;
void jbuf_endpoint(struct jbuf *b, const struct sockaddr_in *sa);
/* Any json-c value, byte for byte as json-c's plain output (no spaces, '/'
 * not escaped; NULL is null), but for NaN and infinities (null). */
void jbuf_json(struct jbuf *b, struct json_object *o);

/*
 * A result that is JSON text already (len bytes, one complete JSON value):
 * what a handler returns as *result to skip building an object tree. The
 * server copies the text into the reply as it is; json-c serialises it as
 * the same text (a custom serializer), so it is a valid json_object for
 * any other user. NULL when out of memory.
 */
struct json_object *jbuf_raw_new(const char *json, size_t len);

#endif
