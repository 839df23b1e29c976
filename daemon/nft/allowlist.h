/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allowlist.h - the SIP allowlist: which sources may send SIP to the relay,
 * each with where it comes from (a region of the config or the catalogue,
 * a trunk, a runtime addition), and the nftables table that enforces it
 * (nft_table.h). The table exists while the config has `allowlist = yes`
 * (the default) and a [sip] listen; it is created or replaced at start,
 * changed on reload and by allowlist_add/del, each in one netlink batch,
 * checked every few seconds (a table or elements removed from outside are
 * put back), left in place when the daemon stops or dies, and deleted by
 * allowlist_stop(remove). Runtime additions are kept in STATE_FILE.allowlist
 * so that they survive a restart.
 */
#ifndef RTPE_ALLOWLIST_H
#define RTPE_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/loop.h"
#include "core/prefix.h"
#include "nft/nft_table.h"

#define AL_ORIGIN_LEN (CFG_NAME_LEN + 8)
#define AL_CHECK_MS 5000
#define AL_MAX_RUNTIME 65536

struct al_elem {
	struct prefix p;
	char origin[AL_ORIGIN_LEN]; /* "region vapi-us", "trunk pbx", "runtime" */
};

struct allowlist;

/*
 * Computes the allowlist of cfg (plus the runtime additions kept beside
 * cfg->state_file) and makes the kernel enforce it: creates the table, or
 * replaces rtpedged's own in one batch (its drop counter carries over).
 * Refuses a table of that name rtpedged did not make. 0, or -errno with
 * err; *out is set either way when it is not NULL (free it with
 * allowlist_stop).
 */
int allowlist_start(struct allowlist **out, const struct rtpe_cfg *cfg, struct loop *loop,
		    char *err, size_t errlen);
/*
 * Applies cfg (a reload): the sets' elements when only they change, a new
 * table (one batch, the old one deleted in it) when its shape does, the
 * table deleted when the allowlist is now off. 0, or -1 with err; then the
 * kernel and the allowlist are as they were.
 */
int allowlist_reload(struct allowlist *al, const struct rtpe_cfg *cfg, char *err, size_t errlen);
/* The SBC addresses of cfg's regions' hostnames changed (core/resolve.h):
 * the sets follow in one batch. 0, or -1 (logged; the sets stay). */
int allowlist_resolved(struct allowlist *al, const struct rtpe_cfg *cfg);
/* Frees al; with remove, deletes the table (shutdown --remove). */
void allowlist_stop(struct allowlist *al, bool remove);

/* A runtime addition (kept across restarts). 0 added, 1 already a runtime
 * element (nothing changed), -1 with err (nothing changed). */
int allowlist_add(struct allowlist *al, const struct prefix *p, char *err, size_t errlen);
/* Removes a runtime addition. 0, or -1 with err (nothing changed). */
int allowlist_del(struct allowlist *al, const struct prefix *p, char *err, size_t errlen);

/* Whether the table is in force; *why (may be NULL) says why not. */
bool allowlist_active(const struct allowlist *al, const char **why);
/* The table's shape (name, SIP ports guarded, allowlist_max). */
const struct nft_shape *allowlist_shape(const struct allowlist *al);
/* Every element, config first (regions, trunks), then runtime. */
int allowlist_elements(const struct allowlist *al, const struct al_elem **elems);
/* The drop counter, read from the kernel. 0 or -errno. */
int allowlist_dropped(struct allowlist *al, struct nft_counter *c);
/* For each element, whether the kernel's sets hold it now (in_kernel has
 * room for allowlist_elements' count). 0 or -errno. */
int allowlist_in_kernel(struct allowlist *al, bool *in_kernel);

#endif
