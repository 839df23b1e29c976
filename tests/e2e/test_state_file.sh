#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_state_file.sh - the state file at 20,000 sessions, written in slices
# while sessions are deleted and added through the control socket: every
# copy of it taken meanwhile is a whole, valid file (ids unique and in
# order); the writes that overlapped changes left the table dirty and a
# later write caught up; after SIGKILL, the restarted daemon lists exactly
# the sessions listed before (ids, interfaces, endpoints, hold, ages, which
# only the file keeps) and numbers new sessions above them. Prints the
# writer's figures (work, slices, longest slice) from its debug log.
. "$(dirname "$0")/lib.sh"

N=20000
CTLB=$B/tools/ctlbench
e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl" "$CTLB"
bed_up
CONF=("max_sessions = 30000" "session_timeout = 600" "log_level = debug")
E2E_PORT_MIN=10000 E2E_PORT_MAX=59999 start_daemon auto "${CONF[@]}" ||
	{ fail "daemon start" "see log"; exit 1; }

"$CTLB" add --socket "$SOCK" --count "$N" --iface-a carrier --iface-b sbc \
	--flows "$T/flows" >"$T/add.json" || { fail "setup" "ctlbench add: $(cat "$T/add.json")"; exit 1; }
split -l 400 -d -a 3 "$T/flows" "$T/chunk."

# written_lines: the writer's "state file: N sessions written" log lines.
written_lines() {
	grep 'state file: [0-9]* sessions written' "$T/daemon.log"
}

# check_file FILE WHAT: a whole state file, its ids unique and ascending.
check_file() {
	jq -e '.version == 1 and (.next_id | type == "number") and
		([.sessions[].id] | . == (sort | unique)) and
		all(.sessions[]; (.legs | length) == 2)' "$1" >/dev/null 2>&1 ||
		why_add "$2: not a valid state file ($(head -c 120 "$1" 2>/dev/null))"
}

# Churn: 400 sessions deleted and 250 added per step while the daemon
# writes; a copy of the file is taken at each step. Until two writes have
# seen the table change under them (bounded: 60 steps, ~1 s of writes
# apart).
interleaved=0
added=$N
for k in $(seq 0 59); do
	chunk=$(printf '%s/chunk.%03d' "$T" "$k")
	[ -s "$chunk" ] || break
	"$CTLB" del --socket "$SOCK" --flows "$chunk" >"$T/del.json" || why_add "del step $k failed"
	"$CTLB" add --socket "$SOCK" --count 250 --first "$added" --iface-a carrier --iface-b sbc \
		--flows "$T/flows.new" >"$T/add2.json" || why_add "add step $k failed"
	added=$((added + 250))
	cp "$T/state.json" "$T/copy.$k" 2>/dev/null
	interleaved=$(written_lines | grep -c 'the table changed meanwhile')
	[ "$interleaved" -ge 2 ] && break
	sleep 0.1
done
case_begin "the file is whole and valid whenever it is read while the table changes"
check_ge "writes that overlapped changes" "$interleaved" 2
n=0
for f in "$T"/copy.*; do
	[ -e "$f" ] || continue
	check_file "$f" "$(basename "$f")"
	n=$((n + 1))
done
check_ge "copies checked" "$n" 3
case_end

# Three sessions on hold (only the file keeps hold: a hold is a change of
# the table by itself), then wait for a write that began after it: the
# last log line has no change during it and the file is newer than the
# change (bounded: 15 s).
ID_LIST=$(ctl --json session list | jq -r '.sessions[].id')
HELD=$(sed -n '5p;500p;7000p' <<<"$ID_LIST")
for id in $HELD; do
	ctl session hold "$id" on >/dev/null || why_add "hold $id"
done
sleep 0.01
CHANGED=$(date +%s.%N)
caught_up=0
for _ in $(seq 150); do
	if ! written_lines | tail -n 1 | grep -q 'changed meanwhile' &&
		[ "$(echo "$(stat -c %.9Y "$T/state.json") > $CHANGED" | bc)" = 1 ]; then
		caught_up=1
		break
	fi
	sleep 0.1
done
ctl --json session list >"$T/before.json"
MAX_ID=$(jq -r '[.sessions[].id | ltrimstr("s-") | tonumber] | max' "$T/before.json")
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""

case_begin "a later write catches up: the file holds exactly the listed sessions"
check_eq "caught up within 15 s" "$caught_up" 1
check_file "$T/state.json" "state.json"
check_eq "ids" "$(jq -c '[.sessions[].id] | sort' "$T/state.json")" \
	"$(jq -c '[.sessions[].id | ltrimstr("s-") | tonumber] | sort' "$T/before.json")"
check_eq "held in the file" "$(jq -c '[.sessions[] | select(.hold) | "s-\(.id)"] | sort' \
	"$T/state.json")" "$(printf '%s\n' $HELD | jq -R . | jq -sc sort)"
case_end

E2E_PORT_MIN=10000 E2E_PORT_MAX=59999 start_daemon auto "${CONF[@]}" ||
	{ fail "restart" "the daemon did not come back"; exit 1; }
ctl --json session list >"$T/after.json"
PROJ='[.sessions[] | {id, hold, legs: [.legs[] | {interface, local, peer, peer_rtcp_port}]}] | sort_by(.id)'
case_begin "SIGKILL and restart: the same sessions, hold and ages kept, new ids above them"
check_eq "sessions" "$(jq '.sessions | length' "$T/after.json")" "$(jq '.sessions | length' "$T/before.json")"
check "same ids, interfaces, endpoints, hold" \
	diff <(jq -c "$PROJ" "$T/before.json") <(jq -c "$PROJ" "$T/after.json")
check_eq "sessions whose age went back" "$(jq -n --slurpfile a "$T/before.json" \
	--slurpfile b "$T/after.json" '($a[0].sessions | map({(.id): .created_s}) | add) as $was |
	[$b[0].sessions[] | select(.created_s < $was[.id])] | length')" 0
NEW=$(ctl --json session add carrier 198.18.1.2:3000 sbc 198.18.2.2:3000 | jq -r .id)
check_ge "new session number" "${NEW#s-}" $((MAX_ID + 1))
case_end

written_lines | grep -E "sessions written" | tail -n 3 | sed 's/^/state_file: /'
