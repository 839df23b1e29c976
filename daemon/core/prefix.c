// SPDX-License-Identifier: GPL-2.0
/*
 * prefix.c - parses and prints IPv4/IPv6 prefixes (prefix.h): one spelling
 * for the config's trunks, the regions catalogue, the allowlist's elements
 * and the control commands' "cidr".
 */
#include "core/prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int prefix_parse(const char *s, struct prefix *p)
{
	char ip[INET6_ADDRSTRLEN];
	size_t n = strcspn(s, "/");
	unsigned len = 0, max;
	bool host = false;
	const char *d;

	memset(p, 0, sizeof(*p));
	if (!n || n >= sizeof(ip))
		return PREFIX_SYNTAX;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, p->addr) == 1)
		p->family = AF_INET6;
	else
		return PREFIX_SYNTAX;
	max = p->family == AF_INET ? 32 : 128;
	len = max;
	if (s[n]) { /* "/LEN": 1-3 digits, no sign, no leading blank */
		d = s + n + 1;
		if (!*d || strlen(d) > 3 || strspn(d, "0123456789") != strlen(d))
			return PREFIX_SYNTAX;
		for (len = 0; *d; d++)
			len = len * 10 + (unsigned)(*d - '0');
		if (len > max)
			return PREFIX_SYNTAX;
	}
	p->len = (uint8_t)len;
	for (unsigned bit = len; bit < max; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));

		if (p->addr[bit / 8] & m) {
			host = true;
			p->addr[bit / 8] &= (uint8_t)~m;
		}
	}
	return host ? PREFIX_HOST_BITS : PREFIX_OK;
}

const char *prefix_str(const struct prefix *p, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family == AF_INET ? AF_INET : AF_INET6, p->addr, ip, sizeof(ip));
	snprintf(buf, size, "%s/%u", ip, p->len);
	return buf;
}

void prefix_last(const struct prefix *p, uint8_t last[16])
{
	unsigned max = (unsigned)prefix_bytes(p) * 8;

	memcpy(last, p->addr, 16);
	for (unsigned bit = p->len; bit < max; bit++)
		last[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}
