// SPDX-License-Identifier: GPL-2.0
/*
 * xdp.c - owns the XDP program's life in the kernel: loading the embedded
 * skeleton, pinning its maps and links under pin_path, attaching to the
 * configured devices, and the global counters (leg entries: xdp_legs.c,
 * their lines: xdp_lines.c).
 *
 * Maps are pinned by name (LIBBPF_PIN_BY_NAME), so a daemon that starts
 * while an earlier one's maps are pinned reuses them, and each device's XDP
 * attachment is a bpf_link pinned as pin_path/link_DEVICE, so it survives
 * the daemon: a new daemon swaps its program in with bpf_link_update and
 * forwarding never stops.
 */
#include "xdp/xdp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/log.h"
#include "xdp/xdp_int.h"
#include "rtpedge.skel.h"

/* What setup works on: the config and the interfaces' XDP side. */
struct xdp_ctx {
	const struct rtpe_cfg *cfg;
	struct xdp_iface *xif;
};

const char *xdp_attach_name(enum xdp_attach a)
{
	switch (a) {
	case XDP_ATTACH_NATIVE: return "native";
	case XDP_ATTACH_GENERIC: return "generic";
	case XDP_ATTACH_FAILED: return "failed";
	default: return "off";
	}
}

/* pin_path must sit on a bpf filesystem, or pins vanish with the daemon. */
static int pin_dir_prepare(const char *path, char *err, size_t errlen)
{
	char parent[256];
	struct statfs st;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &st) < 0 || st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen,
			 "pin_path %s: %s is not a bpf filesystem; mount one "
			 "(mount -t bpf bpf %s) or set pin_path under /sys/fs/bpf",
			 path, parent, parent);
		return -ENOTDIR;
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "pin_path %s: mkdir: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Maps an earlier version pinned and this one no longer has (its per-leg
 * counters and RTP state, now in rtpe_legs_state): unpinned once this
 * version's maps are loaded. A program of that version still attached
 * keeps its maps until our program replaces it; its legs (rtpe_legs, the
 * same layout) carry on, their XDP counters start again from zero.
 */
static void obsolete_unpin(const char *pin_path)
{
	/* The last held one line per leg by the daemon's slot, not by the
	 * leg's index. Its name is one letter from the live rtpe_legs_state:
	 * kept here, out of include/rtpedge.h, so nothing else can pick it. */
	static const char *const names[] = { RTPE_MAP_OBSOLETE_LEG_STATS,
					     RTPE_MAP_OBSOLETE_LEG_RTP, RTPE_MAP_OBSOLETE_VERDICTS,
					     "rtpe_leg_state" };
	char pin[320];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(pin, sizeof(pin), "%s/%s", pin_path, names[i]);
		if (unlink(pin) == 0)
			log_info("removed %s, pinned by an earlier version (now %s and %s)", pin,
				 RTPE_MAP_LEG_STATE, RTPE_MAP_VERDICTS);
		else if (errno != ENOENT)
			log_warn("cannot remove %s, pinned by an earlier version: %s", pin,
				 strerror(errno));
	}
}

