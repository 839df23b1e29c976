// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_dispatch.c - what a control request line becomes: JSON parsing,
 * dispatch to the daemon's command table (refusing a read-only client
 * what changes anything), batches and the bound on their reply, logging
 * (with the client's uid and pid for changing commands), and the reply
 * text (written with jbuf.h). ctl_sock.c owns the sockets and the
 * clients. docs/CONTROL.md is the protocol.
 *
 * Replies are written as text straight into the client's output buffer:
 * the envelope ({"ok":...}) and refusals by hand, a handler's result by
 * walking its json-c value, or copied as it is when the handler wrote it
 * as text already (jbuf_raw_new). A batch of thousands of session.add thus
 * costs no object tree and no allocation per reply beyond the handler's.
 */
#include "ctl/ctl_int.h"
#include "core/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_ECHO_MAX 64         /* bytes of an unknown command name echoed */
#define CTL_ERR_MAX 512         /* bytes of a refusal's message */

/* ---- requests ------------------------------------------------------------ */

/* Drops an incomplete UTF-8 sequence at the end of s (a message cut by
 * snprintf inside an echoed name), so that replies stay valid UTF-8. */
static void ctl_utf8_cut(char *s)
{
	size_t n = strlen(s), i = n, need;

	while (i && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (!i || (unsigned char)s[i - 1] < 0xc0)
		return; /* ends in ASCII (or stray continuation bytes: left be) */
	need = (unsigned char)s[i - 1] >= 0xf0 ? 4 : (unsigned char)s[i - 1] >= 0xe0 ? 3 : 2;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

void ctl_put_refusal(struct jbuf *out, const char *msg)
{
	jbuf_lit(out, "{\"ok\":false,\"error\":");
	jbuf_str(out, msg, strlen(msg));
	jbuf_lit(out, "}");
}

/* The refusal of an unknown command names the known ones. */
static void ctl_unknown(struct ctl_server *s, const char *name, char *err, size_t errlen)
{
	char names[1024] = "";
	size_t off = 0, n = strlen(name);

	for (const struct ctl_command *c = s->cmds; c->name && off < sizeof(names); c++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
					c == s->cmds ? "" : ", ", c->name);
	if (n > CTL_ECHO_MAX) /* cut a long name, not inside a UTF-8 character */
		for (n = CTL_ECHO_MAX; n && ((unsigned char)name[n] & 0xc0) == 0x80; n--)
			;
	snprintf(err, errlen, "unknown command \"%.*s%s\" (try: %s)", (int)n, name,
		 name[n] ? "..." : "", names);
}

/* The command a request object names, and its args (NULL when absent).
 * 0, or -1 with err. */
static int ctl_lookup(struct ctl_server *s, struct json_object *req,
		      const struct ctl_command **cmd, struct json_object **args,
		      char *err, size_t errlen)
{
	struct json_object *jcmd;
	const char *name;

	if (!json_object_is_type(req, json_type_object)) {
		snprintf(err, errlen, "a request must be a JSON object like {\"command\":\"status\"}, not %s",
			 json_type_to_name(json_object_get_type(req)));
		return -1;
	}
	if (!json_object_object_get_ex(req, "command", &jcmd) ||
	    !json_object_is_type(jcmd, json_type_string)) {
		snprintf(err, errlen, "request has no \"command\" string (try {\"command\":\"status\"})");
		return -1;
	}
	name = json_object_get_string(jcmd);
	for (*cmd = s->cmds; (*cmd)->name && strcmp((*cmd)->name, name); (*cmd)++)
		;
	if (!(*cmd)->name) {
		ctl_unknown(s, name, err, errlen);
		return -1;
	}
	if (json_object_object_get_ex(req, "args", args) &&
	    !json_object_is_type(*args, json_type_object)) {
		snprintf(err, errlen, "\"args\" of %s must be a JSON object, not %s", (*cmd)->name,
			 json_type_to_name(json_object_get_type(*args)));
		return -1;
	}
	return 0;
}

/* Whether the handler running serves a read-only client (ctl.h). */
static bool running_read_only;

bool ctl_client_read_only(void)
{
	return running_read_only;
}

/* The refusal of a changing command to a read-only client names the
 * commands it may run. */
static void ctl_read_only(struct ctl_server *s, const struct ctl_command *cmd,
			  const struct ctl_peer *peer, char *err, size_t errlen)
{
	char names[512] = "";
	size_t off = 0;

	for (const struct ctl_command *c = s->cmds; c->name && off < sizeof(names); c++)
		if (c->read_only)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						off ? ", " : "", c->name);
	snprintf(err, errlen, "permission denied: %s changes the relay; uid %u is in control_ro_group \"%s\" only, which may run %s",
		 cmd->name, (unsigned)peer->uid, s->ro_group, names);
}

/*
 * Runs one request object from peer (NULL: may run anything) and appends
 * its reply to out. 0 when it was done, -1 when refused (why in err,
 * CTL_ERR_MAX bytes); *cmd is the command it named, or NULL.
 */
static int ctl_run(struct ctl_server *s, const struct ctl_peer *peer, struct json_object *req,
		   struct jbuf *out, const struct ctl_command **cmdp, char *err)
{
	const struct ctl_command *cmd;
	struct json_object *args = NULL, *result = NULL;
	int rc;

	*cmdp = NULL;
	err[0] = '\0';
	if (ctl_lookup(s, req, &cmd, &args, err, CTL_ERR_MAX))
		goto refuse;
	*cmdp = cmd;
	if (peer && peer->read_only && !cmd->read_only) {
		ctl_read_only(s, cmd, peer, err, CTL_ERR_MAX);
		goto refuse;
	}
	args = args ? json_object_get(args) : json_object_new_object();
	running_read_only = peer && peer->read_only;
	rc = args ? cmd->fn(s->ctx, args, &result, err, CTL_ERR_MAX) : -ENOMEM;
	running_read_only = false;
	json_object_put(args);
	if (rc) {
		json_object_put(result);
		if (!err[0]) /* the handler gave no reason: word its errno */
			snprintf(err, CTL_ERR_MAX, "%s", rc < -1 ? strerror(-rc) : "refused, no reason given");
		ctl_utf8_cut(err);
		goto refuse;
	}
	if (!result) {
		jbuf_lit(out, "{\"ok\":true}");
		return 0;
	}
	jbuf_lit(out, "{\"ok\":true,\"result\":");
	jbuf_json(out, result);
	jbuf_lit(out, "}");
	json_object_put(result);
	return 0;
refuse:
	ctl_put_refusal(out, err);
	return -1;
}

/* Requests naming a command that changes something are logged with the
 * client's uid and pid; read-only ones are not, to keep the log quiet. */
static const char *ctl_who(const struct ctl_command *cmd, const struct ctl_peer *peer,
			   char *buf, size_t len)
{
	return ctl_peer_str(cmd && !cmd->read_only ? peer : NULL, buf, len);
}

static void ctl_run_logged(struct ctl_server *s, const struct ctl_peer *peer,
			   struct json_object *req, struct jbuf *out)
{
	const struct ctl_command *cmd;
	char err[CTL_ERR_MAX], who[64];
	int rc = ctl_run(s, peer, req, out, &cmd, err);

	ctl_who(cmd, peer, who, sizeof(who));
	if (rc)
		log_info("ctl: %s refused: %s%s", cmd ? cmd->name : "request", err, who);
	else
		log_info("ctl: %s ok%s", cmd->name, who);
}

/* An array of requests: one reply each, in order, and one log line. The
 * reply is bounded while it is written: once it passes CTL_MAX_REPLY, the
 * remaining items are refused unrun (a few hundred bytes of request each
 * could otherwise ask for a whole session.list). */
static void ctl_batch(struct ctl_server *s, const struct ctl_peer *peer,
		      struct json_object *reqs, struct jbuf *out)
{
	size_t n = json_object_array_length(reqs), good = 0, cut = 0, start = out->len;
	const struct ctl_command *cmd, *changing = NULL;
	char err[CTL_ERR_MAX], big[160], who[64];

	snprintf(big, sizeof(big), "not run: the reply to this batch passed %u bytes (CTL_MAX_REPLY); send the rest in another batch",
		 CTL_MAX_REPLY);
	jbuf_lit(out, "[");
	for (size_t i = 0; i < n && !out->oom; i++) {
		if (i)
			jbuf_lit(out, ",");
		/* A handler closed this server: its ctx may be gone, run no more. */
		if (s->dead) {
			ctl_put_refusal(out, "not run: the control socket is closing");
		} else if (out->len - start > CTL_MAX_REPLY) {
			ctl_put_refusal(out, big);
			cut++;
		} else {
			good += !ctl_run(s, peer, json_object_array_get_idx(reqs, i), out, &cmd, err);
			if (cmd && !cmd->read_only)
				changing = cmd;
		}
	}
	jbuf_lit(out, "]");
	ctl_who(changing, peer, who, sizeof(who));
	if (cut)
		log_warn("ctl: batch of %zu: %zu ok, %zu refused, of which %zu not run: reply over %u bytes%s",
			 n, good, n - good, cut, CTL_MAX_REPLY, who);
	else
		log_info("ctl: batch of %zu: %zu ok, %zu refused%s", n, good, n - good, who);
}

/* Parses a line into *req (NULL for the JSON null). 0, or -1 with err. */
static int ctl_parse(struct ctl_server *s, const char *line, size_t len,
		     struct json_object **req, char *err, size_t errlen)
{
	enum json_tokener_error jerr;

	*req = NULL;
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "malformed JSON: NUL byte in the request");
		return -1;
	}
	json_tokener_reset(s->tok);
	*req = json_tokener_parse_ex(s->tok, line, (int)len);
	jerr = json_tokener_get_error(s->tok);
	if (jerr == json_tokener_continue) /* a number may go on: end it */
		*req = json_tokener_parse_ex(s->tok, " ", 1);
	jerr = json_tokener_get_error(s->tok);
	if (jerr == json_tokener_success)
		return 0;
	json_object_put(*req);
	*req = NULL;
	if (jerr == json_tokener_continue)
		snprintf(err, errlen, "malformed JSON: unexpected end of the line");
	else
		snprintf(err, errlen, "malformed JSON: %s at byte %zu", json_tokener_error_desc(jerr),
			 json_tokener_get_parse_end(s->tok));
	return -1;
}

