// SPDX-License-Identifier: GPL-2.0
/*
 * test_xdp.c - the XDP fast path under BPF_PROG_TEST_RUN: frames in,
 * verdict, counters and bytes out, one table row or scenario per line.
 *
 * The test bed (namespaces, veths, the program and its maps) is
 * xdp_env.h; the frames and their checks are xdp_frame.h, a relayed
 * frame's run xdp_fwd.h. The cases share one program and its counters:
 * case_totals checks that every verdict was counted exactly as often as
 * the cases before it expected. A leg's state (RTP receiver state,
 * counters across CPUs, the clock) is test_xdp_state.c's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rtpedge.h"
#include "rtpedge.skel.h"
#include "ceiling.skel.h"
#include "check.h"
#include "xdp_env.h"
#include "xdp_frame.h"
#include "xdp_fwd.h"
#include "xdp/xdp_xsk.h"

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
	/* 0.0.0.0 is no address of ours, though it is an empty bucket's */
	P("no_session_address_zero", NO_SESSION, .dst = "0.0.0.0"),
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
	struct rtpe_leg_stats before = stats_get(e, row_line(e, SLOT_A)), after;

	if (expect_run(e, in, len, action, v, out))
		CHECK(!memcmp(in, out, len), "frame changed");
	after = stats_get(e, row_line(e, SLOT_A));
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
		run_fwd(e, in, len + r->pad, r->action, r->v, &r->f, row_line(e, r->slot));
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
	__u32 len;

	/* The destination becomes an address of the table: redraw the rare
	 * one whose bucket LOCAL_X or LOCAL_Y holds. */
	for (int k = 0; k < 16 && addr_put(e, a[1], SLOT_ADDR_RAND) == -EEXIST; k++)
		a[1] = rnd(e);

	inet_ntop(AF_INET, &a[0], src, sizeof(src));
	inet_ntop(AF_INET, &a[1], dst, sizeof(dst));
	inet_ntop(AF_INET, &a[2], osrc, sizeof(osrc));
	inet_ntop(AF_INET, &a[3], odst, sizeof(odst));
	l.peer = a[0];
	l.out_src = a[2];
	l.out_dst = a[3];
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
	run_fwd(e, in, len, XDP_REDIRECT, RTPE_V_REDIRECT, &f, leg_idx(e, a[1], port));
	leg_del(e, dst, port);
	addr_del(e, a[1]);
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
/* What the punt reader got: the last sample, copied. */
struct punt_seen {
	int n;
	struct rtpe_punt_meta m;
	__u8 frame[FRAME_MAX];
};

static void punt_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct punt_seen *ps = ctx;

	(void)cpu;
	ps->n++;
	if (size < sizeof(ps->m))
		return;
	memcpy(&ps->m, data, sizeof(ps->m));
	if (ps->m.len <= FRAME_MAX && ps->m.len <= size - sizeof(ps->m))
		memcpy(ps->frame, (__u8 *)data + sizeof(ps->m), ps->m.len);
}

/* Punt legs (RTPE_LEG_F_PUNT: no daemon socket) on LOCAL_X, one per reason. */
static const struct punt_row {
	const char *name;
	struct leg_row leg;
	bool untap_y0; /* take y0 out of rtpe_tx_ports: no redirect possible */
	enum rtpe_verdict pass, punt;
} punt_rows[] = {
	{ "learning", { 40060, 5060, LOCAL_Y, 40062, PEER_B, 6060, RTPE_PATH_LEARNING, SLOT_RAND + 1 },
	  false, RTPE_V_PASS_USERSPACE, RTPE_V_PUNT_USERSPACE },
	{ "fib_miss", { 40070, 5070, LOCAL_Y, 40072, "203.0.113.9", 6070, RTPE_PATH_XDP, SLOT_RAND + 2 },
	  false, RTPE_V_PASS_FIB_MISS, RTPE_V_PUNT_FIB_MISS },
	{ "no_neigh", { 40080, 5080, LOCAL_Y, 40082, "198.18.2.77", 6080, RTPE_PATH_XDP, SLOT_RAND + 3 },
	  false, RTPE_V_PASS_NO_NEIGH, RTPE_V_PUNT_NO_NEIGH },
	{ "no_tx_port", { 40090, 5090, LOCAL_Y, 40092, PEER_B, 6090, RTPE_PATH_XDP, SLOT_RAND + 4 },
	  true, RTPE_V_PASS_NO_TX_PORT, RTPE_V_PUNT_NO_TX_PORT },
};

/* One frame for a punt leg: action and verdict, and with a reader, the
 * sample: the right meta and the frame byte for byte. */
static void punt_one(struct env *e, const struct punt_row *pr, struct perf_buffer *pb,
		     struct punt_seen *ps)
{
	struct spec s = { .dport = pr->leg.port, .sport = pr->leg.pport };
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	__u32 len = build(&s, in);
	int n0 = ps->n;

	if (pr->untap_y0)
		tx_port(e, e->if_y0, false);
	expect_run(e, in, len, pb ? XDP_DROP : XDP_PASS, pb ? pr->punt : pr->pass, out);
	if (pr->untap_y0)
		tx_port(e, e->if_y0, true);
	if (!pb)
		return;
	perf_buffer__poll(pb, 200);
	CHECK(ps->n == n0 + 1, "%d samples, want 1", ps->n - n0);
	CHECK(ps->m.verdict == (__u32)pr->punt && ps->m.slot == pr->leg.slot &&
	      ps->m.ifindex == (__u32)e->if_x0 && ps->m.len == len,
	      "meta verdict %u slot %u ifindex %u len %u; want %u %u %d %u", ps->m.verdict,
	      ps->m.slot, ps->m.ifindex, ps->m.len, pr->punt, pr->leg.slot, e->if_x0, len);
	CHECK(!memcmp(ps->frame, in, len), "the punted frame differs from the one received");
}

