// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - owns the Prometheus exposition: what each metric means is
 * written once here (HELP lines) and in docs/OPERATIONS.md. XDP figures come
 * straight from the maps (the per-CPU verdict counters summed), so the
 * daemon never needs to see a forwarded packet to count it; per-session figures are aggregated by the
 * sweep (no series per session).
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <microhttpd.h>

#include "core/names.h"
#include "core/log.h"
#include "core/resolve.h"
#include "media/punt.h"
#include "media/relay_xsk.h"
#include "media/sweep.h"
#include "media/worker.h"
#include "nft/allowlist.h"
#include "sip/sip_proxy.h"
#include "core/loop.h"
#include "xdp/xdp.h"

struct metrics {
	struct MHD_Daemon *d;
	int epfd;
	uint64_t scrapes;
};

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A counter of two series told apart by one label's value. */
static void counter2(FILE *f, const char *name, const char *help, const char *label,
		     const char *a, uint64_t va, const char *b, uint64_t vb)
{
	head(f, name, "counter", help);
	fprintf(f, "%s{%s=\"%s\"} %llu\n", name, label, a, (unsigned long long)va);
	fprintf(f, "%s{%s=\"%s\"} %llu\n", name, label, b, (unsigned long long)vb);
}

static void write_paths(struct rtpe *r, FILE *f, const struct rtpe_counter *v)
{
	struct rtpe_totals t;

	media_totals(&r->m, &t);
	head(f, "rtpedge_packets_total", "counter", "Packets relayed, by the path that relayed them.");
	for (int p = RTPE_PATH_XDP; p < RTPE_PATH_MAX; p++) {
		uint64_t n = p == RTPE_PATH_XDP && v ? v[RTPE_V_TX].packets + v[RTPE_V_REDIRECT].packets
						     : t.packets[p];
		fprintf(f, "rtpedge_packets_total{path=\"%s\"} %llu\n", path_name(p),
			(unsigned long long)n);
	}
	head(f, "rtpedge_bytes_total", "counter",
	     "Bytes relayed by path (XDP: Ethernet frames; userspace: UDP payloads).");
	for (int p = RTPE_PATH_XDP; p < RTPE_PATH_MAX; p++) {
		uint64_t n = p == RTPE_PATH_XDP && v ? v[RTPE_V_TX].bytes + v[RTPE_V_REDIRECT].bytes
						     : t.bytes[p];
		fprintf(f, "rtpedge_bytes_total{path=\"%s\"} %llu\n", path_name(p),
			(unsigned long long)n);
	}
	head(f, "rtpedge_worker_packets_total", "counter",
	     "Packets relayed by each relay worker thread (userspace and SRTP legs).");
	for (int i = 0; i < workers_count(&r->m); i++) {
		uint64_t pk, by, ns;

		worker_figures(&r->m, i, &pk, &by, &ns);
		fprintf(f, "rtpedge_worker_packets_total{worker=\"%d\"} %llu\n", i,
			(unsigned long long)pk);
	}
}

static void write_xdp(struct rtpe *r, FILE *f, const struct rtpe_counter *v)
{
	head(f, "rtpedge_xdp_verdicts_total", "counter",
	     "Packets seen by the XDP program, by verdict and reason.");
	for (int i = 0; v && i < RTPE_V_MAX; i++)
		fprintf(f, "rtpedge_xdp_verdicts_total{verdict=\"%s\",reason=\"%s\"} %llu\n",
			verdict_labels[i].verdict, verdict_labels[i].reason, (unsigned long long)v[i].packets);
	head(f, "rtpedge_xdp_attached", "gauge",
	     "1 for the XDP mode each interface runs in (native, generic, off, failed).");
	for (int i = 0; i < r->m.n_ifaces; i++)
		fprintf(f, "rtpedge_xdp_attached{interface=\"%s\",device=\"%s\",mode=\"%s\"} 1\n",
			r->m.ifaces[i].cfg.name, r->m.ifaces[i].cfg.device,
			xdp_attach_name(r->m.xif[i].attach));
}

