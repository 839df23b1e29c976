#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_srtp.sh - SIP calls with SDES (RFC 4568) terminated by the
# relay: region "lab" says `srtp = sdes`, trunk "carrier" is plain. sipp
# places and answers the calls; a test SRTP peer (srtppeer) is the SBC's
# media with the key from its own SDP and the one rtpedge wrote in the
# SDP the SBC received; rtpprobe is the carrier's plain RTP.
#   - carrier -> sbc, a plain offer: the SBC gets RTP/SAVP and one fresh
#     a=crypto line per suite, answers with tag 1 and a key of its own; the
#     carrier gets RTP/AVP without a=crypto; RTP and RTCP both ways intact
#     (SRTP on the sbc leg, plain on the carrier leg); the keys `session
#     show --keys` gives are the two of the SDP; SIGKILL and restart in
#     the middle of the call: media after it still intact both ways, and
#     the caller's BYE ends the call;
#   - sbc -> carrier, an SRTP offer whose first a=crypto line has a suite
#     rtpedge does not know: the second line (AES_CM_128_HMAC_SHA1_32,
#     tag 7) is taken, the SBC's answer is RTP/SAVP with one a=crypto:7 of
#     a fresh key, the carrier's offer RTP/AVP without a=crypto; media
#     both ways intact; a re-INVITE with the same key gets the same key of
#     ours back, one with a new key a new key of ours, and the media goes
#     on under the new keys;
#   - an SRTP offer from the SBC with only an unknown suite: 488, no
#     session left;
#   - carrier -> sbc, then a re-INVITE from the carrier (a codec change)
#     while media flows: the SBC is re-offered our current key in one line
#     (tag 1), its answer keeps its key, nothing changes: no packet lost or
#     replayed across the re-offer;
#   - a late offer from the carrier (INVITE without SDP): the SBC's 200
#     offers RTP/SAVP, the carrier gets RTP/AVP, the ACK's answer to the
#     SBC carries one a=crypto line of ours; then the carrier's re-INVITE
#     while media flows: the SBC is re-offered that key (an offer from the
#     sdes side answered plain leaves its keys agreed), nothing lost;
#   - SRTP <-> SRTP: restarted with the trunk `srtp = sdes` too, a carrier
#     offering SRTP (srtppeer on both ends): each side gets a key of ours,
#     not the other side's; media intact both ways.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

PEER=$B/tools/srtppeer
N=500 # RTP packets each way (per burst)
NR=25 # RTCP packets each way

e2e_require "$PROBE" "$PEER" "$B/rtpedged" "$B/rtpedgectl"
sip_require
bed_up
E2E_METRICS=127.0.0.1:9464
mapfile -t CONF < <(sip_conf | sed '/^interface = sbc$/a srtp = sdes')
start_daemon auto "${CONF[@]}" || { fail "daemon start" "rtpedged with [sip] did not come up"; exit 1; }
FREE0=$(ctl --json status | jq -r .ports_free)

key() {
	head -c "$1" /dev/urandom | base64 -w0
}
K80=$(key 30) # the SBC's own keys
K32=$(key 30)
S80=AES_CM_128_HMAC_SHA1_80
S32=AES_CM_128_HMAC_SHA1_32

# savp_sed LINE...: a sed expression for sipp_bg (SIPP_SED) that makes the
# scenario's RTP/AVP audio line RTP/SAVP followed by the LINEs.
savp_sed() {
	local e='s|^\([ \t]*\)m=audio \[rtp_port\] RTP/AVP \(.*\)$|\1m=audio [rtp_port] RTP/SAVP \2' l
	for l; do e+='\n\1'"$l"; done
	printf '%s|' "$e"
}

# peer_bg NAME NS ARGS...: srtppeer --json ARGS in NS, like probe_bg.
peer_bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$PEER" --json "$@" >"$T/$name.json" 2>"$T/$name.err" &
	PROBE_PID[$name]=$!
}

# srtp_media LC LS SUITE TXKEY RXKEY TAG [CTX CRX]: RTP and RTCP both ways,
# the carrier (198.18.1.2:$CP, default 5004: rtpprobe, or srtppeer sending
# with CTX and taking CRX when given) to its leg LC, the SBC (srtppeer,
# 198.18.2.2:6004, sending with TXKEY, taking RXKEY) to LS; TAG makes the
# SSRCs of this burst. srtp_media_start starts them, srtp_media_wait waits.
srtp_media() {
	srtp_media_start "$@"
	srtp_media_wait
}

