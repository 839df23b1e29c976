/* SPDX-License-Identifier: GPL-2.0 */
/*
 * catalogue.h - the regions catalogue: the signalling addresses, ports and
 * transports the SIP platforms publish, one [NAME] section per region, in
 * the config's INI syntax. The shipped one (data/regions.conf, installed in
 * PREFIX/share/rtpedge) and the operator's own (`catalogue` in [relay])
 * are read by config_load, which fills in every [region NAME] without
 * `sbc` from them (docs/CONFIG.md, "The regions catalogue").
 */
#ifndef RTPE_CATALOGUE_H
#define RTPE_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/prefix.h"

#define CAT_MAX_ENTRIES 512
#define CAT_MAX_FILE (1 << 20)

struct cat_entry {
	char name[CFG_NAME_LEN];
	struct in_addr sbc[CFG_MAX_SBC];  /* sbc = signalling addresses (IPv4) */
	int n_sbc;
	struct prefix allow[CFG_MAX_ALLOW]; /* allow = more sources of SIP (CIDRs, IPv6 too) */
	int n_allow;
	uint16_t port;      /* port = (default 5060) */
	uint16_t tls_port;  /* tls_port = (default 0: no TLS) */
	char transport[4];  /* transport = udp|tcp|tls (default udp) */
	int line;           /* of its [NAME] header */
};

struct catalogue {
	char path[256];
	struct cat_entry *e;
	int n;
};

/*
 * Reads the catalogue file at path (a regular file of at most
 * CAT_MAX_FILE bytes) into cat. 0, or -1 with *line (0 for the file as a
 * whole) and msg saying what is wrong; cat then holds nothing.
 */
int catalogue_load(const char *path, struct catalogue *cat, int *line, char *msg,
		   size_t msglen);
/* The same from text in memory; name goes into cat->path. */
int catalogue_parse(const char *name, const char *text, struct catalogue *cat, int *line,
		    char *msg, size_t msglen);
void catalogue_free(struct catalogue *cat);

/* The entry called name, or NULL. */
const struct cat_entry *catalogue_find(const struct catalogue *cat, const char *name);

#endif
