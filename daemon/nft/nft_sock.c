// SPDX-License-Identifier: GPL-2.0
/*
 * nft_sock.c - the nft layer's netlink socket to nf_tables (libmnl), its
 * batches (libnftnl's batch pages: the messages between a batch begin and
 * end are one transaction of the kernel) and its queries.
 *
 * nfnetlink runs a batch inside the sendmsg() that hands it over, so every
 * answer is queued on the socket when sendmsg returns; each message asks
 * for an ack, and the answers are read until one per message came (or an
 * error and nothing more). Extended acks carry the kernel's text, when it
 * has one; acks are capped (no echo of the request: element messages are
 * large).
 */
#include "nft/nft_int.h"
#include "nft/nft_table.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>

#define NFT_PAGE (256 * 1024)
#define NFT_MSG_MAX (UINT16_MAX + 4096) /* the largest message libnftnl builds */
#define NFT_REPLY_MS 1000
#define NFT_RECV_BUF (128 * 1024)

int nft_open(struct nft_sock **out, char *err, size_t errlen)
{
	struct nft_sock *s = calloc(1, sizeof(*s));
	int one = 1, e;

	if (!s)
		return -ENOMEM;
	s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = -errno;
		snprintf(err, errlen, "netlink socket to nf_tables: %s", strerror(-e));
		if (s->nl)
			mnl_socket_close(s->nl);
		free(s);
		return e;
	}
	mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)getpid() << 16;
	*out = s;
	return 0;
}

void nft_close(struct nft_sock *s)
{
	if (!s)
		return;
	mnl_socket_close(s->nl);
	free(s);
}

uint32_t nft_seq(struct nft_sock *s)
{
	return ++s->seq;
}

/* Reads what is queued, or with wait_ms what comes within it, into buf.
 * Bytes read, or -errno (-EAGAIN: nothing queued, -ETIMEDOUT). */
static ssize_t recv_some(struct nft_sock *s, void *buf, size_t len, int wait_ms)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(s->nl), .events = POLLIN };
	ssize_t n = mnl_socket_recvfrom(s->nl, buf, len);

	if (n >= 0)
		return n;
	if (errno != EAGAIN || !wait_ms)
		return -errno;
	if (poll(&p, 1, wait_ms) <= 0)
		return -ETIMEDOUT;
	n = mnl_socket_recvfrom(s->nl, buf, len);
	return n < 0 ? -errno : n;
}

/* Drops answers nobody waited for (an earlier request that timed out). */
static void drain(struct nft_sock *s, void *buf, size_t len)
{
	while (recv_some(s, buf, len, 0) > 0)
		;
}

bool nft_batch_begin(struct nft_batch *bt, struct nft_sock *s)
{
	memset(bt, 0, sizeof(*bt));
	bt->s = s;
	bt->b = nftnl_batch_alloc(NFT_PAGE, NFT_MSG_MAX);
	if (!bt->b)
		return false;
	nftnl_batch_begin(nftnl_batch_buffer(bt->b), nft_seq(s));
	bt->oom = nftnl_batch_update(bt->b) < 0;
	bt->first_seq = s->seq + 1;
	return !bt->oom;
}

struct nlmsghdr *nft_batch_msg(struct nft_batch *bt, uint16_t type, uint16_t flags,
			       const char *what, ...)
{
	va_list ap;

	if (bt->oom)
		return NULL;
	if (bt->n == bt->cap) {
		int cap = bt->cap ? bt->cap * 2 : 32;
		void *w = realloc(bt->what, (size_t)cap * sizeof(*bt->what));

		if (!w) {
			bt->oom = true;
			return NULL;
		}
		bt->what = w;
		bt->cap = cap;
	}
	va_start(ap, what);
	vsnprintf(bt->what[bt->n], NFT_WHAT_LEN, what, ap);
	va_end(ap);
	bt->n++;
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, nft_seq(bt->s));
}

void nft_batch_next(struct nft_batch *bt)
{
	if (!bt->oom && nftnl_batch_update(bt->b) < 0)
		bt->oom = true;
}

void nft_batch_abort(struct nft_batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->what);
	memset(bt, 0, sizeof(*bt));
}

