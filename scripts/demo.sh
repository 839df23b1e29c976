#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - rtpedge relaying a call in the netns test bed (`make demo`).
#
# Builds the test bed (scripts/netns.sh), starts rtpedged in the relay
# namespace (xdp_mode auto), creates one session carrier <-> sbc, sends RTP
# both ways with rtpprobe (every byte verified at the far end), prints
# status, the session and the stats, and one verdict line. Everything is
# torn down on exit, also on failure or Ctrl-C. Exit status: 0 when the
# relay carried every packet both ways intact, 1 otherwise.
#
# Env: RTPE_DEMO_PACKETS (default 1500 each way), RTPE_DEMO_RATE (500/s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
N=${RTPE_DEMO_PACKETS:-1500}
RATE=${RTPE_DEMO_RATE:-500}
DAEMON_PID=""
T=""

die() {
	echo "demo: $*" >&2
	exit 1
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
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
EOF

echo "demo: starting rtpedged in $RTPE_NS_RELAY"
ip netns exec "$RTPE_NS_RELAY" "$B/rtpedged" -c "$T/rtpedge.conf" -f >"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 50); do
	ctl status >/dev/null 2>&1 && break
	kill -0 "$DAEMON_PID" 2>/dev/null || die "rtpedged exited at start"
	sleep 0.1
done
ctl status >/dev/null 2>&1 || die "rtpedged did not answer within 5 s"

echo
echo "\$ rtpedgectl session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004"
ctl --json session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 >"$T/add.json"
ID=$(jq -r .id "$T/add.json")
LA=$(jq -r '.legs[0].local' "$T/add.json")
LB=$(jq -r '.legs[1].local' "$T/add.json")
echo "$ID: carrier 198.18.1.2:5004 <-> $LA | $LB <-> sbc 198.18.2.2:6004"

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

echo
echo "\$ rtpedgectl status"
ctl status
echo
echo "\$ rtpedgectl session show $ID"
ctl session show "$ID"
echo
echo "\$ rtpedgectl stats"
ctl stats
echo

PATHS=$(ctl --json session show "$ID" | jq -r '[.legs[].path] | unique | join(",")')
XDP=$(($(ctl --json stats | jq -r '.packets.xdp // 0') - XDP0))
GOT_C=$(jq -r .received "$T/carrier.json" 2>/dev/null || echo 0)
GOT_S=$(jq -r .received "$T/sbc.json" 2>/dev/null || echo 0)
if [ "$CRC" -ne 0 ] || [ "$SRC" -ne 0 ]; then
	echo "demo: FAILED: carrier got $GOT_C/$N, sbc got $GOT_S/$N (see the probe lines above)"
	cat "$T/carrier.err" "$T/sbc.err" >&2
	exit 1
fi
if [ "$PATHS" = xdp ] && [ "$XDP" -eq $((2 * N)) ]; then
	echo "demo: $N/$N packets each way relayed in XDP, payloads intact"
else
	echo "demo: $N/$N packets each way relayed (path $PATHS, $XDP in XDP), payloads intact"
fi
