#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_burst.sh - bursts of INVITEs at the proxy: CALLS INVITEs from
# the carrier sent back to back (within milliseconds: sipburst.py), each
# anchored and sent on to a sipp callee on the sbc host, then (1.5 s
# later) a burst of BYEs. The relay's way to the sbc host (r1) is slower
# than the burst (htb, 20 Mbit/s), so messages wait below the proxy's
# socket as on a loaded host: first behind a long queue (the socket's
# send buffer must hold them), then a short one (40 packets: the kernel
# refuses sends, ENOBUFS, which must be sent again, not failed; an ACK
# refused several times may let its BYE reach the callee first, which
# sipp counts against the call). No transaction may fail for a
# burst: none is answered 503 (or 500) by the proxy, every call is
# answered and ended by its BYE, and the relay's receive buffers never
# overflow.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

CALLS=${E2E_BURST_CALLS:-400}
NO_PCAP='s|<exec play_pcap_audio=[^>]*/>|<log message="[call_id] media from the test"/>|'

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
mapfile -t CONF < <(sip_conf)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }

inr() { ip netns exec "$RTPE_NS_RELAY" "$@"; }

# burst NAME [ACKS]: CALLS calls in one burst; sipburst's summary in
# $T/NAME.json. With ACKS the callee must have had every call whole (no ACK
# lost: sipp aborts a call whose BYE comes first).
burst() {
	local name=$1 acks=${2:-} e0 s0
	e0=$(snmp_udp RcvbufErrors) s0=$(snmp_udp SndbufErrors)
	SIPP_SED=$NO_PCAP uas_sbc "uas_$name" uas_basic.xml -m "$CALLS"
	sleep 0.3
	ip netns exec "$RTPE_NS_CARRIER" timeout -k 2 40 python3 \
		"$E2E_ROOT/tests/tools/sipburst.py" --to 198.18.1.1:5060 --bind 198.18.1.2:5070 \
		--media 198.18.1.2:5004 --calls "$CALLS" --hold 1.5 --timeout 25 >"$T/$name.json" 2>"$T/$name.err"
	SNDBUF_DROPS=$(($(snmp_udp SndbufErrors) - s0))
	echo "sipburst $name: $(cat "$T/$name.json") $(tail -c 300 "$T/$name.err")" \
		"(relay: $SNDBUF_DROPS sends refused by the device queue)" >&2
	check_eq "503 answers" "$(jq -r '.finals["503"] // 0' "$T/$name.json")" 0
	check_eq "500 answers" "$(jq -r '.finals["500"] // 0' "$T/$name.json")" 0
	check_eq "calls answered" "$(jq -r .answered "$T/$name.json")" "$CALLS"
	check_eq "calls without a final answer" "$(jq -r .no_final "$T/$name.json")" 0
	check_eq "BYEs answered 200" "$(jq -r .byes_ok "$T/$name.json")" "$CALLS"
	check_eq "relay UDP receive buffer overflows" $(($(snmp_udp RcvbufErrors) - e0)) 0
	if [ -n "$acks" ]; then
		sipp_wait "uas_$name" || why_add "callee: $(sipp_why "uas_$name")"
	else
		sipp_wait "uas_$name" || :
	fi
	wait_no_sessions 10 || why_add "sessions left: $(ctl --json session list | jq '.sessions | length')"
}

case_begin "the SIP socket's buffers are udp_buffer_kb (default 8192 KiB) both ways"
sk=$(inr ss -uamn 'sport = :5060' | grep -o 'skmem:([^)]*)' | head -n 1)
check_ge "receive buffer" "$(grep -oP 'rb\K[0-9]+' <<<"$sk")" $((8192 * 1024))
check_ge "send buffer" "$(grep -oP 'tb\K[0-9]+' <<<"$sk")" $((8192 * 1024))
case_end

if ! inr tc qdisc add dev r1 root handle 1: htb default 1 ||
	! inr tc class add dev r1 parent 1: classid 1:1 htb rate 20mbit burst 16k quantum 1514; then
	skip "bursts" "tc cannot add an htb qdisc to r1 (sch_htb)"
	exit 0
fi

case_begin "$CALLS INVITEs at once, the way to the callee slower: none fails, all answered and ended"
burst long acks
case_end

case_begin "the same through a 40-packet queue (sends refused): sent again, none fails"
inr tc qdisc add dev r1 parent 1:1 handle 10: pfifo limit 40
burst short
check_ge "sends the queue refused (UdpSndbufErrors)" "$SNDBUF_DROPS" 1 # else it tested nothing
case_end
