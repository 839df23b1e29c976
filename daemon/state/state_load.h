/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state_load.h - the state file read and checked (format in state.h) into
 * plain records, for state_restore.c: json-c stays in state_load.c.
 *
 * Every value is checked for its type and range before it is used: a file
 * that is not the format at all gives no record; a record with one wrong
 * value is skipped and the others are kept. Either way the file is "bad"
 * (why says what was wrong first), and the caller sets it aside.
 */
#ifndef RTPE_STATE_LOAD_H
#define RTPE_STATE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <linux/types.h>
#include "rtpedge.h"
#include "core/config.h"
#include "srtp/srtp_ctx.h"

/* One leg as the file has it. */
struct state_leg {
	int iface;                /* index in the configuration, -1: no interface of its name */
	struct sockaddr_in local, peer;
	uint16_t peer_rtcp_port;
	enum rtpe_path path;
	uint32_t slot;            /* UINT32_MAX: none */
	struct rtpe_leg_stats us; /* the daemon's own counters */
	uint32_t clock_rate;      /* RTP clock, Hz (8000 when not in the file) */
	bool rtcp_mux;
	bool srtp;                /* terminates SRTP: the keys and state below hold */
	struct sdes_key srtp_in, srtp_out;
	struct sctx_stream st_in, st_out; /* each direction's restart state */
	uint64_t srtp_fails[SCTX_FAIL_MAX];
};

/* One session as the file has it. */
struct state_rec {
	uint32_t id;              /* 1 .. SESSION_ID_MAX */
	int64_t created_unix_ms;  /* -1: not in the file */
	bool hold;
	char *dialog;             /* "sip": the SIP proxy's text, or NULL */
	bool taken;               /* a session from the maps took its extras */
	size_t at;                /* its place in the file (0: first) */
	struct state_leg leg[2];
};

#define STATE_DIALOG_MAX 8192 /* bytes of a session's "sip" text */

struct state_loaded {
	struct state_rec *rec;    /* ascending ids, each once */
	size_t n;
	uint32_t next_id;         /* 0: none (or a bad one) in the file */
	uint32_t max_id;          /* the largest id of a record, 0: none */
	bool bad;                 /* something in the file was refused */
	unsigned n_skipped;       /* records refused */
	char why[200];            /* the first thing refused, for the log */
};

/*
 * Reads the state file at path for cfg (interface names). Never follows a
 * symbolic link, reads only a regular file. 0 with *out filled: empty (not
 * bad) when there is no file. -ENOMEM only; everything else is out->bad.
 */
int state_load(const char *path, const struct rtpe_cfg *cfg, struct state_loaded *out);
/* A leg's optional fields ("clock_rate", "rtcp_mux", "srtp") from its JSON
 * object o into l, whose path is set: NULL, or what is wrong (a key is
 * never quoted). (state_load_srtp.c) */
struct json_object;
const char *state_leg_extras_parse(struct json_object *o, struct state_leg *l);
/* The record of session id, or NULL. */
struct state_rec *state_rec_find(const struct state_loaded *f, uint32_t id);
/* Frees the records (their SRTP keys wiped). */
void state_loaded_free(struct state_loaded *f);
/*
 * Keeps a bad file for the operator: renames path to path.bad-<unix time>
 * (.bad-<time>-N if that exists) and logs both names and why. Before the
 * restore uses the file, so a file that hurt a start is not read again.
 */
void state_set_aside(const char *path, const char *why);

#endif
