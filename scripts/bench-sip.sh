#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-sip.sh - the `sip` phase of `make bench` (scripts/bench.sh runs it;
# it also runs alone): calls per second with media anchoring, rtpedged
# against Kamailio 5.6 + rtpengine 10.5 on the same bed
# (docs/PERFORMANCE.md "SIP calls per second").
#
#   carrier 198.18.1.2          relay (CPU 1)                 sbc 198.18.2.2
#   sipp UAC (CPU 0)  --->  rtpedged (SIP proxy, XDP media)  ---> sipp UAS (CPU 0)
#                       or  kamailio + rtpengine (userspace)
#
# Each call: INVITE with an SDP offer, 100/180/200 with the answer, ACK, a
# few RTP packets each way (sipp plays a short pcap from both ends), BYE
# after HOLD ms. At each rate of RATES (sipp -r), CALLS calls; a rate
# passes when both sipps report every call successful. The steps stop at
# the first failing rate; the result is the highest passing one. The two
# relays run in turn, never together, pinned to the same CPU. Relay CPU:
# every thread of every process in the relay namespace (schedstat), over
# the step; softirq work (XDP, the stack) is not in it. A step passes when
# both sipps report every call successful and every RTP packet of every
# call reached the other end (nft counters at both ends). The rate made is
# CALLS / (the UAC's run time - HOLD); a step that made less than 95% of
# the rate asked is sipp's limit (it shares one CPU with the UAS), and
# ends the steps.
#
# Writes OUT/sip.json; prints one line per step on stderr. Exit 0 when it
# measured, 2 when it could not run.
#
# Env: RTPE_NS_PREFIX (bench-sip-), RTPE_BUILD (build), RTPE_BENCH_OUT
# (build/bench), RTPE_BENCH_SIP_CALLS (2000), RTPE_BENCH_SIP_RATES
# ("200 300 400 500 600 800 1000 1200 1500 2000 2500 3000"), RTPE_BENCH_SIP_HOLD (500 ms),
# RTPE_BENCH_SIP_PKTS (10 RTP packets each way), RTPE_BENCH_SIP_RELAYS
# ("rtpedge kamailio"), RTPE_BENCH_SMOKE=1 (50 calls at 20/s, rtpedge only).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/${RTPE_BUILD:-build}
NETNS=$ROOT/scripts/netns.sh
export RTPE_NS_PREFIX=${RTPE_NS_PREFIX:-bench-sip-}
SMOKE=${RTPE_BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
	DEF_CALLS=50 DEF_RATES=20 DEF_RELAYS=rtpedge
else
	DEF_CALLS=2000 DEF_RATES="200 300 400 500 600 800 1000 1200 1500 2000 2500 3000" DEF_RELAYS="rtpedge kamailio"
fi
CALLS=${RTPE_BENCH_SIP_CALLS:-$DEF_CALLS}
read -r -a RATES <<<"${RTPE_BENCH_SIP_RATES:-$DEF_RATES}"
read -r -a RELAYS <<<"${RTPE_BENCH_SIP_RELAYS:-$DEF_RELAYS}"
HOLD=${RTPE_BENCH_SIP_HOLD:-500}
PKTS=${RTPE_BENCH_SIP_PKTS:-10}
OUT=${RTPE_BENCH_OUT:-$B/bench}
GEN_CPU=0
RELAY_CPU=1
# sipp's SIP socket buffers, both ways (its default, 64 KiB, holds some 30
# messages: on a loaded host the callee sipp lost ACKs there, and aborted
# the call at its BYE): 4 MiB, net.core.rmem_max/wmem_max's cap here
SIPP_BUF=4194304
[ "$(nproc)" -lt 2 ] && RELAY_CPU=0
eval "$("$NETNS" env)"
T=$(mktemp -d /tmp/rtpe-bench-sip.XXXXXX)
RELAY_PIDS=() # what runs in the relay namespace (stopped by relay_stop)

say() { echo "bench-sip: $*" >&2; }
die() {
	say "$*"
	exit 2
}

inr() { ip netns exec "$RTPE_NS_RELAY" "$@"; }
inc() { ip netns exec "$RTPE_NS_CARRIER" "$@"; }
ins() { ip netns exec "$RTPE_NS_SBC" "$@"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	relay_stop
	"$NETNS" down >/dev/null 2>&1 || say "netns.sh down failed: remove ${RTPE_NS_PREFIX}* by hand"
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# relay_stop: TERM, then (after 5 s, bounded) KILL, to what relay_* started,
# then to anything else left in the relay namespace (kamailio's children).
relay_stop() {
	local p
	for p in "${RELAY_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for _ in $(seq 50); do
		[ -z "$(ns_pids)" ] && break
		sleep 0.1
	done
	for p in $(ns_pids); do kill -KILL "$p" 2>/dev/null; done
	for p in "${RELAY_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	RELAY_PIDS=()
}

ns_pids() {
	ip netns pids "$RTPE_NS_RELAY" 2>/dev/null
}

# relay_cpu_ns: CPU time (ns) of every thread of every process in the relay namespace.
relay_cpu_ns() {
	local p t s=0 v
	for p in $(ns_pids); do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r v _ <"$t" 2>/dev/null && s=$((s + v))
		done
	done
	echo "$s"
}

# A pcap of PKTS PCMA packets, 20 ms apart (sipp's play_pcap_audio sends
# their payloads, timed, to the address the other side's SDP gave).
make_pcap() {
	python3 - "$T/short.pcap" "$PKTS" <<-'PY'
		import struct, sys
		path, n = sys.argv[1], int(sys.argv[2])
		with open(path, "wb") as f:
		    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
		    for i in range(n):
		        rtp = struct.pack("!BBHII", 0x80, 8, i + 1, 160 * i, 0x5bc0ffee) + b"\xd5" * 160
		        udp = struct.pack("!HHHH", 6000, 5000, 8 + len(rtp), 0) + rtp
		        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
		                         bytes([198, 18, 2, 2]), bytes([198, 18, 1, 2])) + udp
		        eth = b"\x02\0\0\0\x01\x02" + b"\x02\0\0\0\x01\x01" + b"\x08\x00" + ip
		        us = 20000 * i
		        f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(eth), len(eth)) + eth)
	PY
}

