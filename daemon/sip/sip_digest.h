/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_digest.h - the SHA-256 half of digest credentials at the edge (RFC
 * 8760, RFC 7616): sofia-sip 1.12.11 answers MD5 and MD5-sess challenges
 * (its auth_client, in sip_fwd.c); this answers SHA-256 and SHA-256-sess
 * with OpenSSL's libcrypto. The response is computed from a challenge's
 * parameters (no sofia types: the known-answer test of RFC 7616 3.9.1 runs
 * on it); the header is written into a request by sip_digest_answer.
 */
#ifndef RTPE_SIP_DIGEST_H
#define RTPE_SIP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include <sofia-sip/sip.h>

#define SIP_DIGEST_HEX 65 /* a SHA-256 in lowercase hex, with its NUL */

/* What a challenge's algorithm parameter names (a scheme but Digest: NONE). */
enum sip_digest_alg {
	SIP_DIGEST_NONE,    /* not a Digest challenge */
	SIP_DIGEST_MD5,     /* MD5, MD5-sess or no algorithm: sofia's */
	SIP_DIGEST_SHA256,  /* SHA-256, SHA-256-sess: ours */
	SIP_DIGEST_UNKNOWN, /* any other algorithm: nobody's */
};

/* A SHA-256 challenge's parameters, unquoted. */
struct sip_digest_ch {
	const char *realm, *nonce, *opaque; /* opaque NULL: none */
	const char *algorithm;              /* its token as offered, echoed */
	bool sess;                          /* SHA-256-sess */
	bool auth_int;                      /* qop=auth-int (auth not offered) */
};

/* The request it answers, and the answer's own values. */
struct sip_digest_req {
	const char *user, *password;
	const char *method, *uri;           /* the Request-URI as a string */
	const void *body;                   /* for auth-int (NULL: empty) */
	size_t body_len;
	const char *cnonce, *nc;
};

/* The algorithm ch (a WWW- or Proxy-Authenticate) offers. */
enum sip_digest_alg sip_digest_alg(msg_auth_t const *ch);

/*
 * The response of RFC 7616 3.4.1 with SHA-256: H(H(A1):nonce:nc:cnonce:
 * qop:H(A2)), qop "auth" (or "auth-int" when ch->auth_int), in lowercase
 * hex into out. 0, or -1 (libcrypto failed).
 */
int sip_digest_sha256_response(const struct sip_digest_ch *ch, const struct sip_digest_req *rq,
			       char out[SIP_DIGEST_HEX]);

/*
 * The credentials' value, "Digest username=..., response=..., ..." with
 * every quoted value escaped, into out. 0, or -1 (it does not fit, or
 * the response failed).
 */
int sip_digest_sha256_credentials(const struct sip_digest_ch *ch, const struct sip_digest_req *rq,
				  char *out, size_t size);

/*
 * m's request (sip its object) answers the first usable SHA-256 challenge
 * of the list chs with user and password: its headers of class hc
 * (Authorization or Proxy-Authorization) replaced by ours. 1 answered;
 * 0 no SHA-256 challenge offered; -1 one offered but none usable (no
 * qop auth or auth-int, no nonce) or no memory. Logs no password.
 */
int sip_digest_answer(msg_t *m, sip_t *sip, msg_auth_t const *chs, msg_hclass_t *hc,
		      const char *user, const char *password);

#endif
