/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_env.h - test_xdp.c's test bed: the program loaded, its maps filled
 * with the legs of leg_rows, and frames run through it under
 * BPF_PROG_TEST_RUN with the verdict counters and leg stats read back.
 *
 * Runs in private network and mount namespaces (gone with the process):
 * veths x0 (198.18.1.1/24) <-> x1 and y0 (198.18.2.1/24) <-> y1 with fixed
 * MACs and permanent neighbours 198.18.1.2 (x1), 198.18.1.3 and 198.18.2.2
 * (y1), so the program's FIB lookups see real routes. x1 and y1 carry no
 * address: in this one namespace 198.18.x.2 would be local and the FIB
 * would answer "local" instead of "forward". The maps pin into a fresh
 * bpffs of the private mount namespace. Every frame arrives on x0.
 *
 * Header only (each tests/unit/test_*.c is its own program).
 */
#ifndef RTPE_XDP_ENV_H
#define RTPE_XDP_ENV_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rtpedge.h"
#include "rtpedge.skel.h"
#include "xdp/xdp_clock.h"
#include "xdp_frame.h"

#define MAX_CPUS 256

static const char *const reason[] = {
#define X(name, verdict, why) why,
	RTPE_VERDICTS(X)
#undef X
};

/* Address slots (rtpe_legs ranges) of the table's addresses. */
enum { SLOT_ADDR_X = 0, SLOT_ADDR_Y = 3, SLOT_ADDR_RAND = 15 };

enum { SLOT_A = 1, SLOT_TX, SLOT_LEARN, SLOT_US, SLOT_SRTP, SLOT_MISS, SLOT_NONEIGH,
       SLOT_Q, SLOT_RAND };

/* Legs on LOCAL_X: peer RTCP at peer_port + 1, opposite RTCP at odport + 1. */
static const struct leg_row {
	__u16 port;
	__u16 pport;
	const char *osrc;
	__u16 osport;
	const char *odst;
	__u16 odport;
	__u8 path;
	__u32 slot;
} leg_rows[] = {
	{ 40000, 5004, LOCAL_Y, 40002, PEER_B, 6000, RTPE_PATH_XDP, SLOT_A },
	{ 40010, 5010, LOCAL_X, 40012, PEER_C, 7000, RTPE_PATH_XDP, SLOT_TX },
	{ 40020, 5020, LOCAL_Y, 40022, PEER_B, 6020, RTPE_PATH_LEARNING, SLOT_LEARN },
	{ 40022, 5022, LOCAL_Y, 40024, PEER_B, 6022, RTPE_PATH_USERSPACE, SLOT_US },
	{ 40024, 5024, LOCAL_Y, 40026, PEER_B, 6024, RTPE_PATH_SRTP, SLOT_SRTP },
	{ 40030, 5030, LOCAL_Y, 40032, "203.0.113.9", 6030, RTPE_PATH_XDP, SLOT_MISS },
	{ 40040, 5040, LOCAL_Y, 40042, "198.18.2.77", 6040, RTPE_PATH_XDP, SLOT_NONEIGH },
	{ 40050, 5050, LOCAL_Y, 40052, PEER_B, 6050, RTPE_PATH_XDP, SLOT_Q },
};

static inline __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct env {
	struct rtpedge *skel;
	int prog, fd_legs, fd_state, fd_verdicts, fd_tx, fd_addrs, fd_config;
	struct rtpe_config cfg; /* as in rtpe_config */
	struct xdp_clock clock; /* the program's jiffies, as the daemon reads them */
	int if_x0, if_y0, ncpus;
	__u64 expect[RTPE_V_MAX], expect_bytes[RTPE_V_MAX];
	unsigned seed;
};

/* Runs a shell command of the set-up; nonzero exit is a failure. */
static inline int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "test_xdp: set-up command failed (status %d): %s\n", rc, cmd);
	return rc ? -1 : 0;
}

/* One frame through the program as received on x0: the XDP action, or
 * -errno when the kernel refused the run. */
static inline int xdp_run(struct env *e, int prog, const __u8 *in, __u32 len, __u8 *out,
			  __u32 *out_len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = e->if_x0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = FRAME_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &o))
		return -errno;
	*out_len = o.data_size_out;
	return (int)o.retval;
}

