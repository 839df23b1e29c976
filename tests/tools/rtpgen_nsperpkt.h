/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpgen_nsperpkt.h - ceiling.bpf.c and the program timer of rtpgen: the
 * "swap" subcommand (put a program into a pinned XDP link) and the
 * "nsperpkt" subcommand (rtpedge_xdp against ceiling_xdp under
 * BPF_PROG_TEST_RUN). Part of rtpgen.c (included once, after
 * rtpgen_frame.h, whose frame_build it uses).
 */
#ifndef RTPGEN_NSPERPKT_H
#define RTPGEN_NSPERPKT_H

/* Loads ceiling.bpf.c with the rewrite the options give. NULL with errno. */
static struct ceiling *ceiling_load(const struct opts *o)
{
	struct ceiling *c;
	int ifindex = o->out_dev ? (int)if_nametoindex(o->out_dev) : 0;

	if (!ifindex || !o->src || !o->dst) {
		errno = ENODEV;
		return NULL;
	}
	c = ceiling__open();
	if (!c)
		return NULL;
	c->rodata->port_min = (__u16)o->port_min;
	c->rodata->port_max = (__u16)o->port_max;
	inet_pton(AF_INET, o->src, (void *)&c->rodata->new_src);
	inet_pton(AF_INET, o->dst, (void *)&c->rodata->new_dst);
	c->rodata->new_sport = (__u16)o->sport;
	c->rodata->new_dport = (__u16)o->dport;
	memcpy(c->rodata->dmac, o->dmac, 6);
	memcpy(c->rodata->smac, o->smac, 6);
	c->rodata->out_ifindex = (__u32)ifindex;
	if (ceiling__load(c)) {
		ceiling__destroy(c);
		errno = EINVAL;
		return NULL;
	}
	return c;
}

static __u32 link_prog_id(int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.prog_id;
}

static int cmd_swap(const struct opts *o)
{
	struct ceiling *c = NULL;
	int fd, pfd, e;
	__u32 old;

	if (!o->link)
		return 2;
	fd = bpf_obj_get(o->link);
	if (fd < 0)
		return die("cannot open the pinned link %s: %s", o->link, strerror(errno));
	old = link_prog_id(fd);
	if (o->prog_id) {
		pfd = bpf_prog_get_fd_by_id(o->prog_id);
	} else {
		c = ceiling_load(o);
		pfd = c ? bpf_program__fd(c->progs.ceiling_xdp) : -1;
	}
	e = pfd < 0 ? -errno : bpf_link_update(fd, pfd, NULL);
	if (!e)
		printf("{\"link\":\"%s\",\"previous_prog_id\":%u,\"prog_id\":%u}\n", o->link, old,
		       link_prog_id(fd));
	if (o->prog_id && pfd >= 0)
		close(pfd);
	ceiling__destroy(c); /* the link holds the program */
	close(fd);
	return e ? die("cannot swap the program of %s: %s", o->link, strerror(-e)) : 0;
}

/*
 * The timed packets. The program reads the nanosecond clock only for the
 * RTP packets jitter sampling needs (include/rtpe_rtp.h: about one in
 * eight of a stream), so one packet repeated would time either none of
 * those reads or all of them. Two packets of one stream are timed, each
 * repeated in one run as before: `plain`, which the program forwards
 * without the clock, and `clock`, which opens a sampled pair and so has
 * the clock read at every repetition. rtpedge_xdp's figure is their mean
 * weighted by the share of a stream's packets that read the clock
 * (timing_clock_share); the ceiling runs `plain`. (Timing a stream of
 * many packets, one run each, inflated both programs' figures by a third
 * on this host: a cost of the harness per run, not of the programs.)
 */
struct timing {
	struct rtpedge *r;
	struct ceiling *c;
	int in, out;
	__u8 plain[FRAME_LEN], clock[FRAME_LEN];
	double clock_share;
};

/* The table shape of the timing: ports 10000-59999 (25,000 pairs per
 * address), the destination in address slot 0, the other legs' addresses
 * (198.18.1.101, .102, ...) in slots 1, 2, ... The route cache keeps an
 * answer 1,000 ticks: at least the daemon's second at any HZ up to 1000. */
static const struct rtpe_config timing_cfg = { .port_min = 10000, .port_max = 59999,
					       .first_port = 10000, .fib_cache_ticks = 1000,
					       .pairs = 25000 };

