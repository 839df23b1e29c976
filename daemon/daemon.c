// SPDX-License-Identifier: GPL-2.0
/*
 * daemon.c - owns the daemon's lifecycle: start-up in dependency order
 * (interfaces, signals, control socket, SIP allowlist, XDP, sessions, slow
 * path, restored state, sweep, SIP, metrics), reload, stop, and the orderly
 * finish that keeps XDP relaying and the allowlist's table in force (or
 * removes everything on `shutdown --remove`).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "core/config.h"
#include "ctl/ctl.h"
#include "daemon.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/resolve.h"
#include "metrics.h"
#include "media/punt.h"
#include "media/relay_xsk.h"
#include "media/session.h"
#include "state/state.h"
#include "media/sweep.h"
#include "media/worker.h"
#include "nft/allowlist.h"
#include "sip/sip_proxy.h"
#include "srtp/srtp_ctx.h"
#include "xdp/xdp.h"

static bool read_forwarding(const char *dev)
{
	char path[128], c = '0';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", dev);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fread(&c, 1, 1, f) != 1)
		c = '0';
	fclose(f);
	return c == '1';
}

/* Copies the configured interfaces into r and resolves their devices. */
static int ifaces_resolve(struct rtpe *r, char *err, size_t errlen)
{
	r->m.n_ifaces = r->cfg.n_ifaces;
	for (int i = 0; i < r->m.n_ifaces; i++) {
		struct relay_iface *ifc = &r->m.ifaces[i];
		struct xdp_iface *xif = &r->m.xif[i];

		ifc->cfg = r->cfg.ifaces[i];
		xif->ifindex = (int)if_nametoindex(ifc->cfg.device);
		if (!xif->ifindex) {
			snprintf(err, errlen, "[interface %s]: device %s does not exist",
				 ifc->cfg.name, ifc->cfg.device);
			return -ENODEV;
		}
		xif->forwarding = read_forwarding(ifc->cfg.device);
		xif->attach = XDP_ATTACH_OFF;
	}
	return 0;
}

/*
 * XDP legs hold no sockets, so nothing keeps the kernel from handing a
 * media port to another program as an ephemeral port (Linux's default
 * 32768-60999 overlaps the default media range): its replies would then
 * meet a leg in XDP. Warn unless the range is reserved or outside.
 */
static void check_ephemeral(const struct rtpe_cfg *c)
{
	unsigned lo = 0, hi = 0;
	char reserved[4096] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (!f)
		return;
	if (fscanf(f, "%u %u", &lo, &hi) != 2)
		lo = hi = 0;
	fclose(f);
	f = fopen("/proc/sys/net/ipv4/ip_local_reserved_ports", "r");
	if (f) {
		if (!fgets(reserved, sizeof(reserved), f))
			reserved[0] = '\0';
		fclose(f);
	}
	reserved[strcspn(reserved, "\n")] = '\0';
	if (c->xdp_mode == XDP_MODE_OFF || hi < c->port_min || lo > c->port_max ||
	    strstr(reserved, "-") /* an operator reserved ranges: trust them */)
		return;
	log_warn("ephemeral ports %u-%u overlap the media range %u-%u: reserve it with "
		 "sysctl net.ipv4.ip_local_reserved_ports=%u-%u (or move ip_local_port_range)",
		 lo, hi, c->port_min, c->port_max, c->port_min, c->port_max);
}

/* Legs relayed in userspace hold 2 sockets each (XDP legs none): where an
 * interface runs without XDP, make sure the fd limit is no obstacle. */
static void raise_nofile(const struct rtpe *r)
{
	unsigned max_sessions = r->cfg.max_sessions;
	struct rlimit rl;
	rlim_t want = (rlim_t)max_sessions * 4 + 1024;
	bool all_xdp = r->m.xdp != NULL;

	for (int i = 0; i < r->m.n_ifaces; i++)
		all_xdp &= xdp_attached(r->m.xif[i].attach);
	if (all_xdp)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want) {
		struct rlimit up = { want, want };

		if (!setrlimit(RLIMIT_NOFILE, &up)) /* with CAP_SYS_RESOURCE */
			return;
	}
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < want)
		log_warn("open files limit is %llu, below the %llu that max_sessions %u may "
			 "need (LimitNOFILE= in the unit)", (unsigned long long)rl.rlim_cur,
			 (unsigned long long)want, max_sessions);
}

void daemon_stop(struct rtpe *r)
{
	r->stopping = true;
	loop_stop(r->loop);
}

/* The session table's one hook: what it tells goes to the state file, and
 * a timeout to the SIP proxy, which ends the call with BYE both ways. */
