#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_upgrade.sh - an upgrade from an earlier version keeps the calls. The
# version before the per-leg XDP state moved to the leg's own index
# (rtpe_leg_state pinned, indexed by the daemon's leg number; git commit
# $FROM) is built from this clone's history and relays RTP both ways
# through XDP; it is killed mid-call and this version started on its pins.
# Not one packet may be lost, the session must be taken over with its legs
# in XDP, the old pin must be gone, and the legs' XDP counters start over,
# as docs/OPERATIONS.md says. Then `shutdown --remove` leaves no pins.
. "$(dirname "$0")/lib.sh"

FROM=07a0069 # the last commit with rtpe_leg_state (state by the daemon's slot)
N=6000       # packets each way at 1000/s; the old daemon dies at ~1.5 s
OLD=$T/old

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
if ! git -C "$E2E_ROOT" cat-file -e "$FROM^{commit}" 2>/dev/null; then
	skip "upgrade from $FROM" "the source of $FROM is not here (not a git clone of rtpedge)"
	exit 0
fi
mkdir -p "$OLD"
if ! git -C "$E2E_ROOT" archive "$FROM" | tar -x -C "$OLD" ||
	! make -C "$OLD" -j2 build/rtpedged >"$T/old-build.log" 2>&1; then
	fail "build $FROM" "$(tail -n 5 "$T/old-build.log" 2>/dev/null)"
	exit 1
fi

bed_up
E2E_DAEMON=$OLD/build/rtpedged start_daemon auto || { fail "start $FROM" "see log"; exit 1; }
session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
call_then_kill "$LA" "$LB" "$N"
OLD_PINS=$(ls "$RTPE_BPFFS/e2e")
start_daemon auto || fail "start this version" "it did not come up on $FROM's pins"
ctl --json session show "$ID" >"$T/mid.json"
probe_wait c
probe_wait s
ctl --json session show "$ID" >"$T/after.json"

case_begin "upgraded from $FROM mid-call: zero packets lost, both ways"
check_match "$FROM pinned its slot-indexed state" "$OLD_PINS" "^rtpe_leg_state$"
check_call_intact "$N"
case_end
[ -n "$E2E_WHY" ] && { echo "c: $(probe_summary c)" >&2; echo "s: $(probe_summary s)" >&2; }

# The old program counted the first ~1.7 s into rtpe_leg_state; ours
# counts from the swap on, so each leg shows the rest of its N packets.
case_begin "the session taken over: legs in XDP, XDP counters started over"
check_eq "id" "$(jq -r .id "$T/mid.json")" "$ID"
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/mid.json")" xdp
check_eq "leg B path" "$(jq -r '.legs[1].path' "$T/mid.json")" xdp
for l in 0 1; do
	P=$(jq -r ".legs[$l].packets" "$T/after.json")
	check_ge "leg $l packets since the swap" "$P" $((N / 2))
	check "leg $l packets below $N (the old program's are not carried)" test "$P" -lt "$N"
done
check_match "log: link taken over" "$(cat "$T/daemon.log")" "took over the pinned XDP link"
check_match "log: old pin removed" "$(cat "$T/daemon.log")" "removed .*/rtpe_leg_state, pinned by an earlier version"
check "rtpe_leg_state unpinned" test ! -e "$RTPE_BPFFS/e2e/rtpe_leg_state"
check "rtpe_legs_state pinned" test -e "$RTPE_BPFFS/e2e/rtpe_legs_state"
case_end

shutdown_remove
case_begin "shutdown --remove after the upgrade leaves no XDP and no pins"
check_eq "r0 xdp" "$(ip -n "$RTPE_NS_RELAY" -d link show dev r0 | grep -c 'prog/xdp')" 0
check "pin dir gone" test ! -e "$RTPE_BPFFS/e2e"
case_end
