#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_fallback.sh - the product works where XDP cannot attach. Another XDP
# program already sits on r1, so under xdp_mode = auto rtpedged cannot
# attach there: it says so (status, log), the sessions that touch
# r1 are relayed in userspace with sockets, and their media arrives intact
# both ways. The foreign program is left alone. Under xdp_mode = native the
# same situation is an error that stops the start, with the reason.
. "$(dirname "$0")/lib.sh"

N=500
e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up
# Someone else's XDP program on r1: xdp-tools' xdp-filter with no rules
# (it passes everything), attached natively.
ip netns exec "$RTPE_NS_RELAY" xdp-filter load -m native r1 >"$T/xdp-filter.log" 2>&1 ||
	{ fail "setup" "cannot pre-attach xdp-filter: $(tail -n 2 "$T/xdp-filter.log")"; exit 1; }

start_daemon auto || { fail "daemon start" "see log"; exit 1; }
case_begin "auto: r0 native, r1 failed with the reason, the foreign program kept"
check_eq "r0" "$(ctl --json status | jq -r '.interfaces[0].xdp')" native
check_eq "r1" "$(ctl --json status | jq -r '.interfaces[1].xdp')" failed
check_match "log" "$(cat "$T/daemon.log")" "r1: cannot attach XDP .*its legs are relayed in userspace"
check_match "foreign program still on r1" "$(ip -n "$RTPE_NS_RELAY" -d link show dev r1)" "prog/xdp"
case_end

session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
IN0=$(snmp_udp InDatagrams)
media_both_ways "$LA" "$LB" "$N" 50
check_media "$N" 50
case_begin "the session touching r1 is relayed in userspace, sockets and all"
check_eq "leg A path" "$(leg_field "$ID" 0 path)" userspace
check_eq "leg B path" "$(leg_field "$ID" 1 path)" userspace
check_eq "leg A packets" "$(leg_field "$ID" 0 packets)" $((N + 50))
check_ge "relay UDP InDatagrams" $(($(snmp_udp InDatagrams) - IN0)) $((2 * (N + 50)))
check_eq "no RTP lost" "$(leg_field "$ID" 0 rtp.lost)" 0
case_end
shutdown_remove

case_begin "native: the same situation stops the start with the reason"
sed -i 's/^xdp_mode = auto/xdp_mode = native/' "$T/rtpedge.conf"
OUT=$(ip netns exec "$RTPE_NS_RELAY" timeout 10 "$B/rtpedged" -c "$T/rtpedge.conf" -f 2>&1)
check_eq "exit" "$?" 1
check_match "message" "$OUT" "cannot start: r1: cannot attach XDP \\(xdp_mode native\\)"
check_eq "what it attached to r0 is removed again" "$(ip -n "$RTPE_NS_RELAY" -d link show dev r0 | grep -c 'prog/xdp')" 0
case_end
