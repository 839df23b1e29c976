#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - runs every rtpedge test program and sums up (`make check`).
#
# Order: static checks (scripts/check-*.sh), unit tests (B/tests/test_*),
# fuzzers (B/fuzz/fuzz_*, for RTPE_FUZZ_SECONDS each over
# tests/fuzz/seeds/NAME/), end-to-end tests (tests/e2e/test_*.sh). B is
# RTPE_BUILD (default build; `make check SAN=...` sets build-san, and the
# end-to-end tests then run that folder's daemon, CLI and tools). Each program prints "PASS: name", "FAIL: name: why"
# or "SKIP: name: why" lines; they are echoed and counted. A program that
# exits non-zero without a FAIL line, is killed by a signal, times out, or
# prints no result line at all counts as one more failure, so a broken test
# cannot pass silently. Everything else a program prints goes to
# B/test-logs/NAME.log (its tail is shown when it failed).
#
# Usage: scripts/run-tests.sh [FILTER]
#   FILTER: static | unit | fuzz | e2e, or a substring of a program's path
#   (e.g. test_ports, xdp_path). Without it, everything runs.
# Sanitizer builds (make check SAN=...): a report aborts the program that
# hit it (a crash judge counts; a daemon gone for its end-to-end test), and
# is written to a file of its own, B/test-logs/san-NAME/report.PID, instead
# of to stderr: every such file counts as one more failure of program NAME,
# so a report cannot pass unseen where a test throws stderr away (a CLI
# call under check, a daemon whose log goes with the test's temp dir).
# Leaks at exit are reports too: the daemon, the CLI and the tools free
# what they take; only leaks inside libraries they link, named one by one
# with the reason in tests/lsan.supp, are suppressed. The options are
# harmless to programs built without sanitizers.
# Env: RTPE_TEST_TIMEOUT (seconds per program, default 600),
#      RTPE_FUZZ_SECONDS (default 20); ASAN_OPTIONS, UBSAN_OPTIONS and
#      LSAN_OPTIONS are appended to this script's (later options win).
# Last line: "N passed, N failed" (", N skipped" when some were); exit 0
# only when nothing failed. The netns test bed is torn down at the end.
set -uo pipefail
shopt -s lastpipe # tally runs in this shell, so its counts stay

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
FILTER=${1:-}
TIMEOUT=${RTPE_TEST_TIMEOUT:-600}
FUZZ_SECONDS=${RTPE_FUZZ_SECONDS:-20}
export RTPE_BUILD=${RTPE_BUILD:-build}
export RTPE_DAEMON=${RTPE_DAEMON:-$RTPE_BUILD/rtpedged} # test_ctl_reply
B=$RTPE_BUILD
LOGS=$B/test-logs
PASSED=0
FAILED=0
SKIPPED=0
WORK=$(mktemp -d /tmp/rtpe-run-tests.XXXXXX)
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}

cleanup() {
	scripts/netns.sh down >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "run-tests: interrupted" >&2; exit 130' INT TERM

# selected KIND PATH: whether the filter lets PATH of KIND (unit, fuzz, e2e) run.
selected() {
	case "$FILTER" in
	"") return 0 ;;
	static | unit | fuzz | e2e) [ "$FILTER" = "$1" ] ;;
	*) [[ "$2" == *"$FILTER"* ]] ;;
	esac
}

# Reads a program's output; echoes and counts its result lines, logs the
# rest. Sets SEEN_FAIL and SEEN_ANY.
tally() {
	local log=$1 line
	SEEN_FAIL=0
	SEEN_ANY=0
	while IFS= read -r line; do
		case "$line" in
		PASS:*) PASSED=$((PASSED + 1)) SEEN_ANY=1 ;;
		FAIL:*) FAILED=$((FAILED + 1)) SEEN_FAIL=1 SEEN_ANY=1 ;;
		SKIP:*) SKIPPED=$((SKIPPED + 1)) SEEN_ANY=1 ;;
		"      also:"*) ;; # continuation of a FAIL (tests/unit/check.h)
		*)
			echo "$line" >>"$log"
			continue
			;;
		esac
		echo "$line"
		echo "$line" >>"$log"
	done
}

# fail_extra NAME WHY: one failure that the program did not print itself.
fail_extra() {
	echo "FAIL: $1: $2"
	FAILED=$((FAILED + 1))
}

