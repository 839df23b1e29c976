// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - owns the state file and the rebuilding of the session table at
 * start (see state.h for what comes from where).
 *
 * File format (JSON, one object):
 *   {"version":1,"next_id":N,"sessions":[{"id":N,"created_unix_ms":T,
 *     "legs":[{"iface":NAME,"local":"IP:PORT","peer":"IP:PORT",
 *              "peer_rtcp_port":N,"path":"xdp","slot":N,"packets":N,
 *              "bytes":N,"drops":N,"rtcp_packets":N}, {...}]}, ...]}
 * The counters are the userspace ones; XDP's stay in rtpe_leg_stats.
 */
#include "state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "commands.h"
#include "log.h"
#include "loop.h"
#include "xdp.h"

#define STATE_VERSION 1
#define STATE_WRITE_MS 1000

void state_mark_dirty(struct rtpe *r)
{
	r->state_dirty = true;
}

static struct json_object *leg_state(struct rtpe *r, const struct leg *l)
{
	struct json_object *o = json_object_new_object();
	char buf[32];

	json_object_object_add(o, "iface", json_object_new_string(r->ifaces[l->iface].cfg.name));
	json_object_object_add(o, "local", json_object_new_string(sockaddr_str(&l->local, buf, sizeof(buf))));
	json_object_object_add(o, "peer", json_object_new_string(sockaddr_str(&l->peer, buf, sizeof(buf))));
	json_object_object_add(o, "peer_rtcp_port", json_object_new_int(l->peer_rtcp_port));
	json_object_object_add(o, "path", json_object_new_string(path_name(l->path)));
	json_object_object_add(o, "slot", json_object_new_int64(l->slot));
	json_object_object_add(o, "packets", json_object_new_uint64(l->us.packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(l->us.bytes));
	json_object_object_add(o, "drops", json_object_new_uint64(l->us.drops));
	json_object_object_add(o, "rtcp_packets", json_object_new_uint64(l->us.rtcp_packets));
	return o;
}

/* Wall clock in ms: session ages cross a restart (the monotonic clock
 * would too, but not a reboot) with no rounding to whole seconds. */
static int64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct json_object *session_state(struct rtpe *r, const struct session *s, int64_t now_ms,
					 uint64_t mono)
{
	struct json_object *o = json_object_new_object(), *legs = json_object_new_array();

	json_object_object_add(o, "id", json_object_new_int64(s->id));
	json_object_object_add(o, "created_unix_ms",
			       json_object_new_int64(now_ms - (int64_t)((mono - s->created_ns) / 1000000)));
	json_object_object_add(o, "hold", json_object_new_boolean(s->hold));
	for (int i = 0; i < 2; i++)
		json_object_array_add(legs, leg_state(r, &s->leg[i]));
	json_object_object_add(o, "legs", legs);
	return o;
}

static int mkdir_parent(const char *path)
{
	char dir[256];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0750);
		*p = '/';
	}
	return mkdir(dir, 0750) < 0 && errno != EEXIST ? -errno : 0;
}

