/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_rr.h - what the proxy writes into its Record-Route URIs so that an
 * in-dialog request finds its call with no dialog state in memory (a
 * restarted daemon routes a BYE or re-INVITE and ends or changes the right
 * media sessions): the sessions by m= line, the call's direction, trunk
 * and region, and which side the URI faces.
 *
 *   <sip:198.18.2.1:5060;lr;rtpe=17.0.18;rd=t2r;rt=pbx;rg=vapi-us;rs=b>
 *
 * The proxy record-routes twice (RFC 5658): the top entry faces the callee
 * (rs=b), the next the caller (rs=a); each side's route set then starts
 * with the entry facing it, so the top Route of an in-dialog request names
 * the side it came from. Pure text work, no sofia.
 */
#ifndef RTPE_SIP_RR_H
#define RTPE_SIP_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "sip/sdp_anchor.h"
#include "sip/sip_route.h"

struct sip_rr {
	uint32_t ids[SDP_MAX_STREAMS]; /* media session by m= line, 0: none */
	int n_ids;
	enum sip_dir dir;
	char trunk[CFG_NAME_LEN], region[CFG_NAME_LEN]; /* "" when unknown */
	int side;                      /* the side the URI faces: 0 caller, 1 callee */
};

/* The URI parameters of r facing side (no leading ';'): "lr;rtpe=...;rs=a".
 * Its length, or -ENOSPC. */
int sip_rr_params(const struct sip_rr *r, int side, char *buf, size_t len);

/* Reads URI parameters (sofia's url_params: "a=b;c;d=e"). 0, or -EINVAL when
 * they are not the proxy's (no rs=a/b) or malformed; unknown ones are
 * skipped. */
int sip_rr_parse(const char *params, struct sip_rr *out);

#endif