/* Sums a verdict's per-CPU counters (values are 8-byte aligned per CPU). */
static inline struct rtpe_counter verdict_get(struct env *e, __u32 v)
{
	struct rtpe_counter vals[MAX_CPUS], sum = { 0, 0 };

	if (bpf_map_lookup_elem(e->fd_verdicts, &v, vals))
		return (struct rtpe_counter){ ~0ULL, ~0ULL };
	for (int c = 0; c < e->ncpus; c++) {
		sum.packets += vals[c].packets;
		sum.bytes += vals[c].bytes;
	}
	return sum;
}

/* A leg's counters as the daemon reports them, from its line (its entry
 * of rtpe_legs_state, at its rtpe_legs index: one copy for all CPUs),
 * last-seen converted from jiffies. */
static inline struct rtpe_leg_stats stats_get(struct env *e, __u32 line)
{
	struct rtpe_leg_state st;
	struct rtpe_leg_stats m;

	memset(&m, 0, sizeof(m));
	if (bpf_map_lookup_elem(e->fd_state, &line, &st)) {
		m.packets = ~0ULL;
		return m;
	}
	m.packets = st.packets;
	m.bytes = st.bytes;
	m.drops = st.drops;
	m.rtcp_packets = st.rtcp_packets;
	m.last_seen_ns = xdp_clock_ns(&e->clock, st.last_seen, now_ns());
	return m;
}

/* Runs a frame expecting action and verdict v: the verdict's counter must
 * grow by exactly this frame. Returns the output length (0 on failure). */
static inline __u32 expect_run(struct env *e, const __u8 *in, __u32 len, int action,
			       enum rtpe_verdict v, __u8 *out)
{
	struct rtpe_counter before = verdict_get(e, v), after;
	__u32 out_len = 0;
	int rc = xdp_run(e, e->prog, in, len, out, &out_len);

	CHECK(rc == action, "len %u: action %d, want %d (%s)", len, rc, action, reason[v]);
	if (rc < 0)
		return 0;
	e->expect[v]++;
	e->expect_bytes[v] += len;
	after = verdict_get(e, v);
	CHECK(after.packets == before.packets + 1 && after.bytes == before.bytes + len,
	      "len %u: verdict %s grew by %llu packets, %llu bytes; want 1, %u", len,
	      reason[v], after.packets - before.packets, after.bytes - before.bytes, len);
	CHECK(out_len == len, "output %u bytes, input %u", out_len, len);
	return out_len;
}

/* The port range and table shape of every case (the daemon's for 40000-60000). */
static const struct rtpe_config env_cfg = { .port_min = 40000, .port_max = 60000,
					    .first_port = 40000, .pairs = 10000 };

/* Puts addr (network order) into rtpe_addrs with the legs of address slot
 * `slot`. -EEXIST when its bucket holds another address. */
static inline int addr_put(struct env *e, __be32 addr, __u32 slot)
{
	__u32 b = rtpe_addr_bucket(addr, e->cfg.addr_seed);
	struct rtpe_addr_slot a;

	if (bpf_map_lookup_elem(e->fd_addrs, &b, &a))
		return -errno;
	if (a.addr && a.addr != addr)
		return -EEXIST;
	a = (struct rtpe_addr_slot){ addr, slot * e->cfg.pairs };
	return bpf_map_update_elem(e->fd_addrs, &b, &a, BPF_ANY) ? -errno : 0;
}

static inline void addr_del(struct env *e, __be32 addr)
{
	__u32 b = rtpe_addr_bucket(addr, e->cfg.addr_seed);
	struct rtpe_addr_slot a = { 0, 0 };

	bpf_map_update_elem(e->fd_addrs, &b, &a, BPF_ANY);
}

/* The rtpe_legs index of addr:port as the program computes it, or -1. */
static inline __u32 leg_idx(struct env *e, __be32 addr, __u16 port)
{
	__u32 b = rtpe_addr_bucket(addr, e->cfg.addr_seed);
	struct rtpe_addr_slot a;

	if (bpf_map_lookup_elem(e->fd_addrs, &b, &a) || a.addr != addr)
		return (__u32)-1;
	return rtpe_leg_index(&e->cfg, a.base, port);
}

