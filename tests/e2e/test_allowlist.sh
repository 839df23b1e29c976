#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_allowlist.sh - the SIP allowlist's nftables table in the test bed:
# the table read back with `nft -j list table inet rtpedge` matches the
# config (a shipped catalogue region and one of the operator's catalogue
# expanded to their addresses, a region's sbc, a trunk); SIP (udp, tcp,
# tls port) from allowlisted hosts reaches the listener in the relay, SIP
# from the attacker host is dropped and counted exactly (show and the
# metric agree), media and other ports from anyone still pass; runtime
# add and del act on the next packet and are kept in their file; refused
# changes (a config element, host bits, over allowlist_max, a batch the
# kernel refuses after the table was tampered with, a bad reload) leave the
# ruleset as it was and say why; reload changes only the set elements; a
# table deleted from outside comes back; SIGKILL keeps the table (SIP stays
# closed while no daemon runs) and a restart leaves exactly one table with
# the same elements; shutdown --remove deletes it. The relay's SIP
# listener is stood in for by tests/e2e/sip_listen.py (the proxy is off:
# [sip] proxy = no, the allowlist guarding the ports of another server).
. "$(dirname "$0")/lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
for tool in nft python3 curl; do
	if ! command -v "$tool" >/dev/null; then
		skip setup "$tool is not installed"
		exit 0
	fi
done
PY=$(command -v python3)
bed_up

R=$RTPE_NS_RELAY
M=127.0.0.1:19464
RX=$T/rx.log
cat >"$T/own.conf" <<'OWN'
# the operator's catalogue: a region of its own, with an IPv6 range
[acme-eu]
sbc = 192.0.2.50
allow = 2001:db8:1::/48
OWN
CONF_LINES=(
	"catalogue = $T/own.conf"
	"shipped_catalogue = $E2E_ROOT/data/regions.conf"
	"allowlist_max = 8"
	"[sip]"
	"proxy = no"
	"listen = udp:0.0.0.0:5060, tcp:198.18.1.1:5060, tls:0.0.0.0:5061"
	"tls_cert = $T/cert.pem"
	"tls_key = $T/key.pem"
	"[region vapi-us]"
	"interface = sbc"
	"[region acme-eu]"
	"interface = sbc"
	"[region lab]"
	"sbc = 198.18.2.2"
	"interface = sbc"
	"[trunk pbx]"
	"addresses = 198.18.1.2"
	"target = 198.18.1.2:5060"
	"interface = carrier"
	"region = lab"
)

nftj() {
	ip netns exec "$R" nft -j list table inet rtpedge 2>/dev/null
}

# The allow4/allow6 elements as nft prints them, sorted, one line.
nft_elems() {
	nftj | jq -r --arg s "$1" '.nftables[] | select(.set.name? == $s) | .set.elem // [] | .[] |
		if type == "object" then "\(.prefix.addr)/\(.prefix.len)" else . end' | sort | tr '\n' ' '
}

tables() {
	ip netns exec "$R" nft -j list tables | jq '[.nftables[] | select(.table)] | length'
}

table_handle() {
	nftj | jq -r '.nftables[] | select(.table) | .table.handle'
}

show() {
	ctl --json allowlist show
}

dropped() {
	show | jq -r .allowlist.dropped_packets
}

# rx TOKEN: lines the listener got with TOKEN.
rx() {
	grep -c -- " $1\$" "$RX" 2>/dev/null
}

# udp NS DST PORT TOKEN: one datagram.
udp() {
	ip netns exec "$1" bash -c "echo $4 >/dev/udp/$2/$3" 2>/dev/null
}

# tcp NS DST PORT TOKEN: a connection sending one line, given up after 2 s.
tcp() {
	ip netns exec "$1" timeout 2 bash -c "echo $4 >/dev/tcp/$2/$3" 2>/dev/null
}

# wait_rx TOKEN N: waits up to 2 s for N lines with TOKEN; prints the count.
wait_rx() {
	for _ in $(seq 20); do
		[ "$(rx "$1")" -ge "$2" ] && break
		sleep 0.1
	done
	rx "$1"
}

# The listener: SIP ports, a media port and another port, in the relay.
ip netns exec "$R" "$PY" "$E2E_ROOT/tests/e2e/sip_listen.py" "$RX" udp:0.0.0.0:5060 \
	tcp:198.18.1.1:5060 tcp:0.0.0.0:5061 udp:0.0.0.0:40500 udp:0.0.0.0:5070 &
