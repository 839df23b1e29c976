// SPDX-License-Identifier: GPL-2.0
/*
 * test_cmds.c - the one command table (include/rtpe_ctl_cmds.h) against
 * its two users: every command has a handler in the daemon (rtpe_commands,
 * daemon/commands.c) and a printer in rtpedgectl (print_fns, cli/print.c),
 * and the daemon serves no command the table does not list. A handler or
 * printer for an id the table does not have does not compile (the id is
 * undeclared); one left out is found here. Linked with cli/print.o, print_sip.o and print_util.o.
 */
#include "check.h"
#include "commands.h"
#include "../../cli/print.h"

#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void t_handlers(void)
{
	CASE_BEGIN("cmds: every command of the table has a daemon handler");
	CHECK(N_OF(rtpe_commands) == RTPE_CMD_MAX + 1, "%zu entries", N_OF(rtpe_commands));
	for (int i = 0; i < RTPE_CMD_MAX; i++) {
		const struct ctl_command *c = &rtpe_commands[i];

		CHECK(c->name && !strcmp(c->name, rtpe_ctl_cmds[i].request),
		      "entry %d is \"%s\", the table's \"%s\"", i, c->name ? c->name : "(none)",
		      rtpe_ctl_cmds[i].request);
		CHECK(c->fn, "%s: no handler", rtpe_ctl_cmds[i].request);
		for (int j = 0; j < i; j++)
			CHECK(!c->fn || c->fn != rtpe_commands[j].fn, "%s and %s share a handler",
			      rtpe_ctl_cmds[j].request, rtpe_ctl_cmds[i].request);
	}
	CASE_END();

	CASE_BEGIN("cmds: the daemon has no handler outside the table");
	for (size_t i = 0; i < N_OF(rtpe_commands); i++) {
		const struct ctl_command *c = &rtpe_commands[i];

		if (i < RTPE_CMD_MAX)
			CHECK(!c->fn || (c->name && !strcmp(c->name, rtpe_ctl_cmds[i].request)),
			      "entry %zu: a handler for \"%s\", not for %s", i,
			      c->name ? c->name : "(no name)", rtpe_ctl_cmds[i].request);
		else /* the control socket reads up to here */
			CHECK(!c->name && !c->fn, "entry %zu (%s) after the table's commands", i,
			      c->name ? c->name : "(no name)");
	}
	CASE_END();
}

static void t_printers(void)
{
	CASE_BEGIN("cmds: every command of the table has a CLI printer");
	CHECK(N_OF(print_fns) == RTPE_CMD_MAX, "%zu printers", N_OF(print_fns));
	for (int i = 0; i < RTPE_CMD_MAX; i++)
		CHECK(print_fns[i], "%s: no printer", rtpe_ctl_cmds[i].request);
	CASE_END();
}

/* The CLI finds a command by one or two words; the request is the words
 * joined with '.'. */
static void t_names(void)
{
	CASE_BEGIN("cmds: requests and words unique, the words are the request");
	for (int i = 0; i < RTPE_CMD_MAX; i++) {
		const struct rtpe_ctl_cmd *c = &rtpe_ctl_cmds[i];
		char want[64];
		size_t n = strlen(c->request);

		CHECK(n && n < sizeof(want) && c->help && c->help[0], "%d: empty", i);
		snprintf(want, sizeof(want), "%s", c->request);
		for (char *p = strchr(want, '.'); p; p = strchr(p, '.'))
			*p = ' ';
		CHECK(!strcmp(c->words, want), "%s: words \"%s\"", c->request, c->words);
		CHECK(!strchr(strchr(c->words, ' ') ? strchr(c->words, ' ') + 1 : "", ' '),
		      "%s: more than two words", c->request);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(c->request, rtpe_ctl_cmds[j].request), "%s twice", c->request);
		for (int k = 0; k < RTPE_CTL_MAX_POS; k++)
			CHECK(!c->pos[k].key || c->pos[k].kind != RTPE_ARG_FLAG,
			      "%s: %s: a flag is an option", c->request, c->pos[k].key);
	}
	CASE_END();

	CASE_BEGIN("cmds: read-only are status, stats, session.list, session.show, calls, calls.show, regions, registrations, allowlist.show");
	for (int i = 0; i < RTPE_CMD_MAX; i++) {
		const char *q = rtpe_ctl_cmds[i].request;
		bool ro = !strcmp(q, "status") || !strcmp(q, "stats") ||
			  !strcmp(q, "session.list") || !strcmp(q, "session.show") ||
			  !strcmp(q, "calls") || !strcmp(q, "calls.show") ||
			  !strcmp(q, "regions") || !strcmp(q, "registrations") ||
			  !strcmp(q, "allowlist.show");

		CHECK(rtpe_ctl_cmds[i].read_only == ro, "%s: read_only %d", q,
		      rtpe_ctl_cmds[i].read_only);
	}
	CASE_END();
}

int main(void)
{
	t_handlers();
	t_printers();
	t_names();
	CHECK_EXIT();
}
