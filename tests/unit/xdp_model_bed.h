/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_model_bed.h - the fixed maps the model tests run against: test_xdp's
 * bed (xdp_env.h: x0, y0, the legs of leg_rows on LOCAL_X) plus a third
 * device z0 that is not in rtpe_tx_ports (MTU 1200), a third address, and
 * legs of every kind on LOCAL_Y and LOCAL_Z: relayed out of x0 (TX) or y0
 * (redirect), to no route, a local or broadcast address, an unresolved
 * next hop, out of z0; learning, userspace and SRTP legs, legs with the
 * PUNT flag, legs caught mid-rewrite (odd seq), free entries with old
 * fields, the last pair of the range. The same contents go into the maps
 * and into the model (struct model, xdp_model.h); the routes the model
 * knows are the ones set up here.
 *
 * The daemon's punt reader is a perf ring on this CPU (the only one the
 * tests run on) that can be plugged into rtpe_punt or taken out.
 *
 * Header only (each tests/unit/test_*.c and tests/fuzz/fuzz_*.c is its own
 * program).
 */
#ifndef RTPE_XDP_MODEL_BED_H
#define RTPE_XDP_MODEL_BED_H

#include <sys/mman.h>
#include <linux/perf_event.h>

#include "xdp_env.h"
#include "xdp_model.h"
#include "xdp/xdp_xsk.h"

#define LOCAL_Z "198.18.9.1"
#define SLOT_ADDR_Z 7
#define BED_LEGS 48
#define BED_SAMPLES 4

static const __u8 mac_z0[ETH_ALEN] = { 2, 0, 0, 0, 3, 1 }, mac_z1[ETH_ALEN] = { 2, 0, 0, 0, 3, 2 };

/* Legs besides leg_rows: peer RTP and RTCP ports, the opposite side. */
static const struct bed_row {
	const char *local;
	__u16 port;
	const char *peer;
	__u16 pport, prtcp;
	const char *osrc;
	__u16 osport;
	const char *odst;
	__u16 odport, ortcp;
	__u8 path, flags;
	__u32 seq;
} bed_rows[] = {
#define XDP RTPE_PATH_XDP
#define ACT RTPE_LEG_F_ACTIVE
#define PUNT (RTPE_LEG_F_ACTIVE | RTPE_LEG_F_PUNT)
	{ LOCAL_Y, 41000, PEER_B, 6000, 6001, LOCAL_X, 41100, PEER_A, 5004, 5005, XDP, ACT, 0 },
	{ LOCAL_Y, 41002, PEER_B, 6002, 7777, LOCAL_Z, 65535, "10.1.2.3", 6002, 1, XDP, ACT, 0 },
	{ LOCAL_Y, 41004, PEER_B, 6004, 6005, LOCAL_X, 41104, "203.0.113.9", 6004, 6005, XDP, PUNT, 0 },
	{ LOCAL_Y, 41006, PEER_B, 6006, 6007, LOCAL_X, 41106, PEER_A, 6006, 6007,
	  RTPE_PATH_LEARNING, PUNT, 0 },
	{ LOCAL_Y, 41008, PEER_B, 6008, 6009, LOCAL_X, 41108, "198.18.2.77", 6008, 6009, XDP, PUNT, 0 },
	{ LOCAL_Y, 41010, PEER_B, 6010, 6011, LOCAL_X, 41110, "198.18.3.2", 6010, 6011, XDP, PUNT, 0 },
	{ LOCAL_Y, 41012, PEER_B, 6012, 6013, LOCAL_X, 41112, "198.18.3.2", 6012, 6013, XDP, ACT, 0 },
	{ LOCAL_Y, 41014, PEER_B, 6014, 6015, LOCAL_X, 41114, PEER_A, 6014, 6015, XDP, PUNT, 3 },
	{ LOCAL_Y, 41016, PEER_B, 6016, 6017, LOCAL_X, 41116, PEER_A, 6016, 6017, XDP, ACT, 5 },
	{ LOCAL_Y, 41018, PEER_B, 6018, 6019, LOCAL_X, 41118, PEER_A, 6018, 6019, XDP, 0, 0 },
	{ LOCAL_Y, 41020, PEER_B, 6020, 6021, LOCAL_X, 41120, PEER_A, 6020, 6021,
	  RTPE_PATH_USERSPACE, PUNT, 0 },
	{ LOCAL_Y, 41022, PEER_B, 6022, 6023, LOCAL_X, 41122, PEER_A, 6022, 6023, RTPE_PATH_SRTP,
	  ACT, 0 },
	{ LOCAL_Y, 41032, PEER_B, 6032, 6033, LOCAL_X, 41132, PEER_A, 6032, 6033, RTPE_PATH_SRTP,
	  ACT | RTPE_LEG_F_XSK, 0 },
	{ LOCAL_Y, 41034, PEER_B, 6034, 6035, LOCAL_X, 41134, PEER_A, 6034, 6035, RTPE_PATH_LEARNING,
	  ACT | RTPE_LEG_F_XSK, 3 },
	{ LOCAL_Y, 41024, PEER_B, 6024, 6025, LOCAL_X, 41124, LOCAL_Y, 6024, 6025, XDP, ACT, 0 },
	{ LOCAL_Y, 41026, PEER_B, 6026, 6027, LOCAL_X, 41126, "198.18.2.255", 6026, 6027, XDP, ACT, 0 },
	{ LOCAL_Y, 41028, PEER_B, 6028, 6029, LOCAL_X, 41128, PEER_B, 6128, 6129, XDP, ACT, 2 },
	{ LOCAL_Y, 41030, PEER_B, 6030, 6030, LOCAL_Z, 41130, PEER_C, 6030, 6030, XDP, ACT, 0 },
	{ LOCAL_Z, 40000, PEER_C, 7000, 7001, LOCAL_Y, 40002, PEER_B, 6100, 6101, XDP, ACT, 0 },
	{ LOCAL_Z, 40002, PEER_C, 7002, 7003, LOCAL_Y, 40004, PEER_B, 6102, 6103, XDP, 0, 1 },
	{ LOCAL_Z, 59998, PEER_C, 7004, 7005, LOCAL_X, 59998, PEER_C, 7006, 7007, XDP, ACT, 0 },
#undef XDP
#undef ACT
#undef PUNT
};

