#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_xdp_path.sh - the relay in XDP: rtpedged (xdp_mode auto) in the relay
# namespace, one session carrier <-> sbc, RTP and RTCP both ways at once.
# Everything must arrive intact from the right address:port; apart from the
# one priming packet per leg (a new leg is learning: the daemon relays its
# first packet and confirms the signalled peer) the relay's UDP stack sees
# nothing: /proc/net/snmp does not move; leg and verdict counters add up
# exactly;
# a wrong source is dropped and counted; a deleted session frees its ports
# and its traffic is then no_session.
. "$(dirname "$0")/lib.sh"

N=2000 # RTP packets each way
NR=200 # RTCP packets each way

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up
if ! start_daemon auto; then
	fail "daemon start" "rtpedged (xdp_mode auto) did not come up; log above"
	exit 1
fi

xdp_of() {
	ctl --json status | jq -r --arg d "$1" '.interfaces[] | select(.device == $d) | .xdp'
}

case_begin "status: XDP native on r0 and r1"
check_eq "r0" "$(xdp_of r0)" native
check_eq "r1" "$(xdp_of r1)" native
check_match "r0 program attached" "$(ip -n "$RTPE_NS_RELAY" -d link show dev r0)" "xdp"
case_end

FREE0=$(ctl --json status | jq -r .ports_free)
session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004

