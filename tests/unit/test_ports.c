// SPDX-License-Identifier: GPL-2.0
/* test_ports.c - the even-port allocator: sizes, bounds, round-robin reuse,
 * errors and full get/put cycles. */
#include "check.h"
#include "media/ports.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_sizes(void)
{
	struct port_pool *p;

	CASE_BEGIN("size 40000-60000 is 10000 pairs");
	p = port_pool_new(40000, 60000);
	CHECK(p, "pool is NULL");
	if (p) {
		CHECK(port_pool_size(p) == 10000, "size %u", port_pool_size(p));
		CHECK(port_pool_avail(p) == 10000, "avail %u", port_pool_avail(p));
	}
	port_pool_free(p);
	CASE_END();

	CASE_BEGIN("size 40001-40004 is one pair 40002/40003");
	p = port_pool_new(40001, 40004);
	CHECK(p, "pool is NULL");
	if (p) {
		uint16_t port = 0;

		CHECK(port_pool_size(p) == 1, "size %u", port_pool_size(p));
		CHECK(port_pool_get(p, &port) == 0, "get failed");
		CHECK(port == 40002, "got %u", port);
		CHECK(port_pool_get(p, &port) == -ENOSPC, "second get did not fail");
	}
	port_pool_free(p);
	CASE_END();

	CASE_BEGIN("ranges without a pair give NULL");
	p = port_pool_new(40000, 40000);
	CHECK(!p, "40000-40000 gave a pool");
	port_pool_free(p);
	p = port_pool_new(40001, 40002);
	CHECK(!p, "40001-40002 gave a pool");
	port_pool_free(p);
	p = port_pool_new(65535, 65535);
	CHECK(!p, "65535-65535 gave a pool");
	port_pool_free(p);
	p = port_pool_new(50000, 40000);
	CHECK(!p, "inverted range gave a pool");
	port_pool_free(p);
	CASE_END();

	CASE_BEGIN("top of the port space: 65534-65535");
	p = port_pool_new(65533, 65535);
	CHECK(p && port_pool_size(p) == 1, "expected one pair");
	if (p) {
		uint16_t port = 0;

		CHECK(port_pool_get(p, &port) == 0 && port == 65534, "got %u", port);
	}
	port_pool_free(p);
	CASE_END();
}

/* Takes every port of [min, max]; checks each is even, in range, unique. */
static unsigned drain(struct port_pool *p, uint16_t min, uint16_t max,
		      unsigned char *seen)
{
	unsigned got = 0, bad = 0;
	uint16_t port;

	memset(seen, 0, 65536);
	while (port_pool_get(p, &port) == 0 && got < 70000) {
		if ((port & 1) || port < min || port + 1 > max || seen[port])
			bad++;
		seen[port] = 1;
		got++;
	}
	CHECK(!bad, "%u ports odd, out of range or repeated", bad);
	return got;
}

static void test_exhaustion(void)
{
	unsigned char *seen = calloc(1, 65536);
	struct port_pool *p = port_pool_new(40001, 40101);
	uint16_t port = 1;

	CASE_BEGIN("every port even and in range; exhaustion is -ENOSPC");
	CHECK(p && seen, "setup failed");
	if (p && seen) {
		unsigned got = drain(p, 40001, 40101, seen);

		CHECK(got == 50, "got %u ports, expected 50 (40002..40100)", got);
		CHECK(seen[40002] && seen[40100] && !seen[40000], "wrong ends");
		CHECK(port_pool_avail(p) == 0, "avail %u", port_pool_avail(p));
		CHECK(port_pool_get(p, &port) == -ENOSPC, "get after drain");
		CHECK(port == 1, "port changed on failure: %u", port);
	}
	port_pool_free(p);
	free(seen);
	CASE_END();
}

