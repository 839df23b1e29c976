// SPDX-License-Identifier: GPL-2.0
/*
 * rtpgen - the benchmarks' traffic generator, sink control and program
 * timer (scripts/bench.sh drives it; docs/PERFORMANCE.md explains the
 * method). Every subcommand prints one JSON object on stdout.
 *
 *   rtpgen sink --dev DEV --pin DIR
 *       Attaches bench_sink.bpf.c to DEV (native XDP) through a bpf_link
 *       pinned as DIR/sink_link (remove the pin to detach) and pins its
 *       counters as DIR/sink_counts and DIR/sink_hist.
 *   rtpgen swap --link PIN (--prog-id ID | ceiling options)
 *       Puts program ID, or a freshly loaded ceiling.bpf.c, into the pinned
 *       XDP link PIN (the daemon's), and says which program it replaced.
 *       Ceiling options: --src IP --dst IP --sport N --dport N --smac MAC
 *       --dmac MAC --out-dev DEV [--port-min N --port-max N].
 *   rtpgen run --dev DEV --dmac MAC --flows FILE --sink DIR [--rate PPS]
 *          [--seconds S] [--warmup S] [--burst N] [--cpu N]
 *          [--account NAME=PID,PID...]... [--label TEXT]
 *          [--mode stamp|rtp-clock|srtp-set --srtp-set FILE]
 *       Offers RTP packets (bench_gen.bpf.c, BPF_PROG_RUN with live
 *       frames, XDP_TX out of DEV) over the flows of FILE (lines "ID
 *       LEG_A_LOCAL PEER_A ...", as ctlbench writes them), paced at PPS
 *       in bursts of N frames (default 64),
 *       and reports offered and delivered packets, loss, latency from the
 *       sink, and the CPU time of each accounted group of threads
 *       (/proc/PID/task/TID/schedstat) over the same window. Modes
 *       (bench_gen.bpf.c): stamp (the default), rtp-clock (the send time
 *       in the RTP timestamp too, for relays that encrypt), srtp-set (the
 *       SRTP packets of FILE, made by srtpcost --write, sent in order by
 *       every flow; the flows' SSRC is the set's).
 *   rtpgen nsperpkt --dev IN --out-dev OUT --dmac MAC --smac MAC
 *          [--legs N] [--repeat N] [--rounds N] [--cpu N]
 *       Times rtpedge_xdp and ceiling_xdp under BPF_PROG_TEST_RUN on one
 *       frame they both relay (a fixed point: the rewrite reproduces the
 *       frame, so every repetition does the whole work), alternating,
 *       with N other legs in the map; plus their instruction counts.
 *
 * Exit status: 0 on success, 1 when the measurement failed, 2 on usage.
 * RTPGEN_DEBUG=1 in the environment shows libbpf's messages.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/time.h>
#include <linux/types.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rtpedge.h"
#include "rtpe_rtp.h"
#include "bench_gen.skel.h"
#include "bench_sink.skel.h"
#include "ceiling.skel.h"
#include "rtpedge.skel.h"

#define MAX_FLOWS 1000000
#define MAX_ACCOUNTS 8
#define MAX_PIDS 16
#define MAX_CPUS 512
#define SINK_COUNTERS 6   /* enum sink_counter in bench_sink.bpf.c */
#define SINK_BUCKETS 1024 /* and its histogram */
#define SINK_SUB_BITS 4
#define FRAME_LEN (14 + 20 + 8 + 12 + 160)
#define SRTP_SET_MAX 192  /* struct srtp_pkt in bench_gen.bpf.c */
#define FRAME_MAX (14 + 20 + 8 + SRTP_SET_MAX)
#define SSRC_RTP_CLOCK 0x11000000u /* bench_sink.bpf.c: send time in the RTP timestamp */
#define MAX_ROUNDS 64

/* Keep in step with bpf/bench_gen.bpf.c. */
struct bench_flow {
	__be32 saddr, daddr;
	__be16 sport, dport;
	__be32 ssrc;
	__u32 ts;
	__u16 seq;
	__u16 pad;
};

