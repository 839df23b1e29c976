// SPDX-License-Identifier: GPL-2.0
/*
 * relay.c - owns userspace forwarding: one callback per readable leg
 * socket drains it in batches of RELAY_BATCH datagrams, checks each
 * source against the leg's peer (RTP Bleed: anything else is dropped and
 * counted), and sends the batch out of the opposite leg's socket of the
 * same kind (RTP or RTCP) with one sendmmsg per kind.
 *
 * Sessions with an SRTP leg (leg_srtp.h): what an SRTP peer sends is
 * unprotected before anything else reads it (a learning leg learns only
 * from packets that authenticated; a confirmed leg checks the source
 * first, so a stranger's spray costs no crypto), what goes to an SRTP
 * peer is protected last; RTCP sent to the RTP port (rtcp-mux) is told
 * apart by its packet type and answered the same way.
 */
#include "media/relay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/log.h"
#include "media/latch.h"
#include "media/leg_srtp.h"
#include "media/punt_tx.h"
#include "media/worker.h"
#include "rtpe_rtp.h"
#include "core/loop.h"

#define RELAY_BATCH 64
#define RELAY_MAX_PKT 2048
#define RELAY_ROUNDS 8 /* batches per wake-up, so one busy leg cannot starve others */
#define RELAY_ROOM (RELAY_MAX_PKT + SCTX_TRAILER_MAX) /* room to protect in place */

/* The socket a callback serves: leg plus RTP (0) or RTCP (1). The leg
 * pointer and the kind are packed into one pointer's worth: legs are
 * 8-byte aligned, so bit 0 is free. */
static void *sock_ref(struct leg *l, int k)
{
	return (void *)((uintptr_t)l | (uintptr_t)k);
}

static struct leg *ref_leg(void *p, int *k)
{
	*k = (int)((uintptr_t)p & 1);
	return (struct leg *)((uintptr_t)p & ~(uintptr_t)1);
}

static bool from_peer(const struct leg *l, int k, const struct sockaddr_in *src)
{
	uint16_t want = k ? l->peer_rtcp_port : ntohs(l->peer.sin_port);

	return src->sin_addr.s_addr == l->peer.sin_addr.s_addr && ntohs(src->sin_port) == want;
}

/* One thread's buffers: the loop thread's (workers = 0, B_loop) or a
 * worker's (relay_batch_new). */
struct relay_batch {
	struct mmsghdr in[RELAY_BATCH], out[2][RELAY_BATCH]; /* out: by sending socket */
	struct iovec iov[RELAY_BATCH];
	struct sockaddr_in src[RELAY_BATCH];
	unsigned char buf[RELAY_BATCH][RELAY_ROOM];
};

static struct relay_batch B_loop;

struct relay_batch *relay_batch_new(void)
{
	return calloc(1, sizeof(struct relay_batch));
}

void relay_batch_free(struct relay_batch *b)
{
	free(b);
}

/* RTP version 2 with a full fixed header: the only thing a leg latches to. */
static bool rtp_valid(const unsigned char *p, unsigned len, uint32_t *ssrc, uint16_t *seq)
{
	if (len < 12 || (p[0] >> 6) != 2)
		return false;
	*seq = (uint16_t)(p[2] << 8 | p[3]);
	*ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	return true;
}

/*
 * Latching (interfaces with latch = yes, during the learning window): a
 * peer behind NAT sends from an address:port other than the signalled one.
 * latch.c picks it among the sources heard (probation, the signalled IP
 * first, strangers held back). Until one is picked nothing from them is
 * relayed and nothing is ever sent to them: a port sprayer learns nothing
 * and injects nothing. The leg latches once; confirmed, it takes no other.
 */
static bool latch_try(struct media *r, struct leg *l, const struct sockaddr_in *src,
		      const unsigned char *p, unsigned len, uint64_t now)
{
	uint32_t ssrc;
	uint16_t seq;

	if (!rtp_valid(p, len, &ssrc, &seq) ||
	    !latch_rtp(&l->cands, &l->peer, src, ssrc, seq, now))
		return false;
	leg_confirm(r, l, src);
	return true;
}

