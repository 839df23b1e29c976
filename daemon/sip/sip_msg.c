// SPDX-License-Identifier: GPL-2.0
/*
 * sip_msg.c - owns the proxy's work on parsed SIP messages (sip_msg.h):
 * classification of a request, the copy that is forwarded, the
 * Record-Route, route sets, SDP bodies swapped for their rewrite. Nothing
 * here sends, waits or keeps state; what arrives may be anything a peer
 * or a fuzzer sends, so every header is checked before it is used.
 */
#include "sip/sip_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/url.h>

/* A decimal port of a URI or Via (0: none, or not a port). */
static uint16_t port_of(char const *p)
{
	unsigned long v;
	char *end;

	if (!p || !*p)
		return 0;
	v = strtoul(p, &end, 10);
	return *end || v > 65535 ? 0 : (uint16_t)v;
}

bool sip_url_is_self(const struct rtpe_cfg *c, url_t const *u)
{
	struct in_addr a;

	if (!u || !u->url_host || inet_pton(AF_INET, u->url_host, &a) != 1)
		return false;
	return sip_route_is_self(c, a, port_of(u->url_port));
}

bool sip_route_ours(const struct rtpe_cfg *c, sip_route_t const *r, struct sip_rr *rr)
{
	return r && sip_url_is_self(c, r->r_url) && !sip_rr_parse(r->r_url->url_params, rr);
}

/*
 * RFC 3261 16.3 step 4: a new request that already carries the proxy's
 * Record-Route, or a Via the proxy wrote below the sender's, has been
 * here before.
 */
static bool looped(const struct rtpe_cfg *c, sip_t const *sip)
{
	struct sip_rr rr;

	for (sip_record_route_t const *r = sip->sip_record_route; r; r = r->r_next)
		if (sip_route_ours(c, r, &rr))
			return true;
	for (sip_via_t const *v = sip->sip_via ? sip->sip_via->v_next : NULL; v; v = v->v_next) {
		struct in_addr a;

		if (v->v_host && inet_pton(AF_INET, v->v_host, &a) == 1 &&
		    sip_route_is_self(c, a, port_of(v->v_port)) && v->v_branch &&
		    !strncmp(v->v_branch, "z9hG4bK", 7))
			return true;
	}
	return false;
}

bool sip_path_target(const struct rtpe_cfg *c, sip_route_t const *r, struct in_addr *addr,
		     uint16_t *port)
{
	char v[40], *dash;
	unsigned long p;

	if (!r || !sip_url_is_self(c, r->r_url) || !r->r_url->url_params ||
	    !url_param(r->r_url->url_params, "rtpe-pbx", v, sizeof(v)))
		return false;
	dash = strchr(v, '-');
	if (!dash)
		return false;
	*dash = 0;
	p = strtoul(dash + 1, &dash, 10);
	return !*dash && p && p < 65536 && inet_pton(AF_INET, v, addr) == 1 &&
	       (*port = (uint16_t)p);
}

/* A call from a region to a PBX that registered through the proxy: its
 * Route is the Path the proxy gave the REGISTER; it goes to the address
 * the REGISTER came from, the trunk of that address. */
static bool route_by_path(const struct rtpe_cfg *c, sip_t const *sip, struct sip_class *out)
{
	struct sip_call_route *rt = &out->rt;
	struct sip_source t;
	struct in_addr a;
	uint16_t port;

	if (!sip_path_target(c, sip->sip_route, &a, &port) || sip_route_source(c, a, &t) ||
	    t.trunk < 0 || c->trunks[t.trunk].region != rt->region)
		return false;
	out->by_path = true;
	out->path_addr = a;
	out->path_port = port;
	rt->trunk = t.trunk;
	rt->addr = a;
	rt->port = port;
	memcpy(rt->transport, c->trunks[t.trunk].transport, sizeof(rt->transport));
	rt->iface[1] = c->trunks[t.trunk].iface;
	return true;
}

static bool has_to_tag(sip_t const *sip)
{
	return sip->sip_to && sip->sip_to->a_tag;
}

/*
 * An out-of-dialog OPTIONS the proxy answers itself (200): one naming the
 * proxy (with a user part or not), and every one from a region's SBC,
 * whose keep-alive pings (Infobip's every 60 s, to whatever URI its trunk
 * names, often a public address behind NAT) take the trunk out of service
 * when unanswered. A trunk's OPTIONS to another URI is forwarded.
 */
static bool options_for_us(const struct rtpe_cfg *c, sip_t const *sip,
			   const struct sip_source *from)
{
	if (sip->sip_request->rq_method != sip_method_options || has_to_tag(sip))
		return false;
	return from->region >= 0 || sip_url_is_self(c, sip->sip_request->rq_url);
}

