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
# Last, the region's sbc is a hostname that dnsmasq (in the relay's
# namespace) answers with SRV and A records: the calls follow the SRV
# priorities and fail over, a change of records moves new calls and the
# allowlist's set, a failed refresh keeps the last answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
sip_require
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
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

# ---- the region's sbc as a hostname (RFC 3263: SRV, then A) ----------------------------

stop_daemon

# dns_up A_RECORDS...: dnsmasq in the relay's namespace on 127.0.0.1:5353,
# TTL 1 s, answering for lab.test only: _sip._udp.sbc.lab.test's SRV records
# (target,port,priority,weight) and the A records given (name,address).
dns_up() {
	local srv=$1
	shift
	{
		echo "local=/lab.test/"
		for r in $srv; do echo "srv-host=_sip._udp.sbc.lab.test,$r"; done
		for r in "$@"; do echo "host-record=$r"; done
	} >"$T/dns.conf"
	ip netns exec "$RTPE_NS_RELAY" timeout -k 5 120 "$DNSMASQ" --keep-in-foreground \
		--port=5353 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
		--conf-file="$T/dns.conf" --local-ttl=1 --pid-file="$T/dns.pid" --log-facility=- \
		>>"$T/dns.log" 2>&1 &
	PROBE_PID["dns"]=$!
	sleep 0.3
}

dns_down() {
	kill "${PROBE_PID["dns"]}" 2>/dev/null
	wait "${PROBE_PID["dns"]}" 2>/dev/null
	unset 'PROBE_PID[dns]'
}

# The region's addresses as "IP:PORT/SOURCE ..." in order.
dns_addresses() {
	regions | jq -r '[.regions[0].addresses[] | "\(.address):\(.port)/\(.source)"] | join(" ")'
}

# wait_addresses EXPECTED SECONDS
wait_addresses() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ "$(dns_addresses)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# The allowlist's IPv4 set as the kernel holds it, sorted, one line.
allow4() {
	ip netns exec "$RTPE_NS_RELAY" nft -j list set inet rtpedge allow4 2>/dev/null |
		jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
			if type == "object" then "\(.prefix.addr)/\(.prefix.len)" else . end' |
		sort | tr '\n' ' '
}

if [ ! -x "$DNSMASQ" ]; then
	skip "hostnames" "dnsmasq is not installed (apt-get install dnsmasq-base)"
	exit 0
fi
dns_up "a.lab.test,5060,1,10 b.lab.test,5060,2,10" a.lab.test,198.18.2.3 b.lab.test,198.18.2.2 \
	carrier.lab.test,198.18.1.2
mapfile -t CONF < <(region_conf "sbc.lab.test" 0 | sed -e '/^\[sip\]/a resolver = 127.0.0.1:5353' \
	-e 's/^target = .*/target = carrier.lab.test:5060/')
start_daemon auto "${CONF[@]}" || { fail "daemon restart" "hostname"; exit 1; }

case_begin "a hostname: its SRV records in priority order, in regions with their TTL"
wait_addresses "198.18.2.3:5060/SRV 198.18.2.2:5060/SRV" 5 || why_add "addresses: $(dns_addresses)"
check_eq "hostname" "$(regions | jq -r '.regions[0].addresses[0].hostname')" sbc.lab.test
check_ge "ttl_s" "$(regions | jq -r '.regions[0].addresses[0].ttl_s')" 0
check_eq "lookup" "$(regions | jq -r '.regions[0].hostnames[0] | "\(.lookup) \(.resolved)"')" \
	"_sip._udp SRV, then A true"
check_match "regions shows it" "$(ctl regions)" "198\.18\.2\.3:5060 .*sbc\.lab\.test SRV"
check_match "the log says so" "$(cat "$T/daemon.log")" \
	"resolver: sbc\.lab\.test \(_sip\._udp, then A\): 198\.18\.2\.3:5060 \(SRV\), 198\.18\.2\.2:5060 \(SRV\)"
check_eq "the allowlist holds both (read back)" "$(allow4)" "198.18.1.2 198.18.2.2/31 "
case_end

case_begin "a hostname: the call goes to the priority-1 address"
ip -n "$RTPE_NS_SBC" addr replace 198.18.2.3/24 dev s0
uas_at h1_uas3 198.18.2.3 uas_basic.xml -m 1
sleep 0.3
uac_carrier h1_uac uac_basic.xml -s +15557654321 -d 200
sipp_wait h1_uac || why_add "caller: $(sipp_why h1_uac)"
sipp_wait h1_uas3 || why_add "callee: $(sipp_why h1_uas3)"
check_eq "calls of 198.18.2.3" "$(calls_of 198.18.2.3)" 1
check_eq "calls of 198.18.2.2" "$(calls_of 198.18.2.2)" 0
case_end

