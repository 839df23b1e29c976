#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_load.sh - 100 concurrent calls through the SIP proxy, carrier ->
# relay -> sbc: all answered, 100 calls listed, RTP both ways through every
# one of the 100 sessions (rtpfan.py at both ends: K packets per stream,
# each from its own leg, with its own SSRC), every leg on the XDP path;
# then every BYE ends its call and every port is free again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

CALLS=100
K=50 # RTP packets per stream and direction
FAN=$E2E_ROOT/tests/tools/rtpfan.py
NO_PCAP='s|<exec play_pcap_audio=[^>]*/>|<log message="[call_id] media from the test"/>|'

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
E2E_METRICS=127.0.0.1:9464
mapfile -t CONF < <(sip_conf)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }
FREE0=$(ctl --json status | jq -r .ports_free)

SIPP_SED=$NO_PCAP uas_sbc uas uas_basic.xml -m "$CALLS"
sleep 0.3
SIPP_SED=$NO_PCAP uac_carrier uac uac_basic.xml -s +15557654321 -d 12000 -m "$CALLS" \
	-l "$CALLS" -r 50 -rp 1000

case_begin "$CALLS concurrent calls answered, each with its media session"
wait_sessions "$CALLS" 30 || why_add "answered sessions: $(ctl --json session list | jq '.sessions | length')"
check_eq "calls" "$(ctl --json calls | jq '[.calls[] | select(.state == "confirmed")] | length')" "$CALLS"
check_eq "rtpedge_calls_active" "$(metric rtpedge_calls_active)" "$CALLS"
case_end

j=$(ctl --json session list)
LAS=$(jq -r '[.sessions[].legs[0].local] | join(",")' <<<"$j")
LBS=$(jq -r '[.sessions[].legs[1].local] | join(",")' <<<"$j")
X0=$(xdp_forwarded)
ip netns exec "$RTPE_NS_CARRIER" python3 "$FAN" --bind 198.18.1.2:5004 --to "$LAS" --from "$LAS" \
	--ssrc c0000000 --peer-ssrc 5bc00000 --count "$K" >"$T/fan_c.json" 2>&1 &
PROBE_PID[fan_c]=$!
ip netns exec "$RTPE_NS_SBC" python3 "$FAN" --bind 198.18.2.2:6004 --to "$LBS" --from "$LBS" \
	--ssrc 5bc00000 --peer-ssrc c0000000 --count "$K" >"$T/fan_s.json" 2>&1 &
PROBE_PID[fan_s]=$!
probe_wait fan_c
probe_wait fan_s

case_begin "RTP both ways through all $CALLS calls: every stream whole, from its own leg"
for f in fan_c fan_s; do
	check_eq "$f exit" "$(cat "$T/$f.rc")" 0
	check_eq "$f streams" "$(jq -r .streams "$T/$f.json" 2>/dev/null)" "$CALLS"
	check_eq "$f fewest packets of a stream" "$(jq -r .min_per_stream "$T/$f.json" 2>/dev/null)" "$K"
	check_eq "$f bad" "$(jq -r .bad "$T/$f.json" 2>/dev/null)" 0
done
case_end
[ -n "$E2E_WHY" ] && echo "fan_c: $(cat "$T/fan_c.json") fan_s: $(cat "$T/fan_s.json")" >&2

case_begin "all $((2 * CALLS)) legs on the XDP path, XDP relayed the media"
check_eq "legs not on xdp" "$(ctl --json session list | jq '[.sessions[].legs[] | select(.path != "xdp")] | length')" 0
# the first packet of each leg confirms it in the daemon
check_ge "packets XDP relayed" $(($(xdp_forwarded) - X0)) $((2 * CALLS * K - 2 * CALLS))
case_end

case_begin "every BYE ends its call: no session, no call, every port free"
sipp_wait uac || why_add "callers: $(sipp_why uac)"
sipp_wait uas || why_add "callees: $(sipp_why uas)"
wait_no_sessions 20 || why_add "sessions left: $(ctl --json session list | jq '.sessions | length')"
check_eq "calls" "$(ctl --json calls | jq '.calls | length')" 0
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
check_eq "rtpedge_calls_total answered" "$(metric 'rtpedge_calls_total{result="answered"}')" "$CALLS"
check_eq "rtpedge_calls_active" "$(metric rtpedge_calls_active)" 0
case_end