/* Streams the sessions one by one: memory stays flat at any table size. */
static int state_dump(struct rtpe *r, FILE *f)
{
	int64_t now = realtime_ms();
	uint64_t mono = mono_ns();
	const char *sep = "";

	fprintf(f, "{\"version\":%d,\"next_id\":%u,\"sessions\":[", STATE_VERSION, r->next_id);
	for (struct session *s = r->first; s; s = s->next) {
		struct json_object *o = session_state(r, s, now, mono);

		fprintf(f, "%s\n%s", sep, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		sep = ",";
	}
	fprintf(f, "\n]}\n");
	return ferror(f) ? -EIO : 0;
}

/* The writer keeps to 1/STATE_SHARE of the loop's time: a large table is
 * written less often (the maps hold what matters for XDP legs anyway). */
#define STATE_SHARE 20

int state_write(struct rtpe *r)
{
	uint64_t t0 = mono_ns();
	char tmp[300];
	FILE *f;
	int e;

	snprintf(tmp, sizeof(tmp), "%s.tmp", r->cfg.state_file);
	e = mkdir_parent(r->cfg.state_file);
	f = e ? NULL : fopen(tmp, "we");
	if (!f) {
		e = e ? e : -errno;
		log_err("cannot write state file %s: %s", tmp, strerror(-e));
		return e;
	}
	e = state_dump(r, f);
	if (!e && (fflush(f) || fsync(fileno(f))))
		e = -errno;
	if (fclose(f) && !e)
		e = -errno;
	if (!e && rename(tmp, r->cfg.state_file) < 0)
		e = -errno;
	if (e) {
		log_err("cannot write state file %s: %s", r->cfg.state_file, strerror(-e));
		unlink(tmp);
		return e;
	}
	r->state_dirty = false;
	log_debug("state file: %u sessions written in %.3f s", r->n_sessions,
		  (double)(mono_ns() - t0) / 1e9);
	return 0;
}

void state_remove(struct rtpe *r)
{
	if (unlink(r->cfg.state_file) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", r->cfg.state_file, strerror(errno));
}

static void state_tick(struct loop *l, void *arg)
{
	struct rtpe *r = arg;
	uint64_t start = mono_ns();

	(void)l;
	if (!r->state_dirty || !loop_duty_due(&r->state_duty, STATE_SHARE, start))
		return;
	state_write(r);
	loop_duty_done(&r->state_duty, start, mono_ns());
}

/* The state file's sessions, indexed by id as a string; NULL when none. */
static struct json_object *state_load(struct rtpe *r)
{
	struct json_object *root = json_object_from_file(r->cfg.state_file), *arr, *idx, *v;
	char key[16];

	if (!root) {
		if (access(r->cfg.state_file, F_OK) == 0)
			log_err("state file %s is not valid JSON: ignored (%s)", r->cfg.state_file,
				json_util_get_last_err());
		return NULL;
	}
	if (json_object_object_get_ex(root, "next_id", &v) &&
	    (uint32_t)json_object_get_int64(v) > r->next_id)
		r->next_id = (uint32_t)json_object_get_int64(v);
	idx = json_object_new_object();
	if (json_object_object_get_ex(root, "sessions", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *s = json_object_array_get_idx(arr, i), *id;

			if (!json_object_object_get_ex(s, "id", &id))
				continue;
			snprintf(key, sizeof(key), "%lld", (long long)json_object_get_int64(id));
			json_object_object_add(idx, key, json_object_get(s));
		}
	}
	json_object_put(root);
	return idx;
}

static uint64_t jget_u64(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static const char *jget_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static int path_parse(const char *s)
{
	for (int p = 0; p < RTPE_PATH_MAX; p++)
		if (!strcmp(s, path_name(p)))
			return p;
	return -1;
}

/* Fills one leg from its state record. 0 or -1. */
static int leg_from_state(struct rtpe *r, struct leg *l, struct json_object *o)
{
	int p = path_parse(jget_str(o, "path"));

	l->iface = config_iface_find(&r->cfg, jget_str(o, "iface"));
	if (l->iface < 0 || p < 0 || sockaddr_parse(jget_str(o, "local"), &l->local) ||
	    sockaddr_parse(jget_str(o, "peer"), &l->peer))
		return -1;
	l->path = (enum rtpe_path)p;
	l->peer_rtcp_port = (uint16_t)jget_u64(o, "peer_rtcp_port");
	l->us.packets = jget_u64(o, "packets");
	l->us.bytes = jget_u64(o, "bytes");
	l->us.drops = jget_u64(o, "drops");
	l->us.rtcp_packets = jget_u64(o, "rtcp_packets");
	return 0;
}

/* Ages and userspace counters from the state record of s, if any. */
/* The session's age and hold flag from its state record. */
static void session_age_from(struct session *s, struct json_object *rec)
{
	int64_t age_ms = realtime_ms() - (int64_t)jget_u64(rec, "created_unix_ms");

	s->hold = jget_u64(rec, "hold") != 0;
	if (age_ms > 0 && (uint64_t)age_ms * 1000000ull < s->created_ns)
		s->created_ns -= (uint64_t)age_ms * 1000000ull;
}

static void session_merge_state(struct rtpe *r, struct session *s, struct json_object *idx)
{
	struct json_object *rec, *legs;
	char key[16];

	snprintf(key, sizeof(key), "%u", s->id);
	if (!idx || !json_object_object_get_ex(idx, key, &rec))
		return;
	session_age_from(s, rec);
	if (json_object_object_get_ex(rec, "legs", &legs) && json_object_array_length(legs) == 2)
		for (int i = 0; i < 2; i++) {
			struct leg tmp = { 0 };

			if (!leg_from_state(r, &tmp, json_object_array_get_idx(legs, (size_t)i)))
				s->leg[i].us = tmp.us;
		}
	json_object_object_del(idx, key);
}

struct map_leg {
	__u32 idx;
	struct rtpe_leg v;
};

struct map_legs {
	struct map_leg *a;
	size_t n, cap;
};

static int collect_leg(const struct rtpe_leg *v, __u32 idx, void *arg)
{
	struct map_legs *m = arg;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		struct map_leg *a = realloc(m->a, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		m->a = a;
		m->cap = cap;
	}
	m->a[m->n].idx = idx;
	m->a[m->n].v = *v;
	m->n++;
	return 0;
}

static int by_session_side(const void *pa, const void *pb)
{
	const struct map_leg *a = pa, *b = pb;

	if (a->v.session_id != b->v.session_id)
		return a->v.session_id < b->v.session_id ? -1 : 1;
	return (int)(a->v.flags & RTPE_LEG_F_SIDE_B) - (int)(b->v.flags & RTPE_LEG_F_SIDE_B);
}

/* The interface whose address is addr, or -1. */
static int iface_by_addr(struct rtpe *r, __be32 addr)
{
	for (int i = 0; i < r->n_ifaces; i++)
		if (r->ifaces[i].cfg.address.s_addr == addr)
			return i;
	return -1;
}

static void leg_from_map(struct rtpe *r, struct leg *l, const struct map_leg *m)
{
	l->iface = iface_by_addr(r, m->v.local);
	l->local.sin_family = AF_INET;
	l->local.sin_addr.s_addr = m->v.local;
	l->local.sin_port = m->v.local_port;
	l->peer.sin_family = AF_INET;
	l->peer.sin_addr.s_addr = m->v.peer;
	l->peer.sin_port = m->v.peer_port;
	l->peer_rtcp_port = ntohs(m->v.peer_rtcp_port);
	l->path = m->v.path < RTPE_PATH_MAX ? (enum rtpe_path)m->v.path : RTPE_PATH_USERSPACE;
	l->slot = m->v.slot;
}

/* Two entries with one session number, sides a and b, pointing at each other. */
static bool map_pair_ok(const struct map_leg *a, const struct map_leg *b)
{
	return a->v.session_id == b->v.session_id && !(a->v.flags & RTPE_LEG_F_SIDE_B) &&
	       (b->v.flags & RTPE_LEG_F_SIDE_B) && a->v.out_src == b->v.local &&
	       a->v.out_sport == b->v.local_port && b->v.out_src == a->v.local &&
	       b->v.out_sport == a->v.local_port;
}

static void restore_one(struct rtpe *r, struct session *s, unsigned *ok, unsigned *failed)
{
	char err[256];

	if (session_restore(r, s, err, sizeof(err))) {
		log_warn("session s-%u not restored: %s", s->id, err);
		(*failed)++;
		return;
	}
	(*ok)++;
}

static void restore_from_map(struct rtpe *r, struct json_object *idx, unsigned *ok,
			     unsigned *failed)
{
	struct map_legs m = { 0 };

	if (xdp_legs_foreach(r->xdp, collect_leg, &m)) {
		log_err("cannot read the pinned legs map: sessions not restored");
		free(m.a);
		return;
	}
	qsort(m.a, m.n, sizeof(*m.a), by_session_side);
	for (size_t i = 0; i + 1 < m.n; i++) {
		struct session *s;

		if (!map_pair_ok(&m.a[i], &m.a[i + 1]))
			continue; /* an orphan: purged afterwards */
		s = session_new(r, m.a[i].v.session_id);
		if (!s)
			break;
		leg_from_map(r, &s->leg[0], &m.a[i]);
		leg_from_map(r, &s->leg[1], &m.a[i + 1]);
		session_merge_state(r, s, idx);
		restore_one(r, s, ok, failed);
		i++;
	}
	free(m.a);
}

/* Sessions only the file knows: userspace-only legs, or maps lost to a reboot. */
static void restore_from_file(struct rtpe *r, struct json_object *idx, unsigned *ok,
			      unsigned *failed)
{
	if (!idx)
		return;
	json_object_object_foreach(idx, key, rec) {
		struct json_object *legs;
		struct session *s;
		bool good;

		s = session_new(r, (uint32_t)strtoul(key, NULL, 10));
		if (!s)
			return;
		good = json_object_object_get_ex(rec, "legs", &legs) &&
		       json_object_array_length(legs) == 2;
		session_age_from(s, rec);
		for (int i = 0; good && i < 2; i++)
			good = !leg_from_state(r, &s->leg[i], json_object_array_get_idx(legs, (size_t)i));
		if (!good || !s->id) {
			log_warn("state file: session %s is malformed: skipped", key);
			free(s);
			(*failed)++;
			continue;
		}
		restore_one(r, s, ok, failed);
	}
}

/* Deletes map entries that no restored session owns. */
static int purge_orphans(struct rtpe *r)
{
	struct map_legs m = { 0 };
	unsigned n = 0;
	int e = xdp_legs_foreach(r->xdp, collect_leg, &m);

	for (size_t i = 0; !e && i < m.n; i++) {
		struct session *s = session_find(r, m.a[i].v.session_id);
		bool owned = false;

		for (int j = 0; s && j < 2; j++)
			owned |= s->leg[j].local.sin_addr.s_addr == m.a[i].v.local &&
				 s->leg[j].local.sin_port == m.a[i].v.local_port;
		if (!owned && !xdp_leg_clear(r->xdp, m.a[i].idx))
			n++;
	}
	free(m.a);
	if (n)
		log_info("removed %u stale leg entries from the pinned map", n);
	return e;
}

int state_restore(struct rtpe *r, char *err, size_t errlen)
{
	struct json_object *idx = state_load(r);
	unsigned from_map = 0, from_file = 0, failed = 0;
	int e;

	if (r->xdp)
		restore_from_map(r, idx, &from_map, &failed);
	e = sessions_rebuild_slots(r);
	if (!e)
		restore_from_file(r, idx, &from_file, &failed);
	if (!e)
		e = sessions_rebuild_slots(r);
	if (!e && r->xdp)
		e = purge_orphans(r);
	json_object_put(idx);
	if (e) {
		snprintf(err, errlen, "restoring sessions: %s", strerror(-e));
		return e;
	}
	if (from_map || from_file || failed)
		log_info("restored %u sessions from the maps and %u from %s; %u could not be "
			 "restored", from_map, from_file, r->cfg.state_file, failed);
	state_mark_dirty(r);
	e = loop_every(r->loop, STATE_WRITE_MS, state_tick, r);
	if (e < 0) {
		snprintf(err, errlen, "state timer: %s", strerror(-e));
		return e;
	}
	return 0;
}
