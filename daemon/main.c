// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - rtpedged: the command line, the config check, logging, and the
 * event loop between daemon_start and daemon_finish (daemon.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/config.h"
#include "daemon.h"
#include "rtpe.h"
#include "core/log.h"
#include "core/loop.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: rtpedged -c FILE [-f] [--check]\n"
		   "  -c, --config FILE  configuration (INI)\n"
		   "  -f, --foreground   stay in the foreground, log to stderr\n"
		   "      --check        validate the configuration and exit\n"
		   "  -V, --version      print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'k' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct rtpe r;
	const char *path = NULL;
	bool fg = false, check = false;
	char err[1024] = "";
	int c, e;

	while ((c = getopt_long(argc, argv, "c:fVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': fg = true; break;
		case 'k': check = true; break;
		case 'V': printf("rtpedged %s\n", RTPE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 1;
	}
	if (config_load(path, &r.cfg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: ok\n", path);
		return 0;
	}
	log_setup(fg || isatty(STDERR_FILENO), (enum log_level)r.cfg.log_level);
	e = daemon_start(&r, rtpe_commands, err, sizeof(err));
	if (e) {
		log_err("cannot start: %s", err[0] ? err : strerror(-e));
		return 1;
	}
	log_info("rtpedged %s running: %d interfaces, xdp_mode %s, ports %u-%u, control %s",
		 RTPE_VERSION, r.m.n_ifaces, xdp_mode_name(r.cfg.xdp_mode), r.cfg.port_min,
		 r.cfg.port_max, r.cfg.control_socket);
	e = loop_run(r.loop);
	if (e)
		log_err("event loop: %s", strerror(-e));
	daemon_finish(&r);
	log_info("stopped");
	return e ? 1 : 0;
}
