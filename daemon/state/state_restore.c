// SPDX-License-Identifier: GPL-2.0
/*
 * state_restore.c - owns rebuilding the session table at start, from the
 * pinned maps and the state file (state.h says what comes from where;
 * state_load.c reads and checks the file, state_writer.c writes it).
 *
 * What is truth, in order:
 *  - A session with entries in the pinned rtpe_legs comes from them: a
 *    complete pair (sides a and b pointing at each other, each at the index
 *    of its own address and port). The file only adds its extras (age,
 *    hold, userspace counters), and only for the same legs.
 *  - An entry left half-written (odd seq: the daemon died inside a write)
 *    is no truth: it counts only when the file has that leg (same session,
 *    side, local address and port), and then with the file's values.
 *  - With the maps of a predecessor (XDP on, maps reused), every session
 *    it had is in them, whatever its path: one only the file lists was
 *    deleted before the stop (the file lags ~1 s) and is not restored. With
 *    new maps (a reboot) or without XDP, the file is the only record; but
 *    a session the file has on the XDP path lived in maps that are gone,
 *    and is not restored either.
 *  - A pair whose session cannot be restored now (no memory, a port held
 *    by another process, an address not up) may be a call XDP is relaying:
 *    its entries stay, its ports stay reserved and its id is not given
 *    again; the next start tries it again. The purge deletes every other
 *    entry no restored session owns: halves of pairs, entries of unknown
 *    addresses or at the wrong index, half-written ones the file does not
 *    confirm, duplicates of a restored session.
 * New sessions are numbered above every id of the maps and the file.
 */
#include "state/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "media/leg_srtp.h"
#include "media/ports.h"
#include "state/state_load.h"
#include "xdp/xdp.h"
#include "rtpe_rtp.h"

struct map_leg {
	__u32 idx;
	struct rtpe_leg v;
};

/* One restore's work. */
struct restore {
	struct media *m;
	struct state_loaded f;    /* the file's records */
	struct map_leg *a;        /* the map's entries (usable ones once checked) */
	size_t n, cap;
	__u32 *kept;              /* indices of the entries kept for sessions not restored */
	size_t n_kept;
	uint32_t max_map_id;      /* the largest session id in the map */
	uint32_t ids_next;        /* FILE.ids: above every id given before a crash */
	unsigned from_map, from_file, kept_sessions, failed, deleted, half;
};

static int collect_leg(const struct rtpe_leg *v, __u32 idx, void *arg)
{
	struct restore *rs = arg;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 1024;
		struct map_leg *a = realloc(rs->a, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		rs->a = a;
		rs->cap = cap;
	}
	rs->a[rs->n].idx = idx;
	rs->a[rs->n].v = *v;
	rs->n++;
	return 0;
}

static int side_of(const struct rtpe_leg *v)
{
	return (v->flags & RTPE_LEG_F_SIDE_B) ? 1 : 0;
}

/* A half-written entry, made whole from the file's record of its leg.
 * false when the file does not have that leg. */
static bool half_from_file(struct restore *rs, struct map_leg *e)
{
	const struct state_rec *rec = state_rec_find(&rs->f, e->v.session_id);
	const struct state_leg *l, *o;

	if (!rec)
		return false;
	l = &rec->leg[side_of(&e->v)];
	o = &rec->leg[1 - side_of(&e->v)];
	if (l->local.sin_addr.s_addr != e->v.local || l->local.sin_port != e->v.local_port)
		return false;
	e->v.peer = l->peer.sin_addr.s_addr;
	e->v.peer_port = l->peer.sin_port;
	e->v.peer_rtcp_port = htons(l->peer_rtcp_port);
	e->v.out_src = o->local.sin_addr.s_addr;
	e->v.out_sport = o->local.sin_port;
	e->v.out_dst = o->peer.sin_addr.s_addr;
	e->v.out_dport = o->peer.sin_port;
	e->v.out_rtcp_dport = htons(o->peer_rtcp_port);
	e->v.path = (__u8)l->path;
	e->v.slot = l->slot;
	return true;
}

/* Whether an entry can be part of a session: an id, at its own index, and
 * written whole (or made whole from the file). */
static bool entry_usable(struct restore *rs, struct map_leg *e)
{
	char a[INET_ADDRSTRLEN];
	bool ok;

	if (!e->v.session_id || e->v.session_id > SESSION_ID_MAX ||
	    xdp_line_of(rs->m->xdp, e->v.local, e->v.local_port) != e->idx)
		return false;
	if (e->v.session_id > rs->max_map_id)
		rs->max_map_id = e->v.session_id;
	if (!(e->v.seq & 1))
		return true;
	ok = half_from_file(rs, e);
	rs->half++;
	log_warn("pinned leg %s:%u of s-%u was being written when the daemon stopped: %s",
		 inet_ntop(AF_INET, &e->v.local, a, sizeof(a)), ntohs(e->v.local_port),
		 e->v.session_id, ok ? "taken as the state file has it" :
		 "the state file does not have it, so neither it nor its session is restored");
	return ok;
}

