/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nft_int.h - what the nft layer's modules share, not its contract
 * (nft_table.h): the netlink socket to nf_tables (nft_sock.c), batches of
 * messages the kernel applies as one transaction, and queries.
 */
#ifndef RTPE_NFT_INT_H
#define RTPE_NFT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#define NFT_WHAT_LEN 96

struct nft_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

struct nftnl_batch;

/*
 * A batch being written: every message gets its own sequence number, an
 * ack is asked for each, and `what` says what it does, so that the one the
 * kernel refuses can be named. The kernel applies all of it or nothing.
 */
struct nft_batch {
	struct nft_sock *s;
	struct nftnl_batch *b;
	uint32_t first_seq;     /* of the first message after the batch start */
	int n;                  /* messages so far */
	char (*what)[NFT_WHAT_LEN];
	int cap;
	bool oom;
};

/* Starts a batch on s. false when out of memory. */
bool nft_batch_begin(struct nft_batch *bt, struct nft_sock *s);
/*
 * The header of the next message, at the batch's write position, with
 * NLM_F_ACK added to flags; the caller writes its payload, then calls
 * nft_batch_next. NULL once out of memory.
 */
__attribute__((format(printf, 4, 5)))
struct nlmsghdr *nft_batch_msg(struct nft_batch *bt, uint16_t type, uint16_t flags,
			       const char *what, ...);
void nft_batch_next(struct nft_batch *bt);
/*
 * Ends, sends and frees the batch; waits for the kernel's answer to each
 * message. 0, or -errno with err naming the first message refused and why
 * (the kernel then applied none of them).
 */
int nft_batch_commit(struct nft_batch *bt, char *err, size_t errlen);
/* Frees a batch that is not sent. */
void nft_batch_abort(struct nft_batch *bt);

/*
 * Sends the request req (a GET, built in its own buffer with seq from
 * nft_seq) and hands each reply message to cb until the kernel ends the
 * reply (NLMSG_DONE, or the ack). 0, or -errno (the kernel's: -ENOENT for
 * an object that does not exist; -ETIMEDOUT after 1 s without reply).
 */
int nft_query(struct nft_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data);
uint32_t nft_seq(struct nft_sock *s);

#endif