static int xdp_load(struct xdp_ctx *r, struct xdp_state *x, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = r->cfg->pin_path);
	__u32 entries = xdp_legs_entries(r->cfg);
	int e;

	x->skel = rtpedge__open_opts(&oo);
	if (!x->skel) {
		snprintf(err, errlen, "cannot open the XDP object: %s", strerror(errno));
		return -errno;
	}
	bpf_map__set_max_entries(x->skel->maps.rtpe_legs, entries);
	bpf_map__set_max_entries(x->skel->maps.rtpe_legs_state, entries);
	e = rtpedge__load(x->skel);
	if (e) {
		snprintf(err, errlen,
			 "cannot load the XDP program: %s (if the log above says a pinned "
			 "map cannot be reused, the maps in %s are from another port range "
			 "or another rtpedge version: stop that instance with "
			 "'rtpedgectl shutdown --remove', or remove %s, which ends its calls' "
			 "media)",
			 strerror(-e), r->cfg->pin_path, r->cfg->pin_path);
		return e;
	}
	x->fd_legs = bpf_map__fd(x->skel->maps.rtpe_legs);
	x->fd_state = bpf_map__fd(x->skel->maps.rtpe_legs_state);
	obsolete_unpin(r->cfg->pin_path);
	x->fd_verdicts = bpf_map__fd(x->skel->maps.rtpe_xdp_verdicts);
	x->fd_config = bpf_map__fd(x->skel->maps.rtpe_config);
	x->fd_tx = bpf_map__fd(x->skel->maps.rtpe_tx_ports);
	x->fd_addrs = bpf_map__fd(x->skel->maps.rtpe_addrs);
	x->fd_xsks = bpf_map__fd(x->skel->maps.rtpe_xsks);
	x->fd_xsk_ifs = bpf_map__fd(x->skel->maps.rtpe_xsk_ifs);
	return 0;
}

static void link_pin_name(const struct xdp_state *x, const char *dev, char *buf, size_t len)
{
	snprintf(buf, len, "%s/link_%s", x->pin_path, dev);
}

/*
 * A link pinned by an earlier daemon: if it still drives this device, swap
 * our program in atomically and keep it. Returns the link fd, or -1 when
 * there is none to reuse (a stale pin is removed).
 */
static int link_reuse(struct xdp_state *x, const char *pin, int ifindex)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(pin);

	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == BPF_LINK_TYPE_XDP &&
	    (int)info.xdp.ifindex == ifindex &&
	    bpf_link_update(fd, bpf_program__fd(x->skel->progs.rtpedge_xdp), NULL) == 0)
		return fd;
	close(fd);
	unlink(pin);
	return -1;
}

static int link_create(struct xdp_state *x, int ifindex, __u32 mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = mode);

	return bpf_link_create(bpf_program__fd(x->skel->progs.rtpedge_xdp), ifindex,
			       BPF_XDP, &lo);
}

static enum xdp_attach attach_mode_of(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q) < 0)
		return XDP_ATTACH_FAILED;
	if (q.attach_mode == XDP_ATTACHED_DRV)
		return XDP_ATTACH_NATIVE;
	if (q.attach_mode == XDP_ATTACHED_SKB)
		return XDP_ATTACH_GENERIC;
	return XDP_ATTACH_FAILED;
}

/* Attaches to one interface per xdp_mode. 0, or -errno with err set. */
static int xdp_attach_iface(struct xdp_ctx *r, struct xdp_state *x, int i, char *err, size_t errlen)
{
	struct xdp_iface *ifc = &r->xif[i];
	const char *dev = r->cfg->ifaces[i].device;
	enum xdp_mode mode = r->cfg->xdp_mode;
	char pin[320];
	int fd;

	link_pin_name(x, dev, pin, sizeof(pin));
	fd = link_reuse(x, pin, ifc->ifindex);
	if (fd >= 0) {
		log_info("%s: took over the pinned XDP link (media kept flowing)",
			 dev);
	} else {
		fd = -EINVAL;
		if (mode == XDP_MODE_AUTO || mode == XDP_MODE_NATIVE)
			fd = link_create(x, ifc->ifindex, XDP_FLAGS_DRV_MODE);
		if (fd < 0 && (mode == XDP_MODE_AUTO || mode == XDP_MODE_GENERIC))
			fd = link_create(x, ifc->ifindex, XDP_FLAGS_SKB_MODE);
		if (fd < 0) {
			int e = -errno;

			ifc->attach = XDP_ATTACH_FAILED;
			snprintf(err, errlen, "%s: cannot attach XDP (xdp_mode %s): %s%s",
				 dev, xdp_mode_name(mode), strerror(-e),
				 e == -EBUSY ? " (another XDP program is attached: "
					       "remove it with 'ip link set DEV xdp off')" : "");
			return e ? e : -EINVAL;
		}
		if (bpf_obj_pin(fd, pin) < 0)
			log_warn("%s: cannot pin the XDP link at %s: %s (XDP will stop "
				 "with the daemon)", dev, pin, strerror(errno));
		x->link_new[i] = true;
	}
	x->link_fd[i] = fd;
	ifc->attach = attach_mode_of(ifc->ifindex);
	return 0;
}

