#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_leftovers.sh - what an earlier run left in the kernel and the new
# configuration no longer uses is removed at start. A run with XDP carries a
# session and stops (SIGTERM: XDP and its pins stay). Restarted with
# xdp_mode = off, the daemon detaches and unpins every link, removes the
# pinned maps and says so; the session comes back from the state file and
# is relayed in userspace; deleted, its ports serve a new session with other
# peers (a stale XDP entry would drop that one as source_mismatch). Without
# the state file, the session XDP carried is dropped, with a log line. Then a
# run with a third interface (r2) stops and restarts without it: r2 is
# detached and its link_r2 pin removed, the other devices' links are taken
# over, and a new session on the port of the dropped one relays.
. "$(dirname "$0")/lib.sh"

N=400
PIN=$RTPE_BPFFS/e2e
# One port pair per address: a new session takes the port of the earlier one.
export E2E_PORT_MIN=40000 E2E_PORT_MAX=40001

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up

# xdp_on DEV: 1 when an XDP program is attached to DEV in the relay, else 0.
xdp_on() {
	ip -n "$RTPE_NS_RELAY" -d link show dev "$1" | grep -c 'prog/xdp'
}

# pins: what is pinned under pin_path, one line ("" when nothing or no directory).
pins() {
	ls "$PIN" 2>/dev/null | sort | tr '\n' ' '
}

# cross NAME LA LB CPORT SPORT: N RTP packets each way through the legs LA
# and LB, from carrier 198.18.1.2:CPORT and sbc 198.18.2.2:SPORT, each
# expecting the other's N from its own leg.
cross() {
	local name=$1 la=$2 lb=$3
	probe_bg "${name}_c" "$RTPE_NS_CARRIER" --bind "198.18.1.2:$4" --to "$la" --count "$N" \
		--rate 1000 --expect "$N" --expect-from "$la" --timeout 3000 --delay 200
	probe_bg "${name}_s" "$RTPE_NS_SBC" --bind "198.18.2.2:$5" --to "$lb" --count "$N" \
		--rate 1000 --expect "$N" --expect-from "$lb" --timeout 3000 --delay 200
	probe_wait "${name}_c"
	probe_wait "${name}_s"
}

# check_cross NAME: both probes of cross NAME got everything (checks of the case).
check_cross() {
	local p
	for p in "$1_c" "$1_s"; do
		check_eq "$p exit" "$(cat "$T/$p.rc")" 0
		check_eq "$p received" "$(pj "$p" received)" "$N"
	done
	[ -z "$E2E_WHY" ] || echo "$1: $(probe_summary "$1_c") / $(probe_summary "$1_s")" >&2
}

# --- 1. xdp_mode off after a run with XDP ---
start_daemon auto || { fail "daemon start" "see log"; exit 1; }
session_add add1 ID1 LA1 LB1 carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
cross m1 "$LA1" "$LB1" 5004 6004
case_begin "with XDP: attached, pinned, the session relayed in XDP"
check_eq "XDP on r0" "$(xdp_on r0)" 1
check_eq "XDP on r1" "$(xdp_on r1)" 1
check_match "pins" "$(pins)" "link_r0 link_r1 .*rtpe_legs "
check_eq "leg A path" "$(leg_field "$ID1" 0 path)" xdp
check_cross m1
case_end
stop_daemon
case_begin "SIGTERM keeps XDP and its pins"
check_eq "XDP on r0" "$(xdp_on r0)" 1
check_match "pins" "$(pins)" "link_r0 link_r1 "
case_end

start_daemon off || { fail "daemon start" "xdp_mode off: see log"; exit 1; }
case_begin "xdp_mode off: the earlier run's links detached and unpinned, its maps removed"
check_eq "XDP on r0" "$(xdp_on r0)" 0
check_eq "XDP on r1" "$(xdp_on r1)" 0
check_eq "pins left" "$(pins)" ""
check "pin_path removed" test ! -e "$PIN"
check_match "log r0" "$(cat "$T/daemon.log")" "r0: detached the XDP program an earlier run left .*xdp_mode is off"
check_match "log maps" "$(cat "$T/daemon.log")" "removed the maps an earlier run pinned in $PIN .*rtpe_legs"
case_end