enum { C_PACKETS, C_BYTES, C_OTHER, C_LAT_SUM, C_SKEW, C_UNTIMED };
enum { GEN_STAMP, GEN_RTP_CLOCK, GEN_SRTP_SET }; /* enum gen_mode in bench_gen.bpf.c */

/* What the scheduler says of a group of threads (/proc/PID/task/TID/schedstat). */
struct sched_use {
	__u64 run_ns;  /* on a CPU */
	__u64 wait_ns; /* runnable but waiting for a CPU */
	__u64 slices;  /* times put on a CPU (wake-ups, preemptions) */
};

struct account {
	char name[32];
	int pids[MAX_PIDS], npids;
	struct sched_use before, after;
};

struct opts {
	const char *dev, *out_dev, *flows, *sink, *link, *label, *pin;
	const char *src, *dst, *srtp_set;
	int mode;
	__u8 dmac[6], smac[6];
	unsigned sport, dport, port_min, port_max, prog_id;
	double rate, seconds, warmup;
	unsigned legs, repeat, rounds, burst;
	int cpu;
	struct account acct[MAX_ACCOUNTS];
	int nacct;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

/* Prints "rtpgen: MESSAGE" on stderr; returns 1 (measurement failed). */
__attribute__((format(printf, 1, 2))) static int die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rtpgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static int parse_mac(const char *s, __u8 *mac)
{
	unsigned m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (__u8)m[i];
	return 0;
}

/* "a.b.c.d:port" into network-order address and port. */
static int parse_ep(const char *s, __be32 *addr, __be16 *port)
{
	char ip[32];
	unsigned p;

	if (sscanf(s, "%31[0-9.]:%u", ip, &p) != 2 || p > 65535 || inet_pton(AF_INET, ip, addr) != 1)
		return -EINVAL;
	*port = htons((__u16)p);
	return 0;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Adds every thread of pid to u; nothing when the process is gone. */
static void pid_sched_add(int pid, struct sched_use *u)
{
	unsigned long long run, wait, slices;
	char path[300];
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu %llu %llu", &run, &wait, &slices) == 3) {
			u->run_ns += run;
			u->wait_ns += wait;
			u->slices += slices;
		}
		fclose(f);
	}
	closedir(dir);
}

static void accounts_read(struct opts *o, bool after)
{
	for (int i = 0; i < o->nacct; i++) {
		struct sched_use *u = after ? &o->acct[i].after : &o->acct[i].before;

		memset(u, 0, sizeof(*u));
		for (int k = 0; k < o->acct[i].npids; k++)
			pid_sched_add(o->acct[i].pids[k], u);
	}
}

/* "NAME=PID,PID" */
static int account_parse(struct opts *o, const char *s)
{
	const char *eq = strchr(s, '=');
	struct account *a;
	char *end;

	if (!eq || eq == s || eq - s >= (long)sizeof(a->name) || o->nacct >= MAX_ACCOUNTS)
		return -EINVAL;
	a = &o->acct[o->nacct++];
	memset(a, 0, sizeof(*a));
	memcpy(a->name, s, (size_t)(eq - s));
	for (s = eq + 1; *s && a->npids < MAX_PIDS; s = *end ? end + 1 : end) {
		long pid = strtol(s, &end, 10);

		if (end == s || pid <= 0 || (*end && *end != ','))
			return -EINVAL;
		a->pids[a->npids++] = (int)pid;
	}
	return a->npids ? 0 : -EINVAL;
}

#include "rtpgen_frame.h"
#include "rtpgen_sink.h"
#include "rtpgen_nsperpkt.h"

struct gen {
	struct bench_gen *skel;
	int prog, ifindex;
	unsigned burst; /* frames per live-frame batch, sent together */
	int err;        /* the first failed BPF_PROG_RUN */
	unsigned frame_len;
	__u8 frame[FRAME_MAX];
};

