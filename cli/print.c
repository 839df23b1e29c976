// SPDX-License-Identifier: GPL-2.0
/*
 * print.c - rtpedgectl's human output (print.h): the printers of the
 * status, session, stats and allowlist results and of plain replies, and
 * the table of which prints what (print_fns, by command id); the SIP
 * commands' printers are in print_sip.c, the table helper and field
 * accessors they share in print_util.c. The JSON of every result is
 * described in docs/CONTROL.md; --json output does not come through here.
 */
#include "print.h"
#include "print_int.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void print_status(struct json_object *r)
{
	static const char *const known[] = { "version", "uptime_s", "sessions", "calls",
					     "ports_free", "max_sessions", "interfaces", NULL };
	struct json_object *ifs = member(r, "interfaces");
	struct tbl t = { .ncols = 5, .head = (const char *const[]){
		"INTERFACE", "DEVICE", "ADDRESS", "XDP", ">IFINDEX" } };
	char up[32];

	kv("version", text(r, "version"));
	kv("uptime", duration(r, "uptime_s", 1000, "", up, sizeof(up)));
	kv("sessions", text(r, "sessions"));
	kv("calls", text(r, "calls"));
	kv("ports free", text(r, "ports_free"));
	kv("max sessions", text(r, "max_sessions"));
	extras(r, known);
	for (size_t i = 0; i < count(ifs); i++) {
		struct json_object *f = json_object_array_get_idx(ifs, i);

		tbl_row(&t, (const char *[]){ text(f, "name"), text(f, "device"),
					     text(f, "address"), text(f, "xdp"),
					     text(f, "ifindex") });
	}
	if (t.nrows) {
		putchar('\n');
		tbl_print(&t, true);
	}
}

static void print_legs(struct json_object *session)
{
	struct json_object *legs = member(session, "legs");
	struct tbl t = { .ncols = 11, .head = (const char *const[]){
		"INTERFACE", "LOCAL", "PEER", "PATH", ">PACKETS", ">BYTES", ">DROPS",
		">LAST_SEEN", "SSRC", ">LOST", ">JITTER" } };

	for (size_t i = 0; i < count(legs); i++) {
		struct json_object *leg = json_object_array_get_idx(legs, i);
		struct json_object *rtp = member(leg, "rtp"), *jit = member(rtp, "jitter_ms");
		char seen[40] = "-", ssrc[16] = "-", jitter[32] = "-";
		int64_t v;

		duration(leg, "last_seen_ms", 1, " ago", seen, sizeof(seen));
		if (number(rtp, "ssrc", &v))
			snprintf(ssrc, sizeof(ssrc), "0x%08" PRIx32, (uint32_t)v);
		if (json_object_is_type(jit, json_type_double) ||
		    json_object_is_type(jit, json_type_int))
			snprintf(jitter, sizeof(jitter), "%.1fms", json_object_get_double(jit));
		tbl_row(&t, (const char *[]){ text(leg, "interface"), text(leg, "local"),
					     text(leg, "peer"), text(leg, "path"),
					     text(leg, "packets"), text(leg, "bytes"),
					     text(leg, "drops"), seen, ssrc, text(rtp, "lost"),
					     jitter });
	}
	tbl_print(&t, true);
}

/* "auth 3, replay 0, other 0" of an object of counters; "-" when none. */
static const char *counts(struct json_object *o, char *buf, size_t len)
{
	size_t off = 0;

	snprintf(buf, len, "-");
	if (!json_object_is_type(o, json_type_object))
		return buf;
	json_object_object_foreach(o, key, v) {
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s %s", off ? ", " : "", key,
						scalar(v) ? json_object_get_string(v) : "-");
	}
	return buf;
}

/* Each SRTP leg's suite and failures (and keys, when the reply has them). */
static void print_srtp_legs(struct json_object *session)
{
	struct json_object *legs = member(session, "legs");
	char label[32], buf[256], fails[128];

	for (size_t i = 0; i < count(legs); i++) {
		struct json_object *srtp = member(json_object_array_get_idx(legs, i), "srtp");

		if (!srtp)
			continue;
		snprintf(label, sizeof(label), "leg %c srtp", (char)('a' + i));
		snprintf(buf, sizeof(buf), "%s, failures: %s", text(srtp, "suite"),
			 counts(member(srtp, "failures"), fails, sizeof(fails)));
		kv(label, buf);
		if (member(srtp, "in_key")) {
			snprintf(label, sizeof(label), "leg %c in key", (char)('a' + i));
			kv(label, text(srtp, "in_key"));
			snprintf(label, sizeof(label), "leg %c out key", (char)('a' + i));
			kv(label, text(srtp, "out_key"));
		}
	}
}

