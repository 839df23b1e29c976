#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_fault.sh - rtpedged killed with SIGKILL at random moments of a
# session churn, RTPE_FAULT_ROUNDS times (20), and restarted each time:
# three rounds in four with xdp_mode auto (sessions live in the pinned map
# and the state file), the rest with xdp_mode off (the state file alone).
#
# Each round, tests/tools/ctlchurn.py adds, deletes and holds sessions
# through the control socket in batches (about 300 live, three in four
# with RTP from the carrier) and kills the daemon after a time its PRNG
# draws (0.2-3.5 s; seeded by RTPE_FAULT_SEED, random when unset, printed:
# the same seed draws the same ops and kill times). After each restart:
# - a session acknowledged more than GRACE (a second, the state file's
#   period) before the kill is there, with the same interfaces, local and
#   peer endpoints and hold; one deleted more than GRACE before is not;
# - sessions changed within GRACE or in flight are restored in one of the
#   states they went through, and nothing the churn did not create appears;
# - nothing leaks: per interface, free port pairs plus legs make up the
#   configured range; the pinned rtpe_legs map holds exactly the listed
#   legs (endpoint and session), each with its own slot, none half-written;
# - every request of the churn was served, and no add got an id given
#   before (also not one that a restart lost).
# A deterministic case first (deleted_stays_deleted) makes certain what the
# rounds meet by chance: a deleted session the state file still holds must
# not come back two restarts later.
# GRACE is 1 s plus 50 ms for a timer tick the loop takes late, and 0.5 s
# more when the kill cut a state file write short (FILE.tmp left): the
# changes of the second before that write are not in the file yet.
# Throughout the xdp rounds, LONG sessions carry RTP both ways (rtpprobe,
# 100 packets/s each way) across every kill; at the end every packet sent
# arrived, from the right source, intact.
. "$(dirname "$0")/lib.sh"

ROUNDS=${RTPE_FAULT_ROUNDS:-20}
XDP_ROUNDS=$((ROUNDS - ROUNDS / 4))
SEED=${RTPE_FAULT_SEED:-$(((RANDOM << 15) | RANDOM))}
GRACE=1.05
GRACE_WRITING=1.55
LONG=4
RATE=100
MAX_S=3600 # the long streams' length bound (they are ended by SIGUSR1)
PAIRS=500  # port pairs per interface: 40000-40999
CHURN=$E2E_ROOT/tests/tools/ctlchurn.py
CONF=("session_timeout = 600")

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
command -v bpftool >/dev/null || { fail setup "bpftool is missing (scripts/install-deps.sh)"; exit 1; }
echo "fault: seed $SEED, $ROUNDS rounds (rerun: RTPE_FAULT_SEED=$SEED RTPE_FAULT_ROUNDS=$ROUNDS)"
bed_up

# long_lived: LONG sessions with rtpprobe streams both ways (c$i, s$i),
# waited for (bounded) until both legs of each are in XDP.
long_lived() {
	local i la lb id n=$((RATE * MAX_S))
	for ((i = 0; i < LONG; i++)); do
		ctl --json session add carrier "198.18.1.2:$((5000 + 2 * i))" \
			sbc "198.18.2.2:$((6000 + 2 * i))" >"$T/long$i.json" || return 1
		la=$(jq -r '.legs[0].local' "$T/long$i.json")
		lb=$(jq -r '.legs[1].local' "$T/long$i.json")
		probe_bg "c$i" "$RTPE_NS_CARRIER" --bind "198.18.1.2:$((5000 + 2 * i))" --to "$la" \
			--count "$n" --rate "$RATE" --expect "$n" --expect-from "$la" --timeout 3000 --delay 200
		probe_bg "s$i" "$RTPE_NS_SBC" --bind "198.18.2.2:$((6000 + 2 * i))" --to "$lb" \
			--count "$n" --rate "$RATE" --expect "$n" --expect-from "$lb" --timeout 3000 --delay 200
	done
	for _ in $(seq 100); do
		for ((i = 0; i < LONG; i++)); do
			id=$(jq -r .id "$T/long$i.json")
			[ "$(ctl --json session show "$id" | jq -r '[.legs[].path] | join(",")')" = xdp,xdp ] ||
				break
		done
		[ "$i" -eq "$LONG" ] && return 0
		sleep 0.1
	done
	return 1
}

