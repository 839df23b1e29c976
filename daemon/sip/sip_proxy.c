// SPDX-License-Identifier: GPL-2.0
/*
 * sip_proxy.c - owns requests coming in: the checks each passes (source,
 * mandatory headers, Max-Forwards, loops), and the choice between a new
 * call or out-of-dialog request (routed by the config: sip_route.c) and an
 * in-dialog request (routed by its Route: loose routing, the proxy's own
 * entries carrying the call's media sessions, so that a restarted daemon
 * still finds them). Every request reaches sip_on_request through the
 * agent's default leg (sip_thread.c).
 */
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

#include "core/clock.h"
#include "core/log.h"
#include "sip/sip_msg.h"

static enum sip_method_id method_id(sip_method_t m)
{
	switch (m) {
	case sip_method_invite: return SIP_INVITE;
	case sip_method_ack: return SIP_ACK;
	case sip_method_bye: return SIP_BYE;
	case sip_method_cancel: return SIP_CANCEL;
	case sip_method_options: return SIP_OPTIONS;
	case sip_method_register: return SIP_REGISTER;
	case sip_method_prack: return SIP_PRACK;
	case sip_method_update: return SIP_UPDATE;
	case sip_method_info: return SIP_INFO;
	case sip_method_refer: return SIP_REFER;
	case sip_method_notify: return SIP_NOTIFY;
	case sip_method_subscribe: return SIP_SUBSCRIBE;
	case sip_method_message: return SIP_MESSAGE;
	case sip_method_publish: return SIP_PUBLISH;
	default: return SIP_OTHER;
	}
}

struct in_addr sip_msg_source(msg_t *msg)
{
	su_addrinfo_t *ai = msg_addrinfo(msg);
	struct in_addr a = { 0 };

	if (ai && ai->ai_addr && ai->ai_family == AF_INET)
		a = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	return a;
}

/* ---- a new call or an out-of-dialog request --------------------------------------- */

/* Records the route decided for a new call. */
static void call_routed(struct sip *sp, struct sip_call *c, const struct sip_call_route *rt,
			sip_t const *sip)
{
	const char *in_tp = sip->sip_via && sip->sip_via->v_protocol ?
				    strrchr(sip->sip_via->v_protocol, '/') : NULL;

	c->iface[0] = rt->iface[0];
	c->iface[1] = rt->iface[1];
	snprintf(c->trunk, sizeof(c->trunk), "%s", sp->cfg->trunks[rt->trunk].name);
	snprintf(c->region, sizeof(c->region), "%s", sp->cfg->regions[rt->region].name);
	snprintf(c->transport[0], sizeof(c->transport[0]), "%s",
		 !in_tp ? "udp" : !strcasecmp(in_tp + 1, "TCP") ? "tcp" :
		 !strcasecmp(in_tp + 1, "TLS") ? "tls" : "udp");
	snprintf(c->transport[1], sizeof(c->transport[1]), "%s", rt->transport);
	if (rt->dir == SIP_DIR_T2R) /* the trunk's credentials, else its region's */
		c->auth = sp->cfg->trunks[rt->trunk].auth.user[0] ? sp->cfg->trunks[rt->trunk].auth :
								   sp->cfg->regions[rt->region].auth;
}

/*
 * A trunk's REGISTER goes to its region with a Path (RFC 3327) naming the
 * proxy on the region's side and, in rtpe-pbx, the address and port the
 * REGISTER came from: the registrar's calls to the PBX carry it as their
 * Route, and the proxy sends them there (through the PBX's NAT).
 */
static void add_path(struct sip *sp, msg_t *out, msg_t *in, const struct sip_call_route *rt)
{
	su_addrinfo_t *ai = msg_addrinfo(in);
	struct sockaddr_in *sa = ai && ai->ai_addr && ai->ai_family == AF_INET ?
					 (struct sockaddr_in *)ai->ai_addr : NULL;
	char self[INET_ADDRSTRLEN], pbx[INET_ADDRSTRLEN], path[160];
	struct in_addr a;
	uint16_t port;
	bool udp = !strcmp(rt->transport, "udp");

	if (!sa)
		return;
	sip_route_self(sp->cfg, rt->iface[1], rt->transport, &a, &port);
	inet_ntop(AF_INET, &a, self, sizeof(self));
	inet_ntop(AF_INET, &sa->sin_addr, pbx, sizeof(pbx));
	snprintf(path, sizeof(path), "<sip:%s:%u;lr;rtpe-pbx=%s-%u%s%s>", self, port, pbx,
		 ntohs(sa->sin_port), udp ? "" : ";transport=", udp ? "" : rt->transport);
	reg_note(sp, sip_object(in), rt, sa);
	if (sip_add_tl(out, sip_object(out), SIPTAG_PATH_STR(path), TAG_END()) < 0)
		log_warn("sip: REGISTER from %s: cannot add a Path", pbx);
	else
		log_info("sip: REGISTER from %s:%u relayed with Path %s", pbx, ntohs(sa->sin_port),
			 path);
}

