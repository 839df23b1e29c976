#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_userspace_path.sh - the relay without XDP (xdp_mode off): the same
# session and media as test_xdp_path.sh, relayed by the daemon's sockets.
# Everything must arrive intact from the right address:port, the relay's
# UDP stack must have carried it, legs say "userspace" and count right, and
# a wrong source is dropped and counted in the leg's drops. With two relay
# workers ([relay] workers = 2), sessions are spread over both, each
# relays its sessions' packets intact, and the per-worker counts add up to
# the path's.
. "$(dirname "$0")/lib.sh"

N=2000 # RTP packets each way
NR=200 # RTCP packets each way

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up
if ! start_daemon off "workers = 2"; then
	fail "daemon start" "rtpedged (xdp_mode off) did not come up; log above"
	exit 1
fi

case_begin "status: XDP off on both interfaces, no program attached"
check_eq "interfaces" "$(ctl --json status | jq -r '[.interfaces[].xdp] | join(",")')" off,off
check "r0 has no XDP" bash -c "! ip -n '$RTPE_NS_RELAY' -d link show dev r0 | grep -q 'prog/xdp'"
case_end

FREE0=$(ctl --json status | jq -r .ports_free)
session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004

case_begin "session add: path userspace (or learning) on both legs"
check_match "id" "$ID" '^s-[0-9]+$'
check_match "leg A local" "$LA" '^198\.18\.1\.1:40[0-9]{3}$'
check_match "leg B local" "$LB" '^198\.18\.2\.1:40[0-9]{3}$'
check_match "leg A path" "$(jq -r '.legs[0].path' "$T/add.json")" '^(userspace|learning)$'
check_match "leg B path" "$(jq -r '.legs[1].path' "$T/add.json")" '^(userspace|learning)$'
case_end
[ -n "$ID" ] && [ "$ID" != null ] || exit 1

IN0=$(snmp_udp InDatagrams)
OUT0=$(snmp_udp OutDatagrams)
US0=$(ctl --json stats | jq -r .packets.userspace)

media_both_ways "$LA" "$LB" "$N" "$NR"
check_media "$N" "$NR"

TOTAL=$((2 * (N + NR)))
case_begin "the relay's UDP stack carried it: In/OutDatagrams grew by at least $TOTAL"
check_ge "InDatagrams growth" $(($(snmp_udp InDatagrams) - IN0)) "$TOTAL"
check_ge "OutDatagrams growth" $(($(snmp_udp OutDatagrams) - OUT0)) "$TOTAL"
check_eq "stats packets.userspace growth" $(($(ctl --json stats | jq -r .packets.userspace) - US0)) "$TOTAL"
case_end

ctl --json session show "$ID" >"$T/show.json"
BYTES=$((N * MEDIA_RTP_BYTES + NR * MEDIA_RTCP_BYTES))
case_begin "leg counters: $((N + NR)) packets and $BYTES bytes each, path userspace"
for leg in 0 1; do
	check_eq "leg $leg packets" "$(jq -r ".legs[$leg].packets" "$T/show.json")" $((N + NR))
	check_eq "leg $leg bytes" "$(jq -r ".legs[$leg].bytes" "$T/show.json")" "$BYTES"
	check_eq "leg $leg drops" "$(jq -r ".legs[$leg].drops" "$T/show.json")" 0
	check_eq "leg $leg path" "$(jq -r ".legs[$leg].path" "$T/show.json")" userspace
	check_eq "leg $leg rtp.lost" "$(jq -r ".legs[$leg].rtp.lost" "$T/show.json")" 0
done
check_eq "leg A rtp.ssrc" "$(jq -r '.legs[0].rtp.ssrc' "$T/show.json")" $((0xc0000001))
check_eq "leg B rtp.ssrc" "$(jq -r '.legs[1].rtp.ssrc' "$T/show.json")" $((0x5bc00002))
case_end