case_begin "a hostname: the priority-1 address is silent, the call fails over to priority 2"
ip -n "$RTPE_NS_SBC" addr del 198.18.2.3/24 dev s0
ip -n "$RTPE_NS_RELAY" neigh replace 198.18.2.3 lladdr 02:00:00:00:02:02 dev r1 nud permanent
L0=$(wc -l <"$T/daemon.log")
uas_sbc h2_uas uas_basic.xml
sleep 0.3
uac_carrier h2_uac uac_basic.xml -s +15557654321 -d 200
sipp_wait h2_uac || why_add "caller: $(sipp_why h2_uac)"
sipp_wait h2_uas || why_add "callee: $(sipp_why h2_uas)"
check_match "the log says why" "$(tail -n +$((L0 + 1)) "$T/daemon.log")" \
	"region lab: no response from sbc 0, INVITE to 198.18.2.2:5060"
check_eq "calls of 198.18.2.3" "$(calls_of 198.18.2.3)" 2
check_eq "calls of 198.18.2.2" "$(calls_of 198.18.2.2)" 1
case_end

case_begin "a trunk's target as a hostname (its port: A records): the region's call reaches it"
uas_carrier h4_uas uas_basic.xml
sleep 0.3
uac_sbc h4_uac uac_basic.xml -s +15551230000 -d 200
sipp_wait h4_uac || why_add "caller: $(sipp_why h4_uac)"
sipp_wait h4_uas || why_add "callee: $(sipp_why h4_uas)"
check_eq "the trunk's address" "$(regions | jq -r '.trunks[0] | "\(.name) \(.target.hostname) \(.target.lookup) \(.addresses[0].address):\(.addresses[0].port)/\(.addresses[0].source)"')" \
	"carrier carrier.lab.test A 198.18.1.2:5060/A"
check_match "regions shows it" "$(ctl regions)" "trunk carrier: target carrier\.lab\.test: 198\.18\.1\.2:5060 \(A [0-9]+s\)"
case_end

case_begin "a record change (TTL 1 s): new calls and the allowlist's set follow"
dns_down
dns_up "b.lab.test,5060,1,10 c.lab.test,5060,2,10" b.lab.test,198.18.2.2 c.lab.test,198.18.2.5 \
	carrier.lab.test,198.18.1.2
wait_addresses "198.18.2.2:5060/SRV 198.18.2.5:5060/SRV" 5 || why_add "addresses: $(dns_addresses)"
L0=$(wc -l <"$T/daemon.log")
uas_sbc h3_uas uas_basic.xml
sleep 0.3
uac_carrier h3_uac uac_basic.xml -s +15557654321 -d 200
sipp_wait h3_uac || why_add "caller: $(sipp_why h3_uac)"
sipp_wait h3_uas || why_add "callee: $(sipp_why h3_uas)"
check_eq "calls of 198.18.2.2 (kept)" "$(calls_of 198.18.2.2)" 2
check_eq "no failover" "$(tail -n +$((L0 + 1)) "$T/daemon.log" | grep -c 'no response from sbc')" 0
check_eq "the allowlist follows (read back)" "$(allow4)" "198.18.1.2 198.18.2.2 198.18.2.5 "
check_match "the log says so" "$(cat "$T/daemon.log")" "allowlist: table inet rtpedge updated"
case_end

case_begin "a failed refresh keeps the last answer: one log line, a counter"
dns_down
for _ in $(seq 50); do
	grep -q "resolver: sbc.lab.test: refresh failed" "$T/daemon.log" && break
	sleep 0.1
done
check_match "the log says so" "$(cat "$T/daemon.log")" \
	"resolver: sbc\.lab\.test: refresh failed \(.*\): keeping the last answer \(2 addresses\)"
check_ge "rtpedge_dns_failures_total" "$(metric rtpedge_dns_failures_total)" 1
check_eq "addresses kept" "$(dns_addresses)" "198.18.2.2:5060/SRV 198.18.2.5:5060/SRV"
check_eq "the allowlist kept" "$(allow4)" "198.18.1.2 198.18.2.2 198.18.2.5 "
check_match "regions says why" "$(regions | jq -r '.regions[0].hostnames[0].error')" "SRV"
case_end
