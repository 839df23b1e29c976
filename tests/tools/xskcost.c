// SPDX-License-Identifier: GPL-2.0
/*
 * xskcost.c - what relaying a UDP packet costs the relay's thread with one
 * socket per leg (epoll, recvmmsg/sendmmsg of 64, as media/relay.c) against
 * one AF_XDP socket for every leg (an XDP program redirecting the packets
 * into an XSKMAP, rings read and written 64 at a time across all
 * sessions), in the same bed: a network namespace of its own, a veth pair
 * xa (10.9.0.1, sender and receiver) <-> xb (10.9.0.2, the relay), the
 * sender offering RATE packets/s round robin over SESSIONS ports of xb, the
 * relay sending each back to 10.9.0.1:5002 (a measurement prototype, not
 * the daemon: AF_XDP copy mode, no sessions table, no SRTP).
 *
 *   xskcost --mode sock|xsk [--sessions N] [--rate PPS] [--seconds S]
 *
 * One JSON line: packets sent and received, and the relay thread's CPU
 * time per received packet (CLOCK_THREAD_CPUTIME_ID: its system calls and
 * the kernel work they do, transmit included) and the whole process's
 * (getrusage: the sender's and receiver's too, with the softirq work that
 * runs in their context). Sender and receiver on CPU 0, the relay on CPU 1.
 * Needs root (a network namespace, XDP).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#define BATCH 64
#define PAYLOAD 172
#define NFRAMES 4096
#define FRAME 2048
#define RING 2048
#define BASE_PORT 20000

static int n_sessions = 1000, rate = 20000, seconds = 3;
static volatile int running = 1, relay_stop;
static uint64_t sent, received, relayed;

static uint64_t now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

static int udp_at(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), big = 1 << 20;

	inet_pton(AF_INET, ip, &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("bind");
		exit(2);
	}
	return fd;
}

/* Sender: RATE packets/s in 1 ms steps, round robin over the sessions. */
static void *sender(void *arg)
{
	int fd = udp_at("10.9.0.1", 5000), next = 0;
	static unsigned char pl[PAYLOAD];
	struct sockaddr_in dst[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov = { pl, sizeof(pl) };
	uint64_t t = now_ns(CLOCK_MONOTONIC), end = t + (uint64_t)seconds * 1000000000ull;
	double owed = 0;

	(void)arg;
	pin(0);
	pl[0] = 0x80;
	while (t < end) {
		owed += rate / 1000.0;
		while (owed >= 1) {
			int n = owed > BATCH ? BATCH : (int)owed, k;

			for (int i = 0; i < n; i++) {
				dst[i] = (struct sockaddr_in){ .sin_family = AF_INET,
					.sin_port = htons((uint16_t)(BASE_PORT + 2 * next)) };
				inet_pton(AF_INET, "10.9.0.2", &dst[i].sin_addr);
				next = (next + 1) % n_sessions;
				m[i].msg_hdr = (struct msghdr){ .msg_name = &dst[i],
					.msg_namelen = sizeof(dst[i]), .msg_iov = &iov, .msg_iovlen = 1 };
			}
			k = sendmmsg(fd, m, (unsigned)n, 0);
			if (k > 0)
				sent += (uint64_t)k;
			owed -= n;
		}
		t += 1000000;
		while (now_ns(CLOCK_MONOTONIC) < t)
			usleep(100);
	}
	running = 0;
	return NULL;
}

static void *receiver(void *arg)
{
	int fd = udp_at("10.9.0.1", 5002);
	static unsigned char b[BATCH][2048];
	struct iovec iov[BATCH];
	struct mmsghdr m[BATCH];
	uint64_t quiet_until = 0;

	(void)arg;
	pin(0);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int n;

		if (!running && !quiet_until)
			quiet_until = now_ns(CLOCK_MONOTONIC) + 300000000ull;
		if (quiet_until && now_ns(CLOCK_MONOTONIC) > quiet_until)
			break;
		poll(&p, 1, 20);
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ b[i], sizeof(b[i]) };
			m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		while ((n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL)) > 0)
			received += (uint64_t)n;
	}
	relay_stop = 1;
	return NULL;
}

