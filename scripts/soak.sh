#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh - `make soak`: rtpedged under waves of sessions for a long time,
# and nothing grows. Each wave creates RTPE_SOAK_SESSIONS sessions (2,000)
# through the control socket, sends RTP through every RTPE_SOAK_EVERY-th
# of them (every 10th: one socket per peer, tests/tools/udpflows.py,
# every packet counted at the far end) and deletes them all; waves follow
# each other for RTPE_SOAK_SECONDS (600). After the first wave and after
# the last one the daemon is sampled the same way: RSS (VmRSS), open file
# descriptors, free port pairs, sessions, and the active entries of the
# pinned rtpe_legs map (bpftool). Asserted: RSS grew by less than
# RTPE_SOAK_RSS_PCT (10) percent, the same descriptors are open, every
# port pair is free and no map entry is left; every wave's adds and
# deletes succeeded and its packets all arrived. The figures are printed
# ("soak: ..." lines) whatever the verdict.
#
# A sanitizer build (RTPE_BUILD=build-san: a daemon linked with ASan) is
# checked with the same bound, but its daemon runs with ASan's quarantine
# off and freed memory returned at once: otherwise ASan holds every freed
# block (256 MB by default) and its RSS measures ASan, not the daemon (it
# grew over 600% in a minute). The case name says so; LeakSanitizer at
# the daemon's exit still checks what it left.
#
# Results are PASS/FAIL lines (tests/e2e/lib.sh, which this sources); exit
# 0 when every case passed. tests/e2e/test_soak.sh runs it for 60 s in
# `make check`. Env: RTPE_SOAK_SECONDS, RTPE_SOAK_SESSIONS,
# RTPE_SOAK_EVERY, RTPE_SOAK_RSS_PCT, RTPE_NS_PREFIX (default soak-: a bed
# of its own beside the tests'), RTPE_BUILD (build).
export RTPE_NS_PREFIX=${RTPE_NS_PREFIX:-soak-}
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/e2e/lib.sh"

SECS=${RTPE_SOAK_SECONDS:-600}
N=${RTPE_SOAK_SESSIONS:-2000}
EVERY=${RTPE_SOAK_EVERY:-10}
RSS_PCT=${RTPE_SOAK_RSS_PCT:-10}
PKTS=10            # packets per flow and wave
FLOWS=$(((N + EVERY - 1) / EVERY))
PAIRS_IF=$((N * 5 / 4)) # port pairs per interface: a quarter to spare
E2E_PORT_MIN=40000
E2E_PORT_MAX=$((40000 + 2 * PAIRS_IF - 1))
PAIRS=$((2 * PAIRS_IF)) # over both interfaces
CTLB=$B/tools/ctlbench
FLOWTOOL=$E2E_ROOT/tests/tools/udpflows.py

say() {
	echo "soak: $*"
}

# ASan in the daemon: its freed memory must not be held for RSS to mean anything.
RSS_HOW=""
if grep -qa __asan_init "$B/rtpedged" 2>/dev/null; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0:allocator_release_to_os_interval_ms=0
	RSS_HOW=", ASan build with its quarantine off"
	say "ASan build: the daemon runs with quarantine_size_mb=0 (freed memory not held), so that RSS is the daemon's"
fi

# legs_active: active entries of the pinned rtpe_legs map.
legs_active() {
	bpftool -j map dump pinned "$RTPE_BPFFS/e2e/rtpe_legs" 2>/dev/null |
		jq '[.[] | select((.formatted.value.flags / 8 | floor) % 2 == 1)] | length'
}

