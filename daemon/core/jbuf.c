// SPDX-License-Identifier: GPL-2.0
/*
 * jbuf.c - the JSON text writer (jbuf.h): values appended as text,
 * escaped and formatted exactly as json-c prints them, and json-c values
 * that carry text written already (jbuf_raw_new).
 */
#include "core/jbuf.h"

#include <limits.h>
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

bool jbuf_grow(struct jbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->oom)
		return false;
	while (cap - b->len < n && cap <= SIZE_MAX / 2)
		cap *= 2;
	p = cap - b->len >= n ? realloc(b->p, cap) : NULL;
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

/* The escape of byte c, or NULL when it goes as it is. */
static const char *ctl_escape(unsigned char c, char u[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	}
	if (c >= 0x20)
		return NULL;
	memcpy(u, "\\u00", 4);
	u[4] = hex[c >> 4];
	u[5] = hex[c & 0xf];
	u[6] = '\0';
	return u;
}

void jbuf_str(struct jbuf *b, const char *s, size_t n)
{
	size_t run = 0;
	char u[7];

	jbuf_lit(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue; /* the common case: copied with its run */
		e = ctl_escape(c, u);
		jbuf_mem(b, s + run, i - run);
		jbuf_mem(b, e, strlen(e));
		run = i + 1;
	}
	jbuf_mem(b, s + run, n - run);
	jbuf_lit(b, "\"");
}

void jbuf_u64(struct jbuf *b, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jbuf_mem(b, d + i, sizeof(d) - i);
}

void jbuf_i64(struct jbuf *b, int64_t v)
{
	if (v < 0) {
		jbuf_lit(b, "-");
		jbuf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		jbuf_u64(b, (uint64_t)v);
	}
}

void jbuf_double(struct jbuf *b, double v)
{
	char d[40];
	int n;

	if (!isfinite(v)) {
		jbuf_lit(b, "null");
		return;
	}
	n = snprintf(d, sizeof(d), "%.17g", v); /* at most 24 bytes */
	jbuf_mem(b, d, (size_t)n);
	if (!strpbrk(d, ".e")) /* json-c's way: it still reads as a double */
		jbuf_lit(b, ".0");
}

static void jbuf_array(struct jbuf *b, struct json_object *o)
{
	size_t n = json_object_array_length(o);

	jbuf_lit(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			jbuf_lit(b, ",");
		jbuf_json(b, json_object_array_get_idx(o, i));
	}
	jbuf_lit(b, "]");
}

static void jbuf_object(struct jbuf *b, struct json_object *o)
{
	bool first = true;

	jbuf_lit(b, "{");
	json_object_object_foreach(o, key, val) {
		if (!first)
			jbuf_lit(b, ",");
		first = false;
		jbuf_str(b, key, strlen(key));
		jbuf_lit(b, ":");
		jbuf_json(b, val);
	}
	jbuf_lit(b, "}");
}

static int ctl_raw_tag; /* its address marks the values of jbuf_raw_new */

void jbuf_json(struct jbuf *b, struct json_object *o)
{
	void *ud = json_object_get_userdata(o);
	const char *txt;
	int64_t i;
	size_t n;

	if (ud == &ctl_raw_tag) {
		jbuf_mem(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		return;
	}
	if (ud) { /* maybe a serializer of its own: json-c knows how to print it */
		txt = json_object_to_json_string_length(o, CTL_JSON_FLAGS, &n);
		if (txt)
			jbuf_mem(b, txt, n);
		else
			b->oom = true;
		return;
	}
	switch (json_object_get_type(o)) {
	case json_type_null: jbuf_lit(b, "null"); break;
	case json_type_boolean:
		if (json_object_get_boolean(o))
			jbuf_lit(b, "true");
		else
			jbuf_lit(b, "false");
		break;
	case json_type_int: /* INT64_MAX also stands for any larger uint64 */
		i = json_object_get_int64(o);
		if (i == INT64_MAX)
			jbuf_u64(b, json_object_get_uint64(o));
		else
			jbuf_i64(b, i);
		break;
	case json_type_double: jbuf_double(b, json_object_get_double(o)); break;
	case json_type_string:
		jbuf_str(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		break;
	case json_type_array: jbuf_array(b, o); break;
	case json_type_object: jbuf_object(b, o); break;
	}
}

static int ctl_raw_print(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	return printbuf_memappend(pb, json_object_get_string(o), json_object_get_string_len(o));
}

struct json_object *jbuf_raw_new(const char *json, size_t len)
{
	struct json_object *o = len < INT_MAX ? json_object_new_string_len(json, (int)len) : NULL;

	if (o)
		json_object_set_serializer(o, ctl_raw_print, &ctl_raw_tag, NULL);
	return o;
}

/* Decimal digits of v at t; their count. */
static size_t put_dec(char *t, unsigned v)
{
	char d[10];
	size_t n = 0, i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i < sizeof(d))
		t[n++] = d[i++];
	return n;
}

void jbuf_endpoint(struct jbuf *b, const struct sockaddr_in *sa)
{
	const uint8_t *a = (const uint8_t *)&sa->sin_addr.s_addr;
	char t[24];
	size_t n = 0;

	t[n++] = '"';
	for (int i = 0; i < 4; i++) {
		n += put_dec(t + n, a[i]);
		t[n++] = i < 3 ? '.' : ':';
	}
	n += put_dec(t + n, ntohs(sa->sin_port));
	t[n++] = '"';
	jbuf_mem(b, t, n);
}
