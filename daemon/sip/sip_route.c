// SPDX-License-Identifier: GPL-2.0
/*
 * sip_route.c - owns the routing decisions (sip_route.h): sources, targets
 * and media interfaces of calls, and the proxy's own addresses, from the
 * config alone. Reload swaps the config the SIP thread routes new calls by;
 * calls in progress keep what was decided for them.
 */
#include "sip/sip_route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/resolve.h"

const char *sip_dir_name(enum sip_dir d)
{
	return d == SIP_DIR_T2R ? "trunk-to-region" : "region-to-trunk";
}

static bool cidr_has(const struct cfg_cidr *n, struct in_addr a)
{
	uint32_t mask = n->prefix ? ~0u << (32 - n->prefix) : 0;

	return (ntohl(a.s_addr) & mask) == ntohl(n->addr.s_addr);
}

/* Whether an IPv4 prefix of the regions catalogue (a region's allow) holds a. */
static bool prefix_has(const struct prefix *p, struct in_addr a)
{
	uint32_t net, mask = p->len ? ~0u << (32 - p->len) : 0;

	if (p->family != AF_INET)
		return false;
	memcpy(&net, p->addr, 4);
	return (ntohl(a.s_addr) & mask) == ntohl(net);
}

/* Whether a hostname's last good answer holds a. */
static bool host_has(const char *host, uint16_t port, const char *transport, struct in_addr a)
{
	struct rs_result res;

	resolve_get(host, port, transport, &res);
	for (int i = 0; i < res.n; i++)
		if (res.a[i].addr.s_addr == a.s_addr)
			return true;
	return false;
}

static bool region_has(const struct cfg_region *r, struct in_addr a)
{
	for (int i = 0; i < r->n_sbc; i++)
		if (r->sbc_host[i][0] ? host_has(r->sbc_host[i], r->sbc_host_port[i], r->transport, a)
				      : r->sbc[i].s_addr == a.s_addr)
			return true;
	for (int i = 0; i < r->n_allow; i++)
		if (prefix_has(&r->allow[i], a))
			return true;
	return false;
}

int sip_route_source(const struct rtpe_cfg *c, struct in_addr src, struct sip_source *out)
{
	int best = -1;

	out->trunk = out->region = -1;
	for (int r = 0; r < c->n_regions; r++)
		if (region_has(&c->regions[r], src)) {
			out->region = r;
			return 0;
		}
	for (int t = 0; t < c->n_trunks; t++)
		for (int i = 0; i < c->trunks[t].n_addresses; i++) {
			const struct cfg_cidr *n = &c->trunks[t].addresses[i];

			if (cidr_has(n, src) && best < n->prefix) {
				best = n->prefix;
				out->trunk = t;
			}
		}
	return out->trunk >= 0 ? 0 : -ENOENT;
}

int sip_route_trunk_for(const struct rtpe_cfg *c, int region, const char *user)
{
	size_t best = 0;
	int found = -1, dflt = -1;

	if (!user)
		user = "";
	for (int t = 0; t < c->n_trunks; t++) {
		const struct cfg_trunk *k = &c->trunks[t];

		if (k->region != region)
			continue;
		if (!k->n_numbers && dflt < 0)
			dflt = t;
		for (int i = 0; i < k->n_numbers; i++) {
			size_t n = strlen(k->numbers[i]);

			if (n > best && !strncmp(user, k->numbers[i], n)) {
				best = n;
				found = t;
			}
		}
	}
	return found >= 0 ? found : dflt;
}

/* The first address of a hostname's last good answer. 0 or -EHOSTUNREACH. */
static int host_first(const char *host, uint16_t port, const char *transport,
		      struct in_addr *addr, uint16_t *out_port)
{
	struct rs_result res;

	if (resolve_get(host, port, transport, &res) || !res.n)
		return -EHOSTUNREACH;
	*addr = res.a[0].addr;
	*out_port = res.a[0].port;
	return 0;
}

/* The region's first SBC address: its first item, resolved when a
 * hostname (health_pick chooses among them all). */
static int region_first(const struct cfg_region *r, struct in_addr *addr, uint16_t *port)
{
	for (int i = 0; i < r->n_sbc; i++) {
		if (!r->sbc_host[i][0]) {
			*addr = r->sbc[i];
			*port = r->port;
			return 0;
		}
		if (!host_first(r->sbc_host[i], r->sbc_host_port[i], r->transport, addr, port))
			return 0;
	}
	return -EHOSTUNREACH;
}

int sip_route_call(const struct rtpe_cfg *c, struct in_addr src, const char *user,
		   struct sip_call_route *out)
{
	struct sip_source from;
	const struct cfg_region *r;
	const struct cfg_trunk *t;

	memset(out, 0, sizeof(*out));
	if (sip_route_source(c, src, &from))
		return -EACCES;
	if (from.region >= 0) {
		out->dir = SIP_DIR_R2T;
		out->region = from.region;
		out->trunk = sip_route_trunk_for(c, from.region, user);
		if (out->trunk < 0)
			return -ENOENT;
		t = &c->trunks[out->trunk];
		out->addr = t->target_addr;
		out->port = t->target_port;
		memcpy(out->transport, t->transport, sizeof(out->transport));
		if (t->target_host[0] && host_first(t->target_host, t->target_port, t->transport,
						    &out->addr, &out->port))
			return -EHOSTUNREACH;
		out->iface[0] = c->regions[from.region].iface;
		out->iface[1] = t->iface;
		return 0;
	}
	out->dir = SIP_DIR_T2R;
	out->trunk = from.trunk;
	out->region = c->trunks[from.trunk].region;
	r = &c->regions[out->region];
	if (region_first(r, &out->addr, &out->port))
		return -EHOSTUNREACH;
	memcpy(out->transport, r->transport, sizeof(out->transport));
	out->iface[0] = c->trunks[from.trunk].iface;
	out->iface[1] = r->iface;
	return 0;
}

int sip_route_self(const struct rtpe_cfg *c, int iface, const char *transport,
		   struct in_addr *addr, uint16_t *port)
{
	const struct cfg_endpoint *e = NULL;

	for (int i = 0; i < c->n_sip_listen && !e; i++)
		if (!strcmp(c->sip_listen[i].transport, transport))
			e = &c->sip_listen[i];
	if (!e && !c->n_sip_listen)
		return -ENOENT;
	*port = e ? e->port : c->sip_listen[0].port;
	if (e && e->addr.s_addr)
		*addr = e->addr;
	else if (iface >= 0 && iface < c->n_ifaces)
		*addr = c->ifaces[iface].advertise;
	else
		*addr = c->sip_listen[0].addr;
	return e ? 0 : -ENOENT;
}

bool sip_route_is_self(const struct rtpe_cfg *c, struct in_addr addr, uint16_t port)
{
	if (!port)
		port = 5060;
	for (int i = 0; i < c->n_sip_listen; i++) {
		const struct cfg_endpoint *e = &c->sip_listen[i];

		if (e->port != port)
			continue;
		if (e->addr.s_addr == addr.s_addr)
			return true;
		if (e->addr.s_addr)
			continue;
		for (int k = 0; k < c->n_ifaces; k++)
			if (c->ifaces[k].address.s_addr == addr.s_addr ||
			    c->ifaces[k].advertise.s_addr == addr.s_addr)
				return true;
	}
	return false;
}