/* The socket relay: one socket per session, as media/relay.c. */
static void relay_sock(void)
{
	int ep = epoll_create1(0);
	struct sockaddr_in back = { .sin_family = AF_INET, .sin_port = htons(5002) };
	static unsigned char b[BATCH][2048];
	struct iovec iov[BATCH];
	struct mmsghdr in[BATCH], out[BATCH];
	struct epoll_event ev[256];

	inet_pton(AF_INET, "10.9.0.1", &back.sin_addr);
	for (int i = 0; i < n_sessions; i++) {
		int fd = udp_at("10.9.0.2", BASE_PORT + 2 * i);
		struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };

		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	}
	while (!relay_stop) {
		int n = epoll_wait(ep, ev, 256, 20);

		for (int j = 0; j < n; j++) {
			int k;

			for (int i = 0; i < BATCH; i++) {
				iov[i] = (struct iovec){ b[i], sizeof(b[i]) };
				in[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
			}
			k = recvmmsg(ev[j].data.fd, in, BATCH, MSG_DONTWAIT, NULL);
			for (int i = 0; i < k; i++) {
				iov[i].iov_len = in[i].msg_len;
				out[i].msg_hdr = (struct msghdr){ .msg_name = &back,
					.msg_namelen = sizeof(back), .msg_iov = &iov[i], .msg_iovlen = 1 };
			}
			if (k > 0 && sendmmsg(ev[j].data.fd, out, (unsigned)k, 0) > 0)
				relayed += (uint64_t)k;
		}
	}
}

struct ring {
	uint32_t *prod, *cons, *flags;
	void *desc;
};

static void ring_map(int fd, const struct xdp_ring_offset *o, size_t esz, off_t pgoff,
		     struct ring *r)
{
	void *p = mmap(NULL, o->desc + RING * esz, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, pgoff);

	if (p == MAP_FAILED) {
		perror("mmap ring");
		exit(2);
	}
	r->prod = (uint32_t *)((char *)p + o->producer);
	r->cons = (uint32_t *)((char *)p + o->consumer);
	r->flags = (uint32_t *)((char *)p + o->flags);
	r->desc = (char *)p + o->desc;
}

static int xdp_redirect_prog(int map_fd)
{
	struct bpf_insn insns[] = {
		/* r2 = ctx->rx_queue_index */
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1, .off = 16 },
		/* r1 = the XSKMAP */
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD,
		  .imm = map_fd },
		{ 0 },
		/* r3 = XDP_PASS: what the map has no socket for goes on */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xskcost", "GPL", insns, 6, NULL);
}

/* The packet back to the sender's receiver: MACs and IPs swapped (the IP
 * checksum stays right), source port the leg's, destination 5002, no UDP
 * checksum (0: none, allowed in IPv4). */
static void rewrite(unsigned char *f)
{
	unsigned char mac[6], ip[4];
	unsigned ihl = (f[14] & 0xf) * 4u;
	unsigned char *u = f + 14 + ihl;

	memcpy(mac, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
	memcpy(ip, f + 26, 4);
	memcpy(f + 26, f + 30, 4);
	memcpy(f + 30, ip, 4);
	memcpy(u, u + 2, 2);
	u[2] = 5002 >> 8;
	u[3] = 5002 & 0xff;
	u[6] = u[7] = 0;
}

struct xsk {
	int fd;
	void *umem;
	struct ring rx, tx, fr, cr;
};

/* An AF_XDP socket on xb's queue 0 with its rings, the XDP program that
 * feeds it every frame, the fill ring full. Exits on failure. */
static void xsk_open(int ifindex, struct xsk *x)
{
	int fd = socket(AF_XDP, SOCK_RAW, 0), map, prog, ring = RING, one = 0;
	void *umem = mmap(NULL, (size_t)NFRAMES * FRAME, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct xdp_umem_reg reg = { .addr = (uint64_t)(uintptr_t)umem,
				    .len = (uint64_t)NFRAMES * FRAME, .chunk_size = FRAME };
	struct xdp_mmap_offsets off;
	socklen_t ol = sizeof(off);
	struct sockaddr_xdp sa = { .sxdp_family = AF_XDP, .sxdp_ifindex = (uint32_t)ifindex,
				   .sxdp_queue_id = 0, .sxdp_flags = XDP_COPY | XDP_USE_NEED_WAKEUP };
	struct ring *rx = &x->rx, *tx = &x->tx, *fr = &x->fr, *cr = &x->cr;

	if (fd < 0 || umem == MAP_FAILED ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_TX_RING, &ring, sizeof(ring)) ||
	    getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol)) {
		perror("AF_XDP socket");
		exit(2);
	}
	ring_map(fd, &off.rx, sizeof(struct xdp_desc), XDP_PGOFF_RX_RING, rx);
	ring_map(fd, &off.tx, sizeof(struct xdp_desc), XDP_PGOFF_TX_RING, tx);
	ring_map(fd, &off.fr, sizeof(uint64_t), XDP_UMEM_PGOFF_FILL_RING, fr);
	ring_map(fd, &off.cr, sizeof(uint64_t), XDP_UMEM_PGOFF_COMPLETION_RING, cr);
	for (uint32_t i = 0; i < RING; i++)
		((uint64_t *)fr->desc)[i] = (uint64_t)i * FRAME;
	__atomic_store_n(fr->prod, RING, __ATOMIC_RELEASE);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("bind AF_XDP");
		exit(2);
	}
	map = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "xskcost", 4, 4, 1, NULL);
	prog = map >= 0 ? xdp_redirect_prog(map) : -1;
	if (prog < 0 || bpf_map_update_elem(map, &one, &fd, 0) ||
	    bpf_xdp_attach(ifindex, prog, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "XDP program or map: %s\n", strerror(errno));
		exit(2);
	}
	x->fd = fd;
	x->umem = umem;
}

