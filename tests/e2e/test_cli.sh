#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_cli.sh - rtpedgectl against a live rtpedged (xdp_mode off): exit
# codes and messages (1 refused or bad usage, 2 no daemon), human output,
# --json that jq parses; and rtpedged --check on good and bad configs.
. "$(dirname "$0")/lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl"
CTL=$B/rtpedgectl

# run_ctl ARGS...: runs the CLI on this test's socket; sets OUT, ERR, RC.
run_ctl() {
	OUT=$(ctl "$@" 2>"$T/err")
	RC=$?
	ERR=$(cat "$T/err")
}

# refused NAME REGEX ARGS...: a case where the CLI must exit 1 and say REGEX
# on stderr, printing nothing on stdout.
refused() {
	local name=$1 re=$2
	shift 2
	run_ctl "$@"
	case_begin "$name -> exit 1 with a message"
	check_eq "exit" "$RC" 1
	check_match "stderr" "$ERR" "$re"
	check_eq "stdout" "$OUT" ""
	case_end
}

case_begin "no daemon -> exit 2 with a message"
OUT=$("$CTL" -s "$T/nothing.sock" status 2>"$T/err")
check_eq "exit" "$?" 2
check_match "stderr" "$(cat "$T/err")" "nothing.sock|connect|daemon"
OUT=$(RTPEDGE_SOCKET=$T/nothing.sock "$CTL" --json stats 2>"$T/err")
check_eq "exit with RTPEDGE_SOCKET" "$?" 2
case_end

bed_up
if ! start_daemon off; then
	fail "daemon start" "rtpedged (xdp_mode off) did not come up; log above"
	exit 1
fi

case_begin "status: human and --json"
run_ctl status
check_eq "exit" "$RC" 0
check_match "interface carrier row" "$OUT" "carrier.*r0"
check_match "interface sbc row" "$OUT" "sbc.*r1"
run_ctl --json status
check_eq "--json exit" "$RC" 0
check_eq "--json interfaces" "$(jq -r '[.interfaces[].name] | join(",")' <<<"$OUT")" carrier,sbc
check_match "--json version" "$(jq -r .version <<<"$OUT")" '.'
case_end

refused "session add on an unknown interface" "unknown interface|nosuch" \
	session add nosuch 198.18.1.2:5004 sbc 198.18.2.2:6004
refused "session add with a peer without a port" "198\.18\.1\.2|IP:PORT|peer" \
	session add carrier 198.18.1.2 sbc 198.18.2.2:6004
refused "session add with a bad address" "999\.1\.1\.1|IP:PORT|peer|address" \
	session add carrier 999.1.1.1:5004 sbc 198.18.2.2:6004
refused "session add with port 70000" "70000|port|IP:PORT" \
	session add carrier 198.18.1.2:70000 sbc 198.18.2.2:6004
refused "session add with missing arguments" "usage|argument|IFACE" \
	session add carrier 198.18.1.2:5004
refused "session add with a multicast peer" 'peer_a "239\.1\.2\.3:5004" is multicast' \
	session add carrier 239.1.2.3:5004 sbc 198.18.2.2:6004
refused "session add with a broadcast peer" 'peer_b "255\.255\.255\.255:6004" is the broadcast address' \
	session add carrier 198.18.1.2:5004 sbc 255.255.255.255:6004
refused "session add with a loopback peer on a real interface" \
	'peer_a "127\.0\.0\.1:5004" is loopback \(127\.0\.0\.0/8\), and interface carrier is not' \
	session add carrier 127.0.0.1:5004 sbc 198.18.2.2:6004
refused "session add with the relay's own address as peer" \
	'peer_b "198\.18\.1\.1:6004" is the relay.s own address \(interface carrier\)' \
	session add carrier 198.18.1.2:5004 sbc 198.18.1.1:6004
refused "session show of an unknown id" "s-999" session show s-999
refused "session del of an unknown id" "s-999" session del s-999
refused "an unknown command" "frobnicate|unknown|usage" frobnicate

run_ctl session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
ADD_OUT=$OUT
ADD_RC=$RC
run_ctl --json session add carrier 198.18.1.2:5008 sbc 198.18.2.2:6008
ID2=$(jq -r .id <<<"$OUT")
LA2=$(jq -r '.legs[0].local' <<<"$OUT")
LB2=$(jq -r '.legs[1].local' <<<"$OUT")
ID1=$(grep -Eo 's-[0-9]+' <<<"$ADD_OUT" | head -n 1)

case_begin "session add: human output names the id and both local endpoints"
check_eq "exit" "$ADD_RC" 0
check_match "id" "$ADD_OUT" '^s-[0-9]+'
check_match "leg A local" "$ADD_OUT" '198\.18\.1\.1:40[0-9]{3}'
check_match "leg B local" "$ADD_OUT" '198\.18\.2\.1:40[0-9]{3}'
check_match "--json id" "$ID2" '^s-[0-9]+$'
check "ids differ" test "$ID1" != "$ID2"
case_end

