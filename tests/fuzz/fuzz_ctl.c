// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ctl.c - control requests as a client's line, through the whole
 * daemon: the control socket's parsing, dispatch and batching, the real
 * command table and the session table behind it (sockets bound on
 * loopback, xdp_mode off, a 16-session table so limits are reached).
 * Nothing a client sends may crash, leak or corrupt the daemon.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "ctl/ctl_int.h"
#include "commands.h"
#include "daemon.h"
#include "core/log.h"
#include "media/session.h"

static struct rtpe R;
static char dir[64];

static void cleanup(void)
{
	char path[128];

	daemon_finish(&R);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char conf[1024], err[512];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/rtpe-fuzz-ctl-%d", (int)getpid());
	snprintf(conf, sizeof(conf),
		 "[relay]\ncontrol_socket = %s/ctl.sock\nstate_file = %s/state.json\n"
		 "metrics_listen = 127.0.0.1:0\nxdp_mode = off\nport_min = 50000\n"
		 "port_max = 50063\nmax_sessions = 16\nlog_level = error\n"
		 "[interface lo]\ndevice = lo\naddress = 127.0.0.1\n"
		 "[interface lo2]\ndevice = lo\naddress = 127.0.0.2\n", dir, dir);
	log_setup(true, LOG_LVL_ERR);
	if (config_parse_string("fuzz.conf", conf, &R.cfg, err, sizeof(err)) ||
	    daemon_start(&R, rtpe_commands, err, sizeof(err))) {
		fprintf(stderr, "fuzz_ctl: cannot start: %s\n", err);
		abort();
	}
	R.remove_on_exit = true;
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	const char *nl = memchr(line, '\n', size);
	struct json_object *reply;

	/* The server's framing: one request per line. */
	reply = ctl_handle_line(R.ctl, line, nl ? (size_t)(nl - line) : size);
	json_object_put(reply);
	R.remove_on_exit = true; /* a fuzzed "shutdown" may have cleared it */
	return 0;
}
