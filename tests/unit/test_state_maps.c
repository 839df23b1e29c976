// SPDX-License-Identifier: GPL-2.0
/*
 * test_state_maps.c - a start that takes sessions over from the pinned
 * maps (daemon/state/state_restore.c) when the maps or the file are not
 * what a clean stop leaves, on the real program: the daemon of
 * tests/unit/state_fixture.h with XDP (xdp_mode auto) in private network
 * and mount namespaces, maps pinned in a bpffs of their own. Interface a is
 * lo (XDP attached); interface b is a veth that already runs a
 * program of another owner, so its legs stay in userspace: sessions hold
 * sockets and have map entries, as on a host where one device refused XDP.
 *
 * Between a stop (which keeps the pins) and a start the test writes the
 * pinned rtpe_legs and the state file as a crash or damage would leave them:
 *  - the file is not JSON: the maps' sessions come back, the file is kept
 *    as FILE.bad-<time>, new ids are above the maps' ones;
 *  - a half-written entry (odd seq) is taken only as the state file has
 *    its leg, and with the file's values; otherwise its session is gone;
 *  - a session whose sockets cannot be bound (a port held by another
 *    process) is not restored, but its entries stay (XDP may be relaying
 *    the call), its ports stay reserved, its id is not given again, and
 *    the next start restores it;
 *  - two sessions of one stats slot: one keeps it, the other gets a free
 *    one; the free stack never holds a slot twice;
 *  - a session deleted in the second before the stop (in the file, gone
 *    from the maps) does not come back; with maps that are new, file
 *    sessions come back unless they were on the XDP path.
 */
#include "state_fixture.h"

#include <glob.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp/xdp.h"
#include "media/ports.h"

#define ADDR_B "10.99.0.1"

static char pin_dir[256], log_path[300];

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/* A program of another owner on d0: rtpedged cannot attach there. */
static int foreign_xdp(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "foreign", "GPL", insns, 2, NULL);

	if (fd < 0)
		return -1;
	return bpf_xdp_attach((int)if_nametoindex("d0"), fd, XDP_FLAGS_SKB_MODE, NULL);
}

static int xdaemon_up(char *err, size_t errlen)
{
	char conf[1400];
	int fd;

	snprintf(conf, sizeof(conf),
		 "[relay]\ncontrol_socket = %s/ctl.sock\nstate_file = %s\n"
		 "metrics_listen = 127.0.0.1:0\nxdp_mode = auto\npin_path = %s\n"
		 "port_min = 20000\nport_max = 20999\nmax_sessions = 100\nlog_level = info\n"
		 "[interface a]\ndevice = lo\naddress = 127.0.0.1\n"
		 "[interface b]\ndevice = d0\naddress = " ADDR_B "\n", dir, state_path, pin_dir);
	memset(&R, 0, sizeof(R));
	if (config_parse_string("test.conf", conf, &R.cfg, err, errlen))
		return -1;
	fflush(stderr);
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, 2);
	close(fd);
	return daemon_start(&R, rtpe_commands, err, errlen);
}

/* A session a <-> b; its id, or 0. */
static uint32_t xadd(void)
{
	static unsigned k;
	struct sockaddr_in pa, pb;
	struct session *s;
	char err[256];

	endpoint_set(&pa, htonl(0x7f000005), (uint16_t)(10000 + 2 * k));
	endpoint_set(&pb, inet_addr("10.99.0.5"), (uint16_t)(12000 + 2 * k++));
	if (session_create(&R.m, 0, &pa, 1, &pb, &s, err, sizeof(err))) {
		CHECK(0, "session_create: %s", err);
		return 0;
	}
	state_mark_dirty(&R.sf);
	return s->id;
}

/* What a leg was before the stop: its map index and endpoints. */
struct was {
	uint32_t id, line[2], slot[2];
	uint16_t port[2];
	char peer[2][32];
};

static struct was was_of(uint32_t id)
{
	struct session *s = session_find(&R.m, id);
	struct was w = { .id = id };

	for (int i = 0; s && i < 2; i++) {
		w.line[i] = s->leg[i].line;
		w.slot[i] = s->leg[i].slot;
		w.port[i] = ntohs(s->leg[i].local.sin_port);
		sockaddr_str(&s->leg[i].peer, w.peer[i], sizeof(w.peer[i]));
	}
	return w;
}

/* ---- the pinned map while no daemon runs --------------------------------- */

