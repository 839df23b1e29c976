/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpgen_frame.h - the frames rtpgen offers: the flows of a ctlbench file,
 * one RTP frame per flow with valid IPv4 and UDP checksums, and the source
 * MAC of a device. Part of rtpgen.c (included once, after its types,
 * constants and helpers); not a library of its own.
 */
#ifndef RTPGEN_FRAME_H
#define RTPGEN_FRAME_H

/* The flows of a ctlbench file: peer A -> leg A's local endpoint. In
 * mode GEN_RTP_CLOCK the SSRC tells the sink where the send time is; in
 * GEN_SRTP_SET ts counts the packets of the set a flow has sent. */
static int flows_load(const char *path, int mode, struct bench_flow **out, __u32 *n)
{
	char line[512], id[32], la[64], pa[64];
	struct bench_flow *f = calloc(MAX_FLOWS, sizeof(*f));
	FILE *fp = fopen(path, "r");
	__u32 k = 0;

	if (!f || !fp) {
		free(f);
		if (fp)
			fclose(fp);
		return -errno;
	}
	while (k < MAX_FLOWS && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%31s %63s %63s", id, la, pa) != 3)
			continue;
		if (parse_ep(la, &f[k].daddr, &f[k].dport) || parse_ep(pa, &f[k].saddr, &f[k].sport))
			continue;
		f[k].ssrc = htonl((mode == GEN_RTP_CLOCK ? SSRC_RTP_CLOCK : 0x10000000u) + k);
		f[k].seq = (__u16)k;
		f[k].ts = mode == GEN_SRTP_SET ? 0 : f[k].ts;
		k++;
	}
	fclose(fp);
	*out = f;
	*n = k;
	return k ? 0 : -ENOENT;
}

static __u32 sum16(const __u8 *p, size_t n, __u32 acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (__u32)p[n - 1] << 8;
	return acc;
}

static __u16 fold(__u32 acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (__u16)~acc;
}

/* An RTP frame from f with valid checksums, as the generator expects it. */
static void frame_build(__u8 *b, const __u8 *dmac, const __u8 *smac, const struct bench_flow *f)
{
	__u8 *ip = b + 14, *udp = ip + 20, *rtp = udp + 8, ph[12] = { 0 };
	__u16 c;

	memset(b, 0, FRAME_LEN);
	memcpy(b, dmac, 6);
	memcpy(b + 6, smac, 6);
	b[12] = 0x08;
	ip[0] = 0x45;
	ip[1] = 0xb8; /* DSCP EF, as voice is usually marked */
	ip[2] = (FRAME_LEN - 14) >> 8;
	ip[3] = (FRAME_LEN - 14) & 0xff;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &f->saddr, 4);
	memcpy(ip + 16, &f->daddr, 4);
	c = fold(sum16(ip, 20, 0));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	memcpy(udp, &f->sport, 2);
	memcpy(udp + 2, &f->dport, 2);
	udp[4] = (FRAME_LEN - 34) >> 8;
	udp[5] = (FRAME_LEN - 34) & 0xff;
	rtp[0] = 0x80;
	rtp[2] = f->seq >> 8, rtp[3] = f->seq & 0xff;
	rtp[4] = f->ts >> 24, rtp[5] = (f->ts >> 16) & 0xff;
	rtp[6] = (f->ts >> 8) & 0xff, rtp[7] = f->ts & 0xff;
	memcpy(rtp + 8, &f->ssrc, 4);
	rtp[12] = 'R', rtp[13] = 'T', rtp[14] = 'P', rtp[15] = 'B';
	for (int i = 28; i < 172; i++)
		rtp[i] = 0xd5; /* PCMU silence */
	memcpy(ph, ip + 12, 8);
	ph[9] = 17;
	ph[10] = udp[4];
	ph[11] = udp[5];
	c = fold(sum16(udp, FRAME_LEN - 34, sum16(ph, 12, 0)));
	c = c ? c : 0xffff;
	udp[6] = c >> 8;
	udp[7] = c & 0xff;
}

/*
 * SRTP packets made beforehand (srtpcost --write): "RTPESET1", then the
 * packet count (a power of two) and each packet's length as 32-bit
 * little-endian numbers, then the packets. Each goes into a
 * SRTP_SET_MAX-byte slot of set->pkts, as bench_srtp_set holds them.
 */
struct srtp_set {
	__u32 count, len;
	__u8 *pkts;
};

static int srtp_set_load(const char *path, struct srtp_set *set)
{
	__u8 head[16];
	FILE *f = fopen(path, "rb");
	int e = -EINVAL;

	if (!f)
		return -errno;
	if (fread(head, 1, 16, f) != 16 || memcmp(head, "RTPESET1", 8))
		goto out;
	set->count = head[8] | head[9] << 8 | head[10] << 16 | (__u32)head[11] << 24;
	set->len = head[12] | head[13] << 8 | head[14] << 16 | (__u32)head[15] << 24;
	if (!set->count || set->count > (1u << 20) || (set->count & (set->count - 1)) ||
	    set->len < 12 || set->len > SRTP_SET_MAX)
		goto out;
	set->pkts = calloc(set->count, SRTP_SET_MAX);
	e = set->pkts ? 0 : -ENOMEM;
	for (__u32 i = 0; !e && i < set->count; i++)
		if (fread(set->pkts + (size_t)i * SRTP_SET_MAX, 1, set->len, f) != set->len)
			e = -EIO;
out:
	fclose(f);
	return e;
}

/* The frame of set packet 0 (GEN_SRTP_SET): no UDP checksum. Its length. */
static unsigned frame_build_srtp(__u8 *b, const __u8 *dmac, const __u8 *smac,
				 const struct bench_flow *f, const struct srtp_set *set)
{
	__u8 *ip = b + 14, *udp = ip + 20;
	unsigned len = 42 + set->len;
	__u16 c;

	frame_build(b, dmac, smac, f);
	ip[2] = (__u8)((len - 14) >> 8);
	ip[3] = (len - 14) & 0xff;
	ip[10] = ip[11] = 0;
	c = fold(sum16(ip, 20, 0));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	udp[4] = (__u8)((len - 34) >> 8);
	udp[5] = (len - 34) & 0xff;
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, set->pkts, set->len);
	return len;
}

/* A device's MAC from sysfs (of the caller's network namespace). */
static int dev_mac(const char *dev, __u8 *mac)
{
	char path[128], buf[32];
	FILE *f;
	int e;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	e = fgets(buf, sizeof(buf), f) ? parse_mac(buf, mac) : -EIO;
	fclose(f);
	return e;
}

#endif /* RTPGEN_FRAME_H */
