// SPDX-License-Identifier: GPL-2.0
/*
 * state_text.c - the state file's text (state_text.h). Every value is
 * printed as json-c printed it in plain mode: integers in decimal, strings
 * escaped by jbuf_str, except '/', which plain mode escapes as "\/" and
 * the control socket's writer does not (a name holding one is handed to
 * json-c itself: the config allows none, this keeps the file exact anyway).
 */
#include "state/state_text.h"

#include <arpa/inet.h>
#include <string.h>
#include <json-c/json.h>

#include "core/names.h"

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

static void put_str(struct jbuf *b, const char *s)
{
	struct json_object *o;
	const char *txt;
	size_t n;

	if (!strchr(s, '/')) {
		jbuf_str(b, s, strlen(s));
		return;
	}
	o = json_object_new_string(s);
	txt = o ? json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n) : NULL;
	if (txt)
		jbuf_mem(b, txt, n);
	else
		b->oom = true;
	json_object_put(o);
}

static void put_leg(struct jbuf *b, const struct media *r, const struct leg *l)
{
	jbuf_lit(b, "{\"iface\":");
	put_str(b, r->ifaces[l->iface].cfg.name);
	jbuf_lit(b, ",\"local\":");
	jbuf_endpoint(b, &l->local);
	jbuf_lit(b, ",\"peer\":");
	jbuf_endpoint(b, &l->peer);
	jbuf_lit(b, ",\"peer_rtcp_port\":");
	jbuf_u64(b, l->peer_rtcp_port);
	jbuf_lit(b, ",\"path\":");
	put_str(b, path_name(l->path));
	jbuf_lit(b, ",\"slot\":");
	jbuf_u64(b, l->slot);
	jbuf_lit(b, ",\"packets\":");
	jbuf_u64(b, l->us.packets);
	jbuf_lit(b, ",\"bytes\":");
	jbuf_u64(b, l->us.bytes);
	jbuf_lit(b, ",\"drops\":");
	jbuf_u64(b, l->us.drops);
	jbuf_lit(b, ",\"rtcp_packets\":");
	jbuf_u64(b, l->us.rtcp_packets);
	jbuf_lit(b, "}");
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
		jbuf_lit(b, ",\"hold\":true,\"legs\":[");
	else
		jbuf_lit(b, ",\"hold\":false,\"legs\":[");
	put_leg(b, r, &s->leg[0]);
	jbuf_lit(b, ",");
	put_leg(b, r, &s->leg[1]);
	jbuf_lit(b, "]}");
}
