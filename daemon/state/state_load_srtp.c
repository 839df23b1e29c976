// SPDX-License-Identifier: GPL-2.0
/*
 * state_load_srtp.c - owns reading a leg's optional fields of the state
 * file: "clock_rate", "rtcp_mux" and an SRTP leg's "srtp" object (its
 * suite, keys, failure counts and each direction's restart state, as
 * media/leg_json.c writes them). Every value is checked for type and
 * range, as state_load.c does for the rest of the leg: a wrong one refuses
 * the record. A key that is refused is never quoted.
 */
#include "state/state_load.h"

#include <string.h>
#include <json-c/json.h>

#include "rtpe_rtp.h"

/* The RTP clocks a leg may have (Hz): 8 kHz audio to 90 kHz video and
 * beyond, nothing absurd. */
#define CLOCK_MIN 1000
#define CLOCK_MAX 1000000
/* SRTCP packets a restore may move an index on by (srtp_ctx.c's bound). */
#define RTCP_SENT_MAX (1 << 20)

/* o[k] as an integer in [min, max]: 0, 1 when absent, -1 when wrong. */
static int int_in(struct json_object *o, const char *k, int64_t min, int64_t max, int64_t *v)
{
	struct json_object *j;

	if (!json_object_object_get_ex(o, k, &j))
		return 1;
	if (!json_object_is_type(j, json_type_int))
		return -1;
	*v = json_object_get_int64(j);
	return *v < min || *v > max ? -1 : 0;
}

/* A key of suite in o[k]: the whole string must be one key-params. */
static const char *key_parse(struct json_object *o, const char *k, unsigned suite,
			     struct sdes_key *key)
{
	struct json_object *j;
	const char *end;
	char err[160];

	if (!json_object_object_get_ex(o, k, &j) || !json_object_is_type(j, json_type_string))
		return "an SRTP leg's key is missing or not a string";
	if (sdes_key_parse(suite, json_object_get_string(j), &end, key, err, sizeof(err)) || *end) {
		sdes_key_wipe(key);
		return "an SRTP leg's key is not a key of its suite";
	}
	return NULL;
}

/* One direction's restart state: {"used":N[,"ssrc":N,"roc":N][,"rtcp_ssrc":N,"rtcp_sent":N]}. */
static const char *stream_parse(struct json_object *o, const char *k, struct sctx_stream *st)
{
	struct json_object *d;
	int64_t v = 0, w = 0;
	int a, b;

	memset(st, 0, sizeof(*st));
	if (!json_object_object_get_ex(o, k, &d))
		return NULL;
	if (!json_object_is_type(d, json_type_object))
		return "an SRTP direction's state is not an object";
	if (int_in(d, "used", 0, (int64_t)SDES_LIFETIME_MAX, &v) < 0)
		return "an SRTP key's use is not a number from 0 to 2^48";
	st->used = (uint64_t)v;
	a = int_in(d, "ssrc", 0, UINT32_MAX, &v);
	b = int_in(d, "roc", 0, UINT32_MAX, &w);
	if (a < 0 || b < 0 || a != b)
		return "an SRTP direction's ssrc and roc are not both numbers of 32 bits";
	st->have = !a;
	st->ssrc = (uint32_t)v;
	st->roc = (uint32_t)w;
	a = int_in(d, "rtcp_ssrc", 0, UINT32_MAX, &v);
	b = int_in(d, "rtcp_sent", 0, RTCP_SENT_MAX, &w);
	if (a < 0 || b < 0 || a != b)
		return "an SRTP direction's rtcp_ssrc and rtcp_sent are not both in range";
	st->have_rtcp = !a;
	st->rtcp_ssrc = (uint32_t)v;
	st->rtcp_sent = (uint32_t)w;
	return NULL;
}

static const char *failures_parse(struct json_object *o, struct state_leg *l)
{
	struct json_object *f;
	int64_t v;

	if (!json_object_object_get_ex(o, "failures", &f))
		return NULL;
	if (!json_object_is_type(f, json_type_object))
		return "an SRTP leg's failures are not an object";
	for (int i = 0; i < SCTX_FAIL_MAX; i++) {
		v = 0;
		if (int_in(f, sctx_fail_names[i], 0, INT64_MAX, &v) < 0)
			return "an SRTP failure count is not a number";
		l->srtp_fails[i] = (uint64_t)v;
	}
	return NULL;
}

static const char *srtp_parse(struct json_object *o, struct state_leg *l)
{
	struct json_object *j;
	const char *why;
	int suite;

	if (!json_object_is_type(o, json_type_object))
		return "a leg's srtp is not an object";
	if (!json_object_object_get_ex(o, "suite", &j) || !json_object_is_type(j, json_type_string) ||
	    (suite = sdes_suite_parse(json_object_get_string(j),
				      strlen(json_object_get_string(j)))) < 0)
		return "an SRTP leg's suite is not one rtpedge knows";
	if ((why = key_parse(o, "in_key", (unsigned)suite, &l->srtp_in)) ||
	    (why = key_parse(o, "out_key", (unsigned)suite, &l->srtp_out)) ||
	    (why = failures_parse(o, l)) || (why = stream_parse(o, "in", &l->st_in)) ||
	    (why = stream_parse(o, "out", &l->st_out)))
		return why;
	l->srtp = true;
	return NULL;
}

const char *state_leg_extras_parse(struct json_object *o, struct state_leg *l)
{
	struct json_object *j;
	int64_t v = RTP_DEFAULT_CLOCK;

	if (int_in(o, "clock_rate", CLOCK_MIN, CLOCK_MAX, &v) < 0)
		return "clock_rate is not a number from 1000 to 1000000";
	l->clock_rate = (uint32_t)v;
	if (json_object_object_get_ex(o, "rtcp_mux", &j)) {
		if (!json_object_is_type(j, json_type_boolean))
			return "rtcp_mux is not true or false";
		l->rtcp_mux = json_object_get_boolean(j);
	}
	if (json_object_object_get_ex(o, "srtp", &j))
		return srtp_parse(j, l);
	if (l->path == RTPE_PATH_SRTP)
		return "a leg on the srtp path has no srtp keys";
	return NULL;
}
