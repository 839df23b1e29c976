/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpprobe_payload.h - the wire format of rtpprobe: building packet number
 * index of a stream (RTP or RTCP header, probe payload header, pattern) and
 * verifying a received one byte for byte. Part of rtpprobe.c (included
 * once, after its constants, enum kind and struct opts).
 */
#ifndef RTPPROBE_PAYLOAD_H
#define RTPPROBE_PAYLOAD_H

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The RTP timestamp of the first packet: derived from the SSRC so that a
 * receiver can check every packet's timestamp. */
static uint32_t ts_base(uint32_t ssrc)
{
	return ssrc ^ 0x5a5a5a5au;
}

/* Pattern bytes from offset PAYLOAD_HDR on: cheap, and different for every
 * (ssrc, index) so that a packet swapped for another one is caught. */
static uint32_t pattern_seed(uint32_t ssrc, uint32_t index)
{
	return ssrc * 0x9e3779b1u ^ (index + 1) * 0x85ebca6bu;
}

static uint8_t pattern_byte(uint32_t seed, size_t i)
{
	return (uint8_t)((seed >> ((i & 3) * 8)) + i * 131 + (i >> 8));
}

static size_t hdr_len(bool rtcp)
{
	return rtcp ? RTCP_HDR : RTP_HDR;
}

/* Writes packet number index into buf; returns its length. */
static size_t build_packet(uint8_t *buf, const struct opts *o, uint32_t index)
{
	size_t h = hdr_len(o->rtcp), len = h + o->size, i;
	uint8_t *pl = buf + h;
	uint32_t seed = pattern_seed(o->ssrc, index);
	uint64_t t;

	if (o->rtcp) {
		len = (len + 3) & ~(size_t)3; /* RTCP length counts 32-bit words */
		buf[0] = 0x80;                /* V=2, P=0, RC=0 */
		buf[1] = RTCP_PT_SR;
		put16(buf + 2, (uint16_t)(len / 4 - 1));
		put32(buf + 4, o->ssrc);
	} else {
		buf[0] = 0x80; /* V=2, P=0, X=0, CC=0 */
		buf[1] = 0;    /* M=0, PT 0 (PCMU) */
		put16(buf + 2, (uint16_t)(o->seq_start + index));
		put32(buf + 4, ts_base(o->ssrc) + index * o->ts_step);
		put32(buf + 8, o->ssrc);
	}
	put32(pl, PROBE_MAGIC);
	put32(pl + 4, o->ssrc);
	put32(pl + 8, index);
	put16(pl + 12, (uint16_t)o->seq_start);
	put16(pl + 14, o->rtcp ? KIND_RTCP : KIND_RTP);
	put32(pl + 16, o->ts_step);
	t = now_ns();
	put32(pl + 20, (uint32_t)(t >> 32));
	put32(pl + 24, (uint32_t)t);
	for (i = PAYLOAD_HDR; i < len - h; i++)
		pl[i] = pattern_byte(seed, i);
	return len;
}

/* The header checks of one kind; NULL when fine, else why not. */
static const char *check_header(const uint8_t *p, size_t len, bool rtcp)
{
	if (p[0] >> 6 != 2)
		return "not version 2";
	if (rtcp) {
		if (p[1] != RTCP_PT_SR)
			return "not RTCP SR (PT 200)";
		if ((size_t)(get16(p + 2) + 1) * 4 != len)
			return "RTCP length field disagrees with the datagram";
		if (p[0] & 0x3f)
			return "RTCP padding or report count set";
		return NULL;
	}
	if (p[1] == RTCP_PT_SR)
		return "RTCP where RTP was expected";
	if ((p[1] & 0x7f) != 0)
		return "RTP payload type is not 0";
	if (p[0] & 0x3f)
		return "RTP padding, extension or CSRC set";
	return NULL;
}

/*
 * Verifies a received datagram in full. Returns NULL and fills ssrc, index
 * and send_ns when intact, else a reason.
 */
static const char *verify_packet(const uint8_t *p, size_t len, bool rtcp,
				 uint32_t *ssrc, uint32_t *index, uint64_t *send_ns)
{
	size_t h = hdr_len(rtcp), i;
	const uint8_t *pl = p + h;
	const char *why;
	uint32_t seed;

	if (len < h + PAYLOAD_HDR)
		return "too short for a probe packet";
	why = check_header(p, len, rtcp);
	if (why)
		return why;
	if (get32(pl) != PROBE_MAGIC)
		return "bad magic";
	*ssrc = get32(pl + 4);
	*index = get32(pl + 8);
	if (get32(rtcp ? p + 4 : p + 8) != *ssrc)
		return "header SSRC differs from the payload's";
	if (get16(pl + 14) != (rtcp ? KIND_RTCP : KIND_RTP))
		return "payload kind differs from the header";
	if (!rtcp && get16(p + 2) != (uint16_t)(get16(pl + 12) + *index))
		return "RTP sequence number does not match the packet index";
	if (!rtcp && get32(p + 4) != ts_base(*ssrc) + *index * get32(pl + 16))
		return "RTP timestamp does not match the packet index";
	*send_ns = (uint64_t)get32(pl + 20) << 32 | get32(pl + 24);
	seed = pattern_seed(*ssrc, *index);
	for (i = PAYLOAD_HDR; i < len - h; i++)
		if (pl[i] != pattern_byte(seed, i))
			return "payload pattern corrupted";
	return NULL;
}

#endif /* RTPPROBE_PAYLOAD_H */