# one_round K MODE: churn, the kill, the restart and the checks of round K.
one_round() {
	local k=$1 mode=$2 pid=$DAEMON_PID r c grace=$GRACE legs=()
	touch "$T/round.start"
	ip netns exec "$RTPE_NS_CARRIER" timeout 120 python3 "$CHURN" round --socket "$SOCK" \
		--model "$T/model.json" --pid "$pid" --seed "$SEED" --round "$k" \
		>"$T/round.json" 2>"$T/round.err"
	r=$?
	wait "$pid" 2>/dev/null
	DAEMON_PID=""
	cp "$T/state.json" "$T/state.kill.json" 2>/dev/null || echo '{}' >"$T/state.kill.json"
	LOG_LINES=$(wc -l <"$T/daemon.log")
	if [ "$r" -ne 0 ]; then
		fail "round $k" "ctlchurn.py round exited $r: $(head -c 300 "$T/round.err")"
		return 1
	fi
	r=$(jq -r '"\(.kill_after_s) s in, \(.acked) ops acknowledged, \(.in_flight) in flight"' \
		"$T/round.json")
	[ -n "$(find "$T/state.json.tmp" -newer "$T/round.start" 2>/dev/null)" ] &&
		grace=$GRACE_WRITING r+=", a state file write cut short"
	if ! start_daemon "$mode" "${CONF[@]}"; then
		fail "round $k ($mode, killed $r)" "the daemon did not come back after the kill"
		return 1
	fi
	if [ "$mode" != off ]; then
		bpftool -j map dump pinned "$RTPE_BPFFS/e2e/rtpe_legs" >"$T/legs.json"
		legs=(--legs "$T/legs.json")
	fi
	python3 "$CHURN" check --socket "$SOCK" --model "$T/model.json" "${legs[@]}" \
		--pairs "$PAIRS" --grace "$grace" --file-at-kill "$T/state.kill.json" \
		>"$T/check.json" 2>"$T/check.err"
	c=$(jq -r --arg g "$grace" '"\(.live) live, \(.in_doubt) changed within \($g) s"' \
		"$T/check.json" 2>/dev/null)
	case_begin "round $k ($mode, killed $r; $c): sessions, legs, ports$([ "$mode" = off ] ||
		echo " and map entries") as acknowledged"
	jq -e '.failures' "$T/check.json" >/dev/null 2>&1 ||
		why_add "ctlchurn.py check: $(head -c 300 "$T/check.err")"
	while IFS= read -r f; do why_add "$f"; done < <(jq -r '.failures[:6][]?' "$T/check.json" 2>/dev/null)
	[ "$(jq -r '.failures | length' "$T/check.json" 2>/dev/null)" -gt 6 ] 2>/dev/null &&
		why_add "$(jq -r '.failures | length' "$T/check.json") failures in all"
	case_end
	[ -z "$E2E_WHY" ] || explain "$k"
	return 0
}

# explain K: what a failed round leaves in the log: the churn's and the
# check's figures, what the daemon said of restoring at this start, and
# every restart's word on the sessions the failures name.
explain() {
	local id
	echo "round $1: $(cat "$T/round.json") $(cat "$T/check.json")" >&2
	{
		tail -n +$((LOG_LINES + 1)) "$T/daemon.log" | grep -E 'restored|malformed|stale'
		for id in $(jq -r '.failures[]?' "$T/check.json" | grep -o '^s-[0-9]*' | sort -u | head -n 5); do
			grep -F "session $id not restored" "$T/daemon.log"
		done
	} | sed "s/^/round $1: daemon: /" | head -n 30 >&2
}

# rounds FIRST LAST MODE: rounds FIRST..LAST on a daemon in MODE that runs
# and has a model; sets DONE to the rounds that ran to their checks.
rounds() {
	local k
	for ((k = $1; k <= $2; k++)); do
		one_round "$k" "$3" || return 1
		DONE=$((DONE + 1))
	done
}

