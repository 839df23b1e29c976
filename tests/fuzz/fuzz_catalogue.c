// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_catalogue.c - libFuzzer harness for the regions catalogue parser:
 * any bytes, as a NUL-terminated string, through catalogue_parse. Under
 * ASan/UBSan it must neither crash nor leak; a failure holds no entries
 * and a message, a success at least one region with an address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalogue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalogue cat;
	char *text = malloc(size + 1), msg[256];
	int line = -1;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	msg[0] = '\0';
	if (catalogue_parse("fuzz.conf", text, &cat, &line, msg, sizeof(msg))) {
		if (cat.e || cat.n || !msg[0] || line < 0)
			abort();
	} else {
		if (!cat.n || (!cat.e[0].n_sbc && !cat.e[0].n_allow))
			abort();
		catalogue_free(&cat);
	}
	free(text);
	return 0;
}
