/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state_text.h - the text of the state file (format in state.h): its head,
 * one record per session and its tail, written with the control socket's
 * JSON writer (jbuf.h) straight into a buffer, with no json-c object
 * per session. The bytes are those json-c prints for the file built as a
 * tree (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE):
 * tests/unit/test_state_text.c compares them.
 */
#ifndef RTPE_STATE_TEXT_H
#define RTPE_STATE_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/jbuf.h"
#include "media/session.h"

#define STATE_VERSION 1

/* {"version":1,"next_id":N,"sessions":[ */
void state_text_head(struct jbuf *b, uint32_t next_id);
/*
 * One session's record on a line of its own ("," before it unless first).
 * now_ms (CLOCK_REALTIME, ms) and mono_ns (CLOCK_MONOTONIC) are one reading
 * of both clocks, taken after s was created: created_unix_ms comes from them.
 */
void state_text_session(struct jbuf *b, const struct media *r, const struct session *s,
			bool first, int64_t now_ms, uint64_t mono_ns);
/* The end of the sessions and of the file. */
void state_text_tail(struct jbuf *b);

#endif
