// SPDX-License-Identifier: GPL-2.0
/*
 * print_sip.c - rtpedgectl's human output of the SIP proxy's commands
 * (print.h): calls, calls show, regions (the SBC addresses' health, the
 * hostnames and what DNS gave) and registrations.
 */
#include "print.h"
#include "print_int.h"

#include <stdio.h>

/* A call's media sessions, "s-17 s-18". */
static void call_sessions(struct json_object *c, char *buf, size_t len)
{
	struct json_object *ids = member(c, "sessions");
	size_t n = 0;

	snprintf(buf, len, "-");
	for (size_t i = 0; i < count(ids) && n < len; i++) {
		struct json_object *id = json_object_array_get_idx(ids, i);

		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "",
				      scalar(id) ? json_object_get_string(id) : "-");
	}
}

void print_calls(struct json_object *r)
{
	struct json_object *list = member(r, "calls");
	struct tbl t = { .ncols = 9, .head = (const char *const[]){
		"CALL-ID", "FROM", "TO", "DIRECTION", "REGION", "TRUNK", "STATE", ">DURATION",
		"SESSIONS" } };

	if (!count(list)) {
		puts("no calls");
		return;
	}
	for (size_t i = 0; i < count(list); i++) {
		struct json_object *c = json_object_array_get_idx(list, i);
		char dur[32], ids[256];

		call_sessions(c, ids, sizeof(ids));
		tbl_row(&t, (const char *[]){ text(c, "call_id"), text(c, "from"), text(c, "to"),
					     text(c, "direction"), text(c, "region"),
					     text(c, "trunk"), text(c, "state"),
					     duration(c, "duration_s", 1000, "", dur, sizeof(dur)),
					     ids });
	}
	tbl_print(&t, true);
}

/* "sbc.lab.test SRV 12s" for an address a hostname gave, else "-". */
static const char *dns_cell(struct json_object *a, char *buf, size_t size)
{
	if (!member(a, "hostname"))
		return "-";
	snprintf(buf, size, "%s %s %ss", text(a, "hostname"), text(a, "source"), text(a, "ttl_s"));
	return buf;
}

/* The trunks whose target is a hostname, one line each. */
static void print_trunk_targets(struct json_object *list)
{
	for (size_t i = 0; i < count(list); i++) {
		struct json_object *g = json_object_array_get_idx(list, i);
		struct json_object *t = member(g, "target"), *addrs = member(g, "addresses");

		printf("trunk %s: target %s:", text(g, "name"), text(t, "hostname"));
		for (size_t k = 0; k < count(addrs); k++) {
			struct json_object *a = json_object_array_get_idx(addrs, k);

			printf(" %s:%s (%s %ss)", text(a, "address"), text(a, "port"),
			       text(a, "source"), text(a, "ttl_s"));
		}
		if (!count(addrs))
			printf(" no address yet");
		if (member(t, "error"))
			printf(" [last lookup: %s]", text(t, "error"));
		putchar('\n');
	}
}

/* A row for each hostname of region g that has no address yet. */
static void print_unresolved(struct tbl *t, struct json_object *g)
{
	struct json_object *hosts = member(g, "hostnames");

	for (size_t k = 0; k < count(hosts); k++) {
		struct json_object *h = json_object_array_get_idx(hosts, k);
		char dns[160];

		if (json_object_get_boolean(member(h, "resolved")))
			continue;
		snprintf(dns, sizeof(dns), "%s: %s", text(h, "hostname"),
			 member(h, "error") ? text(h, "error") : "not resolved yet");
		tbl_row(t, (const char *[]){ text(g, "name"), text(g, "transport"),
					     text(g, "strategy"), "-", "no address", "-", "-", "-",
					     dns });
	}
}

void print_regions(struct json_object *r)
{
	struct json_object *list = member(r, "regions");
	struct tbl t = { .ncols = 9, .head = (const char *const[]){
		"REGION", "TRANSPORT", "STRATEGY", "ADDRESS", "STATE", ">LAST REPLY", ">RTT MS",
		">CALLS", "DNS" } };

	if (!count(list)) {
		puts("no regions");
		return;
	}
	for (size_t i = 0; i < count(list); i++) {
		struct json_object *g = json_object_array_get_idx(list, i);
		struct json_object *addrs = member(g, "addresses");

		for (size_t k = 0; k < count(addrs); k++) {
			struct json_object *a = json_object_array_get_idx(addrs, k);
			char ap[64], last[32], dns[128];

			snprintf(ap, sizeof(ap), "%s:%s", text(a, "address"), text(a, "port"));
			tbl_row(&t, (const char *[]){ text(g, "name"), text(g, "transport"),
						     text(g, "strategy"), ap,
						     json_object_get_boolean(member(a, "up")) ?
							     "up" : "down",
						     duration(a, "last_reply_ms", 1, " ago", last,
							      sizeof(last)),
						     text(a, "rtt_ms"), text(a, "calls"),
						     dns_cell(a, dns, sizeof(dns)) });
		}
		print_unresolved(&t, g);
	}
	tbl_print(&t, true);
	print_trunk_targets(member(r, "trunks"));
}

void print_registrations(struct json_object *r)
{
	struct json_object *list = member(r, "registrations");
	struct tbl t = { .ncols = 6, .head = (const char *const[]){
		"AOR", "TRUNK", "REGION", "ADDRESS", ">AGE", ">EXPIRES" } };

	if (!count(list)) {
		puts("no registrations");
		return;
	}
	for (size_t i = 0; i < count(list); i++) {
		struct json_object *g = json_object_array_get_idx(list, i);
		char ap[64], age[32], exp[32];

		snprintf(ap, sizeof(ap), "%s:%s", text(g, "address"), text(g, "port"));
		tbl_row(&t, (const char *[]){ text(g, "aor"), text(g, "trunk"), text(g, "region"), ap,
					     duration(g, "age_s", 1000, "", age, sizeof(age)),
					     duration(g, "expires_s", 1000, "", exp, sizeof(exp)) });
	}
	tbl_print(&t, true);
}

void print_call(struct json_object *r)
{
	static const char *const known[] = { "call_id", "from", "to", "direction", "region",
					     "trunk", "state", "duration_s", "age_s", "sessions",
					     NULL };
	char dur[32], age[40], ids[256];

	kv("call", text(r, "call_id"));
	kv("from", text(r, "from"));
	kv("to", text(r, "to"));
	kv("direction", text(r, "direction"));
	kv("region", text(r, "region"));
	kv("trunk", text(r, "trunk"));
	kv("state", text(r, "state"));
	kv("duration", duration(r, "duration_s", 1000, "", dur, sizeof(dur)));
	kv("started", duration(r, "age_s", 1000, " ago", age, sizeof(age)));
	call_sessions(r, ids, sizeof(ids));
	kv("sessions", ids);
	extras(r, known);
}
