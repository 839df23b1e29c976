// SPDX-License-Identifier: GPL-2.0
/*
 * test_xdp.c - the XDP fast path under BPF_PROG_TEST_RUN: frames in,
 * verdict, counters and bytes out, one table row or scenario per line.
 *
 * Runs in private network and mount namespaces (gone with the process):
 * veths x0 (198.18.1.1/24) <-> x1 and y0 (198.18.2.1/24) <-> y1 with fixed
 * MACs and permanent neighbours 198.18.1.2 (x1), 198.18.1.3 and 198.18.2.2
 * (y1), so the program's FIB lookups see real routes. x1 and y1 carry no
 * address: in this one namespace 198.18.x.2 would be local and the FIB
 * would answer "local" instead of "forward". The maps pin into a fresh
 * bpffs of the private mount namespace. Every frame arrives on x0.
 * Checksums are verified by full recomputation (byte pairs, big endian),
 * independent of the program's incremental arithmetic.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rtpedge.h"
#include "rtpedge.skel.h"
#include "ceiling.skel.h"
#include "check.h"

#define FRAME_MAX 1600
#define RTP_PAYLOAD 172 /* 12-byte RTP header + 20 ms of PCMU */
#define MAX_CPUS 256
#define LOCAL_X "198.18.1.1"
#define LOCAL_Y "198.18.2.1"
#define PEER_A "198.18.1.2" /* behind x0 */
#define PEER_C "198.18.1.3" /* behind x0 too */
#define PEER_B "198.18.2.2" /* behind y0 */

static const __u8 mac_x0[ETH_ALEN] = { 2, 0, 0, 0, 1, 1 }, mac_x1[ETH_ALEN] = { 2, 0, 0, 0, 1, 2 };
static const __u8 mac_c[ETH_ALEN] = { 2, 0, 0, 0, 1, 3 };
static const __u8 mac_y0[ETH_ALEN] = { 2, 0, 0, 0, 2, 1 }, mac_y1[ETH_ALEN] = { 2, 0, 0, 0, 2, 2 };

static const char *const reason[] = {
#define X(name, verdict, why, help) why,
	RTPE_VERDICTS(X)
#undef X
};

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

struct env {
	struct rtpedge *skel;
	int prog, fd_legs, fd_stats, fd_verdicts, fd_tx;
	int if_x0, if_y0, ncpus;
	__u64 expect[RTPE_V_MAX], expect_bytes[RTPE_V_MAX];
	unsigned seed;
};

/* What a test frame looks like; zero fields take the defaults: RTP from
 * PEER_A:5004 to LOCAL_X:40000 with consistent lengths and checksums. */
struct spec {
	__u16 ethertype;
	bool vlan;
	__u8 version, ihl, proto, ttl, tos;
	__u16 frag, id;
	const char *src, *dst;
	__u16 sport, dport;
	int payload, tot_len, udp_len;
	bool no_csum;
	__u16 seq;
	__u32 ts, ssrc;
};

/* Runs a shell command of the set-up; nonzero exit is a failure. */
static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "test_xdp: set-up command failed (status %d): %s\n", rc, cmd);
	return rc ? -1 : 0;
}

static __u32 sum_be(const __u8 *b, size_t n, __u32 acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (__u32)b[i] << 8 | b[i + 1];
	if (n & 1)
		acc += (__u32)b[n - 1] << 8;
	return acc;
}

static __u16 fold_not(__u32 acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (__u16)~acc;
}

/* Full IPv4 header checksum of the header at iph, host order. Frames
 * are byte buffers: headers are read bytewise, never through misaligned
 * struct pointers. */
static __u16 ip_csum(const __u8 *iph)
{
	__u8 h[60];
	size_t n = (iph[0] & 0xf) * 4;

	memcpy(h, iph, n);
	h[10] = h[11] = 0;
	return fold_not(sum_be(h, n, 0));
}

/* Full UDP checksum over pseudo-header, header and len - 8 payload bytes,
 * host order, a computed 0 given as 0xffff. */
