#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_bleed.sh - RTP Bleed and latching. A third host (the attacker, on its
# own XDP interface r2) sprays valid RTP at every relay port on both media
# addresses while a call runs, from before the first media packet (legs
# still learning) to after the legs moved to XDP. The attacker must receive
# nothing; the call's media must arrive complete and intact; the legs keep
# their signalled peers; the spray shows up as drops.
# Then latching: on an interface with latch = yes, a peer behind NAT that
# sends from another port than it signalled is followed (media reaches it),
# and the same spray during that call still gets nothing. Last, the race:
# an attacker who knows the leg's port sends a valid RTP stream (one SSRC,
# sequence + 1) from its own address during the learning window, starting
# before the NATed peer: the peer still wins, the attacker receives nothing
# and nothing it sent reaches the other side.
. "$(dirname "$0")/lib.sh"

SPRAY=$B/tools/rtpspray
N=3000 # RTP packets each way, 3 s at 1000/s
NR=300

e2e_require "$PROBE" "$SPRAY" "$B/rtpedged" "$B/rtpedgectl"
bed_up
ip -n "$RTPE_NS_RELAY" addr add 198.18.1.5/24 dev r0
if ! start_daemon auto "[interface attacker]" "device = r2" "address = 198.18.3.1" \
	"[interface natted]" "device = r0" "address = 198.18.1.5" "latch = yes"; then
	fail "daemon start" "rtpedged did not come up; log above"
	exit 1
fi

# spray_bg NAME: the attacker sprays both media addresses' whole port range
# (4 rounds of 2000 packets at 4000/s: 2 s) and listens 1 s more.
spray_bg() {
	ip netns exec "$RTPE_NS_ATTACKER" "$SPRAY" --json --bind 198.18.3.2:31337 \
		--target 198.18.1.1 --target 198.18.2.1 --target 198.18.1.5 \
		--ports 40000-40999 --rounds 3 --rate 4000 --listen 1500 \
		>"$T/$1.json" 2>"$T/$1.err" &
	PROBE_PID[$1]=$!
}

# --- strict legs (latch = no): spray from before the first media packet ---
session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004
[ -n "$ID" ] && [ "$ID" != null ] || { fail "session add" "$(cat "$T/add.json")"; exit 1; }
MISMATCH0=$(verdict_packets drop source_mismatch)

spray_bg spray1
media_both_ways "$LA" "$LB" "$N" "$NR"
probe_wait spray1

check_media "$N" "$NR"
case_begin "strict legs: the attacker received nothing"
check_eq "attacker exit" "$(cat "$T/spray1.rc")" 0
check_ge "attacker sent" "$(jq -r .sent "$T/spray1.json")" 9000
check_eq "attacker received" "$(jq -r .received "$T/spray1.json")" 0
case_end

ctl --json session show "$ID" >"$T/show.json"
case_begin "strict legs: peers unchanged, the spray counted as drops"
check_eq "leg A peer" "$(jq -r '.legs[0].peer' "$T/show.json")" 198.18.1.2:5004
check_eq "leg B peer" "$(jq -r '.legs[1].peer' "$T/show.json")" 198.18.2.2:6004
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/show.json")" xdp
check_eq "leg B path" "$(jq -r '.legs[1].path' "$T/show.json")" xdp
check_eq "leg A packets (only the carrier's)" "$(jq -r '.legs[0].packets' "$T/show.json")" $((N + NR))
check_eq "leg B packets (only the sbc's)" "$(jq -r '.legs[1].packets' "$T/show.json")" $((N + NR))
# 3 rounds hit each of the session's 4 ports: 12 packets, dropped in XDP
# once the legs are confirmed or by the daemon while they learn.
check_ge "leg drops A+B" $(($(jq -r '.legs[0].drops' "$T/show.json") + $(jq -r '.legs[1].drops' "$T/show.json"))) 12
check_ge "XDP source_mismatch" $(($(verdict_packets drop source_mismatch) - MISMATCH0)) 1
case_end

