// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_punt.c - libFuzzer harness for the parser of frames XDP hands to
 * the daemon (daemon/media/punt_rx.c punt_frame_udp): any bytes as a frame. Under
 * ASan/UBSan it must not read outside the frame, and what it accepts must
 * be consistent: the payload inside the frame, the UDP length covering it,
 * the addresses those of the IPv4 header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/punt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan catches a read past the end. */
	unsigned char *f = malloc(size ? size : 1);
	const unsigned char *payload = NULL;
	struct sockaddr_in src, dst;
	unsigned plen = 0, ip;

	if (!f)
		return 0;
	memcpy(f, data, size);
	if (!punt_frame_udp(f, (unsigned)size, &src, &dst, &payload, &plen)) {
		ip = f[12] == 0x81 && f[13] == 0x00 ? 18 : 14;
		if (payload < f || payload + plen > f + size ||
		    (unsigned)(payload[-4] << 8 | payload[-3]) != plen + 8 ||
		    memcmp(&src.sin_addr, f + ip + 12, 4) || memcmp(&dst.sin_addr, f + ip + 16, 4) ||
		    src.sin_family != AF_INET)
			abort();
	}
	free(f);
	return 0;
}