static void on_media_event(void *arg, enum media_event ev, const struct session *s)
{
	struct rtpe *r = arg;

	if (ev == MEDIA_UNLINK)
		state_forget(&r->sf, s);
	else if (ev == MEDIA_IDS)
		state_ids_reserve(&r->sf);
	else
		state_mark_dirty(&r->sf);
	if (ev == MEDIA_TIMEOUT && r->sip)
		sip_session_timeout(r->sip, s->id);
}

/* What a running daemon cannot change without a restart. */
static const char *reload_blocker(const struct rtpe_cfg *a, const struct rtpe_cfg *b)
{
	if (a->n_ifaces != b->n_ifaces ||
	    memcmp(a->ifaces, b->ifaces, sizeof(a->ifaces[0]) * (size_t)a->n_ifaces))
		return "interfaces";
	if (a->port_min != b->port_min || a->port_max != b->port_max)
		return "port_min/port_max";
	if (strcmp(a->pin_path, b->pin_path) || a->xdp_mode != b->xdp_mode)
		return "pin_path/xdp_mode";
	if (a->max_sessions != b->max_sessions)
		return "max_sessions";
	if (a->workers != b->workers)
		return "workers";
	if (a->srtp_crypto != b->srtp_crypto || a->afxdp != b->afxdp)
		return "srtp_crypto/afxdp";
	if (strcmp(a->control_socket, b->control_socket))
		return "control_socket";
	if (strcmp(a->control_group, b->control_group) ||
	    strcmp(a->control_ro_group, b->control_ro_group))
		return "control_group/control_ro_group";
	if (strcmp(a->state_file, b->state_file))
		return "state_file";
	/* The proxy's transports are bound once; without the proxy, listen
	 * only names the ports the allowlist guards, which a reload changes. */
	if ((a->sip_proxy && a->n_sip_listen) != (b->sip_proxy && b->n_sip_listen))
		return "[sip] (the SIP proxy would start or stop)";
	if (a->sip_proxy && a->n_sip_listen &&
	    (a->n_sip_listen != b->n_sip_listen ||
	     memcmp(a->sip_listen, b->sip_listen, sizeof(a->sip_listen[0]) * (size_t)a->n_sip_listen)))
		return "[sip] listen (the SIP proxy's transports)";
	return NULL;
}

int daemon_reload(struct rtpe *r, char *err, size_t errlen)
{
	struct rtpe_cfg *n = malloc(sizeof(*n));
	const char *why;

	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (config_load(r->cfg.path, n, err, errlen)) {
		log_err("reload refused, keeping the running config: %s", err);
		free(n);
		return -1;
	}
	why = reload_blocker(&r->cfg, n);
	if (why) {
		snprintf(err, errlen, "%s: %s changed: that needs a restart; running config kept",
			 r->cfg.path, why);
		log_err("reload refused: %s", err);
		free(n);
		return -1;
	}
	/* The kernel's part last: a refused batch leaves the old ruleset and
	 * the running config. */
	if (allowlist_reload(r->al, n, err, errlen)) {
		log_err("reload refused, keeping the running config: %s", err);
		free(n);
		return -1;
	}
	r->cfg = *n;
	free(n);
	resolve_config(&r->cfg); /* new hostnames: looked up now, the allowlist follows */
	log_set_level((enum log_level)r->cfg.log_level);
	if (r->sip)
		sip_reload(r->sip, &r->cfg); /* routing: new calls */
	log_info("reloaded %s", r->cfg.path);
	return 0;
}

/* A hostname of a region resolves to other addresses: the allowlist's sets
 * follow (the SIP thread sees it by itself: resolve_generation). */
static void on_resolved(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct rtpe *r = arg;
	uint64_t n;

	while (read(fd, &n, sizeof(n)) == sizeof(n))
		;
	allowlist_resolved(r->al, &r->cfg);
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct rtpe *r = arg;
	struct signalfd_siginfo si;
	char err[512];

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			daemon_reload(r, err, sizeof(err)); /* logs the outcome */
			continue;
		}
		log_info("signal %d: stopping", (int)si.ssi_signo);
		daemon_stop(r);
	}
}

static int signals_setup(struct rtpe *r)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return loop_add(r->loop, fd, EPOLLIN, on_signal, r);
}

/* Whether the session numbered id is in the table (restored). */
static bool session_kept(uint32_t id, void *arg)
{
	return session_find(arg, id) != NULL;
}

/* The media side, in order: XDP, the session table, the slow path, the
 * relay workers, the restore, what an earlier run left, the sweep. */
