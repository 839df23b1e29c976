/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * maps.h - BPF-only: the maps of the XDP fast path (rtpedge.bpf.c).
 *
 * Names, key and value types (include/rtpedge.h) and sizes are what the
 * daemon and the pins under pin_path know them by. A map pinned by name
 * outlives the daemon: the next one's program reuses it, which libbpf
 * allows only if type, sizes and flags still match. So none of these is
 * renamed or changes its key, value, size or pinning; a map that must
 * change gets a new name, and the daemon removes the old pin (daemon/xdp/
 * xdp.c). The route cache's own map (not pinned) is in route.h.
 *
 * The includer provides vmlinux.h, bpf_helpers.h and rtpedge.h first.
 */
#ifndef RTPE_MAPS_H
#define RTPE_MAPS_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RTPE_ADDR_BUCKETS);
	__type(key, __u32);
	__type(value, struct rtpe_addr_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rtpe_addrs SEC(".maps");

/* Sized by the daemon: RTPE_MAX_ADDRS * pairs. Memory-mapped: the daemon
 * writes legs with plain stores, no system call (daemon/xdp/xdp_legs.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, RTPE_DEFAULT_MAX_SESSIONS * 2);
	__type(key, __u32);
	__type(value, struct rtpe_leg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rtpe_legs SEC(".maps");

/* Each leg's counters, last-seen and RTP state, at the leg's index in
 * rtpe_legs (sized alike by the daemon): its address is known as soon as
 * the leg's is, so with many sessions the two cache misses of a packet
 * overlap instead of following each other. Memory-mapped: the daemon reads
 * them without a system call (include/rtpedge.h, struct rtpe_leg_state). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, RTPE_DEFAULT_MAX_SESSIONS * 2);
	__type(key, __u32);
	__type(value, struct rtpe_leg_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rtpe_legs_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTPE_V_MAX);
	__type(key, __u32);
	__type(value, struct rtpe_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rtpe_xdp_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rtpe_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rtpe_config SEC(".maps");

/* The slow path: frames of socket-less legs that XDP cannot forward go to
 * the daemon here, one perf ring per CPU. Not pinned: each daemon opens its
 * own readers, and while none reads, output fails and the frame is passed. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} rtpe_punt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, RTPE_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
	/* Not pinned: the daemon refills it at every start, and a program
	 * still attached from an earlier daemon keeps its own copy alive.
	 * (Reusing a pinned devmap fails in libbpf 1.1: the kernel reports
	 * BPF_F_RDONLY_PROG on it, which cannot be requested at creation.) */
} rtpe_tx_ports SEC(".maps");

/* AF_XDP: the daemon's sockets for the legs it relays (RTPE_LEG_F_XSK), at
 * rtpe_xsk_ifs[ifindex] + the receive queue. Not pinned: sockets die with
 * their daemon, and the next one loads its own program. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RTPE_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} rtpe_xsk_ifs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, RTPE_MAX_XSKS);
	__type(key, __u32);
	__type(value, __u32);
} rtpe_xsks SEC(".maps");

#endif /* RTPE_MAPS_H */
