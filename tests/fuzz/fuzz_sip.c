// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sip.c - libFuzzer harness for the proxy's SIP handling: any bytes as
 * a datagram, parsed by sofia-sip's message parser as nta parses what a
 * transport receives, then through what the SIP thread does with a
 * message (daemon/sip/sip_msg.c): a request is classified (source chosen
 * from the input's length: a trunk, the region's SBC or a stranger) and,
 * when it goes on, copied, retargeted, its Routes popped, Record-Routed,
 * its SDP described and rewritten; a response gives its route sets and
 * its SDP is rewritten too. The Record-Route parameters of every Route are
 * read back, and what the proxy writes must read back the same. Under
 * ASan/UBSan: no crash, no leak, and every rewritten body describes again.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su.h>

#include "core/config.h"
#include "sip/sdp_anchor.h"
#include "sip/sip_msg.h"
#include "sip/sip_rr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf[] =
	"[interface carrier]\ndevice = r0\naddress = 198.18.1.1\n"
	"[interface sbc]\ndevice = r1\naddress = 198.18.2.1\n"
	"[sip]\nlisten = udp:0.0.0.0:5060, tcp:0.0.0.0:5060\n"
	"[region lab]\nsbc = 198.18.2.2\ninterface = sbc\n"
	"[trunk carrier]\naddresses = 198.18.1.2\ntarget = 198.18.1.2:5060\n"
	"interface = carrier\nregion = lab\nnumbers = +1555\n"
	"[trunk other]\naddresses = 198.18.1.0/24\ntarget = 198.18.1.9:5070\n"
	"interface = carrier\nregion = lab\ntransport = tcp\n";

static struct rtpe_cfg cfg;

static void setup(void)
{
	static int done;
	char err[256];

	if (done)
		return;
	su_init();
	if (config_parse_string("fuzz.conf", conf, &cfg, err, sizeof(err)))
		abort();
	done = 1;
}

/* What the proxy writes into a Record-Route reads back the same, and
 * verifies for its Call-ID only. */
static void rr_roundtrip(const struct sip_rr *in)
{
	struct sip_rr out;
	char buf[512];

	for (int side = 0; side < 2; side++) {
		if (sip_rr_params(in, side, "c1@x", buf, sizeof(buf)) < 0)
			abort();
		if (sip_rr_parse(buf, &out) || !sip_rr_verify(&out, "c1@x") ||
		    sip_rr_verify(&out, "c2@x") || out.side != side || out.n_ids != in->n_ids ||
		    memcmp(out.ids, in->ids, sizeof(in->ids[0]) * (size_t)in->n_ids) ||
		    out.dir != in->dir || strcmp(out.trunk, in->trunk) ||
		    strcmp(out.region, in->region))
			abort();
	}
}

/* The message's SDP, described, anchored on made-up legs, rewritten: the
 * rewrite must describe again with the same streams. */
static void sdp_pass(msg_t *msg)
{
	sip_t *sip = sip_object(msg);
	struct sdp_desc d, again;
	struct sdp_anchor a[SDP_MAX_STREAMS] = { 0 };
	char why[128];
	sip_payload_t *pl;

	if (!sip_has_sdp(sip) ||
	    sdp_describe(sip->sip_payload->pl_data, sip->sip_payload->pl_len, &d, why, sizeof(why)))
		return;
	for (int i = 0; i < d.n && i < SDP_MAX_STREAMS; i++) {
		a[i].addr.s_addr = htonl(0xc6120201); /* 198.18.2.1 */
		a[i].port = d.s[i].anchorable ? (uint16_t)(40000 + 2 * i) : 0;
		a[i].rtcp_mux = d.s[i].rtcp_mux;
	}
	if (sip_body_rewrite(msg, &d, a))
		return;
	pl = sip->sip_payload;
	if (sdp_describe(pl->pl_data, pl->pl_len, &again, why, sizeof(why)) || again.n != d.n)
		abort();
}

static void request(msg_t *msg, struct in_addr src)
{
	sip_t const *sip = sip_object(msg);
	struct sip_class k;
	msg_t *out;
	int iface[2] = { 0, 1 };
	const char tp[2][4] = { "udp", "tcp" };

	sip_classify(&cfg, sip, src, &k);
	if (k.kind == SIP_K_ANSWER)
		return;
	if (k.ours)
		rr_roundtrip(&k.rr);
	out = sip_fwd_copy(&cfg, msg);
	if (!out)
		return;
	if (k.kind == SIP_K_NEW) {
		struct sip_rr rr = { .n_ids = 2, .ids = { 17, 18 }, .dir = k.rt.dir };

		memcpy(rr.trunk, cfg.trunks[k.rt.trunk].name, sizeof(rr.trunk));
		memcpy(rr.region, cfg.regions[k.rt.region].name, sizeof(rr.region));
		rr_roundtrip(&rr);
		if (!sip_request_retarget(out, &k.rt))
			sip_record_route_add(out, &cfg, &rr, iface, tp);
	}
	(void)sip_next_hop(out);
	sdp_pass(out);
	(void)msg_as_string(msg_home(out), out, NULL, 0, NULL);
	msg_destroy(out);
}

static void response(msg_t *msg)
{
	sip_t const *sip = sip_object(msg);
	su_home_t *home = su_home_new(sizeof(su_home_t));
	sip_route_t *to_caller, *to_callee;

	if (!home)
		return;
	sip_route_sets(home, &cfg, sip->sip_record_route, &to_caller, &to_callee);
	su_home_unref(home);
	sdp_pass(msg);
	(void)msg_as_string(msg_home(msg), msg, NULL, 0, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sources[3] = { 0xc6120102, 0xc6120202, 0xc6120302 };
	struct in_addr src = { .s_addr = htonl(sources[size % 3]) };
	msg_t *msg;
	sip_t *sip;

	setup();
	if (size > 65536)
		return 0; /* the agent's NTATAG_MAXSIZE */
	msg = msg_make(sip_default_mclass(), 0, data, (ssize_t)size);
	sip = msg ? sip_object(msg) : NULL;
	if (sip) { /* errors in headers reach the proxy too (nta drops only some) */
		if (sip->sip_request)
			request(msg, src);
		else if (sip->sip_status)
			response(msg);
	}
	if (msg)
		msg_destroy(msg);
	return 0;
}