/* The line (rtpe_legs_state index) of the leg_rows leg with this slot. */
static inline __u32 row_line(struct env *e, __u32 slot)
{
	for (size_t i = 0; i < sizeof(leg_rows) / sizeof(leg_rows[0]); i++)
		if (leg_rows[i].slot == slot)
			return leg_idx(e, inet_addr(LOCAL_X), leg_rows[i].port);
	return (__u32)-1;
}

/* Writes leg as the leg on addr:port (an address of the table), active. */
static inline int leg_put(struct env *e, const char *addr, __u16 port, const struct rtpe_leg *leg)
{
	struct rtpe_leg l = *leg;
	__u32 i = leg_idx(e, inet_addr(addr), port);

	if (i == (__u32)-1)
		return -ENOENT;
	l.local = inet_addr(addr);
	l.local_port = htons(port);
	l.flags |= RTPE_LEG_F_ACTIVE;
	return bpf_map_update_elem(e->fd_legs, &i, &l, BPF_ANY) ? -errno : 0;
}

/* The daemon's removal: the entry keeps its fields, loses ACTIVE. */
static inline int leg_del(struct env *e, const char *addr, __u16 port)
{
	struct rtpe_leg l;
	__u32 i = leg_idx(e, inet_addr(addr), port);

	if (i == (__u32)-1 || bpf_map_lookup_elem(e->fd_legs, &i, &l))
		return -ENOENT;
	l.flags = 0;
	l.path = RTPE_PATH_LEARNING;
	return bpf_map_update_elem(e->fd_legs, &i, &l, BPF_ANY) ? -errno : 0;
}

static inline struct rtpe_leg leg_of(const struct leg_row *r)
{
	struct rtpe_leg l;

	memset(&l, 0, sizeof(l));
	l.peer = inet_addr(PEER_A);
	l.out_src = inet_addr(r->osrc);
	l.out_dst = inet_addr(r->odst);
	l.peer_port = htons(r->pport);
	l.peer_rtcp_port = htons(r->pport + 1);
	l.out_sport = htons(r->osport);
	l.out_dport = htons(r->odport);
	l.out_rtcp_dport = htons(r->odport + 1);
	l.path = r->path;
	l.family = RTPE_AF_INET;
	l.slot = r->slot;
	return l;
}

