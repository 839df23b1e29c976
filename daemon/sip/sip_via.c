// SPDX-License-Identifier: GPL-2.0
/*
 * sip_via.c - owns the proxy's Via when it listens on 0.0.0.0. nta writes
 * one Via per listening transport, naming one address of the host
 * whatever interface a request leaves by: an SBC would see the carrier
 * side's address in the Via of a request sent to it. For a request to an
 * IPv4 next hop, the kernel's route lookup (a UDP socket connected to the
 * hop: no packet is sent) gives the source address the request leaves
 * with, the address of its interface; the Via names that address (the
 * interface's `advertise` when it is a configured interface's address,
 * like the Record-Route), and nta keeps it (NTATAG_USER_VIA), adding its
 * branch and rport. A specific listen address needs none of this: nta's
 * Via names it.
 */
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

/* The hop's IPv4 address and port, and its transport ("udp", "tcp"); -1
 * for a hostname, sips or TLS (nta's own Via then). */
static int hop_addr(url_t const *u, struct sockaddr_in *sa, char tp[4])
{
	char t[8] = "udp";
	unsigned long port = 5060;

	if (!u || u->url_type != url_sip || !u->url_host ||
	    inet_pton(AF_INET, u->url_host, &sa->sin_addr) != 1)
		return -1;
	if (u->url_port && *u->url_port)
		port = strtoul(u->url_port, NULL, 10);
	if (u->url_params && url_param(u->url_params, "transport", t, sizeof(t)) > 0 &&
	    strcasecmp(t, "udp") && strcasecmp(t, "tcp"))
		return -1;
	if (!port || port > 65535)
		return -1;
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	snprintf(tp, 4, "%s", strcasecmp(t, "tcp") ? "udp" : "tcp");
	return 0;
}

/* The listen port of transport tp when its first listen entry is 0.0.0.0. */
static int wildcard_port(const struct rtpe_cfg *c, const char *tp, uint16_t *port)
{
	for (int i = 0; i < c->n_sip_listen; i++) {
		if (strcmp(c->sip_listen[i].transport, tp))
			continue;
		if (c->sip_listen[i].addr.s_addr)
			return -1;
		*port = c->sip_listen[i].port;
		return 0;
	}
	return -1;
}

/* The source address the kernel gives a packet to dst. */
static int source_for(const struct sockaddr_in *dst, struct in_addr *src)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), e;

	if (fd < 0)
		return -1;
	e = connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) ||
	    getsockname(fd, (struct sockaddr *)&me, &len);
	close(fd);
	if (e || !me.sin_addr.s_addr)
		return -1;
	*src = me.sin_addr;
	return 0;
}

sip_via_t *sip_via_self(const struct rtpe_cfg *c, su_home_t *home, url_t const *hop)
{
	struct sockaddr_in dst = { 0 };
	struct in_addr src;
	char tp[4], ip[INET_ADDRSTRLEN], port[8] = "";
	uint16_t lport;

	if (hop_addr(hop, &dst, tp) || wildcard_port(c, tp, &lport) || source_for(&dst, &src))
		return NULL;
	for (int k = 0; k < c->n_ifaces; k++)
		if (c->ifaces[k].address.s_addr == src.s_addr && c->ifaces[k].advertise.s_addr) {
			src = c->ifaces[k].advertise;
			break;
		}
	inet_ntop(AF_INET, &src, ip, sizeof(ip));
	if (lport != 5060)
		snprintf(port, sizeof(port), ":%u", lport);
	return sip_via_format(home, "SIP/2.0/%s %s%s", strcmp(tp, "tcp") ? "UDP" : "TCP", ip,
			      port);
}

bool sip_via_add(const struct rtpe_cfg *c, msg_t *msg, url_t const *hop)
{
	sip_t *sip = sip_object(msg);
	sip_via_t *v;

	if (!sip || !sip->sip_request)
		return false;
	v = sip_via_self(c, msg_home(msg), hop ? hop : sip_next_hop(msg));
	return v && !msg_header_insert(msg, (msg_pub_t *)sip, (msg_header_t *)v);
}
