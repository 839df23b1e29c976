/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prefix.h - IPv4 and IPv6 prefixes (CIDRs) as the allowlist, the regions
 * catalogue and the control commands write them: "198.51.100.0/24",
 * "2001:db8::/32", a bare address meaning the whole address (/32, /128).
 */
#ifndef RTPE_PREFIX_H
#define RTPE_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* "ffff:...:ffff/128" and its NUL */
#define PREFIX_STRLEN 48

struct prefix {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t len;      /* 0-32 or 0-128 */
	uint8_t addr[16]; /* the network address, network order; IPv4 in addr[0..3], rest 0 */
};

enum prefix_err {
	PREFIX_OK = 0,
	PREFIX_SYNTAX = -1,    /* not an address, or a bad length */
	PREFIX_HOST_BITS = -2, /* bits set after the length: *p holds the network */
};

/* Parses s into *p (zeroed first). Returns a prefix_err: on
 * PREFIX_HOST_BITS, *p is the network meant ("did you mean"). */
int prefix_parse(const char *s, struct prefix *p);

/* "a.b.c.d/len" or "x::y/len", always with the length, into buf
 * (PREFIX_STRLEN bytes are enough); returns buf. */
const char *prefix_str(const struct prefix *p, char *buf, size_t size);

/* Bytes of an address of p's family: 4 or 16. */
static inline size_t prefix_bytes(const struct prefix *p)
{
	return p->family == AF_INET ? 4 : 16;
}

/* The last address p covers, into last[16] (first prefix_bytes used). */
void prefix_last(const struct prefix *p, uint8_t last[16]);

static inline bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

#endif
