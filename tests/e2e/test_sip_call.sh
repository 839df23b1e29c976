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
# frees its ports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

N=1000 # RTP packets each way
NR=100 # RTCP packets each way

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
mapfile -t CONF < <(sip_conf)
if ! start_daemon auto "${CONF[@]}"; then
	fail "daemon start" "rtpedged with [sip] did not come up; log above"
	exit 1
fi
FREE0=$(ctl --json status | jq -r .ports_free)

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
