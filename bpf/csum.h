/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * csum.h - BPF-only incremental Internet checksum updates (RFC 1624).
 *
 * A rewrite replaces some 16-bit words m by m'. Rather than summing the
 * whole packet again, the new checksum is HC' = ~(~HC + ~m + m') (RFC 1624
 * eqn. 3), with the sum in ones' complement arithmetic. The caller gathers
 * ~m + m' for every changed word into one 32-bit delta, then applies it to
 * each checksum that covers those words: the IPv4 header checksum covers
 * the addresses; the UDP checksum covers them too (pseudo-header) plus the
 * ports.
 *
 * Ones' complement sums do not depend on byte order (RFC 1071 2.(B)):
 * words are taken as loaded from the packet, never byte-swapped.
 */
#ifndef RTPE_CSUM_H
#define RTPE_CSUM_H

/* Folds a 32-bit sum of 16-bit words to 16 bits with end-around carry.
 * Two rounds suffice: the first leaves at most 0x1fffe. */
static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Adds the replacement of one 16-bit word, from -> to, to delta. */
static __always_inline __u32 csum_delta16(__u32 delta, __u16 from, __u16 to)
{
	return delta + (__u16)~from + to;
}

/* Adds the replacement of a 32-bit field (an IPv4 address): its two
 * 16-bit words, each as it lies in memory. */
static __always_inline __u32 csum_delta32(__u32 delta, __u32 from, __u32 to)
{
	delta = csum_delta16(delta, from >> 16, to >> 16);
	return csum_delta16(delta, from & 0xffff, to & 0xffff);
}

/* RFC 1624 eqn. 3: the checksum after the replacements summed in delta.
 * A handful of words keeps the 32-bit accumulator far from overflow. */
static __always_inline __u16 csum_apply(__u16 check, __u32 delta)
{
	return (__u16)~csum_fold((__u16)~check + delta);
}

/*
 * The same for a UDP checksum over IPv4: 0 means "no checksum" (RFC 768),
 * so a sender that sent none gets none, and a computed 0 is sent as its
 * ones' complement equivalent 0xffff.
 */
static __always_inline __u16 csum_apply_udp(__u16 check, __u32 delta)
{
	__u16 sum;

	if (!check)
		return 0;
	sum = csum_apply(check, delta);
	return sum ? sum : 0xffff;
}

#endif /* RTPE_CSUM_H */
