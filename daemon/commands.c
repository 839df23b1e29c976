// SPDX-License-Identifier: GPL-2.0
/*
 * commands.c - the control commands: turns requests from the control
 * socket into session-table operations and the table's state into the
 * JSON documents of ../shared/INTERFACE.md and docs/CONTROL.md.
 */
#include "commands.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "ports.h"
#include "session.h"
#include "xdp.h"

static const char *const path_names[] = {
#define RTPE_X_NAME(name, str) str,
	RTPE_PATHS(RTPE_X_NAME)
#undef RTPE_X_NAME
};

const struct verdict_label verdict_labels[RTPE_V_MAX] = {
#define RTPE_X_LABEL(name, verdict, reason, help) { verdict, reason },
	RTPE_VERDICTS(RTPE_X_LABEL)
#undef RTPE_X_LABEL
};

const char *path_name(enum rtpe_path p)
{
	return p < RTPE_PATH_MAX ? path_names[p] : "unknown";
}

static struct json_object *jstr_addr(const struct sockaddr_in *sa)
{
	char buf[32];

	return json_object_new_string(sockaddr_str(sa, buf, sizeof(buf)));
}

static struct json_object *leg_json(struct rtpe *r, const struct leg *l,
				    const struct leg_view *v, uint64_t now)
{
	struct json_object *o = json_object_new_object(), *rtp = json_object_new_object();

	json_object_object_add(o, "interface", json_object_new_string(r->ifaces[l->iface].cfg.name));
	json_object_object_add(o, "local", jstr_addr(&l->local));
	json_object_object_add(o, "peer", jstr_addr(&l->peer));
	json_object_object_add(o, "peer_rtcp_port", json_object_new_int(l->peer_rtcp_port));
	json_object_object_add(o, "path", json_object_new_string(path_name(l->path)));
	json_object_object_add(o, "packets", json_object_new_uint64(v->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(v->bytes));
	json_object_object_add(o, "drops", json_object_new_uint64(v->drops));
	json_object_object_add(o, "rtcp_packets", json_object_new_uint64(v->rtcp_packets));
	json_object_object_add(o, "last_seen_ms",
			       v->last_seen_ns ? json_object_new_uint64((now - v->last_seen_ns) / 1000000)
					       : NULL);
	json_object_object_add(rtp, "ssrc", v->has_rtp ? json_object_new_int64(v->ssrc) : NULL);
	json_object_object_add(rtp, "lost", json_object_new_uint64(v->lost));
	json_object_object_add(rtp, "jitter_ms", json_object_new_double(v->jitter_ms));
	json_object_object_add(o, "rtp", rtp);
	return o;
}

/* The session with its legs' figures v (read before now). */
static struct json_object *session_json_of(struct rtpe *r, const struct session *s,
					   const struct leg_view *v, uint64_t now)
{
	struct json_object *o = json_object_new_object(), *legs = json_object_new_array();
	uint64_t last = v[0].last_seen_ns > v[1].last_seen_ns ? v[0].last_seen_ns :
								 v[1].last_seen_ns;
	char id[16];

	for (int i = 0; i < 2; i++)
		json_object_array_add(legs, leg_json(r, &s->leg[i], &v[i], now));
	snprintf(id, sizeof(id), "s-%u", s->id);
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "created_s",
			       json_object_new_uint64((now - s->created_ns) / 1000000000ull));
	json_object_object_add(o, "hold", json_object_new_boolean(s->hold));
	json_object_object_add(o, "idle_ms",
			       last ? json_object_new_uint64((now - last) / 1000000) : NULL);
	json_object_object_add(o, "legs", legs);
	return o;
}

struct json_object *session_json(struct rtpe *r, const struct session *s)
{
	struct leg_view v[2];

	for (int i = 0; i < 2; i++)
		leg_view(r, &s->leg[i], &v[i]);
	/* now after the reads: XDP stamps packets meanwhile */
	return session_json_of(r, s, v, mono_ns());
}

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
	*s = n ? session_find(r, n) : NULL;
	if (!*s) {
		snprintf(err, errlen, "no session %s", id);
		return -1;
	}
	return 0;
}

/* One leg's interface and peer from args. 0 or -1 with err. */
static int arg_leg(struct rtpe *r, struct json_object *args, char side, int *iface,
		   struct sockaddr_in *peer, char *err, size_t errlen)
{
	char kif[16], kpeer[16], ksrtp[16];
	const char *name, *p;

