#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_restart.sh - a call survives a SIGKILL of the daemon. A call
# carrier -> relay -> sbc is answered, RTP streams both ways through XDP,
# and rtpedged is killed (SIGKILL) and started again mid-call: not one
# packet may be lost. The caller's BYE, sent after the restart, finds the
# call with no dialog state in memory (its media sessions ride in the
# proxy's Record-Route, now the BYE's Route), reaches the callee, and ends
# the sessions: every port is free again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

N=3500 # packets each way at 1000/s; the daemon dies at ~1.5 s

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
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

case_begin "the BYE after the restart is routed by its Route, ends the call and frees its ports"
sipp_wait uac || why_add "caller: $(sipp_why uac)"
sipp_wait uas || why_add "callee: $(sipp_why uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
check_match "the daemon found the call by its Route" "$(cat "$T/daemon.log")" \
	"call .* restored from its Route: sessions $ID"
case_end
