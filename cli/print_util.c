// SPDX-License-Identifier: GPL-2.0
/*
 * print_util.c - what rtpedgectl's printers share (print_int.h): a small
 * table helper (aligned columns) and tolerant accessors of the reply's
 * JSON, which print "-" for a field that is missing, null or of another
 * type.
 */
#include "print_int.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KV_WIDTH 17


static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("rtpedgectl: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

void tbl_row(struct tbl *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->cells = xrealloc(t->cells, (size_t)t->cap * t->ncols * sizeof(char *));
	}
	for (unsigned i = 0; i < t->ncols; i++) {
		size_t n = strlen(cells[i]) + 1;

		t->cells[t->nrows * t->ncols + i] = memcpy(xrealloc(NULL, n), cells[i], n);
	}
	t->nrows++;
}

static void tbl_line(const struct tbl *t, const size_t *w, const char *const *cells)
{
	for (unsigned i = 0; i < t->ncols; i++) {
		bool right = t->head[i][0] == '>', last = i + 1 == t->ncols;

		if (right)
			printf("%*s", (int)w[i], cells[i]);
		else
			printf("%-*s", last ? 0 : (int)w[i], cells[i]);
		fputs(last ? "\n" : "  ", stdout);
	}
}

/* Prints (with the header line when header) and frees the rows. */
void tbl_print(struct tbl *t, bool header)
{
	const char *names[TBL_MAX_COLS];
	size_t w[TBL_MAX_COLS];

	for (unsigned i = 0; i < t->ncols; i++) {
		names[i] = t->head[i] + (t->head[i][0] == '>');
		w[i] = header ? strlen(names[i]) : 0;
		for (unsigned r = 0; r < t->nrows; r++) {
			size_t n = strlen(t->cells[r * t->ncols + i]);

			w[i] = n > w[i] ? n : w[i];
		}
	}
	if (header)
		tbl_line(t, w, names);
	for (unsigned r = 0; r < t->nrows; r++)
		tbl_line(t, w, (const char *const *)t->cells + r * t->ncols);
	for (unsigned i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* o[key], NULL when o is no object, the key is missing or null. */
struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

bool scalar(struct json_object *v)
{
	return v && !json_object_is_type(v, json_type_object) &&
	       !json_object_is_type(v, json_type_array);
}

/* A scalar member as text; "-" when missing, null or not a scalar. */
const char *text(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return scalar(v) ? json_object_get_string(v) : "-";
}

bool number(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v = member(o, key);

	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

size_t count(struct json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* o[key] * scale ms as 4.2s (4s for whole seconds), 3m07s, 1h02m03s,
 * 2d03h04m, then suffix; "-" when missing, null or negative. */
const char *duration(struct json_object *o, const char *key, int64_t scale,
		     const char *suffix, char *buf, size_t len)
{
	int64_t v;
	uint64_t s;

	if (!number(o, key, &v) || v < 0 || v > INT64_MAX / scale)
		return "-";
	v *= scale; /* to ms */
	s = (uint64_t)v / 1000;
	if (s < 60 && scale >= 1000) /* whole seconds given: no fraction */
		snprintf(buf, len, "%" PRIu64 "s%s", s, suffix);
	else if (s < 60)
		snprintf(buf, len, "%.1fs%s", (double)v / 1000, suffix);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s%s", s / 60, s % 60, suffix);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s%s", s / 3600,
			 s / 60 % 60, s % 60, suffix);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h%02" PRIu64 "m%s", s / 86400,
			 s / 3600 % 24, s / 60 % 60, suffix);
	return buf;
}

void kv(const char *label, const char *value)
{
	char k[64];

	snprintf(k, sizeof(k), "%s:", label);
	printf("%-*s %s\n", KV_WIDTH, k, value);
}

/* Top-level scalars this version does not know, as "key: value". */
void extras(struct json_object *o, const char *const *known)
{
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, v) {
		const char *const *k = known;

		while (*k && strcmp(*k, key))
			k++;
		if (!*k && scalar(v))
			kv(key, json_object_get_string(v));
	}
}
