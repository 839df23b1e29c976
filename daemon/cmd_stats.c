// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_stats.c - the daemon's figures as control commands (docs/CONTROL.md):
 * status (version, uptime, XDP mode, sessions, calls, the interfaces with
 * their XDP attachment and free ports) and stats (packets and bytes per
 * path, XDP verdicts, SRTP failures, the relay workers, the SIP proxy's
 * counters). Small results: built as json-c objects.
 */
#include "cmd_stats.h"

#include <arpa/inet.h>
#include <stdint.h>

#include "core/names.h"
#include "daemon.h"
#include "media/ports.h"
#include "media/punt.h"
#include "media/relay_xsk.h"
#include "media/session.h"
#include "media/worker.h"
#include "rtpe.h"
#include "sip/sip_proxy.h"
#include "xdp/xdp.h"

int cmd_status(void *ctx, struct json_object *args, struct json_object **res,
	       char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct json_object *o = json_object_new_object(), *ifs = json_object_new_array();
	char ip[INET_ADDRSTRLEN];
	struct sip_stats sst;

	json_object_object_add(o, "version", json_object_new_string(RTPE_VERSION));
	json_object_object_add(o, "uptime_s",
			       json_object_new_uint64((mono_ns() - r->start_ns) / 1000000000ull));
	json_object_object_add(o, "xdp_mode", json_object_new_string(xdp_mode_name(r->cfg.xdp_mode)));
	json_object_object_add(o, "sessions", json_object_new_uint64(r->m.n_sessions));
	sip_stats_read(r->sip, &sst);
	json_object_object_add(o, "calls", json_object_new_uint64(sst.calls_active));
	json_object_object_add(o, "max_sessions", json_object_new_uint64(r->cfg.max_sessions));
	json_object_object_add(o, "ports_free", json_object_new_uint64(sessions_ports_free(&r->m)));
	for (int i = 0; i < r->m.n_ifaces; i++) {
		struct json_object *j = json_object_new_object();
		const struct relay_iface *ifc = &r->m.ifaces[i];
		const struct xdp_iface *xif = &r->m.xif[i];

		inet_ntop(AF_INET, &ifc->cfg.address, ip, sizeof(ip));
		json_object_object_add(j, "name", json_object_new_string(ifc->cfg.name));
		json_object_object_add(j, "device", json_object_new_string(ifc->cfg.device));
		json_object_object_add(j, "ifindex", json_object_new_int(xif->ifindex));
		json_object_object_add(j, "address", json_object_new_string(ip));
		json_object_object_add(j, "xdp", json_object_new_string(xdp_attach_name(xif->attach)));
		json_object_object_add(j, "forwarding", json_object_new_boolean(xif->forwarding));
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
static void totals_json(const struct rtpe_totals *t, struct json_object *o,
			const struct rtpe_counter *v)
{
	struct json_object *pk = json_object_new_object(), *by = json_object_new_object();

	for (int p = RTPE_PATH_XDP; p < RTPE_PATH_MAX; p++) {
		uint64_t n = t->packets[p], b = t->bytes[p];

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

/* An object of counters named by labels (the metrics' label values). */
static struct json_object *counters_json(const char *const *labels, const uint64_t *v, int n)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; i < n; i++)
		json_object_object_add(o, labels[i], json_object_new_uint64(v[i]));
	return o;
}

/* The SIP proxy's counters, as the metrics name them. */
static struct json_object *sip_json(const struct sip_stats *st)
{
	static const char *const classes[6] = { "6xx", "1xx", "2xx", "3xx", "4xx", "5xx" };
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "requests", counters_json(sip_method_labels, st->requests,
							    SIP_N_METHODS));
	json_object_object_add(o, "responses", counters_json(classes, st->responses, 6));
	json_object_object_add(o, "calls", counters_json(sip_result_labels, st->calls,
							 SIP_N_RESULTS));
	json_object_object_add(o, "calls_ended", counters_json(sip_end_labels, st->ended,
							       SIP_N_ENDS));
	json_object_object_add(o, "forbidden", json_object_new_uint64(st->forbidden));
	json_object_object_add(o, "tls_failures", json_object_new_uint64(st->tls_failures));
	json_object_object_add(o, "rejected", counters_json(sip_reject_labels, st->rejected,
							    SIP_N_REJECTS));
	return o;
}

/* SRTP/SRTCP packets refused from peers, by reason (rtpedge_srtp_failures_total). */
static struct json_object *srtp_failures_json(const struct rtpe_totals *t)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; i < SCTX_FAIL_MAX; i++)
		json_object_object_add(o, sctx_fail_names[i],
				       json_object_new_uint64(t->srtp_fails[i]));
	return o;
}

/* What each relay worker relayed (all paths) and the sessions it holds. */
static struct json_object *workers_json(struct rtpe *r)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < workers_count(&r->m); i++) {
		struct json_object *j = json_object_new_object();
		uint64_t pk, by, ns;

		worker_figures(&r->m, i, &pk, &by, &ns);
		json_object_object_add(j, "packets", json_object_new_uint64(pk));
		json_object_object_add(j, "bytes", json_object_new_uint64(by));
		json_object_object_add(j, "sessions", json_object_new_uint64(ns));
		json_object_array_add(a, j);
	}
	return a;
}

/* The relay's AF_XDP side (media/relay_xsk.h). */
static struct json_object *afxdp_json(const struct media *m)
{
	uint64_t kernel = relay_xsk_dropped(m, false), no_leg = relay_xsk_dropped(m, true);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "sockets", json_object_new_int(relay_xsk_sockets(m)));
	json_object_object_add(o, "dropped", json_object_new_uint64(kernel + no_leg));
	json_object_object_add(o, "dropped_no_leg", json_object_new_uint64(no_leg));
	json_object_object_add(o, "sent_direct", json_object_new_uint64(relay_xsk_sent(m, true)));
	json_object_object_add(o, "sent_routed", json_object_new_uint64(relay_xsk_sent(m, false)));
	return o;
}

int cmd_stats(void *ctx, struct json_object *args, struct json_object **res,
	      char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct rtpe_counter v[RTPE_V_MAX];
	bool have = r->m.xdp && !xdp_verdicts_read(r->m.xdp, v);
	struct sip_stats sst;
	struct rtpe_totals t;

	media_totals(&r->m, &t);
	json_object_object_add(o, "sessions_active", json_object_new_uint64(r->m.n_sessions));
	sip_stats_read(r->sip, &sst);
	json_object_object_add(o, "calls_active", json_object_new_uint64(sst.calls_active));
	json_object_object_add(o, "ports_free", json_object_new_uint64(sessions_ports_free(&r->m)));
	totals_json(&t, o, have ? v : NULL);
	json_object_object_add(o, "userspace_drops", json_object_new_uint64(t.us_drops));
	json_object_object_add(o, "srtp_failures", srtp_failures_json(&t));
	json_object_object_add(o, "workers", workers_json(r));
	json_object_object_add(o, "punt_lost", json_object_new_uint64(punt_lost(&r->m)));
	json_object_object_add(o, "afxdp", afxdp_json(&r->m));
	for (int i = 0; have && i < RTPE_V_MAX; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "verdict", json_object_new_string(verdict_labels[i].verdict));
		json_object_object_add(j, "reason", json_object_new_string(verdict_labels[i].reason));
		json_object_object_add(j, "packets", json_object_new_uint64(v[i].packets));
		json_object_object_add(j, "bytes", json_object_new_uint64(v[i].bytes));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "xdp_verdicts", arr);
	if (r->sip)
		json_object_object_add(o, "sip", sip_json(&sst));
	*res = o;
	return 0;
}
