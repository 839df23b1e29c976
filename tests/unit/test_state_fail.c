// SPDX-License-Identifier: GPL-2.0
/*
 * test_state_fail.c - the state file writer when a write cannot run its
 * course, on a real session table (tests/unit/state_fixture.h): a stop
 * during a sliced write (a complete write at once, or the file removed);
 * an unusable directory and a full disk mid-write, each logged once with
 * the path and the reason, the previous file kept, the table still dirty.
 * Never a tmp file or a file descriptor left behind. The file (it holds
 * SRTP keys) is created 0600 whatever umask and an older FILE.tmp say,
 * and a symbolic link at FILE.tmp or FILE is never followed.
 */
#include "state_fixture.h"

static void t_shutdown(void)
{
	int fds = fd_count(), e;

	CASE_BEGIN("shutdown during a sliced write: all written again at once, or the file "
		   "removed; no tmp file, no fd left");
	CHECK(!state_write_begin(&R.sf), "begin");
	for (int i = 0; i < 3; i++)
		state_write_slice(&R.sf, 0);
	CHECK(state_writing(&R.sf) && !access(tmp_path, F_OK), "a write in progress");
	del_one(&R, R.m.first->id); /* written already: finishing that write would keep it */
	add_one(&R);
	e = state_write(&R.sf);
	CHECK(!e, "state_write: %s", strerror(-e));
	CHECK(!state_writing(&R.sf) && access(tmp_path, F_OK), "the write in progress is gone");
	CHECK(!state_is_dirty(&R.sf) && file_matches_table(state_path, &R), "the file is the table");
	CHECK(fd_count() == fds, "%d file descriptors open, %d before", fd_count(), fds);
	CHECK(!state_write_begin(&R.sf), "begin");
	state_write_slice(&R.sf, 0);
	state_write_slice(&R.sf, 0);
	state_remove(&R.sf);
	CHECK(!state_writing(&R.sf) && access(tmp_path, F_OK) && access(state_path, F_OK),
	      "state_remove leaves a file behind");
	CHECK(fd_count() == fds, "%d file descriptors open, %d before", fd_count(), fds);
	CASE_END();
}

/* ---- failures ------------------------------------------------------------------ */

static int saved_stderr = -1;

static void capture_begin(void)
{
	int fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* What was logged since capture_begin (free it). */
static char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	return slurp(cap_path);
}

/* One failing write through the slices; its result and what it logged. */
static int failing_write(char **log)
{
	int e, n = 0;

	capture_begin();
	e = state_write_begin(&R.sf);
	if (!e)
		do
			e = state_write_slice(&R.sf, 0);
		while (e > 0 && ++n < 100000);
	*log = capture_end();
	return e;
}

static int count_of(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

static void check_failed(int e, int want, const char *log, int fds)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "cannot write state file %s: ", R.cfg.state_file);
	CHECK(e == want, "%d (%s), expected %s", e, strerror(-e), strerror(-want));
	CHECK(log && strstr(log, msg) && strstr(log, strerror(-want)), "log: %s", log);
	CHECK(log && count_of(log, "cannot write state file") == 1, "logged more than once: %s", log);
	CHECK(!state_writing(&R.sf) && state_is_dirty(&R.sf), "the table must stay dirty");
	CHECK(fd_count() == fds, "%d file descriptors open, %d before", fd_count(), fds);
}

static void t_unusable_dir(void)
{
	char file[100], *log;
	int fds, e;
	FILE *f;

	CASE_BEGIN("failure: a state file under a regular file is refused once, with its path");
	snprintf(file, sizeof(file), "%s/afile", dir);
	f = fopen(file, "w");
	if (f)
		fclose(f);
	snprintf(R.cfg.state_file, sizeof(R.cfg.state_file), "%s/afile/state.json", dir);
	state_mark_dirty(&R.sf);
	fds = fd_count();
	e = failing_write(&log);
	check_failed(e, -ENOTDIR, log, fds);
	free(log);
	snprintf(R.cfg.state_file, sizeof(R.cfg.state_file), "%s", state_path);
	CASE_END();
}

