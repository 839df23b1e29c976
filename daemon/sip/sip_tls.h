/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip_tls.h - the directory sofia-sip's TLS transport reads its material
 * from (TPTAG_CERTIFICATE): agent.pem (the relay's certificate, then its
 * key) and cafile.pem (the CAs a peer's certificate must chain to: tls_ca,
 * else the system's bundle; then the rest of tls_cert's chain), built from
 * [sip] tls_cert, tls_key and tls_ca in DIR = the control socket's
 * directory + "/sip-tls", mode 0700, files 0600.
 */
#ifndef RTPE_SIP_TLS_H
#define RTPE_SIP_TLS_H

#include <stddef.h>

#include "core/config.h"

/* The directory's name for c. 0, or -1 when it does not fit len. */
int sip_tls_dir(const struct rtpe_cfg *c, char *dir, size_t len);

/* Builds the directory (its name in dir) from c's files. 0, or -1 with a
 * message naming the file that is missing, unreadable or not PEM. */
int sip_tls_prepare(const struct rtpe_cfg *c, char *dir, size_t dirlen, char *msg, size_t msglen);

/* A reload: the TLS transport keeps the material it started with; warns
 * when next names other files or tls_verify, or when the files changed
 * since the directory was built (a renewed certificate needs a restart). */
void sip_tls_reload_note(const struct rtpe_cfg *run, const struct rtpe_cfg *next);

#endif