case_begin "session list: every id and its endpoints, human and --json"
run_ctl session list
check_eq "exit" "$RC" 0
check_match "first id" "$OUT" "$ID1"
check_match "second id" "$OUT" "$ID2"
check_match "second leg A" "$OUT" "$LA2"
check_match "second leg B" "$OUT" "$LB2"
run_ctl --json session list
check_eq "--json count" "$(jq -r '.sessions | length' <<<"$OUT")" 2
check_eq "--json ids" "$(jq -r '[.sessions[].id] | sort | join(",")' <<<"$OUT")" \
	"$(printf '%s\n' "$ID1" "$ID2" | sort | paste -sd,)"
case_end

case_begin "session show: header and leg table, human and --json"
run_ctl session show "$ID2"
check_eq "exit" "$RC" 0
check_match "id" "$OUT" "$ID2"
check_match "leg A row" "$OUT" "carrier.*$LA2.*198\.18\.1\.2:5008"
check_match "leg B row" "$OUT" "sbc.*$LB2.*198\.18\.2\.2:6008"
run_ctl --json session show "$ID2"
check_eq "--json legs" "$(jq -r '.legs | length' <<<"$OUT")" 2
check_eq "--json leg B peer" "$(jq -r '.legs[1].peer' <<<"$OUT")" 198.18.2.2:6008
check_eq "--json packets" "$(jq -r '[.legs[].packets] | add' <<<"$OUT")" 0
case_end

case_begin "stats: human and --json"
run_ctl stats
check_eq "exit" "$RC" 0
check_match "sessions active" "$OUT" "sessions.active:? +2"
check_match "af_xdp (xdp_mode off: no sockets)" "$OUT" \
	"af_xdp:? +sockets 0, dropped 0, dropped_no_leg 0, sent_direct 0, sent_routed 0"
run_ctl --json stats
check_eq "--json sessions_active" "$(jq -r .sessions_active <<<"$OUT")" 2
check_match "--json packets.userspace" "$(jq -r .packets.userspace <<<"$OUT")" '^[0-9]+$'
case_end

case_begin "session del: says deleted, then the id is gone"
run_ctl session del "$ID1"
check_eq "exit" "$RC" 0
check_match "output" "$OUT" "deleted.*$ID1"
run_ctl session show "$ID1"
check_eq "show after del exit" "$RC" 1
run_ctl --json session list
check_eq "remaining" "$(jq -r '[.sessions[].id] | join(",")' <<<"$OUT")" "$ID2"
case_end

case_begin "help lists the commands"
OUT=$("$CTL" help 2>&1)
check_match "session add" "$OUT" "session add"
check_match "stats" "$OUT" "stats"
case_end

case_begin "a second rtpedged on the same socket refuses to start"
ip netns exec "$RTPE_NS_RELAY" timeout 10 "$B/rtpedged" -c "$T/rtpedge.conf" -f \
	>"$T/second.log" 2>&1
RC=$?
check "exit status 1-123 (not a timeout): $RC" test "$RC" -ge 1 -a "$RC" -le 123
check_match "message" "$(cat "$T/second.log")" "another rtpedged|answers|in use"
run_ctl status
check_eq "first still answers" "$RC" 0
case_end

# rtpedged --check: good configs exit 0, bad ones 1 with FILE:LINE:.
cp "$T/rtpedge.conf" "$T/good.conf"
case_begin "rtpedged --check on a good config -> exit 0"
OUT=$("$B/rtpedged" -c "$T/good.conf" --check 2>&1)
check_eq "exit" "$?" 0
if [ -f "$E2E_ROOT/scripts/rtpedge.conf.sample" ]; then
	OUT=$("$B/rtpedged" -c "$E2E_ROOT/scripts/rtpedge.conf.sample" --check 2>&1)
	check_eq "exit on scripts/rtpedge.conf.sample" "$?" 0
fi
case_end

# bad_config NAME LINE REGEX: the file $T/bad.conf must fail at LINE.
bad_config() {
	OUT=$("$B/rtpedged" -c "$T/bad.conf" --check 2>&1)
	RC=$?
	case_begin "rtpedged --check: $1 -> exit 1, $T/bad.conf:$2:"
	check_eq "exit" "$RC" 1
	check_match "FILE:LINE:" "$OUT" "bad\.conf:$2: "
	check_match "message" "$OUT" "$3"
	case_end
}
sed 's/^port_max = 40999$/port_max = 40999x/' "$T/good.conf" >"$T/bad.conf"
bad_config "bad port" "$(grep -n '^port_max' "$T/good.conf" | cut -d: -f1)" "port_max"
sed 's/^xdp_mode = off$/xdp_mode = turbo/' "$T/good.conf" >"$T/bad.conf"
bad_config "bad xdp_mode" "$(grep -n '^xdp_mode' "$T/good.conf" | cut -d: -f1)" "turbo|xdp_mode"
{ cat "$T/good.conf"; echo "colour = blue"; } >"$T/bad.conf"
bad_config "unknown key" "$(($(wc -l <"$T/good.conf") + 1))" "colour"
{ cat "$T/good.conf"; echo "[frobnicator x]"; } >"$T/bad.conf"
bad_config "unknown section" "$(($(wc -l <"$T/good.conf") + 1))" "frobnicator"

