# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - what every end-to-end test sources: result lines, the test bed,
# the daemon in the relay namespace, the CLI, probes and counters.
#
# On exit (normal, failure, Ctrl-C, timeout's SIGTERM) a trap stops the
# probes and the daemon (SIGTERM, SIGKILL after 5 s), tears down the test
# bed and removes the temporary directory. The test's exit status is 1
# when any case failed. Case names are prefixed with the test's name
# (test_xdp_path.sh -> "xdp_path: ...").
set -uo pipefail

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_NAME=$(basename "$0" .sh)
E2E_NAME=${E2E_NAME#test_}
B=$E2E_ROOT/${RTPE_BUILD:-build} # make check SAN=... runs the sanitizer builds
NETNS=$E2E_ROOT/scripts/netns.sh
PROBE=$B/tools/rtpprobe
eval "$("$NETNS" env)"
T=$(mktemp -d /tmp/rtpe-e2e-"$E2E_NAME".XXXXXX)
SOCK=$T/rtpedge.sock
E2E_FAILED=0
DAEMON_PID=""
declare -A PROBE_PID=()

pass() {
	echo "PASS: $E2E_NAME: $1"
}

# fail NAME WHY
fail() {
	echo "FAIL: $E2E_NAME: $1: $2"
	E2E_FAILED=$((E2E_FAILED + 1))
}

# skip NAME WHY
skip() {
	echo "SKIP: $E2E_NAME: $1: $2"
}

# Assertion groups: case_begin NAME; check_* ...; case_end prints one line.
case_begin() {
	E2E_CASE=$1
	E2E_WHY=""
}

# check WHAT CMD...: CMD must succeed.
check() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 || why_add "$what"
}

