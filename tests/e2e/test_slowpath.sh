#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_slowpath.sh - what XDP cannot forward for a socket-less leg reaches
# the daemon through the punt perf buffer and is relayed, never lost. The
# relay forgets the sbc's MAC (its permanent neighbour entry is removed):
# the first packets towards the sbc are punted as no_neigh, the daemon
# sends them through its raw socket, the kernel resolves the neighbour on
# the way, and the rest of the stream goes back to the fast path. Every
# packet arrives intact; the relay's UDP sockets are never involved.
. "$(dirname "$0")/lib.sh"

N=1000
e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up
start_daemon auto || { fail "daemon start" "see log"; exit 1; }

session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
PUNT_L0=$(verdict_packets punt userspace_leg)
# The leg's first packet is punted while it learns its peer (and relayed by
# the daemon); then the relay forgets the sbc's MAC.
probe_run prime "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count 1 --ssrc eeee0001 \
	--expect 0 --timeout 100
ip -n "$RTPE_NS_RELAY" neigh del 198.18.2.2 dev r1
PUNT_N0=$(verdict_packets punt no_neigh)
IN0=$(snmp_udp InDatagrams)
NOPORTS0=$(snmp_udp NoPorts)

probe_bg rx "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect "$N" --expect-from "$LB" --timeout 3000
probe_run tx "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count "$N" --rate 1000 \
	--expect 0 --timeout 100 --delay 300
probe_wait rx

case_begin "no neighbour yet: punted to the daemon, relayed, every packet intact"
check_eq "sbc received" "$(pj rx received)" "$N"
check_eq "bad_source" "$(pj rx bad_source)" 0
check_eq "bad_payload" "$(pj rx bad_payload)" 0
check_ge "punted while learning" $(($(verdict_packets punt userspace_leg) - PUNT_L0)) 1
check_ge "punted for the neighbour" $(($(verdict_packets punt no_neigh) - PUNT_N0)) 1
check_match "neighbour resolved" "$(ip -n "$RTPE_NS_RELAY" neigh show 198.18.2.2 dev r1)" \
	'lladdr .* (REACHABLE|STALE|DELAY|PROBE)'
check_eq "leg A packets" "$(leg_field "$ID" 0 packets)" $((N + 1))
check_eq "leg A path" "$(leg_field "$ID" 0 path)" xdp
check_eq "relay UDP sockets never involved (InDatagrams)" "$(snmp_udp InDatagrams)" "$IN0"
check_eq "no packet fell to the kernel (NoPorts)" "$(snmp_udp NoPorts)" "$NOPORTS0"
case_end

case_begin "most of the stream went back to the fast path"
check_ge "redirected" "$(verdict_packets redirect forwarded)" $((N - 20))
check_ge "daemon relayed only a few" $((21 - $(ctl --json stats | jq -r .packets.userspace))) 0
case_end
