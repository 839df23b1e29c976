// SPDX-License-Identifier: GPL-2.0
/*
 * sip_dialog.c - owns the dialog a call keeps across a restart of the
 * daemon: what its own BYEs on a media timeout need (sip_bye.c), written as
 * text that the loop keeps on each of the call's sessions and the state
 * file keeps with them (so it survives SIGKILL), and read back when one of
 * those sessions times out and the proxy no longer knows the dialog:
 *
 *   v 1
 *   call-id a84b4c76e66710
 *   dir t2r
 *   trunk pbx
 *   region vapi-us
 *   ids 17.0.18
 *   tp udp tcp
 *   cseq 1 0
 *   cseq-add 0
 *   from "sipp uac" <sip:uac@198.18.1.2:5070>;tag=1
 *   to <sip:+15557654321@198.18.1.1:5060>;tag=2
 *   target0 sip:uac@198.18.1.2:5070
 *   target1 sip:uas@198.18.2.2:5060
 *   route0 <sip:...;lr>, <sip:...;lr>
 *   route1 ...
 *
 * The text is written at the answer and again whenever an in-dialog
 * request moves a CSeq or a remote target; each value is a header or URI
 * as sofia encodes it (one line; a value with a line break is never
 * written) and is parsed back by sofia. The state file is the daemon's
 * own (0600), but it is checked like input all the same: a line that does
 * not parse leaves the call without that part (no BYE where a part is
 * missing), never a crash.
 */
#include "sip/sip_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/sip_header.h>

#include "core/log.h"

#define DIALOG_MAX 8192 /* bytes of the text (the state file takes no more) */

/* ---- written -------------------------------------------------------------------------- */

struct text {
	char buf[DIALOG_MAX];
	size_t len;
	bool bad;
};

static void put(struct text *t, const char *key, const char *v)
{
	int n;

	if (!v || t->bad)
		return;
	if (strpbrk(v, "\r\n")) {
		t->bad = true;
		return;
	}
	n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s %s\n", key, v);
	if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len)
		t->bad = true;
	else
		t->len += (size_t)n;
}

/* "<sip:a;lr>, <sip:b;lr>" (NULL: none, or out of memory). */
static char *routes_str(su_home_t *home, sip_route_t const *r)
{
	char *s = NULL, *one;

	for (; r; r = r->r_next) {
		one = sip_header_as_string(home, (sip_header_t const *)r);
		if (!one)
			return NULL;
		s = s ? su_sprintf(home, "%s, %s", s, one) : one;
	}
	return s;
}

/* The call's dialog as text (malloc'd), or NULL. */
static char *dialog_text(struct sip_call *c)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	struct text *t = calloc(1, sizeof(*t));
	char v[160], *out = NULL;
	size_t n = 0;

	if (!t)
		return NULL;
	put(t, "v", "1");
	put(t, "call-id", c->call_id);
	put(t, "dir", c->dir == SIP_DIR_T2R ? "t2r" : "r2t");
	put(t, "trunk", c->trunk[0] ? c->trunk : NULL);
	put(t, "region", c->region[0] ? c->region : NULL);
	for (int i = 0; i < c->n_ids && n < sizeof(v); i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "%s%u", i ? "." : "", c->ids[i]);
	put(t, "ids", v);
	snprintf(v, sizeof(v), "%s %s", c->transport[0], c->transport[1]);
	put(t, "tp", v);
	snprintf(v, sizeof(v), "%u %u", c->cseq[0], c->cseq[1]);
	put(t, "cseq", v);
	snprintf(v, sizeof(v), "%u", c->cseq_add);
	put(t, "cseq-add", v);
	put(t, "from", sip_header_as_string(home, (sip_header_t const *)c->from));
	put(t, "to", sip_header_as_string(home, (sip_header_t const *)c->to));
	put(t, "target0", c->target[0] ? url_as_string(home, c->target[0]) : NULL);
	put(t, "target1", c->target[1] ? url_as_string(home, c->target[1]) : NULL);
	put(t, "route0", routes_str(home, c->route[0]));
	put(t, "route1", routes_str(home, c->route[1]));
	if (t->bad)
		log_warn("sip: call %s: its dialog does not fit the state file: after a restart, "
			 "a media timeout ends it without BYE", c->call_id);
	else
		out = strdup(t->buf);
	su_home_deinit(home);
	free(t);
	return out;
}

static void dialog_sent(struct sip_mreq *mq)
{
	free(mq->text);
	free(mq);
}

void dialog_save(struct sip_call *c)
{
	struct sip_mreq *mq;

	if (c->state != CALL_CONFIRMED || !c->from || !c->to || !c->n_ids)
		return;
	mq = calloc(1, sizeof(*mq));
	if (!mq)
		return;
	mq->op = SIP_M_DIALOG;
	memcpy(mq->ids, c->ids, sizeof(mq->ids));
	mq->n_ids = c->n_ids;
	mq->text = dialog_text(c);
	mq->done = dialog_sent;
	if (!mq->text) {
		free(mq);
		return;
	}
	sip_queue_to_loop(&c->sp->q, mq);
}

/* ---- read back ------------------------------------------------------------------------ */

struct dlg {
	const char *call_id;
	enum sip_dir dir;
	char trunk[CFG_NAME_LEN], region[CFG_NAME_LEN];
	uint32_t ids[SDP_MAX_STREAMS];
	int n_ids;
	char tp[2][4];
	uint32_t cseq[2], cseq_add;
	sip_from_t *from;
	sip_to_t *to;
	url_t *target[2];
	sip_route_t *route[2];
};

