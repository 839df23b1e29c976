// SPDX-License-Identifier: GPL-2.0
/*
 * test_spsc.c - the lock-free queue between the loop thread and a relay
 * worker (core/spsc.h): capacity, order, wrap-around of its indexes, and
 * two threads passing a million messages at full speed with none lost,
 * duplicated, reordered or torn.
 */
#include "check.h"
#include "core/spsc.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

struct msg {
	uint64_t seq;
	uint64_t check; /* ~seq: a torn copy shows */
	char pad[16];
};

static void test_capacity_order(void)
{
	struct spsc *q = spsc_new(5, sizeof(struct msg)); /* rounded up to 8 */
	struct msg m = { 0 };
	int pushed = 0;

	CASE_BEGIN("spsc: capacity rounded up to a power of two, FIFO order, full and empty refused");
	CHECK(q != NULL, "spsc_new");
	if (!q) {
		CASE_END();
		return;
	}
	for (uint64_t i = 0; i < 20; i++) {
		m.seq = i;
		if (spsc_push(q, &m))
			pushed++;
	}
	CHECK(pushed == 8, "%d pushed into a queue of 8", pushed);
	CHECK(spsc_len(q) == 8, "len %u", spsc_len(q));
	for (uint64_t i = 0; i < 8; i++) {
		CHECK(spsc_pop(q, &m) && m.seq == i, "pop %llu gave %llu", (unsigned long long)i,
		      (unsigned long long)m.seq);
	}
	CHECK(!spsc_pop(q, &m), "pop from an empty queue");
	CHECK(spsc_new(0, 8) == NULL && spsc_new(8, 0) == NULL, "zero capacity or size refused");
	spsc_free(q);
	CASE_END();
}

static void test_wrap(void)
{
	struct spsc *q = spsc_new(4, sizeof(uint32_t));
	uint32_t v, bad = 0;

	CASE_BEGIN("spsc: indexes wrap many times over the slots, order kept");
	for (uint32_t i = 0; q && i < 100000; i++) {
		if (!spsc_push(q, &i) || !spsc_push(q, &i))
			bad++;
		if (!spsc_pop(q, &v) || v != i || !spsc_pop(q, &v) || v != i)
			bad++;
	}
	CHECK(q && bad == 0, "%u bad rounds", bad);
	spsc_free(q);
	CASE_END();
}

#define N_MSGS 1000000ull

static void *producer(void *arg)
{
	struct spsc *q = arg;
	struct msg m = { 0 };

	for (uint64_t i = 0; i < N_MSGS; i++) {
		m.seq = i;
		m.check = ~i;
		while (!spsc_push(q, &m))
			sched_yield();
	}
	return NULL;
}

static void test_threads(void)
{
	struct spsc *q = spsc_new(64, sizeof(struct msg));
	pthread_t th;
	struct msg m;
	uint64_t next = 0, bad = 0;

	CASE_BEGIN("spsc: two threads pass 1,000,000 messages: none lost, torn or reordered");
	if (!q || pthread_create(&th, NULL, producer, q)) {
		CHECK(0, "setup");
		CASE_END();
		return;
	}
	while (next < N_MSGS) {
		if (!spsc_pop(q, &m)) {
			sched_yield();
			continue;
		}
		if (m.seq != next || m.check != ~next)
			bad++;
		next++;
	}
	pthread_join(th, NULL);
	CHECK(bad == 0, "%llu messages out of order or torn", (unsigned long long)bad);
	CHECK(spsc_len(q) == 0, "left %u", spsc_len(q));
	spsc_free(q);
	CASE_END();
}

int main(void)
{
	test_capacity_order();
	test_wrap();
	test_threads();
	CHECK_EXIT();
}
