#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_auth.sh - digest credentials at the edge: the SBC answers a new
# call's INVITE with 407; with auth_user/auth_password_file on the region
# the proxy answers the challenge itself (the test checks its digest
# response) and sends the INVITE again with CSeq + 1; the caller sees one
# call, answered, its ACK and BYE reach the callee with CSeq + 1 and the
# BYE's 200 comes back with the caller's own number; the password is in no
# log or CLI output; without credentials the 407 goes to the caller. The
# proxy listens on 0.0.0.0 (sip_conf): the INVITE's top Via and
# Record-Route towards the SBC name its SBC-side address (198.18.2.1), not
# the carrier-side one. A call whose media stops (session_timeout = 2)
# after a digest retry gets the proxy's own BYE with the callee's CSeq
# numbering (3 after the INVITE's 2), which the callee checks. A challenge
# with algorithm=SHA-256 (RFC 8760), alone or beside an MD5 one, is
# answered with SHA-256 (the test checks the response, RFC 7616).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
printf 's3cret-pw\n' >"$T/sbc.pw"
chmod 600 "$T/sbc.pw"
mapfile -t CONF < <(sip_conf udp udp | sed '/^\[region lab\]/a auth_user = edgeuser\nauth_password_file = '"$T/sbc.pw")
start_daemon auto "session_timeout = 2" "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }

# digest_check HEADER ALGORITHM: "ok" when the Proxy-Authorization HEADER
# answers the scenario's challenge (user edgeuser, realm lab.example, its
# fixed nonce, qop=auth) with ALGORITHM (MD5 or SHA-256, RFC 7616) and
# says so, else what is wrong.
digest_check() {
	python3 - "$1" "$2" <<'PY'
import hashlib, re, sys
f = {k: v.strip() for k, v in re.findall(r'(\w+)="?([^",]*)"?', sys.argv[1].split("Digest ", 1)[1])}
alg = sys.argv[2]
h = lambda s: hashlib.new(alg.replace("-", "").lower(), s.encode()).hexdigest()
assert f["username"] == "edgeuser" and f["realm"] == "lab.example" and f["nonce"] == "4f1x3dn0nc3"
assert f.get("algorithm", "MD5") == alg and f["qop"] == "auth" and f["nc"] == "00000001"
h1 = h("edgeuser:lab.example:s3cret-pw")
h2 = h("INVITE:" + f["uri"])
want = h(":".join([h1, f["nonce"], f["nc"], f["cnonce"], f["qop"], h2]))
print("ok" if want == f["response"] else "got %s want %s" % (f["response"], want))
PY
}

