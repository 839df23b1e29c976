// SPDX-License-Identifier: GPL-2.0
/*
 * sip_thread.c - owns the SIP thread: sofia's reactor and nta agent on the
 * [sip] listen addresses (UDP and TCP) with the default leg without
 * dialogs that every request comes to (sip_proxy.c), the queue's end in
 * the reactor (media answers, timeouts, reloaded configs, stop), sofia's
 * log lines, and the counters the metrics read.
 *
 * sip_start starts the thread and waits until it reports whether its
 * transports came up; the thread then runs until the loop sends
 * SIP_M_STOP through the queue.
 */
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

#include "core/log.h"
#include "sip/sip_tls.h"

#define SIP_X_NAME(n) #n,
const char *const sip_method_labels[SIP_N_METHODS] = { SIP_METHODS(SIP_X_NAME) };
const char *const sip_result_labels[SIP_N_RESULTS] = { SIP_RESULTS(SIP_X_NAME) };
const char *const sip_end_labels[SIP_N_ENDS] = { SIP_ENDS(SIP_X_NAME) };
const char *const sip_reject_labels[SIP_N_REJECTS] = { SIP_REJECTS(SIP_X_NAME) };
#undef SIP_X_NAME

void sip_count(uint64_t *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

void sip_count_response(struct sip *sp, int status)
{
	if (status >= 100 && status < 700)
		sip_count(&sp->st.responses[(status / 100) % 6]);
}

/* ---- the queue from the loop ------------------------------------------------------ */

static void on_loop_message(struct sip *sp, struct sip_mreq *r)
{
	switch (r->op) {
	case SIP_M_TIMEOUT:
		dialog_timeout(sp, r->id, r->text); /* BYE both ways */
		free(r->text);
		free(r);
		break;
	case SIP_M_CONFIG:
		sip_tls_reload_note(sp->cfg, r->cfg);
		pthread_mutex_lock(&sp->health.mu); /* `regions` reads the config under it */
		free(sp->cfg);
		sp->cfg = r->cfg;
		pthread_mutex_unlock(&sp->health.mu);
		free(r);
		health_sync(sp);
		log_info("sip: new calls route by the reloaded config");
		break;
	case SIP_M_STOP:
		free(r);
		su_root_break(sp->root);
		break;
	default:
		r->done(r); /* a media request back: its step goes on */
		break;
	}
}

static int on_queue(struct sip *sp, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct sip_mreq *r = sip_queue_take(&sp->q), *next;

	for (; r; r = next) {
		next = r->next;
		on_loop_message(sp, r);
	}
	return 0;
}

/* ---- the thread ------------------------------------------------------------------- */

/* sofia's log lines (one call may carry part of a line) into the daemon's. */
__attribute__((format(printf, 2, 0)))
static void sofia_log(void *stream, char const *fmt, va_list ap)
{
	static __thread char line[1024];
	static __thread size_t n;
	int k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);

	n = k < 0 ? n : n + (size_t)k >= sizeof(line) ? sizeof(line) - 1 : n + (size_t)k;
	if (n && line[n - 1] != '\n' && n < sizeof(line) - 1)
		return;
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n)
		log_msg(LOG_LVL_INFO, "sofia: %s", line);
	n = 0;
}

/*
 * The TLS transport on url: its material from the directory sip_tls.c
 * builds; the certificate of a peer the relay connects to (an SBC) must
 * chain to the CAs (tls_ca) and be in date unless tls_verify = no. Peers
 * that connect to the relay are not asked for one (their address is
 * checked, as on UDP and TCP). 0, or -1 with start_msg.
 */
static int tls_up(struct sip *sp, const char *url)
{
	const struct rtpe_cfg *c = sp->cfg;
	char dir[256], msg[sizeof(sp->start_msg)];

	if (sip_tls_prepare(c, dir, sizeof(dir), msg, sizeof(msg)))
		return snprintf(sp->start_msg, sizeof(sp->start_msg), "%s", msg), -1;
	if (nta_agent_add_tport(sp->agent, URL_STRING_MAKE(url), TPTAG_CERTIFICATE(dir),
				TPTAG_TLS_VERSION(0),
				TPTAG_TLS_VERIFY_POLICY(c->tls_verify ? TPTLS_VERIFY_OUTGOING :
									TPTLS_VERIFY_NONE),
				TPTAG_TLS_VERIFY_DEPTH(8), TPTAG_TLS_VERIFY_DATE(1), TAG_END()) < 0)
		return snprintf(sp->start_msg, sizeof(sp->start_msg),
				"[sip] listen tls:%s: cannot listen: %s", url + 5, strerror(errno)), -1;
	if (!c->tls_verify)
		log_warn("sip: tls_verify = no: the certificates of TLS peers are not verified (unsafe)");
	return 0;
}

