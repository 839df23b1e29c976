/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpe_ctl_cmds.h - the control commands, listed once for the daemon and
 * rtpedgectl: each command's request name, the words typed on the command
 * line, its arguments (the members of the request's "args"), whether it
 * changes anything, and its help text.
 *
 * RTPE_CTL_CMDS expands to the command ids (enum rtpe_cmd_id) and to the
 * table rtpe_ctl_cmds[], indexed by id. The daemon keeps a handler per id
 * (rtpe_commands[], daemon/commands.c), the CLI a printer per id
 * (print_fns[], cli/print.c); tests/unit/test_cmds.c fails when either
 * misses a command. rtpedgectl's help and usage lines, and its argument
 * checks, are generated from this table. The request names and argument
 * keys are public (docs/CONTROL.md): add, never rename.
 */
#ifndef RTPE_CTL_CMDS_H
#define RTPE_CTL_CMDS_H

#include <stdbool.h>

/* What the CLI checks an argument against before it sends anything. */
enum rtpe_arg_kind {
	RTPE_ARG_NAME,  /* an interface name from the config */
	RTPE_ARG_ID,    /* a session id, s-1 */
	RTPE_ARG_PEER,  /* IP:PORT, [IPv6]:PORT */
	RTPE_ARG_SRTP,  /* SUITE:INKEY[:OUTKEY] */
	RTPE_ARG_FLAG,  /* an option without value: true when given, else false */
	RTPE_ARG_ONOFF, /* "on" or "off", sent as true or false */
	RTPE_ARG_CIDR,  /* an IPv4 or IPv6 address or CIDR */
	RTPE_ARG_CALLID, /* a SIP Call-ID, as `calls` lists it */
};

/* key is the member of "args"; the CLI shows a positional argument as KEY
 * (IFACE_A), an option as --key (--srtp-a). */
struct rtpe_ctl_arg {
	const char *key;
	enum rtpe_arg_kind kind;
};

#define RTPE_CTL_MAX_POS 4
#define RTPE_CTL_MAX_OPT 2

/*
 * X(ID, request, words, read_only, (positional...), (options...), help)
 * Arguments are { "key", RTPE_ARG_... } in parentheses, () for none.
 * The order is the order of `rtpedgectl help` and of the daemon's list of
 * known commands; a command whose words begin another's ("calls" and "calls
 * show") comes after it, so that the CLI tries the two-word one first.
 */
#define RTPE_CTL_CMDS(X)                                                        \
	X(STATUS, "status", "status", true, (), (),                             \
	  "version, uptime, XDP mode per interface, session and call counts")   \
	X(SESSION_ADD, "session.add", "session add", false,                     \
	  ({ "iface_a", RTPE_ARG_NAME }, { "peer_a", RTPE_ARG_PEER },           \
	   { "iface_b", RTPE_ARG_NAME }, { "peer_b", RTPE_ARG_PEER }),          \
	  ({ "srtp_a", RTPE_ARG_SRTP }, { "srtp_b", RTPE_ARG_SRTP }),           \
	  "create a relayed session by hand; prints its id and the two local endpoints") \
	X(SESSION_LIST, "session.list", "session list", true, (), (),           \
	  "one row per session")                                                \
	X(SESSION_SHOW, "session.show", "session show", true,                   \
	  ({ "id", RTPE_ARG_ID }), ({ "keys", RTPE_ARG_FLAG }),                 \
	  "the session, its legs and their counters; --keys: SRTP keys too")    \
	X(SESSION_DEL, "session.del", "session del", false,                     \
	  ({ "id", RTPE_ARG_ID }), (),                                          \
	  "tear the session down and free its ports")                           \
	X(SESSION_HOLD, "session.hold", "session hold", false,                  \
	  ({ "id", RTPE_ARG_ID }, { "hold", RTPE_ARG_ONOFF }), (),              \
	  "HOLD on: the session is on hold (hold_timeout applies); off: back to session_timeout") \
	X(CALLS_SHOW, "calls.show", "calls show", true,                         \
	  ({ "id", RTPE_ARG_CALLID }), (),                                      \
	  "one SIP call: parties, direction, region, trunk, state, duration, media sessions") \
	X(CALLS, "calls", "calls", true, (), (),                                \
	  "SIP calls with their media session ids")                             \
	X(REGIONS, "regions", "regions", true, (), (),                          \
	  "regions and their SBC addresses: up or down by OPTIONS, last answer, round trip, calls") \
	X(REGISTRATIONS, "registrations", "registrations", true, (), (),        \
	  "REGISTERs of the trunks' PBXs relayed with a Path: address-of-record, trunk, region, address") \
	X(STATS, "stats", "stats", true, (), (),                                \
	  "global counters (the same figures as the metrics)")                  \
	X(ALLOWLIST_SHOW, "allowlist.show", "allowlist show", true, (), (),     \
	  "the SIP allowlist: each address or range with its origin, the drop counter") \
	X(ALLOWLIST_ADD, "allowlist.add", "allowlist add", false,              \
	  ({ "cidr", RTPE_ARG_CIDR }), (),                                      \
	  "let CIDR send SIP (a runtime addition, kept across restarts)")       \
	X(ALLOWLIST_DEL, "allowlist.del", "allowlist del", false,              \
	  ({ "cidr", RTPE_ARG_CIDR }), (),                                      \
	  "remove a runtime addition")                                          \
	X(RELOAD, "reload", "reload", false, (), (),                            \
	  "re-read the config atomically")                                      \
	X(SHUTDOWN, "shutdown", "shutdown", false, (),                          \
	  ({ "remove", RTPE_ARG_FLAG }),                                        \
	  "stop the daemon; XDP keeps forwarding live sessions unless --remove")

enum rtpe_cmd_id {
#define RTPE_X_ID(id, ...) RTPE_CMD_##id,
	RTPE_CTL_CMDS(RTPE_X_ID)
#undef RTPE_X_ID
	RTPE_CMD_MAX
};

struct rtpe_ctl_cmd {
	const char *request; /* the request's "command": "session.add" */
	const char *words;   /* what the user types: "session add" */
	bool read_only;      /* changes nothing in the daemon */
	struct rtpe_ctl_arg pos[RTPE_CTL_MAX_POS]; /* positional, in order */
	struct rtpe_ctl_arg opt[RTPE_CTL_MAX_OPT]; /* options */
	const char *help;
};

#define RTPE_CTL_UNPAREN(...) __VA_ARGS__

static const struct rtpe_ctl_cmd rtpe_ctl_cmds[RTPE_CMD_MAX] = {
#define RTPE_X_CMD(id, request, words, ro, pos, opt, help)                      \
	[RTPE_CMD_##id] = { request, words, ro, { RTPE_CTL_UNPAREN pos },       \
			    { RTPE_CTL_UNPAREN opt }, help },
	RTPE_CTL_CMDS(RTPE_X_CMD)
#undef RTPE_X_CMD
};

#endif
