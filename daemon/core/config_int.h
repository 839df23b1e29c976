/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config_int.h - what the two halves of the config parser share, not part
 * of config.h's contract: config.c drives inih, tracks sections and checks
 * the file as a whole; config_keys.c holds the key table and the parsers of
 * single values; config_regions.c fills [region]s from the regions
 * catalogue (catalogue.c reads it). They work on one struct parse_ctx.
 */
#ifndef RTPE_CONFIG_INT_H
#define RTPE_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

#define MAX_KEYS 64
#define MAX_OBJS 64 /* the largest of CFG_MAX_IFACES, _REGIONS, _TRUNKS */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum sect { S_NONE, S_RELAY, S_IFACE, S_SIP, S_REGION, S_TRUNK, S_MAX };

/* Names a [region] or [trunk] gives, resolved once the file is read. */
struct ref {
	char name[CFG_NAME_LEN];
	int line; /* 0: not given */
};

struct obj_refs {
	struct ref iface, region;
};

struct parse_ctx {
	const char *pos;              /* the reader's cursor in the text */
	int line;                     /* line last handed to inih */
	struct rtpe_cfg cfg;          /* the result, copied out on success only */
	enum sect sect;               /* section being read */
	int idx;                      /* its index in ifaces, regions or trunks */
	char label[CFG_NAME_LEN + 16]; /* "[interface public]" */
	int key_line[MAX_KEYS];       /* line of each key in this section */
	int sect_line[S_MAX][MAX_OBJS]; /* line of each section header */
	struct obj_refs refs[S_MAX][MAX_OBJS];
	bool region_port[CFG_MAX_REGIONS], region_transport[CFG_MAX_REGIONS]; /* given */
	int catalogue_line;           /* of [relay] catalogue, 0: not given */
	bool failed;
	int err_line;
	char err_file[256];           /* the file err is about when not the config */
	char err[512];
};

/* Where a key's field lives: the config, the section's object or its
 * pending references. */
enum base { B_CFG, B_OBJ, B_REFS };

struct key_def;
typedef int (*setter)(struct parse_ctx *c, const struct key_def *k, void *f, const char *v);

struct key_def {
	enum sect sect;
	const char *name;
	setter set;
	setter item;            /* lists: parses one item */
	enum base base;
	size_t off, size;       /* the field; lists: the array, one element */
	size_t off2;            /* lists: the count; metrics_listen: the port */
	unsigned long min, max; /* numbers; lists: max = capacity */
	const char *what;       /* what the value must be, for messages */
	const char *required;   /* hint when a section lacks this key */
	const char *const *choices;
};

/* Every key of every section (config_keys.c); a key's index in it is its
 * index in parse_ctx.key_line. */
extern const struct key_def cfg_keys[];
extern const size_t cfg_n_keys;

/* The key called name in section s, or NULL. */
const struct key_def *cfg_key_find(enum sect s, const char *name);

/* Records the first error of a parse (later ones are dropped); returns -1
 * so that setters can return its value. */
__attribute__((format(printf, 3, 4)))
int cfg_fail(struct parse_ctx *c, int line, const char *fmt, ...);

#define KEY_FAIL(c, k, fmt, ...) cfg_fail((c), (c)->line, "%s: " fmt, (k)->name, ##__VA_ARGS__)
#define BAD_VALUE(c, k, v) KEY_FAIL(c, k, "\"%s\" is not %s", (v), (k)->what)

/* Fills every [region] without sbc from the catalogues (config_regions.c),
 * once the whole file is read. 0 or -1 (cfg_fail, err_file for an error
 * inside a catalogue). */
int cfg_regions_resolve(struct parse_ctx *c);

/* words[0..n) (up to a NULL) joined with ", " into buf, cut at size. */
void cfg_join(char *buf, size_t size, const char *const *words, int n);

/* A section or reference name: letters, digits, '-', '_', '.', shorter
 * than size. */
bool cfg_valid_name(const char *s, size_t size);

#endif
