// SPDX-License-Identifier: GPL-2.0
/*
 * test_xdp_table.c - how the fast path finds a leg (rtpe_addrs, rtpe_legs)
 * and how the daemon keeps that table (daemon/xdp/xdp_legs.c), against the
 * real program under BPF_PROG_TEST_RUN in a private network namespace (the
 * bed of test_xdp.c, tests/unit/xdp_env.h).
 *
 * Program: one port on two addresses is two legs; a removed leg, a port
 * that is no pair, an address sharing another's bucket find no leg; the
 * seed in rtpe_config is the one the program hashes with. Daemon: a
 * restart keeps every address's slot (live legs stay where the program
 * looks), new addresses get free slots, a changed port range is refused,
 * update and delete take effect, foreach reports exactly the live legs.
 */
#include <pthread.h>
#include <sched.h>

#include "xdp_env.h"
#include "xdp/xdp_int.h"
#include "xdp/xdp.h"

#define LOCAL_Z "198.18.1.77"

static void run_to(struct env *e, const struct spec *s, int action, enum rtpe_verdict v,
		   const struct fwd *f)
{
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	__u32 len = build(s, in);

	if (expect_run(e, in, len, action, v, out) && f)
		check_fwd(in, out, len, f);
}

/* LOCAL_Y:40000 is a leg of its own beside LOCAL_X:40000 (SLOT_A). */
static void case_same_port_two_addresses(struct env *e)
{
	struct rtpe_leg l = leg_of(&(struct leg_row){ 40000, 5004, LOCAL_X, 40012, PEER_C, 7100,
						      RTPE_PATH_XDP, SLOT_RAND });

	CASE_BEGIN("same_port_on_two_addresses_two_legs");
	CHECK(!leg_put(e, LOCAL_Y, 40000, &l), "adding LOCAL_Y:40000");
	run_to(e, &(struct spec){ .dst = LOCAL_Y }, XDP_TX, RTPE_V_TX,
	       &(struct fwd){ mac_c, mac_x0, LOCAL_X, PEER_C, 40012, 7100 });
	run_to(e, &(struct spec){ 0 }, XDP_REDIRECT, RTPE_V_REDIRECT,
	       &(struct fwd){ mac_y1, mac_y0, LOCAL_Y, PEER_B, 40002, 6000 });
	CASE_END();
}

static void case_no_leg(struct env *e)
{
	struct rtpe_leg l = leg_of(&(struct leg_row){ 40110, 5004, LOCAL_Y, 40112, PEER_B, 6110,
						      RTPE_PATH_XDP, SLOT_RAND });
	__be32 other = 0;

	CASE_BEGIN("removed_leg_is_no_session");
	CHECK(!leg_put(e, LOCAL_X, 40110, &l), "adding LOCAL_X:40110");
	run_to(e, &(struct spec){ .dport = 40110 }, XDP_REDIRECT, RTPE_V_REDIRECT, NULL);
	CHECK(!leg_del(e, LOCAL_X, 40110), "removing it");
	run_to(e, &(struct spec){ .dport = 40110 }, XDP_PASS, RTPE_V_PASS_NO_SESSION, NULL);
	CASE_END();

	CASE_BEGIN("port_in_range_but_no_pair_is_no_session");
	run_to(e, &(struct spec){ .dport = 60000 }, XDP_PASS, RTPE_V_PASS_NO_SESSION, NULL);
	CASE_END();

	/* An address whose bucket holds LOCAL_X: the address compare says no. */
	CASE_BEGIN("bucket_of_another_address_is_no_session");
	for (__u32 h = 2; h < 65536 && !other; h++) {
		__be32 c = htonl(0xc6120000u | h);

		if (c != inet_addr(LOCAL_X) && rtpe_addr_bucket(c, 0) ==
					       rtpe_addr_bucket(inet_addr(LOCAL_X), 0))
			other = c;
	}
	CHECK(other, "no address of 198.18/16 shares LOCAL_X's bucket");
	if (other) {
		char dst[16];

		inet_ntop(AF_INET, &other, dst, sizeof(dst));
		run_to(e, &(struct spec){ .dst = dst }, XDP_PASS, RTPE_V_PASS_NO_SESSION, NULL);
	}
	CASE_END();
}