/* Socket-less legs: without a reader (a daemon restarting) their slow-path
 * frames are passed to the kernel; with one, handed over whole and dropped. */
static void case_punt(struct env *e)
{
	struct punt_seen ps = { 0 };
	struct perf_buffer *pb;
	char name[64];
	size_t n = sizeof(punt_rows) / sizeof(punt_rows[0]);

	for (size_t i = 0; i < n; i++) {
		struct rtpe_leg l = leg_of(&punt_rows[i].leg);

		l.flags |= RTPE_LEG_F_PUNT;
		leg_put(e, LOCAL_X, punt_rows[i].leg.port, &l);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "punt_%s_without_reader_passed", punt_rows[i].name);
		CASE_BEGIN(name);
		punt_one(e, &punt_rows[i], NULL, &ps);
		CASE_END();
	}
	pb = perf_buffer__new(bpf_map__fd(e->skel->maps.rtpe_punt), 8, punt_sample, NULL, &ps,
			      NULL);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "punt_%s_handed_over_whole", punt_rows[i].name);
		CASE_BEGIN(name);
		CHECK(pb, "perf_buffer__new: %s", strerror(errno));
		if (pb)
			punt_one(e, &punt_rows[i], pb, &ps);
		CASE_END();
	}
	perf_buffer__free(pb);
}

/* A leg the daemon relays on AF_XDP (RTPE_LEG_F_XSK): with a socket of
 * its in rtpe_xsks for the queue, handed over untouched; without one (the
 * daemon restarting), passed to the kernel for the leg's sockets. */
static void case_xsk(struct env *e)
{
	static const struct leg_row lr = { 40140, 5140, LOCAL_Y, 40142, PEER_B, 6140,
					   RTPE_PATH_SRTP, SLOT_RAND + 5 };
	struct rtpe_leg l = leg_of(&lr);
	struct spec s = { .dport = 40140, .sport = 5140 };
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	__u32 len = build(&s, in);
	struct xdp_xsk *x = NULL;
	char err[256] = "";

	l.flags |= RTPE_LEG_F_XSK;
	CASE_BEGIN("xsk_leg_handed_to_the_daemons_socket_untouched");
	CHECK(!leg_put(e, LOCAL_X, lr.port, &l), "writing the leg");
	CHECK(!xdp_xsk_open_fds(bpf_map__fd(e->skel->maps.rtpe_xsks),
				bpf_map__fd(e->skel->maps.rtpe_xsk_ifs), "x0", e->if_x0, 0, 0, &x,
				err, sizeof(err)), "AF_XDP socket on x0: %s", err);
	if (expect_run(e, in, len, XDP_REDIRECT, RTPE_V_XSK, out))
		CHECK(!memcmp(in, out, len), "frame changed");
	CASE_END();
	CASE_BEGIN("xsk_leg_without_its_socket_passed_to_the_legs_sockets");
	xdp_xsk_close(x);
	if (expect_run(e, in, len, XDP_PASS, RTPE_V_PASS_USERSPACE, out))
		CHECK(!memcmp(in, out, len), "frame changed");
	CASE_END();
}

/* rtpedge_fib, the daemon's next-hop question: the fast path's answer for
 * a routed, resolved peer (out of y0 to y1's MAC), none for an unrouted
 * one; and no verdict counted. */
static void fib_ask_case(struct env *e, const char *dst, int want_ret, int want_if)
{
	struct rtpe_fib_query q = { .src = inet_addr(LOCAL_Y), .dst = inet_addr(dst),
				    .ifindex = (__u32)e->if_x0, .tot_len = 200 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &q, .data_size_in = sizeof(q),
		    .data_out = &q, .data_size_out = sizeof(q), .repeat = 1);

	CHECK(!bpf_prog_test_run_opts(bpf_program__fd(e->skel->progs.rtpedge_fib), &o) &&
	      o.retval == XDP_PASS, "test run: %s, retval %u", strerror(errno), o.retval);
	CHECK(want_ret ? q.ret != 0 : q.ret == 0, "ret %d", q.ret);
	if (!want_ret)
		CHECK((int)q.ifindex == want_if && !memcmp(q.dmac, mac_y1, ETH_ALEN) &&
		      !memcmp(q.smac, mac_y0, ETH_ALEN), "ifindex %u (want %d), MACs",
		      q.ifindex, want_if);
}

static void case_fib(struct env *e)
{
	CASE_BEGIN("fib_next_hop_of_a_resolved_peer");
	fib_ask_case(e, PEER_B, 0, e->if_y0);
	CASE_END();
	CASE_BEGIN("fib_no_next_hop_for_an_unrouted_peer");
	fib_ask_case(e, "203.0.113.9", 1, 0);
	CASE_END();
}

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

	if (!fwd_env_up(&e, "xdp"))
		CHECK_EXIT();
	case_rows(&e);
	case_fwd_rows(&e);
	case_no_tx_port(&e);
	case_csum_ffff(&e);
	case_random(&e);
	case_truncation(&e, false);
	case_truncation(&e, true);
	case_punt(&e);
	case_xsk(&e);
	case_fib(&e);
	case_totals(&e);
	case_ceiling(&e);
	rtpedge__destroy(e.skel);
	CHECK_EXIT();
}