case_begin "xdp_mode off: the session comes back from the state file, relayed in userspace"
check_eq "leg A path" "$(leg_field "$ID1" 0 path)" userspace
check_eq "leg B path" "$(leg_field "$ID1" 1 path)" userspace
P0=$(leg_field "$ID1" 0 packets)
cross m2 "$LA1" "$LB1" 5004 6004
check_cross m2
check_eq "leg A packets relayed by the daemon" $(($(leg_field "$ID1" 0 packets) - P0)) "$N"
case_end

ctl session del "$ID1" >/dev/null
session_add add2 ID2 LA2 LB2 carrier 198.18.1.2:5006 sbc 198.18.2.2:6006
case_begin "xdp_mode off: a new session on the same ports, other peers, relays"
check_eq "leg A local" "$LA2" "$LA1"
check_eq "leg B local" "$LB2" "$LB1"
cross m3 "$LA2" "$LB2" 5006 6006
check_cross m3
case_end
stop_daemon

# --- 1b. the same without the state file: the session is dropped, and said so ---
start_daemon auto || { fail "daemon start" "see log"; exit 1; }
session_add add5 ID5 LA5 LB5 carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
stop_daemon
rm -f "$T/state.json"
start_daemon off || { fail "daemon start" "xdp_mode off: see log"; exit 1; }
case_begin "xdp_mode off, no state file: the session XDP carried is dropped with a log line"
check_eq "XDP on r0" "$(xdp_on r0)" 0
check_eq "pins left" "$(pins)" ""
check_eq "sessions" "$(ctl --json status | jq -r .sessions)" 0
check_match "log" "$(cat "$T/daemon.log")" "session $ID5: carried by XDP, not restored in userspace .*dropped"
case_end
stop_daemon

# --- 2. an interface dropped from the config ---
rm -rf "$PIN" # a clean start whatever part 1 left (unpinned links go with their pins)
start_daemon auto "[interface third]" "device = r2" "address = 198.18.3.1" ||
	{ fail "daemon start" "three interfaces: see log"; exit 1; }
session_add add3 ID3 LA3 LB3 third 198.18.3.2:5008 carrier 198.18.1.2:5008
case_begin "three interfaces: r2 attached and pinned"
check_eq "XDP on r2" "$(xdp_on r2)" 1
check_match "pins" "$(pins)" "link_r0 link_r1 link_r2 "
check_eq "leg B local" "$LB3" 198.18.1.1:40000
case_end
stop_daemon

start_daemon auto || { fail "daemon start" "r2 dropped: see log"; exit 1; }
case_begin "r2 dropped: detached and unpinned, r0 and r1 taken over"
check_eq "XDP on r2" "$(xdp_on r2)" 0
check_eq "XDP on r0" "$(xdp_on r0)" 1
check_eq "XDP on r1" "$(xdp_on r1)" 1
check_match "pins" "$(pins)" "^link_r0 link_r1 rtpe_"
check_match "log r2" "$(cat "$T/daemon.log")" "r2: detached the XDP program an earlier run left .*no \\[interface\\] uses r2"
check_match "log r0" "$(tail -n 20 "$T/daemon.log")" "r0: took over the pinned XDP link"
case_end

session_add add4 ID4 LA4 LB4 carrier 198.18.1.2:5010 sbc 198.18.2.2:6010
case_begin "r2 dropped: its session gone, a new one on the port it held relays in XDP"
check "session on r2 gone" bash -c "! $B/rtpedgectl -s $SOCK session show $ID3"
check_eq "leg A local" "$LA4" "$LB3"
cross m4 "$LA4" "$LB4" 5010 6010
check_cross m4
check_eq "leg A path" "$(leg_field "$ID4" 0 path)" xdp
case_end
