// SPDX-License-Identifier: GPL-2.0
/*
 * state_writer.c - owns writing the state file (format and pace in
 * state.h): the dirty mark, the write in slices, the tmp file, its sync,
 * the rename and the release of the file it replaces.
 *
 * At 100,000 sessions the file holds ~45 MB; written at once it blocked
 * the loop for about a second (control socket, userspace relay). So a
 * write runs in slices, one per tick of a 1 ms timer armed only while it
 * runs, and the loop gets at least as long as a slice took before the
 * next one. A slice writes the records of the sessions that fit in
 * STATE_SLICE_NS (the clock is read every STATE_CHECK_EVERY sessions),
 * hands them to FILE.tmp with write(2) and starts their writeback; once
 * STATE_SYNC_BYTES are unsynced, a slice syncs the file instead. Syncing in
 * steps matters: what a sync costs here is the device's cache flush, which
 * grows with the data written since the last one (one fdatasync of 40 MB
 * took 20-50 ms even after sync_file_range had started every page; steps
 * of 1 MB take ~1-2 ms). The last slice syncs the rest and renames. The
 * rename would free the replaced file's blocks at once (~25 ms for 40 MB
 * on ext4): a large one is held open across it, and its last close, where
 * the blocks go, is left to a thread that does nothing else.
 *
 * The table changes between slices. Sessions are appended at its tail, so
 * the cursor reaches new ones or the records are all written; a session
 * destroyed while it is the cursor moves the cursor on (state_forget).
 * Dirty is a generation count: a finished write makes the file current
 * only as of the generation it began with, so a change made while it ran
 * is written by the next one.
 */
#include "state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/loop.h"
#include "state/state_text.h"

#define STATE_WRITE_MS 1000     /* how often the table is checked for changes */
#define STATE_SHARE 20          /* writes (slices summed) keep to 1/20 of the loop */
#define STATE_SLICE_NS 1000000  /* the records one slice writes: 1 ms of work */
#define STATE_SLICE_MS 1        /* the slice timer */
#define STATE_CHECK_EVERY 32    /* sessions between clock reads in a slice */
#define STATE_FLUSH_BYTES (256 * 1024)   /* text goes to the file in pieces of this */
#define STATE_SYNC_BYTES (1024 * 1024)   /* a sync slice once this much is unsynced */
#define STATE_CLOSE_AWAY (4 * 1024 * 1024) /* a replaced file this large is closed off the loop */

enum writer_phase {
	W_RECORDS,  /* head and records, then the tail */
	W_RENAME,   /* the last sync and the rename */
};

struct state_writer {
	enum writer_phase phase;
	int fd;                      /* FILE.tmp, -1 once closed */
	int old_fd;                  /* the file being replaced, or -1 */
	int timer;                   /* the slice timer, -1 when none */
	char tmp[sizeof(((struct rtpe_cfg *)0)->state_file) + 4];
	const struct session *next;  /* the next session to write; NULL: all written */
	bool first;                  /* no record written yet */
	uint64_t gen;                /* sf->gen when the write began */
	off_t off, synced, started;  /* bytes written, synced, whose writeback began */
	const char *step;            /* what a failure comes from */
	struct jbuf text;
	unsigned n, slices;
	uint64_t began_ns, work_ns, longest_ns, sync_ns, last_end_ns, last_took_ns;
};

void state_mark_dirty(struct state_file *sf)
{
	sf->gen++;
}

bool state_is_dirty(const struct state_file *sf)
{
	return sf->gen != sf->saved_gen;
}

bool state_writing(const struct state_file *sf)
{
	return sf->w != NULL;
}

