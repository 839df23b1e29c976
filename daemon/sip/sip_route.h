/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_route.h - routing decisions from the config, functions over struct
 * rtpe_cfg and the resolver's answers for its hostnames (core/resolve.h;
 * no sofia, no I/O): which trunk or region a request's
 * source is, where a new call goes, which interfaces its media legs use,
 * and the proxy's own addresses (Record-Route, loose routing).
 *
 * A call from a trunk's address goes to its region's SBC; a call from a
 * region's SBC goes to the trunk of that region whose `numbers` prefix
 * matches the Request-URI user best, else to the region's trunk without
 * `numbers`. Anything else is refused (403).
 */
#ifndef RTPE_SIP_ROUTE_H
#define RTPE_SIP_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "core/config.h"

enum sip_dir { SIP_DIR_T2R, SIP_DIR_R2T };

/* "trunk-to-region", "region-to-trunk" */
const char *sip_dir_name(enum sip_dir d);

/* Who sent a request: a trunk or a region (the other -1), or neither. */
struct sip_source {
	int trunk, region;
};

/* Classifies src: a region's SBC address, or one of the ranges its
 * catalogue entry allows, first; else the trunk whose addresses hold src
 * (the longest prefix). A hostname's addresses are those of its last good
 * answer. 0 or -ENOENT. */
int sip_route_source(const struct rtpe_cfg *c, struct in_addr src, struct sip_source *out);

/* Where a new call goes and what its media uses. */
struct sip_call_route {
	enum sip_dir dir;
	int trunk, region;
	struct in_addr addr;  /* next hop: the region's first SBC, or the trunk's target */
	uint16_t port;
	char transport[4];    /* "udp", "tcp", "tls" */
	int iface[2];         /* media interfaces: [0] the caller's side, [1] the callee's */
};

/*
 * The route of a new call from src whose Request-URI user is user (NULL or
 * "" when it has none). 0, or -EACCES (src is no trunk's and no region's),
 * -ENOENT (from a region: no trunk takes that user), -EHOSTUNREACH (its
 * region has no SBC address, or the hostname of the SBC or the trunk's target
 * has no address yet).
 */
int sip_route_call(const struct rtpe_cfg *c, struct in_addr src, const char *user,
		   struct sip_call_route *out);

/* The trunk of region taking calls for user: the longest `numbers` prefix,
 * else the region's trunk without numbers; -1 when none. */
int sip_route_trunk_for(const struct rtpe_cfg *c, int region, const char *user);

/*
 * The proxy's address on the side of interface iface for transport: the
 * first listen entry of that transport, whose address is used unless it is
 * 0.0.0.0 (then the interface's advertise address). 0, or -ENOENT when no
 * listen entry has that transport (the first entry's port is given then).
 */
int sip_route_self(const struct rtpe_cfg *c, int iface, const char *transport,
		   struct in_addr *addr, uint16_t *port);

/* Whether addr:port (port 0: 5060) reaches the proxy: a listen address,
 * or any interface's address or advertise address on a 0.0.0.0 listen port. */
bool sip_route_is_self(const struct rtpe_cfg *c, struct in_addr addr, uint16_t port);

#endif