# --- latching (latch = yes): the carrier sits behind a NAT that rewrites
# its port: it signals 198.18.1.2:5004 and sends from 198.18.1.2:7004 ---
session_add add2 ID2 LA2 LB2 natted 198.18.1.2:5004 sbc 198.18.2.2:6004
spray_bg spray2
# The NATed carrier speaks first: until its first packet, leg A can only
# send to the signalled 198.18.1.2:5004, so the sbc starts 200 ms later.
probe_bg nat "$RTPE_NS_CARRIER" --bind 198.18.1.2:7004 --to "$LA2" --count "$N" --rate 1000 \
	--expect "$N" --expect-from "$LA2" --timeout 3000 --delay 300
probe_bg sbc2 "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB2" --count "$N" --rate 1000 \
	--expect "$((N - 100))" --expect-from "$LB2" --timeout 3000 --delay 500
probe_wait nat
probe_wait sbc2
probe_wait spray2

ctl --json session show "$ID2" >"$T/show2.json"
case_begin "latching: the NATed carrier is followed, the attacker still gets nothing"
check_eq "leg A latched to the real source" "$(jq -r '.legs[0].peer' "$T/show2.json")" 198.18.1.2:7004
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/show2.json")" xdp
check_eq "carrier behind NAT received everything" "$(pj nat received)" "$N"
check_eq "carrier bad_source" "$(pj nat bad_source)" 0
check_eq "carrier bad_payload" "$(pj nat bad_payload)" 0
# The sbc gets the carrier's media from the first (latching) packet on.
check_ge "sbc received" "$(pj sbc2 received)" $((N - 5))
check_eq "sbc bad_payload" "$(pj sbc2 bad_payload)" 0
check_eq "attacker received" "$(jq -r .received "$T/spray2.json")" 0
case_end
if [ -n "$E2E_WHY" ]; then
	echo "nat: $(probe_summary nat)" >&2
	echo "sbc2: $(probe_summary sbc2)" >&2
fi

# --- the race: an in-sequence stream from the attacker, 100 ms ahead of
# the NATed carrier (198.18.1.2:7006, signalled :5004), both in the window ---
session_add add3 ID3 LA3 LB3 natted 198.18.1.2:5004 sbc 198.18.2.2:6004
probe_bg att "$RTPE_NS_ATTACKER" --bind 198.18.3.2:31338 --to "$LA3" --count 2000 --rate 1000 \
	--ssrc a77ac4e5 --expect 0 --timeout 1000 --delay 200
probe_bg nat3 "$RTPE_NS_CARRIER" --bind 198.18.1.2:7006 --to "$LA3" --count "$N" --rate 1000 \
	--ssrc c0000003 --expect "$N" --expect-from "$LA3" --timeout 3000 --delay 300
# The carrier's first two packets are on probation: the sbc gets the rest.
probe_bg sbc3 "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB3" --count "$N" --rate 1000 \
	--ssrc 5bc00003 --expect "$((N - 2))" --expect-from "$LB3" --timeout 3000 --delay 500
probe_wait att
probe_wait nat3
probe_wait sbc3

ctl --json session show "$ID3" >"$T/show3.json"
case_begin "latching race: the NATed carrier wins over an attacker's earlier valid stream"
check_eq "leg A latched to the carrier" "$(jq -r '.legs[0].peer' "$T/show3.json")" 198.18.1.2:7006
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/show3.json")" xdp
check_eq "attacker sent" "$(pj att sent)" 2000
check_eq "attacker received" "$(pj att received)" 0
check_eq "carrier received all the sbc's media" "$(pj nat3 received)" "$N"
check_eq "carrier bad_source" "$(pj nat3 bad_source)" 0
check_eq "carrier got the sbc's stream only" "$(jq -c .ssrcs "$T/nat3.json")" '["0x5bc00003"]'
check_eq "sbc received (the carrier's, after probation)" "$(pj sbc3 received)" $((N - 2))
check_eq "sbc got the carrier's stream only (nothing injected)" "$(jq -c .ssrcs "$T/sbc3.json")" '["0xc0000003"]'
check_eq "sbc lost" "$(pj sbc3 lost)" 0
check_eq "sbc bad_payload" "$(pj sbc3 bad_payload)" 0
case_end
if [ -n "$E2E_WHY" ]; then
	echo "att: $(probe_summary att)" >&2
	echo "nat3: $(probe_summary nat3)" >&2
	echo "sbc3: $(probe_summary sbc3)" >&2
fi