static void t_disk_full(void)
{
	char small[64], path[100], tmp[110], *log, *old;
	int fds, e;
	FILE *f;

	CASE_BEGIN("failure: a full disk mid-write leaves the old file and no tmp file");
	snprintf(small, sizeof(small), "%s/small", dir);
	snprintf(path, sizeof(path), "%s/state.json", small);
	mkdir(small, 0700);
	if (mount("tmpfs", small, "tmpfs", 0, "size=64k")) {
		CHECK(0, "mount tmpfs on %s: %s", small, strerror(errno));
		CASE_END();
		return;
	}
	f = fopen(path, "w");
	if (f) {
		fputs("old\n", f);
		fclose(f);
	}
	snprintf(R.cfg.state_file, sizeof(R.cfg.state_file), "%s", path);
	state_mark_dirty(&R.sf);
	fds = fd_count();
	e = failing_write(&log);
	check_failed(e, -ENOSPC, log, fds);
	old = slurp(path);
	CHECK(old && !strcmp(old, "old\n"), "the previous file changed: %.40s", old);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK(access(tmp, F_OK), "%s is left", tmp);
	capture_begin();
	e = state_write(&R.sf);
	free(capture_end());
	CHECK(e == -ENOSPC && fd_count() == fds, "state_write on a full disk: %s", strerror(-e));
	free(old);
	free(log);
	snprintf(R.cfg.state_file, sizeof(R.cfg.state_file), "%s", state_path);
	umount(small);
	CASE_END();
}

/* ---- permissions and links ----------------------------------------------------- */

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode;
}

static void put_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		fchmod(fd, mode);
		close(fd);
	}
}

static void t_mode_links(void)
{
	char victim[300], *v;
	mode_t m;
	int e;

	CASE_BEGIN("the file is 0600 (umask 0, an old 0666 FILE.tmp); links at FILE.tmp and "
		   "FILE are replaced, never followed");
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	umask(0);
	put_text(tmp_path, "old tmp\n", 0666);
	e = state_write(&R.sf);
	m = mode_of(state_path);
	CHECK(!e && S_ISREG(m) && (m & 07777) == 0600, "state_write %d: mode %o", e, m & 07777);
	umask(022);

	put_text(victim, "victim\n", 0644);
	CHECK(!symlink(victim, tmp_path), "symlink at %s: %s", tmp_path, strerror(errno));
	e = state_write(&R.sf);
	v = slurp(victim);
	m = mode_of(state_path);
	CHECK(v && !strcmp(v, "victim\n") && (mode_of(victim) & 07777) == 0644,
	      "the write followed the link at FILE.tmp: the target now holds %.40s", v);
	CHECK(!e && S_ISREG(m) && (m & 07777) == 0600 && access(tmp_path, F_OK),
	      "state_write %d: FILE mode %o, FILE.tmp left", e, m & 07777);
	free(v);

	unlink(state_path);
	CHECK(!symlink(victim, state_path), "symlink at %s: %s", state_path, strerror(errno));
	e = state_write(&R.sf);
	v = slurp(victim);
	m = mode_of(state_path);
	CHECK(v && !strcmp(v, "victim\n"), "the write followed the link at FILE: %.40s", v);
	CHECK(!e && S_ISREG(m) && (m & 07777) == 0600, "state_write %d: FILE mode %o", e, m & 07777);
	free(v);
	CHECK(file_matches_table(state_path, &R), "the file is not the table");
	CASE_END();
}

int main(void)
{
	char err[512];
	const char *why;

	log_setup(true, LOG_LVL_WARN);
	why = bed_up(err, sizeof(err));
	if (why) {
		CASE_SKIP("state file writes that cannot run their course", why);
	} else {
		t_shutdown();
		t_mode_links();
		t_unusable_dir();
		t_disk_full();
	}
	bed_down();
	CHECK_EXIT();
}