static __u16 udp_csum(const __u8 *iph, const __u8 *udp, size_t len)
{
	__u8 ph[12] = { [9] = IPPROTO_UDP, [10] = len >> 8, [11] = len & 0xff };
	__u16 c;

	memcpy(ph, iph + 12, 8); /* source and destination addresses */
	c = fold_not(sum_be(udp + 8, len - 8, sum_be(udp, 6, sum_be(ph, 12, 0))));
	return c ? c : 0xffff;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Writes the frame s describes into buf; returns its length. */
static __u32 build(const struct spec *s, __u8 *buf)
{
	int pl = s->payload ? s->payload : RTP_PAYLOAD, ihl = s->ihl ? s->ihl : 5;
	__u8 *p = buf + 12, *iph, *udp, *data;
	struct iphdr ip;

	memcpy(buf, mac_x0, ETH_ALEN);
	memcpy(buf + ETH_ALEN, mac_x1, ETH_ALEN);
	if (s->vlan) {
		put16(p, ETH_P_8021Q);
		put16(p + 2, 100);
		p += 4;
	}
	put16(p, s->ethertype ? s->ethertype : ETH_P_IP);
	memset(&ip, 0, sizeof(ip));
	ip.version = s->version ? s->version : 4;
	ip.ihl = ihl;
	ip.tos = s->tos;
	ip.tot_len = htons(s->tot_len ? s->tot_len : ihl * 4 + 8 + pl);
	ip.id = htons(s->id ? s->id : 0x1234);
	ip.frag_off = htons(s->frag);
	ip.ttl = s->ttl ? s->ttl : 64;
	ip.protocol = s->proto ? s->proto : IPPROTO_UDP;
	ip.saddr = inet_addr(s->src ? s->src : PEER_A);
	ip.daddr = inet_addr(s->dst ? s->dst : LOCAL_X);
	iph = p + 2;
	memset(iph, 1, ihl * 4); /* options: NOPs */
	memcpy(iph, &ip, sizeof(ip));
	put16(iph + 10, ip_csum(iph));
	udp = iph + ihl * 4;
	put16(udp, s->sport ? s->sport : 5004);
	put16(udp + 2, s->dport ? s->dport : 40000);
	put16(udp + 4, s->udp_len ? s->udp_len : 8 + pl);
	put16(udp + 6, 0);
	data = udp + 8;
	for (int i = 0; i < pl; i++)
		data[i] = (__u8)(i * 31 + 7);
	if (pl >= 12) {
		data[0] = 0x80; /* version 2 */
		data[1] = 0;    /* PCMU */
		put16(data + 2, s->seq);
		put32(data + 4, s->ts);
		put32(data + 8, s->ssrc ? s->ssrc : 0x5eed5eed);
	}
	if (!s->no_csum)
		put16(udp + 6, udp_csum(iph, udp, 8 + pl));
	return data + pl - buf;
}

/* One frame through the program as received on x0: the XDP action, or
 * -errno when the kernel refused the run. */
static int xdp_run(struct env *e, int prog, const __u8 *in, __u32 len, __u8 *out, __u32 *out_len)
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
static struct rtpe_counter verdict_get(struct env *e, __u32 v)
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

/* A slot's counters merged as the daemon does: sums, latest last_seen. */
static struct rtpe_leg_stats stats_get(struct env *e, __u32 slot)
{
	struct rtpe_leg_stats vals[MAX_CPUS], m;

	memset(&m, 0, sizeof(m));
	if (bpf_map_lookup_elem(e->fd_stats, &slot, vals)) {
		m.packets = ~0ULL;
		return m;
	}
	for (int c = 0; c < e->ncpus; c++) {
		m.packets += vals[c].packets;
		m.bytes += vals[c].bytes;
		m.drops += vals[c].drops;
		m.rtcp_packets += vals[c].rtcp_packets;
		if (vals[c].last_seen_ns > m.last_seen_ns)
			m.last_seen_ns = vals[c].last_seen_ns;
	}
	return m;
}

/* Runs a frame expecting action and verdict v: the verdict's counter must
 * grow by exactly this frame. Returns the output length (0 on failure). */
static __u32 expect_run(struct env *e, const __u8 *in, __u32 len, int action,
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

static int leg_put(struct env *e, const char *addr, __u16 port, const struct rtpe_leg *leg)
{
	struct rtpe_leg_key k;

	memset(&k, 0, sizeof(k));
	k.addr.a[0] = inet_addr(addr);
	k.port = htons(port);
	k.family = RTPE_AF_INET;
	return bpf_map_update_elem(e->fd_legs, &k, leg, BPF_ANY) ? -errno : 0;
}

static struct rtpe_leg leg_of(const struct leg_row *r)
{
	struct rtpe_leg l;

	memset(&l, 0, sizeof(l));
	l.peer.a[0] = inet_addr(PEER_A);
	l.out_src.a[0] = inet_addr(r->osrc);
	l.out_dst.a[0] = inet_addr(r->odst);
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

static int tx_port(struct env *e, int ifindex, bool add)
{
	struct bpf_devmap_val v = { .ifindex = (__u32)ifindex };
	__u32 k = ifindex;

	if (add)
		return bpf_map_update_elem(e->fd_tx, &k, &v, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(e->fd_tx, &k) ? -errno : 0;
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* Where a relayed frame must go: MACs, addresses, ports (host order). */
struct fwd {
	const __u8 *dmac, *smac;
	const char *src, *dst;
	__u16 sport, dport;
};

/* out is in relayed per f: new MACs, addresses and ports; TTL, TOS, id,
 * lengths and every byte after the UDP header as they were; both checksums
 * equal to a full recomputation (a zero UDP checksum stays zero). */
static void check_fwd(const __u8 *in, const __u8 *out, __u32 len, const struct fwd *f)
{
	const __u8 *iu = in + ETH_HLEN + 20, *ou = out + ETH_HLEN + 20, *oh = out + ETH_HLEN;
	struct iphdr ii, oi;

	memcpy(&ii, in + ETH_HLEN, sizeof(ii));
	memcpy(&oi, oh, sizeof(oi));

	CHECK(!memcmp(out, f->dmac, ETH_ALEN), "dst MAC %02x:%02x:..:%02x", out[0], out[1], out[5]);
	CHECK(!memcmp(out + ETH_ALEN, f->smac, ETH_ALEN), "src MAC ..:%02x", out[11]);
	CHECK(oi.saddr == inet_addr(f->src) && oi.daddr == inet_addr(f->dst),
	      "addresses %08x -> %08x, want %s -> %s", ntohl(oi.saddr), ntohl(oi.daddr),
	      f->src, f->dst);
	CHECK(oi.ttl == ii.ttl && oi.tos == ii.tos && oi.id == ii.id &&
	      oi.frag_off == ii.frag_off && oi.tot_len == ii.tot_len &&
	      !memcmp(out + 12, in + 12, 2), "Ethernet type or IPv4 fields besides addresses changed");
	CHECK(get16(oh + 10) == ip_csum(oh), "IPv4 checksum %04x, full recomputation %04x",
	      get16(oh + 10), ip_csum(oh));
	CHECK(get16(ou) == f->sport && get16(ou + 2) == f->dport, "ports %u -> %u, want %u -> %u",
	      get16(ou), get16(ou + 2), f->sport, f->dport);
	CHECK(get16(ou + 4) == get16(iu + 4), "UDP length changed");
	CHECK(!memcmp(ou + 8, iu + 8, len - ETH_HLEN - 28), "payload (or padding) changed");
	if (!get16(iu + 6))
		CHECK(!get16(ou + 6), "zero UDP checksum became %04x", get16(ou + 6));
	else
		CHECK(get16(ou + 6) == udp_csum(oh, ou, get16(ou + 4)),
		      "UDP checksum %04x, full recomputation %04x", get16(ou + 6),
		      udp_csum(oh, ou, get16(ou + 4)));
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int setup_netns(void)
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

static int setup_maps(struct env *e)
{
	struct rtpe_config cfg = { .port_min = 40000, .port_max = 60000 };
	__u32 zero = 0;
	int err;

	e->skel = rtpedge__open_and_load();
	if (!e->skel) {
		fprintf(stderr, "test_xdp: cannot load rtpedge_xdp: %s (libbpf printed the "
			"verifier log above)\n", strerror(errno));
		return -1;
	}
	e->prog = bpf_program__fd(e->skel->progs.rtpedge_xdp);
	e->fd_legs = bpf_map__fd(e->skel->maps.rtpe_legs);
	e->fd_stats = bpf_map__fd(e->skel->maps.rtpe_leg_stats);
	e->fd_verdicts = bpf_map__fd(e->skel->maps.rtpe_verdicts);
	e->fd_tx = bpf_map__fd(e->skel->maps.rtpe_tx_ports);
	err = bpf_map_update_elem(bpf_map__fd(e->skel->maps.rtpe_config), &zero, &cfg, BPF_ANY);
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
static void report_prog(struct env *e)
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

static int setup(struct env *e)
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

/* Frames passed (P) or dropped (D) untouched. The source mismatches all
 * aim at leg A, whose drops counter must grow. */
#define P(name, why, ...) { name, { __VA_ARGS__ }, XDP_PASS, RTPE_V_PASS_##why }
#define D(name, why, ...) { name, { __VA_ARGS__ }, XDP_DROP, RTPE_V_DROP_##why }
static const struct row {
	const char *name;
	struct spec s;
	int action;
	enum rtpe_verdict v;
} rows[] = {
	P("not_ipv4_arp", NOT_IPV4, .ethertype = 0x0806),
	P("not_ipv4_ipv6", NOT_IPV4, .ethertype = 0x86dd),
	P("not_ipv4_version_6", NOT_IPV4, .version = 6),
	P("not_ipv4_ihl_4", NOT_IPV4, .ihl = 4),
	P("not_udp_tcp", NOT_UDP, .proto = 6),
	P("not_udp_icmp", NOT_UDP, .proto = 1),
	P("not_our_port_below", NOT_OUR_PORT, .dport = 39999),
	P("not_our_port_above", NOT_OUR_PORT, .dport = 60001),
	P("not_our_port_sip", NOT_OUR_PORT, .dport = 5060),
	P("ip_options", IP_OPTIONS, .ihl = 6),
	P("fragment_more_fragments", FRAGMENT, .frag = 0x2000),
	P("fragment_offset", FRAGMENT, .frag = 0x0010),
	P("no_session_port", NO_SESSION, .dport = 40100),
	P("no_session_address", NO_SESSION, .dst = "198.18.1.9"),
	P("userspace_leg_learning", USERSPACE, .dport = 40020, .sport = 5020),
	P("userspace_leg_userspace", USERSPACE, .dport = 40022, .sport = 5022),
	P("userspace_leg_srtp", USERSPACE, .dport = 40024, .sport = 5024),
	P("fib_miss_unrouted_peer", FIB_MISS, .dport = 40030, .sport = 5030),
	P("no_neigh_unresolved_peer", NO_NEIGH, .dport = 40040, .sport = 5040),
	D("source_mismatch_address", SRC_MISMATCH, .src = "198.18.1.66"),
	D("source_mismatch_port", SRC_MISMATCH, .sport = 5006),
	D("source_mismatch_rtcp_from_rtp_port", SRC_MISMATCH, .dport = 40001),
	D("malformed_udp_len_over_ip_payload", MALFORMED, .udp_len = 8 + RTP_PAYLOAD + 1),
	D("malformed_udp_len_under_8", MALFORMED, .udp_len = 7),
	D("malformed_tot_len_over_frame", MALFORMED, .tot_len = 28 + RTP_PAYLOAD + 1),
	D("malformed_tot_len_under_28", MALFORMED, .tot_len = 27),
	P("vlan_good_source_passed_untouched", NO_TX_PORT, .vlan = true),
	D("vlan_bad_source_dropped", SRC_MISMATCH, .vlan = true, .src = "198.18.1.66"),
	P("vlan_not_our_port", NOT_OUR_PORT, .vlan = true, .dport = 5060),
};

/* Runs one not-relayed frame: verdict, untouched bytes, leg counters. */
static void run_untouched(struct env *e, const struct spec *s, int action, enum rtpe_verdict v)
{
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	__u32 len = build(s, in), drops = v == RTPE_V_DROP_SRC_MISMATCH;
	struct rtpe_leg_stats before = stats_get(e, SLOT_A), after;

	if (expect_run(e, in, len, action, v, out))
		CHECK(!memcmp(in, out, len), "frame changed");
	after = stats_get(e, SLOT_A);
	CHECK(after.drops == before.drops + drops &&
	      after.packets == before.packets, "leg drops %llu -> %llu, packets %llu -> %llu",
	      before.drops, after.drops, before.packets, after.packets);
}

static void case_rows(struct env *e)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CASE_BEGIN(rows[i].name);
		run_untouched(e, &rows[i].s, rows[i].action, rows[i].v);
		CASE_END();
	}
}

/* Runs one frame that must be relayed and checks bytes and leg counters. */
static void run_fwd(struct env *e, const __u8 *in, __u32 len, int action, enum rtpe_verdict v,
		    const struct fwd *f, __u32 slot)
{
	struct rtpe_leg_stats before = stats_get(e, slot), after;
	bool rtcp = get16(in + ETH_HLEN + 22) & 1; /* odd destination port */
	__u8 out[FRAME_MAX];
	__u64 t0 = now_ns(), t1;
	__u32 udp_len = get16(in + ETH_HLEN + 24);

	if (expect_run(e, in, len, action, v, out))
		check_fwd(in, out, len, f);
	t1 = now_ns();
	after = stats_get(e, slot);
	CHECK(after.packets == before.packets + 1 && after.bytes == before.bytes + udp_len - 8,
	      "leg packets %llu -> %llu, bytes %llu -> %llu (want +1, +%u)", before.packets,
	      after.packets, before.bytes, after.bytes, udp_len - 8);
	CHECK(after.rtcp_packets == before.rtcp_packets + rtcp && after.drops == before.drops,
	      "leg rtcp_packets %llu -> %llu, drops %llu -> %llu", before.rtcp_packets,
	      after.rtcp_packets, before.drops, after.drops);
	CHECK(after.last_seen_ns >= t0 && after.last_seen_ns <= t1,
	      "last_seen_ns %llu outside [%llu, %llu]", after.last_seen_ns, t0, t1);
}

#define TO_B { mac_y1, mac_y0, LOCAL_Y, PEER_B, 40002, 6000 }
#define TO_B_RTCP { mac_y1, mac_y0, LOCAL_Y, PEER_B, 40003, 6001 }
static const struct fwd to_b = TO_B;

/* Frames relayed (R: redirected to y0), padded with pad zero bytes. */
#define R(name, fwd, pad, ...)                                                  \
	{ name, { __VA_ARGS__ }, XDP_REDIRECT, RTPE_V_REDIRECT, fwd, SLOT_A, pad }
static const struct fwd_row {
	const char *name;
	struct spec s;
	int action;
	enum rtpe_verdict v;
	struct fwd f;
	__u32 slot, pad;
} fwd_rows[] = {
	R("forward_redirect_rtp", TO_B, 0, 0),
	{ "forward_tx_same_device", { .dport = 40010, .sport = 5010 }, XDP_TX, RTPE_V_TX,
	  { mac_c, mac_x0, LOCAL_X, PEER_C, 40012, 7000 }, SLOT_TX, 0 },
	R("forward_rtcp", TO_B_RTCP, 0, .dport = 40001, .sport = 5005),
	R("forward_zero_udp_checksum_stays_zero", TO_B, 0, .no_csum = true),
	R("forward_keeps_ttl_tos_id", TO_B, 0, .ttl = 3, .tos = 0xb8, .id = 0xbeef),
	R("forward_ethernet_padding", TO_B, 6, .payload = 12),
};

static void case_fwd_rows(struct env *e)
{
	for (size_t i = 0; i < sizeof(fwd_rows) / sizeof(fwd_rows[0]); i++) {
		const struct fwd_row *r = &fwd_rows[i];
		__u8 in[FRAME_MAX];
		__u32 len = build(&r->s, in);

		memset(in + len, 0, r->pad);
		CASE_BEGIN(r->name);
		run_fwd(e, in, len + r->pad, r->action, r->v, &r->f, r->slot);
		CASE_END();
	}
}

/* A route out of a device missing from rtpe_tx_ports: passed untouched. */
static void case_no_tx_port(struct env *e)
{
	CASE_BEGIN("no_tx_port_device_not_in_tx_ports");
	CHECK(!tx_port(e, e->if_y0, false), "removing y0 from rtpe_tx_ports");
	run_untouched(e, &(struct spec){ 0 }, XDP_PASS, RTPE_V_PASS_NO_TX_PORT);
	CHECK(!tx_port(e, e->if_y0, true), "putting y0 back into rtpe_tx_ports");
	CASE_END();
}

/* Payload chosen so that the relayed packet's UDP checksum computes to 0:
 * it must be sent as 0xffff. */
static void case_csum_ffff(struct env *e)
{
	__u8 in[FRAME_MAX], tmp[FRAME_MAX], out[FRAME_MAX];
	__u32 len = build(&(struct spec){ 0 }, in), ulen = 8 + RTP_PAYLOAD;
	__u8 *iph = tmp + ETH_HLEN, *udp = tmp + ETH_HLEN + 20;
	__u16 w;

	CASE_BEGIN("forward_udp_checksum_zero_sent_as_ffff");
	memcpy(tmp, in, len);
	put32(iph + 12, ntohl(inet_addr(LOCAL_Y)));
	put32(iph + 16, ntohl(inet_addr(PEER_B)));
	put16(udp, 40002);
	put16(udp + 2, 6000);
	put16(udp + ulen - 2, 0);
	w = udp_csum(iph, udp, ulen); /* the last word that makes the sum 0xffff */
	iph = in + ETH_HLEN;
	udp = in + ETH_HLEN + 20;
	put16(udp + ulen - 2, w);
	put16(udp + 6, udp_csum(iph, udp, ulen));
	if (expect_run(e, in, len, XDP_REDIRECT, RTPE_V_REDIRECT, out)) {
		CHECK(get16(out + ETH_HLEN + 26) == 0xffff, "UDP checksum %04x, want ffff",
		      get16(out + ETH_HLEN + 26));
		check_fwd(in, out, len, &to_b);
	}
	CASE_END();
}

static __u32 rnd(struct env *e)
{
	return (__u32)rand_r(&e->seed) << 16 ^ (__u32)rand_r(&e->seed);
}

/* One random leg and frame: RTP or RTCP, any addresses, ports, TTL, TOS,
 * length and payload bytes, some without UDP checksum. Returns false on
 * the first failure. */
static bool random_one(struct env *e, int i)
{
	char src[16], dst[16], osrc[16], odst[16];
	__u32 a[4] = { rnd(e), rnd(e), rnd(e), htonl(0x0a000000 | (rnd(e) & 0xffffff)) };
	__u16 port = 40000 + 2 * (rnd(e) % 10000), osport = 1 + rnd(e) % 65534;
	struct rtpe_leg l = leg_of(&(struct leg_row){ port, 1 + rnd(e) % 65534, LOCAL_Y, osport,
						      PEER_B, rnd(e) & 0xffff, RTPE_PATH_XDP,
						      SLOT_RAND });
	bool rtcp = rnd(e) & 1;
	struct spec s = { .src = src, .dst = dst, .ttl = 1 + rnd(e) % 255, .tos = rnd(e),
			  .id = rnd(e), .payload = 1 + rnd(e) % 1400, .no_csum = !(rnd(e) % 8),
			  .seq = rnd(e), .ts = rnd(e), .ssrc = rnd(e) };
	struct fwd f = { mac_y1, mac_y0, osrc, odst, 0, 0 };
	__u8 in[FRAME_MAX], *udp = in + ETH_HLEN + 20;
	struct rtpe_leg_key k;
	__u32 len;

	inet_ntop(AF_INET, &a[0], src, sizeof(src));
	inet_ntop(AF_INET, &a[1], dst, sizeof(dst));
	inet_ntop(AF_INET, &a[2], osrc, sizeof(osrc));
	inet_ntop(AF_INET, &a[3], odst, sizeof(odst));
	l.peer.a[0] = a[0];
	l.out_src.a[0] = a[2];
	l.out_dst.a[0] = a[3];
	l.out_rtcp_dport = htons(rnd(e) & 0xffff);
	s.dport = port + rtcp;
	s.sport = ntohs(rtcp ? l.peer_rtcp_port : l.peer_port);
	f.sport = osport + rtcp;
	f.dport = ntohs(rtcp ? l.out_rtcp_dport : l.out_dport);
	len = build(&s, in);
	for (int b = 12; b < s.payload; b++)
		udp[8 + b] = rnd(e);
	if (!s.no_csum)
		put16(udp + 6, udp_csum(in + ETH_HLEN, udp, 8 + s.payload));
	CHECK(!leg_put(e, dst, port, &l), "frame %d: adding the leg", i);
	run_fwd(e, in, len, XDP_REDIRECT, RTPE_V_REDIRECT, &f, SLOT_RAND);
	memset(&k, 0, sizeof(k));
	k.addr.a[0] = a[1];
	k.port = htons(port);
	k.family = RTPE_AF_INET;
	bpf_map_delete_elem(e->fd_legs, &k);
	if (check_case_failed)
		printf("      frame %d: %s:%u -> %s:%u relayed as %s -> %s\n", i, src, s.sport,
		       dst, s.dport, osrc, odst);
	return !check_case_failed;
}

static void case_random(struct env *e)
{
	const char *env = getenv("RTPE_TEST_SEED");
	unsigned seed = env ? strtoul(env, NULL, 0) : (unsigned)time(NULL) ^ (unsigned)getpid();
	int i;

	e->seed = seed;
	CASE_BEGIN("forward_random_2000_checksums_recomputed");
	for (i = 0; i < 2000 && random_one(e, i); i++)
		;
	if (check_case_failed)
		printf("      reproduce with RTPE_TEST_SEED=%u\n", seed);
	CASE_END();
}

/* Sends one RTP packet on the quality leg, which must be relayed: seq is
 * ext_seq modulo 2^16, timestamp 160 per ext_seq (20 ms at 8 kHz). */
static void rtp_send(struct env *e, __u32 ssrc, __u32 ext_seq)
{
	struct fwd f = { mac_y1, mac_y0, LOCAL_Y, PEER_B, 40052, 6050 };
	struct spec s = { .dport = 40050, .sport = 5050, .seq = (__u16)ext_seq, .ts = ext_seq * 160,
			  .ssrc = ssrc };
	__u8 in[FRAME_MAX];

	run_fwd(e, in, build(&s, in), XDP_REDIRECT, RTPE_V_REDIRECT, &f, SLOT_Q);
}

/* The slot's RTP receiver state (one copy for all CPUs). */
static struct rtpe_leg_rtp rtp_get(struct env *e, __u32 slot)
{
	struct rtpe_leg_rtp r;

	if (bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.rtpe_leg_rtp), &slot, &r))
		memset(&r, 0xff, sizeof(r));
	return r;
}

/* RFC 3550 A.1 as userspace derives it: expected minus received, floor 0. */
static long long rtp_lost(const struct rtpe_leg_rtp *st)
{
	long long lost = (long long)st->max_seq - st->base_seq + 1 - st->rtp_packets;

	return lost < 0 ? 0 : lost;
}

/* Checks the receiver state; jitter is computed from real arrival times,
 * so only bounded: |D| <= ts step + elapsed clock units, J <= 16 max|D|. */
static void rtp_expect(struct env *e, __u32 ssrc, __u32 base, __u32 max, __u32 n,
		       long long lost, __u64 t0, __u32 max_step)
{
	struct rtpe_leg_rtp st = rtp_get(e, SLOT_Q);
	__u64 bound = 16 * (max_step + (now_ns() - t0) * 8000 / 1000000000ULL + 2);

	CHECK(st.ssrc == ssrc && st.base_seq == base && st.max_seq == max && st.rtp_packets == n,
	      "ssrc %08x base %u max %u packets %u; want %08x %u %u %u", st.ssrc, st.base_seq,
	      st.max_seq, st.rtp_packets, ssrc, base, max, n);
	CHECK(rtp_lost(&st) == lost, "lost %lld, want %lld", rtp_lost(&st), lost);
	CHECK(st.jitter > 0 && st.jitter <= bound, "jitter %u (x16 clock units) not in (0, %llu]",
	      st.jitter, bound);
}

static int pin_cpu(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/* One stream whose packets XDP runs on two CPUs in turn (RSS changes; on
 * veth the NAPI runs on the sender's CPU): one receiver state, no phantom
 * loss. */
static void case_rtp_across_cpus(struct env *e)
{
	int home = sched_getcpu(), other = home ? 0 : 1;
	__u64 t0 = now_ns();

	if (e->ncpus < 2 || pin_cpu(other)) {
		CASE_SKIP("rtp_state_follows_the_stream_across_cpus", "needs two CPUs");
		pin_cpu(home);
		return;
	}
	pin_cpu(home);
	CASE_BEGIN("rtp_state_follows_the_stream_across_cpus");
	for (__u32 seq = 1; seq <= 30; seq++) {
		pin_cpu(seq > 10 && seq <= 20 ? other : home);
		rtp_send(e, 0x33333333, seq);
	}
	pin_cpu(home);
	rtp_expect(e, 0x33333333, 1, 30, 30, 0, t0, 160);
	CASE_END();
}

static void case_rtp_quality(struct env *e)
{
	__u64 t0 = now_ns();

	CASE_BEGIN("rtp_quality_gap_wrap_ssrc_change");
	for (__u32 seq = 1; seq <= 20; seq++)
		if (seq != 11 && seq != 12)
			rtp_send(e, 0x11111111, seq);
	rtp_expect(e, 0x11111111, 1, 20, 18, 2, t0, 3 * 160);
	t0 = now_ns();
	for (__u32 seq = 65530; seq <= 65541; seq++) /* a new SSRC starts over */
		rtp_send(e, 0x22222222, seq);
	rtp_expect(e, 0x22222222, 65530, 65536 + 5, 12, 0, t0, 160);
	rtp_send(e, 0x22222222, 65534);        /* late: counted, max_seq kept */
	rtp_send(e, 0x22222222, 65536 + 9000); /* beyond MAX_DROPOUT: ignored */
	rtp_send(e, 0x22222222, 65536 + 6);
	rtp_expect(e, 0x22222222, 65530, 65536 + 6, 15, 0, t0, 65535u * 160);
	CASE_END();
}

/*
 * The relayable frame cut at every length. Definition: below ETH_HLEN the
 * kernel refuses the run (EINVAL) or, should it accept, the verdict is
 * truncated; up to the end of the UDP header: XDP_PASS truncated; from
 * there on the IPv4 tot_len exceeds the frame: XDP_DROP malformed.
 */
static void case_truncation(struct env *e, bool vlan)
{
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	__u32 len, full = build(&(struct spec){ .vlan = vlan }, in), udp_end = (vlan ? 18 : 14) + 28;
	static char name[160];
	int refused = 0;

	snprintf(name, sizeof(name), "truncation_%s_every_length", vlan ? "vlan" : "untagged");
	CASE_BEGIN(name);
	for (len = 0; len < full; len++) {
		__u32 out_len = 0;
		int rc;

		if (len < ETH_HLEN) {
			rc = xdp_run(e, e->prog, in, len, out, &out_len);
			refused += rc == -EINVAL;
			CHECK(rc == -EINVAL || rc == XDP_PASS, "len %u: %d, want -EINVAL or XDP_PASS",
			      len, rc);
			if (rc == XDP_PASS) {
				e->expect[RTPE_V_PASS_TRUNCATED]++;
				e->expect_bytes[RTPE_V_PASS_TRUNCATED] += len;
			}
		} else if (len < udp_end) {
			out_len = expect_run(e, in, len, XDP_PASS, RTPE_V_PASS_TRUNCATED, out);
		} else {
			out_len = expect_run(e, in, len, XDP_DROP, RTPE_V_DROP_MALFORMED, out);
		}
		if (out_len)
			CHECK(out_len == len && !memcmp(in, out, len), "len %u: frame changed", len);
	}
	if (!check_case_failed)
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
			 " (0-%d: kernel %s; %d-%u truncated; %u-%u malformed)", ETH_HLEN - 1,
			 refused == ETH_HLEN ? "refuses with EINVAL" : "runs them: truncated",
			 ETH_HLEN, udp_end - 1, udp_end, full - 1);
	CASE_END();
}

/* Every run above counted once, under the verdict it expected. */
static void case_totals(struct env *e)
{
	CASE_BEGIN("verdict_totals_match_cases_run");
	for (__u32 v = 0; v < RTPE_V_MAX; v++) {
		struct rtpe_counter c = verdict_get(e, v);

		CHECK(c.packets == e->expect[v] && c.bytes == e->expect_bytes[v],
		      "%s: %llu packets, %llu bytes; cases ran %llu, %llu bytes", reason[v],
		      c.packets, c.bytes, e->expect[v], e->expect_bytes[v]);
		CHECK(e->expect[v] > 0, "verdict %u (%s) never exercised", v, reason[v]);
	}
	CASE_END();
}

/* The benchmark ceiling: fixed rewrite from rodata, no maps. */
static void case_ceiling(struct env *e)
{
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	__u32 len = build(&(struct spec){ 0 }, in), out_len = 0;
	struct ceiling *c = ceiling__open();
	int rc = -1;

	CASE_BEGIN("ceiling_rewrites_and_redirects");
	CHECK(c, "opening ceiling: %s", strerror(errno));
	if (c) {
		c->rodata->new_src = inet_addr(LOCAL_Y);
		c->rodata->new_dst = inet_addr(PEER_B);
		c->rodata->new_sport = 40002;
		c->rodata->new_dport = 6000;
		memcpy(c->rodata->dmac, mac_y1, ETH_ALEN);
		memcpy(c->rodata->smac, mac_y0, ETH_ALEN);
		c->rodata->out_ifindex = e->if_y0;
		rc = ceiling__load(c);
		CHECK(!rc, "loading ceiling_xdp: %s", strerror(-rc));
	}
	if (c && !rc) {
		int prog = bpf_program__fd(c->progs.ceiling_xdp);

		rc = xdp_run(e, prog, in, len, out, &out_len);
		CHECK(rc == XDP_REDIRECT && out_len == len, "action %d, %u bytes", rc, out_len);
		check_fwd(in, out, len, &to_b);
		len = build(&(struct spec){ .dport = 5060 }, in);
		rc = xdp_run(e, prog, in, len, out, &out_len);
		CHECK(rc == XDP_PASS && !memcmp(in, out, len), "port 5060: action %d or changed", rc);
	}
	ceiling__destroy(c);
	CASE_END();
}

int main(void)
{
	struct env e;

	memset(&e, 0, sizeof(e));
	if (geteuid()) {
		CASE_SKIP("xdp", "needs root (namespaces, BPF_PROG_TEST_RUN)");
		return 0;
	}
	CASE_BEGIN("setup_netns_veths_and_load");
	CHECK(!setup(&e), "the test bed or the program could not be set up");
	CASE_END();
	if (check_failures) {
		rtpedge__destroy(e.skel);
		CHECK_EXIT();
	}
	case_rows(&e);
	case_fwd_rows(&e);
	case_no_tx_port(&e);
	case_csum_ffff(&e);
	case_random(&e);
	case_rtp_quality(&e);
	case_rtp_across_cpus(&e);
	case_truncation(&e, false);
	case_truncation(&e, true);
	case_totals(&e);
	case_ceiling(&e);
	rtpedge__destroy(e.skel);
	CHECK_EXIT();
}
