// SPDX-License-Identifier: GPL-2.0
/*
 * sdp_anchor.c - an SDP body's media streams as a small description
 * (sdp_anchor.h): the body is checked line by line (sdp_int.h), copied with
 * CRLF line ends and parsed by sofia-sip's sdp_parse, whose session and
 * media structures give the fields. The line check runs first so that
 * sofia never sees a line it would misread (a line of one byte ends its
 * parse early without an error; a body cut in the middle of a line was
 * CVE-2022-31003) and a description always has one stream per m= line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/sdp.h>

#include "sip/sdp_anchor.h"
#include "sip/sdp_int.h"

/* ---- the line check ------------------------------------------------------ */

int sdp_next_line(struct sdp_cursor *c, const char **line, size_t *n, const char **why)
{
	for (;;) {
		const char *s = c->p, *lf;
		size_t len;

		if (s >= c->end)
			return 0;
		lf = memchr(s, '\n', (size_t)(c->end - s));
		len = (size_t)((lf ? lf : c->end) - s);
		c->p = lf ? lf + 1 : c->end;
		if (len && s[len - 1] == '\r')
			len--;
		if (!len) {
			c->blank = true;
			continue;
		}
		*line = s;
		*n = len;
		if (c->blank)
			*why = "empty line inside the body";
		else if (len > SDP_MAX_LINE)
			*why = "line too long";
		else if (len < 2 || s[0] < 'a' || s[0] > 'z' || s[1] != '=')
			*why = "line is not x=...";
		else if (memchr(s, '\0', len) || memchr(s, '\r', len))
			*why = "NUL or CR inside a line";
		else
			return 1;
		return -EINVAL;
	}
}

