#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_testbed.sh - the test bed and the probe, before any daemon: netns.sh
# builds what it says (addresses, routes, neighbours, offloads, sysctls,
# bpffs), rtpprobe verifies payloads and sources and reports what is wrong,
# and netns.sh down leaves nothing behind.
. "$(dirname "$0")/lib.sh"

e2e_require "$PROBE"

# Rows: namespace, device, address, MAC, peer namespace, peer address, peer MAC.
LINKS=(
	"$RTPE_NS_CARRIER c0 198.18.1.2 02:00:00:00:01:02 $RTPE_NS_RELAY 198.18.1.1 02:00:00:00:01:01"
	"$RTPE_NS_SBC s0 198.18.2.2 02:00:00:00:02:02 $RTPE_NS_RELAY 198.18.2.1 02:00:00:00:02:01"
	"$RTPE_NS_ATTACKER a0 198.18.3.2 02:00:00:00:03:02 $RTPE_NS_RELAY 198.18.3.1 02:00:00:00:03:01"
)
RELAY_DEVS=(r0 r1 r2)

# The IPv4 address/prefix of DEV in NS.
addr_of() {
	ip -n "$1" -j addr show dev "$2" |
		jq -r '[.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"] | join(",")'
}

mac_of() {
	ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'
}

# neigh NS DEV ADDR: "MAC STATE" of that neighbour entry.
neigh() {
	ip -n "$1" -j neigh show dev "$2" to "$3" | jq -r '.[0] | "\(.lladdr) \(.state | join(","))"'
}

# offload NS DEV FEATURE: "on" or "off" as ethtool -k reports it.
offload() {
	ip netns exec "$1" ethtool -k "$2" | awk -v f="$3:" '$1 == f { print $2 }'
}

sysctl_in() {
	ip netns exec "$1" sysctl -n "$2"
}

bed_namespaces() {
	ip netns list | awk '{ print $1 }' | grep -c "^${RTPE_NS_RELAY%relay}" || true
}

check_links() {
	local row ns dev addr mac pns paddr pmac i=0
	case_begin "up: addresses, MACs, routes, permanent neighbours on every link"
	for row in "${LINKS[@]}"; do
		read -r ns dev addr mac pns paddr pmac <<<"$row"
		check_eq "$ns $dev address" "$(addr_of "$ns" "$dev")" "$addr/24"
		check_eq "$ns $dev MAC" "$(mac_of "$ns" "$dev")" "$mac"
		check_eq "relay ${RELAY_DEVS[$i]} address" "$(addr_of "$pns" "${RELAY_DEVS[$i]}")" "$paddr/24"
		check_eq "relay ${RELAY_DEVS[$i]} MAC" "$(mac_of "$pns" "${RELAY_DEVS[$i]}")" "$pmac"
		check_eq "$ns route to 198.18.0.0/15" \
			"$(ip -n "$ns" -j route show 198.18.0.0/15 | jq -r '.[0] | "\(.gateway) \(.dev)"')" \
			"$paddr $dev"
		check_eq "$ns neighbour $paddr" "$(neigh "$ns" "$dev" "$paddr")" "$pmac PERMANENT"
		check_eq "relay neighbour $addr" "$(neigh "$pns" "${RELAY_DEVS[$i]}" "$addr")" "$mac PERMANENT"
		check_match "$ns $dev state" "$(ip -n "$ns" -o link show dev "$dev")" "LOWER_UP"
		i=$((i + 1))
	done
	case_end
}

check_offloads() {
	local row ns dev d
	case_begin "up: host veths tx checksum off + GRO on, relay veths GRO on + TSO off"
	for row in "${LINKS[@]}"; do
		read -r ns dev _ <<<"$row"
		check_eq "$ns $dev tx-checksumming" "$(offload "$ns" "$dev" tx-checksumming)" off
		check_eq "$ns $dev generic-receive-offload" \
			"$(offload "$ns" "$dev" generic-receive-offload)" on
	done
	for d in "${RELAY_DEVS[@]}"; do
		check_eq "relay $d generic-receive-offload" \
			"$(offload "$RTPE_NS_RELAY" "$d" generic-receive-offload)" on
		check_eq "relay $d tcp-segmentation-offload" \
			"$(offload "$RTPE_NS_RELAY" "$d" tcp-segmentation-offload)" off
	done
	case_end
}

