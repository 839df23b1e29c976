#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - rtpedge carrying a SIP call in the netns test bed (`make demo`).
#
# Builds the test bed (scripts/netns.sh), starts rtpedged in the relay
# namespace (xdp_mode auto) with its SIP proxy: the carrier host is a
# customer trunk, the sbc host a platform region's SBC. sipp on the sbc
# host answers, sipp on the carrier places a call to +15557654321 through
# the relay; the proxy anchors the media on the relay by rewriting the SDP.
# While the call lasts, RTP goes both ways between the addresses each side
# was given in SDP (rtpprobe, every byte verified at the far end); then the
# caller's BYE ends the call and frees its ports. Prints the call, the
# session, stats and status, and one verdict line. Everything is torn down
# on exit, also on failure or Ctrl-C. Exit status: 0 when the call was
# answered, the relay carried every packet both ways intact and the BYE
# ended it; 1 otherwise.
#
# Env: RTPE_DEMO_PACKETS (default 1500 each way), RTPE_DEMO_RATE (500/s),
# RTPE_NS_PREFIX (the namespaces' prefix), RTPE_BUILD (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/${RTPE_BUILD:-build} # the sanitizer build when the suite runs it
N=${RTPE_DEMO_PACKETS:-1500}
RATE=${RTPE_DEMO_RATE:-500}
DAEMON_PID=""
SIPP_PIDS=()
T=""
SCEN=$ROOT/tests/e2e/sip

die() {
	echo "demo: $*" >&2
	exit 1
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	for p in "${SIPP_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$DAEMON_PID" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ] && [ -s "$T/daemon.log" ]; then
		echo "--- rtpedged log ---" >&2
		tail -n 30 "$T/daemon.log" >&2
	fi
	"$ROOT/scripts/netns.sh" down >/dev/null 2>&1 || echo "demo: netns.sh down failed" >&2
	[ -n "$T" ] && rm -rf "$T"
	echo "demo: test bed removed"
	exit "$rc"
}

[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, XDP)"
for f in rtpedged rtpedgectl tools/rtpprobe; do
	[ -x "$B/$f" ] || die "$B/$f is missing: run 'make all build/tools/rtpprobe' (or make demo)"
done
command -v sipp >/dev/null || die "sipp is missing: apt-get install sip-tester (or make demo)"
T=$(mktemp -d /tmp/rtpe-demo.XXXXXX)
trap cleanup EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM

ctl() {
	"$B/rtpedgectl" -s "$T/rtpedge.sock" "$@"
}

echo "demo: building the test bed (carrier, sbc, attacker, relay namespaces)"
"$ROOT/scripts/netns.sh" up
eval "$("$ROOT/scripts/netns.sh" env)"

cat >"$T/rtpedge.conf" <<EOF
[relay]
control_socket = $T/rtpedge.sock
metrics_listen = 127.0.0.1:0
pin_path = $RTPE_BPFFS/demo
state_file = $T/state.json
xdp_mode = auto
port_min = 40000
port_max = 40999

[interface carrier]
device = r0
address = 198.18.1.1

[interface sbc]
device = r1
address = 198.18.2.1

[sip]
listen = udp:198.18.1.1:5060, udp:198.18.2.1:5060

[region lab]
sbc = 198.18.2.2
interface = sbc
options_interval = 0

[trunk carrier]
addresses = 198.18.1.2
target = 198.18.1.2:5060
interface = carrier
region = lab
EOF

echo "demo: starting rtpedged in $RTPE_NS_RELAY (SIP on 198.18.1.1:5060 and 198.18.2.1:5060)"
ip netns exec "$RTPE_NS_RELAY" "$B/rtpedged" -c "$T/rtpedge.conf" -f >"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 50); do
	ctl status >/dev/null 2>&1 && break
	kill -0 "$DAEMON_PID" 2>/dev/null || die "rtpedged exited at start"
	sleep 0.1
done
ctl status >/dev/null 2>&1 || die "rtpedged did not answer within 5 s"
FREE0=$(ctl --json status | jq -r .ports_free)

# sipp_run NAME NS SCENARIO ARGS...: one sipp in NS in the background, at
# most 60 s. Its SDP advertises port rtp_port (where rtpprobe listens), not
# sipp's own media port, and it plays no audio of its own (the probes do).
sipp_run() {
	local name=$1 ns=$2 sf=$3
	shift 3
	sed -e 's/m=audio \[media_port\]/m=audio [rtp_port]/' -e '/play_pcap_audio/d' \
		"$SCEN/$sf" >"$T/$name.xml"
	(cd "$T" && exec ip netns exec "$ns" timeout -k 5 60 sipp -sf "$T/$name.xml" -nostdin \
		-m 1 -trace_logs -log_file "$T/$name.log" -trace_err -error_file "$T/$name.err" \
		"$@" >"$T/$name.out" 2>&1) &
	SIPP_PIDS+=($!)
}