static void answer(struct sip_class *out, int status, const char *why)
{
	out->kind = SIP_K_ANSWER;
	out->status = status;
	out->why = why;
}

static void classify(const struct rtpe_cfg *c, sip_t const *sip, struct in_addr src,
		     bool use_path, struct sip_class *out)
{
	struct sip_source from;
	sip_method_t m;
	url_t const *ruri;
	int e;

	memset(out, 0, sizeof(*out));
	if (sip_route_source(c, src, &from))
		return answer(out, 403, "not a trunk's or a region's address");
	if (!sip->sip_request || !sip->sip_call_id ||
	    !sip->sip_call_id->i_id || !sip->sip_from || !sip->sip_to || !sip->sip_cseq ||
	    !sip->sip_via)
		return answer(out, 400, "a mandatory header is missing");
	m = sip->sip_request->rq_method;
	ruri = sip->sip_request->rq_url;
	if (options_for_us(c, sip, &from))
		return answer(out, 200, "OPTIONS to the proxy");
	if (sip->sip_max_forwards && !sip->sip_max_forwards->mf_count)
		return answer(out, 483, "Max-Forwards is 0");
	if (has_to_tag(sip) || m == sip_method_ack) {
		out->kind = SIP_K_DIALOG;
		out->ours = sip_route_ours(c, sip->sip_route, &out->rr);
		if (!out->ours && sip_url_is_self(c, ruri))
			return answer(out, 481, "in a dialog the proxy does not route");
		if (out->ours && !sip_rr_verify(&out->rr, sip->sip_call_id->i_id)) {
			out->forged = true;
			return answer(out, 403, "its Route's signature does not verify");
		}
		return;
	}
	if (looped(c, sip))
		return answer(out, 482, "it has been here before");
	e = sip_route_call(c, src, ruri->url_user, &out->rt);
	if (from.region >= 0 && (!e || e == -ENOENT)) {
		out->rt.iface[0] = c->regions[from.region].iface;
		if (use_path && route_by_path(c, sip, out))
			e = 0;
	}
	if (e == -ENOENT)
		return answer(out, 404, "no trunk takes this number");
	if (e == -EHOSTUNREACH)
		return answer(out, 503, "its region has no SBC address");
	if (e)
		return answer(out, 403, "refused");
	out->kind = SIP_K_NEW;
}

void sip_classify(const struct rtpe_cfg *c, sip_t const *sip, struct in_addr src,
		  struct sip_class *out)
{
	classify(c, sip, src, true, out);
}

void sip_classify_by_number(const struct rtpe_cfg *c, sip_t const *sip, struct in_addr src,
			    struct sip_class *out)
{
	classify(c, sip, src, false, out);
}

msg_t *sip_fwd_copy(const struct rtpe_cfg *c, msg_t *in)
{
	msg_t *msg = msg_dup(in);
	sip_t *sip = msg ? sip_object(msg) : NULL;
	struct sip_rr rr;

	if (!sip) {
		if (msg)
			msg_destroy(msg);
		return NULL;
	}
	if (sip->sip_max_forwards) {
		if (sip->sip_max_forwards->mf_count)
			sip->sip_max_forwards->mf_count--;
		msg_fragment_clear(sip->sip_max_forwards->mf_common);
	} else {
		sip_add_tl(msg, sip, SIPTAG_MAX_FORWARDS_STR("70"), TAG_END());
	}
	while (sip_route_ours(c, sip->sip_route, &rr))
		sip_route_remove(msg, sip);
	{
		struct in_addr a;
		uint16_t p;

		if (sip_path_target(c, sip->sip_route, &a, &p)) /* the Path it registered */
			sip_route_remove(msg, sip);
	}
	return msg;
}

int sip_request_retarget(msg_t *msg, const struct sip_call_route *rt)
{
	sip_t *sip = sip_object(msg);
	url_t const *in = sip->sip_request->rq_url;
	su_home_t *home = msg_home(msg);
	char host[INET_ADDRSTRLEN], *s;
	sip_request_t *rq;
	url_t *u;
	bool udp = !strcmp(rt->transport, "udp");

	inet_ntop(AF_INET, &rt->addr, host, sizeof(host));
	s = su_sprintf(home, "sip:%s%s%s:%u%s%s", in->url_user ? in->url_user : "",
		       in->url_user ? "@" : "", host, rt->port, udp ? "" : ";transport=",
		       udp ? "" : rt->transport);
	u = s ? url_make(home, s) : NULL;
	rq = u ? sip_request_create(home, sip->sip_request->rq_method,
				    sip->sip_request->rq_method_name, (url_string_t const *)u,
				    NULL) : NULL;
	return rq ? msg_header_replace(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_request,
				       (msg_header_t *)rq) : -1;
}