/* Sent frames back to the fill ring. */
static void recycle(struct xsk *x)
{
	uint32_t cc = *x->cr.cons, cp = __atomic_load_n(x->cr.prod, __ATOMIC_ACQUIRE), fp;

	if (cp == cc)
		return;
	fp = *x->fr.prod;
	for (uint32_t i = 0; i < cp - cc; i++)
		((uint64_t *)x->fr.desc)[(fp + i) & (RING - 1)] =
			((uint64_t *)x->cr.desc)[(cc + i) & (RING - 1)];
	__atomic_store_n(x->cr.cons, cp, __ATOMIC_RELEASE);
	__atomic_store_n(x->fr.prod, fp + (cp - cc), __ATOMIC_RELEASE);
}

/* The AF_XDP relay: one socket on xb's queue 0 for every session; up to
 * BATCH frames from the RX ring, rewritten in place, onto the TX ring. */
static void relay_xsk(int ifindex)
{
	struct xsk x;
	struct ring *rx = &x.rx, *tx = &x.tx, *fr = &x.fr;
	int fd;
	void *umem;

	xsk_open(ifindex, &x);
	fd = x.fd;
	umem = x.umem;
	while (!relay_stop) {
		uint32_t rc = *rx->cons, rp = __atomic_load_n(rx->prod, __ATOMIC_ACQUIRE);
		uint32_t tp = *tx->prod, n = rp - rc;

		if (!n) {
			struct pollfd p = { fd, POLLIN, 0 };

			poll(&p, 1, 20);
		}
		if (n > BATCH)
			n = BATCH;
		for (uint32_t i = 0; i < n; i++) {
			struct xdp_desc *d = &((struct xdp_desc *)rx->desc)[(rc + i) & (RING - 1)];

			rewrite((unsigned char *)umem + d->addr);
			((struct xdp_desc *)tx->desc)[(tp + i) & (RING - 1)] = *d;
		}
		if (n) {
			__atomic_store_n(rx->cons, rc + n, __ATOMIC_RELEASE);
			__atomic_store_n(tx->prod, tp + n, __ATOMIC_RELEASE);
			sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0); /* copy mode: always kick */
			relayed += n;
		}
		recycle(&x);
	}
	if (getenv("XSKCOST_DEBUG")) /* what reached the socket, and the device's view */
		fprintf(stderr, "xskcost: relayed %llu, rx ring %u/%u, fill ring %u/%u, %s\n",
			(unsigned long long)relayed, *rx->prod, *rx->cons, *fr->prod, *fr->cons,
			system("ip -s link show xb") ? "ip failed" : "");
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
}

static char ns_name[64];

