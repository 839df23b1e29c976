// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_allowlist.c - the allowlist's control commands (docs/CONTROL.md):
 * allowlist.show (every element with its origin and whether the kernel's
 * set holds it, the ports guarded, the drop counter read from the kernel),
 * allowlist.add and allowlist.del (runtime additions, each one netlink
 * batch; a refusal says why and changes nothing).
 */
#include "cmd_allowlist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/prefix.h"
#include "nft/allowlist.h"
#include "rtpe.h"

static struct json_object *guards_json(const struct nft_shape *sh)
{
	struct json_object *a = json_object_new_array();
	char ip[INET_ADDRSTRLEN], buf[48];

	for (int i = 0; i < sh->n_ports; i++) {
		inet_ntop(AF_INET, &sh->ports[i].addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s:%s:%u", sh->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp",
			 ip, sh->ports[i].port);
		json_object_array_add(a, json_object_new_string(buf));
	}
	return a;
}

static struct json_object *elements_json(struct allowlist *al, bool *in_sync)
{
	const struct al_elem *e;
	int n = allowlist_elements(al, &e);
	bool *k = calloc((size_t)n + 1, sizeof(*k));
	bool have = k && !allowlist_in_kernel(al, k);
	struct json_object *a = json_object_new_array();
	char buf[PREFIX_STRLEN];

	*in_sync = have;
	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "cidr",
				       json_object_new_string(prefix_str(&e[i].p, buf, sizeof(buf))));
		json_object_object_add(o, "origin", json_object_new_string(e[i].origin));
		json_object_object_add(o, "in_kernel", json_object_new_boolean(have && k[i]));
		json_object_array_add(a, o);
		*in_sync &= have && k[i];
	}
	free(k);
	return a;
}

int cmd_allowlist_show(void *ctx, struct json_object *args, struct json_object **res,
		       char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	struct json_object *o = json_object_new_object(), *top = json_object_new_object();
	const struct nft_shape *sh = allowlist_shape(r->al);
	struct nft_counter c;
	const char *why;
	bool active = allowlist_active(r->al, &why), have = !allowlist_dropped(r->al, &c), sync;
	char table[CFG_NAME_LEN + 8];

	snprintf(table, sizeof(table), "inet %s", sh->table);
	json_object_object_add(o, "table", active ? json_object_new_string(table) : NULL);
	json_object_object_add(o, "active", json_object_new_boolean(active));
	if (!active)
		json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "guards", active ? guards_json(sh) : json_object_new_array());
	json_object_object_add(o, "max", json_object_new_uint64(sh->max));
	json_object_object_add(o, "dropped_packets", have ? json_object_new_uint64(c.packets) : NULL);
	json_object_object_add(o, "dropped_bytes", have ? json_object_new_uint64(c.bytes) : NULL);
	json_object_object_add(o, "elements", elements_json(r->al, &sync));
	json_object_object_add(o, "in_sync", json_object_new_boolean(active && sync));
	json_object_object_add(top, "allowlist", o);
	*res = top;
	return 0;
}

/* args.cidr as a prefix. 0, or -1 with err. */
static int arg_cidr(struct json_object *args, struct prefix *p, char *err, size_t errlen)
{
	struct json_object *v;
	char buf[PREFIX_STRLEN];
	const char *s;
	int rc;

	if (!json_object_object_get_ex(args, "cidr", &v) || !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "missing \"cidr\" (an address or CIDR such as 203.0.113.0/24)");
		return -1;
	}
	s = json_object_get_string(v);
	rc = prefix_parse(s, p);
	if (rc == PREFIX_HOST_BITS)
		snprintf(err, errlen, "%.60s has host bits set (did you mean %s?)", s,
			 prefix_str(p, buf, sizeof(buf)));
	else if (rc)
		snprintf(err, errlen, "\"%.60s\" is not an IPv4 or IPv6 address or CIDR", s);
	return rc ? -1 : 0;
}

/* {"cidr": P, "message": "WHAT P[ TAIL]"} */
static int reply(struct json_object **res, const struct prefix *p, const char *what,
		 const char *tail)
{
	char buf[PREFIX_STRLEN], msg[160];

	prefix_str(p, buf, sizeof(buf));
	snprintf(msg, sizeof(msg), "%s%s%s", what, buf, tail);
	*res = json_object_new_object();
	json_object_object_add(*res, "cidr", json_object_new_string(buf));
	json_object_object_add(*res, "message", json_object_new_string(msg));
	return 0;
}

int cmd_allowlist_add(void *ctx, struct json_object *args, struct json_object **res,
		      char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	char buf[PREFIX_STRLEN];
	struct prefix p;
	int rc;

	if (arg_cidr(args, &p, err, errlen))
		return -1;
	rc = allowlist_add(r->al, &p, err, errlen);
	if (rc < 0)
		return -1;
	if (rc)
		return reply(res, &p, "", " is already a runtime addition: nothing changed");
	log_info("allowlist: added %s", prefix_str(&p, buf, sizeof(buf)));
	return reply(res, &p, "added ", " (runtime: kept across restarts)");
}

int cmd_allowlist_del(void *ctx, struct json_object *args, struct json_object **res,
		      char *err, size_t errlen)
{
	struct rtpe *r = ctx;
	char buf[PREFIX_STRLEN];
	struct prefix p;

	if (arg_cidr(args, &p, err, errlen) || allowlist_del(r->al, &p, err, errlen))
		return -1;
	log_info("allowlist: removed %s", prefix_str(&p, buf, sizeof(buf)));
	return reply(res, &p, "removed ", "");
}