/* GEN_SRTP_SET: the set into bench_srtp_set (after load). */
static int gen_set_fill(struct gen *g, const struct srtp_set *set)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 *keys = calloc(set->count, sizeof(*keys)), n = set->count;
	int e = -ENOMEM;

	if (keys) {
		for (__u32 i = 0; i < n; i++)
			keys[i] = i;
		e = bpf_map_update_batch(bpf_map__fd(g->skel->maps.bench_srtp_set), keys, set->pkts,
					 &n, &bo) ? -errno : 0;
	}
	free(keys);
	return e;
}

/* Loads the generator with n flows. 0 or -errno. */
static int gen_open(struct gen *g, const struct opts *o, const struct bench_flow *f, __u32 n,
		    const struct srtp_set *set)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 *keys = calloc(n, sizeof(*keys));
	__u8 smac[6];
	int e = -ENOMEM;

	g->ifindex = (int)if_nametoindex(o->dev);
	if (!g->ifindex || dev_mac(o->dev, smac)) {
		free(keys);
		return -ENODEV;
	}
	g->skel = bench_gen__open();
	if (!keys || !g->skel)
		goto out;
	g->skel->rodata->n_flows = n;
	g->skel->rodata->mode = (__u8)o->mode;
	g->skel->rodata->set_mask = set->count ? set->count - 1 : 0;
	g->skel->rodata->set_len = set->count ? set->len : 12;
	bpf_map__set_max_entries(g->skel->maps.bench_srtp_set, set->count ? set->count : 1);
	memcpy(g->skel->rodata->dmac, o->dmac, 6);
	memcpy(g->skel->rodata->smac, smac, 6);
	bpf_map__set_max_entries(g->skel->maps.bench_flows, n);
	e = bench_gen__load(g->skel);
	if (e)
		goto out;
	for (__u32 i = 0; i < n; i++)
		keys[i] = i;
	e = bpf_map_update_batch(bpf_map__fd(g->skel->maps.bench_flows), keys, f, &n, &bo);
	e = e ? -errno : 0;
	if (!e && set->count)
		e = gen_set_fill(g, set);
	g->prog = bpf_program__fd(g->skel->progs.bench_gen);
	g->burst = o->burst;
	frame_build(g->frame, o->dmac, smac, &f[0]);
	g->frame_len = set->count ? frame_build_srtp(g->frame, o->dmac, smac, &f[0], set) : FRAME_LEN;
out:
	free(keys);
	return e;
}

/* Up to n frames out of the device, in live-frame batches of burst; -EINTR
 * when a signal ended the run. */
static int gen_burst(struct gen *g, unsigned n)
{
	struct xdp_md ctx = { .data_end = g->frame_len, .ingress_ifindex = (__u32)g->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = g->frame, .data_size_in = g->frame_len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = (int)n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = g->burst);

	return bpf_prog_test_run_opts(g->prog, &t) ? -errno : 0;
}

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	alarm_fired = sig;
}

/*
 * Offers rate packets/s for seconds, in bursts: one long BPF_PROG_RUN
 * (each call costs ~20 ms of set-up here) paced by the program itself
 * (bench_gen.bpf.c), ended by SIGALRM. Returns the frames sent; *elapsed the time it took (ns).
 */
static __u64 gen_paced(struct gen *g, double rate, double seconds, __u64 *elapsed)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	__u64 us = (__u64)(seconds * 1e6), made0 = g->skel->bss->made, start;
	struct itimerval it = { .it_value = { .tv_sec = (time_t)(us / 1000000),
					      .tv_usec = (suseconds_t)(us % 1000000) } };

	sigaction(SIGALRM, &sa, NULL);
	g->skel->bss->burst = g->burst;
	g->skel->bss->interval_ns = (__u64)(1e9 * g->burst / rate + 0.5);
	g->skel->bss->next_ns = 0;
	g->skel->bss->iter = 0;
	alarm_fired = 0;
	start = now_ns();
	setitimer(ITIMER_REAL, &it, NULL);
	while (!alarm_fired && !stop) {
		int e = gen_burst(g, 1u << 30);

		if (e && e != -EINTR) {
			g->err = e;
			break;
		}
	}
	*elapsed = now_ns() - start;
	return g->skel->bss->made - made0;
}

