/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sockaddr.h - IPv4 endpoints written as "a.b.c.d:port": control requests,
 * replies and the state file use this one spelling.
 */
#ifndef RTPE_SOCKADDR_H
#define RTPE_SOCKADDR_H

#include <stddef.h>
#include <netinet/in.h>

/* "a.b.c.d:port" into buf (at least 22 bytes). */
const char *sockaddr_str(const struct sockaddr_in *sa, char *buf, size_t len);
/* Parses "a.b.c.d:port" (port 1-65535). 0 or -EINVAL. */
int sockaddr_parse(const char *s, struct sockaddr_in *sa);

#endif