check_sysctls() {
	local d
	case_begin "up: relay forwarding on (all and per device), rp_filter off"
	check_eq "all.forwarding" "$(sysctl_in "$RTPE_NS_RELAY" net.ipv4.conf.all.forwarding)" 1
	check_eq "all.rp_filter" "$(sysctl_in "$RTPE_NS_RELAY" net.ipv4.conf.all.rp_filter)" 0
	for d in "${RELAY_DEVS[@]}"; do
		check_eq "$d.forwarding" "$(sysctl_in "$RTPE_NS_RELAY" "net.ipv4.conf.$d.forwarding")" 1
		check_eq "$d.rp_filter" "$(sysctl_in "$RTPE_NS_RELAY" "net.ipv4.conf.$d.rp_filter")" 0
	done
	check_eq "carrier all.forwarding" "$(sysctl_in "$RTPE_NS_CARRIER" net.ipv4.conf.all.forwarding)" 0
	case_end
}

# A pin made inside one `ip netns exec` is seen by the next one: the reason
# the bed mounts its own bpffs outside /sys.
check_bpffs() {
	local pin=$RTPE_BPFFS/testbed-map
	case_begin "up: bpffs at $RTPE_BPFFS shared across ip netns exec"
	check_eq "filesystem type" "$(stat -f -c %T "$RTPE_BPFFS" 2>&1)" bpf_fs
	check "bpftool map create in $RTPE_NS_RELAY" ip netns exec "$RTPE_NS_RELAY" \
		bpftool map create "$pin" type array key 4 value 4 entries 1 name rtpe_tb
	check "pin visible from $RTPE_NS_CARRIER" ip netns exec "$RTPE_NS_CARRIER" test -e "$pin"
	check_eq "pinned map name" "$(ip netns exec "$RTPE_NS_SBC" bpftool -j map show pinned "$pin" |
		jq -r .name)" rtpe_tb
	rm -f "$pin"
	case_end
}

check_idempotent() {
	case_begin "up on an existing bed rebuilds it"
	check "second netns.sh up" "$NETNS" up
	check_eq "namespaces" "$(bed_namespaces)" 4
	check_eq "relay r0 address" "$(addr_of "$RTPE_NS_RELAY" r0)" 198.18.1.1/24
	check_eq "relay devices" "$(ip -n "$RTPE_NS_RELAY" -o link show type veth | wc -l)" 3
	check_match "status" "$("$NETNS" status)" "198.18.3.2/24"
	case_end
}

# A receiver in the relay namespace, a sender on the carrier: the probe
# verifies every packet and reports the source and latency.
check_probe_basic() {
	probe_bg rx "$RTPE_NS_RELAY" --bind 198.18.1.1:40000 --expect 200 \
		--expect-from 198.18.1.2:5004 --timeout 3000
	sleep 0.2
	probe_run tx "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to 198.18.1.1:40000 \
		--count 200 --rate 1000 --timeout 0
	probe_wait rx
	case_begin "probe: carrier -> relay socket, 200 packets verified"
	check_eq "sender exit" "$(cat "$T/tx.rc")" 0
	check_eq "sender sent" "$(pj tx sent)" 200
	check_eq "receiver exit" "$(cat "$T/rx.rc")" 0
	check_eq "received" "$(pj rx received)" 200
	check_eq "bad_source" "$(pj rx bad_source)" 0
	check_eq "bad_payload" "$(pj rx bad_payload)" 0
	check_eq "lost" "$(pj rx lost)" 0
	check_eq "duplicates" "$(pj rx duplicates)" 0
	check_eq "first_source" "$(pj rx first_source)" 198.18.1.2:5004
	check_ge "latency_us_p50" "$(pj rx latency_us_p50)" 0
	check_ge "latency_us_p99 >= p50" "$(pj rx latency_us_p99)" "$(pj rx latency_us_p50)"
	case_end
}

