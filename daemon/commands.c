// SPDX-License-Identifier: GPL-2.0
/*
 * commands.c - the control commands: turns requests from the control
 * socket into session-table operations and the table's state into the
 * JSON documents of ../shared/INTERFACE.md and docs/CONTROL.md (status
 * and stats are in cmd_stats.c, the allowlist's in cmd_allowlist.c).
 *
 * Sessions are written as JSON text (jbuf.h's writer), not as json-c
 * object trees: session.add and session.del come in batches of thousands
 * and session.list has a hundred thousand entries, where the trees' mallocs
 * and frees were most of the daemon's time. The other results are small.
 */
#include "commands.h"
#include "cmd_allowlist.h"
#include "cmd_stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jbuf.h"
#include "daemon.h"
#include "core/log.h"
#include "media/leg_json.h"
#include "media/ports.h"
#include "media/session.h"
#include "sip/sip_proxy.h"
#include "srtp/srtp_keys.h"

/* ---- replies as text ------------------------------------------------------ */

#define TEXT_KEEP (1u << 20) /* a larger reply buffer is given back after use */

/* The one buffer results are written into (everything runs on the loop's
 * thread): reused, so a batch of thousands of session.add costs no
 * allocation per reply for it. */
static struct jbuf text;

static struct jbuf *text_begin(void)
{
	text.len = 0;
	text.oom = false;
	return &text;
}

/* What was written as the handler's result. 0 or -ENOMEM. */
static int text_end(struct json_object **res)
{
	*res = text.oom ? NULL : jbuf_raw_new(text.p, text.len);
	if (text.cap > TEXT_KEEP) {
		free(text.p);
		text = (struct jbuf){ 0 };
	}
	return *res ? 0 : -ENOMEM;
}

/* "s-12" */
static void put_id(struct jbuf *b, const struct session *s)
{
	jbuf_lit(b, "\"s-");
	jbuf_u64(b, s->id);
	jbuf_lit(b, "\"");
}

/* A figure, or null when it does not exist (yet). */
static void put_opt(struct jbuf *b, bool have, uint64_t v)
{
	if (have)
		jbuf_u64(b, v);
	else
		jbuf_lit(b, "null");
}

/* A leg of a reply: the figures of v, XDP and userspace merged; extra:
 * LEG_JSON_KEYS for `session show --keys`. */
static void put_leg(struct jbuf *b, struct rtpe *r, const struct leg *l,
		    const struct leg_view *v, uint64_t now, unsigned extra)
{
	leg_json_write(b, &r->m, l, v, LEG_JSON_LIVE | extra, now);
}

/* The session with its legs' figures v (read before now). */
static void put_session_of(struct jbuf *b, struct rtpe *r, const struct session *s,
			   const struct leg_view *v, uint64_t now, unsigned extra)
{
	uint64_t last = v[0].last_seen_ns > v[1].last_seen_ns ? v[0].last_seen_ns :
								 v[1].last_seen_ns;

	jbuf_lit(b, "{\"id\":");
	put_id(b, s);
	jbuf_lit(b, ",\"created_s\":");
	jbuf_u64(b, (now - s->created_ns) / 1000000000ull);
	if (s->hold)
		jbuf_lit(b, ",\"hold\":true,\"idle_ms\":");
	else
		jbuf_lit(b, ",\"hold\":false,\"idle_ms\":");
	put_opt(b, last, (now - last) / 1000000);
	if (s->xsk)
		jbuf_lit(b, ",\"afxdp\":true");
	else
		jbuf_lit(b, ",\"afxdp\":false");
	jbuf_lit(b, ",\"legs\":[");
	put_leg(b, r, &s->leg[0], &v[0], now, extra);
	jbuf_lit(b, ",");
	put_leg(b, r, &s->leg[1], &v[1], now, extra);
	jbuf_lit(b, "]}");
}

/* The session as replies show it; extra: LEG_JSON_KEYS or 0. */
static void session_write_ex(struct jbuf *b, struct rtpe *r, const struct session *s,
			     unsigned extra)
{
	struct leg_view v[2];

	for (int i = 0; i < 2; i++)
		leg_view(&r->m, &s->leg[i], &v[i]);
	/* now after the reads: XDP stamps packets meanwhile */
	put_session_of(b, r, s, v, mono_ns(), extra);
}

void session_write(struct jbuf *b, struct rtpe *r, const struct session *s)
{
	session_write_ex(b, r, s, 0);
}

/* ---- arguments ------------------------------------------------------------- */

