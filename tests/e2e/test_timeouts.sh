#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_timeouts.sh - sessions without media go away, sessions with media
# stay. session_timeout = 2, hold_timeout = 6: a session that never carries
# media is removed after ~2 s and its ports are freed; one carried in XDP
# for 5 s (longer than the timeout: its last-seen comes from the maps, the
# daemon sees none of its packets) stays, then goes ~2 s after its media
# stops; one on hold survives 4 s of silence and goes at ~6 s.
. "$(dirname "$0")/lib.sh"

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up
start_daemon auto "session_timeout = 2" "hold_timeout = 6" "learning_window = 1" ||
	{ fail "daemon start" "see log"; exit 1; }
FREE0=$(ctl --json status | jq -r .ports_free)

# gone_within ID SECONDS: polls until the session is gone; prints the
# seconds it took (or "still there").
gone_within() {
	local t0 i
	t0=$(date +%s%N)
	for i in $(seq $(($2 * 10))); do
		if ! ctl session show "$1" >/dev/null 2>&1; then
			echo $((($(date +%s%N) - t0) / 1000000))
			return 0
		fi
		sleep 0.1
	done
	echo "still there"
}

ctl --json session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 >"$T/idle.json"
IDLE=$(jq -r .id "$T/idle.json")
case_begin "a session without media is removed after session_timeout, ports freed"
check_eq "ports taken" "$(ctl --json status | jq -r .ports_free)" $((FREE0 - 2))
MS=$(gone_within "$IDLE" 5)
check_match "gone" "$MS" '^[0-9]+$'
[[ $MS =~ ^[0-9]+$ ]] && check_ge "not before ~2 s (ms)" "$MS" 1000
check_eq "ports back" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
check_match "log" "$(cat "$T/daemon.log")" "session $IDLE: no media for 2 s \\(session_timeout 2 s\\)"
case_end

ctl --json session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 >"$T/live.json"
LIVE=$(jq -r .id "$T/live.json")
LA=$(jq -r '.legs[0].local' "$T/live.json")
IN0=$(snmp_udp InDatagrams)
probe_run live "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count 250 --rate 50 \
	--expect 0 --timeout 100
case_begin "media in XDP keeps a session alive past session_timeout"
check_eq "still there after 5 s of media" "$(ctl --json session show "$LIVE" | jq -r .id)" "$LIVE"
check_eq "leg A path" "$(ctl --json session show "$LIVE" | jq -r '.legs[0].path')" xdp
check_ge "daemon saw at most the learning packet" $((1 - ($(snmp_udp InDatagrams) - IN0))) 0
MS=$(gone_within "$LIVE" 5)
check_match "gone after media stopped" "$MS" '^[0-9]+$'
case_end

ctl --json session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 >"$T/hold.json"
HOLD=$(jq -r .id "$T/hold.json")
ctl session hold "$HOLD" on >/dev/null
case_begin "a session on hold gets hold_timeout"
check_eq "hold shown" "$(ctl --json session show "$HOLD" | jq -r .hold)" true
sleep 4
check_eq "still there after 4 s" "$(ctl --json session show "$HOLD" | jq -r .id)" "$HOLD"
MS=$(gone_within "$HOLD" 5)
check_match "gone by ~6 s" "$MS" '^[0-9]+$'
check_match "log" "$(cat "$T/daemon.log")" "session $HOLD: no media for 6 s \\(hold_timeout 6 s\\)"
case_end

case_begin "session hold: bad arguments refused"
OUT=$(ctl session hold "$HOLD" maybe 2>&1)
check_eq "exit" "$?" 1
check_match "message" "$OUT" "must be on or off"
OUT=$(ctl session hold s-999 on 2>&1)
check_eq "unknown id exit" "$?" 1
check_match "unknown id message" "$OUT" "no session s-999"
case_end
