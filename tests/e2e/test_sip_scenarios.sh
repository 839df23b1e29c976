#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_scenarios.sh - the sipp scenarios of tests/e2e/sip/ against each
# other, with no relay between them: each uac_X.xml calls its uas_X.xml on
# loopback (one call, 20 s at most), over UDP and over TCP, and both sides
# must finish with the call successful. This keeps the scenarios that the
# SIP tests drive through the relay correct by themselves; what the relay
# wrote into the SDP is in each side's log ("offer c=... m=..." lines).
. "$(dirname "$0")/lib.sh"

SCEN=$E2E_ROOT/tests/e2e/sip
e2e_require
if ! command -v sipp >/dev/null; then
	fail setup "sipp is missing (Debian: sip-tester; make deps)"
	exit 1
fi

# The pairs: UAC scenario, UAS scenario.
PAIRS=(
	"uac_basic uas_basic"
	"uac_late_offer uas_late_offer"
	"uac_cancel uas_cancel"
	"uac_busy uas_busy"
	"uac_reinvite_hold uas_reinvite_hold"
	"uac_refer uas_refer"
	"uac_183_early uas_183_early"
	"uac_prack uas_prack"
	"uac_fork uas_fork"
)

# Ports of this run: SIP on BASE (UAS) and BASE+2 (UAC), media on
# BASE+100 and BASE+200; a random base keeps apart runs side by side.
BASE=$((20000 + (RANDOM % 2000) * 10))

# run_pair UAC UAS TRANSPORT: one call; both sipp must exit 0.
run_pair() {
	local uac=$1 uas=$2 tr=$3 dir="$T/$1-$3" uas_pid uas_rc uac_rc
	mkdir -p "$dir"
	case_begin "$uac -> $uas over $tr"
	(cd "$dir" && exec timeout -k 5 40 sipp -sf "$SCEN/$uas.xml" -t "$tr" \
		-i 127.0.0.1 -p "$BASE" -mi 127.0.0.1 -mp $((BASE + 100)) \
		-m 1 -timeout 20s -timeout_error -nostdin -trace_err -trace_logs \
		>uas.out 2>&1) &
	uas_pid=$!
	sleep 0.5
	(cd "$dir" && exec timeout -k 5 40 sipp -sf "$SCEN/$uac.xml" -t "$tr" \
		127.0.0.1:"$BASE" -s +14155550123 -d 1000 \
		-i 127.0.0.1 -p $((BASE + 2)) -mi 127.0.0.1 -mp $((BASE + 200)) \
		-m 1 -timeout 20s -timeout_error -nostdin -trace_err -trace_logs \
		>uac.out 2>&1)
	uac_rc=$?
	wait "$uas_pid"
	uas_rc=$?
	check_eq "uac exit (log $dir)" "$uac_rc" 0
	check_eq "uas exit" "$uas_rc" 0
	[ "$uac_rc" -eq 0 ] && [ "$uas_rc" -eq 0 ] ||
		why_add "$(cat "$dir"/*errors.log 2>/dev/null | grep -v '^$' | tail -n 3)"
	case_end
	BASE=$((BASE + 10))
}

for tr in u1 t1; do
	for p in "${PAIRS[@]}"; do
		# shellcheck disable=SC2086 # two words: UAC UAS
		run_pair $p "$tr"
	done
done