/* Frames aimed at no leg: a free port, a port in the range with no pair,
 * a port below the range, one above. */
static const struct bed_target {
	const char *local;
	__u16 port;
} bed_strays[] = { { LOCAL_X, 40100 }, { LOCAL_Z, 60000 }, { LOCAL_Y, 39998 }, { LOCAL_Z, 60001 } };

struct bed {
	struct env e;
	struct model m;
	__be32 addrs[3];
	struct model_leg legs[BED_LEGS];
	struct model_route routes[9];
	int tx_ports[2];
	__be32 collider; /* another address in LOCAL_X's rtpe_addrs bucket */
	/* rtpe_legs_state, memory-mapped */
	const struct rtpe_leg_state *state;
	size_t state_size;
	/* rtpe_verdicts, summed over the CPUs, as last read */
	struct rtpe_counter counters[RTPE_V_MAX];
	/* the punt reader on this CPU, and what it got since the last take */
	struct perf_buffer *pb;
	struct xdp_xsk *xsk; /* a daemon's AF_XDP socket on x0 queue 0 */
	int cpu, fd_punt;
	int samples, lost;
	__u32 sample_size[BED_SAMPLES];
	__u8 sample[BED_SAMPLES][sizeof(struct rtpe_punt_meta) + FRAME_MAX];
};

static inline __be32 bed_addr(const char *a)
{
	return inet_addr(a);
}

static inline void bed_route(struct bed *b, int i, const char *dst, enum model_fib fib, int ifindex,
			     __u32 mtu, const __u8 *dmac, const __u8 *smac)
{
	struct model_route *r = &b->routes[i];

	r->dst = bed_addr(dst);
	r->fib = fib;
	r->ifindex = ifindex;
	r->mtu = mtu;
	if (dmac)
		memcpy(r->dmac, dmac, ETH_ALEN);
	if (smac)
		memcpy(r->smac, smac, ETH_ALEN);
}