# rss_kb, fds: the daemon's VmRSS and open file descriptors.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status" 2>/dev/null
}
fds() {
	find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# sample: "RSS_KB FDS PORTS_FREE SESSIONS MAP_LEGS" of the running daemon.
sample() {
	local rss st
	rss=$(rss_kb)
	st=$(ctl --json status | jq -r '"\(.ports_free) \(.sessions)"')
	echo "${rss:-?} $(fds) ${st:-? ?} $(legs_active)"
}

# traffic: RTP through every EVERY-th session of $T/flows, counted at the
# far end. Adds the wave's figures to SENT/RECEIVED; fails the wave when
# something is missing.
traffic() {
	local out
	rm -f "$T/recv.json" "$T/recv.err" # the last wave's "ready" must not be read as this one's
	ip netns exec "$RTPE_NS_SBC" python3 "$FLOWTOOL" recv --flows "$T/flows" --every "$EVERY" \
		--expect "$PKTS" --timeout 10 >"$T/recv.json" 2>"$T/recv.err" &
	local rpid=$!
	for _ in $(seq 600); do # bounded: 60 s for the receiver to bind
		grep -q ready "$T/recv.err" 2>/dev/null && break
		kill -0 "$rpid" 2>/dev/null || break
		sleep 0.1
	done
	ip netns exec "$RTPE_NS_CARRIER" timeout 120 python3 "$FLOWTOOL" send --flows "$T/flows" \
		--every "$EVERY" --count "$PKTS" --rate 2000 >"$T/send.json" 2>"$T/send.err"
	wait "$rpid"
	out=$(jq -r '"\(.sent // 0)"' "$T/send.json" 2>/dev/null)
	SENT=$((SENT + ${out:-0}))
	out=$(jq -r '"\(.received // 0) \(.bad_source // 0) \(.short_flows // 0)"' "$T/recv.json" 2>/dev/null)
	read -r r b s <<<"${out:-0 0 $FLOWS}"
	RECEIVED=$((RECEIVED + r))
	BAD_SOURCE=$((BAD_SOURCE + b))
	[ "$s" -eq 0 ] || {
		SHORT_WAVES=$((SHORT_WAVES + 1))
		[ -n "$FIRST_SHORT" ] || FIRST_SHORT="wave $WAVES: $(cat "$T/recv.json" "$T/recv.err" \
			"$T/send.err" 2>/dev/null | head -c 300); the sbc's UDP (NoPorts, InErrors, RcvbufErrors): \
			$(snmp_udp_in "$RTPE_NS_SBC" NoPorts) $(snmp_udp_in "$RTPE_NS_SBC" InErrors) \
			$(snmp_udp_in "$RTPE_NS_SBC" RcvbufErrors)"
	}
}

# wave: N sessions created, traffic on some, all deleted.
wave() {
	rm -f "$T/flows"
	if ! timeout 120 "$CTLB" add --socket "$SOCK" --count "$N" --iface-a carrier --iface-b sbc \
		--flows "$T/flows" >"$T/add.json"; then
		ADD_FAILED=$((ADD_FAILED + 1))
		[ -n "$FIRST_ERR" ] || FIRST_ERR="wave $WAVES add: $(head -c 300 "$T/add.json")"
	fi
	traffic
	[ "$WAVES" -eq 0 ] && LEGS_FULL=$(legs_active) # proof that the count sees legs
	if ! timeout 120 "$CTLB" del --socket "$SOCK" --flows "$T/flows" >"$T/del.json"; then
		DEL_FAILED=$((DEL_FAILED + 1))
		[ -n "$FIRST_ERR" ] || FIRST_ERR="wave $WAVES del: $(head -c 300 "$T/del.json")"
	fi
	WAVES=$((WAVES + 1))
	CREATED=$((CREATED + $(wc -l <"$T/flows")))
}

e2e_require "$B/rtpedged" "$B/rtpedgectl" "$CTLB"
command -v bpftool >/dev/null || { fail setup "bpftool is missing (scripts/install-deps.sh)"; exit 1; }
bed_up
start_daemon auto "session_timeout = 600" || { fail "daemon start" "see log"; exit 1; }

WAVES=0 CREATED=0 SENT=0 RECEIVED=0 BAD_SOURCE=0 SHORT_WAVES=0 ADD_FAILED=0 DEL_FAILED=0
FIRST_ERR="" FIRST_SHORT=""
T0=$(date +%s)
wave
read -r RSS0 FDS0 PORTS0 SESS0 LEGS0 <<<"$(sample)"
say "after wave 1: rss_kb=$RSS0 fds=$FDS0 ports_free=$PORTS0 sessions=$SESS0 map_legs=$LEGS0"
NEXT_SAY=$((T0 + 60))
while [ $(($(date +%s) - T0)) -lt "$SECS" ] && kill -0 "$DAEMON_PID" 2>/dev/null; do
	wave
	if [ "$(date +%s)" -ge "$NEXT_SAY" ]; then
		say "$(($(date +%s) - T0)) s, wave $WAVES: rss_kb=$(rss_kb) fds=$(fds)"
		NEXT_SAY=$((NEXT_SAY + 60))
	fi
done
ELAPSED=$(($(date +%s) - T0))
read -r RSS1 FDS1 PORTS1 SESS1 LEGS1 <<<"$(sample)"
say "after wave $WAVES ($ELAPSED s): rss_kb=$RSS1 fds=$FDS1 ports_free=$PORTS1 sessions=$SESS1 map_legs=$LEGS1"
say "rtpe_legs entries with wave 1's $N sessions live: $LEGS_FULL"
say "sessions created and deleted: $CREATED; rtp packets sent: $SENT, received: $RECEIVED"
PUNT_LOST=$(grep -o 'punt: [0-9]* frames lost' "$T/daemon.log" | awk '{ n += $2 } END { print n + 0 }')
say "xdp verdicts: $(ctl --json stats | jq -c '[.xdp_verdicts[] | select(.packets > 0) |
	"\(.verdict)/\(.reason)=\(.packets)"] | join(" ")'); punted frames lost: $PUNT_LOST"
