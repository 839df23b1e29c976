#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_route.sh - the proxy's routing and refusals, and both
# transports: a request from an address that is no trunk's and no
# region's gets 403 (and a counter), Max-Forwards 0 gets 483, a call from
# the region to a number no trunk takes gets 404; a reload that changes
# the trunk's numbers routes the next call; then calls over TCP in both
# directions (the trunk and the region set to tcp).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
E2E_METRICS=127.0.0.1:9464
mapfile -t CONF < <(sip_conf udp udp +1555)
# The proxy's own checks first: the nftables allowlist would drop a
# stranger's SIP before the proxy sees it.
start_daemon auto "allowlist = no" "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }
FREE0=$(ctl --json status | jq -r .ports_free)

check_freed() {
	wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
	check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
}

case_begin "an unknown source gets 403, counted; no session"
sipp_bg x_uac "$RTPE_NS_ATTACKER" uac_rejected.xml -i 198.18.3.2 -p 5070 -mi 198.18.3.2 \
	-mp 17004 -key rtp_port 7004 -key max_forwards 70 -m 1 -s +15557654321 198.18.3.1:5060
sipp_wait x_uac || why_add "attacker: $(sipp_why x_uac)"
check_match "it got" "$(cat "$T/x_uac.log" 2>/dev/null)" "refused 403"
check_eq "stats sip.forbidden" "$(ctl --json stats | jq -r .sip.forbidden)" 1
check_eq "rtpedge_sip_forbidden_total" "$(metric rtpedge_sip_forbidden_total)" 1
check_freed
case_end

case_begin "Max-Forwards 0 gets 483; no session"
uac_carrier mf_uac uac_rejected.xml -s +15557654321 -key max_forwards 0
sipp_wait mf_uac || why_add "caller: $(sipp_why mf_uac)"
check_match "it got" "$(cat "$T/mf_uac.log" 2>/dev/null)" "refused 483"
check_freed
case_end

case_begin "a call from the region to a number no trunk takes gets 404"
uac_sbc nf_uac uac_rejected.xml -s +4420123456 -key max_forwards 70
sipp_wait nf_uac || why_add "caller: $(sipp_why nf_uac)"
check_match "it got" "$(cat "$T/nf_uac.log" 2>/dev/null)" "refused 404"
check_match "the log says why" "$(cat "$T/daemon.log")" "no trunk takes this number"
check_eq "rtpedge_calls_total refused" "$(metric 'rtpedge_calls_total{result="refused"}')" 3
check_freed
case_end

case_begin "reload: the trunk takes every number now; the next call is routed to it"
sed -i '/^numbers = /d' "$T/rtpedge.conf"
check "reload" ctl reload
uas_carrier rl_uas uas_basic.xml
sleep 0.3
uac_sbc rl_uac uac_basic.xml -s +4420123456 -d 300
sipp_wait rl_uac || why_add "caller: $(sipp_why rl_uac)"
sipp_wait rl_uas || why_add "callee: $(sipp_why rl_uas)"
check_match "the log says so" "$(cat "$T/daemon.log")" "sip: new calls route by the reloaded config"
check_freed
case_end

case_begin "bad input over UDP and TCP: the daemon keeps serving, no session or port left"
for from in 198.18.1.2:"$RTPE_NS_CARRIER" 198.18.3.2:"$RTPE_NS_ATTACKER"; do
	ip netns exec "${from#*:}" python3 "$E2E_ROOT/tests/tools/sipblast.py" \
		--to "${from%.2:*}.1:5060" --bind "${from%%:*}" "$E2E_ROOT"/tests/fuzz/seeds/sip/* \
		>"$T/blast.json" 2>&1 || why_add "sipblast: $(tail -c 200 "$T/blast.json")"
	check_ge "UDP messages sent" "$(jq -r .udp_sent "$T/blast.json" 2>/dev/null)" 30
	check_ge "TCP messages sent" "$(jq -r .tcp_sent "$T/blast.json" 2>/dev/null)" 30
done
check "the daemon answers" ctl status
wait_no_sessions 15 || why_add "sessions left: $(ctl --json session list | head -c 300)"
uas_carrier bad_uas uas_basic.xml
sleep 0.3
uac_sbc bad_uac uac_basic.xml -s +15557654321 -d 300
sipp_wait bad_uac || why_add "a call after it: $(sipp_why bad_uac)"
sipp_wait bad_uas || why_add "its callee: $(sipp_why bad_uas)"
check_freed
case_end

# TCP: the region and the trunk are reached over TCP; the allowlist is on.
stop_daemon
mapfile -t CONF < <(sip_conf tcp tcp)
start_daemon auto "${CONF[@]}" || { fail "daemon restart" "with TCP routes"; exit 1; }

case_begin "with the allowlist on, a stranger's SIP never reaches the proxy"
d0=$(metric rtpedge_allowlist_dropped_packets_total)
ip netns exec "$RTPE_NS_ATTACKER" python3 "$E2E_ROOT/tests/tools/sipblast.py" \
	--to 198.18.3.1:5060 --bind 198.18.3.2 "$E2E_ROOT/tests/fuzz/seeds/sip/invite_sdp.sip" \
	>"$T/blast.json" 2>&1
check_ge "allowlist drops" $(($(metric rtpedge_allowlist_dropped_packets_total) - ${d0:-0})) 1
check_eq "no 403 from the proxy" "$(ctl --json stats | jq -r .sip.forbidden)" 0
check_eq "no INVITE reached it" "$(ctl --json stats | jq -r .sip.requests.INVITE)" 0
case_end
for dir in t2r r2t; do
	case_begin "$dir over TCP both hops: answered, in-dialog requests by Route, ports freed"
	if [ $dir = t2r ]; then
		uas_sbc "tcp_${dir}_uas" uas_basic.xml -t t1
		sleep 0.3
		uac_carrier "tcp_${dir}_uac" uac_basic.xml -t t1 -s +15557654321 -d 300
	else
		uas_carrier "tcp_${dir}_uas" uas_basic.xml -t t1
		sleep 0.3
		uac_sbc "tcp_${dir}_uac" uac_basic.xml -t t1 -s +15557654321 -d 300
	fi
	sipp_wait "tcp_${dir}_uac" || why_add "caller: $(sipp_why "tcp_${dir}_uac")"
	sipp_wait "tcp_${dir}_uas" || why_add "callee: $(sipp_why "tcp_${dir}_uas")"
	msg=$(cat "$T/tcp_${dir}_uas.msg" 2>/dev/null)
	check_match "the callee got the INVITE over TCP" "$msg" "TCP message received"
	check_match "from the relay's Via over TCP" "$msg" "^Via: SIP/2.0/TCP 198\.18\."
	check_match "Record-Route over TCP" "$msg" "^Record-Route: <sip:198\.18\.[12]\.1:5060;transport=tcp;lr;"
	check_freed
	case_end
done
