// SPDX-License-Identifier: GPL-2.0
/*
 * state_text.c - the state file's text (state_text.h). Every value is
 * printed as json-c printed it in plain mode: integers in decimal, strings
 * escaped by ctl_buf_str, except '/', which plain mode escapes as "\/" and
 * the control socket's writer does not (a name holding one is handed to
 * json-c itself: the config allows none, this keeps the file exact anyway).
 */
#include "state_text.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "commands.h"

int64_t state_text_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void state_text_head(struct ctl_buf *b, uint32_t next_id)
{
	ctl_buf_lit(b, "{\"version\":");
	ctl_buf_u64(b, STATE_VERSION);
	ctl_buf_lit(b, ",\"next_id\":");
	ctl_buf_u64(b, next_id);
	ctl_buf_lit(b, ",\"sessions\":[");
}

void state_text_tail(struct ctl_buf *b)
{
	ctl_buf_lit(b, "\n]}\n");
}

static void put_str(struct ctl_buf *b, const char *s)
{
	struct json_object *o;
	const char *txt;
	size_t n;

	if (!strchr(s, '/')) {
		ctl_buf_str(b, s, strlen(s));
		return;
	}
	o = json_object_new_string(s);
	txt = o ? json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n) : NULL;
	if (txt)
		ctl_buf_mem(b, txt, n);
	else
		b->oom = true;
	json_object_put(o);
}

static void put_leg(struct ctl_buf *b, const struct rtpe *r, const struct leg *l)
{
	ctl_buf_lit(b, "{\"iface\":");
	put_str(b, r->ifaces[l->iface].cfg.name);
	ctl_buf_lit(b, ",\"local\":");
	ctl_buf_endpoint(b, &l->local);
	ctl_buf_lit(b, ",\"peer\":");
	ctl_buf_endpoint(b, &l->peer);
	ctl_buf_lit(b, ",\"peer_rtcp_port\":");
	ctl_buf_u64(b, l->peer_rtcp_port);
	ctl_buf_lit(b, ",\"path\":");
	put_str(b, path_name(l->path));
	ctl_buf_lit(b, ",\"slot\":");
	ctl_buf_u64(b, l->slot);
	ctl_buf_lit(b, ",\"packets\":");
	ctl_buf_u64(b, l->us.packets);
	ctl_buf_lit(b, ",\"bytes\":");
	ctl_buf_u64(b, l->us.bytes);
	ctl_buf_lit(b, ",\"drops\":");
	ctl_buf_u64(b, l->us.drops);
	ctl_buf_lit(b, ",\"rtcp_packets\":");
	ctl_buf_u64(b, l->us.rtcp_packets);
	ctl_buf_lit(b, "}");
}

void state_text_session(struct ctl_buf *b, const struct rtpe *r, const struct session *s,
			bool first, int64_t now_ms, uint64_t mono_ns)
{
	/* The age in whole ms, subtracted from the wall clock: what restore reads. */
	int64_t created_ms = now_ms - (int64_t)((mono_ns - s->created_ns) / 1000000);

	if (first)
		ctl_buf_lit(b, "\n{\"id\":");
	else
		ctl_buf_lit(b, ",\n{\"id\":");
	ctl_buf_u64(b, s->id);
	ctl_buf_lit(b, ",\"created_unix_ms\":");
	ctl_buf_i64(b, created_ms);
	if (s->hold)
		ctl_buf_lit(b, ",\"hold\":true,\"legs\":[");
	else
		ctl_buf_lit(b, ",\"hold\":false,\"legs\":[");
	put_leg(b, r, &s->leg[0]);
	ctl_buf_lit(b, ",");
	put_leg(b, r, &s->leg[1]);
	ctl_buf_lit(b, "]}");
}