CALL_MS=$((N * 1000 / RATE + 3000))
echo "demo: sipp on the sbc host answers; sipp on the carrier calls +15557654321 for $((CALL_MS / 1000)) s"
sipp_run uas "$RTPE_NS_SBC" uas_basic.xml -i 198.18.2.2 -p 5060 -mi 198.18.2.2 -mp 16004 \
	-key rtp_port 6004
sleep 0.3
sipp_run uac "$RTPE_NS_CARRIER" uac_basic.xml -i 198.18.1.2 -p 5070 -mi 198.18.1.2 -mp 15104 \
	-key rtp_port 5004 -s +15557654321 -d "$CALL_MS" 198.18.1.1:5060

# the call is answered when its session knows both peers
ID=""
for _ in $(seq 100); do
	ID=$(ctl --json session list | jq -r '[.sessions[] |
		select(all(.legs[]; .peer != "0.0.0.0:0"))][0].id // empty')
	[ -n "$ID" ] && break
	sleep 0.1
done
[ -n "$ID" ] || die "the call was not answered within 10 s (sipp: $(tail -c 300 "$T/uac.err" 2>/dev/null))"
LA=$(ctl --json session show "$ID" | jq -r '.legs[0].local')
LB=$(ctl --json session show "$ID" | jq -r '.legs[1].local')
sleep 0.2 # sipp writes its log as the messages come
echo
echo "\$ rtpedgectl calls"
ctl calls
echo "  the caller was answered with: $(grep -o 'answer c=[^ ]* m=[0-9]*' "$T/uac.log" | head -n 1)"
echo "  the callee was offered:       $(grep -o 'offer c=[^ ]* m=[0-9]*' "$T/uas.log" | head -n 1)"
echo "  media session $ID: carrier 198.18.1.2:5004 <-> $LA | $LB <-> sbc 198.18.2.2:6004"

echo
echo "demo: $N RTP packets each way at $RATE/s ($((N / RATE)) s, 8 kHz clock), every byte verified"
XDP0=$(ctl --json stats | jq -r '.packets.xdp // 0')
set +e
ip netns exec "$RTPE_NS_CARRIER" "$B/tools/rtpprobe" --json --bind 198.18.1.2:5004 \
	--to "$LA" --count "$N" --rate "$RATE" --expect "$N" --expect-from "$LA" \
	--timeout 3000 --delay 300 --ts-step $((8000 / RATE)) >"$T/carrier.json" 2>"$T/carrier.err" &
CPID=$!
ip netns exec "$RTPE_NS_SBC" "$B/tools/rtpprobe" --json --bind 198.18.2.2:6004 \
	--to "$LB" --count "$N" --rate "$RATE" --expect "$N" --expect-from "$LB" \
	--timeout 3000 --delay 300 --ts-step $((8000 / RATE)) >"$T/sbc.json" 2>"$T/sbc.err"
SRC=$?
wait "$CPID"
CRC=$?
set -e

for side in carrier sbc; do
	jq -r --arg s "$side" '"  \($s): sent \(.sent), received \(.received) from \(.last_source), " +
		"bad \(.bad_source + .bad_payload), lost \(.lost), one-way latency p50 " +
		"\(.latency_us_p50) us, p99 \(.latency_us_p99) us"' "$T/$side.json" || true
done

PATHS=$(ctl --json session show "$ID" | jq -r '[.legs[].path] | unique | join(",")')
XDP=$(($(ctl --json stats | jq -r '.packets.xdp // 0') - XDP0))
echo
echo "\$ rtpedgectl session show $ID"
ctl session show "$ID"
echo
echo "\$ rtpedgectl stats"
ctl stats

echo
echo "demo: waiting for the caller's BYE"
BYE=no
for _ in $(seq 100); do
	if [ "$(ctl --json session list | jq '.sessions | length')" = 0 ]; then
		BYE=yes
		break
	fi
	sleep 0.1
done
echo "\$ rtpedgectl status"
ctl status

GOT_C=$(jq -r .received "$T/carrier.json" 2>/dev/null || echo 0)
GOT_S=$(jq -r .received "$T/sbc.json" 2>/dev/null || echo 0)
echo
if [ "$CRC" -ne 0 ] || [ "$SRC" -ne 0 ]; then
	echo "demo: FAILED: carrier got $GOT_C/$N, sbc got $GOT_S/$N (see the probe lines above)"
	cat "$T/carrier.err" "$T/sbc.err" >&2
	exit 1
fi
if [ "$BYE" != yes ] || [ "$(ctl --json status | jq -r .ports_free)" != "$FREE0" ]; then
	echo "demo: FAILED: the media crossed, but the BYE did not end the call and free its ports"
	exit 1
fi
# the first packet of each direction goes through the daemon, which confirms the leg
if [ "$PATHS" = xdp ] && [ "$XDP" -ge $((2 * N - 2)) ]; then
	echo "demo: a SIP call through the proxy; $N/$N packets each way relayed, $XDP of them in XDP, payloads intact; the BYE freed its ports"
else
	echo "demo: a SIP call through the proxy; $N/$N packets each way relayed (path $PATHS, $XDP in XDP), payloads intact; the BYE freed its ports"
fi
