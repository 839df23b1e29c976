// SPDX-License-Identifier: GPL-2.0
/*
 * sdp_rewrite.c - an SDP body rewritten toward the far side with the
 * relay's endpoints (sdp_anchor.h, sdp_rewrite). Works line by line over
 * the original text, checked by the same line cursor as sdp_describe, so
 * that every line it does not change goes out byte for byte (sofia's
 * sdp_print would reorder and respell them). Two passes: the first notes
 * what each section has (c= lines, a 0.0.0.0 hold, rtcp-mux), the second
 * writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sip/sdp_anchor.h"
#include "sip/sdp_int.h"

/* What the first pass notes about the session section or one stream. */
struct section {
	bool has_c;  /* a c= line of its own */
	bool zero_c; /* its c= (the session's last, a stream's first) says 0.0.0.0 */
	bool mux;    /* an a=rtcp-mux line */
};

struct rewrite {
	const struct sdp_anchor *anchors;
	const struct sdp_desc *desc;
	int n;
	struct section sess, m[SDP_MAX_STREAMS];
	struct in_addr sess_addr; /* written in o= and the session-level c= */
	char *out;
	size_t cap, len;
	bool nospc;
	bool bad;    /* a key that does not print */
};

static void put(struct rewrite *w, const char *s, size_t n)
{
	if (w->nospc || w->len + n + 1 > w->cap) {
		w->nospc = true;
		return;
	}
	memcpy(w->out + w->len, s, n);
	w->len += n;
	w->out[w->len] = '\0';
}

static void __attribute__((format(printf, 2, 3))) putf(struct rewrite *w, const char *fmt, ...)
{
	char buf[96];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(w, buf, k > 0 ? (size_t)k : 0);
}

static void put_line(struct rewrite *w, const char *s, size_t n)
{
	put(w, s, n);
	put(w, "\r\n", 2);
}