/* Whether a learning leg relays this datagram (confirming the leg when it
 * comes from the signalled peer, or latching when allowed). k: the socket
 * (0 RTP, 1 RTCP), kind: the packet (RTCP on the RTP port: rtcp-mux). */
static bool learning_accept(struct media *r, struct leg *l, int k, int kind,
			    const struct sockaddr_in *src, const unsigned char *p, unsigned len,
			    uint64_t now)
{
	if (session_waiting(l->s))
		return false; /* no latching to an unknown peer, nothing sent to one */
	if (from_peer(l, k, src)) {
		leg_confirm(r, l, NULL);
		return true;
	}
	if (!l->latch || now >= l->learn_until_ns)
		return false;
	if (kind == 1) {
		/* RTCP behind NAT: its port need not be RTP's + 1. Noted for
		 * when the leg latches, not relayed: its peer is not known. */
		if (k == 1)
			latch_rtcp(&l->cands, &l->peer, src);
		return false;
	}
	return latch_try(r, l, src, p, len, now);
}

/* The same RFC 3550 receiver state as the XDP program keeps for its legs. */
static void leg_rtp(struct leg *l, const unsigned char *p, unsigned len, uint64_t now)
{
	uint32_t ssrc;
	uint16_t seq;

	if (rtp_valid(p, len, &ssrc, &seq))
		rtp_receive_fields(&l->us_rtp, ssrc, seq,
				   (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7],
				   now, l->clock_rate);
}

static void drop_source(struct media *r, struct leg *l)
{
	l->us.drops++;
	media_counters(r)->us_drops++;
}

/* Whether leg l relays a datagram from src (learning decides for a leg
 * still learning, else only its peer is accepted, and only once the
 * opposite leg has a peer to send to), counting it either way.
 * k: the socket, kind: the packet (0 RTP, 1 RTCP); p, len: the packet
 * (unprotected), wire: the bytes that came. */
static bool relay_accept(struct media *r, struct leg *l, int k, int kind,
			 const struct sockaddr_in *src, const unsigned char *p, unsigned len,
			 unsigned wire, uint64_t now)
{
	bool ok = l->path == RTPE_PATH_LEARNING ?
			  learning_accept(r, l, k, kind, src, p, len, now) :
			  from_peer(l, k, src) && leg_peer_known(&l->s->leg[1 - l->idx]);

	if (!ok) {
		drop_source(r, l);
		return false;
	}
	l->us.packets++;
	l->us.bytes += wire;
	l->us.rtcp_packets += (uint64_t)kind;
	l->us.last_seen_ns = now;
	if (!kind)
		leg_rtp(l, p, len, now);
	return true;
}

int relay_one(struct media *r, struct leg *l, struct leg *o, int k, const struct sockaddr_in *src,
	      unsigned char *p, unsigned *len, unsigned cap, uint64_t now)
{
	unsigned wire = *len;
	int kind = k;

	if (l->s->srtp && !k && leg_srtp_is_rtcp(p, *len))
		kind = 1;
	if (l->srtp) {
		if (l->path != RTPE_PATH_LEARNING && !from_peer(l, k, src)) {
			drop_source(r, l); /* no crypto for a stranger */
			return -1;
		}
		if (!leg_srtp_in(r, l, kind, p, len))
			return -1; /* counted by reason: nothing learns from it */
	}
	if (!relay_accept(r, l, k, kind, src, p, *len, wire, now))
		return -1;
	if (kind && !k && !l->rtcp_mux) {
		l->rtcp_mux = true; /* its peer multiplexes: so will the relay */
		media_event(r, MEDIA_CHANGED, l->s);
	}
	if (o->srtp && !leg_srtp_out(r, o, kind, p, len, cap))
		return -1;
	return kind;
}

void relay_dst(const struct leg *o, int k, struct sockaddr_in *dst)
{
	*dst = o->peer;
	if (k)
		dst->sin_port = htons(o->peer_rtcp_port);
}

int relay_out_sock(const struct leg *o, int kind)
{
	return kind && !o->rtcp_mux ? 1 : 0;
}