static int by_session_side(const void *pa, const void *pb)
{
	const struct map_leg *a = pa, *b = pb;

	if (a->v.session_id != b->v.session_id)
		return a->v.session_id < b->v.session_id ? -1 : 1;
	return side_of(&a->v) - side_of(&b->v);
}

/* The interface whose address is addr, or -1. */
static int iface_by_addr(const struct media *m, __be32 addr)
{
	for (int i = 0; i < m->n_ifaces; i++)
		if (m->ifaces[i].cfg.address.s_addr == addr)
			return i;
	return -1;
}

static void leg_from_map(struct media *m, struct leg *l, const struct map_leg *e)
{
	l->iface = iface_by_addr(m, e->v.local);
	l->local.sin_family = AF_INET;
	l->local.sin_addr.s_addr = e->v.local;
	l->local.sin_port = e->v.local_port;
	l->peer.sin_family = AF_INET;
	l->peer.sin_addr.s_addr = e->v.peer;
	l->peer.sin_port = e->v.peer_port;
	l->peer_rtcp_port = ntohs(e->v.peer_rtcp_port);
	l->path = e->v.path < RTPE_PATH_MAX ? (enum rtpe_path)e->v.path : RTPE_PATH_USERSPACE;
	l->slot = e->v.slot;
	l->clock_rate = e->v.clock_rate ? e->v.clock_rate : RTP_DEFAULT_CLOCK;
}

/* What the file adds to a leg: its clock and rtcp-mux and, for an SRTP
 * leg, its keys, failure counts and each direction's stream where it was
 * (rollover counters, the SRTCP index). 0, or -1 with err. */
static int leg_extras_from(struct leg *l, const struct state_leg *f, char *err, size_t errlen)
{
	l->clock_rate = f->clock_rate ? f->clock_rate : l->clock_rate;
	l->rtcp_mux = f->rtcp_mux;
	if (!f->srtp)
		return 0;
	if (leg_srtp_new(l, &f->srtp_in, &f->srtp_out, err, errlen))
		return -1;
	if (sctx_stream_set(l->srtp->ctx, SCTX_IN, &f->st_in, err, errlen) ||
	    sctx_stream_set(l->srtp->ctx, SCTX_OUT, &f->st_out, err, errlen)) {
		leg_srtp_free(l); /* no keys: session_restore refuses its srtp path */
		return -1;
	}
	memcpy(l->srtp->fails, f->srtp_fails, sizeof(l->srtp->fails));
	return 0;
}

/* Two entries with one session number, sides a and b, pointing at each
 * other, on addresses of this configuration. */
static bool map_pair_ok(const struct media *m, const struct map_leg *a, const struct map_leg *b)
{
	return a->v.session_id == b->v.session_id && !side_of(&a->v) && side_of(&b->v) &&
	       a->v.out_src == b->v.local && a->v.out_sport == b->v.local_port &&
	       b->v.out_src == a->v.local && b->v.out_sport == a->v.local_port &&
	       iface_by_addr(m, a->v.local) >= 0 && iface_by_addr(m, b->v.local) >= 0;
}

/* The session's age and hold flag from its record. */
static void session_age_from(struct session *s, const struct state_rec *rec)
{
	int64_t age_ms = rec->created_unix_ms < 0 ? 0 : wall_ms() - rec->created_unix_ms;

	s->hold = rec->hold;
	free(s->dialog);
	s->dialog = rec->dialog ? strdup(rec->dialog) : NULL; /* NULL: the call ends without BYE */
	if (age_ms > 0 && (uint64_t)age_ms < s->created_ns / 1000000ull)
		s->created_ns -= (uint64_t)age_ms * 1000000ull;
}

/* The file's extras for a session from the maps: those of its record, if
 * the record has the same legs. 0, or -1 with err (SRTP state refused). */
static int session_merge_state(struct session *s, const struct state_rec *rec, char *err,
			       size_t errlen)
{
	if (!rec)
		return 0;
	for (int i = 0; i < 2; i++)
		if (rec->leg[i].local.sin_addr.s_addr != s->leg[i].local.sin_addr.s_addr ||
		    rec->leg[i].local.sin_port != s->leg[i].local.sin_port)
			return 0;
	session_age_from(s, rec);
	for (int i = 0; i < 2; i++) {
		s->leg[i].us = rec->leg[i].us;
		if (leg_extras_from(&s->leg[i], &rec->leg[i], err, errlen))
			return -1;
	}
	return 0;
}

