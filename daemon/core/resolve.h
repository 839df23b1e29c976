/* SPDX-License-Identifier: GPL-2.0 */
/*
 * resolve.h - the hostnames of the config (a region's sbc items, a trunk's
 * target) resolved as RFC 3263 says: SRV records of _sip._udp, _sip._tcp
 * or _sips._tcp (by the transport) ordered by priority and weight, each
 * target's A records; no SRV record: the name's A records on the default
 * port (5060, 5061 for tls); a port given: A records only. Each answer is
 * refreshed when its TTL runs out; a failed refresh keeps the last good
 * answer (one log line, a counter) and is tried again after a back-off.
 *
 * The lookups run on a thread of their own (libc's res_nquery): the loop
 * thread and the SIP thread only read the answers (a mutex, no I/O), and
 * are told of a change by resolve_generation() and an eventfd. There is
 * one resolver per process (resolve_start ... resolve_stop).
 */
#ifndef RTPE_RESOLVE_H
#define RTPE_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "core/config.h"

#define RS_MAX_ADDRS CFG_MAX_SBC
#define RS_MAX_SRV 16

enum rs_source { RS_SRC_A, RS_SRC_SRV };

struct rs_addr {
	struct in_addr addr;
	uint16_t port;
	uint8_t source;           /* enum rs_source */
	uint64_t expires_ns;      /* CLOCK_MONOTONIC: the record's TTL runs out */
};

/* What is known of one name. */
struct rs_result {
	struct rs_addr a[RS_MAX_ADDRS]; /* in order of use (SRV priority, weight) */
	int n;
	bool resolved;            /* a good answer came once (a[] holds the last) */
	uint64_t at_ns;           /* of the last good answer */
	uint64_t failures;        /* refreshes that failed */
	char error[96];           /* the last refresh's failure, "" when it worked */
};

/* An SRV record (RFC 2782). */
struct rs_srv {
	uint16_t prio, weight, port;
	uint32_t ttl;
	char target[CFG_HOST_LEN];
};

/* "_sip._udp", "_sip._tcp", "_sips._tcp" for transport udp, tcp, tls. */
const char *rs_service(const char *transport);
/* The port of a name without SRV records: 5061 for tls, else 5060. */
uint16_t rs_default_port(const char *transport);

/*
 * Orders SRV records for use (RFC 2782): lowest priority first; within a
 * priority, a weighted random order (a record's chance of coming next is
 * its weight over the sum of the weights left; weight 0 ones last among
 * equals, in the order given). rnd returns a uniform 32-bit number.
 */
void rs_srv_order(struct rs_srv *v, int n, uint32_t (*rnd)(void *arg), void *arg);

/* Starts the thread for cfg's hostnames. 0 or -errno. */
int resolve_start(const struct rtpe_cfg *cfg);
/* The names and the resolver of a reloaded config: answers of names kept
 * stay, new names are looked up at once. */
void resolve_config(const struct rtpe_cfg *cfg);
void resolve_stop(void);
/* Waits until every name has an answer or a failure, at most ms: the
 * start's allowlist then holds the hostnames' addresses at once. */
void resolve_settle(unsigned ms);
/* Readable (an eventfd: read it to clear) after an answer changed; -1
 * when the resolver does not run. */
int resolve_fd(void);
/* Goes up by one at every change of an answer's addresses. */
uint64_t resolve_generation(void);
/* Refreshes that failed, all names together (a metric). */
uint64_t resolve_failures(void);

/* The answer for host (port: as in the config, 0 = SRV) over transport.
 * 0, or -ENOENT when the resolver does not know the name. */
int resolve_get(const char *host, uint16_t port, const char *transport, struct rs_result *out);

#endif