# kill9: SIGKILL to the daemon, waited for.
kill9() {
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# in_file ID: whether the state file lists session ID (a number).
in_file() {
	jq -e --argjson id "$1" 'any(.sessions[]; .id == $id)' "$T/state.json" >/dev/null 2>&1
}

# deleted_stays_deleted: the random rounds' rarest finding, made certain.
# Two port pairs per interface: s-1 is deleted and s-3 gets its ports; a
# kill before the state file catches up leaves s-1 in it, so the restart
# cannot restore s-1 (its ports are s-3's) and says so. s-3 is deleted and
# the daemon killed again before its first write: the file still holds
# s-1, deleted more than GRACE before, which must not come back now that
# its ports are free.
deleted_stays_deleted() {
	local k1 k2 after
	E2E_PORT_MAX=40003 start_daemon auto "${CONF[@]}" || return 1
	ctl session add carrier 198.18.1.2:7000 sbc 198.18.2.2:7000 >/dev/null # s-1
	for _ in $(seq 100); do in_file 1 && break; sleep 0.1; done
	ctl session del s-1 >/dev/null
	ctl session add carrier 198.18.1.2:7002 sbc 198.18.2.2:7002 >/dev/null # s-2
	ctl --json session add carrier 198.18.1.2:7004 sbc 198.18.2.2:7004 >"$T/s3.json" # s-1's ports
	kill9
	in_file 1 && k1=1 || k1=0
	sleep 1.2 # down: the second kill comes more than GRACE after s-1's delete
	E2E_PORT_MAX=40003 start_daemon auto "${CONF[@]}" || return 1
	after=$(ctl --json session list | jq -c '[.sessions[].id]')
	ctl session del s-3 >/dev/null
	kill9
	in_file 1 && k2=1 || k2=0
	E2E_PORT_MAX=40003 start_daemon auto "${CONF[@]}" || return 1
	case_begin "a session deleted before a kill, its ports given to another, stays deleted at the next restarts"
	check_eq "s-3 took s-1's ports" "$(jq -r '.legs[0].local' "$T/s3.json")" 198.18.1.1:40000
	check_eq "sessions after the first restart" "$after" '["s-2","s-3"]'
	check_match "the first restart names the session it could not restore" \
		"$(grep 'not restored' "$T/daemon.log")" '^[^ ]+ (warning|info): session s-1 not restored: '
	check_eq "sessions after the second restart" "$(ctl --json session list | jq -c '[.sessions[].id]')" '["s-2"]'
	case_end
	[ "$k1$k2" = 11 ] || echo "fault: the state file had caught up before a kill ($k1$k2): the last case judged less" >&2
	shutdown_remove
}

DONE=0
deleted_stays_deleted || { fail "deleted session case" "the daemon did not start"; exit 1; }
start_daemon auto "${CONF[@]}" || { fail "daemon start" "see log"; exit 1; }
long_lived || { fail "long-lived sessions" "not all in XDP within 10 s"; exit 1; }
python3 "$CHURN" init --socket "$SOCK" --model "$T/model.json" >/dev/null ||
	{ fail setup "ctlchurn.py init failed"; exit 1; }
rounds 1 "$XDP_ROUNDS" auto
XDP_DONE=$DONE

for ((i = 0; i < LONG; i++)); do
	kill -USR1 "${PROBE_PID[c$i]}" "${PROBE_PID[s$i]}" 2>/dev/null
done
for ((i = 0; i < LONG; i++)); do
	probe_wait "c$i"
	probe_wait "s$i"
done
case_begin "media of $LONG XDP sessions across $XDP_DONE kills: every packet arrived, right source, intact"
check_ge "xdp rounds" "$XDP_DONE" "$XDP_ROUNDS"
for ((i = 0; i < LONG; i++)); do
	check_ge "c$i sent" "$(pj "c$i" sent)" "$RATE"
	check_ge "s$i sent" "$(pj "s$i" sent)" "$RATE"
	check_eq "s$i received (c$i sent $(pj "c$i" sent))" "$(pj "s$i" received)" "$(pj "c$i" sent)"
	check_eq "c$i received (s$i sent $(pj "s$i" sent))" "$(pj "c$i" received)" "$(pj "s$i" sent)"
	for p in "c$i" "s$i"; do
		check_eq "$p bad_source" "$(pj "$p" bad_source)" 0
		check_eq "$p bad_payload" "$(pj "$p" bad_payload)" 0
		check_eq "$p duplicates" "$(pj "$p" duplicates)" 0
	done
done
case_end
if [ -n "$E2E_WHY" ]; then
	for ((i = 0; i < LONG; i++)); do
		echo "c$i: $(probe_summary "c$i")" >&2
		echo "s$i: $(probe_summary "s$i")" >&2
	done
fi

# The state file alone: a fresh daemon without XDP, a fresh model.
if [ -n "$DAEMON_PID" ] && [ "$XDP_ROUNDS" -lt "$ROUNDS" ]; then
	shutdown_remove
	if start_daemon off "${CONF[@]}" &&
		python3 "$CHURN" init --socket "$SOCK" --model "$T/model.json" >/dev/null; then
		rounds $((XDP_ROUNDS + 1)) "$ROUNDS" off
	else
		fail "xdp_mode off" "the daemon did not start, or ctlchurn.py init failed"
	fi
fi
echo "fault: $DONE rounds checked; seed $SEED"