/*
 * A UDP listen socket's buffers, both ways (udp_buffer_kb; sofia uses
 * SO_RCVBUFFORCE/SO_SNDBUFFORCE, else the kernel caps them at
 * net.core.rmem_max/wmem_max). The kernel's default (208 KiB) holds only
 * some 50-90 messages once each is charged at its true size (a veth with
 * XDP charges a page): a burst of INVITEs overflowed the receive side
 * (RcvbufErrors: lost, retransmitted 500 ms later), and messages waiting
 * below the socket (a device queue, a peer's softirq late on a loaded
 * host) filled the send side, where sendmsg's EAGAIN is a failed send for
 * sofia's tport: nta answered every request sent meanwhile with its own
 * 503 at once, and every response with 500. One socket serves both sides,
 * so a queue towards the callee failed the caller's responses too. (TCP
 * listeners ignore the two tags.) A request whose first send still fails
 * is sent again (sip_fwd.c). IP_RECVERR, which sofia turns on, stays: it
 * makes a device queue's drop (ENOBUFS) a failed send too, but also
 * reports ICMP errors, failing a request to a closed port at once.
 */
static int agent_up(struct sip *sp)
{
	const struct rtpe_cfg *c = sp->cfg;
	char url[96], ip[INET_ADDRSTRLEN];
	unsigned buf = c->sip_udp_buffer_kb * 1024u; /* at most 1 GiB (config_keys.c); 0: the kernel's */

	sp->agent = nta_agent_create(sp->root, (url_string_t *)-1 /* no transport yet */, NULL, NULL, NTATAG_UA(0),
				     NTATAG_CANCEL_487(0), NTATAG_SERVER_RPORT(1),
				     NTATAG_CLIENT_RPORT(1), NTATAG_MAXSIZE(65536), TAG_END());
	if (!sp->agent)
		return snprintf(sp->start_msg, sizeof(sp->start_msg),
				"sip: cannot create the SIP agent: %s", strerror(errno)), -1;
	for (int i = 0; i < c->n_sip_listen; i++) {
		const struct cfg_endpoint *e = &c->sip_listen[i];

		inet_ntop(AF_INET, &e->addr, ip, sizeof(ip));
		if (!strcmp(e->transport, "tls")) {
			/* nta binds TLS for sips: URIs only (transport=tls alone finds
			 * no transport to bind); requests go out on it to either form */
			snprintf(url, sizeof(url), "sips:%s:%u", ip, e->port);
			if (tls_up(sp, url))
				return -1;
			continue;
		}
		snprintf(url, sizeof(url), "sip:%s:%u;transport=%s", ip, e->port, e->transport);
		if (nta_agent_add_tport(sp->agent, URL_STRING_MAKE(url), TPTAG_UDP_RMEM(buf),
					TPTAG_UDP_WMEM(buf), TAG_END()) < 0)
			return snprintf(sp->start_msg, sizeof(sp->start_msg),
					"[sip] listen %s:%s:%u: cannot listen: %s", e->transport, ip,
					e->port, strerror(errno)), -1;
	}
	sp->leg = nta_leg_tcreate(sp->agent, sip_on_request, sp, NTATAG_NO_DIALOG(1), TAG_END());
	if (!sp->leg)
		return snprintf(sp->start_msg, sizeof(sp->start_msg), "sip: no default leg"), -1;
	return 0;
}

static void *sip_main(void *arg)
{
	struct sip *sp = arg;

	su_home_init(sp->home);
	sp->root = su_root_create(sp);
	sp->wait_index = -1;
	if (!sp->root) {
		snprintf(sp->start_msg, sizeof(sp->start_msg), "sip: cannot create the reactor");
		sp->start_err = -ENOMEM;
	} else if (su_wait_create(sp->wait, sp->q.sip_fd, SU_WAIT_IN) ||
		   (sp->wait_index = su_root_register(sp->root, sp->wait, on_queue, NULL, 0)) < 0) {
		snprintf(sp->start_msg, sizeof(sp->start_msg), "sip: cannot watch the queue");
		sp->start_err = -ENOMEM;
	} else if (agent_up(sp)) {
		sp->start_err = -EADDRNOTAVAIL;
	} else if (health_start(sp)) {
		snprintf(sp->start_msg, sizeof(sp->start_msg), "sip: cannot start the OPTIONS timer");
		sp->start_err = -ENOMEM;
	}
	sem_post(&sp->started);
	if (!sp->start_err)
		su_root_run(sp->root);
	health_stop(sp);
	calls_fini(sp);
	if (sp->leg)
		nta_leg_destroy(sp->leg);
	if (sp->agent)
		nta_agent_destroy(sp->agent);
	if (sp->root) {
		if (sp->wait_index >= 0)
			su_root_deregister(sp->root, sp->wait_index);
		su_root_destroy(sp->root);
	}
	su_home_deinit(sp->home);
	return NULL;
}