/* The answers to a batch: how many came, the first refusal. */
struct answers {
	int got;
	int err;            /* the first error (lowest sequence), 0 if none */
	uint32_t err_seq;
	char text[160];     /* the kernel's extended ack message, if any */
};

static void on_error(const struct nlmsghdr *nlh, struct answers *a)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	unsigned hlen = sizeof(*e);

	a->got++;
	if (!e->error || (a->err && nlh->nlmsg_seq >= a->err_seq))
		return;
	a->err = e->error;
	a->err_seq = nlh->nlmsg_seq;
	a->text[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += mnl_nlmsg_get_payload_len(&e->msg);
	mnl_attr_for_each(attr, nlh, hlen)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
			snprintf(a->text, sizeof(a->text), "%s", mnl_attr_get_str(attr));
}

static void read_answers(struct nft_batch *bt, struct answers *a, char *buf, size_t len)
{
	int wait = 0;

	while (a->got < bt->n) {
		ssize_t got = recv_some(bt->s, buf, len, wait);
		int n = (int)got;

		if (got == -EAGAIN && !a->err && !wait) {
			wait = NFT_REPLY_MS; /* answers still owed: should not happen */
			continue;
		}
		if (got <= 0)
			break;
		for (const struct nlmsghdr *nlh = (void *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n))
			if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_seq >= bt->first_seq &&
			    nlh->nlmsg_seq < bt->first_seq + (uint32_t)bt->n)
				on_error(nlh, a);
	}
}

static void raise_sndbuf(struct nft_sock *s, size_t len)
{
	int fd = mnl_socket_get_fd(s->nl), have = 0, want = (int)len + 65536;
	socklen_t sl = sizeof(have);

	if (!getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &sl) && have >= want)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

static int send_batch(struct nft_batch *bt)
{
	int niov = nftnl_batch_iovec_len(bt->b);
	struct iovec iov[niov];
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl), .msg_iov = iov,
			      .msg_iovlen = (size_t)niov };
	size_t len = 0;

	nftnl_batch_iovec(bt->b, iov, (uint32_t)niov);
	for (int i = 0; i < niov; i++)
		len += iov[i].iov_len;
	raise_sndbuf(bt->s, len);
	return sendmsg(mnl_socket_get_fd(bt->s->nl), &msg, 0) < 0 ? -errno : 0;
}

int nft_batch_commit(struct nft_batch *bt, char *err, size_t errlen)
{
	static char buf[NFT_RECV_BUF];
	struct answers a = { 0 };
	int e;

	if (!bt->oom) {
		nftnl_batch_end(nftnl_batch_buffer(bt->b), nft_seq(bt->s));
		nft_batch_next(bt);
	}
	if (bt->oom) {
		snprintf(err, errlen, "out of memory building the nftables batch");
		nft_batch_abort(bt);
		return -ENOMEM;
	}
	drain(bt->s, buf, sizeof(buf));
	e = send_batch(bt);
	if (e) {
		snprintf(err, errlen, "cannot send the nftables batch (%d messages): %s", bt->n,
			 strerror(-e));
	} else {
		read_answers(bt, &a, buf, sizeof(buf));
		e = a.err;
		if (e)
			snprintf(err, errlen, "the kernel refused to %s: %s%s%s%s",
				 bt->what[a.err_seq - bt->first_seq], strerror(-e),
				 a.text[0] ? " (" : "", a.text, a.text[0] ? ")" : "");
		else if (a.got < bt->n)
			snprintf(err, errlen, "the kernel answered %d of %d messages of the nftables batch",
				 a.got, bt->n);
		if (!e && a.got < bt->n)
			e = -ETIMEDOUT;
	}
	nft_batch_abort(bt);
	return e;
}

int nft_query(struct nft_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	static char buf[NFT_RECV_BUF];
	int rc;

	drain(s, buf, sizeof(buf));
	if (mnl_socket_sendto(s->nl, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t n = recv_some(s, buf, sizeof(buf), NFT_REPLY_MS);

		if (n < 0)
			return (int)n;
		rc = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, s->portid, cb, data);
	} while (rc > 0);
	return rc < 0 ? -errno : 0;
}
