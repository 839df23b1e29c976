// SPDX-License-Identifier: GPL-2.0
/*
 * ports.c - the even-port allocator of one local address.
 *
 * A bitmap with one bit per even port (set = taken) and a round-robin
 * cursor: a get scans from the port after the last one handed out, skipping
 * whole 64-bit words that are full, so a freed port comes back only after
 * every other free port has been used once. The bits past the last pair in
 * the final word are set for good, so a scan never has to test the bound.
 */
#include "media/ports.h"

#include <errno.h>
#include <stdlib.h>

struct port_pool {
	uint16_t first;    /* lowest even port of the pool */
	unsigned n;        /* pairs: first, first + 2, ... */
	unsigned avail;    /* pairs not taken */
	unsigned cursor;   /* index where the next get starts scanning */
	unsigned nwords;
	uint64_t bits[];   /* bit i = port first + 2 * i is taken */
};

struct port_pool *port_pool_new(uint16_t min, uint16_t max)
{
	struct port_pool *p;
	uint16_t first;
	unsigned n, nwords;

	if (port_range_pairs(min, max, &first, &n))
		return NULL;
	nwords = (n + 63) / 64;
	p = calloc(1, sizeof(*p) + nwords * sizeof(p->bits[0]));
	if (!p)
		return NULL;
	p->first = first;
	p->n = n;
	p->avail = n;
	p->nwords = nwords;
	if (n % 64)
		p->bits[nwords - 1] = ~0ULL << (n % 64);
	return p;
}

void port_pool_free(struct port_pool *p)
{
	free(p);
}

/* Index of port in the pool, or -EINVAL when odd or outside it. */
static int port_index(const struct port_pool *p, uint16_t port)
{
	unsigned i;

	if (port < p->first || (port - p->first) & 1u)
		return -EINVAL;
	i = (port - p->first) / 2;
	return i < p->n ? (int)i : -EINVAL;
}

static int bit_test(const struct port_pool *p, unsigned i)
{
	return !!(p->bits[i / 64] & (1ULL << (i % 64)));
}

int port_pool_get(struct port_pool *p, uint16_t *port)
{
	unsigned w = p->cursor / 64, i, idx;
	/* First pass over the cursor's word: only the bits from the cursor on;
	 * the bits below it are the most recently used ones, taken last. */
	uint64_t word = p->bits[w] | ((1ULL << (p->cursor % 64)) - 1);

	if (!p->avail)
		return -ENOSPC;
	for (i = 0; i <= p->nwords; i++) {
		if (~word) {
			idx = w * 64 + (unsigned)__builtin_ctzll(~word);
			p->bits[w] |= 1ULL << (idx % 64);
			p->avail--;
			p->cursor = idx + 1 < p->n ? idx + 1 : 0;
			*port = (uint16_t)(p->first + 2 * idx);
			return 0;
		}
		w = w + 1 < p->nwords ? w + 1 : 0;
		word = p->bits[w];
	}
	return -ENOSPC; /* not reached while avail is right */
}

int port_pool_take(struct port_pool *p, uint16_t port)
{
	int i = port_index(p, port);

	if (i < 0)
		return i;
	if (bit_test(p, (unsigned)i))
		return -EBUSY;
	p->bits[i / 64] |= 1ULL << (i % 64);
	p->avail--;
	return 0;
}

int port_pool_put(struct port_pool *p, uint16_t port)
{
	int i = port_index(p, port);

	if (i < 0)
		return i;
	if (!bit_test(p, (unsigned)i))
		return -ENOENT;
	p->bits[i / 64] &= ~(1ULL << (i % 64));
	p->avail++;
	return 0;
}

unsigned port_pool_size(const struct port_pool *p)
{
	return p->n;
}

unsigned port_pool_avail(const struct port_pool *p)
{
	return p->avail;
}