/* The bed's routes, as setup_netns and bed_netns make them. */
static inline void bed_routes(struct bed *b, int if_z0)
{
	struct env *e = &b->e;

	bed_route(b, 0, PEER_A, MODEL_FIB_FWD, e->if_x0, 1500, mac_x1, mac_x0);
	bed_route(b, 1, PEER_C, MODEL_FIB_FWD, e->if_x0, 1500, mac_c, mac_x0);
	bed_route(b, 2, PEER_B, MODEL_FIB_FWD, e->if_y0, 1500, mac_y1, mac_y0);
	bed_route(b, 3, "10.1.2.3", MODEL_FIB_FWD, e->if_y0, 1500, mac_y1, mac_y0); /* via PEER_B */
	bed_route(b, 4, "198.18.2.77", MODEL_FIB_NO_NEIGH, e->if_y0, 1500, NULL, NULL);
	bed_route(b, 5, "198.18.3.2", MODEL_FIB_FWD, if_z0, 1200, mac_z1, mac_z0);
	bed_route(b, 6, "203.0.113.9", MODEL_FIB_NONE, 0, 0, NULL, NULL);
	bed_route(b, 7, LOCAL_Y, MODEL_FIB_NONE, 0, 0, NULL, NULL);        /* local */
	bed_route(b, 8, "198.18.2.255", MODEL_FIB_NONE, 0, 0, NULL, NULL); /* broadcast */
	b->m.routes = b->routes;
	b->m.n_routes = 9;
}

/* z0 (198.18.3.1/24, MTU 1200) <-> z1, neighbour 198.18.3.2 = z1: routed,
 * resolved, and not in rtpe_tx_ports. */
static inline int bed_netns(void)
{
	if (sh("ip link add z0 address 02:00:00:00:03:01 mtu 1200 type veth "
	       "peer name z1 address 02:00:00:00:03:02") ||
	    sh("ip addr add 198.18.3.1/24 dev z0") || sh("ip link set z0 up && ip link set z1 up"))
		return -1;
	return sh("ip neigh replace 198.18.3.2 lladdr 02:00:00:00:03:02 dev z0 nud permanent");
}

/* Writes one of bed_rows into rtpe_legs and the model's legs. */
static inline int bed_leg(struct bed *b, const struct bed_row *r)
{
	struct model_leg *ml = &b->legs[b->m.n_legs];
	struct rtpe_leg *l = &ml->leg;

	if (b->m.n_legs >= BED_LEGS)
		return -1;
	memset(ml, 0, sizeof(*ml));
	ml->local = bed_addr(r->local);
	ml->port = r->port;
	ml->line = leg_idx(&b->e, ml->local, r->port);
	l->peer = bed_addr(r->peer);
	l->out_src = bed_addr(r->osrc);
	l->out_dst = bed_addr(r->odst);
	l->peer_port = htons(r->pport);
	l->peer_rtcp_port = htons(r->prtcp);
	l->out_sport = htons(r->osport);
	l->out_dport = htons(r->odport);
	l->out_rtcp_dport = htons(r->ortcp);
	l->path = r->path;
	l->flags = r->flags;
	l->slot = 1000 + b->m.n_legs;
	l->seq = r->seq;
	l->local = ml->local;
	l->local_port = htons(r->port);
	l->family = RTPE_AF_INET;
	if (ml->line == (__u32)-1 || bpf_map_update_elem(b->e.fd_legs, &ml->line, l, BPF_ANY))
		return -1;
	b->m.n_legs++;
	return 0;
}

/* The model's copy of what setup_maps wrote for leg_rows (read back). */
static inline int bed_env_legs(struct bed *b)
{
	for (size_t i = 0; i < sizeof(leg_rows) / sizeof(leg_rows[0]); i++) {
		struct model_leg *ml = &b->legs[b->m.n_legs];

		ml->local = bed_addr(LOCAL_X);
		ml->port = leg_rows[i].port;
		ml->line = leg_idx(&b->e, ml->local, ml->port);
		if (bpf_map_lookup_elem(b->e.fd_legs, &ml->line, &ml->leg))
			return -1;
		b->m.n_legs++;
	}
	return 0;
}

/* Sums rtpe_verdicts over the CPUs into c. */
static inline int bed_counters(struct bed *b, struct rtpe_counter *c)
{
	for (__u32 v = 0; v < RTPE_V_MAX; v++) {
		c[v] = verdict_get(&b->e, v);
		if (c[v].packets == ~0ULL)
			return -1;
	}
	return 0;
}

static enum bpf_perf_event_ret bed_punt_event(void *ctx, int cpu, struct perf_event_header *ev)
{
	struct bed *b = ctx;
	struct {
		struct perf_event_header h;
		__u32 size;
		__u8 data[];
	} *s = (void *)ev;

	(void)cpu;
	if (ev->type == PERF_RECORD_LOST)
		b->lost++;
	if (ev->type != PERF_RECORD_SAMPLE)
		return LIBBPF_PERF_EVENT_CONT;
	if (b->samples < BED_SAMPLES) {
		__u32 n = s->size < sizeof(b->sample[0]) ? s->size : sizeof(b->sample[0]);

		memcpy(b->sample[b->samples], s->data, n);
		b->sample_size[b->samples] = n;
	}
	b->samples++;
	return LIBBPF_PERF_EVENT_CONT;
}