static int ids_read(const char *v, struct dlg *d)
{
	char *end;

	d->n_ids = 0;
	while (*v && d->n_ids < SDP_MAX_STREAMS) {
		unsigned long id = strtoul(v, &end, 10);

		if (end == v || id > UINT32_MAX || (*end && *end != '.'))
			return -EINVAL;
		d->ids[d->n_ids++] = (uint32_t)id;
		v = *end ? end + 1 : end;
	}
	return *v ? -EINVAL : 0;
}

static int tp_read(const char *v, char out[4])
{
	size_t n = strcspn(v, " ");

	if ((n != 3) || (strncmp(v, "udp", 3) && strncmp(v, "tcp", 3) && strncmp(v, "tls", 3)))
		return -EINVAL;
	memcpy(out, v, 3);
	out[3] = 0;
	return 0;
}

/* One "key value" line into d. 0 or -EINVAL (unknown keys are skipped). */
static int line_read(su_home_t *home, const char *k, const char *v, struct dlg *d)
{
	if (!strcmp(k, "call-id"))
		return (d->call_id = v) && *v ? 0 : -EINVAL;
	if (!strcmp(k, "dir")) {
		d->dir = !strcmp(v, "r2t") ? SIP_DIR_R2T : SIP_DIR_T2R;
		return !strcmp(v, "r2t") || !strcmp(v, "t2r") ? 0 : -EINVAL;
	}
	if (!strcmp(k, "trunk") || !strcmp(k, "region")) {
		char *out = k[0] == 't' ? d->trunk : d->region;

		if (strlen(v) >= CFG_NAME_LEN)
			return -EINVAL;
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	if (!strcmp(k, "ids"))
		return ids_read(v, d);
	if (!strcmp(k, "tp"))
		return tp_read(v, d->tp[0]) || !strchr(v, ' ') || tp_read(strchr(v, ' ') + 1, d->tp[1]) ?
			       -EINVAL : 0;
	if (!strcmp(k, "cseq"))
		return sscanf(v, "%u %u", &d->cseq[0], &d->cseq[1]) == 2 ? 0 : -EINVAL;
	if (!strcmp(k, "cseq-add"))
		return sscanf(v, "%u", &d->cseq_add) == 1 ? 0 : -EINVAL;
	if (!strcmp(k, "from"))
		return (d->from = sip_from_make(home, v)) ? 0 : -EINVAL;
	if (!strcmp(k, "to"))
		return (d->to = sip_to_make(home, v)) ? 0 : -EINVAL;
	if (!strcmp(k, "target0") || !strcmp(k, "target1"))
		return (d->target[k[6] - '0'] = url_make(home, v)) ? 0 : -EINVAL;
	if (!strcmp(k, "route0") || !strcmp(k, "route1"))
		return (d->route[k[5] - '0'] = sip_route_make(home, v)) ? 0 : -EINVAL;
	return 0;
}

/* text into d (from home). 0, or -EINVAL: what is needed for a BYE is not there. */
static int dialog_read(su_home_t *home, const char *text, struct dlg *d)
{
	char *s = su_strdup(home, text), *line, *save = NULL;

	memset(d, 0, sizeof(*d));
	memcpy(d->tp[0], "udp", 4);
	memcpy(d->tp[1], "udp", 4);
	for (line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			return -EINVAL;
		*sp = 0;
		if (line_read(home, line, sp + 1, d))
			return -EINVAL;
	}
	return d->call_id && d->from && d->to && d->from->a_url->url_type &&
	       d->to->a_url->url_type && d->n_ids ? 0 : -EINVAL;
}

/* The dialog of d into c (allocated from c's home); a CSeq never goes back. */
static void dialog_apply(struct sip_call *c, const struct dlg *d)
{
	c->from = sip_from_dup(c->home, d->from);
	c->to = sip_to_dup(c->home, d->to);
	for (int i = 0; i < 2; i++) {
		if (d->target[i])
			c->target[i] = url_hdup(c->home, d->target[i]);
		if (d->route[i])
			c->route[i] = sip_route_dup(c->home, d->route[i]);
		if (d->cseq[i] > c->cseq[i])
			c->cseq[i] = d->cseq[i];
	}
	if (d->cseq_add > c->cseq_add)
		c->cseq_add = d->cseq_add;
}

/* A call the proxy does not know, from what its session kept (a restart). */
static struct sip_call *call_rebuild(struct sip *sp, const struct dlg *d)
{
	struct sip_call *c = call_new_id(sp, d->call_id, d->from->a_url, d->to->a_url, d->dir);

	if (!c)
		return NULL;
	c->restored = true;
	pthread_mutex_lock(&sp->calls.mu);
	memcpy(c->ids, d->ids, sizeof(c->ids));
	c->n_ids = d->n_ids;
	pthread_mutex_unlock(&sp->calls.mu);
	snprintf(c->trunk, sizeof(c->trunk), "%s", d->trunk);
	snprintf(c->region, sizeof(c->region), "%s", d->region);
	memcpy(c->transport, d->tp, sizeof(c->transport));
	call_set_state(c, CALL_CONFIRMED);
	return c;
}

void dialog_timeout(struct sip *sp, uint32_t id, const char *text)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	struct sip_call *c = call_by_session(sp, id);
	struct dlg d;

	if (c)
		call_ref(c);
	if (text && (!c || (c->state != CALL_ENDED && (!c->from || !c->to)))) {
		if (dialog_read(home, text, &d)) {
			log_warn("sip: session s-%u: what it kept of its call's dialog does not "
				 "parse: no BYE", id);
		} else {
			if (!c)
				c = call_rebuild(sp, &d);
			if (c) {
				dialog_apply(c, &d);
				log_info("sip: call %s: its dialog read back from what session s-%u "
					 "kept (a restart)", c->call_id, id);
			}
		}
	}
	if (c && c->state != CALL_ENDED)
		bye_both_ways(c);
	if (c)
		call_unref(c);
	su_home_deinit(home);
}
