// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - owns the rebuilding of the session table at start: from the
 * pinned maps and the state file (see state.h for what comes from where and
 * for the file's format; state_writer.c writes it).
 */
#include "state/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "core/names.h"
#include "core/log.h"
#include "state/state_text.h"
#include "xdp/xdp.h"

/* The state file's sessions, indexed by id as a string; NULL when none. */
static struct json_object *state_load(struct state_file *sf)
{
	struct json_object *root = json_object_from_file(sf->m->cfg->state_file), *arr, *idx, *v;
	char key[16];

	if (!root) {
		if (access(sf->m->cfg->state_file, F_OK) == 0)
			log_err("state file %s is not valid JSON: ignored (%s)", sf->m->cfg->state_file,
				json_util_get_last_err());
		return NULL;
	}
	if (json_object_object_get_ex(root, "next_id", &v) &&
	    (uint32_t)json_object_get_int64(v) > sf->m->next_id)
		sf->m->next_id = (uint32_t)json_object_get_int64(v);
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

/* The leg's interface name: "interface", or "iface" in the files of
 * versions before the legs of replies and of the file had one writer. */
static const char *leg_iface_name(struct json_object *o)
{
	const char *k = json_object_object_get_ex(o, "interface", NULL) ? "interface" : "iface";

	return jget_str(o, k);
}

/* Fills one leg from its state record. 0 or -1. */
static int leg_from_state(struct state_file *sf, struct leg *l, struct json_object *o)
{
	int p = path_parse(jget_str(o, "path"));

	l->iface = config_iface_find(sf->m->cfg, leg_iface_name(o));
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

/* The session's age and hold flag from its state record. */
static void session_age_from(struct session *s, struct json_object *rec)
{
	int64_t age_ms = wall_ms() - (int64_t)jget_u64(rec, "created_unix_ms");

	s->hold = jget_u64(rec, "hold") != 0;
	if (age_ms > 0 && (uint64_t)age_ms * 1000000ull < s->created_ns)
		s->created_ns -= (uint64_t)age_ms * 1000000ull;
}

static void session_merge_state(struct state_file *sf, struct session *s, struct json_object *idx)
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

			if (!leg_from_state(sf, &tmp, json_object_array_get_idx(legs, (size_t)i)))
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
static int iface_by_addr(struct state_file *sf, __be32 addr)
{
	for (int i = 0; i < sf->m->n_ifaces; i++)
		if (sf->m->ifaces[i].cfg.address.s_addr == addr)
			return i;
	return -1;
}

static void leg_from_map(struct state_file *sf, struct leg *l, const struct map_leg *m)
{
	l->iface = iface_by_addr(sf, m->v.local);
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

static void restore_one(struct state_file *sf, struct session *s, unsigned *ok, unsigned *failed)
{
	char err[256];

	if (session_restore(sf->m, s, err, sizeof(err))) {
		log_warn("session s-%u not restored: %s", s->id, err);
		(*failed)++;
		return;
	}
	(*ok)++;
}

static void restore_from_map(struct state_file *sf, struct json_object *idx, unsigned *ok,
			     unsigned *failed)
{
	struct map_legs m = { 0 };

	if (xdp_legs_foreach(sf->m->xdp, collect_leg, &m)) {
		log_err("cannot read the pinned legs map: sessions not restored");
		free(m.a);
		return;
	}
	if (!m.n)
		return; /* m.a is NULL, which qsort must not be given even for 0 */
	qsort(m.a, m.n, sizeof(*m.a), by_session_side);
	for (size_t i = 0; i + 1 < m.n; i++) {
		struct session *s;

		if (!map_pair_ok(&m.a[i], &m.a[i + 1]))
			continue; /* an orphan: purged afterwards */
		s = session_new(sf->m, m.a[i].v.session_id);
		if (!s)
			break;
		leg_from_map(sf, &s->leg[0], &m.a[i]);
		leg_from_map(sf, &s->leg[1], &m.a[i + 1]);
		session_merge_state(sf, s, idx);
		restore_one(sf, s, ok, failed);
		i++;
	}
	free(m.a);
}

/* Sessions only the file knows: userspace-only legs, or maps lost to a reboot. */
static void restore_from_file(struct state_file *sf, struct json_object *idx, unsigned *ok,
			      unsigned *failed)
{
	if (!idx)
		return;
	json_object_object_foreach(idx, key, rec) {
		struct json_object *legs;
		struct session *s;
		bool good;

		s = session_new(sf->m, (uint32_t)strtoul(key, NULL, 10));
		if (!s)
			return;
		good = json_object_object_get_ex(rec, "legs", &legs) &&
		       json_object_array_length(legs) == 2;
		session_age_from(s, rec);
		for (int i = 0; good && i < 2; i++)
			good = !leg_from_state(sf, &s->leg[i], json_object_array_get_idx(legs, (size_t)i));
		if (!good || !s->id) {
			log_warn("state file: session %s is malformed: skipped", key);
			free(s);
			(*failed)++;
			continue;
		}
		restore_one(sf, s, ok, failed);
	}
}

/* Deletes map entries that no restored session owns. */
static int purge_orphans(struct state_file *sf)
{
	struct map_legs m = { 0 };
	unsigned n = 0;
	int e = xdp_legs_foreach(sf->m->xdp, collect_leg, &m);

	for (size_t i = 0; !e && i < m.n; i++) {
		struct session *s = session_find(sf->m, m.a[i].v.session_id);
		bool owned = false;

		for (int j = 0; s && j < 2; j++)
			owned |= s->leg[j].local.sin_addr.s_addr == m.a[i].v.local &&
				 s->leg[j].local.sin_port == m.a[i].v.local_port;
		if (!owned && !xdp_leg_clear(sf->m->xdp, m.a[i].idx))
			n++;
	}
	free(m.a);
	if (n)
		log_info("removed %u stale leg entries from the pinned map", n);
	return e;
}

int state_restore(struct state_file *sf, char *err, size_t errlen)
{
	struct json_object *idx = state_load(sf);
	unsigned from_map = 0, from_file = 0, failed = 0;
	int e;

	if (sf->m->xdp)
		restore_from_map(sf, idx, &from_map, &failed);
	e = sessions_rebuild_slots(sf->m);
	if (!e)
		restore_from_file(sf, idx, &from_file, &failed);
	if (!e)
		e = sessions_rebuild_slots(sf->m);
	if (!e && sf->m->xdp)
		e = purge_orphans(sf);
	json_object_put(idx);
	if (e) {
		snprintf(err, errlen, "restoring sessions: %s", strerror(-e));
		return e;
	}
	if (from_map || from_file || failed)
		log_info("restored %u sessions from the maps and %u from %s; %u could not be "
			 "restored", from_map, from_file, sf->m->cfg->state_file, failed);
	state_mark_dirty(sf);
	e = state_writer_start(sf);
	if (e) {
		snprintf(err, errlen, "state timer: %s", strerror(-e));
		return e;
	}
	return 0;
}
