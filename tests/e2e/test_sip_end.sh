#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_end.sh - every way a call through the SIP proxy ends frees its
# media: CANCEL before the answer (200 for the CANCEL, 487 relayed), the
# callee's failures 486, 404 and 503 relayed to the caller, a BYE from the
# callee (routed by the Record-Route back to the caller), and a call whose
# media stops: after session_timeout the proxy sends a BYE to both ends
# itself. After each, no session is left and every port is free again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
mapfile -t CONF < <(sip_conf)
if ! start_daemon auto "${CONF[@]}"; then
	fail "daemon start" "rtpedged with [sip] did not come up; log above"
	exit 1
fi
FREE0=$(ctl --json status | jq -r .ports_free)

# check_freed: no session left, every port back (checks of the current case).
check_freed() {
	wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
	check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
}

case_begin "CANCEL before the answer: 200 for the CANCEL, 487 relayed, ports freed"
uas_sbc cancel_uas uas_cancel.xml
sleep 0.3
uac_carrier cancel_uac uac_cancel.xml -s +15557654321
sipp_wait cancel_uac || why_add "caller: $(sipp_why cancel_uac)"
sipp_wait cancel_uas || why_add "callee: $(sipp_why cancel_uas)"
check_freed
case_end

for st in "486 Busy Here" "404 Not Found" "503 Service Unavailable"; do
	code=${st%% *}
	case_begin "the callee's $code relayed to the caller, ports freed"
	SIPP_SED="s/\[status\] \[phrase\]/$st/" uas_sbc "r${code}_uas" uas_reject.xml
	sleep 0.3
	uac_carrier "r${code}_uac" uac_rejected.xml -s +15557654321 -key max_forwards 70
	sipp_wait "r${code}_uac" || why_add "caller: $(sipp_why "r${code}_uac")"
	sipp_wait "r${code}_uas" || why_add "callee: $(sipp_why "r${code}_uas")"
	check_match "the caller got" "$(cat "$T/r${code}_uac.log" 2>/dev/null)" "refused $code"
	check_freed
	case_end
done

case_begin "BYE from the callee reaches the caller by the Record-Route, ports freed"
uas_sbc bye_uas uas_bye.xml -d 1000
sleep 0.3
uac_carrier bye_uac uac_waitbye.xml -s +15557654321
sipp_wait bye_uac || why_add "caller: $(sipp_why bye_uac)"
sipp_wait bye_uas || why_add "callee: $(sipp_why bye_uas)"
check_match "the caller got the BYE" "$(cat "$T/bye_uac.log" 2>/dev/null)" " bye"
check_freed
case_end

# A call whose media never flows: session_timeout (2 s) ends it.
stop_daemon
if ! start_daemon auto "session_timeout = 2" "${CONF[@]}"; then
	fail "daemon restart" "rtpedged with session_timeout = 2 did not come up"
	exit 1
fi
case_begin "no media for session_timeout: the proxy sends BYE to both ends, ports freed"
uas_sbc to_uas uas_basic.xml
sleep 0.3
uac_carrier to_uac uac_waitbye.xml -s +15557654321
sipp_wait to_uac || why_add "caller: $(sipp_why to_uac)"
sipp_wait to_uas || why_add "callee: $(sipp_why to_uas)"
check_match "the caller got a BYE" "$(cat "$T/to_uac.log" 2>/dev/null)" " bye"
check_match "the daemon says why" "$(cat "$T/daemon.log")" "media timed out: BYE both ways"
check_freed
case_end
