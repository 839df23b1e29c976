#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_sip_tls.sh - SIP over TLS between the relay and a region's SBC, both
# directions, the carrier on UDP. The test makes a CA and certificates
# with openssl (the relay's, the SBC's, and a stranger's from another CA);
# the SBC is tests/tools/sippeer (sofia-sip's own TLS: Debian's sipp has
# none), the carrier sipp. Checked: the directory the relay builds for its
# TLS transport (modes); a call carrier -> relay -> SBC over TLS and one
# SBC -> relay -> carrier, each with the SDP rewritten, RTP both ways
# relayed in XDP and the BYE routed back by the Record-Route, whose entry
# facing the SBC says transport=tls on port 5061 and the one facing the
# carrier does not (RFC 5658); an a=crypto line and RTP/SAVP passing
# through untouched over TLS; an SBC whose certificate comes from another
# CA refused: 503 to the caller, a log line, rtpedge_sip_tls_failures_total;
# and taken with tls_verify = no (a warning in the log).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sip_lib.sh"

# Sanitizer builds: sofia-sip's TLS leaks (tests/lsan.supp) are allocated
# inside libcrypto, which has no frame pointers; the slow unwinder gives
# LeakSanitizer the whole stack, so the suppressions can name sofia's
# functions rather than all of OpenSSL.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0

N=500 # RTP packets each way
NR=50 # RTCP packets each way
PEER=$B/tools/sippeer
CRYPTO='crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'

e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl" "$PEER"
sip_require
if ! command -v openssl >/dev/null; then
	skip setup "openssl is not installed (apt-get install openssl)"
	exit 0
fi

# ---- certificates: CA "a" signs the relay's and the SBC's, CA "b" the stranger's
# cert NAME CA SAN: NAME.pem and NAME.key in $T/pki, signed by CA (CA.pem).
cert() {
	local d=$T/pki
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/$1.key" -subj "/CN=$1" -out "$d/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$d/$1.csr" -CA "$d/$2.pem" -CAkey "$d/$2.key" \
			-CAcreateserial -days 2 -extfile <(echo "subjectAltName=$3") \
			-out "$d/$1.pem" 2>/dev/null
}
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=test $1" -keyout "$T/pki/$1.key" -out "$T/pki/$1.pem" 2>/dev/null
}
# peer_dir NAME CERT: sofia's directory for the peer: agent.pem, cafile.pem (CA a).
peer_dir() {
	mkdir -p "$T/$1"
	cat "$T/pki/$2.pem" "$T/pki/$2.key" >"$T/$1/agent.pem"
	cp "$T/pki/ca-a.pem" "$T/$1/cafile.pem"
}
mkdir -p "$T/pki"
if ! { ca ca-a && ca ca-b && cert relay ca-a "IP:198.18.1.1,IP:198.18.2.1" &&
	cert sbc ca-a "IP:198.18.2.2" && cert stranger ca-b "IP:198.18.2.2"; }; then
	fail setup "openssl could not make the test CA and certificates"
	exit 1
fi
peer_dir sbc sbc
peer_dir stranger stranger

bed_up
E2E_METRICS=127.0.0.1:9464
# conf [SIP_LINE]: the config lines (SIP_LINE one more in [sip])
conf() {
	printf '%s\n' "[sip]" "listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060, tls:0.0.0.0:5061" \
		"tls_cert = $T/pki/relay.pem" "tls_key = $T/pki/relay.key" "tls_ca = $T/pki/ca-a.pem" \
		${1:+"$1"} "[region lab]" "sbc = 198.18.2.2" "port = 5061" "transport = tls" "interface = sbc" \
		"options_interval = 0" \
		"[trunk carrier]" "addresses = 198.18.1.2" "target = 198.18.1.2:5060" "interface = carrier" \
		"region = lab"
}
case_begin "a tls_key that is not tls_cert's: the start refused, the message names both"
mapfile -t CONF < <(conf | sed "s|^tls_key = .*|tls_key = $T/pki/sbc.key|")
if start_daemon auto "${CONF[@]}" 2>"$T/badkey.err"; then
	why_add "rtpedged started"
	stop_daemon
fi
check_match "the message" "$(cat "$T/daemon.log")" \
	"tls_key $T/pki/sbc.key is not the key of tls_cert $T/pki/relay.pem"
case_end
cp "$T/daemon.log" "$T/daemon-badkey.log"; : >"$T/daemon.log"

mapfile -t CONF < <(conf)
if ! start_daemon auto "${CONF[@]}"; then
	fail "daemon start" "rtpedged with a tls listen address did not come up; log above"
	exit 1
fi
FREE0=$(ctl --json status | jq -r .ports_free)