PROBE_PID[listener]=$!
for _ in $(seq 50); do
	grep -q ready "$RX" 2>/dev/null && break
	sleep 0.1
done

E2E_METRICS=$M start_daemon auto "${CONF_LINES[@]}" || { fail "daemon start" "see log"; exit 1; }

case_begin "the table read back with nft -j matches the config and allowlist show"
check_eq "tables" "$(tables)" 1
check_eq "allow4" "$(nft_elems allow4)" "192.0.2.50 198.18.1.2 198.18.2.2 44.229.228.186 44.238.177.138 "
check_eq "allow6" "$(nft_elems allow6)" "2001:db8:1::/48 "
check_eq "prerouting hook" "$(nftj | jq -r '.nftables[] | select(.chain.name? == "prerouting") | "\(.chain.hook) \(.chain.prio) \(.chain.policy)"')" \
	"prerouting -300 accept"
check_eq "prerouting rules" "$(nftj | jq '[.nftables[] | select(.rule.chain? == "prerouting")] | length')" 3
check_eq "show elements" "$(show | jq -r '.allowlist.elements[] | "\(.cidr) \(.origin) \(.in_kernel)"' | tr '\n' '|')" \
	"44.229.228.186/32 region vapi-us true|44.238.177.138/32 region vapi-us true|192.0.2.50/32 region acme-eu true|2001:db8:1::/48 region acme-eu true|198.18.2.2/32 region lab true|198.18.1.2/32 trunk pbx true|"
check_eq "show table" "$(show | jq -r '.allowlist | "\(.table) \(.active) \(.in_sync)"')" "inet rtpedge true true"
check_eq "guards" "$(show | jq -r '.allowlist.guards | join(" ")')" \
	"udp:0.0.0.0:5060 tcp:198.18.1.1:5060 tcp:0.0.0.0:5061"
check_match "human output" "$(ctl allowlist show)" "44\.229\.228\.186/32 +region vapi-us +yes"
case_end

case_begin "SIP from allowlisted hosts reaches the listener (udp, tcp, the tls port)"
udp "$RTPE_NS_CARRIER" 198.18.1.1 5060 c-udp
udp "$RTPE_NS_SBC" 198.18.2.1 5060 s-udp
tcp "$RTPE_NS_CARRIER" 198.18.1.1 5060 c-tcp
tcp "$RTPE_NS_CARRIER" 198.18.1.1 5061 c-tls
check_eq "carrier udp" "$(wait_rx c-udp 1)" 1
check_eq "sbc udp" "$(wait_rx s-udp 1)" 1
check_eq "carrier tcp" "$(wait_rx c-tcp 1)" 1
check_eq "carrier tls port" "$(wait_rx c-tls 1)" 1
check_eq "dropped" "$(dropped)" 0
case_end

case_begin "SIP from the attacker is dropped and counted exactly; the metric agrees"
for i in 1 2 3 4 5; do
	udp "$RTPE_NS_ATTACKER" 198.18.3.1 5060 a-udp
done
udp "$RTPE_NS_ATTACKER" 198.18.1.1 5060 a-udp
sleep 0.3
check_eq "received" "$(rx a-udp)" 0
check_eq "dropped" "$(dropped)" 6
tcp "$RTPE_NS_ATTACKER" 198.18.1.1 5060 a-tcp
tcp "$RTPE_NS_ATTACKER" 198.18.3.1 5061 a-tls
check_eq "tcp received" "$(rx a-tcp)$(rx a-tls)" 00
D=$(dropped)
check_ge "dropped after SYNs" "$D" 8
check_eq "metric" "$(ip netns exec "$R" curl -sf "http://$M/metrics" |
	awk '$1 == "rtpedge_allowlist_dropped_packets_total" { print $2 }')" "$D"
case_end

case_begin "media and other ports from anyone still pass"
udp "$RTPE_NS_ATTACKER" 198.18.3.1 40500 a-media
udp "$RTPE_NS_ATTACKER" 198.18.3.1 5070 a-other
udp "$RTPE_NS_ATTACKER" 198.18.1.1 40500 a-media2
check_eq "media port" "$(wait_rx a-media 1)" 1
check_eq "media port via r0" "$(wait_rx a-media2 1)" 1
check_eq "other port" "$(wait_rx a-other 1)" 1
check_eq "dropped unchanged" "$(dropped)" "$D"
case_end

