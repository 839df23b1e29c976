/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics.h - the Prometheus endpoint (metrics_listen): libmicrohttpd in
 * external-epoll mode, driven by the daemon's event loop, so every scrape
 * reads the session table on the loop's thread with no locking.
 */
#ifndef RTPE_METRICS_H
#define RTPE_METRICS_H

#include <stddef.h>
#include <stdio.h>
#include "rtpe.h"

/* Starts serving /metrics on cfg.metrics_addr:metrics_port (port 0: off,
 * r->metrics stays NULL). 0, or -errno with err set. */
int metrics_start(struct rtpe *r, char *err, size_t errlen);
void metrics_stop(struct rtpe *r);

/* Writes the whole exposition (text format 0.0.4) to f. */
void metrics_write(struct rtpe *r, FILE *f);

#endif
