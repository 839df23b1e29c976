// SPDX-License-Identifier: GPL-2.0
/*
 * srtp_ctx.c - owns a leg's libsrtp2 sessions (srtp_ctx.h): the policies of
 * each suite, protect and unprotect with libsrtp's errors mapped to the
 * three reasons operators see, the key lifetimes of RFC 4568, and the
 * per-direction state a restart carries over.
 *
 * libsrtp keeps its own copy of the derived session keys; this module
 * keeps the master keys (for `session show --keys` and the state file)
 * and wipes them when the leg goes.
 */
#include "srtp/srtp_ctx.h"
#include "srtp/srtp_ossl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <srtp2/srtp.h>

const char *const sctx_fail_names[SCTX_FAIL_MAX] = {
#define SCTX_X_NAME(e, name) [SCTX_FAIL_##e] = name,
	SCTX_FAILS(SCTX_X_NAME)
#undef SCTX_X_NAME
};

/* SRTCP packets a restore moves an outbound index on by, at most: RTCP
 * comes every few seconds, so this is days of a call and ~1 s of work. */
#define RTCP_REPLAY_MAX (1u << 20)
/* The restart state is marked changed every RTCP_SAVE_EVERY SRTCP packets
 * sent (not at each: a table of calls would rewrite the state file every
 * second), and a restore moves the SRTCP index on by that many more than
 * it was saved with: an index may jump ahead, never repeat. */
#define RTCP_SAVE_EVERY 64

struct sctx_half {
	srtp_t s;                 /* NULL: not created */
	struct sdes_key key;
	uint8_t mki[SDES_MKI_MAX];
	struct sctx_stream st;
	uint16_t seq;             /* the last RTP sequence number of st.ssrc */
};

struct sctx {
	struct sctx_half h[2];    /* SCTX_IN, SCTX_OUT */
	bool changed;
};

static bool lib_done, lib_nss;

int sctx_lib_init(bool nss)
{
	if (lib_done)
		return 0;
	if (srtp_init() != srtp_err_status_ok)
		return -EIO;
	if (!nss && srtp_ossl_install()) {
		srtp_shutdown();
		return -EIO;
	}
	lib_done = true;
	lib_nss = nss;
	return 0;
}

const char *sctx_lib_crypto(void)
{
	return !lib_done ? "none" : lib_nss ? "nss" : "openssl";
}

/* The RTP and RTCP transforms of a suite (RFC 4568 6.2, RFC 7714 14.1:
 * the _32 suite authenticates SRTCP with 80 bits). */
static void suite_policy(unsigned suite, srtp_policy_t *p)
{
	switch (suite) {
	case SDES_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case SDES_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	case SDES_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		break;
	default:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	}
}

/* The MKI's bytes: its value big-endian in mki_len bytes. */
static void mki_bytes(const struct sdes_key *k, uint8_t *out)
{
	memset(out, 0, k->mki_len);
	for (unsigned i = 0; i < k->mki_len && i < 8; i++)
		out[k->mki_len - 1 - i] = (uint8_t)(k->mki >> (8 * i));
}

/* A libsrtp session on h's key for SSRCs of type (any in/outbound or one
 * ssrc): created, or a stream added to h->s. */
static int half_policy_apply(struct sctx_half *h, srtp_ssrc_type_t type, uint32_t ssrc)
{
	srtp_master_key_t mk = { .key = h->key.key, .mki_id = h->mki, .mki_size = h->key.mki_len };
	srtp_master_key_t *keys[1] = { &mk };
	srtp_policy_t p;
	srtp_err_status_t e;

	memset(&p, 0, sizeof(p));
	suite_policy(h->key.suite, &p);
	p.ssrc.type = type;
	p.ssrc.value = ssrc;
	if (h->key.mki_len) {
		mki_bytes(&h->key, h->mki);
		p.keys = keys;
		p.num_master_keys = 1;
	} else {
		p.key = h->key.key;
	}
	p.window_size = 0;        /* libsrtp's default: 128 */
	p.allow_repeat_tx = 0;    /* never two packets under one index */
	e = h->s ? srtp_add_stream(h->s, &p) : srtp_create(&h->s, &p);
	return e == srtp_err_status_ok ? 0 : -1;
}