/* Plugs this CPU's ring into rtpe_punt (a daemon reads) or takes it out. */
static inline int bed_reader(struct bed *b, bool on)
{
	int fd = perf_buffer__buffer_fd(b->pb, 0);

	if (on == b->m.reader)
		return 0;
	b->m.reader = on;
	if (on)
		return bpf_map_update_elem(b->fd_punt, &b->cpu, &fd, BPF_ANY) ? -1 : 0;
	return bpf_map_delete_elem(b->fd_punt, &b->cpu) ? -1 : 0;
}

static inline int bed_punt_setup(struct bed *b)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(attr),
					.config = PERF_COUNT_SW_BPF_OUTPUT,
					.sample_type = PERF_SAMPLE_RAW, .sample_period = 1,
					.wakeup_events = 1 };
	LIBBPF_OPTS(perf_buffer_raw_opts, o, .cpu_cnt = 1, .cpus = &b->cpu, .map_keys = &b->cpu);

	b->fd_punt = bpf_map__fd(b->e.skel->maps.rtpe_punt);
	b->pb = perf_buffer__new_raw(b->fd_punt, 8, &attr, bed_punt_event, b, &o);
	if (!b->pb)
		return -1;
	b->m.reader = true;
	return bed_reader(b, false);
}

/* An address of 198.18/16 other than LOCAL_X in LOCAL_X's bucket. */
static inline __be32 bed_collider(struct bed *b)
{
	__be32 x = bed_addr(LOCAL_X);

	for (__u32 h = 2; h < 65536; h++) {
		__be32 c = htonl(0xc6120000u | h);

		if (c != x && rtpe_addr_bucket(c, b->e.cfg.addr_seed) ==
				      rtpe_addr_bucket(x, b->e.cfg.addr_seed))
			return c;
	}
	return 0;
}

/* The bed: namespaces, program, maps, model, reader. 0 or -1 (said why). */
static inline int bed_setup(struct bed *b)
{
	int if_z0;

	memset(b, 0, sizeof(*b));
	if (setup(&b->e) || bed_netns())
		return -1;
	if_z0 = if_nametoindex("z0");
	b->cpu = sched_getcpu();
	b->addrs[0] = bed_addr(LOCAL_X);
	b->addrs[1] = bed_addr(LOCAL_Y);
	b->addrs[2] = bed_addr(LOCAL_Z);
	b->collider = bed_collider(b);
	b->m.cfg = b->e.cfg;
	b->m.addrs = b->addrs;
	b->m.n_addrs = 3;
	b->m.legs = b->legs;
	b->tx_ports[0] = b->e.if_x0;
	b->tx_ports[1] = b->e.if_y0;
	b->m.tx_ports = b->tx_ports;
	b->m.n_tx_ports = 2;
	b->m.ingress = b->e.if_x0;
	bed_routes(b, if_z0);
	if (!if_z0 || addr_put(&b->e, b->addrs[2], SLOT_ADDR_Z) || bed_env_legs(b)) {
		fprintf(stderr, "xdp model bed: z0, LOCAL_Z or leg_rows: %s\n", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(bed_rows) / sizeof(bed_rows[0]); i++)
		if (bed_leg(b, &bed_rows[i])) {
			fprintf(stderr, "xdp model bed: writing leg %zu: %s\n", i, strerror(errno));
			return -1;
		}
	{
		char err[256] = "";

		if (xdp_xsk_open_fds(bpf_map__fd(b->e.skel->maps.rtpe_xsks),
				     bpf_map__fd(b->e.skel->maps.rtpe_xsk_ifs), "x0", b->e.if_x0, 0,
				     0, &b->xsk, err, sizeof(err))) {
			fprintf(stderr, "xdp model bed: %s\n", err);
			return -1;
		}
		b->m.xsk = true;
	}
	b->state_size = (size_t)bpf_map__max_entries(b->e.skel->maps.rtpe_legs_state) *
			sizeof(struct rtpe_leg_state);
	b->state = mmap(NULL, b->state_size, PROT_READ, MAP_SHARED, b->e.fd_state, 0);
	if (b->state == MAP_FAILED || bed_punt_setup(b) || bed_counters(b, b->counters)) {
		fprintf(stderr, "xdp model bed: mapping rtpe_legs_state, the punt reader or "
			"reading rtpe_verdicts: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

#endif
