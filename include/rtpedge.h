/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rtpedge.h - everything the XDP program and userspace both know.
 *
 * The map layout, the leg key/value structs, the per-leg statistics and the
 * global verdict counters. The includer provides the __u32/__be16 types
 * first: the BPF side through vmlinux.h, userspace through <linux/types.h>.
 * No libc, no vmlinux include here.
 *
 * Map layout (pinned by name under pin_path so media survives a daemon
 * restart, except rtpe_tx_ports, which the daemon refills at every start):
 *
 *   rtpe_addrs     ARRAY        bucket -> rtpe_addr_slot      (local addresses, by userspace)
 *   rtpe_legs      ARRAY        leg index -> rtpe_leg         (config, by userspace)
 *   rtpe_legs_state ARRAY       leg index -> rtpe_leg_state   (counters, last-seen, RTP, by XDP)
 *   rtpe_xdp_verdicts PERCPU_ARRAY verdict -> rtpe_counter    (counters, by XDP)
 *   rtpe_config    ARRAY        0 -> rtpe_config              (port range, table shape)
 *   rtpe_tx_ports  DEVMAP_HASH  ifindex -> ifindex            (redirect targets)
 *   rtpe_punt      PERF_EVENT_ARRAY cpu -> perf event         (slow path to the daemon)
 *   rtpe_xsk_ifs   HASH         ifindex -> first rtpe_xsks key (AF_XDP, by userspace)
 *   rtpe_xsks      XSKMAP       key + rx queue -> AF_XDP socket (the daemon's legs)
 *
 * A leg is found without hashing: its local address picks an address slot
 * (rtpe_addrs, direct-mapped by rtpe_addr_bucket, at most RTPE_MAX_ADDRS
 * addresses), and its even RTP port a pair index within that slot's range
 * of rtpe_legs (rtpe_leg_index). Both lookups are array accesses the
 * verifier inlines, and a leg's hot fields share one cache line. RTCP
 * arrives on port+1 and is relayed through the same entry.
 */
#ifndef RTPEDGE_H
#define RTPEDGE_H

#define RTPE_AF_INET 2
#define RTPE_AF_INET6 10

/* Map names: the names in the BPF object and the file names under pin_path. */
#define RTPE_MAP_ADDRS "rtpe_addrs"
#define RTPE_MAP_LEGS "rtpe_legs"
#define RTPE_MAP_LEG_STATE "rtpe_legs_state"
/* Pinned by earlier versions, which a daemon that finds them removes at
 * start (daemon/xdp/xdp.c): per-CPU counters and RTP state in two maps. */
#define RTPE_MAP_OBSOLETE_LEG_STATS "rtpe_leg_stats"
#define RTPE_MAP_OBSOLETE_LEG_RTP "rtpe_leg_rtp"
#define RTPE_MAP_VERDICTS "rtpe_xdp_verdicts"
/* Its name until the xsk verdict made it one entry longer. */
#define RTPE_MAP_OBSOLETE_VERDICTS "rtpe_verdicts"
#define RTPE_MAP_CONFIG "rtpe_config"
#define RTPE_MAP_TX_PORTS "rtpe_tx_ports"

/* Default sizes; before loading, the daemon sizes rtpe_legs and
 * rtpe_legs_state to RTPE_MAX_ADDRS * pairs. */
#define RTPE_DEFAULT_MAX_SESSIONS 16384
#define RTPE_MAX_TX_PORTS 64
/* AF_XDP sockets (rtpe_xsks entries): interfaces times their receive queues. */
#define RTPE_MAX_XSKS 256

/*
 * Where a leg's packets are relayed. XDP only forwards RTPE_PATH_XDP legs;
 * every other leg's packets are passed to the kernel, where the daemon's
 * socket for that port receives them.
 */
#define RTPE_PATHS(X)                                                          \
	X(LEARNING, "learning") /* peer not yet confirmed: userspace decides */ \
	X(XDP, "xdp")           /* forwarded by the XDP program */              \
	X(USERSPACE, "userspace") /* relayed by the daemon's sockets */        \
	X(SRTP, "srtp")         /* relayed by the daemon through libsrtp2 */

enum rtpe_path {
#define RTPE_X_ENUM(name, str) RTPE_PATH_##name,
	RTPE_PATHS(RTPE_X_ENUM)
#undef RTPE_X_ENUM
	RTPE_PATH_MAX,
};

/*
 * Every exit of the XDP program is counted under exactly one of these.
 * X(ENUM, verdict label, reason label), below what it counts: the labels
 * are the rtpedge_xdp_verdicts_total{verdict,reason} metric labels and
 * JSON keys.
 */
#define RTPE_VERDICTS(X)                                                       \
	/* relayed out of the receiving device */                              \
	X(TX, "tx", "forwarded")                                               \
	/* relayed out of another device */                                    \
	X(REDIRECT, "redirect", "forwarded")                                   \
	/* not an IPv4 frame (ARP, IPv6...) */                                 \
	X(PASS_NOT_IPV4, "pass", "not_ipv4")                                   \
	/* IPv4 but not UDP */                                                 \
	X(PASS_NOT_UDP, "pass", "not_udp")                                     \
	/* frame ends inside its Ethernet, VLAN, IPv4 or UDP header */         \
	X(PASS_TRUNCATED, "pass", "truncated")                                 \
	/* UDP to a port outside [port_min, port_max] */                       \
	X(PASS_NOT_OUR_PORT, "pass", "not_our_port")                           \
	/* IPv4 header with options */                                         \
	X(PASS_IP_OPTIONS, "pass", "ip_options")                               \
	/* IPv4 fragment */                                                    \
	X(PASS_FRAGMENT, "pass", "fragment")                                   \
	/* no leg on that address:port */                                      \
	X(PASS_NO_SESSION, "pass", "no_session")                               \
	/* leg relayed by the daemon (learning, userspace, srtp) */            \
	X(PASS_USERSPACE, "pass", "userspace_leg")                             \
	/* leg relayed by the daemon, handed over on its AF_XDP socket */      \
	X(XSK, "xsk", "userspace_leg")                                         \
	/* no route to the opposite peer, or forwarding disabled */            \
	X(PASS_FIB_MISS, "pass", "fib_miss")                                   \
	/* next hop not resolved yet: the kernel resolves it */                \
	X(PASS_NO_NEIGH, "pass", "no_neigh")                                   \
	/* route leaves through a device without XDP redirect */               \
	X(PASS_NO_TX_PORT, "pass", "no_tx_port")                               \
	/* leg decided by the daemon (learning): handed over, no socket */     \
	X(PUNT_USERSPACE, "punt", "userspace_leg")                             \
	/* next hop not resolved: the daemon sends it and the kernel resolves */ \
	X(PUNT_NO_NEIGH, "punt", "no_neigh")                                   \
	/* no route or forwarding disabled: handed to the daemon */            \
	X(PUNT_FIB_MISS, "punt", "fib_miss")                                   \
	/* egress without XDP redirect (or VLAN): handed to the daemon */      \
	X(PUNT_NO_TX_PORT, "punt", "no_tx_port")                               \
	/* source is not the leg's peer (RTP Bleed attempt or stray) */        \
	X(DROP_SRC_MISMATCH, "drop", "source_mismatch")                        \
	/* UDP to a relay port with inconsistent IPv4/UDP lengths */           \
	X(DROP_MALFORMED, "drop", "malformed")

enum rtpe_verdict {
#define RTPE_X_ENUM(name, verdict, reason) RTPE_V_##name,
	RTPE_VERDICTS(RTPE_X_ENUM)
#undef RTPE_X_ENUM
	RTPE_V_MAX,
};

/*
 * rtpe_config[0], written by the daemon at start. Ports in host byte order,
 * inclusive. The legs of the address in slot s occupy rtpe_legs[s * pairs,
 * (s + 1) * pairs): port first_port + 2 * i is index s * pairs + i.
 */
struct rtpe_config {
	__u16 port_min;
	__u16 port_max;
	__u32 flags;
	__u16 first_port; /* lowest even port in the range (not 0) */
	__u16 fib_cache_ticks; /* route cache lifetime, jiffies (0: no caching) */
	__u32 pairs;      /* even ports in the range: legs per address */
	__u32 addr_seed;  /* rtpe_addr_bucket's seed: no two addresses collide */
};

#define RTPE_NSEC_PER_SEC 1000000000ULL

/* How long the fast path's route cache keeps an answer (the daemon turns it
 * into fib_cache_ticks). */
#define RTPE_FIB_CACHE_NS RTPE_NSEC_PER_SEC

/* Local addresses the relay has legs on (one per [interface] section). */
#define RTPE_MAX_ADDRS 16
#define RTPE_ADDR_BITS 8
#define RTPE_ADDR_BUCKETS (1U << RTPE_ADDR_BITS)

/* rtpe_addrs[bucket]: an address and where its legs start. addr 0 = empty. */
struct rtpe_addr_slot {
	__be32 addr;
	__u32 base; /* index in rtpe_legs of the address's first_port */
};

/* The rtpe_addrs bucket of an IPv4 address (as stored: network order).
 * Direct-mapped: the daemon picks a seed under which its addresses fall
 * into distinct buckets, so one probe answers. */
static __always_inline __u32 rtpe_addr_bucket(__be32 addr, __u32 seed)
{
	return (((__u32)addr ^ seed) * 0x9e3779b1u) >> (32 - RTPE_ADDR_BITS);
}

/* The rtpe_legs index of (address at base, port), or (__u32)-1 when the
 * port is outside the range of pairs (odd ports map to their even one). */
static __always_inline __u32 rtpe_leg_index(const struct rtpe_config *c, __u32 base, __u16 port)
{
	__u32 pair = ((__u32)(port & ~1U) - c->first_port) >> 1;

	if ((port & ~1U) < c->first_port || pair >= c->pairs)
		return (__u32)-1;
	return base + pair;
}

/*
 * One leg, the entry of rtpe_legs at its index; written by userspace only.
 * For a packet from (peer, peer_port) to (local, local_port) the relay
 * sends (out_src, out_sport) -> (out_dst, out_dport); RTCP, from
 * (peer, peer_rtcp_port) to local_port + 1, goes
 * (out_src, out_sport + 1) -> (out_dst, out_rtcp_dport).
 *
 * 64 bytes, one cache line (the map is memory-mapped: page-aligned). The
 * first RTPE_LEG_SNAPSHOT bytes are everything the fast path reads; the
 * rest says whose leg it is, for a restarted daemon. IPv4 only: IPv6 legs
 * will get a map of their own rather than tripling every address here.
 *
 * The daemon rewrites entries in place with plain stores
 * (daemon/xdp/xdp_legs.c) while the program reads them, so seq works as a seqlock: the
 * daemon makes it odd, writes, makes it even; the program copies the
 * snapshot bytes between two reads of seq and forwards only when both
 * reads are the same even number. Otherwise the packet goes to the daemon,
 * which relays it by the leg it just wrote.
 */
struct rtpe_leg {
	__be32 peer;              /* expected source address of this leg's peer */
	__be32 out_src;           /* the opposite leg's local address */
	__be32 out_dst;           /* the opposite leg's peer */
	__be16 peer_port;         /* expected RTP source port */
	__be16 peer_rtcp_port;    /* expected RTCP source port */
	__be16 out_sport;         /* the opposite leg's local RTP port */
	__be16 out_dport;         /* the opposite peer's RTP port */
	__be16 out_rtcp_dport;    /* the opposite peer's RTCP port */
	__u8 path;                /* enum rtpe_path */
	__u8 flags;               /* RTPE_LEG_F_* */
	__u32 slot;               /* the daemon's number of this leg (punts) */
	__u32 clock_rate;         /* RTP clock in Hz, for jitter; 0 = 8000 */
	__u32 seq;                /* odd while the daemon writes the entry */
	/* identity, for restore */
	__be32 local;             /* this leg's own address */
	__be16 local_port;        /* and even RTP port */
	__u8 family;              /* RTPE_AF_INET */
	__u8 pad0;
	__u32 session_id;         /* the daemon's session number */
	__u32 pad[4];
};
#define RTPE_LEG_SNAPSHOT 32 /* bytes before seq: what the fast path reads */
_Static_assert(sizeof(struct rtpe_leg) == 64, "rtpe_leg: one cache line, hot half first");

/* rtpe_leg.flags */
#define RTPE_LEG_F_LATCH (1U << 0)  /* peer may be learnt from media (NAT) */
#define RTPE_LEG_F_SIDE_B (1U << 1) /* second leg of its session (for restore) */
#define RTPE_LEG_F_PUNT (1U << 2)   /* the daemon holds no socket for this leg:
				     * what XDP cannot forward goes to it
				     * through rtpe_punt instead of the stack */
#define RTPE_LEG_F_ACTIVE (1U << 3) /* the entry is a leg (0: a free index) */
#define RTPE_LEG_F_XSK (1U << 4)    /* relayed by the daemon: its frames go to
				     * the daemon's AF_XDP socket of the queue
				     * (rtpe_xsks), else to its sockets */

/*
 * A packet handed to the daemon through rtpe_punt (bpf_perf_event_output with the frame appended): this
 * header, then the frame as it arrived (Ethernet header first), untouched.
 */
struct rtpe_punt_meta {
	__u32 ifindex;  /* where it arrived */
	__u32 slot;     /* rtpe_leg.slot: the daemon's leg */
	__u32 verdict;  /* enum rtpe_verdict, a RTPE_V_PUNT_* */
	__u32 len;      /* frame bytes that follow */
};

/*
 * The daemon's counters of a leg it relays itself (userspace path), and
 * the form in which it reports any leg's counters: everything counts what
 * the relay received from this leg's peer.
 */
struct rtpe_leg_stats {
	__u64 packets;      /* RTP and RTCP packets forwarded from the peer */
	__u64 bytes;        /* their UDP payload bytes */
	__u64 drops;        /* packets dropped for this leg (wrong source) */
	__u64 last_seen_ns; /* CLOCK_MONOTONIC of the last one */
	__u64 rtcp_packets; /* of packets, how many were RTCP */
};

/*
 * RTP receiver state of a leg, RFC 3550 A.1 and A.8, for RTP packets only
 * (include/rtpe_rtp.h). The XDP program keeps it in the leg's
 * rtpe_legs_state line, the daemon in its own leg for what it relays.
 */
struct rtpe_leg_rtp {
	__u32 ssrc;         /* SSRC of the last RTP packet (host order) */
	__u32 rtp_packets;  /* RTP packets seen from this SSRC */
	__u16 base_seq;     /* first sequence number seen */
	__u16 pair_seq;     /* sequence number whose transit is kept */
	__u32 max_seq;      /* highest sequence number, extended (cycles << 16) */
	__u32 transit;      /* pair_seq's relative transit time, RTP clock units */
	__u32 jitter;       /* interarrival jitter, RTP clock units << 4 */
};

/*
 * What the fast path writes for a leg, one 64-byte entry of rtpe_legs_state
 * (an array indexed like rtpe_legs: one copy for all CPUs) per forwarded
 * packet: its counters,
 * its last-seen and its RTP receiver state, in one cache line, so a packet
 * writes one line and the two legs of a session never share one.
 *
 * One copy, not one per CPU: per-CPU counters would cost the entry's size
 * times the CPUs the host may have (at 100,000 sessions on 128 CPUs, over
 * a gigabyte of kernel memory), and a stream's state must follow the
 * stream when it moves between CPUs (RSS changes; veth runs NAPI on the
 * sender's CPU), which per-CPU copies would split into meaningless pieces.
 * The counters are atomic adds: exact when two CPUs forward for one leg at
 * once (rare: one leg is one flow, which RSS keeps on one queue), and cheap
 * otherwise (the line is being written anyway). The RTP state is written
 * without a lock: two CPUs updating one leg at the same instant leave an
 * estimate off by a packet, never corrupt. last_seen is stamped for every
 * forwarded packet, RTCP too, in jiffies (bpf_jiffies64: inlined, where a
 * nanosecond clock read costs the fast path more than everything else it
 * does; daemon/xdp/xdp_clock.c converts). The arrival time jitter needs is read
 * only for the packets rtp_wants_arrival names (include/rtpe_rtp.h). The
 * map is memory-mapped: the daemon reads every leg's figures from memory,
 * with no system call and no per-CPU merge.
 */
struct rtpe_leg_state {
	__u64 last_seen;    /* jiffies of the last forwarded packet, 0: none */
	__u64 packets;      /* RTP and RTCP packets forwarded from the peer */
	__u64 bytes;        /* their UDP payload bytes */
	__u64 rtcp_packets; /* of packets, how many were RTCP */
	__u64 drops;        /* packets to this leg dropped: wrong source */
	struct rtpe_leg_rtp rtp;
};
_Static_assert(sizeof(struct rtpe_leg_state) == 64, "rtpe_leg_state: one cache line per leg");

/* What rtpedge_clock (a syscall program the daemon runs) reports: the
 * clock the fast path stamps beside CLOCK_MONOTONIC, read together. */
struct rtpe_clock_sample {
	__u64 ns;       /* bpf_ktime_get_ns() before ... */
	__u64 ticks;    /* ... bpf_jiffies64() ... */
	__u64 ns_after; /* ... and after (a wide gap: the read was interrupted) */
};

/*
 * A next-hop question to the rtpedge_fib program (BPF_PROG_RUN; in and out
 * through the packet data): the kernel's route and neighbour for a UDP
 * datagram from src to dst that came in on ifindex, asked as the fast path
 * asks them (bpf_fib_lookup). The daemon's AF_XDP relay sends by them.
 */
struct rtpe_fib_query {
	__be32 src, dst;
	__u32 ifindex;            /* in: where the packet came in; out: where it leaves */
	__s32 ret;                /* out: BPF_FIB_LKUP_RET_* (0: smac, dmac hold) */
	__u8 smac[6], dmac[6];    /* out */
	__u16 tot_len;            /* in: the IPv4 length, for the MTU check */
	__u8 pad[2];
};
_Static_assert(sizeof(struct rtpe_fib_query) == 32, "rtpe_fib_query: 32 bytes");

/* rtpe_verdicts[verdict]: per-CPU, userspace sums. */
struct rtpe_counter {
	__u64 packets;
	__u64 bytes; /* frame bytes */
};

#endif /* RTPEDGE_H */
