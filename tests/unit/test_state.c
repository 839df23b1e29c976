// SPDX-License-Identifier: GPL-2.0
/*
 * test_state.c - the state file written in slices (daemon/state/state_writer.c)
 * on a real session table (tests/unit/state_fixture.h): a write
 * interleaved with sessions destroyed (the one it was to write next among
 * them) and created is valid and complete; the next write catches up; a
 * restart (a second daemon in this process) from the interleaved file
 * restores exactly its sessions, with next_id above them all, and so does
 * a file of an earlier version (legs' "iface"); the periodic writer runs
 * its slices on the loop while the table changes under it.
 * The file's text: test_state_text.c; stops and failures: test_state_fail.c.
 */
#include "state_fixture.h"

/* The id of the last record in the tmp file of the write in progress: the
 * cursor is the first session after it. 0 when none yet, UINT32_MAX when
 * every record is written. */
static uint32_t tmp_last_id(void)
{
	char *t = slurp(tmp_path), *p;
	uint32_t id = 0;
	size_t n = t ? strlen(t) : 0;

	if (!t || (n >= 4 && !strcmp(t + n - 4, "\n]}\n"))) {
		free(t);
		return UINT32_MAX; /* all written: there is no cursor */
	}
	p = strstr(t, "\n{\"id\":");
	for (char *q = p; q; q = strstr(q + 1, "\n{\"id\":"))
		p = q;
	if (p)
		id = (uint32_t)strtoul(p + 7, NULL, 10);
	free(t);
	return id;
}

/* The session the write in progress writes next (the first after the last
 * record in its tmp file: the table is in id order). */
static struct session *cursor_of(struct rtpe *r)
{
	uint32_t last = tmp_last_id();
	struct session *s = r->m.first;

	while (s && s->id <= last)
		s = s->next;
	return s;
}

/* What the interleaved write saw happen. */
struct churn {
	uint32_t gone_unwritten[256]; /* destroyed before the write reached them */
	int n_gone;
	uint32_t gone_written;        /* destroyed after it was written */
	uint32_t added[32];
	int n_added;
};

/* Destroys the session the write is to write next, and the one after it
 * when both is set (the cursor must move on twice), and adds one. */
static void churn_at_cursor(struct churn *c, bool both)
{
	struct session *cur = cursor_of(&R);

	if (!cur)
		return; /* the records are all written: what changes now is the next write's */
	for (int i = 0; cur && i < (both ? 2 : 1) && c->n_gone < 256; i++) {
		struct session *next = cur->next;

		c->gone_unwritten[c->n_gone++] = cur->id;
		del_one(&R, cur->id);
		cur = next;
	}
	if (c->n_added < 32)
		c->added[c->n_added++] = add_one(&R);
}

static bool in_list(const uint32_t *a, int n, uint32_t id)
{
	for (int i = 0; i < n; i++)
		if (a[i] == id)
			return true;
	return false;
}

/* The file against the table and what happened while it was written. */
static void check_interleaved(const struct churn *c, uint32_t next_id0)
{
	struct json_object *root, *arr;
	uint32_t next_id = 0, prev = 0, max_id = 0;
	struct session *s = R.m.first;
	size_t n, i;
	char buf[32];

	arr = file_sessions(state_path, &root, &next_id);
	CHECK(arr, "the file does not parse");
	n = arr ? json_object_array_length(arr) : 0;
	CHECK(next_id == next_id0, "next_id %u, the table's at the start %u", next_id, next_id0);
	for (i = 0; i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(arr, i);
		uint32_t id = rec_id(rec);

		CHECK(id > prev, "record %zu: id %u after %u", i, id, prev);
		CHECK(!in_list(c->gone_unwritten, c->n_gone, id), "s-%u was destroyed before it was written", id);
		while (s && s->id < id)
			s = s->next; /* skipped (destroyed after it was written: not in the table) */
		if (s && s->id == id)
			CHECK(!strcmp(rec_leg(rec, 1, "local"), sockaddr_str(&s->leg[1].local, buf, sizeof(buf))),
			      "s-%u leg b local %s", id, rec_leg(rec, 1, "local"));
		prev = max_id = id;
	}
	/* Every session in the table up to the last record is in the file. */
	for (s = R.m.first, i = 0; s && s->id <= max_id; s = s->next) {
		while (i < n && rec_id(json_object_array_get_idx(arr, i)) < s->id)
			i++;
		CHECK(i < n && rec_id(json_object_array_get_idx(arr, i)) == s->id, "s-%u skipped", s->id);
	}
	for (i = 0; i < n && rec_id(json_object_array_get_idx(arr, i)) != c->gone_written; i++)
		;
	CHECK(i < n, "s-%u, written then destroyed, is not in the file", c->gone_written);
	for (int k = 0; k < c->n_added; k++)
		CHECK(c->added[k] && c->added[k] >= next_id0 && c->added[k] <= max_id,
		      "s-%u added during the write (file ends at s-%u)", c->added[k], max_id);
	json_object_put(root);
}

