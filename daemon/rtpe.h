/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpe.h - the daemon's state: what daemon.c brings up and the commands
 * and metrics read. Each layer keeps its own part (the session table in
 * struct media, the state file in struct state_file); this struct only
 * holds them together, and nothing below the top includes it.
 */
#ifndef RTPE_RTPE_H
#define RTPE_RTPE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/loop.h"
#include "media/session.h"
#include "nft/allowlist.h"
#include "state/state.h"

struct ctl_server;
struct metrics;
struct sip;

struct rtpe {
	struct rtpe_cfg cfg;
	struct loop *loop;
	struct ctl_server *ctl;
	struct metrics *metrics;
	uint64_t start_ns;
	bool stopping, remove_on_exit;
	struct media m;           /* interfaces, sessions, relay, punt path */
	struct state_file sf;     /* the state file of m */
	struct sip *sip;          /* the SIP proxy (its own thread), NULL without [sip] */
	struct allowlist *al;     /* the SIP allowlist and its nftables table */
};

#endif