GROWTH=$(awk -v a="$RSS0" -v b="$RSS1" 'BEGIN { if (a > 0 && b > 0) printf "%.1f", (b - a) * 100 / a; else print "?" }')
say "rss growth: $GROWTH% (tolerance $RSS_PCT%)"

case_begin "the daemon ran every wave ($WAVES waves of $N sessions in $ELAPSED s)"
check "daemon alive" kill -0 "$DAEMON_PID"
check_ge "waves" "$WAVES" 2
check_eq "waves whose adds failed" "$ADD_FAILED" 0
check_eq "waves whose deletes failed" "$DEL_FAILED" 0
[ -n "$FIRST_ERR" ] && why_add "first: $FIRST_ERR"
case_end

case_begin "traffic on every $EVERY-th session arrived, every packet, from the right source"
check_eq "packets sent" "$SENT" $((WAVES * FLOWS * PKTS))
check_eq "packets received" "$RECEIVED" "$SENT"
check_eq "from another source" "$BAD_SOURCE" 0
check_eq "waves with a flow short" "$SHORT_WAVES" 0
[ -n "$FIRST_SHORT" ] && why_add "first: $FIRST_SHORT"
case_end

case_begin "flat: RSS +$GROWTH% (< $RSS_PCT%$RSS_HOW), fds $FDS0 -> $FDS1, ports and map entries all free"
if [ "$GROWTH" = "?" ]; then
	why_add "RSS not sampled: '$RSS0' kB, '$RSS1' kB"
elif [ $((RSS1 * 100)) -ge $((RSS0 * (100 + RSS_PCT))) ]; then
	why_add "RSS grew from $RSS0 kB to $RSS1 kB ($GROWTH%)"
fi
check_eq "open fds at the end" "$FDS1" "$FDS0"
check_eq "ports free at the end" "$PORTS1" "$PAIRS"
check_eq "ports free after wave 1" "$PORTS0" "$PAIRS"
check_eq "sessions at the end" "$SESS1" 0
check_eq "rtpe_legs entries at the end" "$LEGS1" 0
check_eq "rtpe_legs entries counted with wave 1's sessions live" "$LEGS_FULL" $((2 * N))
case_end

stop_daemon
STOP_RC=$?
case_begin "a clean stop after the soak"
check_eq "exit status" "$STOP_RC" 0
case_end
