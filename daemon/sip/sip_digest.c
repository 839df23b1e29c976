// SPDX-License-Identifier: GPL-2.0
/*
 * sip_digest.c - owns the SHA-256 digest answer of the edge (RFC 8760,
 * RFC 7616 3.4): which algorithm a challenge offers, the response
 * computed with libcrypto's SHA-256, and the Authorization or
 * Proxy-Authorization written with it (sip_digest.h). MD5 stays with
 * sofia's auth_client (sip_fwd.c). No password leaves this file but as
 * part of a hash.
 */
#include "sip/sip_digest.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/evp.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include "core/log.h"

#define NC "00000001" /* one answer per challenge */

/* ---- hashes -------------------------------------------------------------------- */

static void hex(char out[SIP_DIGEST_HEX], const unsigned char md[32])
{
	static const char x[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = x[md[i] >> 4];
		out[2 * i + 1] = x[md[i] & 15];
	}
	out[64] = '\0';
}

/* SHA-256 of the n strings joined by ':', in hex. 0 or -1. */
static int h_join(char out[SIP_DIGEST_HEX], int n, const char *const s[])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int len = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

	for (int i = 0; ok && i < n; i++)
		ok = (!i || EVP_DigestUpdate(ctx, ":", 1)) && EVP_DigestUpdate(ctx, s[i], strlen(s[i]));
	ok = ok && EVP_DigestFinal_ex(ctx, md, &len) && len == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (ok)
		hex(out, md);
	return ok ? 0 : -1;
}

int sip_digest_sha256_response(const struct sip_digest_ch *ch, const struct sip_digest_req *rq,
			       char out[SIP_DIGEST_HEX])
{
	char ha1[SIP_DIGEST_HEX], ha2[SIP_DIGEST_HEX], hb[SIP_DIGEST_HEX] = "";
	const char *a1[] = { rq->user, ch->realm, rq->password };
	const char *qop = ch->auth_int ? "auth-int" : "auth";

	if (h_join(ha1, 3, a1))
		return -1;
	if (ch->sess && h_join(ha1, 3, (const char *[]){ ha1, ch->nonce, rq->cnonce }))
		return -1;
	if (ch->auth_int) {
		unsigned char md[32];
		unsigned int len = 0;

		if (!EVP_Digest(rq->body ? rq->body : "", rq->body ? rq->body_len : 0, md, &len,
				EVP_sha256(), NULL) || len != sizeof(md))
			return -1;
		hex(hb, md);
	}
	if (h_join(ha2, ch->auth_int ? 3 : 2, (const char *[]){ rq->method, rq->uri, hb }))
		return -1;
	return h_join(out, 6, (const char *[]){ ha1, ch->nonce, rq->nc, rq->cnonce, qop, ha2 });
}

/* ---- the credentials' text ---------------------------------------------------------- */

/* ", name=v" (quoted: '"' and '\' escaped) at *p, before end. 0 or -1. */
static int put(char **p, char *end, const char *name, const char *v, bool quoted)
{
	char *q = *p;
	int n = snprintf(q, (size_t)(end - q), "%s%s=%s", q[-1] == ' ' ? "" : ", ", name,
			 quoted ? "\"" : "");

	if (n < 0 || n >= end - q)
		return -1;
	for (q += n; *v; v++) {
		if ((unsigned char)*v < 0x20 || *v == 0x7f || end - q < 4)
			return -1;
		if (quoted && (*v == '"' || *v == '\\'))
			*q++ = '\\';
		*q++ = *v;
	}
	if (quoted)
		*q++ = '"';
	*q = '\0';
	*p = q;
	return 0;
}

int sip_digest_sha256_credentials(const struct sip_digest_ch *ch, const struct sip_digest_req *rq,
				  char *out, size_t size)
{
	char resp[SIP_DIGEST_HEX];
	char *p = out + strlen("Digest "), *end = out + size;

	if (size <= strlen("Digest ") || sip_digest_sha256_response(ch, rq, resp))
		return -1;
	memcpy(out, "Digest ", strlen("Digest ") + 1);
	if (put(&p, end, "username", rq->user, true) || put(&p, end, "realm", ch->realm, true) ||
	    put(&p, end, "nonce", ch->nonce, true) || put(&p, end, "uri", rq->uri, true) ||
	    put(&p, end, "response", resp, true) ||
	    put(&p, end, "algorithm", ch->algorithm, false) ||
	    put(&p, end, "cnonce", rq->cnonce, true) ||
	    (ch->opaque && put(&p, end, "opaque", ch->opaque, true)) ||
	    put(&p, end, "qop", ch->auth_int ? "auth-int" : "auth", false) ||
	    put(&p, end, "nc", rq->nc, false))
		return -1;
	return 0;
}

