/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print_int.h - inside rtpedgectl's human output (print.c, print_sip.c):
 * the table helper and the tolerant field accessors of print_util.c.
 */
#ifndef RTPE_CLI_PRINT_INT_H
#define RTPE_CLI_PRINT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define TBL_MAX_COLS 12

/* Rows of cells printed with aligned columns; ">NAME" aligns right. */
struct tbl {
	unsigned ncols, nrows, cap;
	const char *const *head;
	char **cells;
};

/* Adds a row of t->ncols cells (copied). */
void tbl_row(struct tbl *t, const char *const *cells);
/* Prints (with the header line when header) and frees the rows. */
void tbl_print(struct tbl *t, bool header);

/* o[key], NULL when o is no object, the key is missing or null. */
struct json_object *member(struct json_object *o, const char *key);
/* v is neither an object nor an array (nor NULL). */
bool scalar(struct json_object *v);
/* A scalar member as text; "-" when missing, null or not a scalar. */
const char *text(struct json_object *o, const char *key);
/* A numeric member into *out; false when it is none. */
bool number(struct json_object *o, const char *key, int64_t *out);
/* The length of an array; 0 for anything else. */
size_t count(struct json_object *a);
/* o[key] * scale ms as 4.2s, 3m07s, 1h02m03s, 2d03h04m, then suffix; "-"
 * when missing, null or negative. buf holds the text. */
const char *duration(struct json_object *o, const char *key, int64_t scale,
		     const char *suffix, char *buf, size_t len);
/* "label:  value" on a line, the values aligned. */
void kv(const char *label, const char *value);
/* Top-level scalars of o not in known (NULL-ended), as "key: value". */
void extras(struct json_object *o, const char *const *known);

#endif