static void test_round_robin(void)
{
	struct port_pool *p = port_pool_new(40000, 40019); /* 10 pairs */
	uint16_t port, first = 0;
	unsigned i, reused_early = 0;

	CASE_BEGIN("a freed port is reused only after all the others");
	CHECK(p, "pool is NULL");
	if (p) {
		CHECK(port_pool_get(p, &first) == 0 && first == 40000, "first %u", first);
		CHECK(port_pool_get(p, &port) == 0 && port == 40002, "second %u", port);
		CHECK(port_pool_put(p, first) == 0, "put failed");
		/* 8 never used ports come first, in order, then 40000 again. */
		for (i = 0; i < 8; i++) {
			CHECK(port_pool_get(p, &port) == 0, "get %u failed", i);
			if (port != 40004 + 2 * i)
				reused_early++;
		}
		CHECK(!reused_early, "%u gets out of order", reused_early);
		CHECK(port_pool_get(p, &port) == 0 && port == 40000,
		      "after the others expected 40000, got %u", port);
		CHECK(port_pool_avail(p) == 0, "avail %u", port_pool_avail(p));
	}
	port_pool_free(p);
	CASE_END();

	CASE_BEGIN("round-robin across 64-bit words and wrap-around");
	p = port_pool_new(40000, 40400); /* 200 pairs: 4 words */
	CHECK(p, "pool is NULL");
	if (p) {
		for (i = 0; i < 150; i++)
			port_pool_get(p, &port);
		CHECK(port == 40298, "150th port %u", port);
		CHECK(port_pool_put(p, 40010) == 0 && port_pool_put(p, 40298) == 0, "put");
		for (i = 0; i < 50; i++)
			port_pool_get(p, &port);
		CHECK(port == 40398, "200th port %u", port);
		/* Wrapped: the two freed ones, lowest first. */
		CHECK(port_pool_get(p, &port) == 0 && port == 40010, "wrap got %u", port);
		CHECK(port_pool_get(p, &port) == 0 && port == 40298, "then %u", port);
		CHECK(port_pool_get(p, &port) == -ENOSPC, "pool should be full");
	}
	port_pool_free(p);
	CASE_END();
}

static void test_errors(void)
{
	struct port_pool *p = port_pool_new(40000, 40099);
	uint16_t port;

	CASE_BEGIN("take: taken -EBUSY, odd or outside -EINVAL");
	CHECK(p, "pool is NULL");
	if (p) {
		CHECK(port_pool_take(p, 40050) == 0, "take 40050");
		CHECK(port_pool_avail(p) == 49, "avail %u", port_pool_avail(p));
		CHECK(port_pool_take(p, 40050) == -EBUSY, "second take");
		CHECK(port_pool_take(p, 40051) == -EINVAL, "odd take");
		CHECK(port_pool_take(p, 39998) == -EINVAL, "below range");
		CHECK(port_pool_take(p, 40100) == -EINVAL, "above range");
		CHECK(port_pool_take(p, 40098) == 0, "last pair 40098/40099");
		CHECK(port_pool_avail(p) == 48, "avail %u", port_pool_avail(p));
	}
	CASE_END();

	CASE_BEGIN("put: double put -ENOENT, outside -EINVAL");
	if (p) {
		CHECK(port_pool_put(p, 40050) == 0, "put 40050");
		CHECK(port_pool_put(p, 40050) == -ENOENT, "double put");
		CHECK(port_pool_put(p, 40002) == -ENOENT, "put never taken");
		CHECK(port_pool_put(p, 40001) == -EINVAL, "put odd");
		CHECK(port_pool_put(p, 60000) == -EINVAL, "put outside");
		CHECK(port_pool_avail(p) == 49, "avail %u", port_pool_avail(p));
	}
	CASE_END();

	CASE_BEGIN("get skips ports restored with take");
	if (p) {
		unsigned hit = 0, i;

		CHECK(port_pool_take(p, 40000) == 0, "take 40000");
		for (i = 0; i < 48; i++) {
			CHECK(port_pool_get(p, &port) == 0, "get %u", i);
			if (port == 40000 || port == 40098)
				hit++;
		}
		CHECK(!hit, "get returned a taken port %u times", hit);
		CHECK(port_pool_get(p, &port) == -ENOSPC, "expected full");
	}
	port_pool_free(p);
	CASE_END();
}

static void test_cycle(void)
{
	unsigned char *seen = calloc(1, 65536);
	struct port_pool *p = port_pool_new(40000, 59999); /* 20000 ports */
	unsigned round, got, bad = 0, port;

	CASE_BEGIN("get-all / put-all / get-all over 40000-59999");
	CHECK(p && seen, "setup failed");
	for (round = 0; p && seen && round < 2; round++) {
		got = drain(p, 40000, 59999, seen);
		CHECK(got == 10000, "round %u: got %u", round, got);
		CHECK(port_pool_avail(p) == 0, "round %u: avail %u", round,
		      port_pool_avail(p));
		for (port = 40000; port < 60000; port += 2)
			if (port_pool_put(p, (uint16_t)port))
				bad++;
		CHECK(!bad, "round %u: %u puts failed", round, bad);
		CHECK(port_pool_avail(p) == 10000, "avail %u", port_pool_avail(p));
	}
	port_pool_free(p);
	free(seen);
	CASE_END();
}

int main(void)
{
	test_sizes();
	test_exhaustion();
	test_round_robin();
	test_errors();
	test_cycle();
	CHECK_EXIT();
}
