// SPDX-License-Identifier: GPL-2.0
/*
 * nft_ranges.c - address ranges of the allowlist's sets: prefixes merged
 * into sorted ranges that neither overlap nor touch, as an interval set
 * needs them (the kernel refuses overlapping intervals), compared, and
 * checked for covering a prefix. Pure functions; nft_table.c turns ranges
 * into set elements and back.
 */
#include "nft/nft_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int range_cmp(const void *a, const void *b)
{
	const struct nft_range *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, 16);

	return c ? c : memcmp(x->hi, y->hi, 16);
}

/* a + 1 == b, addresses of len bytes (network order, the rest of the 16
 * zero); false when a is the last address. */
static bool next_is(const uint8_t a[16], const uint8_t b[16], int len)
{
	uint8_t n[16];
	int i;

	memcpy(n, a, 16);
	for (i = len - 1; i >= 0 && n[i] == 0xff; i--)
		n[i] = 0;
	if (i < 0)
		return false;
	n[i]++;
	return !memcmp(n, b, 16);
}

int nft_ranges_build(const struct prefix *p, int n, uint8_t family, struct nft_ranges *out)
{
	struct nft_range *r = NULL;
	int k = 0, m = 0, len = family == AF_INET ? 4 : 16;

	nft_ranges_free(out);
	out->family = family;
	for (int i = 0; i < n; i++)
		k += p[i].family == family;
	if (k && !(r = calloc((size_t)k, sizeof(*r))))
		return -ENOMEM;
	k = 0;
	for (int i = 0; i < n; i++) {
		if (p[i].family != family)
			continue;
		memcpy(r[k].lo, p[i].addr, 16);
		prefix_last(&p[i], r[k].hi);
		k++;
	}
	if (k)
		qsort(r, (size_t)k, sizeof(*r), range_cmp);
	for (int i = 0; i < k; i++) {
		/* overlaps or touches the last merged one: extend it */
		if (m && (memcmp(r[i].lo, r[m - 1].hi, 16) <= 0 || next_is(r[m - 1].hi, r[i].lo, len))) {
			if (memcmp(r[i].hi, r[m - 1].hi, 16) > 0)
				memcpy(r[m - 1].hi, r[i].hi, 16);
			continue;
		}
		r[m++] = r[i];
	}
	out->r = r;
	out->n = m;
	return 0;
}

void nft_ranges_free(struct nft_ranges *r)
{
	free(r->r);
	r->r = NULL;
	r->n = 0;
}

bool nft_ranges_eq(const struct nft_ranges *a, const struct nft_ranges *b)
{
	return a->n == b->n && (!a->n || !memcmp(a->r, b->r, (size_t)a->n * sizeof(*a->r)));
}

bool nft_ranges_cover(const struct nft_ranges *r, const struct prefix *p)
{
	uint8_t last[16];

	if (p->family != r->family)
		return false;
	prefix_last(p, last);
	for (int i = 0; i < r->n; i++)
		if (memcmp(r->r[i].lo, p->addr, 16) <= 0 && memcmp(last, r->r[i].hi, 16) <= 0)
			return true;
	return false;
}