case_begin "session add: legs on the right interfaces, path xdp (or learning), even ports"
check_match "id" "$ID" '^s-[0-9]+$'
check_match "leg A local" "$LA" '^198\.18\.1\.1:40[0-9]{3}$'
check_match "leg B local" "$LB" '^198\.18\.2\.1:40[0-9]{3}$'
check_eq "leg A port even" $((${LA##*:} % 2)) 0
check_eq "leg B port even" $((${LB##*:} % 2)) 0
check_eq "leg A peer" "$(jq -r '.legs[0].peer' "$T/add.json")" 198.18.1.2:5004
check_eq "leg B peer" "$(jq -r '.legs[1].peer' "$T/add.json")" 198.18.2.2:6004
check_match "leg A path" "$(jq -r '.legs[0].path' "$T/add.json")" '^(xdp|learning)$'
check_match "leg B path" "$(jq -r '.legs[1].path' "$T/add.json")" '^(xdp|learning)$'
check_ge "ports_free went down" $((FREE0 - $(ctl --json status | jq -r .ports_free))) 1
case_end
[ -n "$ID" ] && [ "$ID" != null ] || exit 1

# A leg learns its peer from its first packet, which the daemon relays; one
# packet each way (another SSRC) moves both legs to XDP before the counters
# are read, so that the stream itself must not touch the relay's UDP stack.
probe_run prime_c "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count 1 \
	--ssrc eeee0001 --expect 0 --timeout 100
probe_run prime_s "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB" --count 1 \
	--ssrc eeee0002 --expect 0 --timeout 100
case_begin "one packet each way confirms both signalled peers: learning -> xdp"
check_eq "leg A path" "$(leg_field "$ID" 0 path)" xdp
check_eq "leg B path" "$(leg_field "$ID" 1 path)" xdp
check_eq "leg A packets" "$(leg_field "$ID" 0 packets)" 1
case_end

IN0=$(snmp_udp InDatagrams)
OUT0=$(snmp_udp OutDatagrams)
NOPORTS0=$(snmp_udp NoPorts)
RED0=$(verdict_packets redirect forwarded)
TX0=$(verdict_packets tx forwarded)
USLEG0=$(verdict_packets pass userspace_leg)
XDPPK0=$(ctl --json stats | jq -r .packets.xdp)
USPK0=$(ctl --json stats | jq -r .packets.userspace)

media_both_ways "$LA" "$LB" "$N" "$NR"
check_media "$N" "$NR"

U=$(($(verdict_packets pass userspace_leg) - USLEG0))
case_begin "crossed in XDP: the relay's UDP stack did not move"
check_eq "userspace_leg passes" "$U" 0
check_eq "InDatagrams" "$(snmp_udp InDatagrams)" "$IN0"
check_eq "OutDatagrams" "$(snmp_udp OutDatagrams)" "$OUT0"
check_eq "NoPorts" "$(snmp_udp NoPorts)" "$NOPORTS0"
check_eq "stats packets.userspace" "$(ctl --json stats | jq -r .packets.userspace)" "$USPK0"
case_end

ctl --json session show "$ID" >"$T/show.json"
BYTES=$(((N + 1) * MEDIA_RTP_BYTES + NR * MEDIA_RTCP_BYTES)) # + the priming packet
case_begin "leg counters: $((N + NR + 1)) packets and $BYTES bytes each, RTP state from the probes"
for leg in 0 1; do
	check_eq "leg $leg packets" "$(jq -r ".legs[$leg].packets" "$T/show.json")" $((N + NR + 1))
	check_eq "leg $leg bytes" "$(jq -r ".legs[$leg].bytes" "$T/show.json")" "$BYTES"
	check_eq "leg $leg drops" "$(jq -r ".legs[$leg].drops" "$T/show.json")" 0
	check_eq "leg $leg rtp.lost" "$(jq -r ".legs[$leg].rtp.lost" "$T/show.json")" 0
	check_ge "leg $leg last_seen_ms" "$(jq -r ".legs[$leg].last_seen_ms" "$T/show.json")" 0
	check_eq "leg $leg path after media" "$(jq -r ".legs[$leg].path" "$T/show.json")" xdp
done
check_eq "leg A rtp.ssrc" "$(jq -r '.legs[0].rtp.ssrc' "$T/show.json")" $((0xc0000001))
check_eq "leg B rtp.ssrc" "$(jq -r '.legs[1].rtp.ssrc' "$T/show.json")" $((0x5bc00002))
case_end

case_begin "verdicts: redirect/forwarded grew by $((2 * (N + NR))), tx did not move"
check_eq "redirect forwarded" $(($(verdict_packets redirect forwarded) - RED0)) $((2 * (N + NR)))
check_eq "tx forwarded" $(($(verdict_packets tx forwarded) - TX0)) 0
check_eq "stats packets.xdp" $(($(ctl --json stats | jq -r .packets.xdp) - XDPPK0)) $((2 * (N + NR)))
case_end

# One stream whose packets XDP sees on both CPUs (veth runs XDP on the
# sending CPU: the sender is pinned to CPU 0, then CPU 1, then CPU 0 again,
# the sequence going on): the per-CPU RTP state must merge into one stream
# with nothing lost.
if [ "$(nproc)" -ge 2 ]; then
	ctl --json session add carrier 198.18.1.2:5020 sbc 198.18.2.2:6020 >"$T/add2.json"
	ID2=$(jq -r .id "$T/add2.json")
	LA2=$(jq -r '.legs[0].local' "$T/add2.json")
	LB2=$(jq -r '.legs[1].local' "$T/add2.json")
	probe_bg rx2 "$RTPE_NS_SBC" --bind 198.18.2.2:6020 --expect 900 --expect-from "$LB2" \
		--timeout 2000
	sleep 0.2
	for seg in "0 100" "1 400" "0 700"; do
		read -r cpu seq <<<"$seg"
		ip netns exec "$RTPE_NS_CARRIER" taskset -c "$cpu" "$PROBE" --bind 198.18.1.2:5020 \
			--to "$LA2" --count 300 --rate 1000 --ssrc 0cc00001 --seq "$seq" \
			--timeout 0 >/dev/null
	done
	probe_wait rx2
	case_begin "one RTP stream seen by XDP on two CPUs: leg stats merge, lost 0"
	check_eq "sbc received" "$(pj rx2 received)" 900
	check_eq "sbc bad_payload" "$(pj rx2 bad_payload)" 0
	check_eq "leg A packets" "$(leg_field "$ID2" 0 packets)" 900
	check_eq "leg A rtp.ssrc" "$(leg_field "$ID2" 0 rtp.ssrc)" $((0x0cc00001))
	check_eq "leg A rtp.lost" "$(leg_field "$ID2" 0 rtp.lost)" 0
	case_end
	ctl session del "$ID2" >/dev/null
else
	skip "one RTP stream seen by XDP on two CPUs" "needs 2 CPUs, this machine has $(nproc)"
fi

# A stranger to leg A: the carrier host from another port (XDP drops it on
# r0), then the attacker host (r2 has no XDP: the daemon's socket gets it).
# The sbc must receive nothing.
MIS0=$(verdict_packets drop source_mismatch)
DROPS0=$(leg_field "$ID" 0 drops)
PK0=$(leg_field "$ID" 0 packets)
probe_bg sbc_quiet "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 0 --timeout 1500
probe_bg wrong "$RTPE_NS_CARRIER" --bind 198.18.1.2:5010 --to "$LA" --count 50 --rate 500 \
	--timeout 0 --delay 200
probe_wait wrong
probe_wait sbc_quiet
case_begin "wrong source port to leg A: dropped in XDP, counted, never reaches the sbc"
check_eq "sbc received" "$(pj sbc_quiet received)" 0
check_eq "source_mismatch verdicts" $(($(verdict_packets drop source_mismatch) - MIS0)) 50
check_eq "leg A drops" $(($(leg_field "$ID" 0 drops) - DROPS0)) 50
check_eq "leg A packets" "$(leg_field "$ID" 0 packets)" "$PK0"
case_end

NOPORTS1=$(snmp_udp NoPorts)
probe_bg sbc_quiet "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 0 --timeout 1500
probe_bg attacker "$RTPE_NS_ATTACKER" --bind 198.18.3.2:5004 --to "$LA" --count 50 \
	--rate 500 --timeout 0 --delay 200
probe_wait attacker
probe_wait sbc_quiet
# r2 runs no XDP: the attacker's packets reach the kernel, where the leg
# holds no socket (XDP legs are socket-less): dropped there as NoPorts.
case_begin "attacker host to leg A (via r2, no XDP): never reaches the sbc"
check_eq "sbc received" "$(pj sbc_quiet received)" 0
check_eq "leg A packets" "$(leg_field "$ID" 0 packets)" "$PK0"
check_eq "relay NoPorts" $(($(snmp_udp NoPorts) - NOPORTS1)) 50
case_end

ctl session del "$ID" >"$T/del.txt" 2>&1
DEL_RC=$?
NOSESS0=$(verdict_packets pass no_session)
probe_bg sbc_quiet "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 0 --timeout 1500
probe_bg late "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count 30 --rate 500 \
	--timeout 0 --delay 200
probe_wait late
probe_wait sbc_quiet
case_begin "session del: ports free again, later traffic is no_session"
check_eq "del exit" "$DEL_RC" 0
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
check_eq "sessions" "$(ctl --json status | jq -r .sessions)" 0
check_eq "no_session verdicts" $(($(verdict_packets pass no_session) - NOSESS0)) 30
check_eq "sbc received" "$(pj sbc_quiet received)" 0
check "show after del fails" bash -c "! '$B/rtpedgectl' -s '$SOCK' session show '$ID'"
case_end

case_begin "daemon stops cleanly on SIGTERM"
stop_daemon
check_eq "exit status" "$?" 0
case_end