static int xdp_tx_port_add(struct xdp_state *x, int ifindex)
{
	struct bpf_devmap_val v = { .ifindex = (__u32)ifindex };
	__u32 k = (__u32)ifindex;

	if (bpf_map_update_elem(x->fd_tx, &k, &v, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* An earlier interface on the same device, or -1: one attachment serves
 * every address (interface section) of a device. */
static int same_device(const struct xdp_ctx *r, int i)
{
	for (int j = 0; j < i; j++)
		if (r->xif[j].ifindex == r->xif[i].ifindex)
			return j;
	return -1;
}

/*
 * Redirect targets first, links after: a link taken over from an earlier
 * daemon runs our program (and our new, empty devmap) from the moment it
 * is updated, so every device must already be a target by then, or the
 * packets redirected meanwhile would fall back to the kernel and be lost.
 */
static void xdp_tx_ports_fill(struct xdp_ctx *r, struct xdp_state *x)
{
	for (int i = 0; i < r->cfg->n_ifaces; i++) {
		int e;

		if (same_device(r, i) >= 0)
			continue;
		e = xdp_tx_port_add(x, r->xif[i].ifindex);
		if (e)
			log_warn("%s: cannot add to the redirect map: %s (media leaving "
				 "through it goes through userspace)", r->cfg->ifaces[i].device,
				 strerror(-e));
	}
}

static int xdp_attach_all(struct xdp_ctx *r, struct xdp_state *x, char *err, size_t errlen)
{
	xdp_tx_ports_fill(r, x);
	for (int i = 0; i < r->cfg->n_ifaces; i++) {
		struct xdp_iface *ifc = &r->xif[i];
		const char *dev = r->cfg->ifaces[i].device;
		int e, j = same_device(r, i);

		if (j >= 0) {
			ifc->attach = r->xif[j].attach;
			continue;
		}
		e = xdp_attach_iface(r, x, i, err, errlen);
		if (e) {
			if (r->cfg->xdp_mode != XDP_MODE_AUTO)
				return e;
			log_warn("%s; its legs are relayed in userspace", err);
			err[0] = '\0';
			continue;
		}
		log_info("%s: XDP attached in %s mode", dev,
			 xdp_attach_name(ifc->attach));
		if (!ifc->forwarding)
			log_warn("%s: net.ipv4.conf.%s.forwarding is 0: the XDP FIB lookup "
				 "fails and every packet goes through userspace; set it to 1 "
				 "(and drop routed traffic in nft if this host must not route)",
				 dev, dev);
	}
	return 0;
}

/* A start that fails removes the attachments it made itself; links taken
 * over from a running predecessor stay, and so does its media. */
static void xdp_undo_new_links(struct xdp_ctx *r, struct xdp_state *x)
{
	char pin[320];

	for (int i = 0; i < r->cfg->n_ifaces; i++) {
		if (!x->link_new[i] || x->link_fd[i] < 0)
			continue;
		link_pin_name(x, r->cfg->ifaces[i].device, pin, sizeof(pin));
		unlink(pin);
		bpf_link_detach(x->link_fd[i]);
		r->xif[i].attach = XDP_ATTACH_OFF;
	}
}

/* The program's clock against ours (last-seen stamps, route cache). */
static int clock_setup(struct xdp_state *x, char *err, size_t errlen)
{
	int e = xdp_clock_calibrate(&x->clock, bpf_program__fd(x->skel->progs.rtpedge_clock));

	if (e)
		snprintf(err, errlen, "cannot read the kernel's tick clock through the "
			 "rtpedge_clock program: %s", strerror(-e));
	else
		log_debug("XDP clock: HZ %u, tick %llu ns", x->clock.hz,
			  (unsigned long long)x->clock.tick_ns);
	return e;
}

int xdp_setup(const struct rtpe_cfg *cfg, struct xdp_iface *xif, struct xdp_state **out,
	      char *err, size_t errlen)
{
	struct xdp_ctx c = { .cfg = cfg, .xif = xif }, *r = &c;
	struct xdp_state *x;
	int e;

	*out = NULL;
	if (cfg->xdp_mode == XDP_MODE_OFF)
		return 0;
	e = pin_dir_prepare(cfg->pin_path, err, errlen);
	if (e)
		return e;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (int i = 0; i < CFG_MAX_IFACES; i++)
		x->link_fd[i] = -1;
	snprintf(x->pin_path, sizeof(x->pin_path), "%s", cfg->pin_path);
	x->ncpu = libbpf_num_possible_cpus();
	if (x->ncpu <= 0) {
		snprintf(err, errlen, "cannot count the possible CPUs: %s", strerror(-x->ncpu));
		xdp_teardown(x, cfg, xif, false);
		return x->ncpu < 0 ? x->ncpu : -EINVAL;
	}
	e = xdp_load(r, x, err, errlen);
	if (!e)
		e = clock_setup(x, err, errlen);
	if (!e)
		e = xdp_legs_setup(x, cfg, err, errlen);
	if (!e)
		e = xdp_attach_all(r, x, err, errlen);
	if (e) {
		xdp_undo_new_links(r, x);
		xdp_teardown(x, cfg, xif, false);
		return e;
	}
	*out = x;
	return 0;
}

static void unpin_all(const struct rtpe_cfg *cfg, struct xdp_state *x)
{
	char pin[320];

	for (int i = 0; i < cfg->n_ifaces; i++) {
		link_pin_name(x, cfg->ifaces[i].device, pin, sizeof(pin));
		unlink(pin);
	}
	bpf_object__unpin_maps(x->skel->obj, NULL);
	if (rmdir(x->pin_path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", x->pin_path, strerror(errno));
}

void xdp_teardown(struct xdp_state *x, const struct rtpe_cfg *cfg, struct xdp_iface *xif,
		  bool remove)
{
	if (!x)
		return;
	if (remove && x->skel && x->fd_legs > 0)
		unpin_all(cfg, x);
	for (int i = 0; i < CFG_MAX_IFACES; i++) {
		if (x->link_fd[i] < 0)
			continue;
		if (remove)
			bpf_link_detach(x->link_fd[i]);
		close(x->link_fd[i]);
		if (remove)
			xif[i].attach = XDP_ATTACH_OFF;
	}
	xdp_legs_unmap(x);
	rtpedge__destroy(x->skel);
	free(x);
}

int xdp_verdicts_read(struct xdp_state *x, struct rtpe_counter *out)
{
	struct rtpe_counter *v = calloc((size_t)x->ncpu, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (__u32 k = 0; k < RTPE_V_MAX; k++) {
		out[k].packets = out[k].bytes = 0;
		if (bpf_map_lookup_elem(x->fd_verdicts, &k, v) < 0)
			continue;
		for (int c = 0; c < x->ncpu; c++) {
			out[k].packets += v[c].packets;
			out[k].bytes += v[c].bytes;
		}
	}
	free(v);
	return 0;
}

int xdp_punt_fd(struct xdp_state *x)
{
	return bpf_map__fd(x->skel->maps.rtpe_punt);
}

int xdp_next_hop(struct xdp_state *x, struct rtpe_fib_query *q)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = q, .data_size_in = sizeof(*q), .data_out = q,
		    .data_size_out = sizeof(*q), .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(x->skel->progs.rtpedge_fib), &o))
		return -errno;
	return o.retval == XDP_PASS && o.data_size_out == sizeof(*q) ? 0 : -EIO;
}
