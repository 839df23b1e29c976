#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_lifecycle.sh - how the daemon is run: with only the capabilities the
# systemd unit grants (read from scripts/rtpedged.service, so the unit and
# this test cannot drift apart), a second instance on the same socket
# refused, reload through the CLI and SIGHUP applying a good config and
# keeping the running one on a bad or restart-only change, each with the
# reason, and SIGTERM ending with status 0.
. "$(dirname "$0")/lib.sh"

UNIT=$E2E_ROOT/scripts/rtpedged.service
e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up

# The unit's capability set, as setpriv wants it: -all,+bpf,+perfmon,...
CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z' 'a-z' |
	sed 's/cap_//g; s/ /,+/g; s/^/-all,+/')
case_begin "the unit grants capabilities, not full root"
check_match "bounding set" "$CAPS" '^-all,\+bpf'
check_eq "same set as ambient" "$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")" \
	"$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")"
check_eq "no CAP_SYS_ADMIN" "$(grep -c SYS_ADMIN "$UNIT")" 0
case_end

# start_daemon with the unit's capabilities: wrap rtpedged in setpriv.
mkdir -p "$T/bin"
cat >"$T/bin/rtpedged" <<WRAP
#!/bin/sh
exec setpriv --bounding-set $CAPS --inh-caps $CAPS --ambient-caps $CAPS -- $B/rtpedged "\$@"
WRAP
chmod +x "$T/bin/rtpedged"
REAL_B=$B
B=$T/bin
cp "$REAL_B/rtpedgectl" "$T/bin/"
start_daemon auto "session_timeout = 60"
STARTED=$?
B=$REAL_B
PID=$(pgrep -f "rtpedged -c $T/rtpedge.conf" | head -1)
case_begin "runs with only the unit's capabilities and attaches XDP natively"
check_eq "started" "$STARTED" 0
# CAP_NET_ADMIN 12, CAP_NET_RAW 13, CAP_NET_BIND_SERVICE 10, CAP_PERFMON 38, CAP_BPF 39
check_match "CapEff" "$(grep CapEff /proc/"$PID"/status 2>/dev/null)" '000000c000003400$'
check_eq "r0" "$(ctl --json status | jq -r '.interfaces[0].xdp')" native
check_eq "r1" "$(ctl --json status | jq -r '.interfaces[1].xdp')" native
ctl --json session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 >"$T/add.json"
LA=$(jq -r '.legs[0].local' "$T/add.json")
check_match "session add" "$LA" '^198\.18\.1\.1:'
probe_run p "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count 100 --rate 1000 \
	--expect 0 --timeout 100
sleep 0.2
check_eq "leg A packets" "$(ctl --json session show s-1 | jq -r '.legs[0].packets')" 100
case_end

case_begin "a second daemon on the same socket is refused, the first keeps serving"
ip netns exec "$RTPE_NS_RELAY" "$B/rtpedged" -c "$T/rtpedge.conf" -f >"$T/second.log" 2>&1
check_eq "second exit" "$?" 1
check_match "second says why" "$(cat "$T/second.log")" "another rtpedged answers"
check_eq "first still answers" "$(ctl --json status | jq -r .sessions)" 1
case_end

CONF=$T/rtpedge.conf
cp "$CONF" "$T/good.conf"
case_begin "reload applies a good change"
sed -i 's/^session_timeout = 60/session_timeout = 45/' "$CONF"
OUT=$(ctl reload 2>&1)
check_eq "exit" "$?" 0
check_match "log" "$(tail -n 5 "$T/daemon.log")" "reloaded $CONF"
case_end

case_begin "reload refuses a bad file with FILE:LINE and keeps the running config"
sed -i 's/^port_max = 40999/port_max = 4099x/' "$CONF"
OUT=$(ctl reload 2>&1)
check_eq "exit" "$?" 1
check_match "message" "$OUT" "$CONF:[0-9]+: port_max"
check_eq "sessions untouched" "$(ctl --json status | jq -r .sessions)" 1
case_end

case_begin "reload refuses a change that needs a restart, saying which"
sed -i 's/^port_max = 4099x/port_max = 41999/' "$CONF"
OUT=$(ctl reload 2>&1)
check_eq "exit" "$?" 1
check_match "message" "$OUT" "port_min/port_max changed: that needs a restart"
check_eq "ports unchanged" "$(ctl --json status | jq -r .ports_free)" 998
case_end

case_begin "SIGHUP: bad file refused in the log, good file applied"
sed -i 's/^port_max = 41999/port_max = banana/' "$CONF"
kill -HUP "$PID"
sleep 0.5
check_match "refused" "$(tail -n 5 "$T/daemon.log")" "reload refused, keeping the running config: $CONF:[0-9]+"
cp "$T/good.conf" "$CONF"
kill -HUP "$PID"
sleep 0.5
check_match "applied" "$(tail -n 3 "$T/daemon.log")" "reloaded $CONF"
check "still alive" kill -0 "$PID"
case_end

case_begin "rtpedged --check: 0 on a good file, 1 with FILE:LINE on a bad one"
OUT=$("$B/rtpedged" -c "$CONF" --check 2>&1)
check_eq "good exit" "$?" 0
sed 's/^xdp_mode = auto/xdp_mode = turbo/' "$CONF" >"$T/bad.conf"
OUT=$("$B/rtpedged" -c "$T/bad.conf" --check 2>&1)
check_eq "bad exit" "$?" 1
check_match "bad message" "$OUT" "^$T/bad.conf:[0-9]+: xdp_mode"
case_end

case_begin "SIGTERM: exit status 0, socket removed"
stop_daemon
check_eq "exit status" "$?" 0
check "socket gone" test ! -e "$SOCK"
case_end
