// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_config.c - libFuzzer harness for the config parser: any bytes, as a
 * NUL-terminated string, through config_parse_string. Under ASan/UBSan it
 * must neither crash nor leak, and a failure must leave a "NAME:LINE: "
 * message: the config's name, or the absolute path of a regions catalogue
 * it reads (a [region] without sbc reads the shipped one; `catalogue =`
 * names any file, which is read only when it is a regular file).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "fuzz.conf:N: " or "/PATH:N: " */
static bool names_file_and_line(const char *err)
{
	const char *p = err;

	if (strncmp(err, "fuzz.conf:", 10) && err[0] != '/')
		return false;
	while ((p = strchr(p, ':'))) {
		size_t digits = strspn(++p, "0123456789");

		if (digits && p[digits] == ':' && p[digits + 1] == ' ')
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rtpe_cfg cfg;
	char *text = malloc(size + 1);
	char err[256];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (config_parse_string("fuzz.conf", text, &cfg, err, sizeof(err)) &&
	    !names_file_and_line(err))
		abort(); /* every error names the file and a line */
	free(text);
	return 0;
}