static void t_interleaved(void)
{
	struct churn c = { 0 };
	uint32_t next_id0 = R.m.next_id;
	int fds = fd_count(), slices = 1, e;

	CASE_BEGIN("slices: a write with sessions destroyed (its cursor among them) and added "
		   "between slices is valid and complete");
	CHECK(!state_write_begin(&R.sf), "begin");
	e = state_write_slice(&R.sf, 0); /* the head and 32 records */
	CHECK(e == 1 && tmp_last_id() == 32, "first slice: %d, last id %u", e, tmp_last_id());
	c.gone_written = R.m.first->id;
	del_one(&R, c.gone_written);
	c.gone_unwritten[c.n_gone++] = R.m.last->prev->id; /* far ahead */
	del_one(&R, R.m.last->prev->id);
	churn_at_cursor(&c, false);
	while (e > 0 && slices < 4000) {
		e = state_write_slice(&R.sf, 0);
		if (++slices % 3 == 0 && e > 0)
			churn_at_cursor(&c, slices % 2 == 0);
	}
	CHECK(e == 0, "write: %d (%s) after %d slices", e, strerror(-e), slices);
	CHECK(slices > 20 && c.n_gone > 10, "%d slices, %d destroyed", slices, c.n_gone);
	CHECK(!state_writing(&R.sf) && access(tmp_path, F_OK), "the write is over, no tmp file");
	CHECK(state_is_dirty(&R.sf), "the table changed during the write: still dirty");
	check_interleaved(&c, next_id0);
	CHECK(fd_count() == fds, "%d file descriptors open, %d before", fd_count(), fds);
	CASE_END();
}

static char keep_path[300];

static void t_complete_after(void)
{
	CASE_BEGIN("slices: the next write brings the file up to the table, and it is clean");
	CHECK(!rename(state_path, keep_path), "keeping the interleaved file: %s", strerror(errno));
	CHECK(!state_write(&R.sf), "state_write");
	CHECK(!state_is_dirty(&R.sf), "still dirty after a write with no change during it");
	CHECK(file_matches_table(state_path, &R), "the file's sessions are not the table's");
	CASE_END();
}

/* The restored table against the file it came from, whose legs name their
 * interface under iface_key. */