/* A pair whose session is not restored now: its entries and ports stay. */
static void pair_keep(struct restore *rs, const struct map_leg *p, const char *why)
{
	log_warn("session s-%u not restored: %s; its pinned legs are kept (XDP may be "
		 "relaying the call) with their ports, and the next start tries again",
		 p[0].v.session_id, why);
	rs->kept_sessions++;
	for (int i = 0; i < 2; i++) {
		int ifc = iface_by_addr(rs->m, p[i].v.local);

		rs->kept[rs->n_kept++] = p[i].idx;
		port_pool_take(rs->m->ifaces[ifc].ports, ntohs(p[i].v.local_port));
	}
}

/* The session of a pair of entries (p[0] side a, p[1] side b). Its record
 * in the file is taken whatever comes of it: the maps decide. */
static void pair_restore(struct restore *rs, const struct map_leg *p)
{
	struct state_rec *rec = state_rec_find(&rs->f, p[0].v.session_id);
	struct session *s;
	char err[256];

	if (session_find(rs->m, p[0].v.session_id))
		return; /* a second pair of the id: purged */
	if (rec)
		rec->taken = true;
	s = session_new(rs->m, p[0].v.session_id);
	if (!s) {
		pair_keep(rs, p, "out of memory");
		return;
	}
	leg_from_map(rs->m, &s->leg[0], &p[0]);
	leg_from_map(rs->m, &s->leg[1], &p[1]);
	if (session_merge_state(s, rec, err, sizeof(err)))
		log_warn("session s-%u: its SRTP state in the state file is refused: %s",
			 p[0].v.session_id, err);
	if (session_restore(rs->m, s, err, sizeof(err))) {
		/* An SRTP session is never XDP's to relay: its entries go. */
		if (p[0].v.path == RTPE_PATH_SRTP || p[1].v.path == RTPE_PATH_SRTP) {
			log_warn("session s-%u (SRTP) not restored: %s; its pinned legs are removed",
				 p[0].v.session_id, err);
			rs->failed++;
			return;
		}
		pair_keep(rs, p, err);
		return;
	}
	rs->from_map++;
}

