/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sdp_cases.h - test_sdp_anchor's table: SDP bodies of the shapes real
 * peers send (a Twilio/Vapi-like trunk offer, ICE, rtcp-mux, T.38, SRTP,
 * holds, rejected streams...), the description each must give, the
 * anchors it is rewritten with and the exact bytes that must come out.
 * Addresses are documentation ranges; the relay's are 203.0.113.x.
 */
#ifndef SDP_CASES_H
#define SDP_CASES_H

#include "sip/sdp_anchor.h"

#define L(s) s "\r\n"

struct want_stream {
	const char *media, *proto;
	bool anchorable;
	const char *addr;
	uint16_t port, rtcp_port;
	const char *rtcp_addr;
	bool rtcp_mux;
	enum sdp_dir dir;
	uint32_t clock_rate;
	bool crypto;
};

struct want_anchor {
	const char *addr;
	uint16_t port;
	bool rtcp_mux;
};

struct sdp_case {
	const char *name;
	const char *in;
	int n;
	bool hold;
	struct want_stream s[3];
	struct want_anchor a[3];
	const char *out;
};

#define RELAY "203.0.113.10"

/* Twilio/Vapi-like trunk offer: PCMU, PCMA, telephone-event; LF line ends. */
#define TWILIO_IN                                                                            \
	"v=0\no=root 1204125384 1204125384 IN IP4 54.172.60.1\ns=Twilio Media Gateway\n"    \
	"c=IN IP4 54.172.60.1\nt=0 0\nm=audio 15966 RTP/AVP 0 8 101\n"                      \
	"a=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\n"  \
	"a=fmtp:101 0-16\na=ptime:20\na=maxptime:150\na=sendrecv\n"