struct run_result {
	__u64 sent, elapsed_ns, window_ns, gen_cpu_ns, gen_idle;
	struct sink_snap a, b;
};

static void run_print(const struct opts *o, const struct run_result *r)
{
	__u64 got = r->b.c[C_PACKETS] - r->a.c[C_PACKETS], h[SINK_BUCKETS], timed;
	double secs = (double)r->elapsed_ns / 1e9;

	timed = 0; /* packets with a send time: the histogram's (none: no latency) */
	for (int i = 0; i < SINK_BUCKETS; i++) {
		h[i] = r->b.h[i] - r->a.h[i];
		timed += h[i];
	}
	printf("{\"label\":\"%s\",\"rate_target\":%.0f,\"seconds\":%.3f,\"window_s\":%.3f,"
	       "\"sent\":%llu,\"offered_pps\":%.0f,\"delivered\":%llu,\"delivered_pps\":%.0f,"
	       "\"lost\":%lld,\"loss_ratio\":%.6f,", o->label, o->rate, secs,
	       (double)r->window_ns / 1e9, (unsigned long long)r->sent, (double)r->sent / secs,
	       (unsigned long long)got, (double)got / secs, (long long)(r->sent - got),
	       r->sent ? (double)((long long)(r->sent - got)) / (double)r->sent : 0.0);
	if (timed)
		printf("\"lat_p50_us\":%.2f,\"lat_p99_us\":%.2f,\"lat_max_us\":%.2f,"
		       "\"lat_mean_us\":%.2f,", hist_quantile(h, timed, 0.50),
		       hist_quantile(h, timed, 0.99), hist_quantile(h, timed, 1.0),
		       (double)(r->b.c[C_LAT_SUM] - r->a.c[C_LAT_SUM]) / (double)timed / 1000.0);
	else
		printf("\"lat_p50_us\":null,\"lat_p99_us\":null,\"lat_max_us\":null,"
		       "\"lat_mean_us\":null,");
	printf("\"sink_other\":%llu,\"clock_skew\":%llu,\"untimed\":%llu,\"gen_cpu_ns\":%llu,"
	       "\"gen_idle\":%.3f,\"cpu\":{", (unsigned long long)(r->b.c[C_OTHER] - r->a.c[C_OTHER]),
	       (unsigned long long)(r->b.c[C_SKEW] - r->a.c[C_SKEW]),
	       (unsigned long long)(r->b.c[C_UNTIMED] - r->a.c[C_UNTIMED]),
	       (unsigned long long)r->gen_cpu_ns,
	       (double)r->gen_idle / (double)(r->gen_idle + r->sent + 1));
	for (int i = 0; i < o->nacct; i++) {
		const struct account *a = &o->acct[i];

		printf("%s\"%s\":{\"run_ns\":%llu,\"wait_ns\":%llu,\"slices\":%llu}",
		       i ? "," : "", a->name, (unsigned long long)(a->after.run_ns - a->before.run_ns),
		       (unsigned long long)(a->after.wait_ns - a->before.wait_ns),
		       (unsigned long long)(a->after.slices - a->before.slices));
	}
	printf("}}\n");
}

/* Warm-up, then the measured window: sink and CPU read before and after,
 * each after a drain pause so no packet is in flight at a read. */
static int run_measure(struct opts *o, struct gen *g, int fd_c, int fd_h, struct run_result *r)
{
	struct sched_use self0 = { 0 }, self1 = { 0 };
	__u64 t0, idle0, ignored;
	int e;

	if (o->warmup > 0)
		gen_paced(g, o->rate, o->warmup, &ignored);
	usleep(100000);
	e = sink_read(fd_c, fd_h, &r->a);
	if (e)
		return e;
	accounts_read(o, false);
	pid_sched_add(getpid(), &self0);
	idle0 = g->skel->bss->idle;
	t0 = now_ns();
	r->sent = gen_paced(g, o->rate, o->seconds, &r->elapsed_ns);
	pid_sched_add(getpid(), &self1);
	r->gen_cpu_ns = self1.run_ns - self0.run_ns;
	r->gen_idle = g->skel->bss->idle - idle0;
	usleep(100000);
	e = sink_read(fd_c, fd_h, &r->b);
	accounts_read(o, true);
	r->window_ns = now_ns() - t0;
	return e ? e : g->err;
}

