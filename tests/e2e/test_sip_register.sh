#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_register.sh - registered trunks: a REGISTER from the trunk's PBX
# (198.18.1.2:5080, not its configured target 5060) reaches the region's
# registrar with a Path (RFC 3327) naming the relay on the region's side
# and the PBX's received address; a call from the region carrying that
# Path as its Route goes to 198.18.1.2:5080 and is answered, media both
# ways through the relay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
mapfile -t CONF < <(sip_conf udp udp)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }

case_begin "REGISTER relayed to the registrar with a Path carrying the PBX's address"
sipp_bg reg_uas "$RTPE_NS_SBC" uas_registrar.xml -i 198.18.2.2 -p 5060 -m 1
sleep 0.3
reply=$(ip netns exec "$RTPE_NS_CARRIER" timeout 10 python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.2", 5080))
s.settimeout(5)
m = ("REGISTER sip:lab.example SIP/2.0\r\n"
     "Via: SIP/2.0/UDP 10.0.0.7:5080;branch=z9hG4bK-reg-1\r\n"
     "From: <sip:pbx@lab.example>;tag=r1\r\nTo: <sip:pbx@lab.example>\r\n"
     "Call-ID: reg-1@10.0.0.7\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
     "Contact: <sip:pbx@10.0.0.7:5080>\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n")
s.sendto(m.encode(), ("198.18.1.1", 5060))
while True:
    d = s.recv(4096).decode()
    if not d.startswith("SIP/2.0 1"):
        print(d.split("\r\n")[0])
        break
PY
)
check_eq "the PBX got" "$reply" "SIP/2.0 200 OK"
sipp_wait reg_uas || why_add "registrar: $(sipp_why reg_uas)"
path=$(grep -o 'Path: <[^>]*>' "$T/reg_uas.log" 2>/dev/null | head -1)
check_match "the registrar got the Path" "$path" "^Path: <sip:198\.18\.2\.1:5060;lr;rtpe-pbx=198\.18\.1\.2-5080>$"
regs=$(ctl --json registrations)
check_eq "registrations" "$(jq -c '[.registrations[] | [.aor, .trunk, .region, .address, .port]]' <<<"$regs")" \
	'[["sip:pbx@lab.example","carrier","lab","198.18.1.2",5080]]'
check_match "registrations (table)" "$(ctl registrations)" "sip:pbx@lab\.example +carrier +lab +198\.18\.1\.2:5080"
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