# Carrier and sbc send to each other at once through the relay's kernel
# routing: the routes and forwarding work both ways, the relay's sockets
# see nothing, and checksums arrive valid (tx offload is off).
check_probe_routed() {
	local in0 csum0
	in0=$(snmp_udp InDatagrams)
	csum0=$(snmp_udp_in "$RTPE_NS_SBC" InCsumErrors)
	probe_bg c "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to 198.18.2.2:6004 \
		--count 500 --rate 1000 --expect 500 --expect-from 198.18.2.2:6004 --timeout 3000 \
		--delay 300
	probe_bg s "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to 198.18.1.2:5004 \
		--count 500 --rate 1000 --expect 500 --expect-from 198.18.1.2:5004 --timeout 3000 \
		--delay 300
	probe_wait c
	probe_wait s
	case_begin "probe: carrier <-> sbc both ways at once, routed by the relay"
	check_eq "carrier exit" "$(cat "$T/c.rc")" 0
	check_eq "sbc exit" "$(cat "$T/s.rc")" 0
	check_eq "carrier received" "$(pj c received)" 500
	check_eq "sbc received" "$(pj s received)" 500
	check_eq "sbc last_source" "$(pj s last_source)" 198.18.1.2:5004
	check_eq "relay Udp InDatagrams moved" "$(snmp_udp InDatagrams)" "$in0"
	check_eq "sbc Udp InCsumErrors moved" "$(snmp_udp_in "$RTPE_NS_SBC" InCsumErrors)" "$csum0"
	case_end
	[ -n "$E2E_WHY" ] && echo "carrier: $(probe_summary c) sbc: $(probe_summary s)" >&2
}

check_probe_rtcp() {
	probe_bg rx "$RTPE_NS_SBC" --rtcp --bind 198.18.2.2:6005 --expect 100 \
		--expect-from 198.18.3.2:5005 --timeout 3000
	sleep 0.2
	probe_run tx "$RTPE_NS_ATTACKER" --rtcp --bind 198.18.3.2:5005 --to 198.18.2.2:6005 \
		--count 100 --rate 0 --size 161 --timeout 0
	probe_wait rx
	case_begin "probe: RTCP (odd payload size padded to 32-bit words) verified"
	check_eq "receiver exit" "$(cat "$T/rx.rc")" 0
	check_eq "received" "$(pj rx received)" 100
	check_eq "kind" "$(pj tx kind)" rtcp
	check_eq "bad_payload" "$(pj rx bad_payload)" 0
	case_end
	# The same RTCP stream at an RTP receiver: every packet is wrong.
	probe_bg rx "$RTPE_NS_SBC" --bind 198.18.2.2:6005 --expect 20 --timeout 2000
	sleep 0.2
	probe_run tx "$RTPE_NS_ATTACKER" --rtcp --bind 198.18.3.2:5005 --to 198.18.2.2:6005 \
		--count 20 --rate 0 --timeout 0
	probe_wait rx
	case_begin "probe: RTCP at an RTP receiver is bad_payload, exit 1"
	check_eq "receiver exit" "$(cat "$T/rx.rc")" 1
	check_eq "bad_payload" "$(pj rx bad_payload)" 20
	check_match "reason" "$(cat "$T/rx.err")" "RTCP where RTP was expected"
	case_end
}

check_probe_bad_source() {
	probe_bg rx "$RTPE_NS_RELAY" --bind 198.18.1.1:40000 --expect 50 \
		--expect-from 198.18.1.2:5006 --timeout 2000
	sleep 0.2
	probe_run tx "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to 198.18.1.1:40000 \
		--count 50 --rate 1000 --timeout 0
	probe_wait rx
	case_begin "probe: a wrong --expect-from is reported (exit 1)"
	check_eq "receiver exit" "$(cat "$T/rx.rc")" 1
	check_eq "received" "$(pj rx received)" 50
	check_eq "bad_source" "$(pj rx bad_source)" 50
	check_eq "lost" "$(pj rx lost)" 50
	check_eq "first_source" "$(pj rx first_source)" 198.18.1.2:5004
	case_end
}

# Garbage, and a forged packet whose header and payload header are right
# (SSRC 0x5a5a5a5a: timestamp 0, index 0) but whose pattern is not.
check_probe_bad_payload() {
	local forged='\x80\x00\x00\x07\x00\x00\x00\x00\x5a\x5a\x5a\x5a'
	forged+='RTPE\x5a\x5a\x5a\x5a\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\xa0'
	forged+='\x00\x00\x00\x00\x00\x00\x00\x01xxxxxxxxxxxxxxxx'
	probe_bg rx "$RTPE_NS_RELAY" --bind 198.18.1.1:40000 --expect 3 --timeout 2000
	sleep 0.2
	ip netns exec "$RTPE_NS_CARRIER" bash -c "printf 'junk' >/dev/udp/198.18.1.1/40000;
		printf '$forged' >/dev/udp/198.18.1.1/40000"
	probe_run tx "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to 198.18.1.1:40000 \
		--count 1 --timeout 0
	probe_wait rx
	case_begin "probe: garbage and a corrupted pattern are bad_payload (exit 1)"
	check_eq "receiver exit" "$(cat "$T/rx.rc")" 1
	check_eq "received" "$(pj rx received)" 3
	check_eq "bad_payload" "$(pj rx bad_payload)" 2
	check_eq "lost (one good of three)" "$(pj rx lost)" 2
	check_match "short reason" "$(cat "$T/rx.err")" "too short"
	check_match "pattern reason" "$(cat "$T/rx.err")" "payload pattern corrupted"
	case_end
}