	snprintf(kif, sizeof(kif), "iface_%c", side);
	snprintf(kpeer, sizeof(kpeer), "peer_%c", side);
	snprintf(ksrtp, sizeof(ksrtp), "srtp_%c", side);
	name = arg_str(args, kif);
	p = arg_str(args, kpeer);
	if (!name || !p) {
		snprintf(err, errlen, "missing \"%s\" or \"%s\"", kif, kpeer);
		return -1;
	}
	*iface = config_iface_find(&r->cfg, name);
	if (*iface < 0) {
		snprintf(err, errlen, "unknown interface \"%s\"", name);
		return -1;
	}
	if (sockaddr_parse(p, peer) || peer->sin_addr.s_addr == INADDR_ANY) {
		snprintf(err, errlen, "peer \"%s\" is not IPv4:PORT", p);
		return -1;
	}
	if (json_object_object_get_ex(args, ksrtp, NULL)) {
		snprintf(err, errlen, "%s: SRTP legs are not supported by this version", ksrtp);
		return -1;
	}
	return 0;
}

static int cmd_session_add(void *ctx, struct json_object *args, struct json_object **res,
			   char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct leg_view zero[2] = { 0 };
	struct sockaddr_in pa, pb;
	struct session *s;
	int ia, ib;

	if (arg_leg(r, args, 'a', &ia, &pa, err, errlen) ||
	    arg_leg(r, args, 'b', &ib, &pb, err, errlen))
		return -1;
	if (session_create(r, ia, &pa, ib, &pb, &s, err, errlen))
		return -1;
	r->totals.created++;
	daemon_state_changed(r);
	/* Nothing is counted yet: no map reads (session.add runs in batches
	 * of thousands). */
	*res = session_json_of(r, s, zero, mono_ns());
	return 0;
}

static int cmd_session_list(void *ctx, struct json_object *args, struct json_object **res,
			    char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct json_object *arr = json_object_new_array();

	for (struct session *s = r->first; s; s = s->next)
		json_object_array_add(arr, session_json(r, s));
	*res = json_object_new_object();
	json_object_object_add(*res, "sessions", arr);
	return 0;
}

static int cmd_session_show(void *ctx, struct json_object *args, struct json_object **res,
			    char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct session *s;

	if (arg_session(r, args, &s, err, errlen))
		return -1;
	*res = session_json(r, s);
	return 0;
}

static int cmd_session_del(void *ctx, struct json_object *args, struct json_object **res,
			   char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct session *s;

	if (arg_session(r, args, &s, err, errlen))
		return -1;
	*res = session_json(r, s);
	session_destroy(r, s);
	r->totals.deleted++;
	daemon_state_changed(r);
	return 0;
}

/* Puts a session on hold (hold_timeout applies) or takes it off. SIP will
 * set this from the SDP direction; operators and tests can set it here. */
static int cmd_session_hold(void *ctx, struct json_object *args, struct json_object **res,
			    char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct json_object *v;
	struct session *s;

	if (arg_session(r, args, &s, err, errlen))
		return -1;
	if (!json_object_object_get_ex(args, "hold", &v) || !json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "missing \"hold\" (true or false)");
		return -1;
	}
	s->hold = json_object_get_boolean(v);
	*res = session_json(r, s);
	return 0;
}

unsigned ports_free(struct rtpe *r)
{
	unsigned n = 0;

	for (int i = 0; i < r->n_ifaces; i++)
		n += port_pool_avail(r->ifaces[i].ports);
	return n;
}

