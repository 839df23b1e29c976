#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_flows.sh - the call flows beyond a plain call, through the SIP
# proxy carrier -> relay -> sbc: a re-INVITE puts the call on hold
# (sendonly; the media session's hold flag follows) and resumes it; a
# re-INVITE moves the caller's media to another port with another codec
# (the leg follows, media flows again in XDP); a late offer (INVITE without SDP, offer in the 200, answer in the ACK)
# relays media; a 183 with SDP gives early media before the 200; reliable
# provisional responses (PRACK) and an UPDATE with SDP in the early dialog;
# a callee side that forks (reliable 183s with SDP from two To tags, each
# with its own port, the 200 without SDP from either): the answerer's peer
# follows the fork that answers, media both ways to its port;
# a REFER relayed in the dialog and the callee's NOTIFY back; and the
# headers the platforms add (X-..., Authorization) reach the far side
# untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
mapfile -t CONF < <(sip_conf)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }
FREE0=$(ctl --json status | jq -r .ports_free)

check_freed() {
	wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
	check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
}

# both_done NAME: both sipp of call NAME ended well (checks of the case).
both_done() {
	sipp_wait "$1_uac" || why_add "caller: $(sipp_why "$1_uac")"
	sipp_wait "$1_uas" || why_add "callee: $(sipp_why "$1_uas")"
}