static int legs_fd(void)
{
	char p[400];

	snprintf(p, sizeof(p), "%s/" RTPE_MAP_LEGS, pin_dir);
	return bpf_obj_get(p);
}

static int map_get(uint32_t idx, struct rtpe_leg *v)
{
	int fd = legs_fd(), e;

	e = fd < 0 ? -1 : bpf_map_lookup_elem(fd, &idx, v);
	if (fd >= 0)
		close(fd);
	return e;
}

static int map_set(uint32_t idx, const struct rtpe_leg *v)
{
	int fd = legs_fd(), e;

	e = fd < 0 ? -1 : bpf_map_update_elem(fd, &idx, v, BPF_ANY);
	if (fd >= 0)
		close(fd);
	return e;
}

/* The daemon gone, the pins kept (as a stop or a crash leaves them). */
static void stop_keep(void)
{
	daemon_finish(&R);
	fflush(stderr);
	memset(&R, 0, sizeof(R));
}

static bool start(void)
{
	char err[512];

	if (xdaemon_up(err, sizeof(err))) {
		CHECK(0, "the daemon does not start: %s", err);
		return false;
	}
	return true;
}

static char *log_text(void)
{
	fflush(stderr);
	return slurp(log_path);
}

/* The state file with session id's record removed (or its legs' path set). */
static int file_edit(uint32_t drop_id, uint32_t xdp_id)
{
	struct json_object *root = json_object_from_file(state_path), *arr, *keep;
	int e;

	if (!root || !json_object_object_get_ex(root, "sessions", &arr))
		return -1;
	keep = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *rec = json_object_array_get_idx(arr, i), *legs;

		if (rec_id(rec) == drop_id)
			continue;
		if (rec_id(rec) == xdp_id && json_object_object_get_ex(rec, "legs", &legs))
			for (size_t j = 0; j < 2; j++)
				json_object_object_add(json_object_array_get_idx(legs, j), "path",
						       json_object_new_string("xdp"));
		json_object_array_add(keep, json_object_get(rec));
	}
	json_object_object_add(root, "sessions", keep);
	e = json_object_to_file(state_path, root);
	json_object_put(root);
	return e;
}

static bool entry_active(uint32_t idx)
{
	struct rtpe_leg v;

	return !map_get(idx, &v) && (v.flags & RTPE_LEG_F_ACTIVE);
}

/* ---- cases ------------------------------------------------------------------ */

