// SPDX-License-Identifier: GPL-2.0
/*
 * state_text.c - the state file's text (state_text.h). Every value is
 * printed as json-c prints it in plain mode without escaping '/': integers
 * in decimal, strings escaped by jbuf_str. The legs are written by the
 * writer of the control replies' legs (media/leg_json.h): one spelling of
 * each field.
 */
#include "state/state_text.h"

#include <string.h>

#include "core/names.h"
#include "media/leg_json.h"

void state_text_head(struct jbuf *b, uint32_t next_id)
{
	jbuf_lit(b, "{\"version\":");
	jbuf_u64(b, STATE_VERSION);
	jbuf_lit(b, ",\"next_id\":");
	jbuf_u64(b, next_id);
	jbuf_lit(b, ",\"sessions\":[");
}

void state_text_tail(struct jbuf *b)
{
	jbuf_lit(b, "\n]}\n");
}

/* The state file keeps the daemon's own counters and the leg's slot, and
 * an SRTP leg's keys and restart state (the file is 0600). */
static void put_leg(struct jbuf *b, const struct media *r, const struct leg *l)
{
	struct leg_view v = { .packets = l->us.packets, .bytes = l->us.bytes,
			      .drops = l->us.drops, .rtcp_packets = l->us.rtcp_packets };

	leg_json_write(b, r, l, &v, LEG_JSON_SLOT | LEG_JSON_KEYS | LEG_JSON_STREAMS, 0);
}

void state_text_session(struct jbuf *b, const struct media *r, const struct session *s,
			bool first, int64_t now_ms, uint64_t mono_ns)
{
	/* The age in whole ms, subtracted from the wall clock: what restore reads. */
	int64_t created_ms = now_ms - (int64_t)((mono_ns - s->created_ns) / 1000000);

	if (first)
		jbuf_lit(b, "\n{\"id\":");
	else
		jbuf_lit(b, ",\n{\"id\":");
	jbuf_u64(b, s->id);
	jbuf_lit(b, ",\"created_unix_ms\":");
	jbuf_i64(b, created_ms);
	if (s->hold)
		jbuf_lit(b, ",\"hold\":true,");
	else
		jbuf_lit(b, ",\"hold\":false,");
	if (s->dialog) { /* the SIP proxy's text of the call's dialog */
		jbuf_lit(b, "\"sip\":");
		jbuf_str(b, s->dialog, strlen(s->dialog));
		jbuf_lit(b, ",");
	}
	jbuf_lit(b, "\"legs\":[");
	put_leg(b, r, &s->leg[0]);
	jbuf_lit(b, ",");
	put_leg(b, r, &s->leg[1]);
	jbuf_lit(b, "]}");
}
