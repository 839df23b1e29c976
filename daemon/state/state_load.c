// SPDX-License-Identifier: GPL-2.0
/*
 * state_load.c - owns reading the state file (state_load.h): its text to
 * checked records, and setting a bad file aside.
 *
 * The file is input like any other: a crash, a full disk or a hand edit
 * can leave any JSON in it, or none, and json-c asserts when an array
 * function meets another type. So nothing is read without its type and
 * range checked first, and a record with one wrong value is skipped
 * whole: a session restored from half a record would be a guess.
 * Absent optional fields take their defaults (the writer writes them all).
 */
#include "state/state_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "core/log.h"
#include "core/names.h"
#include "core/sockaddr.h"
#include "media/session.h"
#include "state/state_text.h"

#define LOAD_DEPTH 8      /* the format nests 5 deep */
#define LOG_SKIPPED 5     /* records refused that are logged one by one */

/* Records why the file is bad (the first reason is kept). Returns -1. */
static int refuse(struct state_loaded *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int refuse(struct state_loaded *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->bad) {
		va_start(ap, fmt);
		vsnprintf(f->why, sizeof(f->why), fmt, ap);
		va_end(ap);
	}
	f->bad = true;
	return -1;
}

/* A JSON integer in [min, max] into *v: 0, 1 when absent (*v untouched),
 * -1 when of another type or out of range. */