/* One leg: RTP from src:5004 to dst:40000 rewritten to itself. */
static void fixed_leg(const struct opts *o, struct rtpe_leg *v)
{
	memset(v, 0, sizeof(*v));
	inet_pton(AF_INET, o->dst, &v->local);
	v->local_port = htons(40000);
	inet_pton(AF_INET, o->src, &v->peer);
	v->peer_port = htons(5004);
	v->peer_rtcp_port = htons(5005);
	v->out_src = v->peer;
	v->out_dst = v->local;
	v->out_sport = htons(5004);
	v->out_dport = htons(40000);
	v->out_rtcp_dport = htons(40001);
	v->path = RTPE_PATH_XDP;
	v->flags = RTPE_LEG_F_ACTIVE;
	v->family = RTPE_AF_INET;
	v->clock_rate = 8000;
}

/* Address slot s (0: the destination) into rtpe_addrs. */
static int timing_addr(struct timing *t, const struct opts *o, __u32 s)
{
	struct rtpe_addr_slot a = { htonl(0xc6120164u + s), s * timing_cfg.pairs };
	__u32 b;

	if (!s)
		inet_pton(AF_INET, o->dst, &a.addr);
	b = rtpe_addr_bucket(a.addr, timing_cfg.addr_seed);
	return bpf_map_update_elem(bpf_map__fd(t->r->maps.rtpe_addrs), &b, &a, 0) ? -errno : 0;
}

/* legs other legs (XDP, on the addresses of slots 1, 2, ...) beside the fixed one. */
static int timing_legs(struct timing *t, const struct opts *o)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 n = o->legs + 1;
	__u32 *k = calloc(n, sizeof(*k));
	struct rtpe_leg *v = calloc(n, sizeof(*v));
	int e = k && v ? 0 : -ENOMEM;

	if (!e) {
		fixed_leg(o, &v[0]);
		k[0] = rtpe_leg_index(&timing_cfg, 0, 40000);
	}
	for (__u32 i = 1; !e && i < n; i++) {
		__u32 s = 1 + (i - 1) / timing_cfg.pairs, pair = (i - 1) % timing_cfg.pairs;

		if (!pair)
			e = timing_addr(t, o, s);
		v[i] = v[0];
		v[i].local = htonl(0xc6120164u + s);
		v[i].local_port = htons((__u16)(timing_cfg.first_port + 2 * pair));
		v[i].slot = i;
		k[i] = s * timing_cfg.pairs + pair;
	}
	e = e ?: timing_addr(t, o, 0);
	if (!e && bpf_map_update_batch(bpf_map__fd(t->r->maps.rtpe_legs), k, v, &n, &bo))
		e = -errno;
	free(k);
	free(v);
	return e;
}

/* rtpedge_xdp with private (unpinned) maps: config, tx port, legs. */
static int timing_rtpedge(struct timing *t, const struct opts *o)
{
	struct bpf_devmap_val dv = { .ifindex = (__u32)t->out };
	struct bpf_map *m;
	__u32 zero = 0, key = (__u32)t->out;
	int e;

	if (o->legs >= (RTPE_MAX_ADDRS - 1) * timing_cfg.pairs)
		return -E2BIG;
	t->r = rtpedge__open();
	if (!t->r)
		return -errno;
	bpf_object__for_each_map(m, t->r->obj)
		bpf_map__set_pin_path(m, NULL);
	bpf_map__set_max_entries(t->r->maps.rtpe_legs, RTPE_MAX_ADDRS * timing_cfg.pairs);
	bpf_map__set_max_entries(t->r->maps.rtpe_legs_state, RTPE_MAX_ADDRS * timing_cfg.pairs);
	e = rtpedge__load(t->r);
	if (!e && bpf_map_update_elem(bpf_map__fd(t->r->maps.rtpe_config), &zero, &timing_cfg, 0))
		e = -errno;
	if (!e && bpf_map_update_elem(bpf_map__fd(t->r->maps.rtpe_tx_ports), &key, &dv, 0))
		e = -errno;
	return e ? e : timing_legs(t, o);
}

/* One frame through prog: ns per repetition, or -1 when the program did
 * not relay the frame onto itself (then the figure would mean nothing). */
static double timing_frame(const struct timing *t, int prog, const __u8 *frame, unsigned repeat)
{
	struct xdp_md ctx = { .data_end = FRAME_LEN, .ingress_ifindex = (__u32)t->in };
	__u8 out[FRAME_LEN + 64];
	LIBBPF_OPTS(bpf_test_run_opts, r, .data_in = frame, .data_size_in = FRAME_LEN,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = (int)repeat);

	if (bpf_prog_test_run_opts(prog, &r) || r.retval != XDP_REDIRECT ||
	    r.data_size_out != FRAME_LEN || memcmp(out, frame, FRAME_LEN))
		return -1;
	return r.duration;
}