static void check_restored(struct json_object *arr, uint32_t max_id, const char *iface_key)
{
	char buf[32];
	int held = 0;

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *rec = json_object_array_get_idx(arr, i);
		struct session *s = session_find(&R.m, rec_id(rec));

		CHECK(s, "s-%u not restored", rec_id(rec));
		if (!s)
			continue;
		for (int j = 0; j < 2; j++) {
			CHECK(!strcmp(rec_leg(rec, j, "local"), sockaddr_str(&s->leg[j].local, buf, sizeof(buf))),
			      "s-%u leg %d local %s, file %s", s->id, j, buf, rec_leg(rec, j, "local"));
			CHECK(!strcmp(rec_leg(rec, j, "peer"), sockaddr_str(&s->leg[j].peer, buf, sizeof(buf))),
			      "s-%u leg %d peer %s, file %s", s->id, j, buf, rec_leg(rec, j, "peer"));
			CHECK(rec_leg(rec, j, iface_key) &&
			      !strcmp(rec_leg(rec, j, iface_key), R.m.ifaces[s->leg[j].iface].cfg.name),
			      "s-%u leg %d interface %s, file %s", s->id, j,
			      R.m.ifaces[s->leg[j].iface].cfg.name, rec_leg(rec, j, iface_key));
		}
		CHECK(s->hold == json_object_get_boolean(json_object_object_get(rec, "hold")),
		      "s-%u hold", s->id);
		held += s->hold;
	}
	CHECK(held > 0, "no session on hold was restored");
	CHECK(R.m.next_id > max_id, "next_id %u after restoring up to s-%u", R.m.next_id, max_id);
}

static void t_restart(void)
{
	struct json_object *root, *arr;
	uint32_t next_id = 0, max_id = 0, id;
	char err[512];

	CASE_BEGIN("restart from the interleaved file: exactly its sessions, next_id above them all");
	daemon_finish(&R); /* xdp_mode off: it removes the state file */
	CHECK(!rename(keep_path, state_path), "the interleaved file back: %s", strerror(errno));
	arr = file_sessions(state_path, &root, &next_id);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		max_id = rec_id(json_object_array_get_idx(arr, i));
	CHECK(arr && max_id >= next_id, "the file's next_id %u is not behind its last id %u "
	      "(the case this tests)", next_id, max_id);
	if (daemon_up(&R, err, sizeof(err))) {
		CHECK(0, "restart: %s", err);
		json_object_put(root);
		CASE_END();
		return;
	}
	CHECK(arr && R.m.n_sessions == json_object_array_length(arr), "%u sessions restored, file %zu",
	      R.m.n_sessions, arr ? json_object_array_length(arr) : 0);
	if (arr)
		check_restored(arr, max_id, "interface");
	id = add_one(&R);
	CHECK(id > max_id, "a new session is s-%u, the file had up to s-%u", id, max_id);
	json_object_put(root);
	CASE_END();
}

/* The file as an earlier version wrote it: each leg's "interface" named
 * "iface". How many legs were renamed, or -1. */
static int write_old_spelling(const char *text, const char *path)
{
	static const char now[] = "\"interface\":", old[] = "\"iface\":";
	FILE *f = fopen(path, "w");
	const char *p = text, *q;
	int n = 0;

	if (!f)
		return -1;
	for (; (q = strstr(p, now)); p = q + strlen(now), n++)
		fprintf(f, "%.*s%s", (int)(q - p), p, old);
	fputs(p, f);
	return fclose(f) ? -1 : n;
}

static void t_old_spelling(void)
{
	struct json_object *root, *arr;
	uint32_t next_id = 0, max_id = 0;
	char err[512], *text;
	int legs;

	CASE_BEGIN("restart from the file of an earlier version (legs' \"iface\"): every session");
	CHECK(!state_write(&R.sf), "state_write");
	text = slurp(state_path);
	daemon_finish(&R); /* xdp_mode off: it removes the state file */
	legs = text ? write_old_spelling(text, state_path) : -1;
	free(text);
	arr = file_sessions(state_path, &root, &next_id);
	CHECK(arr && legs == 2 * (int)json_object_array_length(arr), "%d legs renamed, %zu sessions",
	      legs, arr ? json_object_array_length(arr) : 0);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		max_id = rec_id(json_object_array_get_idx(arr, i));
	if (daemon_up(&R, err, sizeof(err))) {
		CHECK(0, "restart: %s", err);
		json_object_put(root);
		CASE_END();
		return;
	}
	CHECK(arr && R.m.n_sessions == json_object_array_length(arr), "%u sessions restored, file %zu",
	      R.m.n_sessions, arr ? json_object_array_length(arr) : 0);
	if (arr)
		check_restored(arr, max_id, "iface");
	json_object_put(root);
	CASE_END();
}

/* ---- the periodic writer on the loop ------------------------------------------ */