static const struct sdp_case sdp_cases[] = {
{
	"twilio-like offer, LF line ends",
	TWILIO_IN, 1, false,
	{ { "audio", "RTP/AVP", true, "54.172.60.1", 15966, 15967, "54.172.60.1", false,
	    SDP_SENDRECV, 8000, false } },
	{ { RELAY, 40000, false } },
	L("v=0") L("o=root 1204125384 1204125384 IN IP4 " RELAY) L("s=Twilio Media Gateway")
	L("c=IN IP4 " RELAY) L("t=0 0") L("m=audio 40000 RTP/AVP 0 8 101")
	L("a=rtpmap:0 PCMU/8000") L("a=rtpmap:8 PCMA/8000") L("a=rtpmap:101 telephone-event/8000")
	L("a=fmtp:101 0-16") L("a=ptime:20") L("a=maxptime:150") L("a=sendrecv"),
},
{
	"ICE offer: candidates, ufrag/pwd, ice-lite removed; a=rtcp with address",
	L("v=0") L("o=- 4611731400430051336 2 IN IP4 127.0.0.1") L("s=-") L("t=0 0")
	L("a=ice-lite") L("m=audio 50002 RTP/AVP 111 0 101") L("c=IN IP4 34.83.12.7")
	L("a=rtcp:50003 IN IP4 34.83.12.7")
	L("a=candidate:1 1 UDP 2130706431 34.83.12.7 50002 typ host")
	L("a=candidate:1 2 UDP 2130706430 34.83.12.7 50003 typ host")
	L("a=ice-ufrag:F7gI") L("a=ice-pwd:x9cml/YzichV2+XlhiMu8g") L("a=ice-options:trickle")
	L("a=end-of-candidates") L("a=rtpmap:111 opus/48000/2")
	L("a=fmtp:111 minptime=10;useinbandfec=1") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:101 telephone-event/8000") L("a=sendrecv"),
	1, false,
	{ { "audio", "RTP/AVP", true, "34.83.12.7", 50002, 50003, "34.83.12.7", false,
	    SDP_SENDRECV, 48000, false } },
	{ { RELAY, 40000, false } },
	L("v=0") L("o=- 4611731400430051336 2 IN IP4 " RELAY) L("s=-") L("t=0 0")
	L("m=audio 40000 RTP/AVP 111 0 101") L("c=IN IP4 " RELAY)
	L("a=rtcp:40001 IN IP4 " RELAY) L("a=rtpmap:111 opus/48000/2")
	L("a=fmtp:111 minptime=10;useinbandfec=1") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:101 telephone-event/8000") L("a=sendrecv"),
},
#define MUX_IN                                                                               \
	L("v=0") L("o=- 20518 0 IN IP4 192.0.2.33") L("s=-") L("c=IN IP4 192.0.2.33")       \
	L("t=0 0") L("m=audio 20000 RTP/AVP 8 101") L("a=rtcp:20000") L("a=rtcp-mux")       \
	L("a=rtpmap:8 PCMA/8000") L("a=rtpmap:101 telephone-event/8000")
{
	"rtcp-mux kept when both sides mux: a=rtcp removed",
	MUX_IN, 1, false,
	{ { "audio", "RTP/AVP", true, "192.0.2.33", 20000, 20000, "192.0.2.33", true,
	    SDP_SENDRECV, 8000, false } },
	{ { RELAY, 40000, true } },
	L("v=0") L("o=- 20518 0 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("m=audio 40000 RTP/AVP 8 101") L("a=rtcp-mux") L("a=rtpmap:8 PCMA/8000")
	L("a=rtpmap:101 telephone-event/8000"),
},
{
	"rtcp-mux dropped when the far side does not mux: a=rtcp is port + 1",
	MUX_IN, 1, false,
	{ { "audio", "RTP/AVP", true, "192.0.2.33", 20000, 20000, "192.0.2.33", true,
	    SDP_SENDRECV, 8000, false } },
	{ { RELAY, 40000, false } },
	L("v=0") L("o=- 20518 0 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("m=audio 40000 RTP/AVP 8 101") L("a=rtcp:40001") L("a=rtpmap:8 PCMA/8000")
	L("a=rtpmap:101 telephone-event/8000"),
},
{
	"rtcp-mux offered by the relay to a side that did not ask: appended",
	L("v=0") L("o=- 7 7 IN IP4 192.0.2.40") L("s=-") L("c=IN IP4 192.0.2.40") L("t=0 0")
	L("m=audio 30000 RTP/AVP 0") L("a=rtcp:31001 IN IP4 192.0.2.99"),
	1, false,
	{ { "audio", "RTP/AVP", true, "192.0.2.40", 30000, 31001, "192.0.2.99", false,
	    SDP_SENDRECV, 8000, false } },
	{ { RELAY, 40000, true } },
	L("v=0") L("o=- 7 7 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("m=audio 40000 RTP/AVP 0") L("a=rtcp-mux"),
},
{
	"audio and video: two streams, video clock 90000",
	L("v=0") L("o=alice 2890844526 2890844527 IN IP4 198.51.100.5") L("s=call")
	L("c=IN IP4 198.51.100.5") L("t=0 0") L("b=AS:2048") L("m=audio 49170 RTP/AVP 0 96")
	L("a=rtpmap:96 telephone-event/8000") L("m=video 51372 RTP/AVP 99") L("b=AS:1920")
	L("a=rtpmap:99 H264/90000") L("a=fmtp:99 profile-level-id=42e01f;packetization-mode=1"),
	2, false,
	{ { "audio", "RTP/AVP", true, "198.51.100.5", 49170, 49171, "198.51.100.5", false,
	    SDP_SENDRECV, 8000, false },
	  { "video", "RTP/AVP", true, "198.51.100.5", 51372, 51373, "198.51.100.5", false,
	    SDP_SENDRECV, 90000, false } },
	{ { RELAY, 40000, false }, { RELAY, 40002, false } },
	L("v=0") L("o=alice 2890844526 2890844527 IN IP4 " RELAY) L("s=call")
	L("c=IN IP4 " RELAY) L("t=0 0") L("b=AS:2048") L("m=audio 40000 RTP/AVP 0 96")
	L("a=rtpmap:96 telephone-event/8000") L("m=video 40002 RTP/AVP 99") L("b=AS:1920")
	L("a=rtpmap:99 H264/90000") L("a=fmtp:99 profile-level-id=42e01f;packetization-mode=1"),
},
{
	"T.38 re-INVITE: image udptl, its attributes kept",
	L("v=0") L("o=- 1 2 IN IP4 192.0.2.50") L("s=-") L("c=IN IP4 192.0.2.50") L("t=0 0")
	L("m=image 40010 udptl t38") L("a=T38FaxVersion:0") L("a=T38MaxBitRate:14400")
	L("a=T38FaxRateManagement:transferredTCF") L("a=T38FaxMaxDatagram:316")
	L("a=T38FaxUdpEC:t38UDPRedundancy"),
	1, false,
	{ { "image", "udptl", true, "192.0.2.50", 40010, 40011, "192.0.2.50", false,
	    SDP_SENDRECV, 8000, false } },
	{ { RELAY, 40100, false } },
	L("v=0") L("o=- 1 2 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("m=image 40100 udptl t38") L("a=T38FaxVersion:0") L("a=T38MaxBitRate:14400")
	L("a=T38FaxRateManagement:transferredTCF") L("a=T38FaxMaxDatagram:316")
	L("a=T38FaxUdpEC:t38UDPRedundancy"),
},
{
	"hold with a=sendonly",
	L("v=0") L("o=pbx 100 101 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 198.51.100.7")
	L("t=0 0") L("m=audio 10000 RTP/AVP 0 101") L("a=rtpmap:101 telephone-event/8000")
	L("a=sendonly"),
	1, true,
	{ { "audio", "RTP/AVP", true, "198.51.100.7", 10000, 10001, "198.51.100.7", false,
	    SDP_SENDONLY, 8000, false } },
	{ { RELAY, 40000, false } },
	L("v=0") L("o=pbx 100 101 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("m=audio 40000 RTP/AVP 0 101") L("a=rtpmap:101 telephone-event/8000")
	L("a=sendonly"),
},
{
	"hold with c=0.0.0.0 (RFC 2543): the zero address is kept",
	L("v=0") L("o=pbx 100 102 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 0.0.0.0")
	L("t=0 0") L("m=audio 10000 RTP/AVP 18") L("a=fmtp:18 annexb=no"),
	1, true,
	{ { "audio", "RTP/AVP", true, "0.0.0.0", 10000, 10001, "0.0.0.0", false, SDP_SENDRECV,
	    8000, false } },
	{ { RELAY, 40000, false } },
	L("v=0") L("o=pbx 100 102 IN IP4 " RELAY) L("s=-") L("c=IN IP4 0.0.0.0") L("t=0 0")
	L("m=audio 40000 RTP/AVP 18") L("a=fmtp:18 annexb=no"),
},
{
	"SRTP offer: a=crypto lines byte for byte, session-level inactive",
	L("v=0") L("o=- 3 3 IN IP4 192.0.2.60") L("s=-") L("c=IN IP4 192.0.2.60") L("t=0 0")
	L("a=inactive") L("m=audio 16000 RTP/SAVP 0 101")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4")
	L("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32")
	L("a=rtpmap:101 telephone-event/8000"),
	1, true,
	{ { "audio", "RTP/SAVP", true, "192.0.2.60", 16000, 16001, "192.0.2.60", false,
	    SDP_INACTIVE, 8000, true } },
	{ { RELAY, 40000, false } },
	L("v=0") L("o=- 3 3 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("a=inactive") L("m=audio 40000 RTP/SAVP 0 101")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4")
	L("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32")
	L("a=rtpmap:101 telephone-event/8000"),
},
{
	"rejected stream (port 0) stays rejected with its c=",
	L("v=0") L("o=- 5 5 IN IP4 192.0.2.70") L("s=-") L("t=0 0") L("m=audio 30000 RTP/AVP 0")
	L("c=IN IP4 192.0.2.70") L("m=video 0 RTP/AVP 31") L("c=IN IP4 192.0.2.70"),
	2, false,
	{ { "audio", "RTP/AVP", true, "192.0.2.70", 30000, 30001, "192.0.2.70", false,
	    SDP_SENDRECV, 8000, false },
	  { "video", "RTP/AVP", false, "192.0.2.70", 0, 0, "192.0.2.70", false, SDP_SENDRECV,
	    90000, false } },
	{ { RELAY, 40000, false }, { NULL, 0, false } },
	L("v=0") L("o=- 5 5 IN IP4 " RELAY) L("s=-") L("t=0 0") L("m=audio 40000 RTP/AVP 0")
	L("c=IN IP4 " RELAY) L("m=video 0 RTP/AVP 31") L("c=IN IP4 " RELAY),
},
{
	"session-level and media-level c=: a media c= of its own where anchors differ",
	L("v=0") L("o=- 6 6 IN IP4 198.51.100.1") L("s=-") L("c=IN IP4 198.51.100.1")
	L("t=0 0") L("m=audio 30000 RTP/AVP 0") L("i=voice") L("c=IN IP4 198.51.100.2")
	L("a=recvonly") L("m=video 30002 RTP/AVP 31") L("i=camera") L("b=AS:512"),
	2, false,
	{ { "audio", "RTP/AVP", true, "198.51.100.2", 30000, 30001, "198.51.100.2", false,
	    SDP_RECVONLY, 8000, false },
	  { "video", "RTP/AVP", true, "198.51.100.1", 30002, 30003, "198.51.100.1", false,
	    SDP_SENDRECV, 90000, false } },
	{ { RELAY, 40000, false }, { "203.0.113.20", 40002, false } },
	L("v=0") L("o=- 6 6 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("m=audio 40000 RTP/AVP 0") L("i=voice") L("c=IN IP4 " RELAY) L("a=recvonly")
	L("m=video 40002 RTP/AVP 31") L("i=camera") L("c=IN IP4 203.0.113.20") L("b=AS:512"),
},
{
	"streams the relay cannot anchor: IPv6 c=, TCP/MSRP, two ports",
	L("v=0") L("o=- 8 8 IN IP4 192.0.2.80") L("s=-") L("c=IN IP4 192.0.2.80") L("t=0 0")
	L("m=audio 30000 RTP/AVP 0") L("c=IN IP6 2001:db8::1") L("m=message 2855 TCP/MSRP *")
	L("a=path:msrp://192.0.2.80:2855/s1;tcp") L("m=audio 30004/2 RTP/AVP 0"),
	3, false,
	{ { "audio", "RTP/AVP", false, "0.0.0.0", 30000, 30001, "0.0.0.0", false, SDP_SENDRECV,
	    8000, false },
	  { "message", "TCP/MSRP", false, "192.0.2.80", 2855, 2856, "192.0.2.80", false,
	    SDP_SENDRECV, 8000, false },
	  { "audio", "RTP/AVP", false, "192.0.2.80", 30004, 30005, "192.0.2.80", false,
	    SDP_SENDRECV, 8000, false } },
	{ { NULL, 0, false }, { NULL, 0, false }, { RELAY, 0, false } },
	L("v=0") L("o=- 8 8 IN IP4 " RELAY) L("s=-") L("c=IN IP4 " RELAY) L("t=0 0")
	L("m=audio 0 RTP/AVP 0") L("c=IN IP4 " RELAY) L("m=message 0 TCP/MSRP *")
	L("a=path:msrp://192.0.2.80:2855/s1;tcp") L("m=audio 0 RTP/AVP 0"),
},
};

#endif
