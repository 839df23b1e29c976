/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpprobe_report.h - the summary rtpprobe prints at the end: latency
 * percentiles and every count, as one JSON object or one key=value line.
 * Part of rtpprobe.c (included once, after struct stats and addr_str).
 */
#ifndef RTPPROBE_REPORT_H
#define RTPPROBE_REPORT_H

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(const struct stats *st, unsigned p)
{
	size_t i = (st->nlat * p + 99) / 100;

	return st->lat_us[i ? i - 1 : 0];
}

/* Appends one field: "key":value for JSON, key=value for text. */
static void field(char **p, char *end, bool json, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void field(char **p, char *end, bool json, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(*p, end - *p, json ? ",\"%s\":" : " %s=", key);
	*p += n < end - *p ? n : end - *p - 1;
	va_start(ap, fmt);
	n = vsnprintf(*p, end - *p, fmt, ap);
	va_end(ap);
	*p += n < end - *p ? n : end - *p - 1;
}

/* The SSRCs that arrived intact, in order of arrival: a JSON array of
 * "0x..." strings, or comma-separated ("-" when none). */
static const char *ssrc_list(const struct stats *st, bool json, char *buf, size_t n)
{
	size_t k = (size_t)snprintf(buf, n, "%s", json ? "[" : (st->nstreams ? "" : "-"));

	for (int i = 0; i < st->nstreams && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, json ? "%s\"0x%08x\"" : "%s0x%08x",
				      i ? "," : "", st->streams[i].ssrc);
	if (json && k < n)
		snprintf(buf + k, n - k, "]");
	return buf;
}

/* Prints every figure once, as one JSON object or one key=value line. */
static void report(const struct stats *st, const struct opts *o, uint64_t elapsed_ns)
{
	const struct {
		const char *key;
		uint64_t v;
	} nums[] = {
		{ "count", o->count },
		{ "sent", st->sent },
		{ "send_errors", st->send_errors },
		{ "expect", o->expect },
		{ "received", st->received },
		{ "bad_source", st->bad_source },
		{ "bad_payload", st->bad_payload },
		{ "duplicates", st->duplicates },
		{ "lost", o->expect > st->distinct ? o->expect - st->distinct : 0 },
		{ "reordered", st->reordered },
		{ "elapsed_ms", elapsed_ns / 1000000 },
	};
	static const char *const lat[] = { "latency_us_p50", "latency_us_p99",
					   "latency_us_max" };
	static const unsigned lat_pct[] = { 50, 99, 100 };
	char out[1024], *p = out, *end = out + sizeof(out), a[32], l[MAX_STREAMS * 14 + 4];
	const char *q = o->json ? "\"" : "", *null = o->json ? "null" : "-";
	bool j = o->json;
	size_t i;

	field(&p, end, j, "ssrc", "%s0x%08x%s", q, o->ssrc, q);
	field(&p, end, j, "kind", "%s%s%s", q, o->rtcp ? "rtcp" : "rtp", q);
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		field(&p, end, j, nums[i].key, "%" PRIu64, nums[i].v);
	field(&p, end, j, "ssrcs", "%s", ssrc_list(st, j, l, sizeof(l)));
	for (i = 0; i < 3; i++) {
		if (st->nlat)
			field(&p, end, j, lat[i], "%u", pct(st, lat_pct[i]));
		else
			field(&p, end, j, lat[i], "%s", null);
	}
	field(&p, end, j, "first_source", "%s%s%s", st->received ? q : "",
	      st->received ? addr_str(&st->first_src, a, sizeof(a)) : null,
	      st->received ? q : "");
	field(&p, end, j, "last_source", "%s%s%s", st->received ? q : "",
	      st->received ? addr_str(&st->last_src, a, sizeof(a)) : null,
	      st->received ? q : "");
	if (j)
		printf("{%s}\n", out + 1);
	else
		printf("rtpprobe:%s\n", out);
}

#endif /* RTPPROBE_REPORT_H */