struct churn_loop {
	int ticks, changes, writes_seen;
	bool writing;
};

#define LOOP_TICKS 6000 /* 1 ms each: the writer checks once a second */

/* Every ms: while the first write runs, two sessions go and two come; once
 * a later write has caught up with them, stop. */
static void churn_tick(struct loop *l, void *arg)
{
	struct churn_loop *c = arg;

	c->ticks++;
	if (state_writing(&R.sf) && !c->writing)
		c->writes_seen++;
	c->writing = state_writing(&R.sf);
	for (int i = 0; c->writing && c->writes_seen == 1 && i < 2; i++) {
		del_one(&R, R.m.first->next->id);
		add_one(&R);
		c->changes++;
	}
	if ((c->writes_seen >= 2 && !c->writing && !state_is_dirty(&R.sf)) || c->ticks >= LOOP_TICKS)
		loop_stop(l);
}

static void t_loop(void)
{
	struct churn_loop c = { 0 };
	int fds = fd_count(), fd;

	CASE_BEGIN("periodic writer: the loop runs slices on its timer while the table changes; "
		   "a later write catches up");
	fd = loop_every(R.loop, 1, churn_tick, &c);
	CHECK(fd >= 0, "timer: %s", strerror(-fd));
	state_mark_dirty(&R.sf);
	if (fd >= 0)
		loop_run(R.loop);
	CHECK(c.changes > 0 && c.writes_seen >= 2 && c.ticks < LOOP_TICKS,
	      "%d changes, %d writes in %d ticks", c.changes, c.writes_seen, c.ticks);
	CHECK(!state_is_dirty(&R.sf) && file_matches_table(state_path, &R), "the file is not the table");
	if (fd >= 0) {
		loop_del(R.loop, fd);
		close(fd);
	}
	CHECK(fd_count() == fds, "%d file descriptors open, %d before", fd_count(), fds);
	CASE_END();
}

/* A crash a moment after the last write: the ids handed out since are in
 * no state file, and the restart must not give them again (FILE.ids). */
static void t_crash_ids(void)
{
	char err[512], ids[320], ids_keep[340], file_keep[320];
	uint32_t last = 0, id;

	CASE_BEGIN("a crash after the last write: the ids handed out since are not given again");
	CHECK(!state_write(&R.sf), "state_write");
	for (int i = 0; i < 5; i++)
		last = add_one(&R); /* in no state file */
	snprintf(ids, sizeof(ids), "%s.ids", state_path);
	snprintf(ids_keep, sizeof(ids_keep), "%s/ids.keep", dir);
	snprintf(file_keep, sizeof(file_keep), "%s/state.keep", dir);
	/* As a SIGKILL leaves them: daemon_finish (xdp_mode off) removes both. */
	CHECK(!rename(state_path, file_keep), "keeping the state file: %s", strerror(errno));
	CHECK(!rename(ids, ids_keep), "keeping %s: %s", ids, strerror(errno));
	daemon_finish(&R);
	CHECK(!rename(file_keep, state_path) && !rename(ids_keep, ids), "files back: %s",
	      strerror(errno));
	if (daemon_up(&R, err, sizeof(err))) {
		CHECK(0, "restart: %s", err);
		CASE_END();
		return;
	}
	CHECK(!session_find(&R.m, last), "s-%u, created after the last write, came back", last);
	id = add_one(&R);
	CHECK(id > last, "a new session after the crash is s-%u: s-%u was handed out before it",
	      id, last);
	CASE_END();
}

int main(void)
{
	char err[512];
	const char *why;

	log_setup(true, LOG_LVL_WARN);
	why = bed_up(err, sizeof(err));
	snprintf(keep_path, sizeof(keep_path), "%s/interleaved.json", dir);
	if (why) {
		CASE_SKIP("state file writes in slices on a real table", why);
	} else {
		t_interleaved();
		t_complete_after();
		t_restart();
		t_old_spelling();
		t_crash_ids();
		t_loop();
	}
	bed_down();
	CHECK_EXIT();
}