static void write_sessions(struct rtpe *r, FILE *f)
{
	const struct rtpe_agg *a = &r->m.agg;
	struct sip_stats sst;
	struct rtpe_totals t;

	media_totals(&r->m, &t);
	head(f, "rtpedge_sessions_active", "gauge", "Sessions in the table.");
	fprintf(f, "rtpedge_sessions_active %u\n", r->m.n_sessions);
	sip_stats_read(r->sip, &sst);
	head(f, "rtpedge_calls_active", "gauge", "SIP calls with anchored media.");
	fprintf(f, "rtpedge_calls_active %llu\n", (unsigned long long)sst.calls_active);
	head(f, "rtpedge_ports_free", "gauge", "Free RTP/RTCP port pairs over all interfaces.");
	fprintf(f, "rtpedge_ports_free %u\n", sessions_ports_free(&r->m));
	head(f, "rtpedge_sessions_max", "gauge", "max_sessions: the size of the session table.");
	fprintf(f, "rtpedge_sessions_max %u\n", r->cfg.max_sessions);
	head(f, "rtpedge_sessions_created_total", "counter", "Sessions created.");
	fprintf(f, "rtpedge_sessions_created_total %llu\n", (unsigned long long)r->m.totals.created);
	head(f, "rtpedge_sessions_timed_out_total", "counter",
	     "Sessions removed because no media flowed for session_timeout (or hold_timeout).");
	fprintf(f, "rtpedge_sessions_timed_out_total %llu\n", (unsigned long long)r->m.totals.timed_out);
	head(f, "rtpedge_legs", "gauge", "Legs by the path relaying them (at the last sweep).");
	for (int p = 0; p < RTPE_PATH_MAX; p++)
		fprintf(f, "rtpedge_legs{path=\"%s\"} %llu\n", path_name(p),
			(unsigned long long)a->legs[p]);
	head(f, "rtpedge_userspace_dropped_packets_total", "counter",
	     "Packets the daemon dropped because they did not come from the leg's peer.");
	fprintf(f, "rtpedge_userspace_dropped_packets_total %llu\n",
		(unsigned long long)t.us_drops);
	head(f, "rtpedge_srtp_failures_total", "counter",
	     "SRTP and SRTCP packets from peers refused and dropped, by reason (auth: tag wrong, "
	     "forged or wrong key; replay: an index seen before or too old; other: not SRTP, "
	     "too short, key lifetime over).");
	for (int i = 0; i < SCTX_FAIL_MAX; i++)
		fprintf(f, "rtpedge_srtp_failures_total{reason=\"%s\"} %llu\n", sctx_fail_names[i],
			(unsigned long long)t.srtp_fails[i]);
	head(f, "rtpedge_punt_lost_total", "counter",
	     "Frames XDP could not hand to the daemon (punt perf buffer full: the daemon fell behind); lost for socket-less legs.");
	fprintf(f, "rtpedge_punt_lost_total %llu\n", (unsigned long long)punt_lost(&r->m));
	head(f, "rtpedge_afxdp_sockets", "gauge",
	     "AF_XDP sockets the legs the daemon relays receive on (0: their own sockets only).");
	fprintf(f, "rtpedge_afxdp_sockets %d\n", relay_xsk_sockets(&r->m));
	counter2(f, "rtpedge_afxdp_dropped_total",
		 "Frames for the AF_XDP sockets lost on the way in: kernel (a ring full, no free "
		 "frame: the relay thread fell behind), no_leg (for no leg the relay holds).",
		 "reason", "kernel", relay_xsk_dropped(&r->m, false), "no_leg",
		 relay_xsk_dropped(&r->m, true));
	counter2(f, "rtpedge_afxdp_sent_packets_total",
		 "Packets the AF_XDP relay sent: direct (whole frames by the FIB's next hop) or "
		 "routed (through the kernel's IP output, when the FIB had no next hop).",
		 "via", "direct", relay_xsk_sent(&r->m, true), "routed", relay_xsk_sent(&r->m, false));
	head(f, "rtpedge_rtp_lost_packets", "gauge",
	     "RTP packets lost (sequence gaps) summed over the active legs.");
	fprintf(f, "rtpedge_rtp_lost_packets %llu\n", (unsigned long long)a->rtp_lost);
	head(f, "rtpedge_rtp_jitter_ms", "histogram",
	     "Interarrival jitter (RFC 3550) of the active legs receiving RTP.");
	for (int b = 0; b < N_JITTER_BUCKETS; b++)
		fprintf(f, "rtpedge_rtp_jitter_ms_bucket{le=\"%u\"} %llu\n", jitter_bounds_ms[b],
			(unsigned long long)a->jitter_le[b]);
	fprintf(f, "rtpedge_rtp_jitter_ms_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)a->rtp_legs);
	fprintf(f, "rtpedge_rtp_jitter_ms_sum %.3f\n", a->jitter_sum_ms);
	fprintf(f, "rtpedge_rtp_jitter_ms_count %llu\n", (unsigned long long)a->rtp_legs);
}

static void sbc_up_line(void *arg, const char *region, struct in_addr addr, uint16_t port,
			bool up)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	fprintf(arg, "rtpedge_sbc_up{region=\"%s\",address=\"%s:%u\"} %d\n", region, a, port,
		up ? 1 : 0);
}