url_t const *sip_next_hop(msg_t *msg)
{
	sip_t *sip = sip_object(msg);

	if (sip->sip_route && url_has_param(sip->sip_route->r_url, "lr"))
		return sip->sip_route->r_url;
	return sip->sip_request->rq_url;
}

int sip_record_route_add(msg_t *msg, const struct rtpe_cfg *c, const struct sip_rr *rr,
			 const int iface[2], const char transport[2][4])
{
	char params[2][256], ip[2][INET_ADDRSTRLEN], tp[2][20], *s;
	uint16_t port[2];
	struct in_addr a;
	sip_record_route_t *r;
	sip_t const *sip = sip_object(msg);
	char const *call_id = sip && sip->sip_call_id ? sip->sip_call_id->i_id : NULL;

	if (!call_id)
		return -1;
	for (int side = 0; side < 2; side++) {
		sip_route_self(c, iface[side], transport[side], &a, &port[side]);
		inet_ntop(AF_INET, &a, ip[side], sizeof(ip[side]));
		snprintf(tp[side], sizeof(tp[side]), "%s%s",
			 strcmp(transport[side], "udp") ? ";transport=" : "",
			 strcmp(transport[side], "udp") ? transport[side] : "");
		if (sip_rr_params(rr, side, call_id, params[side], sizeof(params[side])) < 0)
			return -1;
	}
	s = su_sprintf(msg_home(msg), "<sip:%s:%u%s;%s>, <sip:%s:%u%s;%s>", ip[1], port[1], tp[1],
		       params[1], ip[0], port[0], tp[0], params[0]);
	r = s ? sip_record_route_make(msg_home(msg), s) : NULL;
	return r ? msg_header_insert(msg, (msg_pub_t *)sip_object(msg), (msg_header_t *)r) : -1;
}

void sip_route_sets(su_home_t *home, const struct rtpe_cfg *c, sip_record_route_t const *rr,
		    sip_route_t **to_caller, sip_route_t **to_callee)
{
	sip_record_route_t const *p;
	sip_route_t **tail = to_caller, *r;
	struct sip_rr mine;

	*to_caller = *to_callee = NULL;
	for (p = rr; p && !sip_route_ours(c, p, &mine); p = p->r_next) {
		r = sip_route_create(home, p->r_url, NULL);
		if (r) { /* prepended: the nearest comes first */
			r->r_next = *to_callee;
			*to_callee = r;
		}
	}
	if (!p) { /* not ours at all: no route sets */
		*to_callee = NULL;
		return;
	}
	while (p && sip_route_ours(c, p, &mine))
		p = p->r_next;
	for (; p; p = p->r_next) {
		r = sip_route_create(home, p->r_url, NULL);
		if (r) {
			*tail = r;
			tail = &r->r_next;
		}
	}
}

bool sip_has_sdp(sip_t const *sip)
{
	return sip->sip_payload && sip->sip_payload->pl_data && sip->sip_payload->pl_len &&
	       (!sip->sip_content_type || !sip->sip_content_type->c_type ||
		!strcasecmp(sip->sip_content_type->c_type, "application/sdp"));
}

int sip_body_rewrite(msg_t *msg, const struct sdp_desc *desc, const struct sdp_anchor *anchors)
{
	sip_t *sip = sip_object(msg);
	size_t len = sip->sip_payload->pl_len, room = SDP_REWRITE_SPACE(len);
	char *out = malloc(room);
	sip_payload_t *pl;
	int n = out ? sdp_rewrite(sip->sip_payload->pl_data, len, desc, anchors, out, room) : -1;

	if (n < 0) {
		free(out);
		return -1;
	}
	pl = sip_payload_create(msg_home(msg), out, (isize_t)n);
	explicit_bzero(out, (size_t)n); /* it may hold SRTP keys */
	free(out);
	if (!pl || msg_header_replace(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_payload,
				      (msg_header_t *)pl))
		return -1;
	return sip_add_tl(msg, sip, SIPTAG_CONTENT_LENGTH(sip_content_length_create(
					    msg_home(msg), (uint32_t)n)), TAG_END()) < 0 ? -1 : 0;
}

int sip_cseq_shift(msg_t *msg, int32_t delta)
{
	sip_t *sip = sip_object(msg);
	sip_cseq_t *cs;

	if (!sip || !sip->sip_cseq)
		return -1;
	cs = sip_cseq_create(msg_home(msg), sip->sip_cseq->cs_seq + (uint32_t)delta,
			     sip->sip_cseq->cs_method, sip->sip_cseq->cs_method_name);
	return cs ? msg_header_replace(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_cseq,
				       (msg_header_t *)cs) : -1;
}

