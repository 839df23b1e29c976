/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_rr.h - what the proxy writes into its Record-Route URIs so that an
 * in-dialog request finds its call with no dialog state in memory (a
 * restarted daemon routes a BYE or re-INVITE and ends or changes the right
 * media sessions): the sessions by m= line, the call's direction, trunk
 * and region, and which side the URI faces.
 *
 *   <sip:198.18.2.1:5060;lr;rtpe=17.0.18;rd=t2r;rt=pbx;rg=vapi-us;rs=b;rh=1f0c...>
 *
 * rh signs the rest: HMAC-SHA256 (its first 128 bits, in hex) with the
 * proxy's secret over the Call-ID and the parameters as the proxy writes
 * them, so that a Route whose parameters were edited (another call's
 * session ids) or copied into another Call-ID is refused. The secret is 32
 * random bytes kept in a 0600 file next to the state file (sip_rr_key.c),
 * so that the Routes of calls in progress still verify after a restart.
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

#define SIP_RR_KEY_LEN 32  /* bytes of the secret */
#define SIP_RR_MAC_LEN 16  /* bytes of the HMAC kept in rh (hex: twice as many) */

struct sip_rr {
	uint32_t ids[SDP_MAX_STREAMS]; /* media session by m= line, 0: none */
	int n_ids;
	enum sip_dir dir;
	char trunk[CFG_NAME_LEN], region[CFG_NAME_LEN]; /* "" when unknown */
	int side;                      /* the side the URI faces: 0 caller, 1 callee */
	char mac[2 * SIP_RR_MAC_LEN + 1]; /* rh as read ("" when absent or malformed) */
};

/* The URI parameters of r facing side (no leading ';'), signed for call_id:
 * "lr;rtpe=...;rs=a;rh=...". Its length, or -ENOSPC. */
int sip_rr_params(const struct sip_rr *r, int side, const char *call_id, char *buf, size_t len);

/* Whether r (read by sip_rr_parse) carries the signature the proxy gives
 * its parameters in a request of call_id (constant-time compare). */
bool sip_rr_verify(const struct sip_rr *r, const char *call_id);

/* The secret that signs and verifies (SIP_RR_KEY_LEN bytes; until it is
 * set, all zero: the fuzzer and unit tests). Set before the SIP thread
 * starts, read only after. */
void sip_rr_key_set(const uint8_t *key);

/*
 * The secret of the proxy: read from path (exactly SIP_RR_KEY_LEN bytes, a
 * regular file, not a symbolic link, mode 0600 enforced), or made with
 * getrandom and written there (0600, tmp + fsync + rename) when there is
 * none. 0, or -errno with err set (a file of another size is refused, not
 * replaced: calls in progress may still need it). (sip_rr_key.c)
 */
int sip_rr_key_load(const char *path, uint8_t *key, char *err, size_t errlen);

/* At the proxy's start: the key of STATE_FILE.key set (sip_rr_key_load);
 * when it cannot be read or made, a key of this run only (logged: the
 * Routes of calls in progress do not verify after the next restart), so
 * that the proxy still starts. (sip_rr_key.c) */
void sip_rr_key_start(const char *state_file);

/* Reads URI parameters (sofia's url_params: "a=b;c;d=e"). 0, or -EINVAL when
 * they are not the proxy's (no rs=a/b) or malformed; unknown ones are
 * skipped. */
int sip_rr_parse(const char *params, struct sip_rr *out);

#endif