static int get_int(struct json_object *o, const char *k, int64_t min, int64_t max, int64_t *v)
{
	struct json_object *j;
	int64_t x;

	if (!json_object_object_get_ex(o, k, &j))
		return 1;
	if (!json_object_is_type(j, json_type_int))
		return -1;
	x = json_object_get_int64(j); /* json-c saturates what does not fit */
	if (x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/* A counter: a JSON integer from 0 to UINT64_MAX. 0, 1 (absent: 0) or -1. */
static int get_u64(struct json_object *o, const char *k, __u64 *v)
{
	struct json_object *j;

	*v = 0;
	if (!json_object_object_get_ex(o, k, &j))
		return 1;
	if (!json_object_is_type(j, json_type_int) || json_object_get_int64(j) < 0)
		return -1;
	*v = json_object_get_uint64(j);
	return 0;
}

/* A string, or NULL when absent or of another type. */
static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *j;

	if (!json_object_object_get_ex(o, k, &j) || !json_object_is_type(j, json_type_string))
		return NULL;
	return json_object_get_string(j);
}

static int path_parse(const char *s)
{
	for (int p = 0; s && p < RTPE_PATH_MAX; p++)
		if (!strcmp(s, path_name(p)))
			return p;
	return -1;
}

/* The leg's interface name: "interface", or "iface" in the files of
 * versions before the legs of replies and of the file had one writer. */
static const char *leg_iface_name(struct json_object *o)
{
	return json_object_object_get_ex(o, "interface", NULL) ? get_str(o, "interface") :
								  get_str(o, "iface");
}

/* One leg record. NULL, or what is wrong with it. */
static const char *leg_parse(struct json_object *o, const struct rtpe_cfg *cfg,
			     struct state_leg *l)
{
	const char *name;
	int64_t v;
	int p;

	if (!json_object_is_type(o, json_type_object))
		return "a leg is not an object";
	name = leg_iface_name(o);
	if (!name)
		return "a leg's interface is not a string";
	l->iface = config_iface_find(cfg, name);
	if (!get_str(o, "local") || sockaddr_parse(get_str(o, "local"), &l->local) ||
	    !get_str(o, "peer") || sockaddr_parse(get_str(o, "peer"), &l->peer))
		return "a leg's local or peer is not IP:PORT";
	if (ntohs(l->local.sin_port) & 1)
		return "a leg's local port is odd (RTP ports are even)";
	p = path_parse(get_str(o, "path"));
	if (p < 0)
		return "a leg's path is not a path";
	l->path = (enum rtpe_path)p;
	v = (ntohs(l->peer.sin_port) + 1) & 0xffff; /* the default: RTP + 1 */
	if (get_int(o, "peer_rtcp_port", 0, 65535, &v) < 0)
		return "peer_rtcp_port is not a port";
	l->peer_rtcp_port = (uint16_t)v;
	v = UINT32_MAX;
	if (get_int(o, "slot", 0, UINT32_MAX, &v) < 0)
		return "slot is not a number from 0 to 2^32 - 1";
	l->slot = (uint32_t)v;
	if (get_u64(o, "packets", &l->us.packets) < 0 || get_u64(o, "bytes", &l->us.bytes) < 0 ||
	    get_u64(o, "drops", &l->us.drops) < 0 ||
	    get_u64(o, "rtcp_packets", &l->us.rtcp_packets) < 0)
		return "a counter is not a number from 0 to 2^64 - 1";
	return state_leg_extras_parse(o, l);
}

/* The SIP proxy's text ("sip"), optional: a string of at most
 * STATE_DIALOG_MAX bytes without NUL. NULL, or what is wrong. */
static const char *dialog_parse(struct json_object *o, struct state_rec *r)
{
	struct json_object *j;
	const char *s;
	int n;

	if (!json_object_object_get_ex(o, "sip", &j))
		return NULL;
	if (!json_object_is_type(j, json_type_string))
		return "sip is not a string";
	s = json_object_get_string(j);
	n = json_object_get_string_len(j);
	if (n > STATE_DIALOG_MAX || (int)strlen(s) != n)
		return "sip is too long or holds a NUL";
	r->dialog = strdup(s);
	return r->dialog ? NULL : "out of memory";
}

/* One session record. NULL, or what is wrong with it. */
static const char *rec_parse(struct json_object *o, const struct rtpe_cfg *cfg,
			     struct state_rec *r)
{
	struct json_object *legs, *hold;
	const char *why;
	int64_t v = -1;

	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object))
		return "a session is not an object";
	if (get_int(o, "id", 1, SESSION_ID_MAX, &v))
		return "its id is not a number from 1 to 2^32 - 2";
	r->id = (uint32_t)v;
	r->created_unix_ms = -1;
	if (get_int(o, "created_unix_ms", 0, INT64_MAX, &r->created_unix_ms) < 0)
		return "created_unix_ms is not a time";
	if (json_object_object_get_ex(o, "hold", &hold)) {
		if (!json_object_is_type(hold, json_type_boolean))
			return "hold is not true or false";
		r->hold = json_object_get_boolean(hold);
	}
	if (!json_object_object_get_ex(o, "legs", &legs) ||
	    !json_object_is_type(legs, json_type_array) || json_object_array_length(legs) != 2)
		return "legs is not an array of two";
	for (size_t i = 0; i < 2; i++) {
		why = leg_parse(json_object_array_get_idx(legs, i), cfg, &r->leg[i]);
		if (why)
			return why;
	}
	return dialog_parse(o, r); /* last: nothing allocated for a refused record */
}

/* By id, then by place in the file. */
static int by_id(const void *pa, const void *pb)
{
	const struct state_rec *a = pa, *b = pb;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* What skipping record at of n records for why is logged as. */
static void skip(struct state_loaded *f, size_t at, size_t n, const char *why)
{
	if (f->n_skipped++ < LOG_SKIPPED)
		log_warn("state file: session %zu of %zu skipped: %s", at + 1, n, why);
	refuse(f, "session %zu of %zu: %s", at + 1, n, why);
}

/* The records of the array: each checked, then by id, each id once (the
 * first in the file). 0 or -ENOMEM. */
static int recs_parse(struct json_object *arr, const struct rtpe_cfg *cfg, struct state_loaded *f)
{
	size_t n = json_object_array_length(arr), k = 0;

	f->rec = calloc(n ? n : 1, sizeof(*f->rec));
	if (!f->rec)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *why = rec_parse(json_object_array_get_idx(arr, i), cfg, &f->rec[k]);

		if (why) {
			explicit_bzero(&f->rec[k], sizeof(f->rec[k])); /* keys of a refused record */
			skip(f, i, n, why);
			continue;
		}
		f->rec[k++].at = i;
	}
	qsort(f->rec, k, sizeof(*f->rec), by_id); /* the writer's order: nothing moves */
	f->n = 0;
	for (size_t i = 0; i < k; i++) {
		if (f->n && f->rec[f->n - 1].id == f->rec[i].id) {
			free(f->rec[i].dialog);
			skip(f, f->rec[i].at, n, "its id is in the file twice");
			continue;
		}
		f->rec[f->n++] = f->rec[i];
	}
	if (k > f->n) /* duplicates and copies left behind: their SRTP keys */
		explicit_bzero(f->rec + f->n, (k - f->n) * sizeof(*f->rec));
	f->max_id = f->n ? f->rec[f->n - 1].id : 0;
	return 0;
}

