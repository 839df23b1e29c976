// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_state.c - the state file as a crash, a full disk or a hand edit may
 * leave it, through the real restore (daemon/state/): the daemon brought up
 * in this process as tests/unit/state_fixture.h does (xdp_mode off, so no
 * maps; two interfaces on loopback in a network namespace of its own; a
 * 16-session table and 32 port pairs per interface, so limits are met),
 * each input written as its state file, the table emptied and
 * state_restore run on it again.
 *
 * Whatever the file holds, the restore must not crash or leak, and must
 * leave a table the daemon can go on with: ids from 1 to SESSION_ID_MAX,
 * each once, next_id above them and never 0, every leg's stats slot its
 * own, the free stack no larger than the slots. A bad file is set aside
 * (the harness removes what it sets aside).
 */
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/netns_fixture.h"
#include "core/config.h"
#include "commands.h"
#include "daemon.h"
#include "core/log.h"
#include "media/session.h"
#include "state/state.h"

static struct rtpe R;
static char dir[64], path[128];

static void bad_files_remove(void)
{
	char pat[160];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s.bad-*", path);
	if (glob(pat, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
}

static void cleanup(void)
{
	char tmp[160];

	R.remove_on_exit = true;
	daemon_finish(&R);
	bad_files_remove();
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char conf[1024], err[512];

	(void)argc;
	(void)argv;
	/* Loopback of its own: the ports are this process's alone. */
	if (unshare(CLONE_NEWNET) == 0)
		lo_up();
	snprintf(dir, sizeof(dir), "/tmp/rtpe-fuzz-state-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(conf, sizeof(conf),
		 "[relay]\ncontrol_socket = %s/ctl.sock\nstate_file = %s\n"
		 "metrics_listen = 127.0.0.1:0\nxdp_mode = off\nport_min = 20000\n"
		 "port_max = 20063\nmax_sessions = 16\nlog_level = error\n"
		 "[interface lo]\ndevice = lo\naddress = 127.0.0.1\n"
		 "[interface lo2]\ndevice = lo\naddress = 127.0.0.2\n", dir, path);
	log_setup(true, LOG_LVL_ERR);
	if (config_parse_string("fuzz.conf", conf, &R.cfg, err, sizeof(err)) ||
	    daemon_start(&R, rtpe_commands, err, sizeof(err))) {
		fprintf(stderr, "fuzz_state: cannot start: %s\n", err);
		abort();
	}
	atexit(cleanup);
	return 0;
}

static void input_write(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror(path);
		abort();
	}
	close(fd);
}

/* What the daemon goes on with after a restore; aborts when it cannot. */
static void table_check(void)
{
	uint32_t slots = 2 * R.cfg.max_sessions, n = 0;

	if (!R.m.next_id || R.m.n_free_slots > slots)
		abort();
	for (struct session *s = R.m.first; s; s = s->next, n++) {
		if (!s->id || s->id > SESSION_ID_MAX || s->id >= R.m.next_id ||
		    session_find(&R.m, s->id) != s)
			abort();
		for (int i = 0; i < 2; i++)
			if (s->leg[i].slot != UINT32_MAX &&
			    (s->leg[i].slot >= slots || R.m.slot_leg[s->leg[i].slot] != &s->leg[i]))
				abort();
	}
	if (n != R.m.n_sessions)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	while (R.m.first)
		session_destroy(&R.m, R.m.first);
	R.m.next_id = 1;
	input_write(data, size);
	if (state_restore(&R.sf, err, sizeof(err))) {
		fprintf(stderr, "fuzz_state: state_restore: %s\n", err);
		abort();
	}
	table_check();
	bad_files_remove();
	return 0;
}
