// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_stale.c - owns what an earlier run pinned under pin_path and this
 * configuration no longer uses: links on devices no [interface] names any
 * more, and with xdp_mode = off every link and map. Left alone, such a
 * link keeps an old program forwarding stale legs, and drops the packets
 * of new calls that reuse their ports (source_mismatch).
 */
#include "xdp/xdp.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "core/log.h"

/* Sessions named one by one in the log before a count says the rest. */
#define DROPPED_LOGGED 20

static bool dev_configured(const struct rtpe_cfg *cfg, const char *dev)
{
	for (int i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifaces[i].device, dev))
			return true;
	return false;
}

/* Detaches the XDP link pinned at pin (on dev) and removes the pin. A pin
 * that is no XDP link is not rtpedge's: it is left alone. */
static void link_remove(const char *pin, const char *dev, const char *why)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(pin), e = 0;

	if (fd >= 0 && (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP)) {
		log_warn("%s is not an XDP link: left alone", pin);
		close(fd);
		return;
	}
	if (fd >= 0) {
		if (info.xdp.ifindex && bpf_link_detach(fd) < 0)
			e = -errno;
		close(fd);
	}
	if (unlink(pin) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", pin, strerror(errno));
	if (e)
		log_warn("%s: cannot detach the XDP link pinned at %s: %s (remove it with "
			 "'ip link set %s xdp off')", dev, pin, strerror(-e), dev);
	else
		log_info("%s: detached the XDP program an earlier run left attached (pinned at "
			 "%s): %s", dev, pin, why);
}

/* Logs the sessions whose legs the pinned rtpe_legs holds and kept()
 * says were not restored: their media ends with the maps. */
static void report_dropped(const char *pin_path, xdp_kept_fn kept, void *arg)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char pin[320];
	unsigned n = 0;
	size_t size;
	void *m;
	int fd;

	snprintf(pin, sizeof(pin), "%s/%s", pin_path, RTPE_MAP_LEGS);
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != sizeof(struct rtpe_leg)) {
		log_warn("%s: not this version's leg map: the sessions it carried are not "
			 "checked against the state file", pin);
		close(fd);
		return;
	}
	size = (size_t)info.max_entries * info.value_size;
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		log_warn("%s: cannot read it: %s", pin, strerror(errno));
		return;
	}
	for (__u32 i = 0; i < info.max_entries; i++) {
		const struct rtpe_leg *v = (const struct rtpe_leg *)m + i;

		if (!(v->flags & RTPE_LEG_F_ACTIVE) || (v->flags & RTPE_LEG_F_SIDE_B) ||
		    kept(v->session_id, arg))
			continue;
		if (n++ < DROPPED_LOGGED)
			log_warn("session s-%u: carried by XDP, not restored in userspace (not in "
				 "the state file, or see above): dropped", v->session_id);
	}
	munmap(m, size);
	if (n)
		log_warn("sessions carried by XDP and dropped with its maps: %u", n);
}

/* Removes one entry of pin_path if cfg no longer uses it; appends the
 * names of removed maps to maps. Returns 1 for a link removed. */
static int entry_remove(const struct rtpe_cfg *cfg, const char *name, char *maps, size_t len)
{
	bool off = cfg->xdp_mode == XDP_MODE_OFF;
	char pin[sizeof(cfg->pin_path) + NAME_MAX + 2], why[64];
	size_t k = strlen(maps);

	if (snprintf(pin, sizeof(pin), "%s/%s", cfg->pin_path, name) >= (int)sizeof(pin))
		return 0;
	if (!strncmp(name, "link_", 5)) {
		if (!off && dev_configured(cfg, name + 5))
			return 0;
		snprintf(why, sizeof(why), off ? "xdp_mode is off" : "no [interface] uses %s",
			 name + 5);
		link_remove(pin, name + 5, why);
		return 1;
	}
	if (!off || strncmp(name, "rtpe_", 5))
		return 0; /* only rtpedge's own maps */
	if (unlink(pin) < 0)
		log_warn("cannot remove %s: %s", pin, strerror(errno));
	else if (k + 1 < len && snprintf(maps + k, len - k, "%s%s", k ? ", " : "", name) < 0)
		maps[k] = '\0';
	return 0;
}

/* The entries of pin_path, names[0..*n) (dot files and names beyond
 * STALE_MAX_PINS skipped): read first, removed after. */
#define STALE_MAX_PINS 64

static int pins_read(const char *pin_path, char names[][NAME_MAX + 1], int *n)
{
	DIR *d = opendir(pin_path);
	struct dirent *de;

	*n = 0;
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(d)) && *n < STALE_MAX_PINS)
		if (de->d_name[0] != '.')
			snprintf(names[(*n)++], NAME_MAX + 1, "%s", de->d_name);
	closedir(d);
	return 1;
}

int xdp_remove_unused(const struct rtpe_cfg *cfg, xdp_kept_fn kept, void *arg)
{
	static char names[STALE_MAX_PINS][NAME_MAX + 1];
	bool off = cfg->xdp_mode == XDP_MODE_OFF;
	char maps[512] = "";
	int links = 0, n, e = pins_read(cfg->pin_path, names, &n);

	if (e <= 0)
		return e; /* nothing pinned (no directory), or unreadable */
	if (off && kept)
		report_dropped(cfg->pin_path, kept, arg);
	for (int i = 0; i < n; i++)
		links += entry_remove(cfg, names[i], maps, sizeof(maps));
	if (!off)
		return links;
	if (maps[0])
		log_info("removed the maps an earlier run pinned in %s (xdp_mode is off): %s",
			 cfg->pin_path, maps);
	if (rmdir(cfg->pin_path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s%s", cfg->pin_path, strerror(errno),
			 errno == ENOTEMPTY ? " (it holds pins that are not rtpedge's)" : "");
	return links;
}
