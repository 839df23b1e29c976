// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_legs.c - where the fast path finds a leg, and every write of a leg.
 *
 * rtpe_legs is an array: the legs of the address in slot s are the range
 * [s * pairs, (s + 1) * pairs), one entry per even port. rtpe_addrs maps an
 * address to its slot's base, direct-mapped under a seed the daemon picks
 * so that its (at most RTPE_MAX_ADDRS) addresses fall into distinct
 * buckets: the program finds a leg with two array reads and no hashing.
 *
 * A restarted daemon keeps every address in the slot its predecessor gave
 * it (the table is pinned with the legs), so the legs of live calls stay
 * where the running program looks for them.
 *
 * Entries are rewritten in place, and a reader may see a write half done;
 * so that it can never forward with a mix of old and new fields, a write
 * changes either the forwarding fields of a leg that does not forward, or
 * its path and flags alone (xdp_leg_update, xdp_leg_del).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "log.h"
#include "ports.h"
#include "xdp.h"
#include "xdp_int.h"

_Static_assert(CFG_MAX_IFACES <= RTPE_MAX_ADDRS, "every interface address needs a slot");

#define SEED_TRIES 65536u

__u32 xdp_legs_entries(const struct rtpe_cfg *cfg)
{
	uint16_t first;
	unsigned n;

	if (port_range_pairs(cfg->port_min, cfg->port_max, &first, &n))
		return 1;
	return RTPE_MAX_ADDRS * n;
}

static const struct xdp_addr *addr_find(const struct xdp_state *x, __be32 addr)
{
	for (int i = 0; i < x->n_addrs; i++)
		if (x->addrs[i].addr == addr)
			return &x->addrs[i];
	return NULL;
}

static bool seed_fits(const struct xdp_state *x, __u32 seed)
{
	bool used[RTPE_ADDR_BUCKETS] = { false };

	for (int i = 0; i < x->n_addrs; i++) {
		__u32 b = rtpe_addr_bucket(x->addrs[i].addr, seed);

		if (used[b])
			return false;
		used[b] = true;
	}
	return true;
}

static bool base_taken(const struct xdp_state *x, __u32 base)
{
	for (int i = 0; i < x->n_addrs; i++)
		if (x->addrs[i].base == base)
			return true;
	return false;
}

/* The slot base a predecessor gave addr (in table old of n_old), or
 * UINT32_MAX. Only a base that is a slot boundary of this shape counts. */
static __u32 base_before(const struct xdp_state *x, const struct rtpe_addr_slot *old, int n_old,
			 __be32 addr)
{
	for (int i = 0; i < n_old; i++)
		if (old[i].addr == addr && old[i].base % x->cfg.pairs == 0 &&
		    old[i].base / x->cfg.pairs < RTPE_MAX_ADDRS)
			return old[i].base;
	return UINT32_MAX;
}

/* Every configured address gets a slot: the one it had, else a free one. */
static void addrs_place(struct xdp_state *x, const struct rtpe_cfg *cfg,
			const struct rtpe_addr_slot *old, int n_old)
{
	x->n_addrs = 0;
	for (int i = 0; i < cfg->n_ifaces; i++) {
		__be32 a = cfg->ifaces[i].address.s_addr;
		__u32 base = base_before(x, old, n_old, a);

		if (addr_find(x, a))
			continue; /* several sections may share an address */
		if (base_taken(x, base))
			base = UINT32_MAX;
		x->addrs[x->n_addrs++] = (struct xdp_addr){ .addr = a, .base = base };
	}
	for (int i = 0; i < x->n_addrs; i++)
		for (__u32 s = 0; x->addrs[i].base == UINT32_MAX && s < RTPE_MAX_ADDRS; s++)
			if (!base_taken(x, s * x->cfg.pairs))
				x->addrs[i].base = s * x->cfg.pairs;
}