case_begin "runtime add and del act on the next packet and are kept"
check_match "add" "$(ctl allowlist add 198.18.3.2)" "^added 198\.18\.3\.2/32"
udp "$RTPE_NS_ATTACKER" 198.18.3.1 5060 a-added
check_eq "received after add" "$(wait_rx a-added 1)" 1
check_match "file" "$(cat "$T/state.json.allowlist")" "^198\.18\.3\.2/32$"
check_eq "show" "$(show | jq -r '.allowlist.elements[-1] | "\(.cidr) \(.origin) \(.in_kernel)"')" \
	"198.18.3.2/32 runtime true"
check_match "add again" "$(ctl allowlist add 198.18.3.2/32)" "already a runtime addition"
check_match "del" "$(ctl allowlist del 198.18.3.2/32)" "^removed 198\.18\.3\.2/32"
udp "$RTPE_NS_ATTACKER" 198.18.3.1 5060 a-deleted
sleep 0.3
check_eq "received after del" "$(rx a-deleted)" 0
check_eq "dropped after del" "$(dropped)" $((D + 1))
case_end

# The ruleset without the counter's values: what a refused change must not alter.
ruleset() {
	nftj | jq -c '[.nftables[] | select(.metainfo | not) | del(.counter.packets, .counter.bytes)]'
}

case_begin "refused changes say why and leave the ruleset as it was"
BEFORE=$(ruleset)
OUT=$(ctl allowlist del 198.18.1.2 2>&1)
check_eq "del of a trunk's exit" "$?" 1
check_match "del of a trunk's message" "$OUT" "198\.18\.1\.2/32 comes from trunk pbx"
OUT=$(ctl allowlist add 198.18.3.2/24 2>&1)
check_eq "host bits exit" "$?" 1
check_match "host bits message" "$OUT" "did you mean 198\.18\.3\.0/24"
OUT=$(ctl allowlist add banana 2>&1)
check_eq "not a cidr exit" "$?" 1
check_match "not a cidr message" "$OUT" "is not an address or CIDR"
for c in 10.1.0.0/16 10.3.0.0/16 10.5.0.0/16; do
	ctl allowlist add "$c" >/dev/null || why_add "add $c refused"
done
FULL=$(ruleset)
OUT=$(ctl allowlist add 10.7.0.0/16 2>&1)
check_eq "over allowlist_max exit" "$?" 1
check_match "over allowlist_max message" "$OUT" "9 IPv4 and 1 IPv6 ranges: more than allowlist_max = 8"
check_eq "ruleset after the refusal" "$(ruleset)" "$FULL"
for c in 10.1.0.0/16 10.3.0.0/16 10.5.0.0/16; do
	ctl allowlist del "$c" >/dev/null || why_add "del $c refused"
done
check_eq "ruleset after add and del" "$(ruleset)" "$BEFORE"
cp "$T/rtpedge.conf" "$T/good.conf"
sed -i 's/^allowlist_max = 8$/allowlist_max = 2/' "$T/rtpedge.conf"
OUT=$(ctl reload 2>&1)
check_eq "reload over allowlist_max exit" "$?" 1
check_match "reload message" "$OUT" "allowlist: 5 IPv4 and 1 IPv6 ranges: more than allowlist_max = 2"
check_eq "ruleset after the refused reload" "$(ruleset)" "$BEFORE"
cp "$T/good.conf" "$T/rtpedge.conf"
case_end

# Tampering the kernel refuses our next batch over: the sip6 chain emptied
# and its set deleted. The daemon's check (every 5 s) builds the table
# again, so a try it overtakes is repeated.
tamper() {
	ip netns exec "$R" nft 'flush chain inet rtpedge sip6; delete set inet rtpedge allow6'
}

case_begin "a batch the kernel refuses changes nothing; the damaged table is built again"
A4=$(nft_elems allow4)
for attempt in 1 2 3; do
	tamper
	OUT=$(ctl allowlist add 203.0.113.0/24 2>&1)
	RC=$?
	[ "$RC" -ne 0 ] && break
	ctl allowlist del 203.0.113.0/24 >/dev/null
	sleep 1
