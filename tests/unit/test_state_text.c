// SPDX-License-Identifier: GPL-2.0
/*
 * test_state_text.c - the state file's text (daemon/state/state_text.c,
 * legs by daemon/media/leg_json.c): every record, and a whole file,
 * against what json-c prints for the same records built as trees (as
 * state.c wrote the file before; '/' not escaped, as replies), byte for
 * byte: hold both ways, every path and an unknown one, counters up to
 * UINT64_MAX, interface names that need escaping ('/', quotes, control
 * characters), edge addresses and ports. The writer: test_state.c.
 */
#include "check.h"
#include "commands.h"
#include "core/names.h"
#include "media/session.h"
#include "state/state_text.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

/* The records as state.c built them before state_text.c: json-c trees. */
static struct json_object *leg_tree(const struct rtpe *r, const struct leg *l)
{
	struct json_object *o = json_object_new_object();
	char buf[32];

	json_object_object_add(o, "interface", json_object_new_string(r->m.ifaces[l->iface].cfg.name));
	json_object_object_add(o, "local", json_object_new_string(sockaddr_str(&l->local, buf, sizeof(buf))));
	json_object_object_add(o, "peer", json_object_new_string(sockaddr_str(&l->peer, buf, sizeof(buf))));
	json_object_object_add(o, "peer_rtcp_port", json_object_new_int(l->peer_rtcp_port));
	json_object_object_add(o, "path", json_object_new_string(path_name(l->path)));
	json_object_object_add(o, "slot", json_object_new_int64(l->slot));
	json_object_object_add(o, "packets", json_object_new_uint64(l->us.packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(l->us.bytes));
	json_object_object_add(o, "drops", json_object_new_uint64(l->us.drops));
	json_object_object_add(o, "rtcp_packets", json_object_new_uint64(l->us.rtcp_packets));
	return o;
}

static struct json_object *session_tree(const struct rtpe *r, const struct session *s,
					int64_t now_ms, uint64_t mono)
{
	struct json_object *o = json_object_new_object(), *legs = json_object_new_array();

	json_object_object_add(o, "id", json_object_new_int64(s->id));
	json_object_object_add(o, "created_unix_ms",
			       json_object_new_int64(now_ms - (int64_t)((mono - s->created_ns) / 1000000)));
	json_object_object_add(o, "hold", json_object_new_boolean(s->hold));
	if (s->dialog)
		json_object_object_add(o, "sip", json_object_new_string(s->dialog));
	for (int i = 0; i < 2; i++)
		json_object_array_add(legs, leg_tree(r, &s->leg[i]));
	json_object_object_add(o, "legs", legs);
	return o;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return rnd_state ^ (rnd_state >> 29);
}

static void endpoint_set(struct sockaddr_in *sa, uint32_t addr, uint16_t port)
{
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = addr;
	sa->sin_port = htons(port);
}

/* Session i of the text cases: the first ones at the limits, then random. */
static void text_session(struct session *s, int i, uint64_t mono)
{
	static const uint32_t edge_addr[] = { 0, 0xffffffffu };

	s->id = i == 0 ? 1 : i == 1 ? UINT32_MAX : (uint32_t)rnd();
	s->created_ns = i == 2 ? mono : mono - rnd() % (3ull * 86400 * 1000000000);
	s->hold = i & 1;
	if (i % 3 == 0) /* the SIP proxy's text: line breaks, quotes, controls, UTF-8 */
		s->dialog = (char *)"v 1\ncall-id a84b@x\nfrom \"uac \\ q\" <sip:u@h>;tag=1\t\x01\xc3\xa9\n";
	for (int j = 0; j < 2; j++) {
		struct leg *l = &s->leg[j];
		uint64_t c = i == 1 ? UINT64_MAX : rnd() >> (rnd() % 64);

		l->iface = (int)((unsigned)(i + 3 * j) % 4);
		endpoint_set(&l->local, i < 2 ? edge_addr[i] : (uint32_t)rnd(),
			     i < 2 ? (uint16_t)-i : (uint16_t)rnd());
		endpoint_set(&l->peer, i < 2 ? edge_addr[1 - i] : (uint32_t)rnd(),
			     i < 2 ? (uint16_t)(i - 1) : (uint16_t)rnd());
		l->peer_rtcp_port = i < 2 ? (uint16_t)-i : (uint16_t)rnd();
		l->path = (enum rtpe_path)((unsigned)(i + j) % (RTPE_PATH_MAX + 1)); /* and "unknown" */
		l->slot = i == 1 ? UINT32_MAX : i == 0 ? 0 : (uint32_t)rnd();
		l->us.packets = c;
		l->us.bytes = i == 1 ? c : rnd();
		l->us.drops = i == 0 ? 0 : c / 3;
		l->us.rtcp_packets = i == 0 ? 0 : c ^ 0x5555;
	}
}

#define TEXT_SESSIONS 400

static void t_text(void)
{
	static struct rtpe r; /* large: only the interfaces are used */
	static const char *const names[] = { "carrier", "sbc_2.x-Y", "a/b/", "q\"b\\s\x01\t\x7f\xc3\xa9" };
	struct jbuf one = { 0 }, doc = { 0 };
	uint64_t mono = 5000000000000ull;
	int64_t now_ms = 1763856000123ll;
	char want[4096];
	int bad = 0;

	CASE_BEGIN("text: each record and the whole file as json-c prints them");
	r.m.n_ifaces = 4;
	for (int i = 0; i < 4; i++)
		snprintf(r.m.ifaces[i].cfg.name, sizeof(r.m.ifaces[i].cfg.name), "%s", names[i]);
	snprintf(want, sizeof(want), "{\"version\":%d,\"next_id\":%u,\"sessions\":[", 1, 4294967295u);
	state_text_head(&doc, 4294967295u);
	CHECK(doc.len == strlen(want) && !memcmp(doc.p, want, doc.len), "head %.*s", (int)doc.len, doc.p);
	for (int i = 0; i < TEXT_SESSIONS; i++) {
		struct session s = { 0 };
		struct json_object *o;

		text_session(&s, i, mono);
		o = session_tree(&r, &s, now_ms, mono);
		snprintf(want, sizeof(want), "%s\n%s", i ? "," : "",
			 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		one.len = 0;
		state_text_session(&one, &r.m, &s, i == 0, now_ms, mono);
		state_text_session(&doc, &r.m, &s, i == 0, now_ms, mono);
		if ((one.len != strlen(want) || memcmp(one.p, want, one.len)) && bad++ < 3)
			CHECK(0, "session %d:\n  got  %.*s\n  want %s", i, (int)one.len, one.p, want);
	}
	state_text_tail(&doc);
	CHECK(!bad, "%d of %d records differ", bad, TEXT_SESSIONS);
	CHECK(!one.oom && !doc.oom, "out of memory");
	CHECK(doc.len > 5 && !memcmp(doc.p + doc.len - 5, "}\n]}\n", 5), "tail");
	jbuf_mem(&doc, "", 1);
	{
		struct json_object *root = json_tokener_parse(doc.p), *arr = NULL, *v = NULL;

		CHECK(root && json_object_object_get_ex(root, "sessions", &arr) &&
		      json_object_array_length(arr) == TEXT_SESSIONS, "the file does not parse back");
		CHECK(arr && json_object_object_get_ex(json_object_array_get_idx(arr, 1), "legs", &v) &&
		      json_object_get_uint64(json_object_object_get(json_object_array_get_idx(v, 0),
								     "packets")) == UINT64_MAX,
		      "UINT64_MAX packets read back");
		json_object_put(root);
	}
	free(one.p);
	free(doc.p);
	CASE_END();
}

int main(void)
{
	t_text();
	CHECK_EXIT();
}