/* The daemon's table code against the same maps, as at a restart. */
static struct xdp_state *daemon_state(struct env *e)
{
	struct xdp_state *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->fd_legs = e->fd_legs;
	x->fd_addrs = e->fd_addrs;
	x->fd_config = e->fd_config;
	x->fd_state = bpf_map__fd(e->skel->maps.rtpe_legs_state);
	snprintf(x->pin_path, sizeof(x->pin_path), "/sys/fs/bpf/test");
	return x;
}

static void cfg_addrs(struct rtpe_cfg *c, const char *const *a, int n, __u16 min, __u16 max)
{
	memset(c, 0, sizeof(*c));
	c->port_min = min;
	c->port_max = max;
	c->max_sessions = RTPE_DEFAULT_MAX_SESSIONS;
	c->n_ifaces = n;
	for (int i = 0; i < n; i++)
		c->ifaces[i].address.s_addr = inet_addr(a[i]);
}

static __u32 base_of(const struct xdp_state *x, const char *addr)
{
	for (int i = 0; i < x->n_addrs; i++)
		if (x->addrs[i].addr == inet_addr(addr))
			return x->addrs[i].base;
	return UINT32_MAX;
}

static void case_daemon_restart(struct env *e, struct xdp_state *x)
{
	static const char *const addrs[] = { LOCAL_Y, LOCAL_Z, LOCAL_X };
	struct rtpe_cfg c;
	char err[256] = "";
	int rc;

	CASE_BEGIN("daemon_restart_keeps_address_slots");
	cfg_addrs(&c, addrs, 3, 40000, 60000);
	rc = xdp_legs_setup(x, &c, err, sizeof(err));
	CHECK(!rc, "xdp_legs_setup: %s", err);
	CHECK(base_of(x, LOCAL_X) == SLOT_ADDR_X * env_cfg.pairs &&
	      base_of(x, LOCAL_Y) == SLOT_ADDR_Y * env_cfg.pairs,
	      "LOCAL_X at %u, LOCAL_Y at %u: moved", base_of(x, LOCAL_X), base_of(x, LOCAL_Y));
	CHECK(base_of(x, LOCAL_Z) == 1 * env_cfg.pairs, "LOCAL_Z at %u, want the first free slot",
	      base_of(x, LOCAL_Z));
	e->cfg = x->cfg; /* the seed the daemon chose */
	CHECK(leg_idx(e, inet_addr(LOCAL_Z), 40000) == env_cfg.pairs,
	      "the program's table does not place LOCAL_Z");
	/* The live leg on LOCAL_X:40000 forwards as before. */
	run_to(e, &(struct spec){ 0 }, XDP_REDIRECT, RTPE_V_REDIRECT,
	       &(struct fwd){ mac_y1, mac_y0, LOCAL_Y, PEER_B, 40002, 6000 });
	CASE_END();

	CASE_BEGIN("daemon_refuses_another_port_range");
	cfg_addrs(&c, addrs, 3, 30000, 60000);
	rc = xdp_legs_setup(x, &c, err, sizeof(err));
	CHECK(rc == -EEXIST && strstr(err, "ports 40000-60000"), "rc %d, err '%s'", rc, err);
	cfg_addrs(&c, addrs, 3, 40000, 60000);
	CHECK(!xdp_legs_setup(x, &c, err, sizeof(err)), "back to 40000-60000: %s", err);
	CASE_END();
}

/* A seed other than 0: the program hashes with the one in rtpe_config. */
static void case_seed(struct env *e, struct xdp_state *x)
{
	struct rtpe_config saved = x->cfg;
	__u32 zero = 0;

	CASE_BEGIN("program_hashes_with_the_configured_seed");
	x->cfg.addr_seed = saved.addr_seed + 12345;
	for (__u32 b = 0; b < RTPE_ADDR_BUCKETS; b++) {
		struct rtpe_addr_slot s = { 0, 0 };

		bpf_map_update_elem(e->fd_addrs, &b, &s, BPF_ANY);
	}
	e->cfg = x->cfg;
	for (int i = 0; i < x->n_addrs; i++)
		CHECK(!addr_put(e, x->addrs[i].addr, x->addrs[i].base / env_cfg.pairs),
		      "address %d collides under seed %u", i, x->cfg.addr_seed);
	CHECK(!bpf_map_update_elem(e->fd_config, &zero, &x->cfg, BPF_ANY), "writing rtpe_config");
	run_to(e, &(struct spec){ 0 }, XDP_REDIRECT, RTPE_V_REDIRECT,
	       &(struct fwd){ mac_y1, mac_y0, LOCAL_Y, PEER_B, 40002, 6000 });
	CASE_END();
}