srtp_media_wait() {
	for p in c_rtp s_rtp c_rtcp s_rtcp; do probe_wait $p; done
}

srtp_media_start() {
	local lc=$1 ls=$2 suite=$3 tx=$4 rx=$5 tag=$6 ctx=${7:-} crx=${8:-} cp=${CP:-5004} lc1 ls1
	lc1=${lc%:*}:$((${lc##*:} + 1))
	ls1=${ls%:*}:$((${ls##*:} + 1))
	if [ -n "$ctx" ]; then
		peer_bg c_rtp "$RTPE_NS_CARRIER" --bind "198.18.1.2:$cp" --to "$lc" --suite "$suite" \
			--key "$ctx" --rx-key "$crx" --count $N --rate 1000 --ssrc "c000000$tag" \
			--expect $N --expect-from "$lc" --timeout 3000 --delay 300
		peer_bg c_rtcp "$RTPE_NS_CARRIER" --rtcp --bind "198.18.1.2:$((cp + 1))" --to "$lc1" \
			--suite "$suite" --key "$ctx" --rx-key "$crx" --count $NR --rate 100 \
			--ssrc "c000000$tag" --expect $NR --expect-from "$lc1" --timeout 3000 --delay 300
	else
		probe_bg c_rtp "$RTPE_NS_CARRIER" --bind "198.18.1.2:$cp" --to "$lc" --count $N \
			--rate 1000 --ssrc "c000000$tag" --expect $N --expect-from "$lc" --timeout 3000 \
			--delay 300
		probe_bg c_rtcp "$RTPE_NS_CARRIER" --rtcp --bind "198.18.1.2:$((cp + 1))" --to "$lc1" \
			--count $NR --rate 100 --ssrc "c000000$tag" --expect $NR --expect-from "$lc1" \
			--timeout 3000 --delay 300
	fi
	peer_bg s_rtp "$RTPE_NS_SBC" --bind 198.18.2.2:6004 --to "$ls" --suite "$suite" --key "$tx" \
		--rx-key "$rx" --count $N --rate 1000 --ssrc "5bc0000$tag" --expect $N \
		--expect-from "$ls" --timeout 3000 --delay 300
	peer_bg s_rtcp "$RTPE_NS_SBC" --rtcp --bind 198.18.2.2:6005 --to "$ls1" --suite "$suite" \
		--key "$tx" --rx-key "$rx" --count $NR --rate 100 --ssrc "5bc0000$tag" --expect $NR \
		--expect-from "$ls1" --timeout 3000 --delay 300
}

# check_srtp_media NAME [WHERE]: srtp_media delivered everything, intact.
check_srtp_media() {
	local p n
	case_begin "$1: RTP and RTCP both ways, SRTP on ${2:-the sbc leg}, every payload intact"
	for p in c_rtp s_rtp c_rtcp s_rtcp; do
		n=$([[ $p == *rtcp ]] && echo $NR || echo $N)
		check_eq "$p exit" "$(cat "$T/$p.rc" 2>/dev/null)" 0
		check_eq "$p received" "$(pj "$p" received)" "$n"
		check_eq "$p bad_source" "$(pj "$p" bad_source)" 0
		check_eq "$p bad_payload" "$(pj "$p" bad_payload)" 0
	done
	case_end
	if [ -n "$E2E_WHY" ]; then
		for p in c_rtp s_rtp c_rtcp s_rtcp; do echo "$p: $(probe_summary $p) $(head -c 300 "$T/$p.err" 2>/dev/null)" >&2; done
	fi
}

# sdp_of FILE FIRST_LINE_REGEX [NTH]: the SDP body of the NTH (default 1st)
# message in sipp's message trace FILE whose first line matches.
sdp_of() {
	awk -v re="$2" -v nth="${3:-1}" '
		/^(----|[a-zA-Z]+ message (sent|received))/ { if (on && body) exit; on = 0; next }
		!on && $0 ~ re && ++seen == nth { on = 1; body = 0; next }
		on && /^v=0/ { body = 1 }
		on && body { sub(/\r$/, ""); print }' "$1"
}

# wait_msgs FILE REGEX N: until sipp's trace FILE has N messages whose
# first line matches (at most 5 s).
wait_msgs() {
	local i
	for i in $(seq 50); do
		[ "$(grep -cE "$2" "$1" 2>/dev/null || true)" -ge "$3" ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- carrier -> sbc: a plain offer, SRTP towards the region ----------------
SIPP_SED=$(savp_sed "a=crypto:1 $S80 inline:[sk]") uas_sbc t2r_uas uas_basic.xml -key sk "$K80"
sleep 0.3
uac_carrier t2r_uac uac_basic.xml -s +15557654321 -d 9000

case_begin "t2r: the SBC gets RTP/SAVP and our a=crypto lines, the carrier RTP/AVP"
wait_sessions 1 || why_add "no answered session within 10 s: $(ctl --json session list | head -c 300)"
session_legs ID LA LB
sleep 0.3
OFFER=$(sdp_of "$T/t2r_uas.msg" '^INVITE ')
ANSWER=$(sdp_of "$T/t2r_uac.msg" '^SIP/2.0 200')
check_match "offer to the SBC: RTP/SAVP" "$OFFER" "m=audio ${LB##*:} RTP/SAVP 8 0 101"
for s in "1 $S80" "2 $S32" "3 AEAD_AES_128_GCM" "4 AEAD_AES_256_GCM"; do
	check_match "offer to the SBC: a=crypto:$s" "$OFFER" "a=crypto:$s inline:[A-Za-z0-9+/=]+$"
done
RK=$(sed -n "s|^a=crypto:1 $S80 inline:||p" <<<"$OFFER")
check_match "the relay's key is 30 bytes" "$(base64 -d <<<"$RK" 2>/dev/null | wc -c)" '^30$'
check_match "answer to the carrier: RTP/AVP" "$ANSWER" "m=audio ${LA##*:} RTP/AVP 8 101"
check "no a=crypto to the carrier" bash -c "! grep -q crypto <<<'$ANSWER'"
case_end

srtp_media "$LA" "$LB" $S80 "$K80" "$RK" 1
check_srtp_media t2r

ctl --json session show "$ID" --keys >"$T/keys.json"
case_begin "t2r: the legs' paths and keys are the SDP's"
check_eq "leg A path" "$(jq -r '.legs[0].path' "$T/keys.json")" userspace
check_eq "leg B path" "$(jq -r '.legs[1].path' "$T/keys.json")" srtp
check_eq "leg B suite" "$(jq -r '.legs[1].srtp.suite' "$T/keys.json")" $S80
check_eq "leg B in_key: the SBC's" "$(jq -r '.legs[1].srtp.in_key' "$T/keys.json")" "$K80"
check_eq "leg B out_key: the relay's" "$(jq -r '.legs[1].srtp.out_key' "$T/keys.json")" "$RK"
check_eq "leg A srtp" "$(jq -r '.legs[0].srtp' "$T/keys.json")" null
check "no key in the daemon's log" bash -c "! grep -qF -e '$K80' -e '$RK' '$T/daemon.log'"
case_end

kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
start_daemon auto "${CONF[@]}" || fail "restart" "the daemon did not come back"
srtp_media "$LA" "$LB" $S80 "$K80" "$RK" 2
check_srtp_media "t2r after a SIGKILL and restart"

case_begin "t2r: the BYE after the restart ends the call, its ports free"
sipp_wait t2r_uac || why_add "caller: $(sipp_why t2r_uac)"
sipp_wait t2r_uas || why_add "callee: $(sipp_why t2r_uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
case_end

# --- sbc -> carrier: an SRTP offer, plain towards the trunk; re-INVITEs -----
K32B=$(key 30)
uas_carrier r2t_uas uas_reinvite_loop.xml
sleep 0.3
uac_sbc r2t_uac uac_sdes_rekey.xml -s +15557654321 -d 3000 -key sk "$K32" -key sk2 "$K32B"

case_begin "r2t: the second a=crypto line taken; the SBC's answer RTP/SAVP a=crypto:7, the carrier's offer RTP/AVP"
wait_sessions 1 || why_add "no answered session within 10 s: $(ctl --json session list | head -c 300)"
session_legs ID LA LB
sleep 0.3
OFFER=$(sdp_of "$T/r2t_uas.msg" '^INVITE ')
ANSWER=$(sdp_of "$T/r2t_uac.msg" '^SIP/2.0 200')
check_match "offer to the carrier: RTP/AVP" "$OFFER" "m=audio ${LB##*:} RTP/AVP 0 8 101"
check "no a=crypto to the carrier" bash -c "! grep -q crypto <<<'$OFFER'"
check_match "answer to the SBC: RTP/SAVP" "$ANSWER" "m=audio ${LA##*:} RTP/SAVP 0 8 101"
check_eq "answer to the SBC: one a=crypto line" "$(grep -c '^a=crypto' <<<"$ANSWER")" 1
RK=$(sed -n "s|^a=crypto:7 $S32 inline:||p" <<<"$ANSWER")
check_match "a=crypto:7 $S32 with a key of 30 bytes" "$(base64 -d <<<"$RK" 2>/dev/null | wc -c)" '^30$'
check "a fresh key, not the SBC's" test "$RK" != "$K32"
case_end

srtp_media "$LB" "$LA" $S32 "$K32" "$RK" 3
check_srtp_media r2t

case_begin "r2t: a re-INVITE keeping the SBC's key keeps ours; one changing it gets a fresh one of ours"
wait_msgs "$T/r2t_uac.msg" '^SIP/2.0 200' 3 || why_add "no third 200 within 5 s"
RK2=$(sdp_of "$T/r2t_uac.msg" '^SIP/2.0 200' 2 | sed -n "s|^a=crypto:7 $S32 inline:||p")
RK3=$(sdp_of "$T/r2t_uac.msg" '^SIP/2.0 200' 3 | sed -n "s|^a=crypto:7 $S32 inline:||p")
check_eq "second answer: our key kept" "$RK2" "$RK"
check_match "third answer: a key" "$(base64 -d <<<"$RK3" 2>/dev/null | wc -c)" '^30$'
check "third answer: a new key" test "$RK3" != "$RK"
check_eq "one session still" "$(ctl --json session list | jq '.sessions | length')" 1
check_eq "leg A in_key: the SBC's new one" \
	"$(ctl --json session show "$ID" --keys | jq -r '.legs[0].srtp.in_key')" "$K32B"
case_end

srtp_media "$LB" "$LA" $S32 "$K32B" "$RK3" 4
check_srtp_media "r2t after the rekey"

case_begin "r2t: BYE ends the call"
sipp_wait r2t_uac || why_add "caller: $(sipp_why r2t_uac)"
sipp_wait r2t_uas || why_add "callee: $(sipp_why r2t_uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
case_end

# --- an offer whose every a=crypto line is unacceptable -------------------
SIPP_SED=$(savp_sed "a=crypto:1 FOO_BAR_128 inline:[sk]") \
	uac_sbc bad_uac uac_rejected.xml -s +15557654321 -key sk "$K32" -key max_forwards 70
case_begin "an SRTP offer with an unknown suite only: 488, no session"
sipp_wait bad_uac || why_add "caller: $(sipp_why bad_uac)"
check_match "488" "$(cat "$T/bad_uac.log" 2>/dev/null)" "refused 488"
check_eq "sessions" "$(ctl --json session list | jq '.sessions | length')" 0
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
case_end

# --- carrier -> sbc, then a re-INVITE from the carrier (a codec change) ------
# The plain side re-offers towards the sdes side while media flows: no
# rekey either way, and no packet lost or refused across it (a context
# built again would send SRTCP indexes the SBC has seen: replayed).
SIPP_SED=$(savp_sed "a=crypto:1 $S80 inline:[sk]") uas_sbc ro_uas uas_reinvite_loop.xml -key sk "$K80"
sleep 0.3
SIPP_SED='s/<pause milliseconds="2500"\/>/<pause milliseconds="800"\/>/' \
	uac_carrier ro_uac uac_reinvite_move.xml -s +15557654321 -d 2000 -key rtp_port2 5004

wait_sessions 1 || fail "re-offer" "no answered session within 10 s: $(ctl --json session list | head -c 300)"
session_legs ID LA LB
RK=$(sdp_of "$T/ro_uas.msg" '^INVITE ' | sed -n "s|^a=crypto:1 $S80 inline:||p")
N=1500 NR=120 srtp_media_start "$LA" "$LB" $S80 "$K80" "$RK" 5

case_begin "re-offer from the plain side: the SBC is re-offered our key, one line; its answer keeps its key"
wait_msgs "$T/ro_uac.msg" '^SIP/2.0 200' 2 || why_add "no second 200 within 5 s"
check "media still flowing when the re-offer was answered" kill -0 "${PROBE_PID[s_rtcp]}"
REOFFER=$(sdp_of "$T/ro_uas.msg" '^INVITE ' 2)
REANSWER=$(sdp_of "$T/ro_uac.msg" '^SIP/2.0 200' 2)
check_match "the first offer: a key of ours" "$(base64 -d <<<"$RK" 2>/dev/null | wc -c)" '^30$'
check_match "re-offer to the SBC: RTP/SAVP" "$REOFFER" "m=audio ${LB##*:} RTP/SAVP 8 101"
check_eq "re-offer to the SBC: one a=crypto line" "$(grep -c '^a=crypto' <<<"$REOFFER")" 1
check_eq "re-offer to the SBC: our current key, tag 1" \
	"$(grep '^a=crypto' <<<"$REOFFER")" "a=crypto:1 $S80 inline:$RK"
check_match "answer to the carrier: RTP/AVP" "$REANSWER" "m=audio ${LA##*:} RTP/AVP 8 101"
check "no a=crypto to the carrier" bash -c "! grep -q crypto <<<'$REANSWER'"
ctl --json session show "$ID" --keys >"$T/keys.json"
check_eq "one session" "$(ctl --json session list | jq '.sessions | length')" 1
check_eq "leg B in_key: the SBC's" "$(jq -r '.legs[1].srtp.in_key' "$T/keys.json")" "$K80"
check_eq "leg B out_key: ours, kept" "$(jq -r '.legs[1].srtp.out_key' "$T/keys.json")" "$RK"
case_end

srtp_media_wait
N=1500 NR=120 check_srtp_media "through the carrier's re-offer"

case_begin "re-offer: BYE ends the call"
sipp_wait ro_uac || why_add "caller: $(sipp_why ro_uac)"
sipp_wait ro_uas || why_add "callee: $(sipp_why ro_uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
case_end

# --- a late offer from the carrier: the SBC's 200 offers SRTP; then the ------
# carrier re-offers (while media flows): the SBC keeps our key
SIPP_SED=$(savp_sed "a=crypto:1 $S80 inline:[sk]") uas_sbc lo_uas uas_reinvite_loop.xml -key sk "$K80"
sleep 0.3
uac_carrier lo_uac uac_late_offer_reinvite.xml -s +15557654321 -d 2000

case_begin "late offer: the carrier's 200 RTP/AVP, the ACK's answer to the SBC RTP/SAVP with our a=crypto"
wait_msgs "$T/lo_uas.msg" '^ACK ' 1 || why_add "no ACK at the SBC within 5 s"
wait_sessions 1 || why_add "no answered session within 10 s: $(ctl --json session list | head -c 300)"
session_legs ID LA LB
OFFER=$(sdp_of "$T/lo_uac.msg" '^SIP/2.0 200')
ANSWER=$(sdp_of "$T/lo_uas.msg" '^ACK ')
RK=$(sed -n "s|^a=crypto:1 $S80 inline:||p" <<<"$ANSWER")
N=1500 NR=120 srtp_media_start "$LA" "$LB" $S80 "$K80" "$RK" 6
check_match "offer to the carrier: RTP/AVP" "$OFFER" "m=audio ${LA##*:} RTP/AVP 0 8 101"
check "no a=crypto to the carrier" bash -c "! grep -q crypto <<<'$OFFER'"
check_match "answer to the SBC: RTP/SAVP" "$ANSWER" "m=audio ${LB##*:} RTP/SAVP 0 101"
check_eq "answer to the SBC: one a=crypto line" "$(grep -c '^a=crypto' <<<"$ANSWER")" 1
check_match "a=crypto:1 $S80 with a key of 30 bytes" "$(base64 -d <<<"$RK" 2>/dev/null | wc -c)" '^30$'
check "a fresh key, not the SBC's" test "$RK" != "$K80"
ctl --json session show "$ID" --keys >"$T/keys.json"
check_eq "leg B in_key: the SBC's" "$(jq -r '.legs[1].srtp.in_key' "$T/keys.json")" "$K80"
check_eq "leg B out_key: the ACK's" "$(jq -r '.legs[1].srtp.out_key' "$T/keys.json")" "$RK"
case_end

case_begin "late offer, then the carrier's re-offer: the SBC is re-offered our key, one line"
wait_msgs "$T/lo_uac.msg" '^SIP/2.0 200' 2 || why_add "no second 200 within 5 s"
check "media still flowing when the re-offer was answered" kill -0 "${PROBE_PID[s_rtcp]}"
REOFFER=$(sdp_of "$T/lo_uas.msg" '^INVITE ' 2)
check_match "re-offer to the SBC: RTP/SAVP" "$REOFFER" "m=audio ${LB##*:} RTP/SAVP 0 101"
check_eq "re-offer to the SBC: our current key, one line" \
	"$(grep '^a=crypto' <<<"$REOFFER")" "a=crypto:1 $S80 inline:$RK"
check_eq "leg B out_key: ours, kept" \
	"$(ctl --json session show "$ID" --keys | jq -r '.legs[1].srtp.out_key')" "$RK"
case_end

srtp_media_wait
N=1500 NR=120 check_srtp_media "late offer, through the carrier's re-offer"

case_begin "late offer: BYE ends the call"
sipp_wait lo_uac || why_add "caller: $(sipp_why lo_uac)"
sipp_wait lo_uas || why_add "callee: $(sipp_why lo_uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
case_end

# --- SRTP <-> SRTP: the trunk says sdes too (a restart with that config) ----
stop_daemon || fail "stop" "the daemon's exit status was not 0"
mapfile -t CONF < <(sip_conf | sed -e '/^interface = sbc$/a srtp = sdes' \
	-e '/^interface = carrier$/a srtp = sdes')
start_daemon auto "${CONF[@]}" || { fail "daemon start" "rtpedged with both sides sdes did not come up"; exit 1; }
KC=$(key 30) # the carrier's own key
SIPP_SED=$(savp_sed "a=crypto:1 $S80 inline:[sk]") uas_sbc ss_uas uas_basic.xml -key sk "$K80"
sleep 0.3
SIPP_SED=$(savp_sed "a=crypto:5 $S80 inline:[sk]") \
	uac_carrier ss_uac uac_basic.xml -s +15557654321 -d 2000 -key sk "$KC"

case_begin "SRTP <-> SRTP: each side gets RTP/SAVP and a key of ours, different from the other side's"
wait_sessions 1 || why_add "no answered session within 10 s: $(ctl --json session list | head -c 300)"
session_legs ID LA LB
sleep 0.3
OFFER=$(sdp_of "$T/ss_uas.msg" '^INVITE ')
ANSWER=$(sdp_of "$T/ss_uac.msg" '^SIP/2.0 200')
check_match "offer to the SBC: RTP/SAVP" "$OFFER" "m=audio ${LB##*:} RTP/SAVP 8 0 101"
check_eq "offer to the SBC: four a=crypto lines" "$(grep -c '^a=crypto' <<<"$OFFER")" 4
RKS=$(sed -n "s|^a=crypto:1 $S80 inline:||p" <<<"$OFFER")
check_match "answer to the carrier: RTP/SAVP" "$ANSWER" "m=audio ${LA##*:} RTP/SAVP 8 101"
check_eq "answer to the carrier: one a=crypto line" "$(grep -c '^a=crypto' <<<"$ANSWER")" 1
RKC=$(sed -n "s|^a=crypto:5 $S80 inline:||p" <<<"$ANSWER")
check_match "the SBC's key of ours: 30 bytes" "$(base64 -d <<<"$RKS" 2>/dev/null | wc -c)" '^30$'
check_match "the carrier's key of ours: 30 bytes" "$(base64 -d <<<"$RKC" 2>/dev/null | wc -c)" '^30$'
check "the two keys of ours differ" test "$RKS" != "$RKC"
check "neither is an endpoint's" bash -c "[ '$RKC' != '$KC' ] && [ '$RKC' != '$K80' ] && [ '$RKS' != '$KC' ] && [ '$RKS' != '$K80' ]"
ctl --json session show "$ID" --keys >"$T/keys.json"
check_eq "leg A keys: the carrier's in, ours out" \
	"$(jq -r '.legs[0].srtp | "\(.in_key) \(.out_key)"' "$T/keys.json")" "$KC $RKC"
check_eq "leg B keys: the SBC's in, ours out" \
	"$(jq -r '.legs[1].srtp | "\(.in_key) \(.out_key)"' "$T/keys.json")" "$K80 $RKS"
case_end

srtp_media "$LA" "$LB" $S80 "$K80" "$RKS" 7 "$KC" "$RKC"
check_srtp_media "SRTP <-> SRTP" "both legs"

case_begin "SRTP <-> SRTP: BYE ends the call, its ports free"
sipp_wait ss_uac || why_add "caller: $(sipp_why ss_uac)"
sipp_wait ss_uas || why_add "callee: $(sipp_why ss_uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
case_end