done
check_eq "exit" "$RC" 1
check_match "message" "$OUT" "the kernel refused to flush set allow6 of table inet rtpedge: No such file or directory"
check_eq "allow4 as it was" "$(nft_elems allow4)" "$A4"
check_eq "no runtime file entry" "$(grep -c 203.0.113 "$T/state.json.allowlist")" 0
for _ in $(seq 80); do
	[ "$(nft_elems allow6)" = "2001:db8:1::/48 " ] && break
	sleep 0.1
done
check_eq "allow6 back" "$(nft_elems allow6)" "2001:db8:1::/48 "
check_match "log" "$(cat "$T/daemon.log")" "a set of table inet rtpedge is gone"
check_match "add now" "$(ctl allowlist add 203.0.113.0/24)" "^added"
check_eq "in sync" "$(show | jq -r .allowlist.in_sync)" true
case_end

case_begin "reload changes set elements only (same table, same counter); a new port rebuilds it"
H=$(table_handle)
D=$(dropped)
sed -i 's|^addresses = 198.18.1.2$|addresses = 198.18.1.0/30|' "$T/rtpedge.conf"
check "reload" ctl reload
check_match "allow4" "$(nft_elems allow4)" "198\.18\.1\.0/30 "
check_eq "table handle" "$(table_handle)" "$H"
check_eq "dropped" "$(dropped)" "$D"
check_eq "trunk origin" "$(show | jq -r '.allowlist.elements[] | select(.origin == "trunk pbx") | .cidr')" \
	"198.18.1.0/30"
sed -i 's|tls:0.0.0.0:5061|tls:0.0.0.0:5062|' "$T/rtpedge.conf"
check "reload with another tls port" ctl reload
check_match "guards" "$(show | jq -r '.allowlist.guards | join(" ")')" "tcp:0\.0\.0\.0:5062$"
check_eq "dropped carried over" "$(dropped)" "$D"
check_eq "tables" "$(tables)" 1
case_end

case_begin "a table deleted from outside comes back within the check's 5 s"
A4=$(nft_elems allow4)
ip netns exec "$R" nft delete table inet rtpedge
for _ in $(seq 80); do
	[ "$(tables)" = 1 ] && break
	sleep 0.1
done
check_eq "tables" "$(tables)" 1
check_eq "allow4" "$(nft_elems allow4)" "$A4"
check_match "log" "$(cat "$T/daemon.log")" "table inet rtpedge is gone \(deleted from outside rtpedged\)"
case_end

restart_daemon() {
	ip netns exec "$R" "$B/rtpedged" -c "$T/rtpedge.conf" -f >>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 50); do
		ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

case_begin "SIGKILL: the table stays and SIP stays closed; a restart keeps one table, same elements"
udp "$RTPE_NS_ATTACKER" 198.18.3.1 5060 a-before-kill
A4=$(nft_elems allow4)
A6=$(nft_elems allow6)
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
C0=$(nftj | jq '.nftables[] | select(.counter) | .counter.packets')
udp "$RTPE_NS_ATTACKER" 198.18.3.1 5060 a-no-daemon
sleep 0.3
check_eq "tables while no daemon runs" "$(tables)" 1
check_eq "dropped while no daemon runs" "$(rx a-no-daemon)" 0
check_eq "counted while no daemon runs" "$(nftj | jq '.nftables[] | select(.counter) | .counter.packets')" $((C0 + 1))
check "restart" restart_daemon
check_eq "tables after restart" "$(tables)" 1
check_eq "allow4" "$(nft_elems allow4)" "$A4"
check_eq "allow6" "$(nft_elems allow6)" "$A6"
check_eq "runtime addition" "$(show | jq -r '.allowlist.elements[] | select(.origin == "runtime") | .cidr')" \
	"203.0.113.0/24"
check_eq "counter carried over" "$(dropped)" $((C0 + 1))
case_end

case_begin "shutdown --remove deletes the table"
shutdown_remove
check_eq "tables" "$(tables)" 0
case_end

case_begin "a table of that name rtpedged did not make is refused, left alone"
ip netns exec "$R" nft add table inet rtpedge
start_daemon auto "${CONF_LINES[@]}" 2>/dev/null
check_eq "start" "$?" 1
stop_daemon # if it did start
check_match "log" "$(cat "$T/daemon.log")" "table inet rtpedge exists and is not this rtpedged's \(no comment\)"
check_eq "tables" "$(tables)" 1
check_eq "left alone" "$(nftj | jq '[.nftables[] | select(.set or .chain)] | length')" 0
ip netns exec "$R" nft delete table inet rtpedge
case_end
