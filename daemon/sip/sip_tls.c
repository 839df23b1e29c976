// SPDX-License-Identifier: GPL-2.0
/*
 * sip_tls.c - owns the proxy's TLS material: sofia's TLS transport reads
 * its certificate and key from DIR/agent.pem and the CAs it verifies peers
 * with from DIR/cafile.pem, so the directory is built from the configured
 * files ([sip] tls_cert, tls_key, tls_ca) next to the control socket, mode
 * 0700, its files 0600, each written whole (a temporary file renamed).
 * Built once when the proxy starts: new files take a restart.
 *
 * Also the requests sent over TLS: sofia drops a connection whose
 * handshake fails (a certificate that does not verify) without telling
 * the transaction, which would wait for its timeout (32 s); the watch
 * checks the connection shortly after and ends the request with 503.
 */
#include "sip/sip_int.h"
#include "sip/sip_tls.h"

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sofia-sip/nta_tport.h>
#include <sofia-sip/tport.h>
#include <sofia-sip/url.h>

#include "core/log.h"

/* Without tls_ca, peers are verified with the system's CAs. */
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define PEM_CERT "-----BEGIN CERTIFICATE-----"
/* How long a TLS connection has to come up (TCP, handshake, verification)
 * before a request on it that heard nothing is given up. */
#define TLS_CHECK_MS 1500

__attribute__((format(printf, 3, 4)))
static int fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The whole of path, NUL-terminated (at most 1 MiB), in *out. Its length or -errno. */
static long slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long n = 0;
	size_t k;

	if (!f)
		return -errno;
	buf = malloc((1 << 20) + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	k = fread(buf, 1, 1 << 20, f);
	if (ferror(f) || !feof(f))
		n = ferror(f) ? -EIO : -EFBIG;
	fclose(f);
	if (n < 0) {
		free(buf);
		return n;
	}
	buf[k] = '\0';
	*out = buf;
	return (long)k;
}

/* dir/name, 0600, holding the parts in order (NULL ends them), written to a
 * temporary file and renamed. 0 or -errno. */
static int put(const char *dir, const char *name, ...)
{
	char tmp[512], path[512];
	const char *part;
	va_list ap;
	int fd, e = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	va_start(ap, name);
	while (!e && (part = va_arg(ap, const char *))) {
		size_t n = strlen(part), off = 0;

		while (!e && off < n) {
			ssize_t w = write(fd, part + off, n - off);

			if (w < 0)
				e = -errno;
			else
				off += (size_t)w;
		}
		if (!e && n && part[n - 1] != '\n' && write(fd, "\n", 1) != 1)
			e = -EIO;
	}
	va_end(ap);
	if (!e && (fchmod(fd, 0600) || fsync(fd)))
		e = -errno;
	if (close(fd) && !e)
		e = -errno;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

/* mkdir -p of dir's parents (0755), then dir itself 0700, ours. 0 or -errno. */
static int make_dir(const char *dir)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -ENOTDIR;
	return chmod(dir, 0700) ? -errno : 0;
}

/*
 * The certificate and key go together (sofia would start without them and
 * fail every handshake); what the relay serves goes to the log, with a
 * warning for a certificate out of date or a key others may read.
 */
