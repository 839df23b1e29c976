// SPDX-License-Identifier: GPL-2.0
/*
 * test_sip_digest.c - the SHA-256 digest answer of daemon/sip/sip_digest.h:
 * the known answer of RFC 7616 3.9.1 (Mufasa, "Circle of Life"), the
 * -sess and auth-int variants (values from python's hashlib), the
 * credentials' text (quoted values escaped, control characters and a short
 * buffer refused), the algorithm a challenge offers, and a request
 * answered: SHA-256 taken when MD5 is offered beside it, the caller's own
 * Proxy-Authorization replaced, MD5 alone and unusable SHA-256 left alone.
 */
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>

#include "check.h"
#include "sip/sip_digest.h"

/* RFC 7616 3.9.1. */
#define NONCE "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define RFC_RESPONSE "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"

static const struct sip_digest_ch rfc_ch = {
	.realm = "http-auth@example.org", .nonce = NONCE, .opaque = OPAQUE,
	.algorithm = "SHA-256",
};
static const struct sip_digest_req rfc_rq = {
	.user = "Mufasa", .password = "Circle of Life", .method = "GET",
	.uri = "/dir/index.html", .cnonce = CNONCE, .nc = "00000001",
};

static void test_known_answer(void)
{
	struct sip_digest_ch ch = rfc_ch;
	struct sip_digest_req rq = rfc_rq;
	char out[SIP_DIGEST_HEX];

	CASE_BEGIN("RFC 7616 3.9.1: SHA-256, qop=auth, its response exactly");
	CHECK(!sip_digest_sha256_response(&ch, &rq, out), "computed");
	CHECK(!strcmp(out, RFC_RESPONSE), "got %s", out);
	ch.sess = true;
	CHECK(!sip_digest_sha256_response(&ch, &rq, out), "sess");
	CHECK(!strcmp(out, "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"),
	      "SHA-256-sess: got %s", out);
	ch.sess = false;
	ch.auth_int = true;
	CHECK(!sip_digest_sha256_response(&ch, &rq, out), "auth-int, no body");
	CHECK(!strcmp(out, "8bdf6f15638e260831e905028de5450562816d093c9bfc5c13d3a46adcdde940"),
	      "auth-int, empty body: got %s", out);
	rq.body = "v=0\r\n";
	rq.body_len = 5;
	CHECK(!sip_digest_sha256_response(&ch, &rq, out), "auth-int");
	CHECK(!strcmp(out, "385d2de062660ced11876f42d9497c69cacf5caaf3d951dd424aee9f7157d563"),
	      "auth-int: got %s", out);
	CASE_END();
}

static void test_credentials(void)
{
	struct sip_digest_ch ch = rfc_ch;
	struct sip_digest_req rq = rfc_rq;
	char out[1024];

	CASE_BEGIN("credentials: every field, quoted ones escaped, bad ones refused");
	CHECK(!sip_digest_sha256_credentials(&ch, &rq, out, sizeof(out)), "written");
	CHECK(!strcmp(out, "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", nonce=\""
		      NONCE "\", uri=\"/dir/index.html\", response=\"" RFC_RESPONSE "\", "
		      "algorithm=SHA-256, cnonce=\"" CNONCE "\", opaque=\"" OPAQUE "\", "
		      "qop=auth, nc=00000001"), "got %s", out);
	CHECK(sip_digest_sha256_credentials(&ch, &rq, out, 200), "a short buffer refused");
	CHECK(sip_digest_sha256_credentials(&ch, &rq, out, 3), "a tiny one too");
	rq.user = "a\"b\\c";
	ch.opaque = NULL;
	CHECK(!sip_digest_sha256_credentials(&ch, &rq, out, sizeof(out)), "escaped");
	CHECK(strstr(out, "username=\"a\\\"b\\\\c\", ") && !strstr(out, "opaque"), "got %s", out);
	rq.user = "a\r\nX-Evil: 1";
	CHECK(sip_digest_sha256_credentials(&ch, &rq, out, sizeof(out)), "CR LF refused");
	CASE_END();
}

static msg_auth_t *challenge(su_home_t *home, const char *s)
{
	return (msg_auth_t *)msg_header_make(home, sip_proxy_authenticate_class, s);
}