case_begin "rtpedged --check on a missing file -> exit 1 naming it"
OUT=$("$B/rtpedged" -c "$T/absent.conf" --check 2>&1)
check_eq "exit" "$?" 1
check_match "message" "$OUT" "absent\.conf"
case_end

# Access: control_group runs everything, control_ro_group the read-only
# commands, anyone else is refused; clients run as nobody (setpriv).
stop_daemon
chmod 711 "$T" # nobody reaches the socket in it
if ! command -v setpriv >/dev/null || ! getent group users nogroup staff >/dev/null; then
	skip "access" "needs setpriv and the groups users, nogroup, staff"
	exit 0
fi
if ! start_daemon off "control_group = users" "control_ro_group = nogroup"; then
	fail "daemon start with control_ro_group" "see the log above"
	exit 1
fi
# as_nobody GID GROUPS ARGS...: the CLI as uid 65534 with primary group GID
# and supplementary GROUPS ("" for none); sets OUT, ERR, RC.
as_nobody() {
	local gid=$1 groups=$2
	shift 2
	if [ -n "$groups" ]; then
		set -- --groups="$groups" "$@"
	else
		set -- --clear-groups "$@"
	fi
	OUT=$(setpriv --reuid=65534 --regid="$gid" "$@" 2>"$T/err")
	RC=$?
	ERR=$(cat "$T/err")
}
NOGROUP=$(getent group nogroup | cut -d: -f3)
USERS=$(getent group users | cut -d: -f3)
STAFF=$(getent group staff | cut -d: -f3)

case_begin "control_ro_group: read-only commands run, changing ones refused naming why"
check_eq "socket mode" "$(stat -c %a "$SOCK")" 666
as_nobody "$NOGROUP" "" "$CTL" -s "$SOCK" --json status
check_eq "status exit" "$RC" 0
check_eq "status --json interfaces" "$(jq -r '[.interfaces[].name] | join(",")' <<<"$OUT")" carrier,sbc
as_nobody "$NOGROUP" "" "$CTL" -s "$SOCK" session list
check_eq "session list exit" "$RC" 0
as_nobody "$NOGROUP" "" "$CTL" -s "$SOCK" session add carrier 198.18.1.2:5020 sbc 198.18.2.2:6020
check_eq "session add exit" "$RC" 1
check_match "session add message" "$ERR" \
	'permission denied: session.add changes the relay; uid 65534 is in control_ro_group "nogroup" only'
as_nobody "$NOGROUP" "" "$CTL" -s "$SOCK" shutdown
check_eq "shutdown exit" "$RC" 1
run_ctl status
check_eq "daemon still up" "$RC" 0
case_end

case_begin "control_group as a supplementary group: changing commands run"
as_nobody "$NOGROUP" "$USERS" "$CTL" -s "$SOCK" --json session add carrier 198.18.1.2:5020 sbc 198.18.2.2:6020
check_eq "session add exit" "$RC" 0
check_match "id" "$(jq -r .id <<<"$OUT")" '^s-[0-9]+$'
case_end

case_begin "in neither group: refused at connect with the reason"
as_nobody "$STAFF" "" "$CTL" -s "$SOCK" status
check_eq "exit" "$RC" 1
check_match "message" "$ERR" 'permission denied: uid 65534 is neither root nor in control_group "users" or control_ro_group "nogroup"'
case_end

case_begin "changing commands are logged with uid and pid, read-only ones are not"
LOG=$(cat "$T/daemon.log")
check_match "session.add by nobody" "$LOG" 'ctl: session\.add ok \(uid 65534, pid [0-9]+\)'
check_match "refusal by nobody" "$LOG" 'ctl: session\.add refused: permission denied: .* \(uid 65534, pid [0-9]+\)'
check_match "status without uid" "$LOG" 'ctl: status ok$'
check "no status with uid" test -z "$(grep -E 'ctl: (status|session\.list) ok \(uid' "$T/daemon.log")"
case_end

case_begin "reload that changes control_ro_group is refused: it needs a restart"
sed -i 's/^control_ro_group = nogroup$/control_ro_group = staff/' "$T/rtpedge.conf"
run_ctl reload
check_eq "exit" "$RC" 1
check_match "message" "$ERR" "control_group/control_ro_group changed: that needs a restart"
case_end
