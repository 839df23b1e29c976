/* SPDX-License-Identifier: GPL-2.0 */
/*
 * resolve_int.h - what resolve.c (the thread and the table of names) and
 * resolve_dns.c (one name's lookup) share; not part of resolve.h.
 */
#ifndef RTPE_RESOLVE_INT_H
#define RTPE_RESOLVE_INT_H

#include "core/resolve.h"

/* A name to resolve: what the config wrote. */
struct rs_key {
	char host[CFG_HOST_LEN];
	uint16_t port;            /* 0: SRV first */
	char transport[4];
};

/*
 * Looks k up (blocking: the resolver thread only) at nameserver ns:ns_port
 * (0.0.0.0: /etc/resolv.conf's). 0 with out filled, or -1 with err.
 */
int rs_lookup(const struct rs_key *k, struct in_addr ns, uint16_t ns_port,
	      struct rs_result *out, char *err, size_t errlen);

#endif