case_begin "the TLS directory: 0700, agent.pem and cafile.pem 0600"
check_eq "directory mode" "$(stat -c %a "$T/sip-tls" 2>/dev/null)" 700
check_eq "agent.pem mode" "$(stat -c %a "$T/sip-tls/agent.pem" 2>/dev/null)" 600
check_eq "cafile.pem mode" "$(stat -c %a "$T/sip-tls/cafile.pem" 2>/dev/null)" 600
check_match "the log names the TLS listener" "$(cat "$T/daemon.log")" "listening on tls:0.0.0.0:5061"
check_match "and the certificate it serves" "$(cat "$T/daemon.log")" "TLS certificate .*CN=relay, valid until"
case_end

# peer_bg NAME DIR ARGS: sippeer on the sbc host (198.18.2.2, media 6004),
# its lines in $T/NAME.out.
peer_bg() {
	local name=$1 dir=$2
	shift 2
	ip netns exec "$RTPE_NS_SBC" timeout -k 2 30 "$PEER" --certs "$T/$dir" \
		--media 198.18.2.2:6004 --crypto "$CRYPTO" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	PROBE_PID[$name]=$!
}

# media NAME ID LA LB: RTP and RTCP both ways through session ID (carrier
# on LA, sbc on LB), relayed by XDP.
media() {
	local name=$1 id=$2 x0
	x0=$(xdp_forwarded)
	media_both_ways "$3" "$4" "$N" "$NR"
	check_media "$N" "$NR"
	case_begin "$name: both legs on the XDP path, XDP relayed the media"
	check_eq "leg A path" "$(leg_field "$id" 0 path)" xdp
	check_eq "leg B path" "$(leg_field "$id" 1 path)" xdp
	check_ge "packets XDP relayed" $(($(xdp_forwarded) - x0)) $((2 * N + 2 * NR - 4))
	case_end
}

# ---- carrier (UDP) -> relay -> sbc (TLS)
peer_bg t2r_sbc sbc --bind "sips:198.18.2.2:5061"
sleep 0.3
uac_carrier t2r_uac uac_basic.xml -s +15557654321 -d 3000
case_begin "trunk to region over TLS: INVITE answered, SDP rewritten both ways"
wait_sessions 1 || why_add "no answered session within 10 s: $(tail -c 300 "$T/t2r_sbc.err")"
session_legs id la lb
sleep 0.2
check_match "the SBC's offer names leg B" "$(cat "$T/t2r_sbc.out")" "offer c=${lb%:*} m=${lb##*:}"
check_match "the carrier's answer names leg A" "$(cat "$T/t2r_uac.log" 2>/dev/null)" \
	"answer c=${la%:*} m=${la##*:}"
rr=$(grep '^rr:' "$T/t2r_sbc.out")
check_match "Record-Route facing the SBC: 5061, transport=tls" "$(sed -n 1p <<<"$rr")" \
	'^rr: <sip:198\.18\.2\.1:5061;transport=tls;lr;.*rs=b;rh=[0-9a-f]{32}>'
check_match "Record-Route facing the carrier: 5060, no transport" "$(sed -n 2p <<<"$rr")" \
	'^rr: <sip:198\.18\.1\.1:5060;lr;.*rs=a;rh=[0-9a-f]{32}>'
check_match "the relay's Via towards the SBC: TLS" "$(grep '^via:' "$T/t2r_sbc.out")" \
	'^via: SIP/2\.0/TLS '
check_match "a=crypto in the answer reached the carrier" "$(cat "$T/t2r_uac.msg" 2>/dev/null)" \
	"a=$CRYPTO"
case_end
media t2r "$id" "$la" "$lb"
case_begin "trunk to region over TLS: the carrier's BYE reaches the SBC over TLS"
sipp_wait t2r_uac || why_add "caller: $(sipp_why t2r_uac)"
probe_wait t2r_sbc || why_add "sbc: $(tail -c 300 "$T/t2r_sbc.out") $(tail -c 300 "$T/t2r_sbc.err")"
check_match "the SBC got the BYE" "$(cat "$T/t2r_sbc.out")" "^bye in"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
case_end

# ---- sbc (TLS) -> relay -> carrier (UDP)
uas_carrier r2t_uas uas_basic.xml
sleep 0.3
peer_bg r2t_sbc sbc --bind "sips:198.18.2.2:5071" --verify --hold 3000 \
	--call "sip:+15557654321@198.18.2.1:5061;transport=tls"
case_begin "region to trunk over TLS: the relay's certificate verified, INVITE answered"
wait_sessions 1 || why_add "no answered session within 10 s: $(tail -c 300 "$T/r2t_sbc.err")"
session_legs id la lb
sleep 0.2
check_match "the carrier's offer names leg B" "$(cat "$T/r2t_uas.log" 2>/dev/null)" \
	"offer c=${lb%:*} m=${lb##*:}"