static int cmd_run(struct opts *o)
{
	struct run_result r = { 0 };
	struct bench_flow *f = NULL;
	struct gen g = { 0 };
	struct srtp_set set = { 0 };
	int fd_c, fd_h, e;
	__u32 n = 0;

	if (!o->dev || !o->flows || !o->sink || o->rate <= 0 || o->seconds <= 0 ||
	    (o->mode == GEN_SRTP_SET) != !!o->srtp_set)
		return 2;
	e = flows_load(o->flows, o->mode, &f, &n);
	if (e)
		return die("cannot read flows from %s: %s", o->flows, strerror(-e));
	e = o->srtp_set ? srtp_set_load(o->srtp_set, &set) : 0;
	if (e) {
		free(f);
		return die("cannot read the SRTP set %s: %s", o->srtp_set, strerror(-e));
	}
	if (sink_open(o->sink, &fd_c, &fd_h))
		return die("no sink counters under %s: run 'rtpgen sink' first", o->sink);
	e = pin_cpu(o->cpu);
	if (!e)
		e = gen_open(&g, o, f, n, &set);
	free(f);
	free(set.pkts);
	if (e) {
		bench_gen__destroy(g.skel);
		return die("cannot set up the generator on %s: %s", o->dev, strerror(-e));
	}
	e = run_measure(o, &g, fd_c, fd_h, &r);
	bench_gen__destroy(g.skel);
	if (e)
		return die("measurement %s failed: %s", o->label, strerror(-e));
	run_print(o, &r);
	return 0;
}

static const struct option long_opts[] = {
	{ "dev", required_argument, NULL, 'd' },    { "out-dev", required_argument, NULL, 'o' },
	{ "dmac", required_argument, NULL, 'M' },   { "smac", required_argument, NULL, 'm' },
	{ "flows", required_argument, NULL, 'f' },  { "sink", required_argument, NULL, 'k' },
	{ "pin", required_argument, NULL, 'p' },    { "link", required_argument, NULL, 'l' },
	{ "rate", required_argument, NULL, 'r' },   { "seconds", required_argument, NULL, 's' },
	{ "warmup", required_argument, NULL, 'w' }, { "burst", required_argument, NULL, 'b' },
	{ "cpu", required_argument, NULL, 'C' },    { "account", required_argument, NULL, 'a' },
	{ "label", required_argument, NULL, 'L' },  { "src", required_argument, NULL, 'S' },
	{ "dst", required_argument, NULL, 'D' },    { "sport", required_argument, NULL, 'x' },
	{ "dport", required_argument, NULL, 'y' },  { "port-min", required_argument, NULL, 'i' },
	{ "port-max", required_argument, NULL, 'j' }, { "prog-id", required_argument, NULL, 'P' },
	{ "legs", required_argument, NULL, 'g' },   { "repeat", required_argument, NULL, 'R' },
	{ "rounds", required_argument, NULL, 'n' }, { "mode", required_argument, NULL, 'Q' },
	{ "srtp-set", required_argument, NULL, 'T' }, { NULL, 0, NULL, 0 },
};

static int usage(void)
{
	fprintf(stderr,
		"usage: rtpgen sink --dev DEV --pin DIR\n"
		"       rtpgen swap --link PIN (--prog-id ID | --src IP --dst IP --sport N --dport N\n"
		"                   --smac MAC --dmac MAC --out-dev DEV [--port-min N --port-max N])\n"
		"       rtpgen run --dev DEV --dmac MAC --flows FILE --sink DIR [--rate PPS]\n"
		"                  [--seconds S] [--warmup S] [--burst N] [--cpu N]\n"
		"                  [--account NAME=PID,PID...]... [--label TEXT]\n"
		"                  [--mode stamp|rtp-clock|srtp-set --srtp-set FILE]\n"
		"       rtpgen nsperpkt --dev IN --out-dev OUT --src IP --dst IP --dmac MAC --smac MAC\n"
		"                  [--legs N] [--repeat N] [--rounds N] [--cpu N]\n"
		"(see the head of tests/tools/rtpgen.c)\n");
	return 2;
}

