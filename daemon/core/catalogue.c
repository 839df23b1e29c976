// SPDX-License-Identifier: GPL-2.0
/*
 * catalogue.c - reads a regions catalogue (catalogue.h): [NAME] sections
 * of sbc, allow, port, tls_port and transport, in the config's syntax
 * (comments start with ';' or '#' at the start of a line or after a blank;
 * a UTF-8 byte order mark and CRLF line ends are accepted). Like the
 * config, a catalogue loads whole or not at all, and every error names its
 * line: a catalogue is data the platforms change, edited by hand.
 */
#include "core/catalogue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/config_int.h"

#define CAT_MAX_LINE 1024

enum cat_key { K_SBC, K_ALLOW, K_PORT, K_TLS_PORT, K_TRANSPORT, K_MAX };
static const char *const key_names[K_MAX] = { "sbc", "allow", "port", "tls_port", "transport" };

struct cat_parse {
	struct catalogue *cat;
	struct cat_entry *cur; /* the section being read, NULL before the first */
	int line;
	int key_line[K_MAX];
	int *err_line;
	char *msg;
	size_t msglen;
	bool failed;
};

__attribute__((format(printf, 3, 4)))
static int cat_fail(struct cat_parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = true;
	*p->err_line = line;
	va_start(ap, fmt);
	vsnprintf(p->msg, p->msglen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A port: 1-65535, or 0-65535 when zero_ok. */
static int parse_port(const char *v, bool zero_ok, uint16_t *out)
{
	unsigned long n = 0;

	if (!*v || strlen(v) > 5 || strspn(v, "0123456789") != strlen(v))
		return -1;
	for (; *v; v++)
		n = n * 10 + (unsigned long)(*v - '0');
	if (n > 65535 || (!n && !zero_ok))
		return -1;
	*out = (uint16_t)n;
	return 0;
}

static bool unicast4(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h && h != 0xffffffffu && (h >> 28) != 0xe;
}

/* One item of an sbc or allow list into the current entry. */
static int list_item(struct cat_parse *p, enum cat_key k, const char *item)
{
	struct cat_entry *e = p->cur;
	char buf[PREFIX_STRLEN];
	struct prefix pf;
	struct in_addr a;
	int rc;

	if (k == K_SBC) {
		if (inet_pton(AF_INET, item, &a) != 1 || !unicast4(a))
			return cat_fail(p, p->line, "sbc: \"%s\" is not a unicast IPv4 address (IPv6 and ranges go in allow)",
					item);
		for (int i = 0; i < e->n_sbc; i++)
			if (e->sbc[i].s_addr == a.s_addr)
				return cat_fail(p, p->line, "sbc: %s is listed twice", item);
		if (e->n_sbc == CFG_MAX_SBC)
			return cat_fail(p, p->line, "sbc: more than %d addresses", CFG_MAX_SBC);
		e->sbc[e->n_sbc++] = a;
		return 0;
	}
	rc = prefix_parse(item, &pf);
	if (rc == PREFIX_HOST_BITS)
		return cat_fail(p, p->line, "allow: %s has host bits set (did you mean %s?)", item,
				prefix_str(&pf, buf, sizeof(buf)));
	if (rc)
		return cat_fail(p, p->line, "allow: \"%s\" is not an IPv4 or IPv6 CIDR", item);
	for (int i = 0; i < e->n_allow; i++)
		if (prefix_eq(&e->allow[i], &pf))
			return cat_fail(p, p->line, "allow: %s is listed twice", item);
	if (e->n_allow == CFG_MAX_ALLOW)
		return cat_fail(p, p->line, "allow: more than %d CIDRs", CFG_MAX_ALLOW);
	e->allow[e->n_allow++] = pf;
	return 0;
}

/* "a, b, c" item by item. */
static int list_value(struct cat_parse *p, enum cat_key k, const char *v)
{
	char item[INET6_ADDRSTRLEN + 8];

	for (const char *s = v; s;) {
		const char *end = s + strcspn(s, ",");
		size_t n;

		s += strspn(s, " \t");
		for (n = (size_t)(end - s); n && (s[n - 1] == ' ' || s[n - 1] == '\t');)
			n--;
		if (!n || n >= sizeof(item))
			return cat_fail(p, p->line, "%s: an empty or overlong item in \"%s\"",
					key_names[k], v);
		memcpy(item, s, n);
		item[n] = '\0';
		if (list_item(p, k, item))
			return -1;
		s = *end ? end + 1 : NULL;
	}
	return 0;
}

static int on_key(struct cat_parse *p, const char *name, const char *v)
{
	struct cat_entry *e = p->cur;
	int k;

	for (k = 0; k < K_MAX && strcmp(key_names[k], name); k++)
		;
	if (k == K_MAX)
		return cat_fail(p, p->line, "unknown key \"%s\" in [%s] (valid: sbc, allow, port, tls_port, transport)",
				name, e->name);
	if (p->key_line[k])
		return cat_fail(p, p->line, "%s: duplicate key in [%s] (first at line %d)", name,
				e->name, p->key_line[k]);
	p->key_line[k] = p->line;
	if (!*v)
		return cat_fail(p, p->line, "%s: empty value", name);
	switch (k) {
	case K_SBC:
	case K_ALLOW:
		return list_value(p, (enum cat_key)k, v);
	case K_PORT:
	case K_TLS_PORT:
		if (parse_port(v, k == K_TLS_PORT, k == K_PORT ? &e->port : &e->tls_port))
			return cat_fail(p, p->line, "%s: \"%s\" is not a port number (%s-65535)", name,
					v, k == K_PORT ? "1" : "0");
		return 0;
	default:
		if (strcmp(v, "udp") && strcmp(v, "tcp") && strcmp(v, "tls"))
			return cat_fail(p, p->line, "transport: \"%s\" is not udp, tcp or tls", v);
		snprintf(e->transport, sizeof(e->transport), "%s", v);
		return 0;
	}
}

static int section_end(struct cat_parse *p)
{
	if (p->cur && !p->cur->n_sbc && !p->cur->n_allow)
		return cat_fail(p, p->cur->line, "[%s]: no addresses: give sbc or allow", p->cur->name);
	if (p->cur && !strcmp(p->cur->transport, "tls") && !p->cur->tls_port)
		return cat_fail(p, p->key_line[K_TRANSPORT], "[%s]: transport tls needs tls_port",
				p->cur->name);
	return 0;
}

static int section_begin(struct cat_parse *p, const char *name)
{
	struct catalogue *cat = p->cat;
	const struct cat_entry *old;
	struct cat_entry *e;

	if (section_end(p))
		return -1;
	if (!cfg_valid_name(name, CFG_NAME_LEN))
		return cat_fail(p, p->line, "[%s]: a region name has letters, digits, '-', '_', '.' (at most %d)",
				name, CFG_NAME_LEN - 1);
	old = catalogue_find(cat, name);
	if (old)
		return cat_fail(p, p->line, "duplicate region [%s] (first at line %d)", name, old->line);
	if (cat->n == CAT_MAX_ENTRIES)
		return cat_fail(p, p->line, "more than %d regions", CAT_MAX_ENTRIES);
	if (cat->n % 32 == 0) {
		e = realloc(cat->e, (size_t)(cat->n + 32) * sizeof(*e));
		if (!e)
			return cat_fail(p, p->line, "out of memory");
		cat->e = e;
	}
	e = &cat->e[cat->n++];
	*e = (struct cat_entry){ .port = 5060, .transport = "udp", .line = p->line };
	snprintf(e->name, sizeof(e->name), "%s", name);
	memset(p->key_line, 0, sizeof(p->key_line));
	p->cur = e;
	return 0;
}

/* One line, comments and blanks already cut: a header, a key or nothing. */
static int cat_line(struct cat_parse *p, char *s, size_t len)
{
	char *eq, *v, *end;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return cat_fail(p, p->line, "control character 0x%02x in the line",
					(unsigned char)s[i]);
	if (!len)
		return 0;
	if (s[0] == '[') {
		if (s[len - 1] != ']' || strchr(s, ']') != s + len - 1)
			return cat_fail(p, p->line, "a section header is [NAME], alone on its line");
		s[len - 1] = '\0';
		s++;
		s += strspn(s, " \t");
		for (end = s + strlen(s); end > s && (end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		return section_begin(p, s);
	}
	eq = strchr(s, '=');
	if (!eq)
		return cat_fail(p, p->line, "expected \"key = value\", a [NAME] or a comment");
	if (!p->cur)
		return cat_fail(p, p->line, "a key before the first [NAME] section");
	for (end = eq; end > s && (end[-1] == ' ' || end[-1] == '\t');)
		end--;
	*end = '\0';
	v = eq + 1 + strspn(eq + 1, " \t");
	if (!*s)
		return cat_fail(p, p->line, "no key name before '='");
	return on_key(p, s, v);
}

int catalogue_parse(const char *name, const char *text, struct catalogue *cat, int *line,
		    char *msg, size_t msglen)
{
	struct cat_parse p = { .cat = cat, .err_line = line, .msg = msg, .msglen = msglen };
	char buf[CAT_MAX_LINE + 1];

	memset(cat, 0, sizeof(*cat));
	snprintf(cat->path, sizeof(cat->path), "%s", name);
	*line = 0;
	for (const char *s = text; *s && !p.failed;) {
		const char *eol = s + strcspn(s, "\n"), *cut;
		size_t len;

		p.line++;
		if (p.line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
			s += 3;
		s += strspn(s, " \t");
		for (cut = s; cut < eol; cut++)
			if ((*cut == ';' || *cut == '#') && (cut == s || cut[-1] == ' ' || cut[-1] == '\t'))
				break;
		while (cut > s && (cut[-1] == ' ' || cut[-1] == '\t' || cut[-1] == '\r'))
			cut--;
		len = cut > s ? (size_t)(cut - s) : 0;
		if (len > CAT_MAX_LINE) {
			cat_fail(&p, p.line, "line is longer than %d characters (comments aside)",
				 CAT_MAX_LINE);
			break;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		cat_line(&p, buf, len);
		s = *eol ? eol + 1 : eol;
	}
	if (!p.failed)
		section_end(&p);
	if (!p.failed && !cat->n)
		cat_fail(&p, 0, "no [NAME] section: the catalogue is empty");
	if (p.failed)
		catalogue_free(cat);
	return p.failed ? -1 : 0;
}

/* The whole file, NUL-terminated, into *text (malloc'd). */
static int read_file(const char *path, char **text, int *line, char *msg, size_t msglen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = -1;
	struct stat st;
	ssize_t n = 0;
	char *buf = NULL;

	if (fd < 0) {
		snprintf(msg, msglen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		snprintf(msg, msglen, "not a regular file");
	else if (st.st_size > CAT_MAX_FILE)
		snprintf(msg, msglen, "larger than %d bytes: is this a regions catalogue?", CAT_MAX_FILE);
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		snprintf(msg, msglen, "out of memory");
	else if ((n = read(fd, buf, (size_t)st.st_size)) < 0)
		snprintf(msg, msglen, "cannot read: %s", strerror(errno));
	else if (memchr(buf, '\0', (size_t)n))
		snprintf(msg, msglen, "NUL byte in the file: is it a text file?");
	else
		rc = 0;
	close(fd);
	if (rc) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*line = 0;
	return 0;
}

int catalogue_load(const char *path, struct catalogue *cat, int *line, char *msg,
		   size_t msglen)
{
	char *text = NULL;
	int rc;

	memset(cat, 0, sizeof(*cat));
	*line = 0;
	if (read_file(path, &text, line, msg, msglen))
		return -1;
	rc = catalogue_parse(path, text, cat, line, msg, msglen);
	free(text);
	return rc;
}

void catalogue_free(struct catalogue *cat)
{
	free(cat->e);
	cat->e = NULL;
	cat->n = 0;
}

const struct cat_entry *catalogue_find(const struct catalogue *cat, const char *name)
{
	for (int i = 0; i < cat->n; i++)
		if (!strcmp(cat->e[i].name, name))
			return &cat->e[i];
	return NULL;
}