/* The SIP proxy's counters (zero without [sip]). */
static void write_sip(struct rtpe *r, FILE *f)
{
	static const char *const classes[6] = { "6xx", "1xx", "2xx", "3xx", "4xx", "5xx" };
	struct sip_stats st;

	sip_stats_read(r->sip, &st);
	head(f, "rtpedge_sip_requests_total", "counter", "SIP requests received, by method.");
	for (int i = 0; i < SIP_N_METHODS; i++)
		fprintf(f, "rtpedge_sip_requests_total{method=\"%s\"} %llu\n", sip_method_labels[i],
			(unsigned long long)st.requests[i]);
	head(f, "rtpedge_sip_responses_total", "counter",
	     "SIP responses sent upstream (relayed or the proxy's own), by class.");
	for (int i = 1; i <= 6; i++)
		fprintf(f, "rtpedge_sip_responses_total{class=\"%s\"} %llu\n", classes[i % 6],
			(unsigned long long)st.responses[i % 6]);
	head(f, "rtpedge_calls_total", "counter",
	     "Calls by how their INVITE ended: answered, failed (a final error from the far "
	     "side or a timeout), cancelled, refused (by the proxy: source, route, loop, ports).");
	for (int i = 0; i < SIP_N_RESULTS; i++)
		fprintf(f, "rtpedge_calls_total{result=\"%s\"} %llu\n", sip_result_labels[i],
			(unsigned long long)st.calls[i]);
	head(f, "rtpedge_calls_ended_total", "counter",
	     "Answered calls that ended, by why: a BYE, or the proxy's BYE for a media timeout.");
	for (int i = 0; i < SIP_N_ENDS; i++)
		fprintf(f, "rtpedge_calls_ended_total{reason=\"%s\"} %llu\n", sip_end_labels[i],
			(unsigned long long)st.ended[i]);
	head(f, "rtpedge_sip_forbidden_total", "counter",
	     "SIP requests refused (403) because their source is no trunk's and no region's.");
	fprintf(f, "rtpedge_sip_forbidden_total %llu\n", (unsigned long long)st.forbidden);
	head(f, "rtpedge_sip_tls_failures_total", "counter",
	     "Requests the proxy could not send over TLS: the peer's certificate did not verify, the handshake failed, or no connection.");
	fprintf(f, "rtpedge_sip_tls_failures_total %llu\n", (unsigned long long)st.tls_failures);
	head(f, "rtpedge_sip_rejected_total", "counter",
	     "SIP requests from a trunk or region refused (403, an ACK dropped) for what they "
	     "carry: route_signature (a Route naming the proxy that it did not sign).");
	for (int i = 0; i < SIP_N_REJECTS; i++)
		fprintf(f, "rtpedge_sip_rejected_total{reason=\"%s\"} %llu\n", sip_reject_labels[i],
			(unsigned long long)st.rejected[i]);
	head(f, "rtpedge_sbc_up", "gauge",
	     "1 while the SBC address answers its region's OPTIONS pings, 0 once options_down_after went unanswered.");
	sip_sbc_up_read(r->sip, sbc_up_line, f);
	head(f, "rtpedge_dns_failures_total", "counter",
	     "Lookups of the hostnames of sbc and target that failed (the last good answer is kept).");
	fprintf(f, "rtpedge_dns_failures_total %llu\n", (unsigned long long)resolve_failures());
}