# A counter of the RTP that reaches each end (nft, input hook).
media_counters() {
	local ns port
	for ns in "$RTPE_NS_CARRIER:5000" "$RTPE_NS_SBC:6000"; do
		port=${ns#*:} ns=${ns%:*}
		ip netns exec "$ns" nft -f - <<-EOF || die "cannot add the media counter in $ns"
			table ip sipbench {
				counter rtp {
				}
				chain in {
					type filter hook input priority 0;
					udp dport $port counter name rtp
				}
			}
		EOF
	done
}

media_count() {
	ip netns exec "$1" nft -j list counter ip sipbench rtp | jq '[.nftables[].counter.packets // empty] | add'
}

relay_start_rtpedge() {
	{
		printf '[relay]\ncontrol_socket = %s/ctl.sock\nmetrics_listen = 127.0.0.1:0\n' "$T"
		printf 'pin_path = %s/sipbench\nstate_file = %s/state.json\n' "$RTPE_BPFFS" "$T"
		printf 'xdp_mode = auto\nport_min = 10000\nport_max = 59999\nlog_level = warning\n'
		printf '[sip]\nlisten = udp:0.0.0.0:5060\n'
		# no OPTIONS pings: the callee sipp would take one for a call it does
		# not expect, fail it, and stop a call early (-m counts it)
		printf '[region lab]\nsbc = 198.18.2.2\ntransport = udp\ninterface = sbc\n'
		printf 'options_interval = 0\n'
		printf '[trunk carrier]\naddresses = 198.18.1.2\ntarget = 198.18.1.2:5060\n'
		printf 'transport = udp\ninterface = carrier\nregion = lab\n'
		printf '[interface carrier]\ndevice = r0\naddress = 198.18.1.1\n'
		printf '[interface sbc]\ndevice = r1\naddress = 198.18.2.1\n'
	} >"$T/rtpedge.conf"
	taskset -c "$RELAY_CPU" ip netns exec "$RTPE_NS_RELAY" "$B/rtpedged" -c "$T/rtpedge.conf" -f \
		>>"$T/rtpedge.log" 2>&1 &
	RELAY_PIDS+=($!)
	for _ in $(seq 100); do
		"$B/rtpedgectl" -s "$T/ctl.sock" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "rtpedged did not start: $(tail -n 5 "$T/rtpedge.log")"
}

# rtpengine without its kernel module (--table=-1: it cannot be loaded
# here), so media is relayed in userspace; kamailio with the bench's cfg.
relay_start_kamailio() {
	command -v kamailio >/dev/null && command -v rtpengine >/dev/null ||
		die "kamailio or rtpengine is missing: scripts/install-deps.sh installs them"
	taskset -c "$RELAY_CPU" ip netns exec "$RTPE_NS_RELAY" rtpengine --config-file=none \
		--table=-1 --foreground --log-stderr --log-level=3 --interface=carrier/198.18.1.1 \
		--interface=sbc/198.18.2.1 --listen-ng=127.0.0.1:2223 --port-min=20000 \
		--port-max=39999 --delete-delay=0 --num-threads=2 >>"$T/rtpengine.log" 2>&1 &
	RELAY_PIDS+=($!)
	mkdir -p "$T/kam"
	taskset -c "$RELAY_CPU" ip netns exec "$RTPE_NS_RELAY" kamailio -f "$ROOT/scripts/bench-kamailio.cfg" \
		-DD -E -m 128 -M 16 -Y "$T/kam" -P "$T/kam/kamailio.pid" >>"$T/kamailio.log" 2>&1 &
	RELAY_PIDS+=($!)
	for _ in $(seq 100); do
		inr ss -lun | grep -q '198.18.2.1:5060' && inr ss -lun | grep -q '127.0.0.1:2223' && return 0
		sleep 0.1
	done
	die "kamailio/rtpengine did not start: $(tail -n 3 "$T/kamailio.log") $(tail -n 3 "$T/rtpengine.log")"
}

# relay_udp FIELD: the relay namespace's Udp counter FIELD (/proc/net/snmp).
relay_udp() {
	inr awk -v f="$1" '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Udp:" && h { print (f in c) ? $c[f] : 0; exit }' /proc/net/snmp
}

# last_count LABEL FILE: the cumulative count on sipp's last screen line LABEL.
last_count() {
	grep -h "$1" "$2" | tail -n 1 | grep -oE '[0-9.]+' | tail -n 1
}

# step RELAY RATE: CALLS calls at RATE/s; one JSON line into $T/steps.jsonl.
step() {
	local relay=$1 rate=$2 lim c0 c1 m0c m0s t0 t1 rcu rcs ok fails rb0 sb0
	lim=$((CALLS / rate + HOLD / 1000 + 30))
	rm -f "$T"/uac.err "$T"/uac.out "$T"/uas.err "$T"/uas.out # sipp appends to its error file
	(cd "$T" && exec ip netns exec "$RTPE_NS_SBC" timeout -k 5 "$lim" taskset -c "$GEN_CPU" sipp -sf "$T/uas.xml" -nostdin \
		-i 198.18.2.2 -p 5060 -mi 198.18.2.2 -mp 6000 -m "$CALLS" -buff_size "$SIPP_BUF" -trace_err \
		-error_file "$T/uas.err" >"$T/uas.out" 2>&1) &
	local uas=$!
	sleep 0.3
	m0c=$(media_count "$RTPE_NS_CARRIER") m0s=$(media_count "$RTPE_NS_SBC")
	rb0=$(relay_udp RcvbufErrors) sb0=$(relay_udp SndbufErrors)
	c0=$(relay_cpu_ns) t0=$(date +%s%N)
	(cd "$T" && exec ip netns exec "$RTPE_NS_CARRIER" timeout -k 5 "$lim" taskset -c "$GEN_CPU" sipp -sf "$T/uac.xml" -nostdin \
		-i 198.18.1.2 -p 5070 -mi 198.18.1.2 -mp 5000 -s 15557654321 -d "$HOLD" \
		-r "$rate" -rp 1000 -m "$CALLS" -l $((rate * (HOLD + 2000) / 1000 + 50)) \
		-buff_size "$SIPP_BUF" -trace_err \
		-error_file "$T/uac.err" 198.18.1.1:5060 >"$T/uac.out" 2>&1)
	rcu=$?
	t1=$(date +%s%N) c1=$(relay_cpu_ns)
	wait "$uas"
	rcs=$?
	sleep 0.5 # the last packets of the last calls
	fails=$(last_count 'Failed call' "$T/uac.out")
	ok=$(last_count 'Successful call' "$T/uac.out")
	jq -nc --arg r "$relay" --argjson rate "$rate" --argjson calls "$CALLS" --argjson rcu "$rcu" \
		--argjson rcs "$rcs" --arg ok "${ok:-0}" --arg f "${fails:-}" \
		--argjson hold "$HOLD" \
		--argjson secs "$(((t1 - t0) / 1000000))" --argjson cpu "$(((c1 - c0) / 1000000))" \
		--argjson mc "$(($(media_count "$RTPE_NS_CARRIER") - m0c))" \
		--argjson ms "$(($(media_count "$RTPE_NS_SBC") - m0s))" --argjson pk "$PKTS" \
		--argjson rb "$(($(relay_udp RcvbufErrors) - rb0))" \
		--argjson sb "$(($(relay_udp SndbufErrors) - sb0))" \
		'{relay: $r, rate: $rate, calls: $calls, successful: ($ok | tonumber? // 0),
		  failed: (if $f == "" then null else ($f | tonumber? // null) end),
		  achieved_cps: ($calls * 1000 / ([$secs - $hold, 1] | max) | floor), uac_rc: $rcu, uas_rc: $rcs,
		  passed: ($rcu == 0 and $rcs == 0 and $mc == $calls * $pk and $ms == $calls * $pk),
		  wall_ms: $secs, relay_cpu_ms: $cpu,
		  relay_cpu_ms_per_call: ($cpu / $calls),
		  rtp_expected_each_way: ($calls * $pk), rtp_to_carrier: $mc, rtp_to_sbc: $ms,
		  relay_udp_rcvbuf_errors: $rb, relay_udp_sndbuf_errors: $sb}
		| . + {generator_limited: (.achieved_cps < 0.95 * .rate)}' \
		>>"$T/steps.jsonl"
	jq -r '"bench-sip: \(.relay) \(.rate) calls/s asked, \(.achieved_cps) made: \(.successful)/\(.calls) successful (uac rc \(.uac_rc), uas rc \(.uas_rc)), relay CPU \(.relay_cpu_ms) ms in \(.wall_ms) ms, relay UDP buffer errors \(.relay_udp_rcvbuf_errors) rcv \(.relay_udp_sndbuf_errors) snd, RTP \(.rtp_to_sbc)/\(.rtp_expected_each_way) to sbc, \(.rtp_to_carrier) to carrier"' \
		<<<"$(tail -n 1 "$T/steps.jsonl")" >&2
	# a rate sipp could not make: higher ones will not make more
	jq -e '.passed and (.generator_limited | not)' <<<"$(tail -n 1 "$T/steps.jsonl")" >/dev/null &&
		return 0
	jq -e .passed <<<"$(tail -n 1 "$T/steps.jsonl")" >/dev/null && return 1
	# why it failed: sipp's errors and last screens, kept beside the results
	for f in uac.err uas.err uac.out uas.out rtpedge.log kamailio.log rtpengine.log; do
		[ -f "$T/$f" ] && tail -c 20000 "$T/$f" >"$OUT/sip-$relay-$rate.$f"
	done
	{
		for ns in "$RTPE_NS_CARRIER" "$RTPE_NS_RELAY" "$RTPE_NS_SBC"; do
			echo "== $ns" && ip -n "$ns" -s link && ip netns exec "$ns" grep Udp: /proc/net/snmp
		done
	} >"$OUT/sip-$relay-$rate.links" 2>&1
	return 1
}

run_relay() {
	local relay=$1 rate
	"relay_start_$relay"
	sleep 0.5
	for rate in "${RATES[@]}"; do
		step "$relay" "$rate" || break
		sleep 1
	done
	relay_stop
}

main() {
	local r
	[ "$(id -u)" -eq 0 ] || die "run as root"
	for r in sipp jq nft python3 taskset; do
		command -v "$r" >/dev/null || die "$r is missing: scripts/install-deps.sh installs it"
	done
	[ -x "$B/rtpedged" ] || die "$B/rtpedged is missing: make first"
	mkdir -p "$OUT" || die "cannot write to $OUT"
	"$NETNS" up >"$T/netns.log" 2>&1 || die "netns.sh up failed: $(tail -n 3 "$T/netns.log")"
	make_pcap
	media_counters
	local sed="s|/usr/share/sip-tester/g711a.pcap|$T/short.pcap|"
	sed -e "$sed" "$ROOT/tests/e2e/sip/uac_basic.xml" >"$T/uac.xml"
	sed -e "$sed" "$ROOT/tests/e2e/sip/uas_basic.xml" >"$T/uas.xml"
	: >"$T/steps.jsonl"
	local load0
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	for r in "${RELAYS[@]}"; do
		run_relay "$r"
	done
	jq -s --arg load "$load0" --arg load1 "$(cut -d' ' -f1-3 /proc/loadavg)" \
		--argjson hold "$HOLD" --argjson pkts "$PKTS" --argjson calls "$CALLS" \
		--arg kam "$(kamailio -v 2>/dev/null | head -n 1)" \
		--arg rtpe "$(rtpengine --version 2>&1 | head -n 1)" \
		'{calls_per_step: $calls, hold_ms: $hold, rtp_packets_each_way: $pkts,
		  load_before: $load, load_after: $load1, kamailio: $kam, rtpengine: $rtpe,
		  rtpengine_mode: "userspace only (--table=-1: its kernel module cannot be loaded here)",
		  steps: .,
		  best: (group_by(.relay) | map({key: .[0].relay, value:
			(map(select(.passed)) | max_by(.achieved_cps) // null
			 | if . == null then {calls_per_s: 0} else {calls_per_s: .achieved_cps,
				asked_per_s: .rate, generator_limited: .generator_limited,
				relay_cpu_ms_per_call: .relay_cpu_ms_per_call,
				relay_cpu_share: (.relay_cpu_ms / .wall_ms),
				calls_per_relay_cpu_s: (if .relay_cpu_ms > 0
					then .calls / .relay_cpu_ms * 1000 | floor else null end)} end)})
			| from_entries)}' \
		"$T/steps.jsonl" >"$OUT/sip.json" || die "cannot write $OUT/sip.json"
}

main
