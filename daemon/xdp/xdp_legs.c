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
 * Each leg's counters and RTP state are its line of rtpe_legs_state, at
 * the same index (xdp_lines.c).
 *
 * rtpe_legs is memory-mapped (BPF_F_MMAPABLE): a leg is written with plain
 * stores, without a system call, while the program may be reading it. Each
 * write is bracketed by the entry's seq (odd while writing, see struct
 * rtpe_leg): the program forwards only by a copy taken between two equal,
 * even reads of it, so never by half an old and half a new leg. The
 * daemon is the only writer (one thread).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/log.h"
#include "core/port_range.h"
#include "xdp/xdp.h"
#include "xdp/xdp_int.h"

_Static_assert(CFG_MAX_IFACES <= RTPE_MAX_ADDRS, "every interface address needs a slot");
_Static_assert(__builtin_offsetof(struct rtpe_leg, seq) == RTPE_LEG_SNAPSHOT,
	       "seq follows the bytes the program snapshots");

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

/* Maps n entries of size bytes of the array map fd into *at. */
static int map_array(int fd, size_t n, size_t size, void **at, size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *m;

	*len = (n * size + page - 1) / page * page;
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	*at = m;
	return 0;
}

static int legs_map(struct xdp_state *x, const struct rtpe_cfg *cfg)
{
	int e;

	xdp_legs_unmap(x);
	e = map_array(x->fd_legs, xdp_legs_size(x), sizeof(struct rtpe_leg), (void **)&x->legs,
		      &x->legs_len);
	if (e)
		return e;
	return map_array(x->fd_state, xdp_legs_size(x), sizeof(struct rtpe_leg_state),
			 (void **)&x->state, &x->state_len);
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
	x->cfg.fib_cache_ticks = (__u16)xdp_clock_ticks(&x->clock, RTPE_FIB_CACHE_NS, UINT16_MAX);
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
	x->reused = old.pairs != 0;
	addrs_place(x, cfg, old_slots, old.pairs ? n_old : 0);
	e = seed_pick(x, old.addr_seed, err, errlen);
	if (!e && (e = table_write(x)))
		snprintf(err, errlen, "cannot write the address table: %s", strerror(-e));
	if (!e && (e = legs_map(x, cfg)))
		snprintf(err, errlen, "cannot map rtpe_legs and rtpe_legs_state: %s", strerror(-e));
	return e;
}

void xdp_legs_unmap(struct xdp_state *x)
{
	if (x->legs)
		munmap(x->legs, x->legs_len);
	if (x->state)
		munmap(x->state, x->state_len);
	x->legs = NULL;
	x->state = NULL;
}

int xdp_leg_index(const struct xdp_state *x, __be32 addr, __be16 port, __u32 *idx)
{
	const struct xdp_addr *a = addr_find(x, addr);

	if (!a)
		return -ENOENT;
	*idx = rtpe_leg_index(&x->cfg, a->base, ntohs(port));
	return *idx == (__u32)-1 ? -ERANGE : 0;
}

static struct rtpe_leg *leg_at(struct xdp_state *x, const struct rtpe_leg *v)
{
	__u32 idx;

	if (!x->legs || xdp_leg_index(x, v->local, v->local_port, &idx))
		return NULL;
	return &x->legs[idx];
}

/* Every byte of v but seq into dst, seq odd meanwhile. x86-64 keeps
 * stores in order; the fences keep the compiler (and weaker CPUs) so. */
static void leg_store(struct rtpe_leg *dst, const struct rtpe_leg *v)
{
	__u32 seq = (__atomic_load_n(&dst->seq, __ATOMIC_RELAXED) | 1u);
	size_t at = RTPE_LEG_SNAPSHOT, after = at + sizeof(dst->seq);

	__atomic_store_n(&dst->seq, seq, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(dst, v, at);
	memcpy((char *)dst + after, (const char *)v + after, sizeof(*v) - after);
	__atomic_store_n(&dst->seq, seq + 1, __ATOMIC_RELEASE);
}

/* Whether dst holds v, seq aside, as a finished write: an odd seq is a
 * write a killed daemon left half done, which the program never forwards
 * by, so it must be written again even if the bytes already match. */
static bool leg_same(const struct rtpe_leg *dst, const struct rtpe_leg *v)
{
	struct rtpe_leg c = *v;

	c.seq = __atomic_load_n(&dst->seq, __ATOMIC_RELAXED);
	return !(c.seq & 1) && memcmp(dst, &c, sizeof(c)) == 0;
}

int xdp_leg_put(struct xdp_state *x, const struct rtpe_leg *v)
{
	struct rtpe_leg *dst = leg_at(x, v);

	if (!dst)
		return x->legs ? -ENOENT : -EBADF;
	if (!leg_same(dst, v))
		leg_store(dst, v);
	return 0;
}

int xdp_leg_clear(struct xdp_state *x, __u32 idx)
{
	struct rtpe_leg gone;

	if (!x->legs || idx >= xdp_legs_size(x))
		return -EINVAL;
	gone = x->legs[idx];
	gone.flags = 0;
	gone.path = RTPE_PATH_LEARNING;
	leg_store(&x->legs[idx], &gone);
	return 0;
}

int xdp_leg_del(struct xdp_state *x, __be32 local, __be16 local_port)
{
	__u32 idx;
	int e = xdp_leg_index(x, local, local_port, &idx);

	return e ? e : xdp_leg_clear(x, idx);
}

int xdp_legs_foreach(struct xdp_state *x, xdp_leg_fn fn, void *arg)
{
	__u32 n = xdp_legs_size(x);
	struct rtpe_leg v;
	int e;

	if (!x->legs)
		return -EBADF;
	for (__u32 i = 0; i < n; i++) {
		if (!(__atomic_load_n(&x->legs[i].flags, __ATOMIC_ACQUIRE) & RTPE_LEG_F_ACTIVE))
			continue;
		v = x->legs[i];
		e = fn(&v, i, arg);
		if (e)
			return e;
	}
	return 0;
}

bool xdp_maps_reused(const struct xdp_state *x)
{
	return x->reused;
}

__u32 xdp_legs_size(const struct xdp_state *x)
{
	return RTPE_MAX_ADDRS * x->cfg.pairs;
}