void relay_punted(struct media *r, struct leg *l, int k, const struct sockaddr_in *src,
		  const unsigned char *p, unsigned len)
{
	struct leg *o = &l->s->leg[1 - l->idx];
	struct sockaddr_in from = o->local, to;

	if (l->s->srtp || !relay_accept(r, l, k, k, src, p, len, len, mono_ns()))
		return; /* SRTP sessions have sockets: nothing of theirs is punted */
	relay_dst(o, k, &to);
	from.sin_port = htons((uint16_t)(ntohs(o->local.sin_port) + k));
	if (punt_send(r, &from, &to, p, len)) {
		o->us.drops++;
		return;
	}
	media_counters(r)->packets[RTPE_PATH_USERSPACE]++;
	media_counters(r)->bytes[RTPE_PATH_USERSPACE] += len;
}

/* Keeps the datagrams from the leg's peer, counting them and the others;
 * kept[s]: how many leave o's socket s, to dst[s]. */
static void batch_filter(struct media *r, struct relay_batch *b, struct leg *l, struct leg *o,
			 int k, int n, struct sockaddr_in *dst, unsigned kept[2])
{
	uint64_t now = mono_ns();

	kept[0] = kept[1] = 0;
	for (int i = 0; i < n; i++) {
		unsigned len = b->in[i].msg_len;
		int kind, s;

		if (b->in[i].msg_hdr.msg_flags & MSG_TRUNC) { /* larger than any RTP */
			drop_source(r, l);
			continue;
		}
		kind = relay_one(r, l, o, k, &b->src[i], b->buf[i], &len, RELAY_ROOM, now);
		if (kind < 0)
			continue; /* counted by relay_one */
		s = relay_out_sock(o, kind);
		b->out[s][kept[s]].msg_hdr = (struct msghdr){
			.msg_name = &dst[s], .msg_namelen = sizeof(dst[s]),
			.msg_iov = &b->iov[i], .msg_iovlen = 1,
		};
		b->iov[i].iov_len = len;
		kept[s]++;
	}
}

static void batch_send(struct media *r, struct relay_batch *b, struct leg *o, int k, unsigned n)
{
	struct rtpe_totals *t = media_counters(r);
	struct mmsghdr *out = b->out[k];
	enum rtpe_path path = o->s->srtp ? RTPE_PATH_SRTP : RTPE_PATH_USERSPACE;
	unsigned sent = 0;

	while (sent < n) {
		int m = sendmmsg(o->fd[k], &out[sent], n - sent, MSG_DONTWAIT);

		if (m < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug("session %u: sendmmsg: %s", o->s->id, strerror(errno));
			/* A full socket buffer or an ICMP error: the rest is lost,
			 * as it would be on the wire; count it on the sending leg. */
			o->us.drops += n - sent;
			return;
		}
		sent += (unsigned)m;
	}
	for (unsigned i = 0; i < n; i++)
		t->bytes[path] += out[i].msg_hdr.msg_iov->iov_len;
	t->packets[path] += n;
}

static void relay_readable(struct loop *lp, int fd, uint32_t events, void *arg)
{
	int k;
	struct leg *l = ref_leg(arg, &k);
	struct leg *o = &l->s->leg[1 - l->idx];
	struct media *r = l->s->owner;
	struct relay_batch *b = media_self ? worker_batch(media_self) : &B_loop;
	struct sockaddr_in dst[2];

	(void)lp;
	(void)events;
	for (int round = 0; round < RELAY_ROUNDS; round++) {
		int n;
		unsigned kept[2];

		for (int i = 0; i < RELAY_BATCH; i++) {
			b->iov[i] = (struct iovec){ b->buf[i], RELAY_MAX_PKT };
			b->in[i].msg_hdr = (struct msghdr){
				.msg_name = &b->src[i], .msg_namelen = sizeof(b->src[i]),
				.msg_iov = &b->iov[i], .msg_iovlen = 1,
			};
		}
		n = recvmmsg(fd, b->in, RELAY_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		relay_dst(o, 0, &dst[0]);
		relay_dst(o, 1, &dst[1]);
		batch_filter(r, b, l, o, k, n, dst, kept);
		for (int s = 0; s < 2; s++)
			if (kept[s])
				batch_send(r, b, o, s, kept[s]);
		if (n < RELAY_BATCH)
			return;
	}
}

int relay_watch(struct loop *lp, struct leg *l, int k)
{
	return loop_add(lp, l->fd[k], EPOLLIN, relay_readable, sock_ref(l, k));
}
