#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_restart.sh - a call survives a SIGKILL of the daemon. A call
# carrier -> relay -> sbc is answered, RTP streams both ways through XDP,
# and rtpedged is killed (SIGKILL) and started again mid-call: not one
# packet may be lost. The caller's BYE, sent after the restart, finds the
# call with no dialog state in memory (its media sessions ride in the
# proxy's Record-Route, now the BYE's Route), reaches the callee, and ends
# the sessions: every port is free again. Before it, BYEs with a forged
# Route (its parameters edited, or copied into another Call-ID) are refused
# with 403 and counted, the call's session untouched: the parameters are
# signed with a key that survived the restart. Then a second call is
# answered, its media never flows, and the daemon is killed again: the
# call's dialog was in the state file with its session, so its media
# timeout after the restart sends a BYE to both ends.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

N=3500 # packets each way at 1000/s; the daemon dies at ~1.5 s

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
E2E_METRICS=127.0.0.1:9464 # the relay namespace's own loopback
mapfile -t CONF < <(sip_conf)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }
FREE0=$(ctl --json status | jq -r .ports_free)

uas_sbc uas uas_basic.xml
sleep 0.3
uac_carrier uac uac_basic.xml -s +15557654321 -d 9000

case_begin "the call is answered, its media anchored"
wait_sessions 1 || why_add "no answered session: $(ctl --json session list | head -c 300)"
session_legs ID LA LB
case_end
[ -n "$ID" ] && [ "$ID" != null ] || exit 1

call_then_kill "$LA" "$LB" "$N"
sleep 1
start_daemon auto "${CONF[@]}" || fail "restart" "the daemon did not come back"
probe_wait c
probe_wait s

case_begin "SIGKILL mid-call: zero packets lost, both ways, legs still in XDP"
check_call_intact "$N"
check_eq "session kept" "$(ctl --json session show "$ID" | jq -r .id)" "$ID"
check_eq "leg A path" "$(leg_field "$ID" 0 path)" xdp
check_eq "leg B path" "$(leg_field "$ID" 1 path)" xdp
case_end
[ -n "$E2E_WHY" ] && { echo "c: $(probe_summary c)" >&2; echo "s: $(probe_summary s)" >&2; }

# The caller's Route entry, as the 200 gave it (Record-Route).
RR_A=$(grep -o '<sip:198\.18\.1\.1:5060;[^>]*>' "$T/uac.msg" | head -n 1)
NID=${ID#s-}
CID=$(grep -m 1 -o '^Call-ID: .*' "$T/uac.msg" | cut -d' ' -f2 | tr -d '\r')
case_begin "forged Routes after the restart: 403, counted, the call's session untouched"
check_match "the Record-Route is signed" "$RR_A" ";rtpe=$NID;.*;rh=[0-9a-f]{32}>$"
check_eq "its parameters edited (403)" \
	"$(sip_bye_from_carrier "$CID" "${RR_A/;rtpe=$NID;/;rtpe=$NID.0;}")" "SIP/2.0 403 Forbidden"
check_eq "copied into another Call-ID (403)" \
	"$(sip_bye_from_carrier "forged-$CID" "$RR_A")" "SIP/2.0 403 Forbidden"
check_eq "counted" "$(ctl --json stats | jq -r '.sip.rejected.route_signature')" 2
check_eq "rtpedge_sip_rejected_total" \
	"$(metric 'rtpedge_sip_rejected_total{reason="route_signature"}')" 2
check_eq "not counted as a stranger's" "$(ctl --json stats | jq -r '.sip.forbidden')" 0
check_eq "session kept" "$(ctl --json session show "$ID" | jq -r .id)" "$ID"
check_eq "no call rebuilt" "$(ctl --json calls | jq '.calls | length')" 0
check_match "logged" "$(cat "$T/daemon.log")" "BYE forged-.*: its Route's signature does not verify \(403\)"
case_end

case_begin "the BYE after the restart is routed by its Route, ends the call and frees its ports"
sipp_wait uac || why_add "caller: $(sipp_why uac)"
sipp_wait uas || why_add "callee: $(sipp_why uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
check_match "the daemon found the call by its Route" "$(cat "$T/daemon.log")" \
	"call .* restored from its Route: sessions $ID"
case_end

# A second call, answered, its media never flowing: the daemon is killed
# once the state file holds the call's dialog, and comes back with
# session_timeout = 2. The proxy knows no dialog in memory; the session's
# timeout reads it back from what the session kept and sends BYE both ways.
uas_sbc to_uas uas_basic.xml
sleep 0.3
uac_carrier to_uac uac_waitbye.xml -s +15557654321
case_begin "a call's dialog in the state file: after SIGKILL, its media timeout sends BYE both ways"
wait_sessions 1 || why_add "no answered session: $(ctl --json session list | head -c 300)"
session_legs ID2 LA2 LB2
DLG="\"id\":${ID2#s-},\"created_unix_ms\":[0-9]+,\"hold\":false,\"sip\":\"v 1\\\\ncall-id "
for _ in $(seq 50); do # the ACK reached the callee, the file caught up
	grep -q '^ACK sip:' "$T/to_uas.msg" 2>/dev/null && grep -Eq "$DLG" "$T/state.json" && break
	sleep 0.1
done
check_match "the state file holds the dialog" "$(cat "$T/state.json")" "$DLG"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
start_daemon auto "session_timeout = 2" "${CONF[@]}" || fail "restart" "the daemon did not come back"
sipp_wait to_uac || why_add "caller: $(sipp_why to_uac)"
sipp_wait to_uas || why_add "callee: $(sipp_why to_uas)"
check_match "the caller got a BYE" "$(cat "$T/to_uac.log" 2>/dev/null)" " bye"
check_match "the callee got a BYE" "$(cat "$T/to_uas.msg" 2>/dev/null)" "^BYE sip:"
check_match "the daemon read the dialog back" "$(cat "$T/daemon.log")" \
	"its dialog read back from what session $ID2 kept"
check_match "and says why" "$(cat "$T/daemon.log")" "media timed out: BYE both ways"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
check_eq "counted" "$(ctl --json stats | jq -r '.sip.calls_ended.media_timeout')" 1
case_end