void state_forget(struct state_file *sf, const struct session *s)
{
	if (sf->w && sf->w->next == s)
		sf->w->next = s->next;
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

/*
 * FILE.tmp, new, 0600 whatever the umask: the file holds SRTP keys. What is
 * at its place (a tmp file a crash left, with the mode an older version
 * gave it, or a symbolic link to anywhere) is removed, never opened or
 * followed; O_EXCL | O_NOFOLLOW refuse whatever appears meanwhile. The
 * rename that replaces FILE replaces a link there too, never its target.
 */
static int tmp_open(const char *tmp)
{
	int fd;

	if (unlink(tmp) < 0 && errno != ENOENT)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && fchmod(fd, 0600) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	return fd;
}

/* Ends the write: closes and frees everything it holds (not the tmp file). */
static void writer_free(struct state_file *sf)
{
	struct state_writer *w = sf->w;

	if (w->timer >= 0) {
		loop_del(sf->m->loop, w->timer);
		close(w->timer);
	}
	if (w->fd >= 0)
		close(w->fd);
	if (w->old_fd >= 0)
		close(w->old_fd);
	free(w->text.p);
	free(w);
	sf->w = NULL;
}

/* A write that failed: logged once, its tmp file removed, the table stays
 * dirty (a later tick tries again, paced like a write). */
static void writer_fail(struct state_file *sf, int e)
{
	struct state_writer *w = sf->w;
	uint64_t end = mono_ns();

	log_err("cannot write state file %s: %s %s: %s; the previous file stays, retried at "
		"the next change check (is the disk full? is the directory writable?)",
		sf->m->cfg->state_file, w->step, w->tmp, strerror(-e));
	unlink(w->tmp);
	loop_duty_done(&sf->duty, end - w->work_ns, end);
	writer_free(sf);
}

int state_write_begin(struct state_file *sf)
{
	struct state_writer *w;
	int e;

	if (sf->w)
		return -EBUSY;
	w = calloc(1, sizeof(*w));
	if (!w) {
		log_err("cannot write state file %s: out of memory", sf->m->cfg->state_file);
		return -ENOMEM;
	}
	sf->w = w;
	w->fd = w->timer = w->old_fd = -1;
	w->began_ns = mono_ns();
	w->gen = sf->gen;
	w->next = sf->m->first;
	w->first = true;
	snprintf(w->tmp, sizeof(w->tmp), "%s.tmp", sf->m->cfg->state_file);
	w->step = "the directory of";
	e = mkdir_parent(sf->m->cfg->state_file);
	if (!e) {
		w->step = "open";
		w->fd = tmp_open(w->tmp);
	}
	if (e || w->fd < 0) {
		e = e ? e : -errno;
		writer_fail(sf, e);
		return e;
	}
	state_text_head(&w->text, sf->m->next_id);
	w->work_ns = mono_ns() - w->began_ns;
	return 0;
}

/* Hands the text written so far to the file. 0 or -errno. */
static int text_flush(struct state_writer *w)
{
	size_t done = 0;

	w->step = "write";
	if (w->text.oom)
		return -ENOMEM;
	while (done < w->text.len) {
		ssize_t n = write(w->fd, w->text.p + done, w->text.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	w->off += (off_t)done;
	w->text.len = 0;
	return 0;
}

/* A slice of its own: syncs what the slices before wrote. 0 or -errno. */
static int text_sync(struct state_writer *w)
{
	w->step = "fdatasync";
	if (fdatasync(w->fd))
		return -errno;
	w->synced = w->started = w->off;
	return 0;
}

/* Records until the budget is spent or the table ends (then the tail). */
static int write_records(struct state_file *sf, struct state_writer *w, uint64_t t0,
			 uint64_t budget_ns)
{
	int64_t now_ms = wall_ms(); /* t0 is after every session's creation */
	unsigned k = 0;
	int e;

	while (w->next) {
		state_text_session(&w->text, sf->m, w->next, w->first, now_ms, t0);
		w->first = false;
		w->next = w->next->next;
		w->n++;
		if (w->text.len >= STATE_FLUSH_BYTES && (e = text_flush(w)))
			return e;
		if (++k % STATE_CHECK_EVERY == 0 && mono_ns() - t0 >= budget_ns)
			break;
	}
	if (!w->next) {
		state_text_tail(&w->text);
		w->phase = W_RENAME;
	}
	e = text_flush(w);
	if (e)
		return e;
	/* Only a head start for the sync: where it fails, the sync has more to do. */
	sync_file_range(w->fd, w->started, w->off - w->started, SYNC_FILE_RANGE_WRITE);
	w->started = w->off;
	return 0;
}

static void *close_away(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

/* Lets go of the replaced file: a large one in a detached thread, so that
 * freeing its blocks does not hold the loop (other holders of the file
 * keep it whole, as a plain rename would). */
static void old_release(int fd)
{
	pthread_attr_t a;
	struct stat st;
	pthread_t t;
	bool away;

	if (fd < 0)
		return;
	away = !fstat(fd, &st) && st.st_size >= STATE_CLOSE_AWAY && !pthread_attr_init(&a);
	if (away) {
		away = !pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) &&
		       !pthread_create(&t, &a, close_away, (void *)(intptr_t)fd);
		pthread_attr_destroy(&a);
	}
	if (!away)
		close(fd);
}

/* The last sync, then the tmp file takes FILE's place. 0 or -errno. */
static int write_rename(struct state_file *sf, struct state_writer *w)
{
	uint64_t t = mono_ns();
	int e;

	w->step = "fdatasync";
	e = fdatasync(w->fd) ? -errno : 0;
	w->sync_ns = mono_ns() - t;
	w->step = "close";
	if (close(w->fd) && !e)
		e = -errno;
	w->fd = -1;
	if (e)
		return e;
	/* Held across the rename so that it does not free the old blocks. */
	w->old_fd = open(sf->m->cfg->state_file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	w->step = "rename";
	if (rename(w->tmp, sf->m->cfg->state_file) < 0)
		return -errno;
	sf->saved_gen = w->gen;
	old_release(w->old_fd);
	w->old_fd = -1;
	return 0;
}

static void write_done(struct state_file *sf)
{
	struct state_writer *w = sf->w;
	uint64_t end = mono_ns();

	log_debug("state file: %u sessions written in %.3f s (%u slices, longest %.2f ms, "
		  "last fdatasync %.2f ms; %.3f s from start to end)%s", w->n,
		  (double)w->work_ns / 1e9, w->slices, (double)w->longest_ns / 1e6,
		  (double)w->sync_ns / 1e6, (double)(end - w->began_ns) / 1e9,
		  state_is_dirty(sf) ? "; the table changed meanwhile: it is written again" : "");
	loop_duty_done(&sf->duty, end - w->work_ns, end);
	writer_free(sf);
}

/* The slice of the phase the write is in: 1 while more remains, 0 once the
 * write is complete, -errno. */
static int slice_run(struct state_file *sf, struct state_writer *w, uint64_t t0, uint64_t budget_ns)
{
	int e;

	switch (w->phase) {
	case W_RECORDS:
		if (w->off - w->synced >= STATE_SYNC_BYTES)
			e = text_sync(w);
		else
			e = write_records(sf, w, t0, budget_ns);
		return e ? e : 1;
	case W_RENAME:
		return write_rename(sf, w);
	}
	return -EINVAL;
}

int state_write_slice(struct state_file *sf, uint64_t budget_ns)
{
	struct state_writer *w = sf->w;
	uint64_t t0 = mono_ns();
	int e;

	if (!w)
		return -EINVAL;
	e = slice_run(sf, w, t0, budget_ns);
	w->last_end_ns = mono_ns();
	w->last_took_ns = w->last_end_ns - t0;
	w->slices++;
	w->work_ns += w->last_took_ns;
	if (w->last_took_ns > w->longest_ns)
		w->longest_ns = w->last_took_ns;
	if (e < 0)
		writer_fail(sf, e);
	else if (!e)
		write_done(sf);
	return e;
}

/* Drops a write in progress: its tmp file goes, the table stays dirty. */
static void write_drop(struct state_file *sf)
{
	unlink(sf->w->tmp);
	writer_free(sf);
}

int state_write(struct state_file *sf)
{
	int e;

	if (sf->w)
		write_drop(sf); /* it may have missed changes: all again */
	e = state_write_begin(sf);
	if (e)
		return e;
	do
		e = state_write_slice(sf, UINT64_MAX);
	while (e > 0);
	return e;
}

void state_remove(struct state_file *sf)
{
	if (sf->w)
		write_drop(sf);
	if (unlink(sf->m->cfg->state_file) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", sf->m->cfg->state_file, strerror(errno));
}

/* The next slice, once the loop has had as long as the last one took. */
static void slice_tick(struct loop *l, void *arg)
{
	struct state_file *sf = arg;
	struct state_writer *w = sf->w;

	(void)l;
	if (w && mono_ns() - w->last_end_ns >= w->last_took_ns)
		state_write_slice(sf, STATE_SLICE_NS); /* frees the timer when it ends */
}

static void state_tick(struct loop *l, void *arg)
{
	struct state_file *sf = arg;
	uint64_t start = mono_ns();
	int fd;

	(void)l;
	if (sf->w || !state_is_dirty(sf) ||
	    !loop_duty_due(&sf->duty, STATE_SHARE, start))
		return;
	if (state_write_begin(sf)) {
		loop_duty_done(&sf->duty, start, mono_ns());
		return;
	}
	if (state_write_slice(sf, STATE_SLICE_NS) <= 0)
		return;
	fd = loop_every(sf->m->loop, STATE_SLICE_MS, slice_tick, sf);
	if (fd < 0) {
		sf->w->step = "the slice timer for";
		writer_fail(sf, fd);
		return;
	}
	sf->w->timer = fd;
}

int state_writer_start(struct state_file *sf)
{
	int fd;

	if (sf->ticking)
		return 0;
	fd = loop_every(sf->m->loop, STATE_WRITE_MS, state_tick, sf);
	sf->ticking = fd >= 0;
	return fd < 0 ? fd : 0;
}