struct leg_count {
	struct env *e;
	int n, misplaced;
};

static int count_leg(const struct rtpe_leg *v, __u32 idx, void *arg)
{
	struct leg_count *c = arg;

	c->n++;
	if (leg_idx(c->e, v->local, ntohs(v->local_port)) != idx)
		c->misplaced++;
	return 0;
}

static void case_daemon_writes(struct env *e, struct xdp_state *x)
{
	struct leg_count c = { e, 0, 0 };
	struct rtpe_leg l;
	__u32 i = leg_idx(e, inet_addr(LOCAL_X), 40000);

	CASE_BEGIN("daemon_update_of_a_forwarding_leg");
	CHECK(!bpf_map_lookup_elem(e->fd_legs, &i, &l), "reading LOCAL_X:40000");
	l.out_dport = htons(6100);
	CHECK(!xdp_leg_put(x, &l), "xdp_leg_put");
	run_to(e, &(struct spec){ 0 }, XDP_REDIRECT, RTPE_V_REDIRECT,
	       &(struct fwd){ mac_y1, mac_y0, LOCAL_Y, PEER_B, 40002, 6100 });
	CASE_END();

	/* A daemon killed between the two seq stores leaves the entry odd:
	 * the program hands its packets over, and the next daemon's put of
	 * the same leg (a restore) must complete the write, not skip it as
	 * unchanged. */
	CASE_BEGIN("daemon_completes_a_leg_left_mid_write");
	l.seq |= 1;
	CHECK(!bpf_map_update_elem(e->fd_legs, &i, &l, BPF_ANY), "leaving the entry mid-write");
	run_to(e, &(struct spec){ 0 }, XDP_PASS, RTPE_V_PASS_USERSPACE, NULL);
	CHECK(!xdp_leg_put(x, &l), "xdp_leg_put of the same leg");
	run_to(e, &(struct spec){ 0 }, XDP_REDIRECT, RTPE_V_REDIRECT,
	       &(struct fwd){ mac_y1, mac_y0, LOCAL_Y, PEER_B, 40002, 6100 });
	CASE_END();

	CASE_BEGIN("daemon_foreach_reports_live_legs_at_their_index");
	CHECK(!xdp_legs_foreach(x, count_leg, &c), "xdp_legs_foreach");
	/* setup's legs and LOCAL_Y:40000; LOCAL_X:40110 was removed */
	CHECK(c.n == (int)(sizeof(leg_rows) / sizeof(leg_rows[0])) + 1 && !c.misplaced,
	      "%d legs (%d misplaced), want %zu", c.n, c.misplaced,
	      sizeof(leg_rows) / sizeof(leg_rows[0]) + 1);
	CASE_END();

	CASE_BEGIN("daemon_delete_ends_forwarding");
	CHECK(!xdp_leg_del(x, l.local, l.local_port), "xdp_leg_del");
	run_to(e, &(struct spec){ 0 }, XDP_PASS, RTPE_V_PASS_NO_SESSION, NULL);
	l.local = inet_addr("203.0.113.1");
	CHECK(xdp_leg_put(x, &l) == -ENOENT, "a leg on an address outside the table");
	CASE_END();
}

/* Two forwarding configurations of LOCAL_X:40000, flipped by a writer;
 * runs counts the reader's program runs, done says the writer ended. */
struct flipper {
	struct xdp_state *x;
	struct rtpe_leg v[2];
	volatile bool stop;
	unsigned flips, runs;
	bool done;
};