/* What a predecessor left in rtpe_config and rtpe_addrs (zeroes if none). */
static int table_read(struct xdp_state *x, struct rtpe_config *old,
		      struct rtpe_addr_slot *slots, int *n)
{
	__u32 k = 0;

	*n = 0;
	if (bpf_map_lookup_elem(x->fd_config, &k, old) < 0)
		return -errno;
	for (__u32 b = 0; b < RTPE_ADDR_BUCKETS; b++) {
		struct rtpe_addr_slot s;

		if (bpf_map_lookup_elem(x->fd_addrs, &b, &s) < 0)
			return -errno;
		if (s.addr && *n < RTPE_MAX_ADDRS)
			slots[(*n)++] = s;
	}
	return 0;
}

/* The seed: the predecessor's if our addresses fit under it (its entries
 * then stay put while we write), else the first that fits. */
static int seed_pick(struct xdp_state *x, __u32 old_seed, char *err, size_t errlen)
{
	if (seed_fits(x, old_seed)) {
		x->cfg.addr_seed = old_seed;
		return 0;
	}
	for (__u32 seed = 0; seed < SEED_TRIES; seed++) {
		if (seed_fits(x, seed)) {
			x->cfg.addr_seed = seed;
			log_info("address table: seed %u (was %u)", seed, old_seed);
			return 0;
		}
	}
	snprintf(err, errlen, "no seed places the %d interface addresses in distinct buckets",
		 x->n_addrs);
	return -EINVAL;
}

