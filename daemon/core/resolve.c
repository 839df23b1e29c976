// SPDX-License-Identifier: GPL-2.0
/*
 * resolve.c - owns the resolver thread and its table of names (resolve.h):
 * the config's hostnames, each with its last good answer, when it is due
 * again (the smallest TTL of its records, at least 1 s, at most an hour;
 * after a failure 2 s, doubling up to a minute) and its failures. The
 * thread sleeps until the next name is due or the config changes, looks
 * one name up at a time without the mutex (resolve_dns.c), and publishes
 * the answer: a change of addresses bumps the generation and writes the
 * eventfd the loop thread watches.
 */
#include "core/resolve_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/eventfd.h>

#include "core/clock.h"
#include "core/log.h"

#define RS_MAX_NAMES (CFG_MAX_REGIONS * CFG_MAX_SBC + CFG_MAX_TRUNKS)
#define NS_PER_S 1000000000ull
#define TTL_MIN_S 1
#define TTL_MAX_S 3600
#define RETRY_MIN_S 2
#define RETRY_MAX_S 60

struct rs_entry {
	struct rs_key k;
	struct rs_result r;
	uint64_t next_ns;         /* due again (0: at once) */
	unsigned backoff_s;       /* after a failure */
	bool busy;                /* the thread is looking it up */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	bool running, stop, cv_ok;
	struct rs_entry e[RS_MAX_NAMES];
	int n;
	struct in_addr ns;        /* 0.0.0.0: /etc/resolv.conf */
	uint16_t ns_port;
	int efd;
	uint64_t gen, failures;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .efd = -1 };

static bool key_eq(const struct rs_key *a, const char *host, uint16_t port, const char *tr)
{
	return !strcasecmp(a->host, host) && a->port == port && !strcmp(a->transport, tr);
}

/* Under the mutex: the entry of a name, or NULL. */
static struct rs_entry *find(const char *host, uint16_t port, const char *tr)
{
	for (int i = 0; i < R.n; i++)
		if (key_eq(&R.e[i].k, host, port, tr))
			return &R.e[i];
	return NULL;
}

/* The hostnames cfg names, each once. */
static int keys_of(const struct rtpe_cfg *cfg, struct rs_key *keys)
{
	int n = 0;

	for (int i = 0; i < cfg->n_regions; i++) {
		const struct cfg_region *r = &cfg->regions[i];

		for (int k = 0; k < r->n_sbc; k++) {
			if (!r->sbc_host[k][0])
				continue;
			snprintf(keys[n].host, sizeof(keys[n].host), "%s", r->sbc_host[k]);
			keys[n].port = r->sbc_host_port[k];
			snprintf(keys[n].transport, sizeof(keys[n].transport), "%s", r->transport);
			n++;
		}
	}
	for (int i = 0; i < cfg->n_trunks; i++) {
		const struct cfg_trunk *t = &cfg->trunks[i];

		if (!t->target_host[0])
			continue;
		snprintf(keys[n].host, sizeof(keys[n].host), "%s", t->target_host);
		keys[n].port = t->target_port;
		snprintf(keys[n].transport, sizeof(keys[n].transport), "%s", t->transport);
		n++;
	}
	/* each name once */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (key_eq(&keys[i], keys[j].host, keys[j].port, keys[j].transport))
				keys[j--] = keys[--n];
	return n;
}

void resolve_config(const struct rtpe_cfg *cfg)
{
	static struct rs_key keys[RS_MAX_NAMES];
	static struct rs_entry next[RS_MAX_NAMES];
	int n;

	pthread_mutex_lock(&R.mu);
	n = keys_of(cfg, keys);
	for (int i = 0; i < n; i++) {
		struct rs_entry *old = find(keys[i].host, keys[i].port, keys[i].transport);

		if (old) {
			next[i] = *old;
		} else {
			memset(&next[i], 0, sizeof(next[i]));
			next[i].k = keys[i];
		}
	}
	memcpy(R.e, next, (size_t)n * sizeof(next[0]));
	R.n = n;
	if (R.ns.s_addr != cfg->resolver_addr.s_addr || R.ns_port != cfg->resolver_port)
		for (int i = 0; i < n; i++)
			R.e[i].next_ns = 0; /* another nameserver: ask it at once */
	R.ns = cfg->resolver_addr;
	R.ns_port = cfg->resolver_port ? cfg->resolver_port : 53;
	if (R.cv_ok)
		pthread_cond_signal(&R.cv);
	pthread_mutex_unlock(&R.mu);
}

