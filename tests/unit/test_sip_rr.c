// SPDX-License-Identifier: GPL-2.0
/*
 * test_sip_rr.c - the proxy's Record-Route parameters (sip/sip_rr.c): what
 * is written reads back, carries a signature that verifies for its Call-ID
 * and key only, and any edit of a parameter fails it; the key file
 * (sip/sip_rr_key.c) is made 0600 when missing, read back the same, and a
 * file that is not a key is refused, not replaced.
 */
#include "check.h"
#include "sip/sip_rr.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static const struct sip_rr call = { .ids = { 17, 0, 18 }, .n_ids = 3, .dir = SIP_DIR_T2R,
				    .trunk = "pbx", .region = "vapi-us" };

/* The params of call facing side, with "from" replaced by "to" (NULL: as written). */
static bool verifies(int side, const char *call_id, const char *from, const char *to)
{
	char buf[512], edited[512];
	struct sip_rr r;
	char *at;

	if (sip_rr_params(&call, side, "a84b4c76e66710", buf, sizeof(buf)) < 0)
		return false;
	snprintf(edited, sizeof(edited), "%s", buf);
	if (from) {
		at = strstr(buf, from);
		if (!at)
			return true; /* the test is wrong: make it fail */
		snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - buf), buf, to,
			 at + strlen(from));
	}
	return !sip_rr_parse(edited, &r) && sip_rr_verify(&r, call_id);
}

static void t_sign(void)
{
	uint8_t k2[SIP_RR_KEY_LEN];
	char buf[512];
	struct sip_rr r;

	CASE_BEGIN("sip_rr: written parameters read back and verify");
	CHECK(sip_rr_params(&call, 1, "a84b4c76e66710", buf, sizeof(buf)) > 0, "written");
	CHECK(!strncmp(buf, "lr;rtpe=17.0.18;rd=t2r;rt=pbx;rg=vapi-us;rs=b;rh=", 49), "%s", buf);
	CHECK(strlen(buf) == 49 + 2 * SIP_RR_MAC_LEN, "%s", buf);
	CHECK(!sip_rr_parse(buf, &r) && r.side == 1 && r.n_ids == 3 && r.ids[2] == 18, "parsed");
	CHECK(verifies(0, "a84b4c76e66710", NULL, NULL), "side a");
	CHECK(verifies(1, "a84b4c76e66710", NULL, NULL), "side b");
	CHECK(verifies(1, "a84b4c76e66710", "lr;", "lr;transport=tcp;"), "a foreign param added");
	CASE_END();

	CASE_BEGIN("sip_rr: the signature is HMAC-SHA256's first 128 bits (a vector made apart)");
	{ /* python3: hmac.new(bytes(32), b"restart-2@198.18.1.2\n" + params, sha256) */
		const struct sip_rr v = { .ids = { 17, 0, 18 }, .n_ids = 3, .dir = SIP_DIR_T2R,
					  .trunk = "carrier", .region = "lab" };

		CHECK(sip_rr_params(&v, 0, "restart-2@198.18.1.2", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "lr;rtpe=17.0.18;rd=t2r;rt=carrier;rg=lab;rs=a;"
				   "rh=8abf29ef065ef3f714362746b5cf45cb"), "%s", buf);
	}
	CASE_END();

	CASE_BEGIN("sip_rr: an edited parameter, another Call-ID or key fails");
	CHECK(!verifies(1, "a84b4c76e66710", "rtpe=17", "rtpe=19"), "another session");
	CHECK(!verifies(1, "a84b4c76e66710", "rtpe=17.0.18", "rtpe=17.0"), "a session dropped");
	CHECK(!verifies(1, "a84b4c76e66710", "rs=b", "rs=a"), "the other side");
	CHECK(!verifies(1, "a84b4c76e66710", "rd=t2r", "rd=r2t"), "direction");
	CHECK(!verifies(1, "a84b4c76e66710", "rt=pbx", "rt=pbx2"), "trunk");
	CHECK(!verifies(1, "a84b4c76e66710", "rg=vapi-us;", ""), "region removed");
	CHECK(!verifies(1, "a84b4c76e66710", ";rh=", ";rx="), "no signature");
	CHECK(!verifies(1, "a84b4c76e66710", ";rh=", ";rh=0"), "a signature of another length");
	CHECK(!verifies(1, "a84b4c76e66711", NULL, NULL), "another Call-ID");
	memset(k2, 7, sizeof(k2));
	sip_rr_params(&call, 1, "a84b4c76e66710", buf, sizeof(buf));
	sip_rr_key_set(k2);
	CHECK(!sip_rr_parse(buf, &r) && !sip_rr_verify(&r, "a84b4c76e66710"), "another key");
	memset(k2, 0, sizeof(k2));
	sip_rr_key_set(k2);
	CASE_END();
}

static void t_key_file(void)
{
	char dir[] = "/tmp/rtpe-rrkey-XXXXXX", path[128], err[256];
	uint8_t k1[SIP_RR_KEY_LEN], k2[SIP_RR_KEY_LEN], zero[SIP_RR_KEY_LEN] = { 0 };
	struct stat st;
	int fd;

	CASE_BEGIN("sip_rr: the key file is made 0600 when missing and read back the same");
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/state.json.key", dir);
	umask(022);
	CHECK(!sip_rr_key_load(path, k1, err, sizeof(err)), "%s", err);
	CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600 && st.st_size == SIP_RR_KEY_LEN,
	      "mode %o size %lld", st.st_mode & 0777, (long long)st.st_size);
	CHECK(memcmp(k1, zero, sizeof(k1)), "random");
	chmod(path, 0644);
	CHECK(!sip_rr_key_load(path, k2, err, sizeof(err)) && !memcmp(k1, k2, sizeof(k1)),
	      "the same key: %s", err);
	CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600, "mode put back to 0600");
	CASE_END();

	CASE_BEGIN("sip_rr: a key file of another size is refused, not replaced");
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "short", 5) == 5, "truncated");
	if (fd >= 0)
		close(fd);
	err[0] = 0;
	CHECK(sip_rr_key_load(path, k2, err, sizeof(err)) < 0, "refused");
	CHECK(strstr(err, "not a key") != NULL, "%s", err);
	CHECK(!stat(path, &st) && st.st_size == 5, "kept");
	unlink(path);
	rmdir(dir);
	CASE_END();
}

int main(void)
{
	t_sign();
	t_key_file();
	CHECK_EXIT();
}
