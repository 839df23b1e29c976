// SPDX-License-Identifier: GPL-2.0
/*
 * leg_json.c - the one writer of a leg's JSON (leg_json.h), for control
 * replies and the state file: straight into a jbuf, no json-c object.
 */
#include "media/leg_json.h"

#include <string.h>

#include "core/names.h"
#include "media/leg_srtp.h"
#include "rtpe_rtp.h"

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

/* Text that is JSON already, of any length (jbuf_lit takes literals only). */
static void put_raw(struct jbuf *b, const char *s)
{
	jbuf_mem(b, s, strlen(s));
}

/* A key in its inline form, the text wiped after use. */
static void put_key(struct jbuf *b, const char *name, const struct sdes_key *k)
{
	char t[SDES_KEY_TEXT_MAX];
	int n = sdes_key_print(k, t, sizeof(t));

	put_raw(b, name);
	if (n < 0)
		jbuf_lit(b, "null");
	else
		jbuf_str(b, t, (size_t)n);
	explicit_bzero(t, sizeof(t));
}

/* One direction's restart state (srtp/srtp_ctx.h). */
static void put_stream(struct jbuf *b, const struct leg_srtp *ls, enum sctx_dir d)
{
	struct sctx_stream st;

	leg_srtp_snap_read(ls, d, &st);
	put_raw(b, d == SCTX_IN ? ",\"in\":{\"used\":" : ",\"out\":{\"used\":");
	jbuf_u64(b, st.used);
	if (st.have) {
		jbuf_lit(b, ",\"ssrc\":");
		jbuf_u64(b, st.ssrc);
		jbuf_lit(b, ",\"roc\":");
		jbuf_u64(b, st.roc);
	}
	if (st.have_rtcp) {
		jbuf_lit(b, ",\"rtcp_ssrc\":");
		jbuf_u64(b, st.rtcp_ssrc);
		jbuf_lit(b, ",\"rtcp_sent\":");
		jbuf_u64(b, st.rtcp_sent);
	}
	jbuf_lit(b, "}");
}

static void put_srtp(struct jbuf *b, const struct leg_srtp *ls, unsigned extra)
{
	const struct sdes_key *in = sctx_key(ls->ctx, SCTX_IN);

	jbuf_lit(b, ",\"srtp\":{\"suite\":");
	put_str(b, sdes_suite_name(in->suite));
	jbuf_lit(b, ",\"failures\":{");
	for (int i = 0; i < SCTX_FAIL_MAX; i++) {
		put_raw(b, i ? ",\"" : "\"");
		put_raw(b, sctx_fail_names[i]);
		jbuf_lit(b, "\":");
		jbuf_u64(b, ls->fails[i]);
	}
	jbuf_lit(b, "}");
	if (extra & LEG_JSON_KEYS) {
		put_key(b, ",\"in_key\":", in);
		put_key(b, ",\"out_key\":", sctx_key(ls->ctx, SCTX_OUT));
	}
	if (extra & LEG_JSON_STREAMS) {
		put_stream(b, ls, SCTX_IN);
		put_stream(b, ls, SCTX_OUT);
	}
	jbuf_lit(b, "}");
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
	if (l->clock_rate && l->clock_rate != RTP_DEFAULT_CLOCK) {
		jbuf_lit(b, ",\"clock_rate\":");
		jbuf_u64(b, l->clock_rate);
	}
	if (l->rtcp_mux)
		jbuf_lit(b, ",\"rtcp_mux\":true");
	if (l->srtp)
		put_srtp(b, l->srtp, extra);
	jbuf_lit(b, "}");
}
