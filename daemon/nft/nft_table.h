/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nft_table.h - rtpedge's nftables table, built and changed through
 * libnftnl and libmnl only (never the nft program):
 *
 *   table inet NAME {
 *     comment "managed by rtpedged: rtpedgectl -s CONTROL_SOCKET allowlist"
 *     counter sip_dropped
 *     set allow4 { type ipv4_addr; flags interval; size 2 x max + 1; }
 *     set allow6 { type ipv6_addr; flags interval; size 2 x max + 1; }
 *     chain sip4 { ip saddr @allow4 accept; counter name sip_dropped drop }
 *     chain sip6 { ip6 saddr @allow6 accept; counter name sip_dropped drop }
 *     chain prerouting {
 *       type filter hook prerouting priority raw; policy accept;
 *       meta nfproto ipv4 udp dport 5060 fib daddr type local goto sip4
 *       meta nfproto ipv4 ip daddr 198.51.100.1 tcp dport 5061 goto sip4
 *     }
 *   }
 *
 * One prerouting rule per SIP listener (a listener on 0.0.0.0 guards every
 * local address, `fib daddr type local`: packets routed through the host
 * are never touched); nothing else is matched, so other ports, the media
 * range and other tables are left as they are. Priority raw (-300) runs
 * before conntrack: dropped packets make no connection-tracking entries.
 * Every change is one netlink batch: the kernel applies all of it or none.
 */
#ifndef RTPE_NFT_TABLE_H
#define RTPE_NFT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "core/config.h"
#include "core/prefix.h"

/*
 * The table's comment names the rtpedged that owns it, by its control
 * socket: a daemon changes or deletes only a table with its own comment
 * (another instance's, a test's in the same network namespace, or one
 * made by hand are left alone), and `nft list` tells an operator which
 * rtpedgectl changes it. Cut to NFT_COMMENT_LEN - 1 like nft's comments.
 */
#define NFT_COMMENT_LEN 128
#define NFT_COMMENT_MARK "managed by rtpedged: "

struct nft_sip_port {
	uint8_t proto;       /* IPPROTO_UDP or IPPROTO_TCP (tls) */
	uint16_t port;
	struct in_addr addr; /* INADDR_ANY: every local address */
};

/* What the table looks like apart from its set elements. */
struct nft_shape {
	char table[CFG_NAME_LEN];
	char comment[NFT_COMMENT_LEN]; /* nft_comment() of the owner */
	struct nft_sip_port ports[CFG_MAX_LISTEN];
	int n_ports;
	unsigned max; /* ranges per set (allowlist_max) */
};

/* Address ranges of one family, sorted, merged (no two overlap or touch). */
struct nft_range {
	uint8_t lo[16], hi[16]; /* inclusive, network order */
};

struct nft_ranges {
	uint8_t family; /* AF_INET or AF_INET6 */
	int n;
	struct nft_range *r;
};

struct nft_counter {
	uint64_t packets, bytes;
};

/* The ranges of the prefixes p[0..n) of family, merged into *out (freed
 * first). 0 or -ENOMEM. */
int nft_ranges_build(const struct prefix *p, int n, uint8_t family, struct nft_ranges *out);
void nft_ranges_free(struct nft_ranges *r);
bool nft_ranges_eq(const struct nft_ranges *a, const struct nft_ranges *b);
/* Whether every address of p is in one of the ranges. */
bool nft_ranges_cover(const struct nft_ranges *r, const struct prefix *p);

struct nft_sock;

/* A netlink socket to nf_tables. 0, or -errno with err. */
int nft_open(struct nft_sock **s, char *err, size_t errlen);
void nft_close(struct nft_sock *s);

enum nft_owner { NFT_ABSENT, NFT_OURS, NFT_FOREIGN };

/* The comment of the tables of the rtpedged on control socket sock. */
void nft_comment(char out[NFT_COMMENT_LEN], const char *sock);

/* Whether table inet NAME exists and has the comment `comment` (ours),
 * another (found holds it, "" for none) or does not exist. 0, or -errno
 * with err. */
int nft_table_probe(struct nft_sock *s, const char *table, const char *comment,
		    enum nft_owner *owner, char found[NFT_COMMENT_LEN], char *err, size_t errlen);

/*
 * One batch: deletes table `old` when given (rtpedged's, of another name),
 * deletes shape->table when `replace` (it exists and is rtpedged's), and
 * creates shape->table with v4 and v6 as its sets' elements and its drop
 * counter starting at *start. 0, or -errno with err naming what the kernel
 * refused; then nothing changed.
 */
int nft_table_build(struct nft_sock *s, const struct nft_shape *shape, bool replace,
		    const char *old, const struct nft_ranges *v4, const struct nft_ranges *v6,
		    const struct nft_counter *start, char *err, size_t errlen);

/* One batch: the sets of table `table` hold v4 and v6 and nothing else.
 * 0, or -errno with err; then nothing changed. */
int nft_table_set_elements(struct nft_sock *s, const char *table, const struct nft_ranges *v4,
			   const struct nft_ranges *v6, char *err, size_t errlen);

/* Deletes table inet `table`. 0 (also when it did not exist) or -errno. */
int nft_table_delete(struct nft_sock *s, const char *table, char *err, size_t errlen);

/* The drop counter. 0 or -errno (-ENOENT: the table or counter is gone). */
int nft_table_counter(struct nft_sock *s, const char *table, struct nft_counter *c);

/* The ranges the kernel's set of `family` holds now. 0 or -errno. */
int nft_table_read_set(struct nft_sock *s, const char *table, uint8_t family,
		       struct nft_ranges *out);

#endif
