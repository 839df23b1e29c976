// SPDX-License-Identifier: GPL-2.0
/*
 * sip_rr.c - owns the proxy's Record-Route parameters (sip_rr.h): written
 * at the initial request, read back from the Route of every in-dialog one.
 * What comes back went through the far ends and may be anything: each
 * value is checked, ids are decimal and bounded, names are config names,
 * and the whole is signed (rh): only what the proxy wrote for that Call-ID
 * verifies.
 */
#include "sip/sip_rr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static uint8_t rr_key[SIP_RR_KEY_LEN];

void sip_rr_key_set(const uint8_t *key)
{
	memcpy(rr_key, key, sizeof(rr_key));
}

/* The parameters without rh: what the signature covers (with the Call-ID). */
static int params_text(const struct sip_rr *r, int side, char *buf, size_t len)
{
	size_t n = 0;
	int k;

#define PUT(...)                                                               \
	do {                                                                   \
		k = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__);     \
		if (k < 0)                                                     \
			return -ENOSPC;                                        \
		n += (size_t)k;                                                \
	} while (0)
	PUT("lr");
	if (r->n_ids) {
		PUT(";rtpe=");
		for (int i = 0; i < r->n_ids && i < SDP_MAX_STREAMS; i++)
			PUT("%s%u", i ? "." : "", r->ids[i]);
	}
	PUT(";rd=%s", r->dir == SIP_DIR_T2R ? "t2r" : "r2t");
	if (r->trunk[0])
		PUT(";rt=%s", r->trunk);
	if (r->region[0])
		PUT(";rg=%s", r->region);
	PUT(";rs=%c", side ? 'b' : 'a');
#undef PUT
	return n < len ? (int)n : -ENOSPC;
}

/* The hex signature of r facing side in call_id into mac (33 bytes). 0 or -ENOSPC. */
static int rr_mac(const struct sip_rr *r, int side, const char *call_id, char *mac)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char text[512];
	int n, k;

	k = snprintf(text, sizeof(text), "%s\n", call_id ? call_id : "");
	if (k < 0 || (size_t)k >= sizeof(text))
		return -ENOSPC;
	n = params_text(r, side, text + k, sizeof(text) - (size_t)k);
	if (n < 0 || !HMAC(EVP_sha256(), rr_key, sizeof(rr_key), (const unsigned char *)text,
			   (size_t)(k + n), md, &mdlen) || mdlen < SIP_RR_MAC_LEN)
		return -ENOSPC;
	for (int i = 0; i < SIP_RR_MAC_LEN; i++) {
		mac[2 * i] = hex[md[i] >> 4];
		mac[2 * i + 1] = hex[md[i] & 15];
	}
	mac[2 * SIP_RR_MAC_LEN] = '\0';
	return 0;
}

int sip_rr_params(const struct sip_rr *r, int side, const char *call_id, char *buf, size_t len)
{
	char mac[2 * SIP_RR_MAC_LEN + 1];
	int n = params_text(r, side, buf, len), k;

	if (n < 0 || rr_mac(r, side, call_id, mac))
		return -ENOSPC;
	k = snprintf(buf + n, len - (size_t)n, ";rh=%s", mac);
	return k < 0 || (size_t)(n + k) >= len ? -ENOSPC : n + k;
}

bool sip_rr_verify(const struct sip_rr *r, const char *call_id)
{
	char mac[2 * SIP_RR_MAC_LEN + 1];

	if (r->side < 0 || strlen(r->mac) != 2 * SIP_RR_MAC_LEN || rr_mac(r, r->side, call_id, mac))
		return false;
	return !CRYPTO_memcmp(mac, r->mac, 2 * SIP_RR_MAC_LEN);
}

/* "17.0.18" into ids. 0 or -EINVAL. */
static int ids_parse(const char *v, size_t n, struct sip_rr *out)
{
	const char *end = v + n;

	out->n_ids = 0;
	while (v < end) {
		uint64_t id = 0;
		const char *start = v;

		if (out->n_ids == SDP_MAX_STREAMS)
			return -EINVAL;
		for (; v < end && *v >= '0' && *v <= '9'; v++) {
			id = id * 10 + (uint64_t)(*v - '0');
			if (id > UINT32_MAX)
				return -EINVAL;
		}
		if (v == start || (v < end && *v != '.') || (v + 1 == end && *v == '.'))
			return -EINVAL;
		out->ids[out->n_ids++] = (uint32_t)id;
		if (v < end)
			v++;
	}
	return 0;
}

static int name_parse(const char *v, size_t n, char *out)
{
	char tmp[CFG_NAME_LEN];

	if (n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (strspn(tmp, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n ||
	    !n)
		return -EINVAL;
	memcpy(out, tmp, n + 1);
	return 0;
}

/* One "key=value" (or "key") of n bytes. 0 or -EINVAL. */
static int param_parse(const char *p, size_t n, struct sip_rr *out)
{
	const char *eq = memchr(p, '=', n);
	size_t kn = eq ? (size_t)(eq - p) : n, vn = eq ? n - kn - 1 : 0;
	const char *v = eq ? eq + 1 : NULL;

#define IS(k) (kn == sizeof(k) - 1 && !strncasecmp(p, k, kn))
	if (IS("rtpe"))
		return v ? ids_parse(v, vn, out) : -EINVAL;
	if (IS("rd")) {
		if (v && vn == 3 && !strncmp(v, "t2r", 3))
			out->dir = SIP_DIR_T2R;
		else if (v && vn == 3 && !strncmp(v, "r2t", 3))
			out->dir = SIP_DIR_R2T;
		else
			return -EINVAL;
		return 0;
	}
	if (IS("rt"))
		return v ? name_parse(v, vn, out->trunk) : -EINVAL;
	if (IS("rg"))
		return v ? name_parse(v, vn, out->region) : -EINVAL;
	if (IS("rs")) {
		if (!v || vn != 1 || (*v != 'a' && *v != 'b'))
			return -EINVAL;
		out->side = *v == 'b';
		return 0;
	}
	if (IS("rh")) { /* kept as it is; a wrong one fails sip_rr_verify */
		if (v && vn == 2 * SIP_RR_MAC_LEN) {
			memcpy(out->mac, v, vn);
			out->mac[vn] = '\0';
		}
		return 0;
	}
#undef IS
	return 0; /* lr, transport, maddr...: not ours */
}

int sip_rr_parse(const char *params, struct sip_rr *out)
{
	const char *p = params;

	memset(out, 0, sizeof(*out));
	out->side = -1;
	if (!p)
		return -EINVAL;
	while (*p) {
		size_t n = strcspn(p, ";");

		if (n && param_parse(p, n, out))
			return -EINVAL;
		p += n;
		if (*p)
			p++;
	}
	return out->side >= 0 ? 0 : -EINVAL;
}