static int opt_num(const char *s, double min, double max, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end == s || *end || *v < min || *v > max ? -EINVAL : 0;
}

/* One option into o. 0 or -EINVAL. */
static int opt_set(struct opts *o, int c, const char *a)
{
	double v = 0;
	int e = 0;

	switch (c) {
	case 'd': o->dev = a; break;
	case 'o': o->out_dev = a; break;
	case 'f': o->flows = a; break;
	case 'k': o->sink = a; break;
	case 'p': o->pin = a; break;
	case 'l': o->link = a; break;
	case 'T': o->srtp_set = a; break;
	case 'Q':
		o->mode = !strcmp(a, "stamp") ? GEN_STAMP : !strcmp(a, "rtp-clock") ? GEN_RTP_CLOCK :
			  !strcmp(a, "srtp-set") ? GEN_SRTP_SET : -1;
		return o->mode < 0 ? -EINVAL : 0;
	case 'S': o->src = a; break;
	case 'D': o->dst = a; break;
	case 'L': o->label = a; return strpbrk(a, "\"\\") ? -EINVAL : 0;
	case 'M': return parse_mac(a, o->dmac);
	case 'm': return parse_mac(a, o->smac);
	case 'a': return account_parse(o, a);
	case 'r': return opt_num(a, 1, 1e8, &o->rate);
	case 's': return opt_num(a, 0.001, 3600, &o->seconds);
	case 'w': return opt_num(a, 0, 3600, &o->warmup);
	case 'b': e = opt_num(a, 1, 256, &v); o->burst = (unsigned)v; break;
	case 'C': e = opt_num(a, -1, 4095, &v); o->cpu = (int)v; break;
	case 'x': e = opt_num(a, 0, 65535, &v); o->sport = (unsigned)v; break;
	case 'y': e = opt_num(a, 0, 65535, &v); o->dport = (unsigned)v; break;
	case 'i': e = opt_num(a, 0, 65535, &v); o->port_min = (unsigned)v; break;
	case 'j': e = opt_num(a, 0, 65535, &v); o->port_max = (unsigned)v; break;
	case 'P': e = opt_num(a, 1, 4294967295.0, &v); o->prog_id = (unsigned)v; break;
	case 'g': e = opt_num(a, 0, 4000000, &v); o->legs = (unsigned)v; break;
	case 'R': e = opt_num(a, 1, 1e9, &v); o->repeat = (unsigned)v; break;
	case 'n': e = opt_num(a, 1, MAX_ROUNDS, &v); o->rounds = (unsigned)v; break;
	default: return -EINVAL;
	}
	return e;
}

int main(int argc, char **argv)
{
	struct opts o = { .rate = 1e6, .seconds = 2, .burst = 64, .cpu = -1, .label = "run",
			  .port_min = 40000, .port_max = 60000, .legs = 10000,
			  .repeat = 1000000, .rounds = 5 };
	const char *cmd = argc > 1 ? argv[1] : "";
	int c, rc;

	if (!getenv("RTPGEN_DEBUG")) /* libbpf's own messages on demand */
		libbpf_set_print(NULL);
	while ((c = getopt_long(argc - 1, argv + 1, "", long_opts, NULL)) != -1)
		if (opt_set(&o, c, optarg)) {
			fprintf(stderr, "rtpgen: bad value for option %s: '%s'\n",
				argv[optind], optarg ? optarg : "");
			return usage();
		}
	if (optind != argc - 1)
		return usage();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!strcmp(cmd, "sink"))
		rc = cmd_sink(&o);
	else if (!strcmp(cmd, "swap"))
		rc = cmd_swap(&o);
	else if (!strcmp(cmd, "run"))
		rc = cmd_run(&o);
	else if (!strcmp(cmd, "nsperpkt"))
		rc = cmd_nsperpkt(&o);
	else
		rc = 2;
	return rc == 2 ? usage() : rc;
}
