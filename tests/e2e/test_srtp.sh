#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_srtp.sh - SRTP termination per leg, with XDP attached on both
# interfaces (an SRTP session must still be relayed by the daemon's
# sockets). A test SRTP peer on libsrtp2 (srtppeer) verifies every
# payload it unprotects; rtpprobe verifies the plain side.
#   - RTP <-> SRTP both ways, RTP and RTCP: plain on the carrier side, SRTP
#     on the sbc side, every payload intact; the leg's path, suite,
#     counters, no key in show, stats and metrics;
#   - SRTP <-> SRTP with different suites and keys per leg, rtcp-mux
#     learnt on one leg;
#   - tampered, replayed and wrong-key packets dropped and counted by
#     reason (session show, rtpedge_srtp_failures_total), the valid ones
#     still relayed;
#   - on AF_XDP, a peer the FIB reaches out of a device without XDP: the
#     relay's packets to it go through the raw socket, intact;
#   - on a latch = yes interface, a stranger sending the carrier's SSRC
#     and sequence numbers under another key during learning never
#     latches; the real (NATed) carrier does;
#   - a restart (SIGKILL, start) in the middle of an SRTP call whose
#     streams have rolled over (ROC 1) both ways, RTCP too: every packet
#     sent after the daemon is back arrives intact (the keys, rollover
#     counters and SRTCP index come back from the state file, 0600);
#   - keys shown only by `session show --keys`, never to a member of
#     control_ro_group, never in the daemon's log; failures in stats and
#     rtpedge_srtp_failures_total, packets in rtpedge_packets_total{path="srtp"}.
. "$(dirname "$0")/lib.sh"

PEER=$B/tools/srtppeer
M=127.0.0.1:19464
N=1000 # RTP packets each way
NR=50  # RTCP packets each way

e2e_require "$PROBE" "$PEER" "$B/rtpedged" "$B/rtpedgectl"
bed_up
ip -n "$RTPE_NS_RELAY" addr add 198.18.1.5/24 dev r0
ACCESS=()
if command -v setpriv >/dev/null && getent group users nogroup >/dev/null; then
	ACCESS=("control_group = users" "control_ro_group = nogroup")
	chmod 711 "$T" # nobody reaches the socket in it
fi
# start [KEY = VALUE...]: the daemon of this test (again after a restart).
# max_sessions is small: the AF_XDP legs' table must still hold every
# address's lines (the sbc address's start at index 500, the natted one's
# at 1,000), whatever the session count (it once held 2 x max_sessions).
start() {
	E2E_METRICS=$M start_daemon auto "learning_window = 5" "workers = 2" "max_sessions = 8" \
		"${ACCESS[@]}" "$@" \
		"[interface natted]" \
		"device = r0" "address = 198.18.1.5" "latch = yes"
}
if ! start; then
	fail "daemon start" "rtpedged did not come up; log above"
	exit 1
fi

# key BYTES: a fresh base64 key || salt.
key() {
	head -c "$1" /dev/urandom | base64 -w0
}

# peer_bg NAME NS ARGS...: srtppeer --json ARGS in NS, like probe_bg.
peer_bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$PEER" --json "$@" >"$T/$name.json" 2>"$T/$name.err" &
	PROBE_PID[$name]=$!
}

# metric NAME{LABELS}: one sample's value ("" when absent).
metric() {
	ip netns exec "$RTPE_NS_RELAY" curl -sf "http://$M/metrics" |
		awk -v k="$1" '$1 == k { print $2; exit }'
}

# check_intact NAME N: the probe or peer NAME sent and received N, intact.
check_intact() {
	check_eq "$1 exit" "$(cat "$T/$1.rc" 2>/dev/null)" 0
	check_eq "$1 received" "$(pj "$1" received)" "$2"
	check_eq "$1 bad_source" "$(pj "$1" bad_source)" 0
	check_eq "$1 bad_payload" "$(pj "$1" bad_payload)" 0
}

KB_IN=$(key 30)  # what the sbc sends (the relay's INKEY of leg b)
KB_OUT=$(key 30) # what the relay sends the sbc
S80=AES_CM_128_HMAC_SHA1_80