static bool ctl_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

void ctl_handle(struct ctl_server *s, const struct ctl_peer *peer, const char *line, size_t len,
		struct jbuf *out)
{
	struct json_object *req;
	char err[CTL_ERR_MAX];

	while (len && ctl_blank(line[len - 1]))
		len--;
	while (len && ctl_blank(line[0])) {
		line++;
		len--;
	}
	if (!len)
		return; /* blank lines between requests are allowed */
	if (ctl_parse(s, line, len, &req, err, sizeof(err))) {
		log_info("ctl: request refused: %s", err);
		ctl_put_refusal(out, err);
	} else if (json_object_is_type(req, json_type_array)) {
		ctl_batch(s, peer, req, out);
	} else {
		ctl_run_logged(s, peer, req, out);
	}
	json_object_put(req);
	jbuf_lit(out, "\n");
}

/* The reply text in b (one object or array and a newline) as a json-c
 * value, parsed as strictly as requests are; NULL when it is not valid
 * JSON. Frees b. */
static struct json_object *ctl_reparse(struct jbuf *b)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH * 2);
	struct json_object *o = NULL;

	if (tok && b->len && !b->oom) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		o = json_tokener_parse_ex(tok, b->p, (int)b->len);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(o);
			o = NULL;
		}
	}
	if (tok)
		json_tokener_free(tok);
	free(b->p);
	return o;
}

struct json_object *ctl_handle_line(struct ctl_server *s, const char *line, size_t len)
{
	struct jbuf b = { 0 };
	struct json_object *reply;
	bool blank_or_oom;

	s->busy++;
	ctl_handle(s, NULL, line, len, &b);
	s->busy--;
	ctl_reap(s);
	blank_or_oom = !b.len || b.oom;
	reply = ctl_reparse(&b);
	if (!reply && !blank_or_oom) {
		log_err("ctl: the reply to a %zu byte request is not valid JSON", len);
		abort();
	}
	return reply;
}

struct json_object *ctl_dispatch(struct ctl_server *s, struct json_object *req)
{
	struct jbuf b = { 0 };

	s->busy++;
	ctl_run_logged(s, NULL, req, &b);
	s->busy--;
	ctl_reap(s);
	jbuf_lit(&b, "\n");
	return ctl_reparse(&b);
}