static int half_init(struct sctx_half *h, const struct sdes_key *k, srtp_ssrc_type_t type)
{
	if (k->suite >= SDES_SUITE_MAX || k->len != sdes_key_len(k->suite))
		return -1;
	h->key = *k;
	return half_policy_apply(h, type, 0);
}

struct sctx *sctx_new(const struct sdes_key *in, const struct sdes_key *out, char *err,
		      size_t errlen)
{
	struct sctx *c;

	if (sctx_lib_init(false)) {
		snprintf(err, errlen, "libsrtp2 failed to initialise");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (half_init(&c->h[SCTX_IN], in, ssrc_any_inbound) ||
	    half_init(&c->h[SCTX_OUT], out, ssrc_any_outbound)) {
		snprintf(err, errlen, "libsrtp2 refused the %s keys",
			 sdes_suite_name(in->suite < SDES_SUITE_MAX ? in->suite : out->suite));
		sctx_free(c);
		return NULL;
	}
	return c;
}

void sctx_free(struct sctx *c)
{
	if (!c)
		return;
	for (int d = 0; d < 2; d++)
		if (c->h[d].s)
			srtp_dealloc(c->h[d].s);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

const struct sdes_key *sctx_key(const struct sctx *c, enum sctx_dir d)
{
	return &c->h[d].key;
}

static enum sctx_fail fail_of(srtp_err_status_t e)
{
	switch (e) {
	case srtp_err_status_auth_fail:
	case srtp_err_status_bad_mki:  /* an MKI we did not give: not authenticated */
		return SCTX_FAIL_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
	case srtp_err_status_pkt_idx_old:
		return SCTX_FAIL_REPLAY;
	default:
		return SCTX_FAIL_OTHER;
	}
}

/* Whether h's key may take one more packet (RFC 4568 6.1 lifetime). */
static bool key_alive(struct sctx_half *h)
{
	uint64_t max = h->key.lifetime ? h->key.lifetime : SDES_LIFETIME_MAX;

	return h->st.used < max;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Notes what a restart needs of the RTP packet p of half h. */
static void note_rtp(struct sctx *c, struct sctx_half *h, const uint8_t *p)
{
	uint32_t ssrc = be32(p + 8);
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);

	if (!h->st.have || h->st.ssrc != ssrc ||
	    (seq < h->seq && (uint16_t)(h->seq - seq) > 0x8000)) /* a rollover */
		c->changed = true;
	h->st.have = true;
	h->st.ssrc = ssrc;
	h->seq = seq;
}

static void note_rtcp(struct sctx *c, struct sctx_half *h, const uint8_t *p)
{
	uint32_t ssrc = be32(p + 4);

	if (!h->st.have_rtcp || h->st.rtcp_ssrc != ssrc) {
		h->st.rtcp_ssrc = ssrc;
		h->st.rtcp_sent = 0;
	}
	if (!h->st.have_rtcp || !(h->st.rtcp_sent % RTCP_SAVE_EVERY))
		c->changed = true;
	h->st.have_rtcp = true;
	h->st.rtcp_sent++;
}

int sctx_unprotect(struct sctx *c, bool rtcp, uint8_t *p, unsigned *len, enum sctx_fail *why)
{
	struct sctx_half *h = &c->h[SCTX_IN];
	int n = (int)*len;
	srtp_err_status_t e;
	unsigned mki = h->key.mki_len ? 1 : 0;

	if (!key_alive(h)) {
		*why = SCTX_FAIL_OTHER;
		return -1;
	}
	e = rtcp ? srtp_unprotect_rtcp_mki(h->s, p, &n, mki) : srtp_unprotect_mki(h->s, p, &n, mki);
	if (e != srtp_err_status_ok) {
		*why = fail_of(e);
		return -1;
	}
	h->st.used++;
	*len = (unsigned)n;
	if (!rtcp)
		note_rtp(c, h, p);
	return 0;
}

int sctx_protect(struct sctx *c, bool rtcp, uint8_t *p, unsigned *len, unsigned cap,
		 enum sctx_fail *why)
{
	struct sctx_half *h = &c->h[SCTX_OUT];
	int n = (int)*len;
	srtp_err_status_t e;
	unsigned mki = h->key.mki_len ? 1 : 0;

	*why = SCTX_FAIL_OTHER;
	if (cap < *len + SCTX_TRAILER_MAX || *len < (rtcp ? 8u : 12u) || (p[0] >> 6) != 2 ||
	    !key_alive(h))
		return -1;
	e = rtcp ? srtp_protect_rtcp_mki(h->s, p, &n, mki, 0) : srtp_protect_mki(h->s, p, &n, mki, 0);
	if (e != srtp_err_status_ok) {
		*why = fail_of(e);
		return -1;
	}
	h->st.used++;
	*len = (unsigned)n;
	if (rtcp)
		note_rtcp(c, h, p);
	else
		note_rtp(c, h, p);
	return 0;
}

bool sctx_changed(struct sctx *c)
{
	bool ch = c->changed;

	c->changed = false;
	return ch;
}

uint64_t sctx_used(const struct sctx *c, enum sctx_dir d)
{
	return __atomic_load_n(&c->h[d].st.used, __ATOMIC_RELAXED);
}

void sctx_stream_get(struct sctx *c, enum sctx_dir d, struct sctx_stream *st)
{
	struct sctx_half *h = &c->h[d];
	uint32_t roc = 0;

	if (h->st.have && srtp_get_stream_roc(h->s, h->st.ssrc, &roc) == srtp_err_status_ok)
		h->st.roc = roc;
	*st = h->st;
}

/* Moves the outbound SRTCP index of ssrc on by n packets: protects n
 * empty receiver reports (libsrtp has no call to set it). */
static int rtcp_skip(struct sctx_half *h, uint32_t ssrc, uint32_t n)
{
	uint8_t rr[8 + SCTX_TRAILER_MAX];

	for (uint32_t i = 0; i < n; i++) {
		int len = 8;

		rr[0] = 0x80;   /* V=2, no reports */
		rr[1] = 201;    /* RR */
		rr[2] = 0;
		rr[3] = 1;      /* length: 2 words - 1 */
		rr[4] = (uint8_t)(ssrc >> 24);
		rr[5] = (uint8_t)(ssrc >> 16);
		rr[6] = (uint8_t)(ssrc >> 8);
		rr[7] = (uint8_t)ssrc;
		if (srtp_protect_rtcp_mki(h->s, rr, &len, h->key.mki_len ? 1 : 0, 0) !=
		    srtp_err_status_ok)
			return -1;
	}
	return 0;
}

int sctx_stream_set(struct sctx *c, enum sctx_dir d, const struct sctx_stream *st, char *err,
		    size_t errlen)
{
	struct sctx_half *h = &c->h[d];

	h->st.used = st->used;
	if (st->have) {
		if (half_policy_apply(h, ssrc_specific, st->ssrc) ||
		    (st->roc && srtp_set_stream_roc(h->s, st->ssrc, st->roc) != srtp_err_status_ok)) {
			snprintf(err, errlen, "cannot set the rollover counter of SSRC %u", st->ssrc);
			return -1;
		}
		h->st.have = true;
		h->st.ssrc = st->ssrc;
		h->st.roc = st->roc;
	}
	if (d == SCTX_OUT && st->have_rtcp) {
		uint32_t skip = st->rtcp_sent + RTCP_SAVE_EVERY;

		if (skip > RTCP_REPLAY_MAX || rtcp_skip(h, st->rtcp_ssrc, skip)) {
			snprintf(err, errlen, "cannot move the SRTCP index of SSRC %u on by %u",
				 st->rtcp_ssrc, skip);
			return -1;
		}
		h->st.have_rtcp = true;
		h->st.rtcp_ssrc = st->rtcp_ssrc;
		h->st.rtcp_sent = skip;
	}
	return 0;
}

void sctx_prefetch(const struct sctx *c, enum sctx_dir d)
{
	__builtin_prefetch(c->h[d].s);
}
