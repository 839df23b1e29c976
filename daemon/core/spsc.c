// SPDX-License-Identifier: GPL-2.0
/*
 * spsc.c - the single-producer single-consumer queue (spsc.h). head and
 * tail only grow (wrapping at 2^32, which the unsigned arithmetic
 * tolerates); each sits on its own cache line so the two threads do not
 * write the same line. The producer publishes a message by a release store
 * of tail after copying it, the consumer frees its slot by a release store
 * of head after copying it out.
 */
#include "core/spsc.h"

#include <stdlib.h>
#include <string.h>

struct spsc {
	uint32_t mask;
	size_t size;
	unsigned char *slots;
	_Alignas(64) uint32_t head; /* next to pop: written by the consumer */
	_Alignas(64) uint32_t tail; /* next to push: written by the producer */
};

struct spsc *spsc_new(uint32_t cap, size_t size)
{
	struct spsc *q;
	uint32_t n = 1;

	if (!cap || !size || cap > (1u << 30))
		return NULL;
	while (n < cap)
		n <<= 1;
	q = aligned_alloc(64, sizeof(*q));
	if (!q)
		return NULL;
	memset(q, 0, sizeof(*q));
	q->slots = calloc(n, size);
	if (!q->slots) {
		free(q);
		return NULL;
	}
	q->mask = n - 1;
	q->size = size;
	return q;
}

void spsc_free(struct spsc *q)
{
	if (!q)
		return;
	free(q->slots);
	free(q);
}

bool spsc_push(struct spsc *q, const void *msg)
{
	uint32_t t = q->tail; /* ours */
	uint32_t h = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);

	if (t - h > q->mask)
		return false;
	memcpy(q->slots + (size_t)(t & q->mask) * q->size, msg, q->size);
	__atomic_store_n(&q->tail, t + 1, __ATOMIC_RELEASE);
	return true;
}

bool spsc_pop(struct spsc *q, void *msg)
{
	uint32_t h = q->head; /* ours */
	uint32_t t = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (h == t)
		return false;
	memcpy(msg, q->slots + (size_t)(h & q->mask) * q->size, q->size);
	__atomic_store_n(&q->head, h + 1, __ATOMIC_RELEASE);
	return true;
}

uint32_t spsc_len(const struct spsc *q)
{
	return __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
}
