#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_demo.sh - `make demo` works: scripts/demo.sh (the README's first
# command runs it) places a SIP call from the carrier through the relay's
# proxy to the sbc host, sends RTP both ways through the anchored session
# and ends the call with the caller's BYE. The script must exit 0, show the
# call in `rtpedgectl calls`, have had the relay's address and ports written
# into both sides' SDP, carry every packet (most of them in XDP), and leave
# no namespace behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

N=500 # RTP packets each way (1 s at the demo's 500/s)

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
sip_require

case_begin "scripts/demo.sh: a SIP call through the proxy, media both ways intact, BYE frees the ports"
RTPE_DEMO_PACKETS=$N RTPE_BUILD=${RTPE_BUILD:-build} timeout -k 5 90 \
	"$E2E_ROOT/scripts/demo.sh" >"$T/demo.out" 2>&1
rc=$?
out=$(cat "$T/demo.out")
check_eq "exit status" "$rc" 0
check_match "the call listed" "$out" 'trunk-to-region +lab +carrier +confirmed'
check_match "the caller's SDP answer names the relay's carrier side" "$out" \
	'answered with: answer c=198\.18\.1\.1 m=4[0-9]{4}'
check_match "the callee's SDP offer names the relay's sbc side" "$out" \
	'offered: +offer c=198\.18\.2\.1 m=4[0-9]{4}'
check_match "verdict" "$(tail -n 2 "$T/demo.out")" \
	"demo: a SIP call through the proxy; $N/$N packets each way relayed, [0-9]+ of them in XDP, payloads intact; the BYE freed its ports"
xdp=$(grep -o '[0-9]* of them in XDP' "$T/demo.out" | cut -d' ' -f1)
check_ge "packets XDP relayed (all but each stream's first)" "${xdp:-0}" $((2 * N - 2))
check_eq "namespaces left" "$(ip netns list | grep -c "^${RTPE_NS_PREFIX:-rtpe-}")" 0
case_end
[ -z "$E2E_WHY" ] || tail -n 40 "$T/demo.out" | sed 's/^/    | /' >&2