static void notify(void)
{
	uint64_t one = 1;

	R.gen++;
	if (R.efd >= 0 && write(R.efd, &one, sizeof(one)) < 0)
		log_debug("resolver: cannot wake the loop: %s", strerror(errno));
}

static void describe(const struct rs_result *r, char *buf, size_t size)
{
	size_t len = 0;
	char a[INET_ADDRSTRLEN];

	buf[0] = '\0';
	for (int i = 0; i < r->n && len < size; i++) {
		inet_ntop(AF_INET, &r->a[i].addr, a, sizeof(a));
		len += (size_t)snprintf(buf + len, size - len, "%s%s:%u (%s)", i ? ", " : "", a,
					r->a[i].port, r->a[i].source == RS_SRC_SRV ? "SRV" : "A");
	}
}

static bool same_addresses(const struct rs_result *a, const struct rs_result *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->a[i].addr.s_addr != b->a[i].addr.s_addr || a->a[i].port != b->a[i].port ||
		    a->a[i].source != b->a[i].source)
			return false;
	return true;
}

/* Under the mutex: a good answer. */
static void answered(struct rs_entry *e, const struct rs_result *fresh, uint64_t now)
{
	bool changed = !e->r.resolved || !same_addresses(&e->r, fresh);
	uint64_t ttl = TTL_MAX_S * NS_PER_S, failures = e->r.failures;
	char list[400];

	e->r = *fresh;
	e->r.resolved = true;
	e->r.at_ns = now;
	e->r.failures = failures;
	e->r.error[0] = '\0';
	e->backoff_s = 0;
	for (int i = 0; i < fresh->n; i++) {
		uint64_t left = fresh->a[i].expires_ns > now ? fresh->a[i].expires_ns - now : 0;

		if (left < ttl)
			ttl = left;
	}
	if (ttl < TTL_MIN_S * NS_PER_S)
		ttl = TTL_MIN_S * NS_PER_S;
	e->next_ns = now + ttl;
	if (!changed)
		return;
	describe(&e->r, list, sizeof(list));
	log_info("resolver: %s (%s%s): %s", e->k.host, e->k.port ? "A" : rs_service(e->k.transport),
		 e->k.port ? "" : ", then A", list);
	notify();
}

/* Under the mutex: a refresh that failed keeps the last answer. */
static void failed(struct rs_entry *e, const char *err, uint64_t now)
{
	e->r.failures++;
	R.failures++;
	snprintf(e->r.error, sizeof(e->r.error), "%s", err);
	e->backoff_s = e->backoff_s ? e->backoff_s * 2 : RETRY_MIN_S;
	if (e->backoff_s > RETRY_MAX_S)
		e->backoff_s = RETRY_MAX_S;
	e->next_ns = now + e->backoff_s * NS_PER_S;
	if (e->r.resolved)
		log_warn("resolver: %s: refresh failed (%s): keeping the last answer (%d addresses), again in %u s",
			 e->k.host, err, e->r.n, e->backoff_s);
	else
		log_warn("resolver: %s: lookup failed (%s): no address yet, again in %u s",
			 e->k.host, err, e->backoff_s);
}

/* Under the mutex: the entry due first (not being looked up), or -1. */
static int due(void)
{
	int best = -1;

	for (int i = 0; i < R.n; i++)
		if (!R.e[i].busy && (best < 0 || R.e[i].next_ns < R.e[best].next_ns))
			best = i;
	return best;
}

static void wait_until(uint64_t when_ns)
{
	struct timespec ts;

	if (!when_ns) {
		pthread_cond_wait(&R.cv, &R.mu);
		return;
	}
	ts.tv_sec = (time_t)(when_ns / NS_PER_S);
	ts.tv_nsec = (long)(when_ns % NS_PER_S);
	pthread_cond_timedwait(&R.cv, &R.mu, &ts);
}