/* ---- challenges ---------------------------------------------------------------------- */

/* A parameter's value unquoted, in home (NULL: absent). */
static char *param(su_home_t *home, msg_auth_t const *ch, const char *name)
{
	char const *v = msg_params_find(ch->au_params, name);

	return !v ? NULL : *v == '"' ? msg_unquote_dup(home, v) : su_strdup(home, v);
}

enum sip_digest_alg sip_digest_alg(msg_auth_t const *ch)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	enum sip_digest_alg r = SIP_DIGEST_UNKNOWN;
	char *a;

	if (!ch->au_scheme || strcasecmp(ch->au_scheme, "Digest"))
		return SIP_DIGEST_NONE;
	a = param(home, ch, "algorithm=");
	if (!a || !strcasecmp(a, "MD5") || !strcasecmp(a, "MD5-sess"))
		r = SIP_DIGEST_MD5;
	else if (!strcasecmp(a, "SHA-256") || !strcasecmp(a, "SHA-256-sess"))
		r = SIP_DIGEST_SHA256;
	su_home_deinit(home);
	return r;
}

/* Whether the qop list q has the token t. */
static bool has_qop(const char *q, const char *t)
{
	size_t n = strlen(t);

	while (q && *q) {
		q += strspn(q, " \t,");
		if (!strncasecmp(q, t, n) && strchr(" \t,", q[n]))
			return true;
		q += strcspn(q, ",");
	}
	return false;
}

/* ch's parameters into dc (in home): 0, or why it is of no use. */
static const char *challenge_get(su_home_t *home, msg_auth_t const *ch, struct sip_digest_ch *dc)
{
	char *qop = param(home, ch, "qop=");

	dc->realm = param(home, ch, "realm=");
	dc->nonce = param(home, ch, "nonce=");
	dc->opaque = param(home, ch, "opaque=");
	dc->algorithm = param(home, ch, "algorithm=");
	if (!dc->realm || !dc->nonce || !dc->algorithm)
		return "no realm or nonce";
	dc->sess = !strcasecmp(dc->algorithm, "SHA-256-sess");
	if (has_qop(qop, "auth"))
		dc->auth_int = false;
	else if (has_qop(qop, "auth-int"))
		dc->auth_int = true;
	else
		return "no qop auth or auth-int";
	return NULL;
}

/* ---- the answer -------------------------------------------------------------------------- */

/* Our credentials of class hc for dc into m, in place of its own. 1 or -1. */
static int write_credentials(su_home_t *home, msg_t *m, sip_t *sip, const struct sip_digest_ch *dc,
			     msg_hclass_t *hc, const char *user, const char *password)
{
	struct sip_digest_req rq = { .user = user, .password = password, .nc = NC };
	unsigned char rnd[16];
	char cnonce[33], buf[4096];
	msg_header_t *h, **old;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(cnonce + 2 * i, 3, "%02x", rnd[i]);
	rq.cnonce = cnonce;
	rq.method = sip->sip_request->rq_method_name;
	rq.uri = url_as_string(home, sip->sip_request->rq_url);
	if (sip->sip_payload) {
		rq.body = sip->sip_payload->pl_data;
		rq.body_len = sip->sip_payload->pl_len;
	}
	if (!rq.uri || sip_digest_sha256_credentials(dc, &rq, buf, sizeof(buf)))
		return -1;
	h = msg_header_make(msg_home(m), hc, buf);
	if (!h)
		return -1;
	old = msg_hclass_offset(msg_mclass(m), (msg_pub_t *)sip, hc);
	while (old && *old)
		msg_header_remove(m, (msg_pub_t *)sip, *old);
	return msg_header_insert(m, (msg_pub_t *)sip, h) < 0 ? -1 : 1;
}

int sip_digest_answer(msg_t *m, sip_t *sip, msg_auth_t const *chs, msg_hclass_t *hc,
		      const char *user, const char *password)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	struct sip_digest_ch dc = { 0 };
	const char *why = NULL;
	msg_auth_t const *ch;
	int r = 0;

	for (ch = chs; ch; ch = ch->au_next) {
		if (sip_digest_alg(ch) != SIP_DIGEST_SHA256)
			continue;
		why = challenge_get(home, ch, &dc);
		if (!why)
			break;
		log_warn("sip: a SHA-256 challenge of no use: %s", why);
	}
	if (ch)
		r = write_credentials(home, m, sip, &dc, hc, user, password);
	else if (why)
		r = -1;
	su_home_deinit(home);
	return r;
}
