// SPDX-License-Identifier: GPL-2.0
/*
 * sip_bye.c - owns the proxy's own BYEs: when a call's media times out
 * (the sweep found no packet for session_timeout), both ends are told with
 * a BYE each, as their dialog would send it: the caller's From and the
 * callee's To (with their tags), each side's Contact as the Request-URI,
 * the route set the Record-Route of the answer gives towards that side,
 * and a CSeq above what that side's peer sent (towards the callee, as the
 * callee numbers them: the caller's plus the proxy's + 1 after a digest
 * retry).
 *
 * The call learns this from its INVITE and its 2xx, and keeps it with its
 * sessions in the state file (sip_dialog.c): a call the proxy knows no
 * more after a restart, or rebuilt from a Route, reads it back at the
 * timeout and sends its BYEs all the same.
 */
#include "sip/sip_int.h"

#include <stdio.h>
#include <string.h>

#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>

#include "core/log.h"

void bye_learn_request(struct sip_call *c, sip_t const *sip)
{
	c->from = sip_from_dup(c->home, sip->sip_from);
	if (sip->sip_contact)
		c->target[0] = url_hdup(c->home, sip->sip_contact->m_url);
	if (sip->sip_cseq)
		c->cseq[0] = sip->sip_cseq->cs_seq;
}

void bye_learn_answer(struct sip_call *c, sip_t const *sip)
{
	c->to = sip_to_dup(c->home, sip->sip_to);
	if (sip->sip_contact)
		c->target[1] = url_hdup(c->home, sip->sip_contact->m_url);
	sip_route_sets(c->home, c->sp->cfg, sip->sip_record_route, &c->route[0], &c->route[1]);
	dialog_save(c); /* into the state file: the BYEs after a restart */
}

static int on_bye_response(struct sip_tr *magic, nta_outgoing_t *orq, sip_t const *sip)
{
	int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);

	if (status >= 200)
		nta_outgoing_destroy(orq);
	return 0;
}

/* A BYE to side (0 caller, 1 callee) as the other side would send it. */
static void send_bye(struct sip_call *c, int side)
{
	su_home_t *home = c->home;
	url_t const *target = c->target[side], *hop;
	sip_route_t *route = c->route[side];
	sip_from_t *from;
	sip_to_t *to;
	sip_cseq_t *cseq;
	sip_via_t *via;
	nta_outgoing_t *orq;

	if (!target) {
		log_warn("sip: call %s: no Contact of the %s: no BYE to it", c->call_id,
			 side ? "callee" : "caller");
		return;
	}
	hop = route ? route->r_url : target;
	via = sip_via_self(c->sp->cfg, home, hop); /* on 0.0.0.0: the leaving interface */
	if (side) {
		from = c->from;
		to = c->to;
	} else {
		from = sip_from_create(home, (url_string_t const *)c->to->a_url);
		to = sip_to_create(home, (url_string_t const *)c->from->a_url);
		if (from && c->to->a_tag)
			sip_from_tag(home, from, c->to->a_tag);
		if (to && c->from->a_tag)
			sip_to_tag(home, to, c->from->a_tag);
	}
	/* towards the callee, the caller's numbers as the callee saw them: + 1
	 * once the proxy answered a challenge for the INVITE */
	cseq = sip_cseq_create(home, c->cseq[1 - side] + (side ? c->cseq_add : 0) + 1,
			       SIP_METHOD_BYE);
	orq = from && to && cseq ?
		      nta_outgoing_tcreate(c->sp->leg, on_bye_response, NULL, (url_string_t const *)hop,
					   SIP_METHOD_BYE, (url_string_t const *)target,
					   SIPTAG_CALL_ID_STR(c->call_id), SIPTAG_FROM(from),
					   SIPTAG_TO(to), SIPTAG_CSEQ(cseq), SIPTAG_ROUTE(route),
					   SIPTAG_MAX_FORWARDS_STR("70"),
					   SIPTAG_REASON_STR("SIP;cause=408;text=\"media timeout\""),
					   TAG_IF(via, SIPTAG_VIA(via)), NTATAG_USER_VIA(via != NULL),
					   TAG_END()) : NULL;
	if (!orq)
		log_warn("sip: call %s: cannot send BYE to the %s", c->call_id,
			 side ? "callee" : "caller");
	else
		sip_count(&c->sp->st.requests[SIP_BYE]);
}

void bye_both_ways(struct sip_call *c)
{
	log_info("sip: call %s: media timed out: %s", c->call_id,
		 c->state == CALL_CONFIRMED && c->from && c->to ? "BYE both ways" :
		 "ending its media (no dialog known)");
	if (c->state == CALL_CONFIRMED && c->from && c->to) {
		send_bye(c, 1);
		send_bye(c, 0);
	}
	sip_count(&c->sp->st.ended[SIP_E_media_timeout]);
	call_set_state(c, CALL_ENDED);
	call_push(c, STEP_END, NULL, NULL, 0);
}