void print_session(struct json_object *r)
{
	static const char *const known[] = { "id", "created_s", "idle_ms", "legs", NULL };
	char age[40], idle[32];

	kv("session", text(r, "id"));
	kv("created", duration(r, "created_s", 1000, " ago", age, sizeof(age)));
	kv("idle", duration(r, "idle_ms", 1, "", idle, sizeof(idle)));
	extras(r, known);
	print_srtp_legs(r);
	putchar('\n');
	print_legs(r);
}

void print_session_added(struct json_object *r)
{
	struct json_object *legs = member(r, "legs");
	struct tbl t = { .ncols = 4, .head = (const char *const[]){ "", "", "", "" } };

	printf("%s\n", text(r, "id"));
	for (size_t i = 0; i < count(legs); i++) {
		struct json_object *leg = json_object_array_get_idx(legs, i);

		tbl_row(&t, (const char *[]){ text(leg, "interface"), text(leg, "local"), "peer",
					     text(leg, "peer") });
	}
	tbl_print(&t, false);
}

void print_session_deleted(struct json_object *r)
{
	printf("deleted %s\n", text(r, "id"));
	print_legs(r);
}

/* Both legs' paths: "xdp" when they agree, "xdp/userspace" when not. */
static void pair_path(struct json_object *a, struct json_object *b, char *buf, size_t len)
{
	if (!strcmp(text(a, "path"), text(b, "path")))
		snprintf(buf, len, "%s", text(a, "path"));
	else
		snprintf(buf, len, "%s/%s", text(a, "path"), text(b, "path"));
}

void print_sessions(struct json_object *r)
{
	struct json_object *list = member(r, "sessions");
	struct tbl t = { .ncols = 7, .head = (const char *const[]){
		"ID", "LOCAL_A", "", "LOCAL_B", "PATH", ">PACKETS", ">IDLE" } };

	if (!count(list)) {
		puts("no sessions");
		return;
	}
	for (size_t i = 0; i < count(list); i++) {
		struct json_object *s = json_object_array_get_idx(list, i);
		struct json_object *legs = member(s, "legs");
		struct json_object *a = count(legs) > 0 ? json_object_array_get_idx(legs, 0) : NULL;
		struct json_object *b = count(legs) > 1 ? json_object_array_get_idx(legs, 1) : NULL;
		char path[64], packets[32] = "-", idle[32];
		int64_t pa, pb;

		pair_path(a, b, path, sizeof(path));
		if (number(a, "packets", &pa) && number(b, "packets", &pb))
			snprintf(packets, sizeof(packets), "%" PRId64, pa + pb);
		tbl_row(&t, (const char *[]){ text(s, "id"), text(a, "local"), "<->",
					     text(b, "local"), path, packets,
					     duration(s, "idle_ms", 1, "", idle, sizeof(idle)) });
	}
	tbl_print(&t, true);
}

/* packets and bytes per path, from two objects keyed by path name. */
static void print_paths(struct json_object *packets, struct json_object *bytes)
{
	struct tbl t = { .ncols = 3, .head = (const char *const[]){ "PATH", ">PACKETS",
								    ">BYTES" } };

	if (!json_object_is_type(packets, json_type_object))
		return;
	json_object_object_foreach(packets, path, v) {
		tbl_row(&t, (const char *[]){ path, scalar(v) ? json_object_get_string(v) : "-",
					     text(bytes, path) });
	}
	putchar('\n');
	tbl_print(&t, true);
}

/* Each relay worker's packets, "3: 120 118 0" (the count, then each's). */
static const char *worker_packets(struct json_object *w, char *buf, size_t len)
{
	size_t n = count(w), off;

	off = (size_t)snprintf(buf, len, "%zu:", n);
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %s",
					text(json_object_array_get_idx(w, i), "packets"));
	return buf;
}

