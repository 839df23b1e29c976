#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_call.sh - a call through the SIP proxy with its media anchored
# in XDP, both directions: carrier -> relay -> sbc (trunk to region) and
# sbc -> relay -> carrier (region to trunk). sipp places and answers the
# call (INVITE with the offer, 180, 200 with the answer, ACK, BYE); each
# side must see the relay's address and the leg's port in the SDP it gets;
# RTP and RTCP then go both ways (rtpprobe at both ends) and must arrive
# whole, with both legs on the XDP path and XDP's counters showing it
# relayed them; the BYE, routed by the Record-Route, ends the session and
# frees its ports. While the call lasts, `calls`, `calls show`, status,
# stats and the metrics show it; afterwards the counters add up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

N=1000 # RTP packets each way
NR=100 # RTCP packets each way

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
E2E_METRICS=127.0.0.1:9464 # the relay namespace's own loopback
mapfile -t CONF < <(sip_conf)
if ! start_daemon auto "${CONF[@]}"; then
	fail "daemon start" "rtpedged with [sip] did not come up; log above"
	exit 1
fi
FREE0=$(ctl --json status | jq -r .ports_free)

# check_call_listed NAME DIR ID: `calls`, `calls show`, status, stats and
# the metrics show the one call in progress, with its session ID.
check_call_listed() {
	local name=$1 dir=$2 id=$3 j cid want
	want=$([ "$dir" = t2r ] && echo trunk-to-region || echo region-to-trunk)
	case_begin "$name: calls, calls show, status, stats and metrics show the call"
	j=$(ctl --json calls)
	check_eq "calls" "$(jq '.calls | length' <<<"$j")" 1
	cid=$(jq -r '.calls[0].call_id' <<<"$j")
	check_eq "direction" "$(jq -r '.calls[0].direction' <<<"$j")" "$want"
	check_eq "trunk" "$(jq -r '.calls[0].trunk' <<<"$j")" carrier
	check_eq "region" "$(jq -r '.calls[0].region' <<<"$j")" lab
	check_eq "state" "$(jq -r '.calls[0].state' <<<"$j")" confirmed
	check_eq "sessions" "$(jq -c '.calls[0].sessions' <<<"$j")" "[\"$id\"]"
	check_match "from" "$(jq -r '.calls[0].from' <<<"$j")" '^sip:uac@198\.18\.[12]\.2'
	check_match "to: the E.164 number untouched" "$(jq -r '.calls[0].to' <<<"$j")" \
		'^sip:\+15557654321@'
	check_eq "calls show" "$(ctl --json calls show "$cid" | jq -r '.sessions[0]')" "$id"
	check_match "calls (table)" "$(ctl calls)" "$cid .*$want +lab +carrier +confirmed"
	check_match "calls show (text)" "$(ctl calls show "$cid")" "state: +confirmed"
	check_eq "status calls" "$(ctl --json status | jq -r .calls)" 1
	check_eq "stats calls_active" "$(ctl --json stats | jq -r .calls_active)" 1
	check_eq "rtpedge_calls_active" "$(metric rtpedge_calls_active)" 1
	case_end
}

# call NAME DIR: one call, DIR t2r (carrier calls) or r2t (the sbc calls),
# with media both ways while it lasts.
call() {
	local name=$1 dir=$2 id la lb x0 ca cb
	if [ "$dir" = t2r ]; then
		uas_sbc "${name}_uas" uas_basic.xml
		sleep 0.3
		uac_carrier "${name}_uac" uac_basic.xml -s +15557654321 -d 4000
	else
		uas_carrier "${name}_uas" uas_basic.xml
		sleep 0.3
		uac_sbc "${name}_uac" uac_basic.xml -s +15557654321 -d 4000
	fi

	case_begin "$name: INVITE answered through the proxy, SDP rewritten both ways"
	wait_sessions 1 || why_add "no answered session within 10 s: $(ctl --json session list | head -c 300)"
	session_legs id la lb
	# leg A faces the caller: the caller gets A's endpoint, the callee B's
	if [ "$dir" = t2r ]; then
		ca=$la cb=$lb
		check_match "leg A on the carrier side" "$la" '^198\.18\.1\.1:'
		check_match "leg B on the sbc side" "$lb" '^198\.18\.2\.1:'
	else
		ca=$lb cb=$la
		check_match "leg A on the sbc side" "$la" '^198\.18\.2\.1:'
		check_match "leg B on the carrier side" "$lb" '^198\.18\.1\.1:'
	fi
	sleep 0.2 # the sipp logs are written as the messages come
	check_match "the caller's answer" "$(cat "$T/${name}_uac.log" 2>/dev/null)" \
		"answer c=${la%:*} m=${la##*:}"
	check_match "the callee's offer" "$(cat "$T/${name}_uas.log" 2>/dev/null)" \
		"offer c=${lb%:*} m=${lb##*:}"
	case_end

	check_call_listed "$name" "$dir" "$id"

	x0=$(xdp_forwarded)
	if [ "$dir" = t2r ]; then
		media_both_ways "$la" "$lb" "$N" "$NR"
	else
		media_both_ways "$lb" "$la" "$N" "$NR"
	fi
	check_media "$N" "$NR"

	case_begin "$name: both legs on the XDP path, XDP relayed the media"
	check_eq "leg A path" "$(leg_field "$id" 0 path)" xdp
	check_eq "leg B path" "$(leg_field "$id" 1 path)" xdp
	# the first packet of each of the 4 streams confirms its leg in the daemon
	check_ge "packets XDP relayed" $(($(xdp_forwarded) - x0)) $((2 * N + 2 * NR - 4))
	check_ge "leg A packets" "$(leg_field "$id" 0 packets)" $((N + NR))
	check_ge "leg B packets" "$(leg_field "$id" 1 packets)" $((N + NR))
	case_end

	case_begin "$name: BYE routed by the Record-Route ends the call and frees its ports"
	sipp_wait "${name}_uac" || why_add "caller: $(sipp_why "${name}_uac")"
	sipp_wait "${name}_uas" || why_add "callee: $(sipp_why "${name}_uas")"
	wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
	check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
	case_end
}

call trunk_to_region t2r
call region_to_trunk r2t

case_begin "counters: two calls answered and ended by BYE, none active"
check_eq "calls" "$(ctl --json calls | jq '.calls | length')" 0
check_eq "calls_total answered" "$(metric 'rtpedge_calls_total{result="answered"}')" 2
check_eq "calls_ended_total bye" "$(metric 'rtpedge_calls_ended_total{reason="bye"}')" 2
check_eq "rtpedge_calls_active" "$(metric rtpedge_calls_active)" 0
check_eq "INVITE" "$(metric 'rtpedge_sip_requests_total{method="INVITE"}')" 2
check_eq "ACK" "$(metric 'rtpedge_sip_requests_total{method="ACK"}')" 2
check_eq "BYE" "$(metric 'rtpedge_sip_requests_total{method="BYE"}')" 2
check_ge "2xx sent" "$(metric 'rtpedge_sip_responses_total{class="2xx"}')" 4
check_ge "1xx sent (100 Trying, 180)" "$(metric 'rtpedge_sip_responses_total{class="1xx"}')" 4
check_eq "stats sip INVITE" "$(ctl --json stats | jq -r .sip.requests.INVITE)" 2
check "calls show of an unknown Call-ID fails" bash -c "! '$B/rtpedgectl' -s '$SOCK' calls show nosuchcall"
check_match "its message" "$(ctl calls show nosuchcall 2>&1)" "no call nosuchcall"
case_end