static int cmd_status(void *ctx, struct json_object *args, struct json_object **res,
		      char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct json_object *o = json_object_new_object(), *ifs = json_object_new_array();
	char ip[INET_ADDRSTRLEN];

	json_object_object_add(o, "version", json_object_new_string(RTPE_VERSION));
	json_object_object_add(o, "uptime_s",
			       json_object_new_uint64((mono_ns() - r->start_ns) / 1000000000ull));
	json_object_object_add(o, "xdp_mode", json_object_new_string(xdp_mode_name(r->cfg.xdp_mode)));
	json_object_object_add(o, "sessions", json_object_new_uint64(r->n_sessions));
	json_object_object_add(o, "calls", json_object_new_int(0));
	json_object_object_add(o, "max_sessions", json_object_new_uint64(r->cfg.max_sessions));
	json_object_object_add(o, "ports_free", json_object_new_uint64(ports_free(r)));
	for (int i = 0; i < r->n_ifaces; i++) {
		struct json_object *j = json_object_new_object();
		const struct relay_iface *ifc = &r->ifaces[i];

		inet_ntop(AF_INET, &ifc->cfg.address, ip, sizeof(ip));
		json_object_object_add(j, "name", json_object_new_string(ifc->cfg.name));
		json_object_object_add(j, "device", json_object_new_string(ifc->cfg.device));
		json_object_object_add(j, "ifindex", json_object_new_int(ifc->ifindex));
		json_object_object_add(j, "address", json_object_new_string(ip));
		json_object_object_add(j, "xdp", json_object_new_string(xdp_attach_name(ifc->xdp)));
		json_object_object_add(j, "forwarding", json_object_new_boolean(ifc->forwarding));
		json_object_object_add(j, "ports_free",
				       json_object_new_uint64(port_pool_avail(ifc->ports)));
		json_object_array_add(ifs, j);
	}
	json_object_object_add(o, "interfaces", ifs);
	*res = o;
	return 0;
}

/* Packets and bytes per path: userspace from the daemon's own counts,
 * XDP from the verdict map (tx + redirect). */
static void totals_json(struct rtpe *r, struct json_object *o, const struct rtpe_counter *v)
{
	struct json_object *pk = json_object_new_object(), *by = json_object_new_object();

	for (int p = RTPE_PATH_XDP; p < RTPE_PATH_MAX; p++) {
		uint64_t n = r->totals.packets[p], b = r->totals.bytes[p];

		if (p == RTPE_PATH_XDP && v) {
			n = v[RTPE_V_TX].packets + v[RTPE_V_REDIRECT].packets;
			b = v[RTPE_V_TX].bytes + v[RTPE_V_REDIRECT].bytes;
		}
		json_object_object_add(pk, path_name(p), json_object_new_uint64(n));
		json_object_object_add(by, path_name(p), json_object_new_uint64(b));
	}
	json_object_object_add(o, "packets", pk);
	json_object_object_add(o, "bytes", by);
}

static int cmd_stats(void *ctx, struct json_object *args, struct json_object **res,
		     char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct rtpe_counter v[RTPE_V_MAX];
	bool have = r->xdp && !xdp_verdicts_read(r->xdp, v);

	json_object_object_add(o, "sessions_active", json_object_new_uint64(r->n_sessions));
	json_object_object_add(o, "calls_active", json_object_new_int(0));
	json_object_object_add(o, "ports_free", json_object_new_uint64(ports_free(r)));
	totals_json(r, o, have ? v : NULL);
	json_object_object_add(o, "userspace_drops", json_object_new_uint64(r->totals.us_drops));
	for (int i = 0; have && i < RTPE_V_MAX; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "verdict", json_object_new_string(verdict_labels[i].verdict));
		json_object_object_add(j, "reason", json_object_new_string(verdict_labels[i].reason));
		json_object_object_add(j, "packets", json_object_new_uint64(v[i].packets));
		json_object_object_add(j, "bytes", json_object_new_uint64(v[i].bytes));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "xdp_verdicts", arr);
	*res = o;
	return 0;
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
	struct json_object *v;

	r->remove_on_exit = json_object_object_get_ex(args, "remove", &v) &&
			    json_object_get_boolean(v);
	daemon_stop(r);
	*res = json_object_new_object();
	json_object_object_add(*res, "message",
			       json_object_new_string(r->remove_on_exit ?
				       "stopping; removing XDP, maps and sessions" :
				       "stopping; XDP keeps relaying until the next start"));
	return 0;
}

const struct ctl_command rtpe_commands[] = {
	{ "status", cmd_status },
	{ "session.add", cmd_session_add },
	{ "session.list", cmd_session_list },
	{ "session.show", cmd_session_show },
	{ "session.del", cmd_session_del },
	{ "session.hold", cmd_session_hold },
	{ "stats", cmd_stats },
	{ "reload", cmd_reload },
	{ "shutdown", cmd_shutdown },
	{ NULL, NULL },
};
