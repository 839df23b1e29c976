// SPDX-License-Identifier: GPL-2.0
/*
 * leg_json.c - the one writer of a leg's JSON (leg_json.h), for control
 * replies and the state file: straight into a jbuf, no json-c object.
 */
#include "media/leg_json.h"

#include <string.h>

#include "core/names.h"

static void put_str(struct jbuf *b, const char *s)
{
	jbuf_str(b, s, strlen(s));
}

/* A figure, or null when it does not exist (yet). */
static void put_opt(struct jbuf *b, bool have, uint64_t v)
{
	if (have)
		jbuf_u64(b, v);
	else
		jbuf_lit(b, "null");
}

void leg_json_write(struct jbuf *b, const struct media *r, const struct leg *l,
		    const struct leg_view *v, unsigned extra, uint64_t now_ns)
{
	jbuf_lit(b, "{\"interface\":");
	put_str(b, r->ifaces[l->iface].cfg.name);
	jbuf_lit(b, ",\"local\":");
	jbuf_endpoint(b, &l->local);
	jbuf_lit(b, ",\"peer\":");
	jbuf_endpoint(b, &l->peer);
	jbuf_lit(b, ",\"peer_rtcp_port\":");
	jbuf_u64(b, l->peer_rtcp_port);
	jbuf_lit(b, ",\"path\":");
	put_str(b, path_name(l->path));
	if (extra & LEG_JSON_SLOT) {
		jbuf_lit(b, ",\"slot\":");
		jbuf_u64(b, l->slot);
	}
	jbuf_lit(b, ",\"packets\":");
	jbuf_u64(b, v->packets);
	jbuf_lit(b, ",\"bytes\":");
	jbuf_u64(b, v->bytes);
	jbuf_lit(b, ",\"drops\":");
	jbuf_u64(b, v->drops);
	jbuf_lit(b, ",\"rtcp_packets\":");
	jbuf_u64(b, v->rtcp_packets);
	if (extra & LEG_JSON_LIVE) {
		jbuf_lit(b, ",\"last_seen_ms\":");
		put_opt(b, v->last_seen_ns, (now_ns - v->last_seen_ns) / 1000000);
		jbuf_lit(b, ",\"rtp\":{\"ssrc\":");
		put_opt(b, v->has_rtp, v->ssrc);
		jbuf_lit(b, ",\"lost\":");
		jbuf_u64(b, v->lost);
		jbuf_lit(b, ",\"jitter_ms\":");
		jbuf_double(b, v->jitter_ms);
		jbuf_lit(b, "}");
	}
	jbuf_lit(b, "}");
}
