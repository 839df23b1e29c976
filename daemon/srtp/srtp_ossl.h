/* SPDX-License-Identifier: GPL-2.0 */
/*
 * srtp_ossl.h - the ciphers and the HMAC under libsrtp2's SRTP, on
 * OpenSSL's libcrypto instead of the NSS that Debian builds libsrtp2 on.
 *
 * libsrtp2 keeps the SRTP itself (packet formats, key derivation, replay
 * windows, rollover counters); only its crypto primitives are swapped,
 * through its own srtp_replace_cipher_type / srtp_replace_auth_type, which
 * run each type's known-answer self-test before accepting it. Why: NSS
 * finds every operation's state through hash chains and a list that grow
 * with the contexts a process holds (docs/SRTP.md "Crypto backend"), so a
 * relay of 1,000 SRTP legs paid 10-20 us a packet in NSS bookkeeping.
 *
 * Replaced: AES_ICM_128, AES_ICM_256, AES_GCM_128, AES_GCM_256 and
 * HMAC_SHA1, every primitive of the four suites rtpedge offers. AES-192
 * stays on NSS (no suite here uses it).
 */
#ifndef RTPE_SRTP_OSSL_H
#define RTPE_SRTP_OSSL_H

/* Install the types into libsrtp2's crypto kernel (after srtp_init).
 * 0, or -EIO when a type failed its self-test (libsrtp2 keeps its own). */
int srtp_ossl_install(void);

#endif