/* cmd with every "%s" ... "NS" replaced by the relay's namespace. */
static int run(const char *cmd, const char *ns)
{
	char buf[256];
	size_t o = 0;

	for (const char *p = cmd; *p && o < sizeof(buf) - 64; p++) {
		if (p[0] == '%' && p[1] == 's') {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", ns);
			p++;
		} else {
			buf[o++] = *p;
		}
	}
	buf[o] = 0;
	return system(buf) ? -1 : 0;
}

/* Two namespaces: this one (sender, receiver: xa) and ns_name (the relay:
 * xb), so that packets cross the veth rather than loopback. */
static int bed(void)
{
	static const char *const cmds[] = {
		"ip netns add %s",
		"ip link add xa numtxqueues 1 numrxqueues 1 type veth peer name xb netns %s "
		"numtxqueues 1 numrxqueues 1", /* one queue: one AF_XDP socket sees all */
		"ip addr add 10.9.0.1/24 dev xa",
		"ip link set xa up",
		"ip link set lo up",
		"ip -n %s link set xb address 02:00:00:00:0b:02",
		"ip -n %s addr add 10.9.0.2/24 dev xb",
		"ip -n %s link set xb up",
		"ip -n %s link set lo up",
		/* No ARP towards the AF_XDP socket. */
		"ip neigh replace 10.9.0.2 lladdr 02:00:00:00:0b:02 dev xa nud permanent",
	};
	const char *pfx = getenv("RTPE_NS_PREFIX");

	snprintf(ns_name, sizeof(ns_name), "%sxskcost", pfx ? pfx : "");
	if (unshare(CLONE_NEWNET)) {
		perror("unshare");
		return -1;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (run(cmds[i], ns_name))
			return -1;
	return 0;
}

static void bed_down(void)
{
	if (ns_name[0] && run("ip netns del %s 2>/dev/null", ns_name))
		fprintf(stderr, "xskcost: remove the namespace %s by hand\n", ns_name);
}

static int enter_relay_ns(void)
{
	char path[128];
	int fd, e;

	snprintf(path, sizeof(path), "/run/netns/%s", ns_name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	e = fd >= 0 ? setns(fd, CLONE_NEWNET) : -1;
	if (fd >= 0)
		close(fd);
	return e;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", 1, 0, 'm' }, { "sessions", 1, 0, 'n' }, { "rate", 1, 0, 'r' },
		{ "seconds", 1, 0, 's' }, { 0 },
	};
	const char *mode = "sock";
	pthread_t ts, tr;
	struct rusage u0, u1;
	uint64_t c0, c1;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'm')
			mode = optarg;
		else if (o == 'n')
			n_sessions = atoi(optarg);
		else if (o == 'r')
			rate = atoi(optarg);
		else if (o == 's')
			seconds = atoi(optarg);
		else
			return 2;
	}
	atexit(bed_down);
	if (bed())
		return 2;
	pin(1);
	getrusage(RUSAGE_SELF, &u0);
	pthread_create(&tr, NULL, receiver, NULL);
	pthread_create(&ts, NULL, sender, NULL);
	if (enter_relay_ns()) { /* this thread only: the others stay beside xa */
		perror("setns");
		return 2;
	}
	c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	if (!strcmp(mode, "xsk"))
		relay_xsk((int)if_nametoindex("xb"));
	else
		relay_sock();
	c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	getrusage(RUSAGE_SELF, &u1);
	{
		double proc = (double)(u1.ru_utime.tv_sec - u0.ru_utime.tv_sec +
				       u1.ru_stime.tv_sec - u0.ru_stime.tv_sec) * 1e9 +
			      (double)(u1.ru_utime.tv_usec - u0.ru_utime.tv_usec +
				       u1.ru_stime.tv_usec - u0.ru_stime.tv_usec) * 1e3;

		printf("{\"mode\":\"%s\",\"sessions\":%d,\"rate\":%d,\"seconds\":%d,\"sent\":%llu,"
		       "\"received\":%llu,\"relay_ns_per_pkt\":%.0f,\"process_ns_per_pkt\":%.0f}\n",
		       mode, n_sessions, rate, seconds, (unsigned long long)sent,
		       (unsigned long long)received,
		       received ? (double)(c1 - c0) / (double)received : 0,
		       received ? proc / (double)received : 0);
	}
	return 0;
}