struct sip *sip_start(const struct rtpe_cfg *cfg, struct loop *loop, struct media *m,
		      char *err, size_t errlen)
{
	struct sip *sp = calloc(1, sizeof(*sp));
	int e;

	if (!sp || !(sp->cfg = malloc(sizeof(*cfg)))) {
		free(sp);
		snprintf(err, errlen, "sip: out of memory");
		return NULL;
	}
	memcpy(sp->cfg, cfg, sizeof(*cfg));
	sip_rr_key_start(cfg->state_file); /* signs the Record-Route */
	su_init();
	su_log_redirect(NULL, sofia_log, NULL);
	su_log_set_level(NULL, log_get_level() >= LOG_LVL_DEBUG ? 3 : 1);
	pthread_mutex_init(&sp->health.mu, NULL);
	if ((e = sip_queue_init(&sp->q, loop, m)) || (e = calls_init(&sp->calls))) {
		snprintf(err, errlen, "sip: queue: %s", strerror(-e));
		goto fail;
	}
	sem_init(&sp->started, 0, 0);
	e = pthread_create(&sp->thread, NULL, sip_main, sp);
	if (e) {
		snprintf(err, errlen, "sip: cannot start its thread: %s", strerror(e));
		goto fail;
	}
	sem_wait(&sp->started);
	if (sp->start_err) {
		pthread_join(sp->thread, NULL);
		snprintf(err, errlen, "%s", sp->start_msg);
		goto fail;
	}
	for (int i = 0; i < cfg->n_sip_listen; i++)
		log_info("sip: listening on %s:%s:%u", cfg->sip_listen[i].transport,
			 inet_ntoa(cfg->sip_listen[i].addr), cfg->sip_listen[i].port);
	return sp;
fail:
	sip_queue_fini(&sp->q);
	free(sp->calls.htab);
	free(sp->cfg);
	free(sp);
	su_deinit();
	return NULL;
}

void sip_stop(struct sip *sp)
{
	struct sip_mreq *r;

	if (!sp)
		return;
	r = calloc(1, sizeof(*r));
	if (r) {
		r->op = SIP_M_STOP;
		sip_queue_to_sip(&sp->q, r);
	}
	pthread_join(sp->thread, NULL);
	sip_queue_fini(&sp->q);
	pthread_mutex_destroy(&sp->calls.mu);
	pthread_mutex_destroy(&sp->health.mu);
	free(sp->calls.htab);
	free(sp->cfg);
	free(sp);
	su_deinit();
}

void sip_reload(struct sip *sp, const struct rtpe_cfg *cfg)
{
	struct sip_mreq *r = calloc(1, sizeof(*r));

	if (!sp || !r || !(r->cfg = malloc(sizeof(*cfg)))) {
		free(r);
		log_err("sip: reload: out of memory; new calls keep the old routing");
		return;
	}
	memcpy(r->cfg, cfg, sizeof(*cfg));
	r->op = SIP_M_CONFIG;
	sip_queue_to_sip(&sp->q, r);
}

void sip_session_timeout(struct sip *sp, uint32_t id)
{
	struct sip_mreq *r = calloc(1, sizeof(*r));
	struct session *s;

	if (!sp || !r) {
		free(r);
		return;
	}
	r->op = SIP_M_TIMEOUT;
	r->id = id;
	s = session_find(sp->q.m, id); /* the sweep removes it after this */
	if (s && s->dialog)
		r->text = strdup(s->dialog); /* the dialog, for a call the proxy no longer knows */
	sip_queue_to_sip(&sp->q, r);
}

void sip_stats_read(struct sip *sp, struct sip_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!sp)
		return;
	for (int i = 0; i < SIP_N_METHODS; i++)
		out->requests[i] = __atomic_load_n(&sp->st.requests[i], __ATOMIC_RELAXED);
	for (int i = 0; i < 6; i++)
		out->responses[i] = __atomic_load_n(&sp->st.responses[i], __ATOMIC_RELAXED);
	for (int i = 0; i < SIP_N_RESULTS; i++)
		out->calls[i] = __atomic_load_n(&sp->st.calls[i], __ATOMIC_RELAXED);
	for (int i = 0; i < SIP_N_ENDS; i++)
		out->ended[i] = __atomic_load_n(&sp->st.ended[i], __ATOMIC_RELAXED);
	out->forbidden = __atomic_load_n(&sp->st.forbidden, __ATOMIC_RELAXED);
	out->tls_failures = __atomic_load_n(&sp->st.tls_failures, __ATOMIC_RELAXED);
	for (int i = 0; i < SIP_N_REJECTS; i++)
		out->rejected[i] = __atomic_load_n(&sp->st.rejected[i], __ATOMIC_RELAXED);
	pthread_mutex_lock(&sp->calls.mu);
	out->calls_active = sp->st.calls_active;
	pthread_mutex_unlock(&sp->calls.mu);
}
