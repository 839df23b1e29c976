/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sdp_int.h - what sdp_anchor.c (describe) and sdp_rewrite.c share: the
 * line cursor that checks an SDP body line by line before anything else
 * reads it, and the attribute names the rewrite treats specially.
 */
#ifndef RTPE_SDP_INT_H
#define RTPE_SDP_INT_H

#include <stdbool.h>
#include <stddef.h>

struct sdp_cursor {
	const char *p, *end;
	bool blank; /* an empty line was seen: only empty lines may follow */
};

/*
 * The next line of the body, without its line end (LF or CRLF; the last
 * line may have none): 1 with *line and *n set, 0 at the end, -EINVAL with *why
 * on a line that is not "x=..." with x in a-z, holds a NUL or a CR, or is
 * longer than SDP_MAX_LINE. Empty lines are skipped at the end only.
 */
int sdp_next_line(struct sdp_cursor *c, const char **line, size_t *n, const char **why);

/*
 * Checks a whole body with the cursor: size, "v=0" first, one o= before
 * the first m=, at most SDP_MAX_STREAMS m= lines. Returns the number of m=
 * lines, or -EINVAL with err set.
 */
int sdp_check_body(const char *body, size_t len, char *err, size_t errlen);

/* sofia's token characters (sdp_parse.c, TOKEN): names of media and attributes. */
bool sdp_token_char(char ch);
/*
 * An a= line's attribute name as sofia reads it (sdp_parse.c: spaces
 * skipped, then the longest run of token characters; the one byte after
 * it and any colons separate the value): its length (0: none) and its
 * offset in *name.
 */
size_t sdp_attr_name(const char *line, size_t n, size_t *name);
/* The offset of an a= line's value (n when it has none). */
size_t sdp_attr_value(const char *line, size_t n);
/* Whether line (n bytes) is an a= line whose name is NAME, matched without case. */
bool sdp_attr_is(const char *line, size_t n, const char *name);
/* Whether line is one of the ICE attributes that the rewrite removes. */
bool sdp_attr_is_ice(const char *line, size_t n);
/* Writes "why" (and the line's start, when given) into err. Returns -EINVAL. */
int sdp_fail(char *err, size_t errlen, const char *why, const char *line, size_t n);

#endif