/* The sessions of the pinned map. 0 or -errno. */
static int restore_from_map(struct restore *rs)
{
	size_t k = 0;
	int e = xdp_legs_foreach(rs->m->xdp, collect_leg, rs);

	if (e) {
		log_err("cannot read the pinned legs map: %s", strerror(-e));
		return e;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (entry_usable(rs, &rs->a[i]))
			rs->a[k++] = rs->a[i];
	rs->n = k;
	rs->kept = malloc((rs->n ? rs->n : 1) * sizeof(*rs->kept));
	if (!rs->kept)
		return -ENOMEM;
	if (rs->n) /* rs->a may be NULL, which qsort must not be given even for 0 */
		qsort(rs->a, rs->n, sizeof(*rs->a), by_session_side);
	for (size_t i = 0; i + 1 < rs->n; i++) {
		if (!map_pair_ok(rs->m, &rs->a[i], &rs->a[i + 1]))
			continue; /* not a session: purged afterwards */
		pair_restore(rs, &rs->a[i]);
		i++;
	}
	return 0;
}

/* Whether a session only the file has is one the maps would hold. */
static const char *file_only_gone(const struct restore *rs, const struct state_rec *rec)
{
	if (!rs->m->xdp)
		return NULL;
	if (xdp_maps_reused(rs->m->xdp))
		return "in the state file but not in the pinned maps (deleted before the stop)";
	if (rec->leg[0].path == RTPE_PATH_XDP || rec->leg[1].path == RTPE_PATH_XDP)
		return "on the XDP path in the state file, and the pinned maps it lived in are new";
	return NULL;
}

/* One session of the file only (userspace legs without XDP, or new maps). */
static void file_restore(struct restore *rs, const struct state_rec *rec)
{
	struct session *s = session_new(rs->m, rec->id);
	char err[256];

	if (!s) {
		log_warn("session s-%u not restored: out of memory", rec->id);
		rs->failed++;
		return;
	}
	for (int i = 0; i < 2; i++) {
		struct leg *l = &s->leg[i];
		const struct state_leg *f = &rec->leg[i];

		l->iface = f->iface;
		l->local = f->local;
		l->peer = f->peer;
		l->peer_rtcp_port = f->peer_rtcp_port;
		l->path = f->path;
		l->slot = f->slot;
		l->us = f->us;
		if (leg_extras_from(l, f, err, sizeof(err)))
			log_warn("session s-%u leg %c: its SRTP state is refused: %s", rec->id,
				 'a' + i, err);
	}
	session_age_from(s, rec);
	if (session_restore(rs->m, s, err, sizeof(err))) {
		log_warn("session s-%u of the state file not restored: %s", rec->id, err);
		rs->failed++;
		return;
	}
	rs->from_file++;
}

static void restore_from_file(struct restore *rs)
{
	for (size_t i = 0; i < rs->f.n; i++) {
		const struct state_rec *rec = &rs->f.rec[i];
		const char *gone;

		if (rec->taken)
			continue;
		gone = file_only_gone(rs, rec);
		if (gone) {
			log_info("session s-%u not restored: %s", rec->id, gone);
			rs->deleted++;
			continue;
		}
		file_restore(rs, rec);
	}
}

static int by_idx(const void *pa, const void *pb)
{
	__u32 a = *(const __u32 *)pa, b = *(const __u32 *)pb;

	return a < b ? -1 : a > b;
}

/* Whether the entry at idx belongs to a restored session or a kept pair. */
static bool entry_owned(struct restore *rs, const struct rtpe_leg *v, __u32 idx)
{
	struct session *s = session_find(rs->m, v->session_id);

	for (int j = 0; s && j < 2; j++)
		if (s->leg[j].line == idx)
			return true;
	return bsearch(&idx, rs->kept, rs->n_kept, sizeof(*rs->kept), by_idx) != NULL;
}

/* Deletes the map's entries that no restored session or kept pair owns. */
static int purge(struct restore *rs)
{
	unsigned n = 0;
	int e;

	qsort(rs->kept, rs->n_kept, sizeof(*rs->kept), by_idx);
	rs->n = 0;
	e = xdp_legs_foreach(rs->m->xdp, collect_leg, rs);
	for (size_t i = 0; !e && i < rs->n; i++)
		if (!entry_owned(rs, &rs->a[i].v, rs->a[i].idx) &&
		    !xdp_leg_clear(rs->m->xdp, rs->a[i].idx))
			n++;
	if (n)
		log_info("removed %u stale leg entries from the pinned map", n);
	return e;
}

/* New ids above every id of the maps and of the file (never 0). */
static void next_id_settle(struct restore *rs)
{
	uint64_t next = rs->m->next_id;

	if (rs->f.next_id > next)
		next = rs->f.next_id;
	if ((uint64_t)rs->f.max_id + 1 > next)
		next = (uint64_t)rs->f.max_id + 1;
	if ((uint64_t)rs->max_map_id + 1 > next)
		next = (uint64_t)rs->max_map_id + 1;
	if (rs->ids_next > next) /* above every id a crashed predecessor gave */
		next = rs->ids_next;
	rs->m->next_id = next && next <= UINT32_MAX ? (uint32_t)next : 1;
}

static int restore_run(struct restore *rs)
{
	int e = 0;

	if (rs->m->xdp)
		e = restore_from_map(rs);
	if (e)
		return e;
	restore_from_file(rs);
	e = sessions_rebuild_slots(rs->m);
	if (!e && rs->m->xdp)
		e = purge(rs);
	next_id_settle(rs);
	return e;
}

int state_restore(struct state_file *sf, char *err, size_t errlen)
{
	const char *path = sf->m->cfg->state_file;
	struct restore rs = { .m = sf->m, .ids_next = state_ids_read(sf) };
	int e = state_load(path, sf->m->cfg, &rs.f);

	if (!e && rs.f.bad)
		state_set_aside(path, rs.f.why); /* before anything uses it */
	if (!e)
		e = restore_run(&rs);
	free(rs.a);
	free(rs.kept);
	state_loaded_free(&rs.f);
	if (e) {
		snprintf(err, errlen, "restoring sessions: %s", strerror(-e));
		return e;
	}
	if (rs.from_map || rs.from_file || rs.kept_sessions || rs.failed || rs.deleted)
		log_info("restored %u sessions from the maps and %u from %s; not restored: %u kept "
			 "in the maps, %u failed, %u deleted before the stop", rs.from_map,
			 rs.from_file, path, rs.kept_sessions, rs.failed, rs.deleted);
	state_ids_reserve(sf); /* before the first new id */
	state_mark_dirty(sf);
	if (rs.f.bad)
		state_write(sf); /* what could be read is on disk again at once */
	e = state_writer_start(sf);
	if (e) {
		snprintf(err, errlen, "state timer: %s", strerror(-e));
		return e;
	}
	return 0;
}