check_match "the SBC's answer names leg A" "$(cat "$T/r2t_sbc.out")" "answer c=${la%:*} m=${la##*:}"
rr=$(grep '^rr:' "$T/r2t_sbc.out")
check_match "Record-Route facing the carrier: 5060, no transport" "$(sed -n 1p <<<"$rr")" \
	'^rr: <sip:198\.18\.1\.1:5060;lr;.*rs=b;rh=[0-9a-f]{32}>'
check_match "Record-Route facing the SBC: 5061, transport=tls" "$(sed -n 2p <<<"$rr")" \
	'^rr: <sip:198\.18\.2\.1:5061;transport=tls;lr;.*rs=a;rh=[0-9a-f]{32}>'
msg=$(cat "$T/r2t_uas.msg" 2>/dev/null)
check_match "a=crypto of the TLS offer reached the carrier untouched" "$msg" "a=$CRYPTO"
check_match "RTP/SAVP kept" "$msg" "m=audio ${lb##*:} RTP/SAVP 0"
case_end
media r2t "$id" "$lb" "$la"
case_begin "region to trunk over TLS: the SBC's BYE, routed by the Record-Route, answered"
probe_wait r2t_sbc || why_add "sbc: $(tail -c 300 "$T/r2t_sbc.out") $(tail -c 300 "$T/r2t_sbc.err")"
check_match "BYE 200" "$(cat "$T/r2t_sbc.out")" "^bye 200"
sipp_wait r2t_uas || why_add "callee: $(sipp_why r2t_uas)"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
check_eq "ports_free" "$(ctl --json status | jq -r .ports_free)" "$FREE0"
case_end

# ---- an SBC whose certificate another CA signed
peer_bg rogue stranger --bind "sips:198.18.2.2:5061" --timeout 8000
sleep 0.3
t0=$(date +%s%N)
uac_carrier rogue_uac uac_rejected.xml -s +15557654321 -key max_forwards 70
case_begin "an SBC with another CA's certificate: 503 to the caller, logged, counted"
sipp_wait rogue_uac || why_add "caller: $(sipp_why rogue_uac)"
check_match "the caller got 503" "$(cat "$T/rogue_uac.log" 2>/dev/null)" "refused 503"
check "within 5 s" test $((($(date +%s%N) - t0) / 1000000)) -lt 5000
check_match "the log says why" "$(cat "$T/daemon.log")" \
	"TLS to 198\.18\.2\.2:5061 failed"
check_eq "rtpedge_sip_tls_failures_total" "$(metric rtpedge_sip_tls_failures_total)" 1
check "the SBC never saw the INVITE" bash -c "! grep -q '^offer' '$T/rogue.out'"
wait_no_sessions 5 || why_add "sessions left: $(ctl --json session list | head -c 300)"
case_end
kill "${PROBE_PID[rogue]}" 2>/dev/null
probe_wait rogue

# ---- tls_verify = no: the same SBC is taken (what refused it was its certificate)
stop_daemon
mapfile -t CONF < <(conf "tls_verify = no")
if ! start_daemon auto "${CONF[@]}"; then
	fail "daemon start" "rtpedged with tls_verify = no did not come up; log above"
	exit 1
fi
peer_bg unverified stranger --bind "sips:198.18.2.2:5061"
sleep 0.3
uac_carrier unverified_uac uac_basic.xml -s +15557654321 -d 500
case_begin "tls_verify = no: the SBC with another CA's certificate takes the call, with a warning"
sipp_wait unverified_uac || why_add "caller: $(sipp_why unverified_uac)"
probe_wait unverified || why_add "sbc: $(tail -c 300 "$T/unverified.out") $(tail -c 300 "$T/unverified.err")"
check_match "the SBC got the INVITE and the BYE" "$(tr '\n' ' ' <"$T/unverified.out")" "^offer .* bye in"
check_match "the log warns" "$(cat "$T/daemon.log")" "tls_verify = no: .*not verified \(unsafe\)"
check_eq "rtpedge_sip_tls_failures_total" "$(metric rtpedge_sip_tls_failures_total)" 0
case_end

# ---- a renewed certificate: reload says a restart is needed
case_begin "a certificate file renewed, then reload: the log says TLS needs a restart"
sleep 0.1
touch "$T/pki/relay.pem"
check "reload" ctl reload
sleep 0.3
check_match "the warning" "$(cat "$T/daemon.log")" \
	"reload: the TLS certificate, key or CA file changed since the start: .*until rtpedged restarts"
case_end

case_begin "counters: the call over TLS after the restart answered and ended"
check_eq "calls_total answered (since the restart)" "$(metric 'rtpedge_calls_total{result="answered"}')" 1
check_eq "calls_ended_total bye" "$(metric 'rtpedge_calls_ended_total{reason="bye"}')" 1
case_end