case_begin "407 from the SBC answered by the edge; the caller sees one answered call"
uas_sbc au_uas uas_auth.xml
sleep 0.3
uac_carrier au_uac uac_basic.xml -s +15557654321 -d 300
sipp_wait au_uac || why_add "caller: $(sipp_why au_uac)"
sipp_wait au_uas || why_add "callee: $(sipp_why au_uas)"
log=$(cat "$T/au_uas.log" 2>/dev/null)
pa=$(grep -o 'auth Proxy-Authorization: Digest .*' <<<"$log" | head -1)
check_eq "the response is right (RFC 2617 MD5, qop=auth)" "$(digest_check "$pa" MD5)" ok
check_match "the second INVITE has CSeq 2" "$log" "cseq INVITE CSeq: 2$"
check_match "its top Via and Record-Route name the SBC side" "$log" " via 198\.18\.2\.1 rr 198\.18\.2\.1$"
check_match "the ACK has CSeq 2" "$log" "cseq ACK CSeq: 2$"
check_match "the BYE has CSeq 3" "$log" "cseq BYE CSeq: 3$"
nopw() { ! grep -rq "s3cret-pw" "$T/daemon.log" "$T"/*.out; }
check "the password is in no log" nopw
check_match "the log names the user and MD5" "$(cat "$T/daemon.log")" \
	"407 answered with the credentials of user edgeuser \(MD5\)"
case_end

case_begin "the caller saw no 407, and its own CSeq numbers"
msg=$(cat "$T/au_uac.msg" 2>/dev/null)
no407() { ! grep -q "SIP/2.0 407" "$T/au_uac.msg"; }
check "no 407 reached the caller" no407
check_match "the BYE's 200 has the caller's CSeq" "$msg" "^CSeq: 2 BYE"
out=$(ctl regions; ctl --json calls; ctl --json regions)
check_eq "CLI output without the password" "$(grep -c s3cret-pw <<<"$out")" 0
wait_no_sessions 5 || why_add "sessions left"
case_end

case_begin "media timeout after a digest retry: the proxy's BYE to the callee has its CSeq + 1"
uas_sbc mt_uas uas_auth.xml
sleep 0.3
uac_carrier mt_uac uac_waitbye.xml -s +15557654321
sipp_wait mt_uac || why_add "caller: $(sipp_why mt_uac)"
sipp_wait mt_uas || why_add "callee: $(sipp_why mt_uas)"
log=$(cat "$T/mt_uas.log" 2>/dev/null)
check_match "the callee's BYE has CSeq 3" "$log" "cseq BYE CSeq: 3$"
check_match "the caller got a BYE" "$(cat "$T/mt_uac.log" 2>/dev/null)" " bye"
check_match "the daemon says why" "$(cat "$T/daemon.log")" "media timed out: BYE both ways"
wait_no_sessions 5 || why_add "sessions left"
case_end


# The scenario's challenge line as algorithm=SHA-256 (RFC 8760), or as two
# headers, SHA-256 and MD5 (the proxy must take SHA-256), with an opaque.
CH='Proxy-Authenticate: Digest realm="lab.example", nonce="4f1x3dn0nc3", algorithm=MD5, qop="auth"'
SHA_CH=${CH/algorithm=MD5/algorithm=SHA-256}
for offer in sha256 both; do
	case $offer in
	sha256) what="a SHA-256 challenge"; sed_ch="s/^ *$CH\$/      $SHA_CH/" ;;
	both) what="SHA-256 and MD5 challenges"
		sed_ch="s/^ *$CH\$/      ${SHA_CH}, opaque=\"0p4qu3\"\n      $CH/" ;;
	esac
	case_begin "$what (RFC 8760) answered by the edge with SHA-256"
	SIPP_SED=$sed_ch uas_sbc ${offer}_uas uas_auth.xml
	sleep 0.3
	uac_carrier ${offer}_uac uac_basic.xml -s +15557654321 -d 300
	sipp_wait ${offer}_uac || why_add "caller: $(sipp_why ${offer}_uac)"
	sipp_wait ${offer}_uas || why_add "callee: $(sipp_why ${offer}_uas)"
	check_match "the challenge sent is the case's" "$(cat "$T/${offer}_uas.msg" 2>/dev/null)" \
		"algorithm=SHA-256, qop=\"auth\""
	pa=$(grep -o 'auth Proxy-Authorization: Digest .*' "$T/${offer}_uas.log" 2>/dev/null | head -1)
	check_eq "the response is right (RFC 7616 SHA-256, qop=auth)" "$(digest_check "$pa" SHA-256 2>&1)" ok
	if [ "$offer" = both ]; then
		check_match "the MD5 one was offered too" "$(cat "$T/${offer}_uas.msg")" "algorithm=MD5"
		check_match "the opaque is echoed" "$pa" 'opaque="0p4qu3"'
	fi
	check_match "the second INVITE has CSeq 2" "$(cat "$T/${offer}_uas.log" 2>/dev/null)" "cseq INVITE CSeq: 2$"
	no407() { ! grep -q "SIP/2.0 407" "$T/${offer}_uac.msg"; }
	check "no 407 reached the caller" no407
	check "the password is in no log" nopw
	check_match "the log names the algorithm" "$(cat "$T/daemon.log")" \
		"407 answered with the credentials of user edgeuser \(SHA-256\)"
	wait_no_sessions 5 || why_add "sessions left"
	case_end
done

stop_daemon
mapfile -t CONF < <(sip_conf udp udp)
start_daemon auto "${CONF[@]}" || { fail "daemon restart" "without credentials"; exit 1; }

case_begin "without credentials the 407 goes to the caller"
SIPP_SED="s/\[status\] \[phrase\]/407 Proxy Authentication Required/" uas_sbc pt_uas uas_reject.xml
sleep 0.3
uac_carrier pt_uac uac_rejected.xml -s +15557654321 -key max_forwards 70
sipp_wait pt_uac || why_add "caller: $(sipp_why pt_uac)"
sipp_wait pt_uas || why_add "callee: $(sipp_why pt_uas)"
check_match "the caller got it" "$(cat "$T/pt_uac.log" 2>/dev/null)" "refused 407"
wait_no_sessions 5 || why_add "sessions left"
case_end