for src in "$RTPE_NS_CARRIER 198.18.1.2:5010" "$RTPE_NS_ATTACKER 198.18.3.2:5004"; do
	read -r ns from <<<"$src"
	DROPS0=$(leg_field "$ID" 0 drops)
	PK0=$(leg_field "$ID" 0 packets)
	probe_bg sbc_quiet "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 0 --timeout 1500
	probe_bg wrong "$ns" --bind "$from" --to "$LA" --count 50 --rate 500 --timeout 0 --delay 200
	probe_wait wrong
	probe_wait sbc_quiet
	case_begin "wrong source $from to leg A: dropped, counted in leg drops, never reaches the sbc"
	check_eq "sbc received" "$(pj sbc_quiet received)" 0
	check_eq "leg A drops" $(($(leg_field "$ID" 0 drops) - DROPS0)) 50
	check_eq "leg A packets" "$(leg_field "$ID" 0 packets)" "$PK0"
	case_end
done

ctl session del "$ID" >/dev/null 2>&1
DEL_RC=$?
probe_bg sbc_quiet "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 0 --timeout 1500
probe_bg late "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count 30 --rate 500 \
	--timeout 0 --delay 200
probe_wait late
probe_wait sbc_quiet
case_begin "session del: ports free again, its sockets closed"
check_eq "del exit" "$DEL_RC" 0
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
check_eq "sbc received" "$(pj sbc_quiet received)" 0
check "leg A port no longer bound" bash -c \
	"! ip netns exec '$RTPE_NS_RELAY' ss -Hun state all src '$LA' | grep -q ."
case_end

NW=6   # sessions over the two workers
NWP=200 # RTP packets each way per session
US0=$(ctl --json stats | jq -r .packets.userspace)
WK0=$(ctl --json stats | jq -c '[.workers[].packets]')
for ((i = 0; i < NW; i++)); do
	session_add "w$i" "WID[$i]" "WLA[$i]" "WLB[$i]" carrier "198.18.1.2:$((7000 + 2 * i))" \
		sbc "198.18.2.2:$((8000 + 2 * i))"
done
for ((i = 0; i < NW; i++)); do
	probe_bg "wc$i" "$RTPE_NS_CARRIER" --bind "198.18.1.2:$((7000 + 2 * i))" --to "${WLA[$i]}" \
		--count "$NWP" --rate 1000 --expect "$NWP" --expect-from "${WLA[$i]}" --timeout 3000 \
		--delay 300
	probe_bg "ws$i" "$RTPE_NS_SBC" --bind "198.18.2.2:$((8000 + 2 * i))" --to "${WLB[$i]}" \
		--count "$NWP" --rate 1000 --expect "$NWP" --expect-from "${WLB[$i]}" --timeout 3000 \
		--delay 300
done
for ((i = 0; i < NW; i++)); do
	probe_wait "wc$i"
	probe_wait "ws$i"
done
ctl --json stats >"$T/wstats.json"
case_begin "workers = 2: $NW sessions spread over both workers, all relayed intact both ways"
check_eq "workers" "$(jq '.workers | length' "$T/wstats.json")" 2
for ((i = 0; i < NW; i++)); do
	for p in "wc$i" "ws$i"; do
		check_eq "$p received" "$(pj "$p" received)" "$NWP"
		check_eq "$p bad_source" "$(pj "$p" bad_source)" 0
		check_eq "$p bad_payload" "$(pj "$p" bad_payload)" 0
	done
	check_eq "session ${WID[$i]} leg A packets" "$(leg_field "${WID[$i]}" 0 packets)" "$NWP"
	check_eq "session ${WID[$i]} leg B packets" "$(leg_field "${WID[$i]}" 1 packets)" "$NWP"
done
for w in 0 1; do
	check_ge "worker $w sessions" "$(jq -r ".workers[$w].sessions" "$T/wstats.json")" $((NW / 2))
	check_ge "worker $w packets relayed" \
		$(($(jq -r ".workers[$w].packets" "$T/wstats.json") - $(jq -r ".[$w]" <<<"$WK0"))) \
		$((NW / 2 * 2 * NWP))
done
check_eq "the workers' packets add up to packets.userspace" \
	"$(jq '[.workers[].packets] | add' "$T/wstats.json")" "$(jq -r .packets.userspace "$T/wstats.json")"
check_eq "packets.userspace growth" $(($(jq -r .packets.userspace "$T/wstats.json") - US0)) \
	$((2 * NW * NWP))
case_end
for ((i = 0; i < NW; i++)); do
	ctl session del "${WID[$i]}" >/dev/null
done

case_begin "daemon stops cleanly on SIGTERM"
stop_daemon
check_eq "exit status" "$?" 0
case_end