# wait_hold ID true|false: until session ID's hold flag says so (8 s).
wait_hold() {
	for _ in $(seq 80); do
		[ "$(ctl --json session show "$1" | jq -r .hold)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# media_ok NAME ID N [CARRIER_PORT [SBC_PORT]]: RTP both ways through
# session ID (leg A: the carrier's, from 198.18.1.2:CARRIER_PORT, default
# 5004; leg B: from 198.18.2.2:SBC_PORT, default 6004), N packets each way,
# all arrive (checks of the current case).
media_ok() {
	local j la lb
	j=$(ctl --json session show "$2")
	la=$(jq -r '.legs[0].local' <<<"$j")
	lb=$(jq -r '.legs[1].local' <<<"$j")
	probe_bg "$1_c" "$RTPE_NS_CARRIER" --bind "198.18.1.2:${4:-5004}" --to "$la" --count "$3" \
		--rate 1000 --expect "$3" --expect-from "$la" --timeout 2000 --delay 200
	probe_bg "$1_s" "$RTPE_NS_SBC" --bind "198.18.2.2:${5:-6004}" --to "$lb" --count "$3" \
		--rate 1000 --expect "$3" --expect-from "$lb" --timeout 2000 --delay 200
	probe_wait "$1_c"
	probe_wait "$1_s"
	check_eq "carrier received" "$(pj "$1_c" received)" "$3"
	check_eq "sbc received" "$(pj "$1_s" received)" "$3"
	check_eq "bad source" "$(($(pj "$1_c" bad_source) + $(pj "$1_s" bad_source)))" 0
}

case_begin "re-INVITE hold (sendonly) and resume (sendrecv): the session's hold flag follows"
uas_sbc hold_uas uas_reinvite_hold.xml
sleep 0.3
uac_carrier hold_uac uac_reinvite_hold.xml -s +15557654321 -d 1000
wait_sessions 1 || why_add "no answered session"
session_legs ID LA LB
wait_hold "$ID" true || why_add "hold flag never set"
wait_hold "$ID" false || why_add "hold flag never cleared"
both_done hold
log=$(cat "$T/hold_uac.log" 2>/dev/null)
check_match "hold answer through the relay" "$log" "hold-answer c=${LA%:*} m=${LA##*:} a=(recvonly|inactive)"
check_match "resume answer through the relay" "$log" "resume-answer c=${LA%:*} m=${LA##*:} a=sendrecv"
check_freed
case_end

case_begin "re-INVITE to a new port with a new codec: the leg follows, media both ways again"
uas_sbc mv_uas uas_reinvite_any.xml
sleep 0.3
uac_carrier mv_uac uac_reinvite_move.xml -s +15557654321 -key rtp_port2 5008 -d 2500
wait_sessions 1 || why_add "no answered session"
session_legs ID LA LB
media_ok mv1 "$ID" 300
for _ in $(seq 60); do
	[ "$(leg_field "$ID" 0 peer)" = 198.18.1.2:5008 ] && break
	sleep 0.1
done
check_eq "leg A's new peer" "$(leg_field "$ID" 0 peer)" 198.18.1.2:5008
media_ok mv2 "$ID" 300 5008
check_eq "leg A path" "$(leg_field "$ID" 0 path)" xdp
both_done mv
check_match "the callee got the new offer from the relay, PCMA only" \
	"$(cat "$T/mv_uas.log" 2>/dev/null)" "reoffer c=${LB%:*} m=${LB##*:} RTP/AVP 8 101"
check_match "the caller's answer through the relay" "$(cat "$T/mv_uac.log" 2>/dev/null)" \
	"move-answer c=${LA%:*} m=${LA##*:}"
check_freed
case_end

case_begin "late offer: the 200's offer and the ACK's answer anchored, media both ways"
uas_sbc late_uas uas_late_offer.xml
sleep 0.3
uac_carrier late_uac uac_late_offer.xml -s +15557654321 -d 3000
wait_sessions 1 || why_add "no session with both peers after the ACK"
session_legs ID LA LB
check_match "the caller got the offer from the relay" "$(cat "$T/late_uac.log" 2>/dev/null)" \
	"offer c=${LA%:*} m=${LA##*:}"
media_ok late "$ID" 500
both_done late
check_match "the callee got the answer from the relay" "$(cat "$T/late_uas.log" 2>/dev/null)" \
	"answer c=${LB%:*} m=${LB##*:}"
check_freed
case_end

case_begin "183 with SDP: early media both ways before the 200"
uas_sbc early_uas uas_183_early.xml
sleep 0.3
uac_carrier early_uac uac_183_early.xml -s +15557654321 -d 500
wait_sessions 1 5 || why_add "no session with both peers after the 183"
session_legs ID LA LB
check_eq "call state" "$(ctl --json calls | jq -r '.calls[0].state')" early
media_ok early "$ID" 300
check_eq "still early" "$(ctl --json calls | jq -r '.calls[0].state')" early
both_done early
check_match "early answer through the relay" "$(cat "$T/early_uac.log" 2>/dev/null)" \
	"early-answer c=${LA%:*} m=${LA##*:}"
check_freed
case_end

case_begin "PRACK and an UPDATE with SDP in the early dialog"
uas_sbc prack_uas uas_prack.xml
sleep 0.3
uac_carrier prack_uac uac_prack.xml -s +15557654321 -d 500
both_done prack
log=$(cat "$T/prack_uac.log" 2>/dev/null)
check_match "update answer through the relay" "$log" "update-answer c=198\.18\.1\.1 "
check_eq "PRACK counted" "$(ctl --json stats | jq -r .sip.requests.PRACK)" 1
check_eq "UPDATE counted" "$(ctl --json stats | jq -r .sip.requests.UPDATE)" 1
check_freed
case_end

# fork_case ANSWER PORT: the forked callee (fork FA's SDP names 6004, FB's
# 6008), the 200 from fork ANSWER (FA or FB), whose port is PORT.
fork_case() {
	local sed='s/\[media_port+2\]/6008/' state
	[ "$1" = FA ] && sed="$sed;/SIP\/2.0 200 OK/,/]]>/{s/SIPpTagFB/SIPpTagFA/;s/uas-fb/uas-fa/}"
	case_begin "forked 183s (FA: 6004, FB: 6008), the 200 without SDP from $1: its port gets the media"
	SIPP_SED=$sed uas_sbc "fork$1_uas" uas_fork.xml
	sleep 0.3
	uac_carrier "fork$1_uac" uac_fork.xml -s +15557654321 -d 3000
	for _ in $(seq 80); do
		state=$(ctl --json calls | jq -r '.calls[0].state')
		[ "$state" = confirmed ] && break
		sleep 0.1
	done
	check_eq "call state" "$state" confirmed
	session_legs ID LA LB
	check_eq "leg B's peer: fork $1" "$(leg_field "$ID" 1 peer)" "198.18.2.2:$2"
	media_ok "fork$1" "$ID" 300 5004 "$2"
	both_done "fork$1"
	log=$(cat "$T/fork$1_uac.log" 2>/dev/null)
	check_match "both forks' early answers through the relay" "$log" \
		"early-answer FA c=${LA%:*} m=${LA##*:}.*"$'\n'".*early-answer FB c=${LA%:*} m=${LA##*:}"
	check_match "answered by $1" "$log" "answer $1"
	check_match "the proxy followed fork $1" "$(cat "$T/daemon.log")" \
		"the 2xx comes from fork [0-9]+SIPpTag$1[0-9]* of 2"
	check_freed
	case_end
}
fork_case FA 6004
fork_case FB 6008

case_begin "REFER relayed in the dialog, the NOTIFY back to the caller"
uas_sbc refer_uas uas_refer.xml
sleep 0.3
uac_carrier refer_uac uac_refer.xml -s +15557654321
both_done refer
check_match "the callee got the REFER" "$(cat "$T/refer_uas.msg" 2>/dev/null)" "^REFER sip:"
check_match "Refer-To untouched" "$(cat "$T/refer_uas.msg" 2>/dev/null)" "Refer-To: <?sip:\+14155550199@"
check_match "the caller got the NOTIFY" "$(cat "$T/refer_uac.msg" 2>/dev/null)" "^NOTIFY sip:"
check_freed
case_end

case_begin "X- headers, Authorization and the E.164 user reach the callee untouched"
HDRS='X-Vapi-Call-Id: 7c4b1e2a-9d3f-4c1e-b8a0-2f6d5e4c3b2a\r\nX-Customer: acme;tier=gold\r\nAuthorization: Digest username="pbx", realm="sip.vapi.ai", nonce="4f1a", uri="sip:+15557654321@sip.vapi.ai", response="0123456789abcdef0123456789abcdef"\r\nProxy-Authorization: Digest username="pbx", realm="r", nonce="n", uri="sip:x", response="00"'
uas_sbc hdr_uas uas_basic.xml
sleep 0.3
SIPP_SED="s|^\([[:space:]]*\)Subject: uac_basic|&\n\1${HDRS//\\r\\n/\\n\\1}|" \
	uac_carrier hdr_uac uac_basic.xml -s +15557654321 -d 200
both_done hdr
msg=$(cat "$T/hdr_uas.msg" 2>/dev/null)
check_match "INVITE to the E.164 number" "$msg" '^INVITE sip:\+15557654321@198\.18\.2\.2:5060 SIP/2\.0'
# (sipp's trace keeps each line's CR: [[:space:]]*$)
check_match "X-Vapi-Call-Id" "$msg" '^X-Vapi-Call-Id: 7c4b1e2a-9d3f-4c1e-b8a0-2f6d5e4c3b2a[[:space:]]*$'
check_match "X-Customer" "$msg" '^X-Customer: acme;tier=gold[[:space:]]*$'
check_match "Authorization" "$msg" '^Authorization: Digest username="pbx", realm="sip.vapi.ai", nonce="4f1a", uri="sip:\+15557654321@sip.vapi.ai", response="0123456789abcdef0123456789abcdef"[[:space:]]*$'
check_match "Proxy-Authorization" "$msg" '^Proxy-Authorization: Digest username="pbx"'
check_freed
case_end