static int request_new(struct sip *sp, nta_incoming_t *irq, sip_t const *sip, msg_t *msg,
		       const struct sip_call_route *route)
{
	struct sip_call_route r = *route, *rt = &r;
	struct sip_call *c = NULL;
	uint32_t tried = 0;
	struct sip_tr *tr;
	int sbc = -1;

	if (rt->dir == SIP_DIR_T2R) /* the region's SBC address by its health and strategy */
		sbc = health_pick(sp, rt->region, &tried, &rt->addr, &rt->port);

	if (sip->sip_request->rq_method == sip_method_invite) {
		c = call_find(sp, sip->sip_call_id->i_id);
		if (c && c->state != CALL_ENDED)
			return 482; /* a second INVITE without To tag: merged */
		c = call_new(sp, sip, rt->dir);
		if (!c)
			return 500;
		call_routed(sp, c, rt, sip);
	}
	tr = tr_new(sp, irq, sip);
	if (!tr) {
		if (c)
			call_unref(c);
		return 500;
	}
	tr->side = 0;
	tr->initial = true;
	if (sbc >= 0) {
		tr->region = rt->region;
		tr->sbc = sbc;
		tr->tried = tried;
	}
	tr->req = sip_fwd_copy(sp->cfg, msg);
	if (!tr->req || sip_request_retarget(tr->req, rt)) {
		tr_reply(tr, 500, "Cannot Forward");
		tr_done(tr);
		if (c)
			call_unref(c);
		tr_unref(tr);
		return 0;
	}
	tr->hop = sip_next_hop(tr->req);
	if (sip->sip_request->rq_method == sip_method_register && rt->dir == SIP_DIR_T2R)
		add_path(sp, tr->req, msg, rt);
	if (!c) { /* OPTIONS, MESSAGE, SUBSCRIBE...: no media, no call */
		tr_forward(tr);
		tr_unref(tr);
		return 0;
	}
	tr->call = c; /* the table's reference is the call's; tr takes its own */
	call_ref(c);
	tr_reply(tr, 100, "Trying");
	bye_learn_request(c, sip);
	call_push(c, STEP_REQUEST, tr, NULL, 0);
	tr_unref(tr);
	call_unref(c);
	return 0;
}

/* ---- in-dialog requests ----------------------------------------------------------- */

/* The call of an in-dialog request: in the table, or rebuilt from the
 * proxy's Route entry after a restart (requests that change or end media
 * only). NULL when it has none. */
static struct sip_call *call_of(struct sip *sp, sip_t const *sip, const struct sip_rr *rr)
{
	struct sip_call *c = call_find(sp, sip->sip_call_id->i_id);
	sip_method_t m = sip->sip_request->rq_method;
	int t, r;

	if (c) {
		call_ref(c);
		return c;
	}
	if (!rr || !rr->n_ids || (m != sip_method_bye && m != sip_method_invite &&
				  m != sip_method_update && m != sip_method_prack &&
				  m != sip_method_ack))
		return NULL;
	c = call_new(sp, sip, rr->dir);
	if (!c)
		return NULL;
	c->restored = true;
	memcpy(c->ids, rr->ids, sizeof(c->ids));
	c->n_ids = rr->n_ids;
	snprintf(c->trunk, sizeof(c->trunk), "%s", rr->trunk);
	snprintf(c->region, sizeof(c->region), "%s", rr->region);
	t = -1;
	for (int i = 0; i < sp->cfg->n_trunks; i++)
		if (!strcmp(sp->cfg->trunks[i].name, rr->trunk))
			t = i;
	r = t >= 0 ? sp->cfg->trunks[t].region : -1;
	for (int i = 0; i < sp->cfg->n_regions; i++)
		if (!strcmp(sp->cfg->regions[i].name, rr->region))
			r = i;
	if (t >= 0 && r >= 0) {
		c->iface[rr->dir == SIP_DIR_T2R ? 0 : 1] = sp->cfg->trunks[t].iface;
		c->iface[rr->dir == SIP_DIR_T2R ? 1 : 0] = sp->cfg->regions[r].iface;
	}
	call_set_state(c, CALL_CONFIRMED);
	log_info("sip: call %s restored from its Route: sessions s-%u..., %s", c->call_id,
		 c->ids[0], sip_dir_name(c->dir));
	return c;
}