/* The sequence numbers of the two timed packets. */
static __u16 timing_seq(bool clock)
{
	__u16 s = 1;

	while (clock ? !rtp_pair_closes((__u16)(s + 1)) :
		       rtp_pair_closes(s) || rtp_pair_closes((__u16)(s + 1)))
		s++;
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, unsigned n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void prog_print(const char *name, int prog, const double *ns, unsigned n)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(prog, &info, &len);
	printf("\"%s\":{\"ns_median\":%.1f,\"ns\":[", name, median(ns, n));
	for (unsigned i = 0; i < n; i++)
		printf("%s%.0f", i ? "," : "", ns[i]);
	printf("],\"xlated_insns\":%u,\"verified_insns\":%u,\"jited_bytes\":%u}",
	       info.xlated_prog_len / 8, info.verified_insns, info.jited_prog_len);
}

/* Of a stream's packets (every sequence number once), the share the
 * program reads the clock for: both ends of each sampled pair. */
static double timing_clock_share(void)
{
	struct rtpe_leg_rtp st;
	unsigned n = 0;

	memset(&st, 0, sizeof(st));
	for (unsigned k = 0; k < 65536; k++) {
		bool want = rtp_wants_arrival(&st, 1, (__u16)k);

		n += want;
		rtp_receive_fields(&st, 1, (__u16)k, k * 160, want ? 1 : 0, 8000);
	}
	return n / 65536.0;
}

/* Alternating rounds, so that drift on a shared machine hits both. */
static int timing_rounds(const struct timing *t, const struct opts *o)
{
	int pr = bpf_program__fd(t->r->progs.rtpedge_xdp), pc = bpf_program__fd(t->c->progs.ceiling_xdp);
	double r[MAX_ROUNDS], c[MAX_ROUNDS], a[MAX_ROUNDS], b[MAX_ROUNDS];

	for (unsigned i = 0; i < o->rounds; i++) {
		c[i] = timing_frame(t, pc, t->plain, o->repeat);
		a[i] = timing_frame(t, pr, t->plain, o->repeat);
		b[i] = timing_frame(t, pr, t->clock, o->repeat);
		r[i] = a[i] < 0 || b[i] < 0 ? -1 :
		       (1 - t->clock_share) * a[i] + t->clock_share * b[i];
		if (c[i] < 0 || r[i] < 0) {
			fprintf(stderr, "rtpgen: %s did not relay the timing frame onto itself "
				"(check --src/--dst/--dmac/--smac and routes in this namespace)\n",
				c[i] < 0 ? "ceiling_xdp" : "rtpedge_xdp");
			return 1;
		}
	}
	printf("{\"repeat\":%u,\"rounds\":%u,\"legs\":%u,\"clock_share\":%.4f,"
	       "\"rtpedge_plain_ns\":%.1f,\"rtpedge_clock_ns\":%.1f,",
	       o->repeat, o->rounds, o->legs, t->clock_share, median(a, o->rounds),
	       median(b, o->rounds));
	prog_print("ceiling", pc, c, o->rounds);
	printf(",");
	prog_print("rtpedge", pr, r, o->rounds);
	printf(",\"ratio\":%.3f}\n", median(r, o->rounds) / median(c, o->rounds));
	return 0;
}

static int cmd_nsperpkt(struct opts *o)
{
	struct bench_flow f = { .sport = htons(5004), .dport = htons(40000),
				.ssrc = htonl(0x5eed) };
	struct timing t = { 0 };
	int e;

	if (!o->dev || !o->out_dev || !o->src || !o->dst || !o->rounds ||
	    o->rounds > MAX_ROUNDS || o->repeat < 1)
		return 2;
	t.in = (int)if_nametoindex(o->dev);
	t.out = (int)if_nametoindex(o->out_dev);
	if (!t.in || !t.out)
		return die("no device %s in this network namespace", !t.in ? o->dev : o->out_dev);
	inet_pton(AF_INET, o->src, &f.saddr);
	inet_pton(AF_INET, o->dst, &f.daddr);
	f.seq = timing_seq(false);
	f.ts = 160u * f.seq;
	frame_build(t.plain, o->dmac, o->smac, &f);
	f.seq = timing_seq(true);
	f.ts = 160u * f.seq;
	frame_build(t.clock, o->dmac, o->smac, &f);
	t.clock_share = timing_clock_share();
	o->port_min = 40000;
	o->port_max = 60000;
	o->sport = 5004;
	o->dport = 40000;
	e = pin_cpu(o->cpu);
	if (!e)
		e = timing_rtpedge(&t, o);
	if (!e) {
		t.c = ceiling_load(o);
		e = t.c ? 0 : -errno;
	}
	if (!e)
		e = timing_rounds(&t, o);
	else
		die("cannot set up the programs for timing: %s", strerror(-e));
	rtpedge__destroy(t.r);
	ceiling__destroy(t.c);
	return e ? 1 : 0;
}

#endif /* RTPGEN_NSPERPKT_H */
