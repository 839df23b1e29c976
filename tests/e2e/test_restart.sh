#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_restart.sh - media survives the daemon. RTP streams through XDP both
# ways while rtpedged is killed with SIGKILL and started again: not one
# packet may be lost, the session must still be listed with its counters
# (which keep growing: they live in the pinned maps), and it must still time
# out once media stops. Then a SIGTERM stop and start (an upgrade) keeps the
# session too, and `shutdown --remove` leaves nothing behind: no XDP on the
# devices, no pins, no state file.
. "$(dirname "$0")/lib.sh"

N=6000 # packets each way at 1000/s: 6 s of media, the daemon dies at ~1.5 s
TIMEOUT=3

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up
start_daemon auto "session_timeout = $TIMEOUT" || { fail "daemon start" "see log"; exit 1; }

session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
CREATED0=$(jq -r .created_s "$T/add.json")

call_then_kill "$LA" "$LB" "$N"
KILLED_AT=$(date +%s.%N)
sleep 1
start_daemon auto "session_timeout = $TIMEOUT" || fail "restart" "the daemon did not come back"
BACK_AT=$(date +%s.%N)
ctl --json session show "$ID" >"$T/mid.json"
probe_wait c
probe_wait s
ctl --json session show "$ID" >"$T/after.json"

case_begin "SIGKILL mid-call: zero packets lost, both ways"
check_call_intact "$N"
check_ge "daemon was down (ms)" "$(echo "($BACK_AT - $KILLED_AT) * 1000 / 1" | bc)" 900
case_end
[ -n "$E2E_WHY" ] && { echo "c: $(probe_summary c)" >&2; echo "s: $(probe_summary s)" >&2; }

case_begin "after the restart: the same session, its legs in XDP, counters continued"
check_eq "id" "$(jq -r .id "$T/mid.json")" "$ID"
check_eq "leg A local" "$(jq -r '.legs[0].local' "$T/mid.json")" "$LA"
check_eq "leg B peer" "$(jq -r '.legs[1].peer' "$T/mid.json")" 198.18.2.2:6004
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/mid.json")" xdp
check_eq "leg A packets" "$(jq -r '.legs[0].packets' "$T/after.json")" "$N"
check_eq "leg B packets" "$(jq -r '.legs[1].packets' "$T/after.json")" "$N"
check_ge "age kept across the restart" "$(jq -r .created_s "$T/after.json")" $((CREATED0 + 5))
check_match "log says it took over" "$(cat "$T/daemon.log")" "took over the pinned XDP link"
case_end

case_begin "the restored session still times out ($TIMEOUT s) once media stops"
for _ in $(seq $((TIMEOUT * 10 + 30))); do
	ctl session show "$ID" >/dev/null 2>&1 || break
	sleep 0.1
done
check "session gone" bash -c "! $B/rtpedgectl -s $SOCK session show $ID"
check_eq "sessions" "$(ctl --json status | jq -r .sessions)" 0
check_eq "ports all free" "$(ctl --json status | jq -r .ports_free)" 1000
check_match "log says why" "$(cat "$T/daemon.log")" "session $ID: no media for [0-9]+ s \\(session_timeout"
case_end

# An upgrade: SIGTERM, start again; the session must be taken over.
ctl --json session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 >"$T/add2.json"
ID2=$(jq -r .id "$T/add2.json")
LA2=$(jq -r '.legs[0].local' "$T/add2.json")
probe_run p1 "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA2" --count 50 --rate 500 \
	--expect 0 --timeout 100
stop_daemon
STOP_RC=$?
start_daemon auto "session_timeout = $TIMEOUT" || fail "restart after SIGTERM" "did not come back"
case_begin "SIGTERM stops cleanly and the next start takes the session over"
check_eq "exit status" "$STOP_RC" 0
check_eq "session kept" "$(ctl --json session show "$ID2" | jq -r .id)" "$ID2"
check_eq "leg A packets kept" "$(ctl --json session show "$ID2" | jq -r '.legs[0].packets')" 50
case_end

shutdown_remove
case_begin "shutdown --remove leaves nothing: no XDP, no pins, no state file"
check_eq "r0 xdp" "$(ip -n "$RTPE_NS_RELAY" -d link show dev r0 | grep -c 'prog/xdp')" 0
check_eq "r1 xdp" "$(ip -n "$RTPE_NS_RELAY" -d link show dev r1 | grep -c 'prog/xdp')" 0
check "pin dir gone" test ! -e "$RTPE_BPFFS/e2e"
check "state file gone" test ! -e "$T/state.json"
case_end