# Two senders with one SSRC and sequence: every packet arrives twice.
check_probe_duplicates() {
	probe_bg rx "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 200 --timeout 1000
	sleep 0.2
	probe_bg t1 "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to 198.18.2.2:6004 \
		--count 100 --rate 2000 --ssrc 1234abcd --seq 65500 --timeout 0
	probe_bg t2 "$RTPE_NS_ATTACKER" --bind 198.18.3.2:5004 --to 198.18.2.2:6004 \
		--count 100 --rate 2000 --ssrc 1234abcd --seq 65500 --timeout 0
	probe_wait t1
	probe_wait t2
	probe_wait rx
	case_begin "probe: duplicates counted across a sequence wrap (exit 1)"
	check_eq "receiver exit" "$(cat "$T/rx.rc")" 1
	check_eq "received" "$(pj rx received)" 200
	check_eq "duplicates" "$(pj rx duplicates)" 100
	check_eq "lost (of 200 expected, 100 distinct)" "$(pj rx lost)" 100
	check_eq "bad_payload" "$(pj rx bad_payload)" 0
	case_end
}

check_probe_bounds() {
	local t0 ms out rc
	t0=$(date +%s%N)
	probe_run rx "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 10 --timeout 500
	ms=$((($(date +%s%N) - t0) / 1000000))
	case_begin "probe: nothing arrives -> exit 1 after --timeout, lost reported"
	check_eq "exit" "$(cat "$T/rx.rc")" 1
	check_eq "lost" "$(pj rx lost)" 10
	check_ge "elapsed_ms" "$(pj rx elapsed_ms)" 500
	check_ge "wall time under 2000 ms (2000 - elapsed)" $((2000 - ms)) 0
	case_end
	case_begin "probe: usage and setup errors exit 2"
	for args in "" "--bind 198.18.2.2" "--bind 198.18.2.2:6004 --count 5" \
		"--bind 198.18.2.2:6004 --size 27" "--bind 198.18.2.2:6004 --rate x" \
		"--bind 198.18.2.2:6004 --frob" "--bind 203.0.113.9:6004"; do
		# shellcheck disable=SC2086 # args are split on purpose
		out=$(ip netns exec "$RTPE_NS_SBC" "$PROBE" $args 2>&1)
		rc=$?
		check_eq "exit of 'rtpprobe $args'" "$rc" 2
		check_match "message of 'rtpprobe $args'" "$out" "rtpprobe|usage|unrecognized"
	done
	case_end
}

# A second bed under another prefix lives beside the first. Its prefix
# extends the run's (RTPE_NS_PREFIX), so that two runs side by side do not
# tear down each other's second bed.
check_prefix() {
	local p2=${RTPE_NS_PREFIX:-}rtpt-
	case_begin "RTPE_NS_PREFIX: a second bed side by side"
	check "up $p2" env RTPE_NS_PREFIX="$p2" "$NETNS" up
	check_eq "${p2}relay r1" "$(addr_of "${p2}relay" r1)" 198.18.2.1/24
	check_eq "first bed still there" "$(addr_of "$RTPE_NS_RELAY" r1)" 198.18.2.1/24
	check "$p2 bpffs" mountpoint -q "/run/rtpedge-test/${p2}bpf"
	check "first bpffs still mounted" mountpoint -q "$RTPE_BPFFS"
	check "down $p2" env RTPE_NS_PREFIX="$p2" "$NETNS" down
	check_eq "$p2 namespaces" "$(ip netns list | grep -c "^$p2")" 0
	case_end
}

check_down() {
	case_begin "down removes everything, and a second down succeeds"
	check "netns.sh down" "$NETNS" down
	check_eq "namespaces left" "$(bed_namespaces)" 0
	check "bpffs unmounted" bash -c "! mountpoint -q '$RTPE_BPFFS'"
	check "second down" "$NETNS" down
	check_match "status" "$("$NETNS" status)" "relay: absent"
	case_end
}

bed_up
check_links
check_offloads
check_sysctls
check_bpffs
check_idempotent
check_probe_basic
check_probe_routed
check_probe_rtcp
check_probe_bad_source
check_probe_bad_payload
check_probe_duplicates
check_probe_bounds
check_prefix
check_down