# why_add TEXT: records a failed check, on one line (result lines are lines).
why_add() {
	local t=${1//$'\n'/ | }
	E2E_WHY+="${E2E_WHY:+; }${t:0:400}"
}

# check_eq WHAT ACTUAL EXPECTED
check_eq() {
	[ "$2" = "$3" ] || why_add "$1 is '$2', expected '$3'"
}

# check_ge WHAT ACTUAL MIN (integers)
check_ge() {
	[[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$3" ] ||
		why_add "$1 is '$2', expected at least $3"
}

# check_match WHAT TEXT REGEX (grep -E)
check_match() {
	grep -Eq -- "$3" <<<"$2" || why_add "$1 does not match /$3/: '${2:0:200}'"
}

case_end() {
	if [ -z "$E2E_WHY" ]; then
		pass "$E2E_CASE"
	else
		fail "$E2E_CASE" "$E2E_WHY"
	fi
}

# Stops the daemon: SIGTERM, then SIGKILL after 5 s. Returns the daemon's
# exit status (0 for a clean stop), 0 when none runs.
stop_daemon() {
	local pid=$DAEMON_PID rc
	[ -n "$pid" ] || return 0
	DAEMON_PID=""
	kill -TERM "$pid" 2>/dev/null
	if ! gone_within_5s "$pid"; then
		echo "lib.sh: rtpedged ($pid) ignored SIGTERM for 5 s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	return "$rc"
}

# gone_within_5s PID: waits up to 5 s for PID to exit; fails if it has not.
gone_within_5s() {
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# shutdown_remove: `rtpedgectl shutdown --remove` (detach XDP, unpin, delete
# the state file) and wait up to 5 s for the daemon to exit.
shutdown_remove() {
	local pid=$DAEMON_PID
	ctl shutdown --remove >/dev/null
	DAEMON_PID=""
	[ -n "$pid" ] || return 0
	gone_within_5s "$pid"
	wait "$pid" 2>/dev/null
}

# SAN_REPORT: what starts a sanitizer's report (ASan, LSan, UBSan).
SAN_REPORT='ERROR: [A-Za-z]+Sanitizer|runtime error: |SUMMARY: [A-Za-z]+Sanitizer'

# san_check: every daemon this test ran (sanitizer builds: make check
# SAN=...) ended without a sanitizer report in its log, else one failure
# and the report. The daemon died of it (run-tests.sh aborts on a report),
# but a test may not notice: the daemon stopped at the end, or the case
# did not need it any more. ASan's and LSan's reports go to run-tests.sh's
# log_path file instead; UBSan's come here all the same (gcc links its
# runtime apart from ASan's, and it writes to stderr whatever log_path).
san_check() {
	[ -s "$T/daemon.log" ] && grep -Eq "$SAN_REPORT" "$T/daemon.log" || return 0
	fail sanitizer "rtpedged reported: $(grep -m1 -Eo "($SAN_REPORT).*" "$T/daemon.log" | head -c 300)"
	grep -E -A 14 "$SAN_REPORT" "$T/daemon.log" | head -n 40 | sed 's/^/    | /' >&2
}

e2e_cleanup() {
	local rc=$? name pid
	trap - EXIT INT TERM
	for name in "${!PROBE_PID[@]}"; do
		pid=${PROBE_PID[$name]}
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	stop_daemon
	san_check
	if [ "$E2E_FAILED" -gt 0 ] && [ -s "$T/daemon.log" ]; then
		echo "--- daemon log (last 40 lines) ---" >&2
		tail -n 40 "$T/daemon.log" >&2
	fi
	"$NETNS" down >/dev/null 2>&1 || echo "lib.sh: netns.sh down failed" >&2
	rm -rf "$T"
	[ "$E2E_FAILED" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
	exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# e2e_require FILE...: root and the built programs, or the test cannot run.
e2e_require() {
	local f
	if [ "$(id -u)" -ne 0 ]; then
		skip setup "needs root (namespaces, XDP)"
		exit 0
	fi
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			fail setup "$f is missing: run make (make tests)"
			exit 1
		fi
	done
}

# bed_up: a fresh test bed, or the test ends here.
bed_up() {
	if ! "$NETNS" up >"$T/netns.log" 2>&1; then
		fail "test bed" "netns.sh up failed: $(tail -n 3 "$T/netns.log")"
		exit 1
	fi
}

# ctl ARGS...: the CLI on this test's daemon (a Unix socket: no netns).
ctl() {
	"$B/rtpedgectl" -s "$SOCK" "$@"
}

# start_daemon MODE [LINE...]: writes $T/rtpedge.conf (extra LINEs go at the
# end of [relay]; they may open sections of their own) and starts rtpedged
# (E2E_DAEMON if set: another build) in the relay namespace; waits up to
# 5 s for `status` to answer.
start_daemon() {
	local mode=$1
	shift
	{
		echo "[relay]"
		echo "control_socket = $SOCK"
		echo "metrics_listen = ${E2E_METRICS:-127.0.0.1:0}"
		echo "pin_path = $RTPE_BPFFS/e2e"
		echo "state_file = $T/state.json"
		echo "xdp_mode = $mode"
		echo "port_min = ${E2E_PORT_MIN:-40000}"
		echo "port_max = ${E2E_PORT_MAX:-40999}"
		printf '%s\n' "$@"
		printf '[interface carrier]\ndevice = r0\naddress = 198.18.1.1\n'
		printf '[interface sbc]\ndevice = r1\naddress = 198.18.2.1\n'
	} >"$T/rtpedge.conf"
	ip netns exec "$RTPE_NS_RELAY" "${E2E_DAEMON:-$B/rtpedged}" -c "$T/rtpedge.conf" -f \
		>>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 50); do
		ctl status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "lib.sh: rtpedged did not answer 'status' within 5 s; its log:" >&2
	sed 's/^/    | /' "$T/daemon.log" >&2
	return 1
}

# session_add NAME ID_VAR LA_VAR LB_VAR ARGS...: `session add ARGS` with its
# JSON in $T/NAME.json; sets the variables named to the session id and the
# local endpoints of legs A and B.
session_add() {
	local name=$1 idv=$2 lav=$3 lbv=$4
	shift 4
	ctl --json session add "$@" >"$T/$name.json"
	printf -v "$idv" '%s' "$(jq -r .id "$T/$name.json")"
	printf -v "$lav" '%s' "$(jq -r '.legs[0].local' "$T/$name.json")"
	printf -v "$lbv" '%s' "$(jq -r '.legs[1].local' "$T/$name.json")"
}

# snmp_udp FIELD: the relay namespace's Udp counter FIELD from /proc/net/snmp
# (InDatagrams, NoPorts, InErrors, OutDatagrams, InCsumErrors...).
snmp_udp() {
	snmp_udp_in "$RTPE_NS_RELAY" "$1"
}

# snmp_udp_in NS FIELD: the same in any namespace.
snmp_udp_in() {
	ip netns exec "$1" awk -v f="$2" '
		$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "Udp:" && h { print (f in col) ? $col[f] : "no-such-field"; exit }
	' /proc/net/snmp
}

# probe_bg NAME NS ARGS...: rtpprobe --json ARGS in namespace NS in the
# background; its report goes to $T/NAME.json, its stderr to $T/NAME.err.
probe_bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$PROBE" --json "$@" >"$T/$name.json" 2>"$T/$name.err" &
	PROBE_PID[$name]=$!
}

# probe_wait NAME: waits for it; returns (and stores in $T/NAME.rc) its exit status.
probe_wait() {
	local name=$1 rc
	wait "${PROBE_PID[$name]}"
	rc=$?
	unset "PROBE_PID[$name]"
	echo "$rc" >"$T/$name.rc"
	return "$rc"
}

# probe_run NAME NS ARGS...: probe_bg then probe_wait.
probe_run() {
	probe_bg "$@"
	probe_wait "$1"
}

# pj NAME FIELD: one field of a probe's JSON report ("" when unreadable).
pj() {
	jq -r ".$2" "$T/$1.json" 2>/dev/null
}

# probe_summary NAME: its report and first errors, for failure messages.
probe_summary() {
	echo "rc=$(cat "$T/$1.rc" 2>/dev/null) $(cat "$T/$1.json" 2>/dev/null) $(head -c 300 "$T/$1.err")"
}

# verdict_packets VERDICT REASON: packets counted under that XDP verdict.
verdict_packets() {
	ctl --json stats | jq -r --arg v "$1" --arg r "$2" \
		'[.xdp_verdicts[]? | select(.verdict == $v and .reason == $r) | .packets] | add // 0'
}

# leg_field ID N FIELD: a field of leg N (0 = A, 1 = B) of session ID.
leg_field() {
	ctl --json session show "$1" | jq -r ".legs[$2].$3"
}

# Media of one session, both ways at once, as test_xdp_path.sh and
# test_userspace_path.sh send it: RTP from carrier 198.18.1.2:5004 to leg A
# ($1) and from sbc 198.18.2.2:6004 to leg B ($2), $3 packets each at
# 1000/s, and RTCP on the ports + 1, $4 packets each. Every probe expects
# the other side's packets from its own leg's local endpoint (the relay
# sends to the carrier from leg A, to the sbc from leg B). SSRCs are fixed
# (carrier 0xc0000001, sbc 0x5bc00002) so that leg stats can be checked.
# shellcheck disable=SC2034 # read by the tests that source this file
MEDIA_RTP_BYTES=172  # UDP payload: 12-byte RTP header + 160
# shellcheck disable=SC2034
MEDIA_RTCP_BYTES=168 # 8-byte RTCP header + 160
media_both_ways() {
	local la=$1 lb=$2 n=$3 nr=$4 la1 lb1
	la1=${la%:*}:$((${la##*:} + 1))
	lb1=${lb%:*}:$((${lb##*:} + 1))
	probe_bg c_rtp "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$la" --count "$n" \
		--rate 1000 --ssrc c0000001 --expect "$n" --expect-from "$la" --timeout 3000 --delay 300
	probe_bg s_rtp "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$lb" --count "$n" \
		--rate 1000 --ssrc 5bc00002 --expect "$n" --expect-from "$lb" --timeout 3000 --delay 300
	probe_bg c_rtcp "$RTPE_NS_CARRIER" --rtcp --bind 198.18.1.2:5005 --to "$la1" \
		--count "$nr" --rate 200 --ssrc c0000001 --expect "$nr" --expect-from "$la1" \
		--timeout 3000 --delay 300
	probe_bg s_rtcp "$RTPE_NS_SBC" --rtcp --bind 198.18.2.2:6005 --to "$lb1" \
		--count "$nr" --rate 200 --ssrc 5bc00002 --expect "$nr" --expect-from "$lb1" \
		--timeout 3000 --delay 300
	probe_wait c_rtp
	probe_wait s_rtp
	probe_wait c_rtcp
	probe_wait s_rtcp
}

# call_then_kill LA LB N: RTP both ways through the session on LA/LB
# (probes c and s: carrier 198.18.1.2:5004 -> LA, sbc 198.18.2.2:6004 ->
# LB, N packets each at 1000/s, each expecting the other's N), and the
# running daemon killed with SIGKILL 1.5 s in. Returns with the probes
# still running (probe_wait c, s) and no daemon.
call_then_kill() {
	local la=$1 lb=$2 n=$3 pid
	probe_bg c "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$la" --count "$n" \
		--rate 1000 --expect "$n" --expect-from "$la" --timeout 3000 --delay 200
	probe_bg s "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$lb" --count "$n" \
		--rate 1000 --expect "$n" --expect-from "$lb" --timeout 3000 --delay 200
	sleep 1.5
	pid=$DAEMON_PID
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	DAEMON_PID=""
}

# check_call_intact N: call_then_kill's probes each received all N packets,
# from the right source, intact (checks of the current case).
check_call_intact() {
	check_eq "carrier received" "$(pj c received)" "$1"
	check_eq "sbc received" "$(pj s received)" "$1"
	check_eq "carrier bad_source" "$(pj c bad_source)" 0
	check_eq "sbc bad_source" "$(pj s bad_source)" 0
	check_eq "carrier bad_payload" "$(pj c bad_payload)" 0
	check_eq "sbc bad_payload" "$(pj s bad_payload)" 0
}

# check_media N NR: the case that media_both_ways delivered everything.
check_media() {
	local n=$1 nr=$2 p
	case_begin "RTP and RTCP both ways: every packet arrived, right source, intact"
	for p in c_rtp s_rtp c_rtcp s_rtcp; do
		check_eq "$p exit" "$(cat "$T/$p.rc")" 0
		check_eq "$p sent" "$(pj "$p" sent)" "$([[ $p == *rtcp ]] && echo "$nr" || echo "$n")"
		check_eq "$p received" "$(pj "$p" received)" "$([[ $p == *rtcp ]] && echo "$nr" || echo "$n")"
		check_eq "$p bad_source" "$(pj "$p" bad_source)" 0
		check_eq "$p bad_payload" "$(pj "$p" bad_payload)" 0
	done
	case_end
	if [ -n "$E2E_WHY" ]; then
		for p in c_rtp s_rtp c_rtcp s_rtcp; do
			echo "$p: $(probe_summary "$p")" >&2
		done
	fi
}