static const char *ip_str(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* The end of the k-th (from 0) space or tab separated token of s[0..n), 0 when
 * there is no such token. */
static size_t token_end(const char *s, size_t n, int k)
{
	size_t i = 0;

	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			return 0; /* no such token */
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (!k--)
			return i;
	}
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* The end of the number at s[i..n) as sofia reads it (parse_ul: blanks,
 * then strtoul's white space, sign and digits), or 0 when there is none. */
static size_t number_end(const char *s, size_t n, size_t i)
{
	size_t d;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\v' || s[i] == '\f'))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (d = i; d < n && s[d] >= '0' && s[d] <= '9'; d++)
		;
	return d > i ? d : 0;
}

/* Whether a c= line says IN IP4 0.0.0.0. */
static bool c_is_zero(const char *line, size_t n)
{
	size_t a = token_end(line + 2, n - 2, 1), b = token_end(line + 2, n - 2, 2);
	const char *s = line + 2 + a;

	if (!a || !b)
		return false;
	while (s < line + 2 + b && (*s == ' ' || *s == '\t'))
		s++;
	return (size_t)(line + 2 + b - s) == 7 && !memcmp(s, "0.0.0.0", 7);
}

/* A stream's address: its anchor's, or the session's when the anchor has none. */
static struct in_addr stream_addr(const struct rewrite *w, int i)
{
	return w->anchors[i].addr.s_addr ? w->anchors[i].addr : w->sess_addr;
}

/* First pass: the sections' c= and rtcp-mux lines. -EINVAL on a bad body. */
static int survey(struct rewrite *w, const char *body, size_t len)
{
	struct sdp_cursor c = { body, body + len, false };
	const char *line, *why;
	size_t n;
	int r, i = -1;

	while ((r = sdp_next_line(&c, &line, &n, &why)) > 0) {
		struct section *sec = i < 0 ? &w->sess : &w->m[i];

		if (line[0] == 'm' && ++i >= w->n)
			return -EINVAL;
		else if (line[0] == 'c' && (i < 0 || !sec->has_c)) {
			/* sofia keeps the last session-level c= and a stream's first */
			sec->has_c = true;
			sec->zero_c = c_is_zero(line, n);
		} else if (sdp_attr_is(line, n, "rtcp-mux")) {
			sec->mux = true;
		}
	}
	return r < 0 || i + 1 != w->n ? -EINVAL : 0;
}

/* The address for o= and the session-level c=: the first stream with a port
 * and an address, else the first anchor with an address. */
static int pick_session_addr(struct rewrite *w)
{
	for (int i = 0; i < w->n; i++)
		if (w->anchors[i].port && w->anchors[i].addr.s_addr) {
			w->sess_addr = w->anchors[i].addr;
			return 0;
		}
	for (int i = 0; i < w->n; i++)
		if (w->anchors[i].addr.s_addr) {
			w->sess_addr = w->anchors[i].addr;
			return 0;
		}
	return -EINVAL;
}

/* "o=user id version IN IP4 addr": user, id and version byte for byte, cut
 * where sofia's parse_origin stops reading the version. */
static int put_origin(struct rewrite *w, const char *line, size_t n)
{
	char ip[INET_ADDRSTRLEN];
	size_t i = skip_blanks(line, n, 2), user = i;

	while (i < n && line[i] != ' ' && line[i] != '\t')
		i++;
	if (i == user || i >= n)
		return -EINVAL;
	i = number_end(line, n, skip_blanks(line, n, i + 1)); /* session id */
	i = i ? number_end(line, n, skip_blanks(line, n, i)) : 0; /* version */
	if (!i)
		return -EINVAL;
	put(w, line, i);
	putf(w, " IN IP4 %s\r\n", ip_str(w->sess_addr, ip));
	return 0;
}

/* The rest of an m= line from its port's end: the proto token changed to or
 * from the SRTP profile when the anchor says so (by the proto sofia reads
 * there: "RTP" is RTP/AVP to it), everything else as it was. */
static int put_proto(struct rewrite *w, int i, const char *line, size_t n, size_t to)
{
	static const char *const plain[] = { "RTP/AVP", "RTP/AVPF" };
	static const char *const savp[] = { "RTP/SAVP", "RTP/SAVPF" };
	size_t at = skip_blanks(line, n, to), end = at;
	const char *const *from, *const *into;
	int k;

	if (w->anchors[i].srtp == SDP_SRTP_KEEP) {
		put_line(w, line + to, n - to);
		return 0;
	}
	from = w->anchors[i].srtp == SDP_SRTP_PLAIN ? savp : plain;
	into = w->anchors[i].srtp == SDP_SRTP_PLAIN ? plain : savp;
	while (end < n && line[end] != ' ' && line[end] != '\t')
		end++;
	for (k = 0; k < 2; k++)
		if (!strcasecmp(w->desc->s[i].proto, from[k]))
			break;
	if (k == 2) { /* already the profile wanted, or not RTP */
		put_line(w, line + to, n - to);
		return 0;
	}
	put(w, line + to, at - to);
	put(w, into[k], strlen(into[k]));
	put_line(w, line + end, n - end);
	return 0;
}

/* "m=media port[/n] rest" with the anchor's port in place of "port[/n]" (the
 * bytes sofia's parse_media reads as such); everything else as it was. */
static int put_media(struct rewrite *w, int i, const char *line, size_t n)
{
	size_t k = skip_blanks(line, n, 2), media = k, from, to;

	while (k < n && sdp_token_char(line[k]))
		k++;
	if (k == media || k >= n)
		return -EINVAL;
	for (k++; k < n && line[k] == ' '; k++) /* the byte after the name, then spaces */
		;
	from = skip_blanks(line, n, k);
	to = number_end(line, n, from);
	if (to && to < n && line[to] == '/')
		to = number_end(line, n, to + 1);
	if (!to)
		return -EINVAL;
	put(w, line, from);
	putf(w, "%u", w->anchors[i].port);
	return put_proto(w, i, line, n, to);
}

/* "a=rtcp:port [IN IP4 addr]" for the anchor; nothing with rtcp-mux or no port. */
static void put_rtcp(struct rewrite *w, int i, const char *line, size_t n)
{
	const struct sdp_anchor *a = &w->anchors[i];
	size_t v = sdp_attr_value(line, n), e = number_end(line, n, v);
	char ip[INET_ADDRSTRLEN];

	if (!a->port || a->rtcp_mux)
		return;
	if (e && skip_blanks(line, n, e) < n) /* the port has an address after it */
		putf(w, "a=rtcp:%u IN IP4 %s\r\n", a->port + 1u, ip_str(stream_addr(w, i), ip));
	else
		putf(w, "a=rtcp:%u\r\n", a->port + 1u);
}

static void put_conn(struct rewrite *w, struct in_addr a)
{
	char ip[INET_ADDRSTRLEN];

	putf(w, "c=IN IP4 %s\r\n", ip_str(a, ip));
}

/* Whether stream i needs a media-level c= it does not have: it has a port and
 * the session-level c= written (if any) says another address. */
static bool needs_own_c(const struct rewrite *w, int i)
{
	struct in_addr want = stream_addr(w, i);

	if (!w->anchors[i].port || w->m[i].has_c)
		return false;
	if (!w->sess.has_c)
		return true;
	if (w->sess.zero_c)
		return false; /* it inherits the session's hold */
	return want.s_addr != w->sess_addr.s_addr;
}

/* The end of stream i's lines: a=rtcp-mux when the anchor wants it and the
 * stream had none. */
static void end_stream(struct rewrite *w, int i)
{
	const struct sdp_anchor *a = i >= 0 ? &w->anchors[i] : NULL;
	char key[SDES_KEY_TEXT_MAX];

	if (a && a->rtcp_mux && !w->m[i].mux)
		put(w, "a=rtcp-mux\r\n", 12);
	if (!a || a->srtp != SDP_SRTP_SDES || !a->port)
		return;
	for (int k = 0; k < a->n_crypto && k < SDES_SUITE_MAX; k++) {
		if (sdes_key_print(&a->crypto[k].key, key, sizeof(key)) < 0) {
			w->bad = true;
			continue;
		}
		putf(w, "a=crypto:%u %s inline:", a->crypto[k].tag,
		     sdes_suite_name(a->crypto[k].key.suite));
		put(w, key, strlen(key));
		put(w, "\r\n", 2);
	}
	explicit_bzero(key, sizeof(key));
}

/* One line of stream i (-1: the session). 0 or -EINVAL. */
static int put_one(struct rewrite *w, int i, const char *line, size_t n)
{
	switch (line[0]) {
	case 'o':
		return i < 0 ? put_origin(w, line, n) : (put_line(w, line, n), 0);
	case 'c':
		if (c_is_zero(line, n))
			put_line(w, line, n);
		else
			put_conn(w, i < 0 ? w->sess_addr : stream_addr(w, i));
		return 0;
	case 'a':
		if (sdp_attr_is_ice(line, n))
			return 0;
		if (i >= 0 && sdp_attr_is(line, n, "rtcp")) {
			put_rtcp(w, i, line, n);
			return 0;
		}
		if (i >= 0 && sdp_attr_is(line, n, "rtcp-mux") && !w->anchors[i].rtcp_mux)
			return 0;
		if (i >= 0 && w->anchors[i].srtp != SDP_SRTP_KEEP && sdp_attr_is(line, n, "crypto"))
			return 0;
		break;
	}
	put_line(w, line, n);
	return 0;
}

/* Second pass: every line, changed or as it was. */
static int write_body(struct rewrite *w, const char *body, size_t len)
{
	struct sdp_cursor c = { body, body + len, false };
	const char *line, *why;
	size_t n;
	int i = -1, r;
	bool want_c = false; /* stream i's own c= is still to come (after m= and i=) */

	while (sdp_next_line(&c, &line, &n, &why) > 0) {
		if (want_c && line[0] != 'i') {
			put_conn(w, stream_addr(w, i));
			want_c = false;
		}
		if (line[0] == 'm') {
			end_stream(w, i++);
			r = put_media(w, i, line, n);
			want_c = needs_own_c(w, i);
		} else {
			r = put_one(w, i, line, n);
		}
		if (r)
			return r;
	}
	if (want_c)
		put_conn(w, stream_addr(w, i));
	end_stream(w, i);
	return 0;
}

/* Whether the written body is one that sdp_describe takes again (its size, its
 * lines' lengths): a rewrite never makes an SDP that the relay itself refuses. */
static bool within_limits(const char *out, size_t len)
{
	const char *p = out, *end = out + len, *lf;

	if (len > SDP_MAX_LEN)
		return false;
	for (; p < end; p = lf + 1) {
		lf = memchr(p, '\n', (size_t)(end - p));
		if (!lf || (size_t)(lf - p) > SDP_MAX_LINE + 1) /* + its CR */
			return false;
	}
	return true;
}

int sdp_rewrite(const char *body, size_t len, const struct sdp_desc *desc,
		const struct sdp_anchor *anchors, char *out, size_t outlen)
{
	struct rewrite w = { .anchors = anchors, .desc = desc, .out = out, .cap = outlen };
	int streams;

	if (!desc || !anchors || !out || !outlen || desc->n < 0 || desc->n > SDP_MAX_STREAMS)
		return -EINVAL;
	out[0] = '\0';
	streams = sdp_check_body(body, len, NULL, 0);
	if (streams < 0 || streams != desc->n)
		return -EINVAL;
	w.n = streams;
	for (int i = 0; i < w.n; i++)
		if (anchors[i].port == 65535 && !anchors[i].rtcp_mux)
			return -EINVAL; /* RTCP would be port 65536 */
	if (survey(&w, body, len) || pick_session_addr(&w))
		return -EINVAL;
	if (write_body(&w, body, len) || w.bad) {
		out[0] = '\0';
		return -EINVAL;
	}
	if (w.nospc) {
		out[0] = '\0';
		return -ENOSPC;
	}
	if (!within_limits(out, w.len)) {
		out[0] = '\0';
		return -EINVAL;
	}
	return (int)w.len;
}