static void test_alg(void)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	static const struct {
		const char *ch;
		enum sip_digest_alg alg;
	} t[] = {
		{ "Digest realm=\"r\", nonce=\"n\"", SIP_DIGEST_MD5 },
		{ "Digest realm=\"r\", nonce=\"n\", algorithm=md5-sess", SIP_DIGEST_MD5 },
		{ "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256", SIP_DIGEST_SHA256 },
		{ "Digest realm=\"r\", algorithm=\"sha-256-sess\"", SIP_DIGEST_SHA256 },
		{ "Digest realm=\"r\", algorithm=SHA-512-256", SIP_DIGEST_UNKNOWN },
		{ "Basic realm=\"r\"", SIP_DIGEST_NONE },
	};

	CASE_BEGIN("the algorithm a challenge offers");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		msg_auth_t *ch = challenge(home, t[i].ch);

		CHECK(ch && sip_digest_alg(ch) == t[i].alg, "%s", t[i].ch);
	}
	su_home_deinit(home);
	CASE_END();
}

#define INVITE "INVITE sip:+15557654321@198.18.2.2:5060 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 198.18.2.1:5060;branch=z9hG4bK1\r\n" \
	"From: <sip:a@example.org>;tag=1\r\nTo: <sip:+15557654321@example.org>\r\n" \
	"Call-ID: dg1\r\nCSeq: 2 INVITE\r\nProxy-Authorization: Digest username=\"caller\"\r\n" \
	"Content-Length: 0\r\n\r\n"

/* The INVITE answered for the challenges chs: sip_digest_answer's result;
 * its Proxy-Authorization's response checked against the known answer
 * for its own cnonce. */
static int answer(su_home_t *home, msg_auth_t *chs, bool *right)
{
	msg_t *m = msg_make(sip_default_mclass(), 0, INVITE, strlen(INVITE));
	sip_t *sip = sip_object(m);
	struct sip_digest_ch ch = { .realm = "lab.example", .nonce = "4f1x", .algorithm = "SHA-256" };
	struct sip_digest_req rq = { .user = "edgeuser", .password = "pw", .method = "INVITE",
				     .uri = "sip:+15557654321@198.18.2.2:5060", .nc = "00000001" };
	char want[SIP_DIGEST_HEX];
	int r = sip_digest_answer(m, sip, chs, sip_proxy_authorization_class, "edgeuser", "pw");
	msg_auth_t const *pa = sip->sip_proxy_authorization;
	char const *got = pa ? msg_params_find(pa->au_params, "response=") : NULL;

	char const *cn = pa ? msg_params_find(pa->au_params, "cnonce=") : NULL;

	rq.cnonce = cn ? msg_unquote_dup(home, cn) : NULL;
	*right = pa && !pa->au_next && got && rq.cnonce && strlen(rq.cnonce) == 32 &&
		 !sip_digest_sha256_response(&ch, &rq, want) && !strncmp(got + 1, want, 64) &&
		 !strcasecmp(msg_params_find(pa->au_params, "algorithm="), "SHA-256") &&
		 !strcmp(msg_params_find(pa->au_params, "username="), "\"edgeuser\"");
	msg_destroy(m);
	return r;
}

static void test_answer(void)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	msg_auth_t *md5 = challenge(home, "Digest realm=\"lab.example\", nonce=\"4f1x\", "
				    "algorithm=MD5, qop=\"auth\"");
	msg_auth_t *sha = challenge(home, "Digest realm=\"lab.example\", nonce=\"4f1x\", "
				    "algorithm=SHA-256, qop=\"auth-int,auth\"");
	msg_auth_t *noqop = challenge(home, "Digest realm=\"lab.example\", nonce=\"4f1x\", "
				      "algorithm=SHA-256");
	bool right = false;
	int r;

	CASE_BEGIN("a request answered: SHA-256 beside MD5 taken, MD5 alone not ours");
	CHECK(md5 && sha && noqop, "challenges made");
	md5->au_next = sha;
	r = answer(home, md5, &right);
	CHECK(r == 1 && right, "MD5 then SHA-256: SHA-256 answered (%d)", r);
	md5->au_next = NULL;
	CHECK(answer(home, md5, &right) == 0 && !right, "MD5 alone: left to sofia");
	CHECK(answer(home, noqop, &right) == -1 && !right, "SHA-256 without qop: refused");
	noqop->au_next = sha;
	CHECK(answer(home, noqop, &right) == 1 && right, "the next SHA-256 one taken");
	su_home_deinit(home);
	CASE_END();
}

int main(void)
{
	test_known_answer();
	test_credentials();
	test_alg();
	test_answer();
	CHECK_EXIT();
}
