/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state_fixture.h - what test_state.c and test_state_fail.c share: the
 * daemon started in the test's own process (xdp_mode off, two interfaces on
 * loopback in a private network and mount namespace) with TABLE sessions,
 * and readers for the state file it writes.
 *
 * Header only: each tests/unit/test_*.c is its own program. Functions are
 * static inline so a program that does not use one gets no warning.
 */
#ifndef RTPE_STATE_FIXTURE_H
#define RTPE_STATE_FIXTURE_H

#include "check.h"
#include "core/config.h"
#include "commands.h"
#include "daemon.h"
#include "core/log.h"
#include "core/loop.h"
#include "netns_fixture.h"
#include "media/session.h"
#include "state/state.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <json-c/json.h>

#define TABLE 1200 /* sessions in the table at the start */

static char dir[] = "/tmp/rtpe-test-state-XXXXXX";
static char state_path[256], tmp_path[300], cap_path[300];
static struct rtpe R;

static inline void endpoint_set(struct sockaddr_in *sa, uint32_t addr, uint16_t port)
{
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = addr;
	sa->sin_port = htons(port);
}

static inline int daemon_up(struct rtpe *r, char *err, size_t errlen)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
		 "[relay]\ncontrol_socket = %s/ctl.sock\nstate_file = %s\n"
		 "metrics_listen = 127.0.0.1:0\nxdp_mode = off\npin_path = %s/bpf\nport_min = 20000\n"
		 "port_max = 29999\nmax_sessions = 4000\nlog_level = warning\n"
		 "[interface lo]\ndevice = lo\naddress = 127.0.0.1\n"
		 "[interface lo2]\ndevice = lo\naddress = 127.0.0.2\n", dir, state_path, dir);
	memset(r, 0, sizeof(*r));
	if (config_parse_string("test.conf", conf, &r->cfg, err, errlen))
		return -1;
	return daemon_start(r, rtpe_commands, err, errlen);
}

/* A session as session.add makes one; its id, or 0. */
static inline uint32_t add_one(struct rtpe *r)
{
	static unsigned k;
	struct sockaddr_in pa, pb;
	struct session *s;
	char err[256];

	endpoint_set(&pa, htonl(0x7f000005), (uint16_t)(10000 + 2 * (k % 20000)));
	endpoint_set(&pb, htonl(0x7f000006), (uint16_t)(10000 + 2 * (k++ % 20000)));
	if (session_create(&r->m, 0, &pa, 1, &pb, &s, err, sizeof(err))) {
		fprintf(stderr, "session_create: %s\n", err);
		return 0;
	}
	state_mark_dirty(&r->sf);
	return s->id;
}

static inline void del_one(struct rtpe *r, uint32_t id)
{
	struct session *s = session_find(&r->m, id);

	if (s) {
		session_destroy(&r->m, s);
		state_mark_dirty(&r->sf);
	}
}

/* Open file descriptors but sockets (sessions come and go with theirs). */
static inline int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	char path[300], link[64];
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		ssize_t k;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		k = readlink(path, link, sizeof(link) - 1);
		n += k < 0 || strncmp(link, "socket:", 7);
	}
	if (d)
		closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 65536) {
			char *q = realloc(p, cap = cap * 2 + 65536);

			if (!q)
				break;
			p = q;
		}
		n = fread(p + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	fclose(f);
	if (p)
		p[len] = '\0';
	return p;
}

/* The sessions of a state file: an array (json_object_put the root). */
static inline struct json_object *file_sessions(const char *path, struct json_object **root,
					 uint32_t *next_id)
{
	struct json_object *arr = NULL, *v;

	*root = json_object_from_file(path);
	if (*root && json_object_object_get_ex(*root, "next_id", &v))
		*next_id = (uint32_t)json_object_get_int64(v);
	if (!*root || !json_object_object_get_ex(*root, "sessions", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	return arr;
}

static inline uint32_t rec_id(struct json_object *rec)
{
	return (uint32_t)json_object_get_int64(json_object_object_get(rec, "id"));
}

static inline const char *rec_leg(struct json_object *rec, int i, const char *key)
{
	struct json_object *legs = json_object_object_get(rec, "legs");

	return json_object_get_string(json_object_object_get(json_object_array_get_idx(legs, (size_t)i), key));
}

/* Whether the file's ids are exactly the table's, in its order. */
static inline bool file_matches_table(const char *path, struct rtpe *r)
{
	struct json_object *root, *arr;
	struct session *s = r->m.first;
	uint32_t next_id = 0;
	size_t i = 0;
	bool ok;

	arr = file_sessions(path, &root, &next_id);
	for (; arr && s && i < json_object_array_length(arr); s = s->next, i++)
		if (rec_id(json_object_array_get_idx(arr, i)) != s->id)
			break;
	ok = arr && !s && i == json_object_array_length(arr) && next_id == r->m.next_id;
	json_object_put(root);
	return ok;
}

/* A private network and mount namespace, the daemon, TABLE sessions (every
 * seventh on hold) and a first complete write. NULL, or why not. */
static inline const char *bed_up(char *err, size_t errlen)
{
	if (geteuid())
		return "needs root (network namespace, sockets, tmpfs)";
	const char *why = private_netns_dir(dir);

	if (why)
		return why;
	snprintf(state_path, sizeof(state_path), "%s/state/state.json", dir);
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", state_path);
	snprintf(cap_path, sizeof(cap_path), "%s/log", dir);
	if (daemon_up(&R, err, errlen))
		return err;
	for (int i = 0; i < TABLE; i++)
		if (add_one(&R) != (uint32_t)i + 1)
			return "cannot create the sessions";
	for (struct session *s = R.m.first; s; s = s->next)
		s->hold = s->id % 7 == 0;
	if (state_write(&R.sf))
		return "the first write failed";
	return NULL;
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* The daemon stopped, the temporary directory gone. */
static inline void bed_down(void)
{
	if (R.loop)
		daemon_finish(&R);
	if (dir[sizeof(dir) - 7] != 'X')
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
