// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_config.c - libFuzzer harness for the config parser: any bytes, as a
 * NUL-terminated string, through config_parse_string. Under ASan/UBSan it
 * must neither crash nor leak, and a failure must leave a "NAME:LINE: "
 * message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	    strncmp(err, "fuzz.conf:", 10))
		abort(); /* every error names the file and a line */
	free(text);
	return 0;
}
