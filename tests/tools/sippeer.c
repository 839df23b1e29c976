// SPDX-License-Identifier: GPL-2.0
/*
 * sippeer - a SIP user agent for the TLS tests, on sofia-sip's nua with its
 * own TLS transport (Debian's sipp has none): one call placed (--call URI)
 * or one taken (without --call), its SDP written by the peer itself (no
 * media engine: the test's probes send the RTP to the endpoints the SDP
 * names). What it sees goes to stdout, one line each, for the test to grep:
 *
 *   offer c=IP m=PORT         the SDP of an INVITE taken
 *   answer c=IP m=PORT        the SDP of a 2xx to the INVITE placed
 *   sdp: LINE                 every line of those SDPs
 *   rr: RECORD-ROUTE          the Record-Route of that INVITE or 2xx
 *   via: VIA                  the top Via of an INVITE taken
 *   status NNN                the final response to the INVITE placed
 *   bye NNN                   the BYE sent and its response, or "bye in"
 *
 * Options: --bind URI (its TLS transport: sips:IP:PORT),
 * --certs DIR (agent.pem, cafile.pem), --verify (the certificate of the
 * host it connects to must chain to cafile.pem), --media IP:PORT (the
 * SDP's), --crypto LINE (an a=crypto attribute: the m= line says
 * RTP/SAVP), --hold MS (a call placed lasts this long, then BYE),
 * --timeout MS (default 20000).
 *
 * Exit status: 0 when the call was answered and ended by a BYE, 1 when it
 * was refused or timed out (the status line says which), 2 on usage or
 * setup errors.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SU_ROOT_MAGIC_T struct peer
#define NUA_MAGIC_T struct peer
#define SU_TIMER_ARG_T struct peer

#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>

struct peer {
	su_root_t *root;
	nua_t *nua;
	nua_handle_t *call;
	const char *bind, *certs, *to, *crypto;
	char media_ip[64];
	unsigned media_port, hold_ms, timeout_ms;
	bool verify;
	int rc;
	su_timer_t *hold;
};

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void end(struct peer *p, int rc)
{
	p->rc = rc;
	nua_shutdown(p->nua);
}

static char *sdp_make(const struct peer *p)
{
	static char sdp[512];

	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=sippeer 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		 "m=audio %u RTP/%s 0\r\na=rtpmap:0 PCMU/8000\r\n%s%s%sa=sendrecv\r\n",
		 p->media_ip, p->media_ip, p->media_port, p->crypto ? "SAVP" : "AVP",
		 p->crypto ? "a=" : "", p->crypto ? p->crypto : "", p->crypto ? "\r\n" : "");
	return sdp;
}

/* The SDP of msg: "KIND c=IP m=PORT", then each line. */
static void sdp_show(const char *kind, sip_t const *sip)
{
	char const *b, *e, *c, *m;
	char line[256];
	unsigned port = 0;
	char ip[64] = "?";

	if (!sip || !sip->sip_payload)
		return out("%s none", kind);
	b = sip->sip_payload->pl_data;
	e = b + sip->sip_payload->pl_len;
	c = strstr(b, "c=IN IP4 ");
	m = strstr(b, "m=audio ");
	if (c)
		sscanf(c + 9, "%63[0-9.]", ip);
	if (m)
		sscanf(m + 8, "%u", &port);
	out("%s c=%s m=%u", kind, ip, port);
	while (b < e) {
		size_t n = strcspn(b, "\r\n"), left = (size_t)(e - b);

		snprintf(line, sizeof(line), "%.*s", (int)(n < left ? n : left), b);
		if (*line)
			out("sdp: %s", line);
		b += n;
		b += strspn(b, "\r\n");
	}
}

static void rr_show(sip_t const *sip)
{
	char buf[512];

	for (sip_record_route_t const *r = sip ? sip->sip_record_route : NULL; r; r = r->r_next)
		if (sip_header_e(buf, sizeof(buf), (sip_header_t const *)r, 0) > 0)
			out("rr: %s", buf + strlen("Record-Route: "));
}

static void via_show(sip_t const *sip)
{
	char buf[512];

	if (sip && sip->sip_via &&
	    sip_header_e(buf, sizeof(buf), (sip_header_t const *)sip->sip_via, 0) > 0)
		out("via: %s", buf + strlen("Via: "));
}

static void on_hold(struct peer *p, su_timer_t *t, struct peer *arg)
{
	nua_bye(p->call, TAG_END());
}