/* rtpe_config first, then every bucket: ours, or empty. */
static int table_write(struct xdp_state *x)
{
	__u32 k = 0;

	if (bpf_map_update_elem(x->fd_config, &k, &x->cfg, BPF_ANY) < 0)
		return -errno;
	for (__u32 b = 0; b < RTPE_ADDR_BUCKETS; b++) {
		struct rtpe_addr_slot s = { 0 };

		for (int i = 0; i < x->n_addrs; i++)
			if (rtpe_addr_bucket(x->addrs[i].addr, x->cfg.addr_seed) == b)
				s = (struct rtpe_addr_slot){ x->addrs[i].addr, x->addrs[i].base };
		if (bpf_map_update_elem(x->fd_addrs, &b, &s, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

int xdp_legs_setup(struct xdp_state *x, const struct rtpe_cfg *cfg, char *err, size_t errlen)
{
	struct rtpe_addr_slot old_slots[RTPE_MAX_ADDRS];
	struct rtpe_config old;
	unsigned pairs;
	int n_old, e;

	memset(&x->cfg, 0, sizeof(x->cfg));
	x->cfg.port_min = cfg->port_min;
	x->cfg.port_max = cfg->port_max;
	if (port_range_pairs(cfg->port_min, cfg->port_max, &x->cfg.first_port, &pairs)) {
		snprintf(err, errlen, "port range %u-%u holds no port pair", cfg->port_min,
			 cfg->port_max);
		return -EINVAL;
	}
	x->cfg.pairs = pairs;
	e = table_read(x, &old, old_slots, &n_old);
	if (e) {
		snprintf(err, errlen, "cannot read rtpe_config/rtpe_addrs: %s", strerror(-e));
		return e;
	}
	if (old.pairs && (old.first_port != x->cfg.first_port || old.pairs != x->cfg.pairs)) {
		snprintf(err, errlen,
			 "the maps pinned in %s hold legs of ports %u-%u, this configuration "
			 "says %u-%u: stop the running instance with 'rtpedgectl shutdown "
			 "--remove' (its calls' media ends) or keep port_min/port_max",
			 x->pin_path, old.port_min, old.port_max, cfg->port_min, cfg->port_max);
		return -EEXIST;
	}
	addrs_place(x, cfg, old_slots, old.pairs ? n_old : 0);
	e = seed_pick(x, old.addr_seed, err, errlen);
	if (!e && (e = table_write(x)))
		snprintf(err, errlen, "cannot write the address table: %s", strerror(-e));
	return e;
}

/* The rtpe_legs index of (addr, port). 0, or -ENOENT (no such address) or
 * -ERANGE (port outside the range). */
static int leg_index(const struct xdp_state *x, __be32 addr, __be16 port, __u32 *idx)
{
	const struct xdp_addr *a = addr_find(x, addr);

	if (!a)
		return -ENOENT;
	*idx = rtpe_leg_index(&x->cfg, a->base, ntohs(port));
	return *idx == (__u32)-1 ? -ERANGE : 0;
}

static int leg_write(struct xdp_state *x, __u32 idx, const struct rtpe_leg *v)
{
	return bpf_map_update_elem(x->fd_legs, &idx, v, BPF_ANY) < 0 ? -errno : 0;
}

int xdp_leg_put(struct xdp_state *x, const struct rtpe_leg *v)
{
	__u32 idx;
	int e = leg_index(x, v->local, v->local_port, &idx);

	return e ? e : leg_write(x, idx, v);
}

static bool forwards(const struct rtpe_leg *v)
{
	return (v->flags & RTPE_LEG_F_ACTIVE) && v->path == RTPE_PATH_XDP;
}

/* Whether a and b differ in more than path and flags. */
static bool fields_differ(const struct rtpe_leg *a, const struct rtpe_leg *b)
{
	struct rtpe_leg c = *b;

	c.path = a->path;
	c.flags = a->flags;
	return memcmp(a, &c, sizeof(c)) != 0;
}

/* Each write below differs from the entry before it either in path and
 * flags only, or in fields while neither forwards. */
int xdp_leg_update(struct xdp_state *x, const struct rtpe_leg *v)
{
	struct rtpe_leg cur, step;
	__u32 idx;
	int e = leg_index(x, v->local, v->local_port, &idx);

	if (e)
		return e;
	if (bpf_map_lookup_elem(x->fd_legs, &idx, &cur) < 0)
		return -errno;
	if (!fields_differ(&cur, v))
		return leg_write(x, idx, v);
	if (forwards(&cur)) {
		step = cur;
		step.path = RTPE_PATH_LEARNING;
		if ((e = leg_write(x, idx, &step)))
			return e;
	}
	if (forwards(v)) {
		step = *v;
		step.path = RTPE_PATH_LEARNING;
		if ((e = leg_write(x, idx, &step)))
			return e;
	}
	return leg_write(x, idx, v);
}

int xdp_leg_clear(struct xdp_state *x, __u32 idx, const struct rtpe_leg *v)
{
	struct rtpe_leg gone = *v;

	/* The fields stay: a half-read sees the old leg or no leg, and a new
	 * leg written here later goes from learning to learning. */
	gone.flags = 0;
	gone.path = RTPE_PATH_LEARNING;
	return leg_write(x, idx, &gone);
}

int xdp_leg_del(struct xdp_state *x, const struct rtpe_leg *v)
{
	__u32 idx;
	int e = leg_index(x, v->local, v->local_port, &idx);

	return e ? e : xdp_leg_clear(x, idx, v);
}

struct foreach {
	xdp_leg_fn fn;
	void *arg;
	int err;
};

static void legs_batch(const __u32 *keys, const void *vals, __u32 count, __u32 n, void *arg)
{
	const struct rtpe_leg *v = vals;
	struct foreach *f = arg;

	for (__u32 i = 0; i < count && keys[i] < n && !f->err; i++)
		if (v[i].flags & RTPE_LEG_F_ACTIVE)
			f->err = f->fn(&v[i], keys[i], f->arg);
}

int xdp_legs_foreach(struct xdp_state *x, xdp_leg_fn fn, void *arg)
{
	struct foreach f = { fn, arg, 0 };
	int e = xdp_array_read(x->fd_legs, xdp_legs_size(x), sizeof(struct rtpe_leg),
			       legs_batch, &f);

	return e ? e : f.err;
}

__u32 xdp_legs_size(const struct xdp_state *x)
{
	return RTPE_MAX_ADDRS * x->cfg.pairs;
}