void print_stats(struct json_object *r)
{
	static const char *const known[] = { "sessions_active", "calls_active", "ports_free",
					     "packets", "bytes", "xdp_verdicts", "srtp_failures",
					     "workers", "afxdp", NULL };
	struct json_object *verdicts = member(r, "xdp_verdicts");
	struct tbl t = { .ncols = 4, .head = (const char *const[]){ "VERDICT", "REASON",
								    ">PACKETS", ">BYTES" } };
	char fails[192];

	kv("sessions active", text(r, "sessions_active"));
	kv("calls active", text(r, "calls_active"));
	kv("ports free", text(r, "ports_free"));
	extras(r, known);
	if (member(r, "srtp_failures"))
		kv("srtp failures", counts(member(r, "srtp_failures"), fails, sizeof(fails)));
	if (count(member(r, "workers")))
		kv("relay workers", worker_packets(member(r, "workers"), fails, sizeof(fails)));
	if (member(r, "afxdp"))
		kv("af_xdp", counts(member(r, "afxdp"), fails, sizeof(fails)));
	print_paths(member(r, "packets"), member(r, "bytes"));
	for (size_t i = 0; i < count(verdicts); i++) {
		struct json_object *v = json_object_array_get_idx(verdicts, i);

		tbl_row(&t, (const char *[]){ text(v, "verdict"), text(v, "reason"),
					     text(v, "packets"), text(v, "bytes") });
	}
	if (t.nrows) {
		putchar('\n');
		tbl_print(&t, true);
	}
}

/* "a, b, c" of an array of strings; "-" when empty. */
static const char *joined(struct json_object *a, char *buf, size_t len)
{
	size_t off = 0;

	snprintf(buf, len, "-");
	for (size_t i = 0; i < count(a) && off < len; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					scalar(v) ? json_object_get_string(v) : "-");
	}
	return buf;
}

static const char *yes_no(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	if (!json_object_is_type(v, json_type_boolean))
		return "-";
	return json_object_get_boolean(v) ? "yes" : "no";
}

void print_allowlist(struct json_object *r)
{
	static const char *const known[] = { "table", "active", "reason", "guards", "max",
					     "dropped_packets", "dropped_bytes", "elements",
					     "in_sync", NULL };
	struct json_object *al = member(r, "allowlist"), *elems = member(al, "elements");
	struct tbl t = { .ncols = 3, .head = (const char *const[]){ "CIDR", "ORIGIN", "KERNEL" } };
	char guards[256];

	kv("table", text(al, "table"));
	kv("active", yes_no(al, "active"));
	if (member(al, "reason"))
		kv("reason", text(al, "reason"));
	kv("guards", joined(member(al, "guards"), guards, sizeof(guards)));
	kv("dropped packets", text(al, "dropped_packets"));
	kv("in sync", yes_no(al, "in_sync"));
	extras(al, known);
	for (size_t i = 0; i < count(elems); i++) {
		struct json_object *e = json_object_array_get_idx(elems, i);

		tbl_row(&t, (const char *[]){ text(e, "cidr"), text(e, "origin"),
					     yes_no(e, "in_kernel") });
	}
	putchar('\n');
	if (t.nrows)
		tbl_print(&t, true);
	else
		puts("no elements");
}

void print_done(struct json_object *r)
{
	struct json_object *msg = member(r, "message");

	puts(json_object_is_type(msg, json_type_string) ? json_object_get_string(msg) : "ok");
}

const print_fn print_fns[RTPE_CMD_MAX] = {
	[RTPE_CMD_STATUS] = print_status,
	[RTPE_CMD_SESSION_ADD] = print_session_added,
	[RTPE_CMD_SESSION_LIST] = print_sessions,
	[RTPE_CMD_SESSION_SHOW] = print_session,
	[RTPE_CMD_SESSION_DEL] = print_session_deleted,
	[RTPE_CMD_SESSION_HOLD] = print_session,
	[RTPE_CMD_CALLS_SHOW] = print_call,
	[RTPE_CMD_CALLS] = print_calls,
	[RTPE_CMD_REGIONS] = print_regions,
	[RTPE_CMD_REGISTRATIONS] = print_registrations,
	[RTPE_CMD_STATS] = print_stats,
	[RTPE_CMD_ALLOWLIST_SHOW] = print_allowlist,
	[RTPE_CMD_ALLOWLIST_ADD] = print_done,
	[RTPE_CMD_ALLOWLIST_DEL] = print_done,
	[RTPE_CMD_RELOAD] = print_done,
	[RTPE_CMD_SHUTDOWN] = print_done,
};