/* "s-12" (or "12") to 12. 0 when malformed. */
static uint32_t session_id_parse(const char *s)
{
	char *end;
	unsigned long v;

	if (!strncmp(s, "s-", 2))
		s += 2;
	if (*s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

static const char *arg_str(struct json_object *args, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(args, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int arg_session(struct rtpe *r, struct json_object *args, struct session **s,
		       char *err, size_t errlen)
{
	const char *id = arg_str(args, "id");
	uint32_t n;

	if (!id) {
		snprintf(err, errlen, "missing \"id\" (a session id such as s-1)");
		return -1;
	}
	n = session_id_parse(id);
	*s = n ? session_find(&r->m, n) : NULL;
	if (!*s) {
		snprintf(err, errlen, "no session %s", id);
		return -1;
	}
	return 0;
}

/* A boolean argument: only the JSON true and false count (json-c would
 * take any non-empty string, "false" too, as true). Absent: def, or
 * refused when required. 0, or -1 with err. */
static int arg_bool(struct json_object *args, const char *key, bool required, bool def,
		    bool *val, char *err, size_t errlen)
{
	struct json_object *v;

	*val = def;
	if (!json_object_object_get_ex(args, key, &v)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "missing \"%s\" (true or false)", key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "\"%s\" must be true or false, not %s", key,
			 json_type_to_name(json_object_get_type(v)));
		return -1;
	}
	*val = json_object_get_boolean(v);
	return 0;
}

/* "brief": true asks session.add / session.del for the short result
 * (docs/CONTROL.md). 0, or -1 with err. */
static int arg_brief(struct json_object *args, bool *brief, char *err, size_t errlen)
{
	return arg_bool(args, "brief", false, false, brief, err, errlen);
}

static const struct {
	const char *iface, *peer, *srtp;
} leg_keys[2] = {
	{ "iface_a", "peer_a", "srtp_a" },
	{ "iface_b", "peer_b", "srtp_b" },
};

/*
 * What makes a a peer no leg may have, or NULL: media must go to a remote
 * unicast endpoint, never fan out (multicast, broadcast), go nowhere
 * (0.0.0.0/8) or loop back into the relay (its own addresses). Loopback
 * peers are refused unless the leg's own interface is on loopback (a lab
 * or a test, where they are the only peers there are).
 */
static const char *peer_unfit(const struct rtpe_cfg *cfg, int iface, struct in_addr a,
			      char *buf, size_t len)
{
	uint32_t h = ntohl(a.s_addr), own = ntohl(cfg->ifaces[iface].address.s_addr);

	if (h >> 24 == 0)
		return "unspecified (0.0.0.0/8)";
	if (h >> 28 == 0xe)
		return "multicast (224.0.0.0/4)";
	if (h == 0xffffffffu)
		return "the broadcast address";
	if (h >> 24 == 127 && own >> 24 != 127) {
		snprintf(buf, len, "loopback (127.0.0.0/8), and interface %s is not",
			 cfg->ifaces[iface].name);
		return buf;
	}
	for (int i = 0; i < cfg->n_ifaces; i++) {
		if (a.s_addr != cfg->ifaces[i].address.s_addr &&
		    a.s_addr != cfg->ifaces[i].advertise.s_addr)
			continue;
		snprintf(buf, len, "the relay's own address (interface %s)", cfg->ifaces[i].name);
		return buf;
	}
	return NULL;
}

/* One leg's interface and peer from args (side 0: a, 1: b). 0 or -1 with err. */
static int arg_leg(struct rtpe *r, struct json_object *args, int side, int *iface,
		   struct sockaddr_in *peer, char *err, size_t errlen)
{
	const char *kif = leg_keys[side].iface, *kpeer = leg_keys[side].peer;
	const char *name = arg_str(args, kif), *p = arg_str(args, kpeer), *why;
	char buf[96];

	if (!name || !p) {
		snprintf(err, errlen, "missing \"%s\" or \"%s\"", kif, kpeer);
		return -1;
	}
	*iface = config_iface_find(&r->cfg, name);
	if (*iface < 0) {
		snprintf(err, errlen, "unknown interface \"%s\"", name);
		return -1;
	}
	if (sockaddr_parse(p, peer)) {
		snprintf(err, errlen, "peer \"%s\" is not IPv4:PORT", p);
		return -1;
	}
	why = peer_unfit(&r->cfg, *iface, peer->sin_addr, buf, sizeof(buf));
	if (why) {
		snprintf(err, errlen, "%s \"%s\" is %s: a peer must be a remote unicast endpoint",
			 kpeer, p, why);
		return -1;
	}
	return 0;
}

/* A leg's SRTP keys from args ("SUITE:INKEY[:OUTKEY]", side 0: a, 1: b)
 * into k[0] (in) and k[1] (out); *have false when there are none. 0, or -1
 * with err (which never quotes a key). */
static int arg_srtp(struct json_object *args, int side, struct sdes_key k[2], bool *have,
		    char *err, size_t errlen)
{
	const char *key = leg_keys[side].srtp;
	struct json_object *v;
	char why[200];

	*have = false;
	if (!json_object_object_get_ex(args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "\"%s\" must be a string SUITE:INKEY[:OUTKEY]", key);
		return -1;
	}
	if (sdes_spec_parse(json_object_get_string(v), &k[0], &k[1], why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	*have = true;
	return 0;
}

/* ---- commands ------------------------------------------------------------- */

/* The brief result of session.add: what a caller needs to signal the
 * session, in the same members as the full one. */
static void put_brief_add(struct jbuf *b, const struct session *s)
{
	jbuf_lit(b, "{\"id\":");
	put_id(b, s);
	jbuf_lit(b, ",\"legs\":[{\"local\":");
	jbuf_endpoint(b, &s->leg[0].local);
	jbuf_lit(b, "},{\"local\":");
	jbuf_endpoint(b, &s->leg[1].local);
	jbuf_lit(b, "}]}");
}

static int cmd_session_add(void *ctx, struct json_object *args, struct json_object **res,
			   char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct leg_view zero[2] = { 0 };
	struct sockaddr_in pa, pb;
	struct sdes_key keys[2][2];
	struct leg_opts opts[2] = { 0 };
	struct session *s;
	struct jbuf *b;
	bool brief, srtp[2];
	int ia, ib, e;

	if (arg_brief(args, &brief, err, errlen) ||
	    arg_leg(r, args, 0, &ia, &pa, err, errlen) ||
	    arg_leg(r, args, 1, &ib, &pb, err, errlen) ||
	    arg_srtp(args, 0, keys[0], &srtp[0], err, errlen) ||
	    arg_srtp(args, 1, keys[1], &srtp[1], err, errlen)) {
		explicit_bzero(keys, sizeof(keys));
		return -1;
	}
	for (int i = 0; i < 2; i++)
		if (srtp[i]) {
			opts[i].srtp_in = &keys[i][0];
			opts[i].srtp_out = &keys[i][1];
		}
	e = session_create_ex(&r->m, ia, &pa, ib, &pb, opts, &s, err, errlen);
	explicit_bzero(keys, sizeof(keys)); /* the legs' contexts keep their own copies */
	if (e)
		return -1;
	r->m.totals.created++;
	state_mark_dirty(&r->sf);
	b = text_begin();
	if (brief)
		put_brief_add(b, s);
	else /* nothing is counted yet: no map reads (adds come in thousands) */
		put_session_of(b, r, s, zero, mono_ns(), 0);
	return text_end(res);
}

static int cmd_session_list(void *ctx, struct json_object *args, struct json_object **res,
			    char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct jbuf *b = text_begin();

	jbuf_lit(b, "{\"sessions\":[");
	for (struct session *s = r->m.first; s && !b->oom; s = s->next) {
		if (s != r->m.first)
			jbuf_lit(b, ",");
		session_write(b, r, s);
	}
	jbuf_lit(b, "]}");
	return text_end(res);
}

static int cmd_session_show(void *ctx, struct json_object *args, struct json_object **res,
			    char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct session *s;
	bool keys;

	if (arg_session(r, args, &s, err, errlen) ||
	    arg_bool(args, "keys", false, false, &keys, err, errlen))
		return -1;
	if (keys && ctl_client_read_only()) {
		snprintf(err, errlen, "permission denied: --keys shows SRTP keys, which a member "
			 "of control_ro_group may not see");
		return -1;
	}
	session_write_ex(text_begin(), r, s, keys ? LEG_JSON_KEYS : 0);
	return text_end(res);
}

static int cmd_session_del(void *ctx, struct json_object *args, struct json_object **res,
			   char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct jbuf *b;
	struct session *s;
	bool brief;

	if (arg_brief(args, &brief, err, errlen) || arg_session(r, args, &s, err, errlen))
		return -1;
	b = text_begin();
	if (brief) { /* the id only: no counter reads */
		jbuf_lit(b, "{\"id\":");
		put_id(b, s);
		jbuf_lit(b, "}");
	} else {
		session_write(b, r, s); /* its final counters */
	}
	session_destroy(&r->m, s);
	r->m.totals.deleted++;
	state_mark_dirty(&r->sf);
	return text_end(res);
}

/* Puts a session on hold (hold_timeout applies) or takes it off. SIP will
 * set this from the SDP direction; operators and tests can set it here. */
static int cmd_session_hold(void *ctx, struct json_object *args, struct json_object **res,
			    char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct session *s;
	bool hold;

	if (arg_session(r, args, &s, err, errlen) ||
	    arg_bool(args, "hold", true, false, &hold, err, errlen))
		return -1;
	if (s->hold != hold) {
		s->hold = hold;
		state_mark_dirty(&r->sf); /* the state file keeps hold */
	}
	session_write(text_begin(), r, s);
	return text_end(res);
}

/* The SIP calls (none without [sip]), or one of them by Call-ID. */
static int cmd_calls(void *ctx, struct json_object *args, struct json_object **res,
		     char *err, size_t errlen)
{
	struct rtpe *r = ctx;

	sip_calls_write(r->sip, text_begin(), NULL);
	return text_end(res);
}

/* The regions and their SBC addresses' health (none without [sip]). */
static int cmd_regions(void *ctx, struct json_object *args, struct json_object **res,
		       char *err, size_t errlen)
{
	struct rtpe *r = ctx;

	sip_regions_write(r->sip, text_begin());
	return text_end(res);
}

/* The REGISTERs relayed (none without [sip]). */
static int cmd_registrations(void *ctx, struct json_object *args, struct json_object **res,
			     char *err, size_t errlen)
{
	struct rtpe *r = ctx;

	sip_registrations_write(r->sip, text_begin());
	return text_end(res);
}

static int cmd_calls_show(void *ctx, struct json_object *args, struct json_object **res,
			  char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	const char *id = arg_str(args, "id");

	if (!id || !*id) {
		snprintf(err, errlen, "missing \"id\" (a Call-ID as calls lists it)");
		return -1;
	}
	if (sip_calls_write(r->sip, text_begin(), id)) {
		snprintf(err, errlen, "no call %.200s%s", id, r->sip ? "" : " (no [sip] in the config)");
		return -1;
	}
	return text_end(res);
}

static int cmd_reload(void *ctx, struct json_object *args, struct json_object **res,
		      char *err, size_t errlen)
{
	return daemon_reload(ctx, err, errlen) ? -1 : 0;
}

static int cmd_shutdown(void *ctx, struct json_object *args, struct json_object **res,
			char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	bool remove;

	if (arg_bool(args, "remove", false, false, &remove, err, errlen))
		return -1;
	r->remove_on_exit = remove;
	daemon_stop(r);
	*res = json_object_new_object();
	json_object_object_add(*res, "message",
			       json_object_new_string(r->remove_on_exit ?
				       "stopping; removing XDP, maps and sessions" :
				       "stopping; XDP keeps relaying until the next start"));
	return 0;
}

/* The shared command table's request names and read-only flags
 * (include/rtpe_ctl_cmds.h), each with its handler, by command id; the
 * entry at RTPE_CMD_MAX ends it. */
const struct ctl_command rtpe_commands[RTPE_CMD_MAX + 1] = {
#define RTPE_X_NAME(id, request, words, ro, ...)                                \
	[RTPE_CMD_##id].name = request, [RTPE_CMD_##id].read_only = ro,
	RTPE_CTL_CMDS(RTPE_X_NAME)
#undef RTPE_X_NAME
	[RTPE_CMD_STATUS].fn = cmd_status,
	[RTPE_CMD_SESSION_ADD].fn = cmd_session_add,
	[RTPE_CMD_SESSION_LIST].fn = cmd_session_list,
	[RTPE_CMD_SESSION_SHOW].fn = cmd_session_show,
	[RTPE_CMD_SESSION_DEL].fn = cmd_session_del,
	[RTPE_CMD_SESSION_HOLD].fn = cmd_session_hold,
	[RTPE_CMD_CALLS_SHOW].fn = cmd_calls_show,
	[RTPE_CMD_CALLS].fn = cmd_calls,
	[RTPE_CMD_REGIONS].fn = cmd_regions,
	[RTPE_CMD_REGISTRATIONS].fn = cmd_registrations,
	[RTPE_CMD_STATS].fn = cmd_stats,
	[RTPE_CMD_ALLOWLIST_SHOW].fn = cmd_allowlist_show,
	[RTPE_CMD_ALLOWLIST_ADD].fn = cmd_allowlist_add,
	[RTPE_CMD_ALLOWLIST_DEL].fn = cmd_allowlist_del,
	[RTPE_CMD_RELOAD].fn = cmd_reload,
	[RTPE_CMD_SHUTDOWN].fn = cmd_shutdown,
};