static void *flip(void *arg)
{
	struct flipper *f = arg;
	cpu_set_t all;

	CPU_ZERO(&all);
	for (int c = 0; c < CPU_SETSIZE && c < 64; c++)
		CPU_SET(c, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
	while (!f->stop && f->flips < 2000000)
		if (xdp_leg_put(f->x, &f->v[f->flips++ & 1]))
			break;
	/* Flipping flat out on another CPU, a writer slowed down (a sanitizer
	 * build) can overlap every run, and one leg is never seen whole. At
	 * the end, each leg in turn stays until the reader has finished a run
	 * begun after it: runs is read after the write, so the second run
	 * from then on began after the write was done. */
	for (int k = 0; k < 2 && !f->stop; k++) {
		unsigned r;

		if (xdp_leg_put(f->x, &f->v[k]))
			break;
		r = __atomic_load_n(&f->runs, __ATOMIC_ACQUIRE);
		while (!f->stop && __atomic_load_n(&f->runs, __ATOMIC_ACQUIRE) < r + 2)
			sched_yield();
	}
	__atomic_store_n(&f->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* While the daemon rewrites a live leg, every packet goes entirely by the
 * old or the new leg, or (mid-change) to the daemon: never half of each.
 * 20000 packets, then more until both legs were seen or the writer ended
 * (it ends holding each leg in turn). */
static void case_no_torn_leg(struct env *e, struct xdp_state *x)
{
	struct flipper f = { .x = x };
	__u32 i = leg_idx(e, inet_addr(LOCAL_X), 40000), len, out_len, n[3] = { 0, 0, 0 };
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	unsigned mixed = 0;
	pthread_t t;

	CASE_BEGIN("live_leg_rewrite_never_forwards_half_old_half_new");
	CHECK(!bpf_map_lookup_elem(e->fd_legs, &i, &f.v[0]), "reading LOCAL_X:40000");
	f.v[0].path = RTPE_PATH_XDP;
	f.v[0].out_sport = htons(40002);
	f.v[0].out_dport = htons(6000);
	f.v[1] = f.v[0];
	f.v[1].out_sport = htons(40202);
	f.v[1].out_dport = htons(6200);
	len = build(&(struct spec){ 0 }, in);
	CHECK(!pthread_create(&t, NULL, flip, &f), "starting the writer");
	for (int k = 0; !check_case_failed; k++) {
		int rc = xdp_run(e, e->prog, in, len, out, &out_len);
		__u16 sp = get16(out + ETH_HLEN + 20), dp = get16(out + ETH_HLEN + 22);

		if (rc == XDP_PASS)
			n[2]++;
		else if (rc == XDP_REDIRECT && sp == 40002 && dp == 6000)
			n[0]++;
		else if (rc == XDP_REDIRECT && sp == 40202 && dp == 6200)
			n[1]++;
		else
			mixed++;
		__atomic_add_fetch(&f.runs, 1, __ATOMIC_RELEASE);
		if (k >= 20000 &&
		    ((n[0] && n[1]) || __atomic_load_n(&f.done, __ATOMIC_ACQUIRE)))
			break;
	}
	f.stop = true;
	pthread_join(t, NULL);
	CHECK(!mixed, "%u packets went by a mix of two legs", mixed);
	CHECK(n[0] && n[1], "old %u, new %u, to the daemon %u, %u flips: the writer did not "
	      "interleave", n[0], n[1], n[2], f.flips);
	CHECK(!xdp_leg_put(x, &f.v[0]), "restoring the leg");
	CASE_END();
}

int main(void)
{
	struct xdp_state *x;
	struct env e;

	memset(&e, 0, sizeof(e));
	if (geteuid()) {
		CASE_SKIP("xdp_table", "needs root (namespaces, BPF_PROG_TEST_RUN)");
		return 0;
	}
	CASE_BEGIN("setup_netns_veths_and_load");
	CHECK(!setup(&e), "the test bed or the program could not be set up");
	CASE_END();
	x = daemon_state(&e);
	if (check_failures || !x) {
		rtpedge__destroy(e.skel);
		free(x);
		CHECK_EXIT();
	}
	case_same_port_two_addresses(&e);
	case_no_leg(&e);
	case_daemon_restart(&e, x);
	case_seed(&e, x);
	case_no_torn_leg(&e, x);
	case_daemon_writes(&e, x);
	xdp_legs_unmap(x);
	free(x);
	rtpedge__destroy(e.skel);
	CHECK_EXIT();
}
