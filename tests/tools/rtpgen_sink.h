/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpgen_sink.h - the bench_sink side of rtpgen: the "sink" subcommand
 * (attach bench_sink.bpf.c and pin its link and counters) and reading the
 * pinned per-CPU counters and latency histogram back for "run". Part of
 * rtpgen.c (included once, after its types, constants and helpers).
 */
#ifndef RTPGEN_SINK_H
#define RTPGEN_SINK_H

/* Per-CPU __u64 arrays summed over CPUs: counts[n]. */
static int percpu_sum(int fd, __u32 n, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 v[MAX_CPUS];

	if (ncpu <= 0 || ncpu > MAX_CPUS)
		return -ERANGE;
	for (__u32 k = 0; k < n; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, v))
			return -errno;
		for (int c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	return 0;
}

struct sink_snap {
	__u64 c[SINK_COUNTERS];
	__u64 h[SINK_BUCKETS];
};

static int sink_read(int fd_c, int fd_h, struct sink_snap *s)
{
	int e = percpu_sum(fd_c, SINK_COUNTERS, s->c);

	return e ? e : percpu_sum(fd_h, SINK_BUCKETS, s->h);
}

/* Lower bound and width (ns) of a bench_sink histogram bucket. */
static double bucket_mid(__u32 b)
{
	__u32 e = b >> SINK_SUB_BITS, m = b & ((1 << SINK_SUB_BITS) - 1);

	if (!e)
		return b;
	return (double)(((__u64)(16 + m) << (e - 1))) + (double)((__u64)1 << (e - 1)) / 2;
}

/* The q-quantile (0..1) of the packets counted in h, in microseconds. */
static double hist_quantile(const __u64 *h, __u64 total, double q)
{
	__u64 want = (__u64)(q * (double)total + 0.5), cum = 0;

	if (!total)
		return -1;
	if (want < 1)
		want = 1;
	for (__u32 b = 0; b < SINK_BUCKETS; b++) {
		cum += h[b];
		if (cum >= want)
			return bucket_mid(b) / 1000.0;
	}
	return -1;
}

static int sink_open(const char *dir, int *fd_c, int *fd_h)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sink_counts", dir);
	*fd_c = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/sink_hist", dir);
	*fd_h = bpf_obj_get(path);
	return *fd_c < 0 || *fd_h < 0 ? -ENOENT : 0;
}

static int cmd_sink(const struct opts *o)
{
	struct bench_sink *s = bench_sink__open_and_load();
	struct bpf_link *l = NULL;
	char path[512];
	int ifindex = o->dev ? (int)if_nametoindex(o->dev) : 0, e;

	if (!o->dev || !o->pin)
		return 2;
	if (!s || !ifindex) {
		bench_sink__destroy(s);
		return die("cannot load the sink for %s: %s", o->dev, strerror(errno));
	}
	l = bpf_program__attach_xdp(s->progs.bench_sink, ifindex);
	e = l ? 0 : -errno;
	snprintf(path, sizeof(path), "%s/sink_link", o->pin);
	if (!e)
		e = bpf_link__pin(l, path);
	snprintf(path, sizeof(path), "%s/sink_counts", o->pin);
	if (!e)
		e = bpf_map__pin(s->maps.bench_sink_counts, path);
	snprintf(path, sizeof(path), "%s/sink_hist", o->pin);
	if (!e)
		e = bpf_map__pin(s->maps.bench_sink_hist, path);
	if (e) {
		snprintf(path, sizeof(path), "%s/sink_link", o->pin);
		unlink(path);
	}
	bpf_link__destroy(l); /* the pin keeps it attached */
	bench_sink__destroy(s);
	if (e)
		return die("cannot attach or pin the sink on %s (pins under %s): %s", o->dev,
			   o->pin, strerror(-e));
	printf("{\"sink\":\"%s\",\"pin\":\"%s\"}\n", o->dev, o->pin);
	return 0;
}

#endif /* RTPGEN_SINK_H */