static int check_pair(const struct rtpe_cfg *c, const char *cert, const char *key, char *msg,
		      size_t len)
{
	BIO *bc = BIO_new_mem_buf(cert, -1), *bk = BIO_new_mem_buf(key, -1), *out = NULL;
	X509 *x = bc ? PEM_read_bio_X509(bc, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = bk ? PEM_read_bio_PrivateKey(bk, NULL, NULL, (void *)"") : NULL;
	char subj[256] = "?", until[64] = "?";
	struct stat st;
	int rc = -1;

	if (!x)
		fail(msg, len, "[sip] tls_cert %s: its first certificate does not parse", c->tls_cert);
	else if (!k)
		fail(msg, len, "[sip] tls_key %s: the key does not parse (a key with a passphrase is not supported)",
		     c->tls_key);
	else if (X509_check_private_key(x, k) != 1)
		fail(msg, len, "[sip] tls_key %s is not the key of tls_cert %s", c->tls_key, c->tls_cert);
	else
		rc = 0;
	if (!rc) {
		X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
		out = BIO_new(BIO_s_mem());
		if (out && ASN1_TIME_print(out, X509_get0_notAfter(x)) > 0) {
			int n = BIO_read(out, until, sizeof(until) - 1);

			until[n > 0 ? n : 0] = '\0';
		}
		log_info("sip: TLS certificate %s, valid until %s", subj, until);
		if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0 ||
		    X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
			log_warn("sip: tls_cert %s is out of date (valid until %s): peers will refuse it",
				 c->tls_cert, until);
		if (!stat(c->tls_key, &st) && (st.st_mode & 077))
			log_warn("sip: tls_key %s is readable by others (mode %03o): chmod 600 it",
				 c->tls_key, st.st_mode & 0777);
	}
	BIO_free(out);
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(bk);
	BIO_free(bc);
	return rc;
}

int sip_tls_dir(const struct rtpe_cfg *c, char *dir, size_t len)
{
	const char *slash = strrchr(c->control_socket, '/');
	int n = (int)(slash ? slash - c->control_socket : 0);

	return snprintf(dir, len, "%.*s/sip-tls", n, c->control_socket) < (int)len ? 0 : -1;
}

int sip_tls_prepare(const struct rtpe_cfg *c, char *dir, size_t dirlen, char *msg, size_t msglen)
{
	const char *ca_path = c->tls_ca[0] ? c->tls_ca : SYSTEM_CA_BUNDLE;
	char *cert = NULL, *key = NULL, *ca = NULL, *chain;
	long e;
	int rc = -1;

	if (sip_tls_dir(c, dir, dirlen))
		return fail(msg, msglen, "[sip] TLS: the directory name is too long");
	if ((e = slurp(c->tls_cert, &cert)) < 0 || !strstr(cert, PEM_CERT)) {
		fail(msg, msglen, "[sip] tls_cert %s: %s", c->tls_cert,
		     e < 0 ? strerror((int)-e) : "no PEM certificate in it");
		goto out;
	}
	if ((e = slurp(c->tls_key, &key)) < 0 || !strstr(key, "PRIVATE KEY-----")) {
		fail(msg, msglen, "[sip] tls_key %s: %s", c->tls_key,
		     e < 0 ? strerror((int)-e) : "no PEM private key in it");
		goto out;
	}
	if ((e = slurp(ca_path, &ca)) < 0 || !strstr(ca, PEM_CERT)) {
		fail(msg, msglen, "[sip] %s %s: %s", c->tls_ca[0] ? "tls_ca" : "TLS: the system's CAs",
		     ca_path, e < 0 ? strerror((int)-e) : "no PEM certificate in it");
		goto out;
	}
	if (check_pair(c, cert, key, msg, msglen))
		goto out;
	/* the chain after the first certificate: sofia loads only the first
	 * from agent.pem, OpenSSL builds the chain it sends from the CA file */
	chain = strstr(strstr(cert, PEM_CERT) + 1, PEM_CERT);
	if ((e = make_dir(dir)) || (e = put(dir, "agent.pem", cert, key, NULL)) ||
	    (e = put(dir, "cafile.pem", ca, chain ? chain : "", NULL))) {
		fail(msg, msglen, "[sip] TLS: cannot write %s: %s", dir, strerror((int)-e));
		goto out;
	}
	rc = 0;
out:
	if (key) /* a copy of the private key goes nowhere else */
		memset(key, 0, strlen(key));
	free(cert);
	free(key);
	free(ca);
	return rc;
}

/* Whether path changed after the directory was built from it. */
static bool newer(const char *path, const struct stat *built)
{
	struct stat st;

	return path[0] && !stat(path, &st) &&
	       (st.st_mtim.tv_sec > built->st_mtim.tv_sec ||
		(st.st_mtim.tv_sec == built->st_mtim.tv_sec &&
		 st.st_mtim.tv_nsec > built->st_mtim.tv_nsec));
}

void sip_tls_reload_note(const struct rtpe_cfg *run, const struct rtpe_cfg *next)
{
	char dir[256], agent[300];
	struct stat built;
	bool tls = false;

	for (int i = 0; i < run->n_sip_listen; i++)
		tls |= !strcmp(run->sip_listen[i].transport, "tls");
	if (!tls || sip_tls_dir(run, dir, sizeof(dir)))
		return;
	snprintf(agent, sizeof(agent), "%s/agent.pem", dir);
	if (strcmp(run->tls_cert, next->tls_cert) || strcmp(run->tls_key, next->tls_key) ||
	    strcmp(run->tls_ca, next->tls_ca) || run->tls_verify != next->tls_verify)
		log_warn("sip: reload: [sip] tls_cert, tls_key, tls_ca or tls_verify changed: TLS keeps what it started with until rtpedged restarts");
	else if (!stat(agent, &built) && (newer(next->tls_cert, &built) ||
					  newer(next->tls_key, &built) ||
					  newer(next->tls_ca, &built)))
		log_warn("sip: reload: the TLS certificate, key or CA file changed since the start: TLS keeps the old ones until rtpedged restarts");
}

/* ---- requests sent over TLS ---------------------------------------------------- */

static bool hop_is_tls(url_t const *u)
{
	char tp[8];

	if (!u)
		return false;
	if (u->url_type == url_sips)
		return true;
	return u->url_params && url_param(u->url_params, "transport", tp, sizeof(tp)) > 0 &&
	       !strcasecmp(tp, "tls");
}

void sip_tls_unwatch(struct sip_tr *tr)
{
	if (tr->ttimer)
		su_timer_destroy(tr->ttimer);
	tr->ttimer = NULL;
}

/* No verified TLS connection: the request goes to the next SBC address, or
 * ends with 503 (a new call ends, its sessions freed). */
static void tls_failed(struct sip_tr *tr)
{
	struct sip_call *c = tr->call;
	char a[64] = "?";

	if (tr->hop && tr->hop->url_host)
		snprintf(a, sizeof(a), "%s:%s", tr->hop->url_host,
			 tr->hop->url_port ? tr->hop->url_port : "5061");
	sip_count(&tr->sp->st.tls_failures);
	log_warn("sip: %s: TLS to %s failed: no verified connection within %d ms (its certificate not trusted by tls_ca, the handshake refused, or no answer)",
		 c ? c->call_id : "-", a, TLS_CHECK_MS);
	if (tr_failover(tr, "TLS failed"))
		return;
	tr_ref(tr);
	nta_outgoing_destroy(tr->orq);
	tr->orq = NULL;
	if (c && tr->initial && c->state != CALL_ENDED) {
		call_result(c, tr->cancelled ? SIP_R_cancelled : SIP_R_failed);
		call_set_state(c, CALL_ENDED);
		call_push(c, STEP_END, NULL, NULL, 0);
	}
	if (tr->final || !tr->irq)
		tr_done(tr);
	else
		tr_reply(tr, 503, "TLS Connection Failed");
	tr_unref(tr);
}

static void on_tls_check(struct sip *sp, su_timer_t *t, struct sip_tr *tr)
{
	tport_t *tp;
	bool up;

	sip_tls_unwatch(tr);
	if (tr->heard || tr->done || !tr->orq)
		return;
	tp = nta_outgoing_transport(tr->orq);
	up = tp && tport_is_connected(tp) && !tport_is_closed(tp);
	if (tp)
		tport_unref(tp);
	if (!up)
		tls_failed(tr);
}

void sip_tls_watch(struct sip_tr *tr)
{
	sip_tls_unwatch(tr);
	if (!tr->orq || !hop_is_tls(tr->hop))
		return;
	tr->ttimer = su_timer_create(su_root_task(tr->sp->root), TLS_CHECK_MS);
	if (tr->ttimer && su_timer_set(tr->ttimer, on_tls_check, tr) < 0)
		sip_tls_unwatch(tr);
}