/* What the call learns from one of its in-dialog requests. */
static void call_heard(struct sip_call *c, sip_t const *sip, int side)
{
	bool moved = false;

	if (sip->sip_cseq && sip->sip_cseq->cs_seq > c->cseq[side]) {
		c->cseq[side] = sip->sip_cseq->cs_seq;
		moved = true;
	}
	if (sip->sip_contact && (sip->sip_request->rq_method == sip_method_invite ||
				 sip->sip_request->rq_method == sip_method_update)) {
		c->target[side] = url_hdup(c->home, sip->sip_contact->m_url); /* target refresh */
		moved = true;
	}
	if (moved && sip->sip_request->rq_method != sip_method_bye)
		dialog_save(c); /* the state file follows (a BYE after a restart) */
}

/* The side a request without the proxy's Route comes from: by its source. */
static int side_by_source(struct sip *sp, struct sip_call *c, struct in_addr src)
{
	struct sip_source s;

	if (sip_route_source(sp->cfg, src, &s))
		return 0;
	return (s.region >= 0) == (c->dir == SIP_DIR_T2R);
}

static int request_in_dialog(struct sip *sp, nta_incoming_t *irq, sip_t const *sip, msg_t *msg,
			     struct in_addr src, const struct sip_class *k)
{
	struct sip_call *c = call_of(sp, sip, k->ours ? &k->rr : NULL);
	struct sip_tr *tr = tr_new(sp, irq, sip);

	if (!tr) {
		if (c)
			call_unref(c);
		return 500;
	}
	tr->side = k->ours ? k->rr.side : c ? side_by_source(sp, c, src) : 0;
	tr->stateless = sip->sip_request->rq_method == sip_method_ack;
	tr->req = sip_fwd_copy(sp->cfg, msg);
	if (tr->req && c && tr->side == 0 && c->cseq_add) {
		tr->cseq_add = c->cseq_add; /* the callee saw the proxy's answer to its challenge */
		if (sip_cseq_shift(tr->req, (int32_t)tr->cseq_add)) {
			msg_destroy(tr->req);
			tr->req = NULL;
		}
	}
	if (!tr->req) {
		tr_reply(tr, 500, "Cannot Forward");
		tr_done(tr);
		tr_unref(tr);
		if (c)
			call_unref(c);
		return 0;
	}
	tr->hop = sip_next_hop(tr->req);
	if (!c) {
		tr_forward(tr);
		tr_unref(tr);
		return 0;
	}
	tr->call = c; /* our reference goes to tr */
	call_heard(c, sip, tr->side);
	if (sip->sip_request->rq_method == sip_method_invite)
		tr_reply(tr, 100, "Trying");
	call_push(c, STEP_REQUEST, tr, NULL, tr->side);
	tr_unref(tr);
	return 0;
}

/* ---- every request ---------------------------------------------------------------- */

/* The default leg's callback: each request outside nta's own transactions.
 * Returns a status nta answers with, or 0 when the request is ours. */
int sip_on_request(struct sip *sp, nta_leg_t *leg, nta_incoming_t *irq, sip_t const *sip)
{
	msg_t *msg = nta_incoming_getrequest(irq);
	sip_method_t m = sip->sip_request->rq_method;
	struct in_addr src = sip_msg_source(msg);
	struct sip_class k;
	char a[INET_ADDRSTRLEN];
	int status;

	sip_count(&sp->st.requests[method_id(m)]);
	sip_classify(sp->cfg, sip, src, &k);
	if (k.kind == SIP_K_NEW && k.by_path && reg_path_ended(sp, k.path_addr, k.path_port)) {
		inet_ntop(AF_INET, &k.path_addr, a, sizeof(a));
		log_info("sip: %s %s: its Path names %s:%u, whose registration ended: routed by "
			 "its number", sip->sip_request->rq_method_name, sip->sip_call_id->i_id, a,
			 k.path_port);
		sip_classify_by_number(sp->cfg, sip, src, &k);
	}
	if (k.kind == SIP_K_ANSWER) {
		status = k.status;
		if (k.forged)
			sip_count(&sp->st.rejected[SIP_J_route_signature]);
		else if (status == 403)
			sip_count(&sp->st.forbidden);
		if (status >= 300) {
			inet_ntop(AF_INET, &src, a, sizeof(a));
			log_info("sip: %s %s from %s: %s (%d)", sip->sip_request->rq_method_name,
				 sip->sip_call_id ? sip->sip_call_id->i_id : "-", a, k.why, status);
		}
	} else if (k.kind == SIP_K_DIALOG) {
		status = request_in_dialog(sp, irq, sip, msg, src, &k);
	} else {
		status = request_new(sp, irq, sip, msg, &k.rt);
	}
	msg_destroy(msg);
	if (m == sip_method_ack) {
		if (status)
			nta_incoming_destroy(irq);
		return 0; /* never answered */
	}
	if (status)
		sip_count_response(sp, status);
	if (status >= 300 && m == sip_method_invite && k.kind != SIP_K_DIALOG)
		sip_count(&sp->st.calls[SIP_R_refused]); /* a new call the proxy said no to */
	return status;
}