static void *rs_main(void *arg)
{
	pthread_mutex_lock(&R.mu);
	while (!R.stop) {
		int i = due(), rc;
		uint64_t now = mono_ns();
		struct rs_key k;
		struct in_addr ns;
		uint16_t port;
		struct rs_result fresh;
		struct rs_entry *e;
		char err[sizeof(fresh.error)];

		if (i < 0 || R.e[i].next_ns > now) {
			wait_until(i < 0 ? 0 : R.e[i].next_ns);
			continue;
		}
		k = R.e[i].k;
		ns = R.ns;
		port = R.ns_port;
		R.e[i].busy = true;
		pthread_mutex_unlock(&R.mu);
		rc = rs_lookup(&k, ns, port, &fresh, err, sizeof(err));
		pthread_mutex_lock(&R.mu);
		if (R.stop)
			break; /* resolve_stop may have gone on without us */
		e = find(k.host, k.port, k.transport);
		if (!e)
			continue; /* the config dropped it meanwhile */
		e->busy = false;
		if (rc)
			failed(e, err, mono_ns());
		else
			answered(e, &fresh, mono_ns());
	}
	pthread_mutex_unlock(&R.mu);
	return NULL;
}

int resolve_start(const struct rtpe_cfg *cfg)
{
	pthread_condattr_t ca;
	int e;

	if (R.running) { /* one per process: a second start takes the new config */
		resolve_config(cfg);
		return 0;
	}
	R.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (R.efd < 0)
		return -errno;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&R.cv, &ca);
	pthread_condattr_destroy(&ca);
	R.cv_ok = true;
	R.stop = false;
	R.n = 0;
	resolve_config(cfg);
	e = pthread_create(&R.th, NULL, rs_main, NULL);
	if (e) {
		close(R.efd);
		R.efd = -1;
		pthread_cond_destroy(&R.cv);
		R.cv_ok = false;
		return -e;
	}
	R.running = true;
	return 0;
}

/* Joins the thread within ms. 0, or -ETIMEDOUT. */
static int timed_join(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return -pthread_timedjoin_np(R.th, NULL, &ts);
}

void resolve_stop(void)
{
	if (!R.running)
		return;
	pthread_mutex_lock(&R.mu);
	R.stop = true;
	pthread_cond_signal(&R.cv);
	pthread_mutex_unlock(&R.mu);
	if (timed_join(1000)) {
		/* a lookup towards a dead nameserver: its timeouts (a few s) need
		 * not hold the stop; the thread leaves without touching R */
		log_info("resolver: a lookup in progress is left to end on its own");
		pthread_detach(R.th);
	} else {
		pthread_cond_destroy(&R.cv);
		R.cv_ok = false;
	}
	close(R.efd);
	R.efd = -1;
	R.n = 0;
	R.running = false;
}

void resolve_settle(unsigned ms)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000ull;
	bool all;

	do {
		pthread_mutex_lock(&R.mu);
		all = true;
		for (int i = 0; i < R.n; i++)
			all &= R.e[i].r.resolved || R.e[i].r.failures > 0;
		pthread_mutex_unlock(&R.mu);
		if (all)
			return;
		usleep(10000);
	} while (mono_ns() < end);
}

int resolve_fd(void)
{
	return R.efd;
}

uint64_t resolve_generation(void)
{
	uint64_t g;

	pthread_mutex_lock(&R.mu);
	g = R.gen;
	pthread_mutex_unlock(&R.mu);
	return g;
}

uint64_t resolve_failures(void)
{
	uint64_t f;

	pthread_mutex_lock(&R.mu);
	f = R.failures;
	pthread_mutex_unlock(&R.mu);
	return f;
}

int resolve_get(const char *host, uint16_t port, const char *transport, struct rs_result *out)
{
	struct rs_entry *e;

	pthread_mutex_lock(&R.mu);
	e = find(host, port, transport);
	if (e)
		*out = e->r;
	pthread_mutex_unlock(&R.mu);
	if (!e)
		memset(out, 0, sizeof(*out));
	return e ? 0 : -ENOENT;
}