/* The document: an object of version 1 with an array of sessions. */
static int doc_parse(struct json_object *root, const struct rtpe_cfg *cfg, struct state_loaded *f)
{
	struct json_object *arr;
	int64_t v = STATE_VERSION;

	if (!json_object_is_type(root, json_type_object))
		return refuse(f, "not a JSON object");
	if (get_int(root, "version", STATE_VERSION, STATE_VERSION, &v) < 0)
		return refuse(f, "not version %d", STATE_VERSION);
	if (!json_object_object_get_ex(root, "sessions", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return refuse(f, "\"sessions\" is not an array");
	v = 0;
	if (get_int(root, "next_id", 1, UINT32_MAX, &v) < 0)
		refuse(f, "next_id is not a number from 1 to 2^32 - 1");
	f->next_id = (uint32_t)v;
	return recs_parse(arr, cfg, f) ? -ENOMEM : 0;
}

int state_load(const char *path, const struct rtpe_cfg *cfg, struct state_loaded *f)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct json_object *root;
	struct stat st;
	int e = 0;

	memset(f, 0, sizeof(*f));
	if (fd < 0) {
		if (errno != ENOENT)
			refuse(f, "%s", errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		refuse(f, "not a regular file");
		return 0;
	}
	root = json_object_from_fd_ex(fd, LOAD_DEPTH);
	close(fd);
	if (!root) {
		const char *msg = json_util_get_last_err();

		msg = msg ? msg : "?";
		refuse(f, "not valid JSON (%.*s)", (int)strcspn(msg, "\n"), msg); /* ends in \n */
		return 0;
	}
	e = doc_parse(root, cfg, f);
	json_object_put(root);
	if (e == -ENOMEM) {
		state_loaded_free(f);
		return e;
	}
	return 0;
}

struct state_rec *state_rec_find(const struct state_loaded *f, uint32_t id)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->rec[mid].id == id)
			return &f->rec[mid];
		if (f->rec[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void state_loaded_free(struct state_loaded *f)
{
	for (size_t i = 0; f->rec && i < f->n; i++)
		free(f->rec[i].dialog);
	if (f->rec)
		explicit_bzero(f->rec, f->n * sizeof(*f->rec)); /* SRTP keys */
	free(f->rec);
	f->rec = NULL;
	f->n = 0;
}

void state_set_aside(const char *path, const char *why)
{
	char to[sizeof(((struct rtpe_cfg *)0)->state_file) + 48];
	long t = (long)time(NULL);
	int e = -1;

	for (int k = 0; e && k < 100; k++) {
		if (k)
			snprintf(to, sizeof(to), "%s.bad-%ld-%d", path, t, k);
		else
			snprintf(to, sizeof(to), "%s.bad-%ld", path, t);
		e = renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE) ? -errno : 0;
		if (e == -EINVAL) /* a file system without it: plain rename */
			e = rename(path, to) ? -errno : 0;
		if (e && e != -EEXIST)
			break;
	}
	if (e)
		log_err("state file %s is bad (%s) and cannot be set aside: %s; it is replaced "
			"at the next write", path, why, strerror(-e));
	else
		log_err("state file %s is bad (%s): kept as %s; the sessions it could be read "
			"for are restored, and a new file is written from them", path, why, to);
}