int sdp_fail(char *err, size_t errlen, const char *why, const char *line, size_t n)
{
	char head[25];
	size_t i;

	if (!err || !errlen)
		return -EINVAL;
	if (!line) {
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	for (i = 0; i < n && i < sizeof(head) - 1; i++) /* the line's start, printable */
		head[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	head[i] = '\0';
	snprintf(err, errlen, "%s: \"%s\"", why, head);
	return -EINVAL;
}

static size_t blanks(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/*
 * Whether an m= line has RFC 4566's shape: media, port[/n], proto (a token,
 * then tokens or '/') and one or more formats, apart by blanks. sofia-sip
 * 1.12.11 loops, allocating until memory runs out, on a format list that
 * has a format starting outside its token set or only blanks ("m=image 1
 * udptl :"), so such a line never reaches it.
 */
static bool media_line_ok(const char *s, size_t n)
{
	size_t i = blanks(s, n, 2), k;

	for (k = i; k < n && sdp_token_char(s[k]); k++) /* media */
		;
	if (k == i || (i = blanks(s, n, k)) == k)
		return false;
	for (k = i; k < n && s[k] >= '0' && s[k] <= '9'; k++) /* port */
		;
	if (k == i || k - i > 10)
		return false;
	if (k < n && s[k] == '/') {
		for (i = ++k; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == i || k - i > 10)
			return false;
	}
	if ((i = blanks(s, n, k)) == k)
		return false;
	for (k = i; k < n && (sdp_token_char(s[k]) || (k > i && s[k] == '/')); k++) /* proto */
		;
	if (k == i || k == n || (i = blanks(s, n, k)) == k || i == n)
		return false; /* no proto, or no format after it (blanks alone loop sofia too) */
	while (i < n) { /* formats: each a token, then blanks or the end */
		for (k = i; k < n && sdp_token_char(s[k]); k++)
			;
		i = blanks(s, n, k);
		if (k == i && k < n)
			return false;
	}
	return true;
}

int sdp_check_body(const char *body, size_t len, char *err, size_t errlen)
{
	struct sdp_cursor c = { body, body + len, false };
	const char *line, *why = NULL;
	size_t n;
	int r, lines = 0, streams = 0;
	bool origin = false;

	if (!body || !len)
		return sdp_fail(err, errlen, "empty body", NULL, 0);
	if (len > SDP_MAX_LEN)
		return sdp_fail(err, errlen, "body too large", NULL, 0);
	while ((r = sdp_next_line(&c, &line, &n, &why)) > 0) {
		if (!lines++ && (n != 3 || memcmp(line, "v=0", 3)))
			return sdp_fail(err, errlen, "no v=0 first", line, n);
		if (line[0] == 'o' && !streams)
			origin = true;
		if (line[0] == 'm' && ++streams > SDP_MAX_STREAMS)
			return sdp_fail(err, errlen, "too many m= lines", NULL, 0);
		if (line[0] == 'm' && !media_line_ok(line, n))
			return sdp_fail(err, errlen, "bad m= line", line, n);
	}
	if (r < 0)
		return sdp_fail(err, errlen, why, line, n);
	if (!lines)
		return sdp_fail(err, errlen, "empty body", NULL, 0);
	if (!origin)
		return sdp_fail(err, errlen, "no o= line", NULL, 0);
	return streams;
}

bool sdp_token_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("-!#$%&'*+.^_`{|}~", ch));
}

size_t sdp_attr_name(const char *line, size_t n, size_t *name)
{
	size_t i = 2, k;

	if (n < 2 || line[0] != 'a' || line[1] != '=')
		return 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (k = i; k < n && sdp_token_char(line[k]); k++)
		;
	*name = i;
	return k - i;
}

size_t sdp_attr_value(const char *line, size_t n)
{
	size_t at, len = sdp_attr_name(line, n, &at), i = at + len;

	if (!len || i >= n)
		return n;
	for (i++; i < n && line[i] == ':'; i++) /* the one byte after the name, then colons */
		;
	return i;
}

bool sdp_attr_is(const char *line, size_t n, const char *name)
{
	size_t at, len = sdp_attr_name(line, n, &at);

	return len && len == strlen(name) && !strncasecmp(line + at, name, len);
}

bool sdp_attr_is_ice(const char *line, size_t n)
{
	static const char *const ice[] = {
		"ice-ufrag",	     "ice-pwd",		  "ice-options", "candidate",
		"end-of-candidates", "remote-candidates", "ice-lite",	 "ice-mismatch",
		"ice-pacing",
	};

	for (size_t i = 0; i < sizeof(ice) / sizeof(ice[0]); i++)
		if (sdp_attr_is(line, n, ice[i]))
			return true;
	return false;
}

/* ---- the description from sofia's structures ------------------------------ */

/* The body with CRLF line ends, as sofia is handed it. NULL on no memory. */
static char *crlf_copy(const char *body, size_t len, size_t *outlen)
{
	struct sdp_cursor c = { body, body + len, false };
	const char *line, *why;
	size_t n, k = 0;
	char *s = malloc(2 * len + 3); /* every line at least "x=" plus LF */

	if (!s)
		return NULL;
	while (sdp_next_line(&c, &line, &n, &why) > 0) {
		memcpy(s + k, line, n);
		k += n;
		s[k++] = '\r';
		s[k++] = '\n';
	}
	s[k] = '\0';
	*outlen = k;
	return s;
}

static bool udp_proto(const char *proto)
{
	static const char *const udp[] = {
		"RTP/AVP",	    "RTP/AVPF",	   "RTP/SAVP",	   "RTP/SAVPF", "UDP/TLS/RTP/SAVP",
		"UDP/TLS/RTP/SAVPF", "UDP/RTP/AVP", "UDP/RTP/AVPF", "udptl",	 "UDP/UDPTL",
		"UDP",
	};

	for (size_t i = 0; proto && i < sizeof(udp) / sizeof(udp[0]); i++)
		if (!strcasecmp(proto, udp[i]))
			return true;
	return false;
}

/* An IPv4 unicast c= (or a=rtcp address) into *a. */
static bool ip4_of(const sdp_connection_t *c, struct in_addr *a)
{
	return c && c->c_nettype == sdp_net_in && c->c_addrtype == sdp_addr_ip4 && !c->c_mcast &&
	       c->c_address && inet_pton(AF_INET, c->c_address, a) == 1;
}

/* The direction the last of a list's mode attributes gives, or def. */
static enum sdp_dir dir_of(const sdp_attribute_t *a, enum sdp_dir def)
{
	for (; a; a = a->a_next) {
		if (!strcasecmp(a->a_name, "sendrecv"))
			def = SDP_SENDRECV;
		else if (!strcasecmp(a->a_name, "sendonly"))
			def = SDP_SENDONLY;
		else if (!strcasecmp(a->a_name, "recvonly"))
			def = SDP_RECVONLY;
		else if (!strcasecmp(a->a_name, "inactive"))
			def = SDP_INACTIVE;
	}
	return def;
}

/* The first payload type's clock rate: its rtpmap (parsed by sofia for the
 * RTP profiles it knows, an attribute for the others), the static table, 8000. */
static uint32_t clock_of(const sdp_media_t *m)
{
	const sdp_attribute_t *a;
	unsigned long pt, rate;
	char *end;

	if (m->m_rtpmaps)
		return m->m_rtpmaps->rm_rate && m->m_rtpmaps->rm_rate <= 1000000 ?
			       (uint32_t)m->m_rtpmaps->rm_rate :
			       8000;
	if (!m->m_format || !m->m_format->l_text)
		return 8000;
	pt = strtoul(m->m_format->l_text, &end, 10);
	if (*end || end == m->m_format->l_text || pt > 127)
		return 8000;
	for (a = m->m_attributes; a; a = a->a_next) {
		const char *v = a->a_value, *slash;

		if (strcasecmp(a->a_name, "rtpmap") || !v || strtoul(v, &end, 10) != pt ||
		    end == v || (*end != ' ' && *end != '\t'))
			continue;
		slash = strchr(end, '/');
		rate = slash ? strtoul(slash + 1, &end, 10) : 0;
		return rate && rate <= 1000000 ? (uint32_t)rate : 8000;
	}
	if (sdp_rtpmap_well_known[pt] && sdp_rtpmap_well_known[pt]->rm_rate)
		return (uint32_t)sdp_rtpmap_well_known[pt]->rm_rate;
	return 8000;
}

/* a=rtcp:PORT [IN IP4 ADDR] into the stream. -EINVAL on a port out of range. */
static int rtcp_of(const char *v, struct sdp_stream *st)
{
	char *end, ip[INET_ADDRSTRLEN + 1];
	unsigned long port = v ? strtoul(v, &end, 10) : 0;

	if (!v || end == v || *v == '-' || *v == '+' || port < 1 || port > 65535)
		return -EINVAL;
	st->rtcp_port = (uint16_t)port;
	end += strspn(end, " \t");
	if (!*end)
		return 0;
	if (sscanf(end, "IN IP4 %16s", ip) != 1 || inet_pton(AF_INET, ip, &st->rtcp_addr) != 1)
		st->anchorable = false; /* an address we cannot send to */
	return 0;
}

/* ---- a=crypto (RFC 4568 9.1) ------------------------------------------------ */

/* The next blank-separated token of v[*i..n): its start and length. */
static size_t next_token(const char *v, size_t n, size_t *i, size_t *at)
{
	size_t k;

	*i = blanks(v, n, *i);
	*at = *i;
	for (k = *i; k < n && v[k] != ' ' && v[k] != '\t'; k++)
		;
	*i = k;
	return k - *at;
}

/* Session parameters rtpedge may ignore: a hint (WSH=) or an optional one. */
static bool param_ignorable(const char *p, size_t n)
{
	return (n > 1 && p[0] == '-') || (n > 4 && !strncmp(p, "WSH=", 4));
}

int sdp_crypto_parse(const char *v, size_t n, struct sdp_crypto *out)
{
	char kp[SDES_KEY_TEXT_MAX + 8], err[96];
	size_t i = 0, at, len;
	unsigned long tag = 0;
	const char *end;
	int suite;

	memset(out, 0, sizeof(*out));
	len = next_token(v, n, &i, &at); /* tag: 1*9DIGIT */
	if (!len || len > 9)
		return -1;
	for (size_t k = 0; k < len; k++) {
		if (v[at + k] < '0' || v[at + k] > '9')
			return -1;
		tag = tag * 10 + (unsigned long)(v[at + k] - '0');
	}
	len = next_token(v, n, &i, &at);
	suite = len ? sdes_suite_parse(v + at, len) : -1;
	len = next_token(v, n, &i, &at); /* one inline key: no ';' (several keys) */
	if (suite < 0 || !len || len >= sizeof(kp) || memchr(v + at, ';', len) ||
	    len < 7 || memcmp(v + at, "inline:", 7))
		return -1;
	memcpy(kp, v + at, len);
	kp[len] = '\0';
	if (sdes_key_parse((unsigned)suite, kp, &end, &out->key, err, sizeof(err)) || *end) {
		explicit_bzero(kp, sizeof(kp));
		sdes_key_wipe(&out->key);
		return -1;
	}
	explicit_bzero(kp, sizeof(kp));
	while ((len = next_token(v, n, &i, &at)))
		if (!param_ignorable(v + at, len)) {
			sdes_key_wipe(&out->key);
			return -1;
		}
	if (!tag) {
		sdes_key_wipe(&out->key);
		return -1;
	}
	out->tag = (uint32_t)tag;
	return 0;
}

static bool savp_proto(const char *proto)
{
	return proto && (!strcasecmp(proto, "RTP/SAVP") || !strcasecmp(proto, "RTP/SAVPF"));
}

/* One a=crypto line of a stream: the first acceptable one is kept. */
static void crypto_of(const char *v, struct sdp_stream *st)
{
	st->crypto = true;
	if (!st->crypto_ok && v && !sdp_crypto_parse(v, strlen(v), &st->cry))
		st->crypto_ok = true;
}

/* One sofia media description into st. 0, or -EINVAL with err set. */
static int stream_of(const sdp_session_t *sdp, const sdp_media_t *m, struct sdp_stream *st,
		     char *err, size_t errlen)
{
	const sdp_connection_t *c = m->m_connections ? m->m_connections : sdp->sdp_connection;
	const sdp_attribute_t *a;
	bool ip4;

	if (m->m_port > 65535)
		return sdp_fail(err, errlen, "m= port out of range", NULL, 0);
	memset(st, 0, sizeof(*st));
	snprintf(st->media, sizeof(st->media), "%s", m->m_type_name ? m->m_type_name : "");
	snprintf(st->proto, sizeof(st->proto), "%s", m->m_proto_name ? m->m_proto_name : "");
	st->port = (uint16_t)m->m_port;
	st->savp = savp_proto(m->m_proto_name);
	ip4 = ip4_of(c, &st->addr);
	st->rtcp_addr = st->addr;
	st->anchorable = st->port && ip4 && udp_proto(m->m_proto_name) &&
			 m->m_number_of_ports <= 1;
	st->rtcp_port = st->port ? (uint16_t)(st->port + 1) : 0;
	st->dir = dir_of(m->m_attributes, dir_of(sdp->sdp_attributes, SDP_SENDRECV));
	st->clock_rate = clock_of(m);
	for (a = m->m_attributes; a; a = a->a_next) {
		if (!strcasecmp(a->a_name, "rtcp-mux"))
			st->rtcp_mux = true;
		else if (!strcasecmp(a->a_name, "crypto"))
			crypto_of(a->a_value, st);
		else if (!strcasecmp(a->a_name, "rtcp") && st->port && rtcp_of(a->a_value, st))
			return sdp_fail(err, errlen, "a=rtcp port out of range", NULL, 0);
	}
	if (st->port == 65535 && !st->rtcp_mux && st->rtcp_port == 0)
		st->anchorable = false; /* no room for RTCP at port + 1 */
	return 0;
}

static bool on_hold(const struct sdp_desc *d)
{
	int anchorable = 0;

	for (int i = 0; i < d->n; i++) {
		const struct sdp_stream *st = &d->s[i];

		if (!st->anchorable)
			continue;
		anchorable++;
		if (st->dir != SDP_SENDONLY && st->dir != SDP_INACTIVE && st->addr.s_addr)
			return false;
	}
	return anchorable > 0;
}

/* sofia's session into out; its m= lines must be the streams the line check counted. */
static int describe_session(const sdp_session_t *sdp, int streams, struct sdp_desc *out,
			    char *err, size_t errlen)
{
	const sdp_media_t *m;
	int r;

	out->n = 0;
	for (m = sdp->sdp_media; m; m = m->m_next) {
		if (out->n >= streams)
			return sdp_fail(err, errlen, "more media than m= lines", NULL, 0);
		r = stream_of(sdp, m, &out->s[out->n], err, errlen);
		if (r)
			return r;
		out->n++;
	}
	if (out->n != streams)
		return sdp_fail(err, errlen, "fewer media than m= lines", NULL, 0);
	out->hold = on_hold(out);
	return 0;
}

int sdp_describe(const char *body, size_t len, struct sdp_desc *out, char *err, size_t errlen)
{
	sdp_parser_t *p;
	sdp_session_t *sdp;
	size_t n = 0;
	char *text;
	int streams, r;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return sdp_fail(err, errlen, "no description to fill", NULL, 0);
	memset(out, 0, sizeof(*out));
	streams = sdp_check_body(body, len, err, errlen);
	if (streams < 0)
		return streams;
	text = crlf_copy(body, len, &n);
	if (!text)
		return sdp_fail(err, errlen, "out of memory", NULL, 0);
	p = sdp_parse(NULL, text, (issize_t)n, sdp_f_mode_manual);
	sdp = sdp_session(p);
	if (!sdp) {
		const char *why = p ? sdp_parsing_error(p) : NULL;

		r = sdp_fail(err, errlen, why && *why ? why : "SDP does not parse", NULL, 0);
	} else {
		r = describe_session(sdp, streams, out, err, errlen);
	}
	sdp_parser_free(p);
	explicit_bzero(text, n);
	free(text);
	if (r)
		explicit_bzero(out, sizeof(*out));
	return r;
}