static inline int tx_port(struct env *e, int ifindex, bool add)
{
	struct bpf_devmap_val v = { .ifindex = (__u32)ifindex };
	__u32 k = ifindex;

	if (add)
		return bpf_map_update_elem(e->fd_tx, &k, &v, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(e->fd_tx, &k) ? -errno : 0;
}

static inline int setup_netns(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		fprintf(stderr, "test_xdp: unshare(CLONE_NEWNET|CLONE_NEWNS): %s\n", strerror(errno));
		return -1;
	}
	/* Pins go to a bpffs only this mount namespace sees. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		fprintf(stderr, "test_xdp: mounting a private bpffs on /sys/fs/bpf: %s (is /sys/fs/bpf "
			"there?)\n", strerror(errno));
		return -1;
	}
	return sh("ip link set lo up") ||
	       sh("ip link add x0 address 02:00:00:00:01:01 type veth "
		  "peer name x1 address 02:00:00:00:01:02") ||
	       sh("ip link add y0 address 02:00:00:00:02:01 type veth "
		  "peer name y1 address 02:00:00:00:02:02") ||
	       sh("ip addr add 198.18.1.1/24 dev x0") || sh("ip addr add 198.18.2.1/24 dev y0") ||
	       sh("for d in x0 x1 y0 y1; do ip link set $d up || exit 1; done") ||
	       sh("sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv4.conf.x0.forwarding=1 "
		  "net.ipv4.conf.y0.forwarding=1") ||
	       sh("ip neigh replace 198.18.1.2 lladdr 02:00:00:00:01:02 dev x0 nud permanent") ||
	       sh("ip neigh replace 198.18.1.3 lladdr 02:00:00:00:01:03 dev x0 nud permanent") ||
	       sh("ip neigh replace 198.18.2.2 lladdr 02:00:00:00:02:02 dev y0 nud permanent") ||
	       sh("ip route add 10.0.0.0/8 via 198.18.2.2 dev y0") ? -1 : 0;
}

static inline int setup_maps(struct env *e)
{
	__u32 zero = 0;
	int err;

	e->cfg = env_cfg;
	e->skel = rtpedge__open();
	if (e->skel) {
		bpf_map__set_max_entries(e->skel->maps.rtpe_legs, RTPE_MAX_ADDRS * env_cfg.pairs);
		bpf_map__set_max_entries(e->skel->maps.rtpe_legs_state,
					 RTPE_MAX_ADDRS * env_cfg.pairs);
		if (rtpedge__load(e->skel)) {
			rtpedge__destroy(e->skel);
			e->skel = NULL;
		}
	}
	if (!e->skel) {
		fprintf(stderr, "test_xdp: cannot load rtpedge_xdp: %s (libbpf printed the "
			"verifier log above)\n", strerror(errno));
		return -1;
	}
	e->prog = bpf_program__fd(e->skel->progs.rtpedge_xdp);
	e->fd_legs = bpf_map__fd(e->skel->maps.rtpe_legs);
	e->fd_state = bpf_map__fd(e->skel->maps.rtpe_legs_state);
	e->fd_verdicts = bpf_map__fd(e->skel->maps.rtpe_xdp_verdicts);
	e->fd_tx = bpf_map__fd(e->skel->maps.rtpe_tx_ports);
	e->fd_addrs = bpf_map__fd(e->skel->maps.rtpe_addrs);
	e->fd_config = bpf_map__fd(e->skel->maps.rtpe_config);
	err = xdp_clock_calibrate(&e->clock, bpf_program__fd(e->skel->progs.rtpedge_clock));
	if (err)
		fprintf(stderr, "test_xdp: reading the tick clock: %s\n", strerror(-err));
	e->cfg.fib_cache_ticks = (__u16)xdp_clock_ticks(&e->clock, RTPE_FIB_CACHE_NS, UINT16_MAX);
	err = err ?: bpf_map_update_elem(e->fd_config, &zero, &e->cfg, BPF_ANY);
	err = err ?: addr_put(e, inet_addr(LOCAL_X), SLOT_ADDR_X) ?:
		     addr_put(e, inet_addr(LOCAL_Y), SLOT_ADDR_Y);
	err = err ?: tx_port(e, e->if_x0, true) ?: tx_port(e, e->if_y0, true);
	for (size_t i = 0; !err && i < sizeof(leg_rows) / sizeof(leg_rows[0]); i++) {
		struct rtpe_leg l = leg_of(&leg_rows[i]);

		err = leg_put(e, LOCAL_X, leg_rows[i].port, &l);
	}
	if (err)
		fprintf(stderr, "test_xdp: filling the maps: %s\n", strerror(-err));
	return err ? -1 : 0;
}

/* Prints what the verifier made of the program (for the reports). */
static inline void report_prog(struct env *e)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(e->prog, &info, &len))
		return;
	fprintf(stderr, "test_xdp: rtpedge_xdp: %u instructions verified, xlated %u bytes "
		"(%u insns), jited %u bytes\n", info.verified_insns, info.xlated_prog_len,
		info.xlated_prog_len / 8, info.jited_prog_len);
}

static inline int setup(struct env *e)
{
	cpu_set_t one;

	/* The RTP receiver state is per CPU: keep every run on one CPU. */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	e->ncpus = libbpf_num_possible_cpus();
	if (sched_setaffinity(0, sizeof(one), &one) || e->ncpus <= 0 || e->ncpus > MAX_CPUS) {
		fprintf(stderr, "test_xdp: pinning to one CPU (of %d possible): %s\n", e->ncpus,
			strerror(errno));
		return -1;
	}
	if (setup_netns())
		return -1;
	e->if_x0 = if_nametoindex("x0");
	e->if_y0 = if_nametoindex("y0");
	if (!e->if_x0 || !e->if_y0 || setup_maps(e))
		return -1;
	report_prog(e);
	return 0;
}

#endif
