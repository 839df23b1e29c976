/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allowlist_want.h - inside the allowlist (allowlist.c): what a config and
 * the runtime additions ask the kernel to hold (allowlist_want.c).
 */
#ifndef RTPE_ALLOWLIST_WANT_H
#define RTPE_ALLOWLIST_WANT_H

#include <stdbool.h>

#include "core/config.h"
#include "core/prefix.h"
#include "nft/allowlist.h"
#include "nft/nft_table.h"

/* What a config (and the runtime additions) asks for. */
struct want {
	bool active;
	const char *why;
	struct nft_shape shape;
	struct al_elem *elems;
	int n;
	struct nft_ranges v4, v6;
};

void want_free(struct want *w);
/* Field by field: the structs have padding. */
bool shape_eq(const struct nft_shape *a, const struct nft_shape *b);
/* Appends p to w's elements (*cap: their room), its origin "kind name". 0
 * or -ENOMEM. */
int elem_push(struct want *w, int *cap, const struct prefix *p, const char *kind,
	      const char *name);
/* w's ranges from its elements, e: the error so far (w is freed on
 * failure). */
int want_ranges(struct want *w, int e);
/* What cfg asks for, with the runtime additions rt. */
int want_of(const struct rtpe_cfg *cfg, const struct prefix *rt, int n_rt,
	    struct want *w);

#endif
