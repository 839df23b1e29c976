#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_options.sh - keep-alive OPTIONS answered by the proxy itself:
# every out-of-dialog OPTIONS from a region's SBC gets 200 whatever its
# Request-URI names (a user part, an address the relay does not have, as
# behind NAT; Max-Forwards 0), and a trunk's OPTIONS naming the proxy gets
# 200 too (with a user part or not); none of them is forwarded (a listener
# stands in for the other side and must hear nothing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
mapfile -t CONF < <(sip_conf udp udp)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }

# Stand-ins on both sides: whatever the proxy would forward lands here.
for side in carrier:"$RTPE_NS_CARRIER":198.18.1.2 sbc:"$RTPE_NS_SBC":198.18.2.2; do
	IFS=: read -r name ns ip <<<"$side"
	ip netns exec "$ns" timeout -k 2 60 python3 "$E2E_ROOT/tests/e2e/sip_listen.py" \
		"$T/heard_$name" "udp:$ip:5060" "tcp:$ip:5060" &
	PROBE_PID[heard_$name]=$!
done
sleep 0.5

# ping NAME FROM RURI [MAX_FORWARDS]: one OPTIONS from the sbc host or the carrier.
ping() {
	local name=$1 from=$2 ruri=$3 mf=${4:-70}
	if [ "$from" = sbc ]; then
		uac_sbc "$name" uac_options.xml -key ruri "$ruri" -key max_forwards "$mf"
	else
		uac_carrier "$name" uac_options.xml -key ruri "$ruri" -key max_forwards "$mf"
	fi
	sipp_wait "$name" || why_add "$name: $(sipp_why "$name")"
	check_match "$name got 200" "$(cat "$T/$name.log" 2>/dev/null)" "options 200"
}

case_begin "OPTIONS from the SBC: 200 from the proxy whatever the Request-URI"
ping sbc_plain sbc 198.18.2.1:5060
ping sbc_user sbc ping@198.18.2.1:5060
ping sbc_number sbc +15557654321@198.18.2.1
ping sbc_nat sbc 203.0.113.5:5060
ping sbc_mf0 sbc ping@203.0.113.5 0
case_end

case_begin "OPTIONS from the trunk naming the proxy: 200 from the proxy"
ping car_plain carrier 198.18.1.1:5060
ping car_user carrier ping@198.18.1.1:5060
case_end

case_begin "no OPTIONS was forwarded; counted as requests and 2xx"
sleep 0.5
check_eq "lines the carrier side heard" "$(grep -vc '^ready' "$T/heard_carrier" 2>/dev/null)" 0
check_eq "lines the sbc side heard" "$(grep -vc '^ready' "$T/heard_sbc" 2>/dev/null)" 0
check_eq "stats sip.requests.OPTIONS" "$(ctl --json stats | jq -r .sip.requests.OPTIONS)" 7
case_end
