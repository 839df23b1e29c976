#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_register.sh - registered trunks: a REGISTER from the trunk's PBX
# (198.18.1.2:5080, not its configured target 5060) reaches the region's
# registrar with a Path (RFC 3327) naming the relay on the region's side
# and the PBX's received address; a call from the region carrying that
# Path as its Route goes to 198.18.1.2:5080 and is answered, media both
# ways through the relay. Registrations end: the lifetime the registrar's
# 200 gives (the Contact's expires) is in `registrations` (expires_s);
# once it is over the registration is no longer listed and a call on its
# Path is routed by its number, like a call without it (the trunk takes
# only +4930...: 404); a REGISTER with Expires: 0 ends one at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
mapfile -t CONF < <(sip_conf udp udp +4930)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }

# pbx_register CALL_ID EXPIRES: a REGISTER from the PBX (198.18.1.2:5080);
# prints the final status line it got.
pbx_register() {
	ip netns exec "$RTPE_NS_CARRIER" timeout 10 python3 - "$1" "$2" <<'PY'
import socket, sys
cid, exp = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.2", 5080))
s.settimeout(5)
m = ("REGISTER sip:lab.example SIP/2.0\r\n"
     "Via: SIP/2.0/UDP 10.0.0.7:5080;branch=z9hG4bK-" + cid + "\r\n"
     "From: <sip:pbx@lab.example>;tag=r1\r\nTo: <sip:pbx@lab.example>\r\n"
     "Call-ID: " + cid + "@10.0.0.7\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
     "Contact: <sip:pbx@10.0.0.7:5080>\r\nExpires: " + exp + "\r\nContent-Length: 0\r\n\r\n")
s.sendto(m.encode(), ("198.18.1.1", 5060))
while True:
    d = s.recv(4096).decode()
    if not d.startswith("SIP/2.0 1"):
        print(d.split("\r\n")[0])
        break
PY
}

case_begin "REGISTER relayed to the registrar with a Path carrying the PBX's address"
sipp_bg reg_uas "$RTPE_NS_SBC" uas_registrar.xml -i 198.18.2.2 -p 5060 -m 1 -key expires 300
sleep 0.3
reply=$(pbx_register reg-1 300)
check_eq "the PBX got" "$reply" "SIP/2.0 200 OK"
sipp_wait reg_uas || why_add "registrar: $(sipp_why reg_uas)"
path=$(grep -o 'Path: <[^>]*>' "$T/reg_uas.log" 2>/dev/null | head -1)
check_match "the registrar got the Path" "$path" "^Path: <sip:198\.18\.2\.1:5060;lr;rtpe-pbx=198\.18\.1\.2-5080>$"
regs=$(ctl --json registrations)
check_eq "registrations" "$(jq -c '[.registrations[] | [.aor, .trunk, .region, .address, .port]]' <<<"$regs")" \
	'[["sip:pbx@lab.example","carrier","lab","198.18.1.2",5080]]'
check_match "registrations (table)" "$(ctl registrations)" "sip:pbx@lab\.example +carrier +lab +198\.18\.1\.2:5080 .* [45]m[0-9]{2}s$"
exp=$(jq '.registrations[0].expires_s' <<<"$regs")
check "expires_s is the registrar's 300 s (got $exp)" test "$exp" -ge 295 -a "$exp" -le 300
case_end

case_begin "a call from the region with the Path as its Route reaches the PBX at its registered address"
route=${path#Path: }
sipp_bg pbx_uas "$RTPE_NS_CARRIER" uas_basic.xml -i 198.18.1.2 -p 5080 -mi 198.18.1.2 -mp 15004 \
	-key rtp_port 5004 -m 1
sleep 0.3
SIPP_SED="0,/Max-Forwards:/s//Route: [route]\n      Max-Forwards:/" \
	uac_sbc in_uac uac_basic.xml -s +15557654321 -d 300 -key route "$route"
sipp_wait in_uac || why_add "caller: $(sipp_why in_uac)"
sipp_wait pbx_uas || why_add "PBX: $(sipp_why pbx_uas)"
check_match "the PBX got the INVITE without the Path Route" "$(grep -c '^Route:.*rtpe-pbx' "$T/pbx_uas.msg" 2>/dev/null)" "^0$"
wait_no_sessions 5 || why_add "sessions left"
case_end

case_begin "a registration ends after the registrar's lifetime; a call on its Path is routed by its number"
sipp_bg reg2_uas "$RTPE_NS_SBC" uas_registrar.xml -i 198.18.2.2 -p 5060 -m 1 -key expires 2
sleep 0.3
check_eq "the PBX got" "$(pbx_register reg-2 300)" "SIP/2.0 200 OK"
sipp_wait reg2_uas || why_add "registrar: $(sipp_why reg2_uas)"
exp=$(ctl --json registrations | jq '.registrations[0].expires_s')
check "expires_s is the registrar's 2 s (got $exp)" test "$exp" -ge 1 -a "$exp" -le 2
sleep 2.5
check_eq "no longer listed" "$(ctl --json registrations | jq -c .registrations)" "[]"
SIPP_SED="0,/Max-Forwards:/s//Route: [route]\n      Max-Forwards:/" \
	uac_sbc ex_uac uac_rejected.xml -s +15557654321 -key max_forwards 70 -key route "$route"
sipp_wait ex_uac || why_add "caller: $(sipp_why ex_uac)"
check_match "the caller got" "$(cat "$T/ex_uac.log" 2>/dev/null)" "refused 404"
check_match "the log says why" "$(cat "$T/daemon.log")" "its Path names 198\.18\.1\.2:5080, whose registration ended: routed by its number"
wait_no_sessions 5 || why_add "sessions left"
case_end

case_begin "a REGISTER with Expires: 0 ends the registration at once"
sipp_bg reg3_uas "$RTPE_NS_SBC" uas_registrar.xml -i 198.18.2.2 -p 5060 -m 2 -key expires 300
sleep 0.3
check_eq "the PBX got" "$(pbx_register reg-3 300)" "SIP/2.0 200 OK"
check_eq "listed" "$(ctl --json registrations | jq -c '[.registrations[].aor]')" '["sip:pbx@lab.example"]'
check_eq "the PBX got (Expires: 0)" "$(pbx_register reg-4 0)" "SIP/2.0 200 OK"
sipp_wait reg3_uas || why_add "registrar: $(sipp_why reg3_uas)"
check_eq "no longer listed" "$(ctl --json registrations | jq -c .registrations)" "[]"
check_match "the log says so" "$(cat "$T/daemon.log")" "registration of sip:pbx@lab\.example ended \(Expires: 0\)"
case_end