static void t_corrupt_file(void)
{
	uint32_t ids[3], max = 0;
	char pat[320], *log;
	glob_t g = { 0 };
	FILE *f;

	CASE_BEGIN("maps: a state file that is not JSON: the maps' sessions come back, the "
		   "file is kept aside, new ids above theirs");
	for (int i = 0; i < 3; i++)
		max = ids[i] = xadd();
	stop_keep();
	f = fopen(state_path, "w");
	if (f) {
		fputs("{\"version\":1,\"next_id\":", f);
		fclose(f);
	}
	if (!start())
		goto out;
	for (int i = 0; i < 3; i++)
		CHECK(session_find(&R.m, ids[i]), "s-%u not restored from the maps", ids[i]);
	CHECK(R.m.next_id > max, "next_id %u, the maps hold s-%u", R.m.next_id, max);
	snprintf(pat, sizeof(pat), "%s.bad-*", state_path);
	CHECK(!glob(pat, 0, NULL, &g) && g.gl_pathc == 1, "no %s", pat);
	log = log_text();
	CHECK(g.gl_pathc == 1 && log && strstr(log, g.gl_pathv[0]), "no log line names the file");
	free(log);
	for (size_t i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
	for (int i = 0; i < 3; i++)
		del_one(&R, ids[i]);
out:
	CASE_END();
}

static void t_half_written(void)
{
	struct was a, b;
	struct rtpe_leg v;
	struct session *s;
	char buf[32];

	CASE_BEGIN("maps: a half-written entry is taken only as the file has its leg, with "
		   "the file's values");
	a = was_of(xadd());
	b = was_of(xadd());
	stop_keep();
	/* a: leg a mid-rewrite with a new peer; the file has the leg (old peer). */
	CHECK(!map_get(a.line[0], &v), "read s-%u leg a", a.id);
	v.seq |= 1;
	v.peer = inet_addr("127.0.0.99");
	CHECK(!map_set(a.line[0], &v), "write s-%u leg a", a.id);
	/* b: leg b mid-write, and the file does not know b at all. */
	CHECK(!map_get(b.line[1], &v), "read s-%u leg b", b.id);
	v.seq |= 1;
	CHECK(!map_set(b.line[1], &v), "write s-%u leg b", b.id);
	CHECK(!file_edit(b.id, 0), "editing the state file");
	if (!start())
		goto out;
	s = session_find(&R.m, a.id);
	CHECK(s, "s-%u (its half-written leg confirmed by the file) not restored", a.id);
	CHECK(s && !strcmp(sockaddr_str(&s->leg[0].peer, buf, sizeof(buf)), a.peer[0]),
	      "s-%u leg a peer %s, the file says %s", a.id, buf, a.peer[0]);
	CHECK(!session_find(&R.m, b.id), "s-%u restored from a half-written entry the file "
	      "does not confirm", b.id);
	CHECK(!entry_active(b.line[0]) && !entry_active(b.line[1]), "s-%u's entries are left", b.id);
	CHECK(!map_get(a.line[0], &v) && !(v.seq & 1) && v.peer == s->leg[0].peer.sin_addr.s_addr,
	      "s-%u leg a's entry is not rewritten whole", a.id);
	CHECK(R.m.next_id > b.id, "next_id %u", R.m.next_id);
	del_one(&R, a.id);
out:
	CASE_END();
}

static void t_transient(void)
{
	struct sockaddr_in sa;
	struct rtpe_leg before[2], after;
	struct was c;
	int fd;

	CASE_BEGIN("maps: a session that cannot be restored now keeps its entries, its ports "
		   "and its id; the next start restores it");
	c = was_of(xadd());
	stop_keep();
	for (int i = 0; i < 2; i++)
		CHECK(!map_get(c.line[i], &before[i]), "read s-%u", c.id);
	/* Another process holds leg b's RTCP port. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	endpoint_set(&sa, inet_addr(ADDR_B), (uint16_t)(c.port[1] + 1));
	CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)), "bind: %s", strerror(errno));
	if (!start())
		goto out;
	CHECK(!session_find(&R.m, c.id), "s-%u restored although its port is held", c.id);
	for (int i = 0; i < 2; i++)
		CHECK(!map_get(c.line[i], &after) && !memcmp(&after, &before[i], sizeof(after)),
		      "s-%u leg %c: its map entry was changed or purged", c.id, 'a' + i);
	CHECK(port_pool_take(R.m.ifaces[1].ports, c.port[1]) == -EBUSY &&
	      port_pool_take(R.m.ifaces[0].ports, c.port[0]) == -EBUSY,
	      "s-%u's ports are not reserved", c.id);
	CHECK(R.m.next_id > c.id, "next_id %u would give s-%u again", R.m.next_id, c.id);
	stop_keep();
	close(fd);
	fd = -1;
	if (!start())
		goto out;
	CHECK(session_find(&R.m, c.id), "s-%u not restored once its port is free", c.id);
	del_one(&R, c.id);
out:
	if (fd >= 0)
		close(fd);
	CASE_END();
}

/* Whether the free stack holds a slot twice or one a leg holds, and every
 * leg's slot is its own. */
static void check_slots(void)
{
	uint32_t slots = 2 * R.cfg.max_sessions;
	uint8_t *seen = calloc(slots, 1);

	CHECK(R.m.n_free_slots <= slots, "%u free slots of %u", R.m.n_free_slots, slots);
	for (uint32_t i = 0; seen && i < R.m.n_free_slots && i < slots; i++) {
		uint32_t k = R.m.free_slots[i];

		CHECK(k < slots && !seen[k], "slot %u is free twice (or beyond the table)", k);
		if (k < slots)
			seen[k] = 1;
	}
	for (struct session *s = R.m.first; seen && s; s = s->next)
		for (int i = 0; i < 2; i++) {
			uint32_t k = s->leg[i].slot;

			CHECK(k < slots && !seen[k] && R.m.slot_leg[k] == &s->leg[i],
			      "s-%u leg %c: slot %u is free, shared or not its own", s->id, 'a' + i, k);
			if (k < slots)
				seen[k] = 2;
		}
	free(seen);
}

static void t_slot_twice(void)
{
	struct was d, e;
	struct rtpe_leg v;
	uint32_t f;

	CASE_BEGIN("maps: two legs of one stats slot: one keeps it, one gets a free one; "
		   "releases never free a slot twice");
	d = was_of(xadd());
	e = was_of(xadd());
	f = xadd();
	stop_keep();
	CHECK(!map_get(e.line[0], &v), "read");
	v.slot = d.slot[0];
	CHECK(!map_set(e.line[0], &v), "write");
	if (!start())
		goto out;
	CHECK(session_find(&R.m, d.id) && session_find(&R.m, e.id), "s-%u, s-%u restored", d.id, e.id);
	check_slots();
	del_one(&R, d.id);
	del_one(&R, e.id);
	check_slots();
	del_one(&R, f);
	check_slots();
out:
	CASE_END();
}

static void t_deleted(void)
{
	char saved[320], *log;
	uint32_t g, h;
	struct was hw;

	CASE_BEGIN("maps: a session deleted just before the stop (still in the file) stays "
		   "deleted; one the file lacks comes back from the maps");
	snprintf(saved, sizeof(saved), "%s.saved", state_path);
	g = xadd();
	hw = was_of(h = xadd());
	CHECK(!state_write(&R.sf), "state_write");
	CHECK(!link(state_path, saved), "keeping the file");
	del_one(&R, h);
	stop_keep();
	CHECK(!rename(saved, state_path), "the file of before the deletion back");
	CHECK(!file_edit(g, 0), "s-%u out of the file", g);
	if (!start())
		goto out;
	CHECK(!session_find(&R.m, h), "s-%u, deleted before the stop, came back", h);
	CHECK(!entry_active(hw.line[0]) && !entry_active(hw.line[1]), "s-%u has map entries", h);
	CHECK(session_find(&R.m, g), "s-%u, in the maps only, not restored", g);
	log = log_text();
	CHECK(log && strstr(log, "s-") && strstr(log, "not in the pinned maps"),
	      "no log line for the dropped session: %s", log);
	free(log);
	CHECK(R.m.next_id > h, "next_id %u, the file had s-%u", R.m.next_id, h);
	del_one(&R, g);
out:
	CASE_END();
}

static void t_new_maps(void)
{
	char saved[320];
	uint32_t u, x;

	CASE_BEGIN("maps: new maps (a reboot): file sessions come back, but not those that "
		   "were on the XDP path");
	snprintf(saved, sizeof(saved), "%s.saved", state_path);
	u = xadd();
	x = xadd();
	CHECK(!state_write(&R.sf) && !link(state_path, saved), "keeping the file");
	R.remove_on_exit = true; /* unpins every map */
	stop_keep();
	CHECK(!rename(saved, state_path) && !file_edit(0, x), "the file back");
	if (!start())
		goto out;
	CHECK(session_find(&R.m, u), "s-%u (learning) not restored from the file", u);
	CHECK(!session_find(&R.m, x), "s-%u (on the XDP path) restored without its maps", x);
	CHECK(R.m.next_id > x, "next_id %u", R.m.next_id);
	del_one(&R, u);
out:
	CASE_END();
}

static const char *xbed_up(char *err, size_t errlen)
{
	char cmd[200];

	if (geteuid())
		return "needs root (network namespace, bpffs, XDP)";
	const char *why = private_netns_dir(dir);

	if (why)
		return why;
	snprintf(state_path, sizeof(state_path), "%s/state/state.json", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	snprintf(cmd, sizeof(cmd), "%s/bpf", dir);
	snprintf(pin_dir, sizeof(pin_dir), "%s/rtpedge", cmd);
	if (mkdir(cmd, 0700) || mount("bpf", cmd, "bpf", 0, NULL))
		return "cannot mount a bpffs";
	if (sh("ip link add d0 type veth peer name d1 && ip addr add " ADDR_B "/24 dev d0 && ip link set d1 up && ip link set d0 up"))
		return "cannot make the veth d0";
	if (foreign_xdp())
		return "cannot attach a program to d0";
	if (xdaemon_up(err, errlen))
		return err;
	if (!R.m.xdp || !xdp_attached(R.m.xif[0].attach) || xdp_attached(R.m.xif[1].attach))
		return "XDP not as expected (attached on lo, not on d0)";
	return NULL;
}

int main(void)
{
	char err[512];
	const char *why;

	log_setup(true, LOG_LVL_INFO);
	why = xbed_up(err, sizeof(err));
	if (why) {
		CASE_SKIP("restore from damaged pinned maps", why);
	} else {
		t_corrupt_file();
		t_half_written();
		t_transient();
		t_slot_twice();
		t_deleted();
		t_new_maps();
		R.remove_on_exit = true;
	}
	bed_down();
	CHECK_EXIT();
}
