/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_model_check.h - one frame through the XDP program (BPF_PROG_TEST_RUN
 * on the bed of xdp_model_bed.h) and through the model (xdp_model.h), and
 * every difference between them: the XDP action, which verdict counter
 * moved and by how much, the frame out, every bed leg's line (counters,
 * last-seen, RTP state), and the samples the daemon got through rtpe_punt.
 * Differences are printed as a report that names the frame (hex), the
 * verdicts, the bytes that differ and the counters.
 *
 * Header only.
 */
#ifndef RTPE_XDP_MODEL_CHECK_H
#define RTPE_XDP_MODEL_CHECK_H

#include <stdarg.h>

#include "xdp_model_bed.h"

/* A report under construction: the differences of one frame. */
struct diff {
	char buf[8192];
	size_t used;
	int n;
};

static void diff_line(struct diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diff_line(struct diff *d, const char *fmt, ...)
{
	size_t room = sizeof(d->buf) - d->used;
	va_list ap;
	int w;

	d->n++;
	va_start(ap, fmt);
	w = room > 3 ? vsnprintf(d->buf + d->used + 2, room - 3, fmt, ap) : 0;
	va_end(ap);
	if (w <= 0 || (size_t)w >= room - 3)
		return;
	memcpy(d->buf + d->used, "  ", 2);
	d->used += 2 + w;
	d->buf[d->used++] = '\n';
	d->buf[d->used] = 0;
}

/* The first 128 bytes of a frame (the headers and some payload). */
static inline void diff_hex(FILE *f, const char *what, const __u8 *p, __u32 len)
{
	fprintf(f, "  %s (%u bytes%s):", what, len, len > 128 ? ", the first 128" : "");
	for (__u32 i = 0; i < len && i < 128; i++)
		fprintf(f, "%s%02x", i % 32 ? " " : "\n    ", p[i]);
	fputc('\n', f);
}

/* The frame out against the model's: up to 12 differing bytes. */
static inline void diff_frame(struct diff *d, const struct model_out *o, const __u8 *out,
			      __u32 out_len)
{
	int shown = 0;

	if (out_len != o->len)
		diff_line(d, "frame out: %u bytes, model %u", out_len, o->len);
	for (__u32 i = 0; i < out_len && i < o->len; i++)
		if (out[i] != o->frame[i] && shown++ < 12)
			diff_line(d, "frame out byte %u: program %02x, model %02x", i, out[i],
				  o->frame[i]);
}

/* Each verdict counter moved by the model's verdict only: +1, +len. */
static inline void diff_counters(struct diff *d, const struct bed *b, const struct rtpe_counter *now,
				 enum rtpe_verdict v, __u32 len)
{
	for (__u32 k = 0; k < RTPE_V_MAX; k++) {
		__u64 dp = now[k].packets - b->counters[k].packets;
		__u64 db = now[k].bytes - b->counters[k].bytes;

		if (dp != (k == v) || db != (k == v ? len : 0))
			diff_line(d, "verdict counter %s/%s moved by %llu packets, %llu bytes; model "
				  "%u, %u", model_verdict(k), reason[k], (unsigned long long)dp,
				  (unsigned long long)db, k == v, k == v ? len : 0);
	}
}

/* One leg's line against the model's: the frame's leg moves as predicted,
 * every other line stays as it was. */
static inline void diff_line_state(struct diff *d, const struct bed *b, int i,
				   const struct rtpe_leg_state *before, const struct model_out *o)
{
	const struct rtpe_leg_state *now = &b->state[b->m.legs[i].line];
	struct rtpe_leg_state want = i == o->leg ? o->line : *before;
	bool stamped = i == o->leg && (o->v == RTPE_V_TX || o->v == RTPE_V_REDIRECT);
	const struct rtpe_leg_rtp *r = &now->rtp, *w = &want.rtp;

	if (now->packets != want.packets || now->bytes != want.bytes ||
	    now->rtcp_packets != want.rtcp_packets || now->drops != want.drops)
		diff_line(d, "leg %d (line %u): packets %llu bytes %llu rtcp %llu drops %llu; model "
			  "%llu %llu %llu %llu", i, b->m.legs[i].line, now->packets, now->bytes,
			  now->rtcp_packets, now->drops, want.packets, want.bytes,
			  want.rtcp_packets, want.drops);
	if (stamped ? !now->last_seen || now->last_seen < before->last_seen :
		      now->last_seen != before->last_seen)
		diff_line(d, "leg %d: last_seen %llu -> %llu, model: %s", i, before->last_seen,
			  now->last_seen, stamped ? "stamped" : "unchanged");
	if (i == o->leg && o->rtp ?
		    r->ssrc != w->ssrc || r->base_seq != w->base_seq || r->max_seq != w->max_seq ||
			    r->rtp_packets != w->rtp_packets :
		    memcmp(r, &before->rtp, sizeof(*r)))
		diff_line(d, "leg %d: RTP ssrc %08x base %u max %u packets %u; model %08x %u %u %u "
			  "(%s)", i, r->ssrc, r->base_seq, r->max_seq, r->rtp_packets, w->ssrc,
			  w->base_seq, w->max_seq, w->rtp_packets,
			  i == o->leg && o->rtp ? "updated" : "unchanged");
}

/* What the reader got against the model's punt: one sample, meta then the
 * frame as received, or none. */
static inline void diff_punt(struct diff *d, const struct bed *b, const struct model_out *o,
			     const __u8 *in, __u32 len)
{
	struct rtpe_punt_meta m;
	const size_t hl = sizeof(m);

	if (b->samples != o->punted || b->lost)
		diff_line(d, "punt samples: %d (%d lost), model %d", b->samples, b->lost, o->punted);
	if (!b->samples || !o->punted)
		return;
	memcpy(&m, b->sample[0], hl);
	if (memcmp(&m, &o->meta, hl))
		diff_line(d, "punt meta: ifindex %u slot %u verdict %u len %u; model %u %u %u %u",
			  m.ifindex, m.slot, m.verdict, m.len, o->meta.ifindex, o->meta.slot,
			  o->meta.verdict, o->meta.len);
	if (b->sample_size[0] < hl + len || memcmp(b->sample[0] + hl, in, len))
		diff_line(d, "punt sample: %u bytes, not meta + the frame received",
			  b->sample_size[0]);
}

/*
 * Runs frame in (len bytes, 14 to FRAME_MAX) through the program and the
 * model, reader says whether the daemon reads punts. 0 when they agree;
 * else -1 and a report on f.
 */
static inline int bed_check(struct bed *b, const __u8 *in, __u32 len, bool reader, FILE *f,
			    enum rtpe_verdict *verdict)
{
	struct rtpe_leg_state before[BED_LEGS];
	struct rtpe_counter now[RTPE_V_MAX];
	static struct diff d;
	struct model_out o;
	__u8 out[FRAME_MAX];
	__u32 out_len = 0;
	int rc;

	if (bed_reader(b, reader)) {
		fprintf(f, "xdp model: cannot %s the punt reader: %s\n", reader ? "plug" : "unplug",
			strerror(errno));
		return -1;
	}
	for (int i = 0; i < b->m.n_legs; i++)
		before[i] = b->state[b->m.legs[i].line];
	d.used = 0;
	d.n = 0;
	d.buf[0] = 0;
	model_run(&b->m, in, len, before, &o);
	*verdict = o.v;
	b->samples = b->lost = 0;
	rc = xdp_run(&b->e, b->e.prog, in, len, out, &out_len);
	perf_buffer__consume(b->pb);
	if (bed_counters(b, now))
		diff_line(&d, "reading rtpe_verdicts: %s", strerror(errno));
	if (rc != o.action)
		diff_line(&d, "XDP action %d, model %d (%s/%s)", rc, o.action, model_verdict(o.v),
			  reason[o.v]);
	if (rc >= 0)
		diff_frame(&d, &o, out, out_len);
	diff_counters(&d, b, now, o.v, len);
	for (int i = 0; i < b->m.n_legs; i++)
		diff_line_state(&d, b, i, &before[i], &o);
	diff_punt(&d, b, &o, in, len);
	memcpy(b->counters, now, sizeof(now));
	if (!d.n)
		return 0;
	fprintf(f, "xdp model: the program and the model disagree (model: %s/%s, action %d, "
		"reader %s):\n%s", model_verdict(o.v), reason[o.v], o.action, reader ? "on" : "off",
		d.buf);
	diff_hex(f, "frame in", in, len);
	if (rc >= 0 && memcmp(out, in, len))
		diff_hex(f, "program's frame out", out, out_len);
	if (memcmp(o.frame, in, len))
		diff_hex(f, "model's frame out", o.frame, o.len);
	return -1;
}

#endif