case_begin "XDP runs on both interfaces"
check_match "interfaces" "$(ctl --json status | jq -r '[.interfaces[].xdp] | join(",")')" '^(native|generic),(native|generic)'
case_end

# --- RTP <-> SRTP ---------------------------------------------------------
session_add add ID LA LB carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 \
	--srtp-b "$S80:$KB_IN:$KB_OUT"
[ -n "$ID" ] && [ "$ID" != null ] || { fail "session add" "$(cat "$T/add.json")"; exit 1; }
LA1=${LA%:*}:$((${LA##*:} + 1))
LB1=${LB%:*}:$((${LB##*:} + 1))
SRTP0=$(ctl --json stats | jq -r .packets.srtp)
XSK0=$(verdict_packets xsk userspace_leg)
PASS0=$(verdict_packets pass userspace_leg)

probe_bg c_rtp "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA" --count $N --rate 1000 \
	--ssrc c0000001 --expect $N --expect-from "$LA" --timeout 3000 --delay 300
peer_bg s_rtp "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB" --suite $S80 --key "$KB_IN" \
	--rx-key "$KB_OUT" --count $N --rate 1000 --ssrc 5bc00002 --expect $N --expect-from "$LB" \
	--timeout 3000 --delay 300
probe_bg c_rtcp "$RTPE_NS_CARRIER" --rtcp --bind 198.18.1.2:5005 --to "$LA1" --count $NR \
	--rate 100 --ssrc c0000001 --expect $NR --expect-from "$LA1" --timeout 3000 --delay 300
peer_bg s_rtcp "$RTPE_NS_SBC" --rtcp --bind 198.18.2.2:6005 --to "$LB1" --suite $S80 \
	--key "$KB_IN" --rx-key "$KB_OUT" --count $NR --rate 100 --ssrc 5bc00002 --expect $NR \
	--expect-from "$LB1" --timeout 3000 --delay 300
for p in c_rtp s_rtp c_rtcp s_rtcp; do probe_wait $p; done

case_begin "RTP <-> SRTP: RTP and RTCP both ways, every payload intact"
check_intact c_rtp $N
check_intact s_rtp $N
check_intact c_rtcp $NR
check_intact s_rtcp $NR
case_end
[ -n "$E2E_WHY" ] && for p in c_rtp s_rtp c_rtcp s_rtcp; do echo "$p: $(probe_summary $p)" >&2; done

ctl --json session show "$ID" >"$T/show.json"
case_begin "RTP <-> SRTP: paths, suite, counters, sockets; no key shown"
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/show.json")" userspace
check_eq "leg B path" "$(jq -r '.legs[1].path' "$T/show.json")" srtp
check_eq "leg B suite" "$(jq -r '.legs[1].srtp.suite' "$T/show.json")" $S80
check_eq "leg A srtp" "$(jq -r '.legs[0].srtp' "$T/show.json")" null
check_eq "leg B packets" "$(jq -r '.legs[1].packets' "$T/show.json")" $((N + NR))
check_eq "leg A packets" "$(jq -r '.legs[0].packets' "$T/show.json")" $((N + NR))
check_eq "leg B auth failures" "$(jq -r '.legs[1].srtp.failures.auth' "$T/show.json")" 0
check_eq "leg B rtp.ssrc" "$(jq -r '.legs[1].rtp.ssrc' "$T/show.json")" $((0x5bc00002))
check_eq "leg B rtp.lost" "$(jq -r '.legs[1].rtp.lost' "$T/show.json")" 0
check "no key in session show" bash -c "! grep -qF -e '$KB_IN' -e '$KB_OUT' '$T/show.json'"
check "no key in session show (table)" bash -c "! $B/rtpedgectl -s $SOCK session show $ID | grep -qF -e '$KB_IN' -e '$KB_OUT'"
check "leg A has its socket" bash -c "ip netns exec '$RTPE_NS_RELAY' ss -Hun state all src '$LA' | grep -q ."
check "leg B has its socket" bash -c "ip netns exec '$RTPE_NS_RELAY' ss -Hun state all src '$LB' | grep -q ."
check_eq "stats packets.srtp growth" $(($(ctl --json stats | jq -r .packets.srtp) - SRTP0)) $((2 * (N + NR)))
check_eq "rtpedge_packets_total{path=\"srtp\"}" "$(metric 'rtpedge_packets_total{path="srtp"}')" \
	"$(ctl --json stats | jq -r .packets.srtp)"
case_end

case_begin "RTP <-> SRTP on AF_XDP: every packet of both legs came through the daemon's AF_XDP sockets"
check_eq "session afxdp" "$(jq -r '.afxdp' "$T/show.json")" true
check_eq "AF_XDP sockets (r0, r1: one queue each)" "$(ctl --json stats | jq -r .afxdp.sockets)" 2
check_eq "rtpedge_afxdp_sockets" "$(metric rtpedge_afxdp_sockets)" 2
check_match "stats (table)" "$(ctl stats)" "af_xdp:? +sockets 2, dropped 0, dropped_no_leg 0, sent_direct [0-9]+"
check_eq "xdp verdict xsk growth" $(($(verdict_packets xsk userspace_leg) - XSK0)) $((2 * (N + NR)))
check_eq "none passed to the legs' sockets" $(($(verdict_packets pass userspace_leg) - PASS0)) 0
check_eq "AF_XDP dropped" "$(ctl --json stats | jq -r .afxdp.dropped)" 0
check_eq "AF_XDP dropped for no leg held" "$(ctl --json stats | jq -r .afxdp.dropped_no_leg)" 0
check_eq "rtpedge_afxdp_dropped_total{reason=\"no_leg\"}" \
	"$(metric 'rtpedge_afxdp_dropped_total{reason="no_leg"}')" 0
check_eq "rtpedge_afxdp_dropped_total{reason=\"kernel\"}" \
	"$(metric 'rtpedge_afxdp_dropped_total{reason="kernel"}')" 0
# sent whole by the FIB's next hop, but for the first packet towards each
# peer at most (its neighbour maybe not resolved yet: routed, the kernel
# resolves it)
ctl --json stats >"$T/stats1.json"
check_ge "sent direct (AF_PACKET)" "$(jq -r .afxdp.sent_direct "$T/stats1.json")" $((2 * (N + NR) - 4))
check_eq "sent direct + routed" $(($(jq -r '.afxdp.sent_direct + .afxdp.sent_routed' "$T/stats1.json"))) \
	$((2 * (N + NR)))
check_eq "rtpedge_afxdp_sent_packets_total{via=\"direct\"}" \
	"$(metric 'rtpedge_afxdp_sent_packets_total{via="direct"}')" "$(jq -r .afxdp.sent_direct "$T/stats1.json")"
case_end

ctl --json session show "$ID" --keys >"$T/keys.json"
case_begin "session show --keys shows the leg's keys as given, and only then"
check_eq "leg B in_key" "$(jq -r '.legs[1].srtp.in_key' "$T/keys.json")" "$KB_IN"
check_eq "leg B out_key" "$(jq -r '.legs[1].srtp.out_key' "$T/keys.json")" "$KB_OUT"
check "table" bash -c "$B/rtpedgectl -s $SOCK session show $ID --keys | grep -F -- '$KB_IN' | grep -q '^leg b in key: '"
check "no key in list" bash -c "! $B/rtpedgectl -s $SOCK --json session list | grep -qF '$KB_IN'"
check "no key in stats" bash -c "! $B/rtpedgectl -s $SOCK --json stats | grep -qF '$KB_IN'"
check "no key in the metrics" bash -c "! ip netns exec $RTPE_NS_RELAY curl -sf http://$M/metrics | grep -qF '$KB_IN'"
if [ ${#ACCESS[@]} -gt 0 ]; then
	RO=$(setpriv --reuid=65534 --regid="$(getent group nogroup | cut -d: -f3)" --clear-groups \
		"$B/rtpedgectl" -s "$SOCK" --json session show "$ID" --keys 2>&1)
	check_match "control_ro_group: --keys refused" "$RO" 'permission denied: --keys shows SRTP keys'
	check "control_ro_group: the refusal has no key" bash -c "! grep -qF '$KB_IN' <<<'$RO'"
	RO=$(setpriv --reuid=65534 --regid="$(getent group nogroup | cut -d: -f3)" --clear-groups \
		"$B/rtpedgectl" -s "$SOCK" --json session show "$ID" 2>&1)
	check_eq "control_ro_group: show without --keys" "$(jq -r '.legs[1].srtp.suite' <<<"$RO")" $S80
else
	skip "control_ro_group" "needs setpriv and the groups users, nogroup"
fi
case_end

# --- refusals on leg B: tampered, replayed, wrong key ---------------------
AUTH0=$(metric 'rtpedge_srtp_failures_total{reason="auth"}')
REPLAY0=$(metric 'rtpedge_srtp_failures_total{reason="replay"}')
probe_bg c_quiet "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --expect 20 --expect-from "$LA" \
	--timeout 1500
peer_bg tamper "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB" --suite $S80 --key "$KB_IN" \
	--count 20 --rate 200 --tamper --timeout 0 --delay 200
probe_wait tamper
peer_bg replay "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB" --suite $S80 --key "$KB_IN" \
	--count 20 --rate 200 --replay --timeout 0
probe_wait replay
peer_bg wrongkey "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB" --suite $S80 --key "$(key 30)" \
	--count 20 --rate 200 --timeout 0
probe_wait wrongkey
probe_wait c_quiet
ctl --json session show "$ID" >"$T/show2.json"
case_begin "tampered, replayed and wrong-key SRTP dropped and counted; the valid 20 relayed"
check_eq "carrier received (only the replayed stream's originals)" "$(pj c_quiet received)" 20
check_eq "carrier bad_payload" "$(pj c_quiet bad_payload)" 0
check_eq "leg B failures.auth" "$(jq -r '.legs[1].srtp.failures.auth' "$T/show2.json")" 40
check_eq "leg B failures.replay" "$(jq -r '.legs[1].srtp.failures.replay' "$T/show2.json")" 20
check_eq "metric auth growth" $(($(metric 'rtpedge_srtp_failures_total{reason="auth"}') - AUTH0)) 40
check_eq "metric replay growth" $(($(metric 'rtpedge_srtp_failures_total{reason="replay"}') - REPLAY0)) 20
check_eq "stats srtp_failures.auth" "$(ctl --json stats | jq -r .srtp_failures.auth)" \
	"$(metric 'rtpedge_srtp_failures_total{reason="auth"}')"
check_match "show (table)" "$(ctl session show "$ID")" 'leg b srtp: +AES_CM_128_HMAC_SHA1_80, failures: auth 40, replay 20, other 0'
check_eq "leg B packets (the valid ones only)" "$(jq -r '.legs[1].packets' "$T/show2.json")" $((N + NR + 20))
case_end
[ -n "$E2E_WHY" ] && echo "c_quiet: $(probe_summary c_quiet)" >&2

# --- SRTP <-> SRTP, different suites and keys, rtcp-mux on leg A ----------
KA=$(key 28)
KB1=$(key 30)
KB2=$(key 30)
PASS2=$(verdict_packets pass userspace_leg)
session_add add2 ID2 LA2 LB2 carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 \
	--srtp-a "AEAD_AES_128_GCM:$KA" --srtp-b "AES_CM_128_HMAC_SHA1_32:$KB1:$KB2"
LB21=${LB2%:*}:$((${LB2##*:} + 1))
peer_bg c2 "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA2" --suite AEAD_AES_128_GCM \
	--key "$KA" --count $N --rate 1000 --expect $N --expect-from "$LA2" --timeout 3000 --delay 300
peer_bg s2 "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB2" --suite AES_CM_128_HMAC_SHA1_32 \
	--key "$KB1" --rx-key "$KB2" --count $N --rate 1000 --expect $N --expect-from "$LB2" \
	--timeout 3000 --delay 300
probe_wait c2
probe_wait s2
# RTCP: the carrier multiplexes it on the RTP port (rtcp-mux), the sbc does not.
peer_bg c2r "$RTPE_NS_CARRIER" --rtcp --bind 198.18.1.2:5004 --to "$LA2" --suite AEAD_AES_128_GCM \
	--key "$KA" --count $NR --rate 100 --expect $NR --expect-from "$LA2" --timeout 3000 --delay 300
peer_bg s2r "$RTPE_NS_SBC" --rtcp --bind 198.18.2.2:6005 --to "$LB21" --suite AES_CM_128_HMAC_SHA1_32 \
	--key "$KB1" --rx-key "$KB2" --count $NR --rate 100 --expect $NR --expect-from "$LB21" \
	--timeout 3000 --delay 500
probe_wait c2r
probe_wait s2r
ctl --json session show "$ID2" >"$T/show3.json"
case_begin "SRTP <-> SRTP, GCM on one leg and _32 on the other: both ways intact, rtcp-mux"
check_intact c2 $N
check_intact s2 $N
check_intact c2r $NR
check_intact s2r $NR
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/show3.json")" srtp
check_eq "leg B path" "$(jq -r '.legs[1].path' "$T/show3.json")" srtp
check_eq "leg A suite" "$(jq -r '.legs[0].srtp.suite' "$T/show3.json")" AEAD_AES_128_GCM
check_eq "leg B suite" "$(jq -r '.legs[1].srtp.suite' "$T/show3.json")" AES_CM_128_HMAC_SHA1_32
check_eq "leg A rtcp_mux (learnt)" "$(jq -r '.legs[0].rtcp_mux' "$T/show3.json")" true
check_eq "leg B rtcp_mux" "$(jq -r '.legs[1].rtcp_mux' "$T/show3.json")" null
# The AF_XDP worker holds the first session; this one goes to the other
# worker, on its legs' sockets: both relay paths of SRTP in one test.
check_eq "session afxdp (second worker: sockets)" "$(jq -r '.afxdp' "$T/show3.json")" false
check_eq "its packets passed to its sockets" $(($(verdict_packets pass userspace_leg) - PASS2)) \
	$((2 * (N + NR)))
case_end
[ -n "$E2E_WHY" ] && for p in c2 s2 c2r s2r; do echo "$p: $(probe_summary $p)" >&2; done

# --- AF_XDP to a peer routed out of a device XDP does not run on ------------
# Leg B's peer is the attacker host, behind r2 (not configured, no XDP):
# what the relay sends it cannot leave whole by the FIB's next hop (frames
# leave whole only out of an interface XDP runs on), so it goes through the
# raw socket and the kernel routes it; what it sends comes in on r2, to
# the leg's socket. One session on each worker so far: this one takes the
# AF_XDP worker.
KR=$(key 30)
ctl --json stats >"$T/stats_r0.json"
session_add add3 ID3 LA3 LB3 carrier 198.18.1.2:5004 sbc 198.18.3.2:6004 --srtp-b "$S80:$KR"
probe_bg c3 "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA3" --count $N --rate 1000 \
	--expect $N --expect-from "$LA3" --timeout 3000 --delay 300
peer_bg a3 "$RTPE_NS_ATTACKER" --bind 198.18.3.2:6004 --to "$LB3" --suite $S80 --key "$KR" \
	--count $N --rate 1000 --expect $N --expect-from "$LB3" --timeout 3000 --delay 300
probe_wait c3
probe_wait a3
ctl --json session show "$ID3" >"$T/show_r.json"
ctl --json stats >"$T/stats_r1.json"
# afxdp_growth FIELD: how much .afxdp.FIELD grew over the session's traffic
afxdp_growth() {
	echo $(($(jq -r ".afxdp.$1" "$T/stats_r1.json") - $(jq -r ".afxdp.$1" "$T/stats_r0.json")))
}
case_begin "AF_XDP, the peer routed out of a device without XDP: sent through the raw socket, both ways intact"
check_eq "session afxdp" "$(jq -r '.afxdp' "$T/show_r.json")" true
check_intact c3 $N
check_intact a3 $N
check_eq "sent routed (raw socket)" "$(afxdp_growth sent_routed)" $N
check_eq "sent direct" "$(afxdp_growth sent_direct)" 0
check_eq "AF_XDP dropped" "$(afxdp_growth dropped)" 0
check_eq "leg B packets" "$(jq -r '.legs[1].packets' "$T/show_r.json")" $N
case_end
[ -n "$E2E_WHY" ] && for p in c3 a3; do echo "$p: $(probe_summary $p)" >&2; done
ctl session del "$ID3" >/dev/null

# --- a stranger's valid-looking SRTP during learning never latches ------------
KN=$(key 30)
session_add add4 ID4 LA4 LB4 natted 198.18.1.2:5004 sbc 198.18.2.2:6004 --srtp-a "$S80:$KN"
peer_bg att "$RTPE_NS_ATTACKER" --bind 198.18.3.2:31337 --to "$LA4" --suite $S80 --key "$(key 30)" \
	--ssrc c0000004 --seq 1000 --count 300 --rate 500 --expect 0 --timeout 1500
probe_bg sbc_quiet "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --expect 0 --timeout 1500
probe_wait att
probe_wait sbc_quiet
ctl --json session show "$ID4" >"$T/show4.json"
case_begin "latch = yes: a stranger's SRTP (right SSRC and sequence, wrong key) never latches"
check_eq "attacker received" "$(pj att received)" 0
check_eq "sbc received" "$(pj sbc_quiet received)" 0
check_eq "leg A peer" "$(jq -r '.legs[0].peer' "$T/show4.json")" 198.18.1.2:5004
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/show4.json")" learning
check_eq "leg A failures.auth" "$(jq -r '.legs[0].srtp.failures.auth' "$T/show4.json")" 300
check_eq "leg A packets" "$(jq -r '.legs[0].packets' "$T/show4.json")" 0
case_end
# ... and the real carrier, behind a NAT (sends from :7004), is followed
peer_bg att2 "$RTPE_NS_ATTACKER" --bind 198.18.3.2:31337 --to "$LA4" --suite $S80 --key "$(key 30)" \
	--ssrc c0000004 --seq 2000 --count 400 --rate 500 --expect 0 --timeout 1000
peer_bg nat "$RTPE_NS_CARRIER" --bind 198.18.1.2:7004 --to "$LA4" --suite $S80 --key "$KN" \
	--ssrc c0000004 --seq 2000 --count 400 --rate 500 --expect 380 --expect-from "$LA4" \
	--timeout 2000 --delay 100
probe_bg sbc4 "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB4" --count 400 --rate 500 \
	--expect 397 --expect-from "$LB4" --timeout 2000 --delay 400
probe_wait att2
probe_wait nat
probe_wait sbc4
ctl --json session show "$ID4" >"$T/show5.json"
case_begin "latch = yes: the NATed carrier latches, the stranger still gets nothing"
check_eq "leg A latched to the carrier" "$(jq -r '.legs[0].peer' "$T/show5.json")" 198.18.1.2:7004
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/show5.json")" srtp
check_eq "attacker received" "$(pj att2 received)" 0
check_ge "carrier received" "$(pj nat received)" 380
check_eq "carrier bad_payload" "$(pj nat bad_payload)" 0
check_ge "sbc received (all but the probation)" "$(pj sbc4 received)" 397
check_eq "sbc bad_payload" "$(pj sbc4 bad_payload)" 0
case_end
[ -n "$E2E_WHY" ] && for p in att2 nat sbc4; do echo "$p: $(probe_summary $p)" >&2; done

# --- a restart in the middle of an SRTP call --------------------------------
# Both streams start just below a rollover (ROC 1 from ~0.5 s on), pause
# at 2.5 s for 4 s, and go on: the daemon is killed 0.5 s into the pause
# and started again; nothing is sent while it is down, so every packet
# must arrive.
KR_IN=$(key 30)
KR_OUT=$(key 30)
session_add add6 ID6 LA6 LB6 carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 \
	--srtp-b "$S80:$KR_IN:$KR_OUT"
LA61=${LA6%:*}:$((${LA6##*:} + 1))
LB61=${LB6%:*}:$((${LB6##*:} + 1))
RN=3000
RNR=150
probe_bg r_c "$RTPE_NS_CARRIER" --bind 198.18.1.2:5004 --to "$LA6" --count $RN --rate 1000 \
	--seq 65000 --ssrc c0000006 --pause-at 2500 --pause 4000 --expect $RN --expect-from "$LA6" \
	--timeout 3000 --delay 300
peer_bg r_s "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$LB6" --suite $S80 --key "$KR_IN" \
	--rx-key "$KR_OUT" --count $RN --rate 1000 --seq 65100 --ssrc 5bc00006 --pause-at 2500 \
	--pause 4000 --expect $RN --expect-from "$LB6" --timeout 3000 --delay 300
probe_bg r_cr "$RTPE_NS_CARRIER" --rtcp --bind 198.18.1.2:5005 --to "$LA61" --count $RNR \
	--rate 50 --ssrc c0000006 --pause-at 125 --pause 4000 --expect $RNR --expect-from "$LA61" \
	--timeout 3000 --delay 300
peer_bg r_sr "$RTPE_NS_SBC" --rtcp --bind 198.18.2.2:6005 --to "$LB61" --suite $S80 \
	--key "$KR_IN" --rx-key "$KR_OUT" --count $RNR --rate 50 --ssrc 5bc00006 --pause-at 125 \
	--pause 4000 --expect $RNR --expect-from "$LB61" --timeout 3000 --delay 300
STARTED=$(date +%s.%N)
sleep 3.3
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
ctl --json session show "$ID6" >/dev/null 2>&1 && fail restart "the daemon still answers after SIGKILL"
sleep 0.3
# back on libsrtp2's NSS crypto: the keys and counters carry over whatever
# primitives run them
start "srtp_crypto = nss" || fail restart "the daemon did not come back"
BACK=$(date +%s.%N)
for p in r_c r_s r_cr r_sr; do probe_wait $p; done
ctl --json session show "$ID6" >"$T/show6.json"
case_begin "SIGKILL and start in an SRTP call past a rollover (OpenSSL, then NSS): every packet sent after it arrives"
check_ge "back before the streams went on (ms to spare)" \
	"$(echo "($STARTED + 6.8 - $BACK) * 1000 / 1" | bc)" 200
check_intact r_c $RN
check_intact r_s $RN
check_intact r_cr $RNR
check_intact r_sr $RNR
check_eq "leg B path" "$(jq -r '.legs[1].path' "$T/show6.json")" srtp
check_eq "leg B auth failures" "$(jq -r '.legs[1].srtp.failures.auth' "$T/show6.json")" 0
check_eq "state file mode" "$(stat -c %a "$T/state.json")" 600
check_eq "the state file has leg B's keys" \
	"$(jq -r --arg id "${ID6#s-}" '.sessions[] | select(.id == ($id | tonumber)) | .legs[1].srtp.in_key' "$T/state.json")" \
	"$KR_IN"
check_match "log says it restored" "$(cat "$T/daemon.log")" "restored [0-9]+ sessions from the maps"
check_match "first run on OpenSSL's primitives, then on NSS's" \
	"$(grep -o 'libsrtp2 on [a-z]* crypto' "$T/daemon.log" | tr '\n' ' ')" \
	"^libsrtp2 on openssl crypto libsrtp2 on nss crypto $"
case_end
[ -n "$E2E_WHY" ] && for p in r_c r_s r_cr r_sr; do echo "$p: $(probe_summary $p)" >&2; done

case_begin "no key in the daemon's log"
for k in "$KB_IN" "$KB_OUT" "$KA" "$KB1" "$KB2" "$KN" "$KR_IN" "$KR_OUT"; do
	check "key absent from the log" bash -c "! grep -qF -- '$k' '$T/daemon.log'"
done
case_end

case_begin "daemon stops cleanly on SIGTERM"
stop_daemon
check_eq "exit status" "$?" 0
case_end