static void on_timeout(struct peer *p, su_timer_t *t, struct peer *arg)
{
	out("status timeout");
	end(p, 1);
}

static void on_event(nua_event_t ev, int status, char const *phrase, nua_t *nua, struct peer *p,
		     nua_handle_t *nh, nua_hmagic_t *hm, sip_t const *sip, tagi_t tags[])
{
	switch (ev) {
	case nua_r_invite:
		if (status < 200)
			break;
		out("status %d", status);
		if (status >= 300)
			return end(p, 1);
		sdp_show("answer", sip);
		rr_show(sip);
		p->hold = su_timer_create(su_root_task(p->root), p->hold_ms);
		su_timer_set(p->hold, on_hold, p);
		break;
	case nua_i_invite:
		sdp_show("offer", sip);
		rr_show(sip);
		via_show(sip);
		p->call = nh;
		nua_respond(nh, 180, "Ringing", TAG_END());
		nua_respond(nh, 200, "OK", SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp_make(p)), TAG_END());
		break;
	case nua_i_bye:
		out("bye in");
		end(p, 0);
		break;
	case nua_r_bye:
		if (status < 200)
			break;
		out("bye %d", status);
		end(p, status == 200 ? 0 : 1);
		break;
	case nua_r_shutdown:
		if (status >= 200)
			su_root_break(p->root);
		break;
	default:
		break;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: sippeer --bind URI --certs DIR --media IP:PORT [--call URI]\n"
			"               [--verify] [--crypto LINE] [--hold MS] [--timeout MS]\n");
	return 2;
}

static int parse(struct peer *p, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bind", 1, NULL, 'b' }, { "certs", 1, NULL, 'C' }, { "call", 1, NULL, 'c' },
		{ "media", 1, NULL, 'm' }, { "crypto", 1, NULL, 'k' }, { "hold", 1, NULL, 'h' },
		{ "timeout", 1, NULL, 't' }, { "verify", 0, NULL, 'v' }, { NULL, 0, NULL, 0 }
	};
	int o;

	p->hold_ms = 2000;
	p->timeout_ms = 20000;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'b': p->bind = optarg; break;
		case 'C': p->certs = optarg; break;
		case 'c': p->to = optarg; break;
		case 'k': p->crypto = optarg; break;
		case 'h': p->hold_ms = (unsigned)atoi(optarg); break;
		case 't': p->timeout_ms = (unsigned)atoi(optarg); break;
		case 'v': p->verify = true; break;
		case 'm':
			if (sscanf(optarg, "%63[0-9.]:%u", p->media_ip, &p->media_port) != 2)
				return usage();
			break;
		default: return usage();
		}
	}
	return p->bind && p->certs && p->media_port ? 0 : usage();
}

int main(int argc, char **argv)
{
	struct peer p = { .rc = 1 };
	su_timer_t *deadline;

	if (parse(&p, argc, argv))
		return 2;
	su_init();
	su_log_set_level(NULL, getenv("SIPPEER_DEBUG") ? 9 : 1);
	p.root = su_root_create(&p);
	if (!p.root)
		return 2;
	p.nua = nua_create(p.root, on_event, &p, NUTAG_URL(p.bind), NUTAG_CERTIFICATE_DIR(p.certs),
			   NUTAG_MEDIA_ENABLE(0), TPTAG_TLS_VERSION(0),
			   TPTAG_TLS_VERIFY_POLICY(p.verify ? TPTLS_VERIFY_OUTGOING :
							      TPTLS_VERIFY_NONE),
			   TAG_END());
	if (!p.nua) {
		fprintf(stderr, "sippeer: cannot listen on %s with %s\n", p.bind, p.certs);
		return 2;
	}
	if (p.to) {
		char from[96];

		snprintf(from, sizeof(from), "<sip:uac@%s>", p.media_ip);
		p.call = nua_handle(p.nua, NULL, SIPTAG_TO_STR(p.to), TAG_END());
		nua_invite(p.call, SIPTAG_FROM_STR(from),
			   SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			   SIPTAG_PAYLOAD_STR(sdp_make(&p)), TAG_END());
	}
	deadline = su_timer_create(su_root_task(p.root), p.timeout_ms);
	su_timer_set(deadline, on_timeout, &p);
	su_root_run(p.root);
	su_timer_destroy(deadline);
	if (p.hold)
		su_timer_destroy(p.hold);
	nua_destroy(p.nua);
	su_root_destroy(p.root);
	su_deinit();
	return p.rc;
}