# judge NAME RC LOG: turns an exit status into a failure where the program's
# own lines do not already account for it.
judge() {
	local name=$1 rc=$2 log=$3 why=""
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after $TIMEOUT s"
	elif [ "$rc" -gt 128 ]; then
		why="crashed (signal $((rc - 128)))"
	elif [ "$rc" -ne 0 ] && [ "$SEEN_FAIL" -eq 0 ]; then
		why="exited $rc"
	elif [ "$rc" -eq 0 ] && [ "$SEEN_ANY" -eq 0 ]; then
		why="printed no PASS/FAIL/SKIP line"
	fi
	[ -z "$why" ] && return 0
	fail_extra "$name" "$why (log: $log)"
	tail -n 15 "$log" | sed 's/^/    | /'
}

# san_reports NAME DIR: one failure per sanitizer report in DIR (written by
# NAME or any program it ran), with the report's first lines.
san_reports() {
	local name=$1 f
	for f in "$2"/report.*; do
		[ -f "$f" ] || continue
		fail_extra "$name" "sanitizer report: $(grep -m1 -E 'ERROR: |runtime error' "$f" |
			head -c 300) (log: $f)"
		grep -E '^ *#[0-9]|SUMMARY|runtime error|ERROR' "$f" | head -n 12 | sed 's/^/    | /'
	done
}

# run_prog NAME CMD...: one test program under the timeout; sanitizer
# reports of its processes go to $LOGS/san-NAME.
run_prog() {
	local name=$1 log="$LOGS/$1.log" san rc
	shift
	: >"$log"
	san=$(realpath -m "$LOGS/san-$name") # absolute: programs may change directory
	rm -rf "$san"
	mkdir -p "$san"
	local t0=$SECONDS
	ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$san/report UBSAN_OPTIONS=$UBSAN_OPTIONS:log_path=$san/report \
		timeout -k 10 "$TIMEOUT" "$@" 2>>"$log" | tally "$log"
	rc=${PIPESTATUS[0]}
	echo "$((SECONDS - t0)) $name" >>"$LOGS/durations"
	judge "$name" "$rc" "$log"
	san_reports "$name" "$san"
	rmdir "$san" 2>/dev/null || true
}

# run_fuzz BIN: one fuzzer for FUZZ_SECONDS over a scratch corpus (new
# inputs land there, not in the seed folder) and its seeds.
run_fuzz() {
	local bin=$1 name seeds corpus log rc
	name=$(basename "$bin")
	seeds=tests/fuzz/seeds/${name#fuzz_}
	corpus=$WORK/corpus-$name
	log=$LOGS/$name.log
	mkdir -p "$corpus" "$WORK/artifacts-$name"
	local args=("-max_total_time=$FUZZ_SECONDS" "-artifact_prefix=$WORK/artifacts-$name/"
		"$corpus")
	[ -d "$seeds" ] && args+=("$seeds")
	timeout -k 10 $((FUZZ_SECONDS + 120)) "$bin" "${args[@]}" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS: $name: $(grep -c . <(ls "$corpus")) new inputs, no crash in $FUZZ_SECONDS s"
		PASSED=$((PASSED + 1))
	else
		mkdir -p "$LOGS/artifacts-$name"
		cp "$WORK/artifacts-$name"/* "$LOGS/artifacts-$name/" 2>/dev/null || true
		fail_extra "$name" "exited $rc (log: $log; reproducer: $LOGS/artifacts-$name/)"
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
}

main() {
	local f ran=0
	mkdir -p "$LOGS"
	: >"$LOGS/durations" # seconds and name of each program, for finding the slow ones
	[ "$(id -u)" -eq 0 ] || echo "run-tests: not root: tests that need root will skip or fail" >&2
	for f in scripts/check-*.sh; do
		[ -f "$f" ] && selected static "$f" || continue
		ran=$((ran + 1))
		run_prog "$(basename "$f" .sh)" bash "$f"
	done
	for f in "$B"/tests/test_*; do
		[ -x "$f" ] && selected unit "$f" || continue
		ran=$((ran + 1))
		run_prog "$(basename "$f")" "$f"
	done
	for f in "$B"/fuzz/fuzz_*; do
		[ -x "$f" ] && selected fuzz "$f" || continue
		ran=$((ran + 1))
		run_fuzz "$f"
	done
	for f in tests/e2e/test_*.sh; do
		[ -f "$f" ] && selected e2e "$f" || continue
		ran=$((ran + 1))
		run_prog "e2e_$(basename "$f" .sh)" bash "$f"
	done
	[ "$ran" -gt 0 ] || fail_extra run-tests "no test program matched '${FILTER:-*}' (built? try make tests)"
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
	[ "$FAILED" -eq 0 ]
}

main