/* Read from the kernel at every scrape: the table's own counter. */
static void write_allowlist(struct rtpe *r, FILE *f)
{
	struct nft_counter c = { 0 };
	const struct al_elem *e;
	bool active = r->al && allowlist_active(r->al, NULL);

	if (active)
		allowlist_dropped(r->al, &c);
	head(f, "rtpedge_allowlist_active", "gauge",
	     "1 while rtpedge's nftables table guards the SIP ports (allowlist = yes and a [sip] listen).");
	fprintf(f, "rtpedge_allowlist_active %d\n", active);
	head(f, "rtpedge_allowlist_elements", "gauge",
	     "Addresses and ranges allowed to send SIP: regions, trunks, runtime additions.");
	fprintf(f, "rtpedge_allowlist_elements %d\n", active ? allowlist_elements(r->al, &e) : 0);
	head(f, "rtpedge_allowlist_dropped_packets_total", "counter",
	     "SIP packets from sources outside the allowlist, dropped by rtpedge's nftables table.");
	fprintf(f, "rtpedge_allowlist_dropped_packets_total %llu\n", (unsigned long long)c.packets);
}

void metrics_write(struct rtpe *r, FILE *f)
{
	struct rtpe_counter v[RTPE_V_MAX];
	bool have = r->m.xdp && !xdp_verdicts_read(r->m.xdp, v);

	head(f, "rtpedge_build_info", "gauge", "The running version.");
	fprintf(f, "rtpedge_build_info{version=\"%s\"} 1\n", RTPE_VERSION);
	head(f, "rtpedge_uptime_seconds", "gauge", "Seconds since the daemon started.");
	fprintf(f, "rtpedge_uptime_seconds %llu\n",
		(unsigned long long)((mono_ns() - r->start_ns) / 1000000000ull));
	write_sessions(r, f);
	write_sip(r, f);
	write_paths(r, f, have ? v : NULL);
	write_xdp(r, f, have ? v : NULL);
	write_allowlist(r, f);
	head(f, "rtpedge_sweep_duration_seconds", "gauge",
	     "Time the last once-a-second pass over all sessions took.");
	fprintf(f, "rtpedge_sweep_duration_seconds %.6f\n", (double)r->m.sweep_duty.took_ns / 1e9);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     const char *type)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct rtpe *r = cls;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("only GET\n"), 8, "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, strdup("see /metrics\n"), 13, "text/plain");
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	metrics_write(r, f);
	fclose(f);
	r->metrics->scrapes++;
	return reply(c, MHD_HTTP_OK, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct metrics *m = arg;

	MHD_run(m->d);
}

static void on_tick(struct loop *l, void *arg)
{
	struct metrics *m = arg;

	MHD_run(m->d); /* connection timeouts */
}

int metrics_start(struct rtpe *r, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(r->cfg.metrics_port),
				  .sin_addr = r->cfg.metrics_addr };
	const union MHD_DaemonInfo *info;
	struct metrics *m;
	int e;

	if (!r->cfg.metrics_port)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d = MHD_start_daemon(MHD_USE_EPOLL, r->cfg.metrics_port, NULL, NULL, on_request, r,
				MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_LIMIT, 64u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	info = m->d ? MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		e = errno ? -errno : -EADDRINUSE;
		snprintf(err, errlen, "metrics_listen %s:%u: cannot listen: %s",
			 inet_ntoa(r->cfg.metrics_addr), r->cfg.metrics_port, strerror(-e));
		if (m->d)
			MHD_stop_daemon(m->d);
		free(m);
		return e;
	}
	m->epfd = info->epoll_fd;
	r->metrics = m;
	e = loop_add(r->loop, m->epfd, EPOLLIN, on_ready, m);
	if (!e && (e = loop_every(r->loop, 1000, on_tick, m)) > 0)
		e = 0;
	if (e) {
		snprintf(err, errlen, "metrics: %s", strerror(-e));
		metrics_stop(r);
	}
	return e;
}

void metrics_stop(struct rtpe *r)
{
	struct metrics *m = r->metrics;

	if (!m)
		return;
	loop_del(r->loop, m->epfd);
	MHD_stop_daemon(m->d);
	free(m);
	r->metrics = NULL;
}
