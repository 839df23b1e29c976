#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_failover.sh - SBC health and failover: the sbc host gets a
# second address (198.18.2.3); a call to the region whose first address is
# silent (no response within invite_timeout_ms) or answers 503 goes to the
# next address, the caller seeing one answered call; `regions` counts the
# calls of each address. Then OPTIONS pings every second: an address that
# does not answer is down after options_down_after pings (regions, metric
# rtpedge_sbc_up) and up after one answer; a call goes to the healthy one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
E2E_METRICS=127.0.0.1:9464
# The relay reaches 198.18.2.3 through the sbc host's MAC; while the sbc
# host does not hold that address, what is sent to it is dropped there
# without a word (a silent SBC).
ip -n "$RTPE_NS_RELAY" neigh replace 198.18.2.3 lladdr 02:00:00:00:02:02 dev r1 nud permanent

# region_conf SBCS INTERVAL: the bed's config with the region's sbc list.
region_conf() {
	sip_conf udp udp | sed -e "s/^sbc = .*/sbc = $1/" \
		-e "s/^options_interval = .*/options_interval = $2\noptions_down_after = 2\ninvite_timeout_ms = 600/"
}

# uas_at NAME IP SCENARIO ARGS: a callee on the sbc host at IP:5060.
uas_at() {
	local name=$1 ip=$2 sf=$3 n
	n=${ip##*.}
	shift 3
	sipp_bg "$name" "$RTPE_NS_SBC" "$sf" -i "$ip" -p 5060 -mi "$ip" -mp $((16000 + n * 100 + 4)) \
		-key rtp_port $((6000 + n * 100 + 4)) "$@"
}

regions() {
	ctl --json regions
}

calls_of() {
	regions | jq -r ".regions[0].addresses[] | select(.address == \"$1\") | .calls"
}

up_of() {
	regions | jq -r ".regions[0].addresses[] | select(.address == \"$1\") | .up"
}

# wait_up ADDRESS true|false SECONDS
wait_up() {
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(up_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

mapfile -t CONF < <(region_conf "198.18.2.3, 198.18.2.2" 0)
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }

case_begin "the first SBC address is silent: the INVITE goes to the next; one answered call"
uas_sbc si_uas uas_basic.xml
sleep 0.3
uac_carrier si_uac uac_basic.xml -s +15557654321 -d 300
sipp_wait si_uac || why_add "caller: $(sipp_why si_uac)"
sipp_wait si_uas || why_add "callee: $(sipp_why si_uas)"
check_match "the log says why" "$(cat "$T/daemon.log")" "region lab: no response from sbc 0, INVITE to 198.18.2.2:5060"
check_eq "calls of 198.18.2.3" "$(calls_of 198.18.2.3)" 1
check_eq "calls of 198.18.2.2" "$(calls_of 198.18.2.2)" 1
check_eq "rtpedge_calls_total answered" "$(metric 'rtpedge_calls_total{result="answered"}')" 1
wait_no_sessions 5 || why_add "sessions left"
case_end

case_begin "the first SBC address answers 503: the INVITE goes to the next; one answered call"
ip -n "$RTPE_NS_SBC" addr add 198.18.2.3/24 dev s0
SIPP_SED="s/\[status\] \[phrase\]/503 Service Unavailable/" uas_at bu_uas3 198.18.2.3 uas_reject.xml -m 1
uas_sbc bu_uas uas_basic.xml
sleep 0.3
uac_carrier bu_uac uac_basic.xml -s +15557654321 -d 300
sipp_wait bu_uac || why_add "caller: $(sipp_why bu_uac)"
sipp_wait bu_uas || why_add "callee: $(sipp_why bu_uas)"
sipp_wait bu_uas3 || why_add "the 503 SBC: $(sipp_why bu_uas3)"
check_match "the log says why" "$(cat "$T/daemon.log")" "region lab: 503 from sbc 0, INVITE to 198.18.2.2:5060"
check_no_503() { ! grep -q "SIP/2.0 503" "$T/bu_uac.msg"; }
check "the caller saw no 503" check_no_503
check_eq "calls of 198.18.2.3" "$(calls_of 198.18.2.3)" 2
check_eq "calls of 198.18.2.2" "$(calls_of 198.18.2.2)" 2
wait_no_sessions 5 || why_add "sessions left"
case_end

stop_daemon
mapfile -t CONF < <(region_conf "198.18.2.3, 198.18.2.2" 1)
start_daemon auto "${CONF[@]}" || { fail "daemon restart" "with pings"; exit 1; }

case_begin "OPTIONS pings: the address that does not answer goes down, the other stays up"
uas_at op_uas2 198.18.2.2 uas_options.xml -m 100
wait_up 198.18.2.3 false 8 || why_add "198.18.2.3 not down: $(regions)"
check_eq "198.18.2.2 up" "$(up_of 198.18.2.2)" true
check_ge "198.18.2.2 answered" "$(regions | jq '.regions[0].addresses[] | select(.address == "198.18.2.2") | if .last_reply_ms == null then -1 else 1 end')" 1
check_eq "rtpedge_sbc_up .3" "$(metric 'rtpedge_sbc_up{region="lab",address="198.18.2.3:5060"}')" 0
check_eq "rtpedge_sbc_up .2" "$(metric 'rtpedge_sbc_up{region="lab",address="198.18.2.2:5060"}')" 1
check_match "the log says so" "$(cat "$T/daemon.log")" "region lab: sbc 198.18.2.3:5060 down \(2 OPTIONS unanswered\)"
check_match "regions shows it" "$(ctl regions)" "198\.18\.2\.3:5060 +down"
case_end

case_begin "a call skips the down address (failover: first healthy in order)"
kill "${PROBE_PID[op_uas2]}" 2>/dev/null
wait "${PROBE_PID[op_uas2]}" 2>/dev/null
uas_sbc dn_uas uas_basic.xml
sleep 0.3
uac_carrier dn_uac uac_basic.xml -s +15557654321 -d 300
sipp_wait dn_uac || why_add "caller: $(sipp_why dn_uac)"
sipp_wait dn_uas || why_add "callee: $(sipp_why dn_uas)"
check_eq "calls of 198.18.2.3" "$(calls_of 198.18.2.3)" 0
check_eq "calls of 198.18.2.2" "$(calls_of 198.18.2.2)" 1
case_end

case_begin "the address answers again: up after one answer"
uas_at up_uas3 198.18.2.3 uas_options.xml -m 100
wait_up 198.18.2.3 true 5 || why_add "198.18.2.3 not up: $(regions)"
check_match "the log says so" "$(cat "$T/daemon.log")" "region lab: sbc 198.18.2.3:5060 up"
check_eq "rtpedge_sbc_up .3" "$(metric 'rtpedge_sbc_up{region="lab",address="198.18.2.3:5060"}')" 1
case_end

kill "${PROBE_PID[up_uas3]}" 2>/dev/null
wait "${PROBE_PID[up_uas3]}" 2>/dev/null
stop_daemon
mapfile -t CONF < <(region_conf "198.18.2.2, 198.18.2.3" 0 | sed '/^\[region lab\]/a strategy = round-robin')
start_daemon auto "${CONF[@]}" || { fail "daemon restart" "round-robin"; exit 1; }

case_begin "round-robin: two calls, one to each address, both answered"
uas_sbc rr_uas2 uas_basic.xml
uas_at rr_uas3 198.18.2.3 uas_basic.xml -m 1
sleep 0.3
for i in 1 2; do
	uac_carrier "rr_uac$i" uac_basic.xml -s +15557654321 -d 200
	sipp_wait "rr_uac$i" || why_add "caller $i: $(sipp_why "rr_uac$i")"
done
sipp_wait rr_uas2 || why_add "callee .2: $(sipp_why rr_uas2)"
sipp_wait rr_uas3 || why_add "callee .3: $(sipp_why rr_uas3)"
check_eq "calls of 198.18.2.2" "$(calls_of 198.18.2.2)" 1
check_eq "calls of 198.18.2.3" "$(calls_of 198.18.2.3)" 1
check_eq "strategy" "$(regions | jq -r '.regions[0].strategy')" round-robin
case_end