static int media_start(struct rtpe *r, char *err, size_t errlen)
{
	int e;

	e = xdp_setup(&r->cfg, r->m.xif, &r->m.xdp, err, errlen);
	if (e)
		return e;
	raise_nofile(r);
	/* Before the restore, which may key SRTP legs. */
	if (sctx_lib_init(r->cfg.srtp_crypto == SRTP_CRYPTO_NSS)) {
		snprintf(err, errlen, "libsrtp2 failed to initialise on %s",
			 r->cfg.srtp_crypto == SRTP_CRYPTO_NSS ? "nss" : "openssl (a self-test failed)");
		return -EIO;
	}
	log_info("srtp: libsrtp2 on %s crypto", sctx_lib_crypto());
	e = sessions_init(&r->m);
	if (e) {
		snprintf(err, errlen, "session table: %s", strerror(-e));
		return e;
	}
	e = punt_start(&r->m, err, errlen);
	if (e)
		return e;
	/* Before the restore: its sessions with sockets go to the workers. */
	e = relay_xsk_open(&r->m);
	if (e)
		return e;
	e = workers_start(&r->m, err, errlen);
	if (e)
		return e;
	if (!r->m.n_workers)
		relay_xsk_watch(&r->m, r->loop, -1);
	e = state_restore(&r->sf, err, errlen);
	if (e)
		return e;
	/* After the restore: its sockets are bound before an old program lets go. */
	e = xdp_remove_unused(&r->cfg, session_kept, &r->m);
	if (e < 0)
		log_warn("pin_path %s: cannot look for what an earlier run left: %s",
			 r->cfg.pin_path, strerror(-e));
	e = sweep_start(&r->m);
	if (e) {
		snprintf(err, errlen, "sweep: %s", strerror(-e));
		return e;
	}
	return 0;
}

int daemon_start(struct rtpe *r, const struct ctl_command *cmds, char *err, size_t errlen)
{
	int e;

	r->start_ns = mono_ns();
	r->loop = loop_new();
	if (!r->loop)
		return -ENOMEM;
	r->m.cfg = &r->cfg;
	r->m.loop = r->loop;
	r->m.on_event = on_media_event;
	r->m.event_arg = r;
	r->sf.m = &r->m;
	e = ifaces_resolve(r, err, errlen);
	if (e)
		return e;
	check_ephemeral(&r->cfg);
	e = signals_setup(r);
	if (e) {
		snprintf(err, errlen, "signals: %s", strerror(-e));
		return e;
	}
	r->ctl = ctl_server_new(r->loop, r->cfg.control_socket,
				&(struct ctl_access){ r->cfg.control_group, r->cfg.control_ro_group },
				cmds, r, err, errlen);
	if (!r->ctl)
		return -EADDRINUSE;
	/* The hostnames of sbc and target: looked up on the resolver's thread
	 * from now on; the allowlist starts with the first answers (waited
	 * for, at most 2 s) and follows each change. */
	e = resolve_start(&r->cfg);
	if (e || (e = loop_add(r->loop, resolve_fd(), EPOLLIN, on_resolved, r))) {
		snprintf(err, errlen, "resolver: %s", strerror(-e));
		return e;
	}
	resolve_settle(2000);
	/* After the socket: a second instance, refused there, leaves the
	 * running one's table alone. */
	e = allowlist_start(&r->al, &r->cfg, r->loop, err, errlen);
	if (e)
		return e;
	e = media_start(r, err, errlen);
	if (e)
		return e;
	/* SIP after the sessions are up: an in-dialog request finds its call's
	 * restored sessions. */
	if (r->cfg.n_sip_listen && r->cfg.sip_proxy &&
	    !(r->sip = sip_start(&r->cfg, r->loop, &r->m, err, errlen)))
		return -EADDRNOTAVAIL;
	return metrics_start(r, err, errlen);
}

void daemon_finish(struct rtpe *r)
{
	bool keep = r->m.xdp && !r->remove_on_exit;

	sip_stop(r->sip); /* no more media requests */
	r->sip = NULL;
	if (keep)
		state_write(&r->sf);
	else
		state_remove(&r->sf);
	/* Kept: the map entries stay and XDP goes on relaying until the next
	 * start takes the sessions over. Removed: every session goes. */
	if (keep)
		sessions_detach(&r->m);
	sessions_fini(&r->m);
	relay_xsk_close(&r->m);
	punt_stop(&r->m);
	metrics_stop(r);
	if (resolve_fd() >= 0)
		loop_del(r->loop, resolve_fd());
	resolve_stop();
	allowlist_stop(r->al, r->remove_on_exit); /* the table stays unless removed */
	r->al = NULL;
	xdp_teardown(r->m.xdp, &r->cfg, r->m.xif, r->remove_on_exit);
	r->m.xdp = NULL;
	ctl_server_free(r->ctl);
	loop_free(r->loop);
}

