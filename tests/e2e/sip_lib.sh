# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# sip_lib.sh - what the SIP end-to-end tests (test_sip_*.sh) add to lib.sh:
# the routing config of the bed (the carrier is a trunk, the sbc host a
# region's SBC), sipp in a namespace, and readers for calls and sessions.
# Scenarios are tests/e2e/sip/*.xml; sipp's traces go to $T/NAME.*.

SIP_DIR=$E2E_ROOT/tests/e2e/sip

# sip_conf [REGION_TRANSPORT [TRUNK_TRANSPORT [NUMBERS]]]: the config lines
# start_daemon appends: SIP on UDP and TCP, region "lab" (the sbc host),
# trunk "carrier" (taking the region's calls for NUMBERS when given). The
# region is not pinged (options_interval = 0): a sipp callee on the sbc
# host would take an OPTIONS for a call it does not expect
# (test_sip_failover turns pings on).
sip_conf() {
	printf '%s\n' "[sip]" "listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060" \
		"[region lab]" "sbc = 198.18.2.2" "transport = ${1:-udp}" "interface = sbc" \
		"options_interval = 0" \
		"[trunk carrier]" "addresses = 198.18.1.2" "target = 198.18.1.2:5060" \
		"transport = ${2:-udp}" "interface = carrier" "region = lab"
	[ -z "${3:-}" ] || echo "numbers = $3"
}

# sip_require: sipp must be there (Debian: sip-tester).
sip_require() {
	if ! command -v sipp >/dev/null; then
		skip setup "sipp is not installed (apt-get install sip-tester)"
		exit 0
	fi
}

# sipp_bg NAME NS SCENARIO ARGS...: one sipp in namespace NS in the
# background, at most 60 s; its messages, log, errors and screen go to
# $T/NAME.{msg,log,err,out}. Stopped by lib.sh's cleanup.
#
# sipp binds the media port it advertises ([media_port], -mp) and the one
# 2 above, where rtpprobe must listen: the scenario is copied to $T with its
# m= ports written as [rtp_port], which the caller sets with -key rtp_port
# (the uac_/uas_ helpers below: 5004 on the carrier, 6004 on the sbc host)
# while sipp's own -mp is elsewhere. SIPP_SED, when set, is one more sed
# expression for the copy (a status line sipp cannot take from -key).
sipp_bg() {
	local name=$1 ns=$2 sf=$3
	shift 3
	sed -e 's/m=audio \[media_port\]/m=audio [rtp_port]/' ${SIPP_SED:+-e "$SIPP_SED"} \
		"$SIP_DIR/$sf" >"$T/$name.xml"
	(cd "$T" && exec ip netns exec "$ns" timeout -k 5 60 sipp -sf "$T/$name.xml" -nostdin \
		-trace_msg -trace_logs -trace_err -message_file "$T/$name.msg" \
		-log_file "$T/$name.log" -error_file "$T/$name.err" "$@" >"$T/$name.out" 2>&1) &
	PROBE_PID[$name]=$!
}

# sipp_wait NAME: its exit status (0: every call as the scenario says).
sipp_wait() {
	probe_wait "$1"
}

# sipp_why NAME: the end of its error file and screen, for a FAIL line.
sipp_why() {
	echo "rc=$(cat "$T/$1.rc" 2>/dev/null) err: $(tail -c 300 "$T/$1.err" 2>/dev/null)" \
		"screen: $(grep -E 'Successful call|Failed call' "$T/$1.out" 2>/dev/null | tr -s ' ')"
}

# uas NAME SCENARIO ARGS: a callee on the sbc host (198.18.2.2:5060, media 6004).
uas_sbc() {
	local name=$1 sf=$2
	shift 2
	sipp_bg "$name" "$RTPE_NS_SBC" "$sf" -i 198.18.2.2 -p 5060 -mi 198.18.2.2 -mp 16004 \
		-key rtp_port 6004 -m 1 "$@"
}

# uas_carrier NAME SCENARIO ARGS: a callee on the carrier (198.18.1.2:5060, media 5004).
uas_carrier() {
	local name=$1 sf=$2
	shift 2
	sipp_bg "$name" "$RTPE_NS_CARRIER" "$sf" -i 198.18.1.2 -p 5060 -mi 198.18.1.2 -mp 15004 \
		-key rtp_port 5004 -m 1 "$@"
}

# uac_carrier NAME SCENARIO ARGS: a call from the carrier to the relay.
uac_carrier() {
	local name=$1 sf=$2
	shift 2
	sipp_bg "$name" "$RTPE_NS_CARRIER" "$sf" -i 198.18.1.2 -p 5070 -mi 198.18.1.2 -mp 15104 \
		-key rtp_port 5004 -m 1 "$@" 198.18.1.1:5060
}

# uac_sbc NAME SCENARIO ARGS: a call from the region's SBC to the relay.
uac_sbc() {
	local name=$1 sf=$2
	shift 2
	sipp_bg "$name" "$RTPE_NS_SBC" "$sf" -i 198.18.2.2 -p 5070 -mi 198.18.2.2 -mp 16104 \
		-key rtp_port 6004 -m 1 "$@" 198.18.2.1:5060
}

# wait_sessions N [SECONDS]: until the table holds N sessions whose peers
# are both known (the call is answered); fails after SECONDS (default 10).
wait_sessions() {
	local n=$1 i
	for i in $(seq $((${2:-10} * 10))); do
		[ "$(ctl --json session list | jq '[.sessions[] | select(all(.legs[]; .peer != "0.0.0.0:0"))] | length')" = "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_no_sessions [SECONDS]: until the table is empty (default 10 s).
wait_no_sessions() {
	local i
	for i in $(seq $((${1:-10} * 10))); do
		[ "$(ctl --json session list | jq '.sessions | length')" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# session_legs VAR_ID VAR_A VAR_B [INDEX]: the INDEXth session's id and its
# legs' local endpoints (A: the caller's side).
session_legs() {
	local j
	j=$(ctl --json session list)
	printf -v "$1" '%s' "$(jq -r ".sessions[${4:-0}].id" <<<"$j")"
	printf -v "$2" '%s' "$(jq -r ".sessions[${4:-0}].legs[0].local" <<<"$j")"
	printf -v "$3" '%s' "$(jq -r ".sessions[${4:-0}].legs[1].local" <<<"$j")"
}

# xdp_forwarded: packets XDP sent on (tx + redirect).
xdp_forwarded() {
	ctl --json stats | jq -r '.packets.xdp'
}

# metric NAME_WITH_LABELS: its value on the relay's /metrics (E2E_METRICS
# must name the endpoint; "" when it is missing).
metric() {
	ip netns exec "$RTPE_NS_RELAY" curl -sf "http://$E2E_METRICS/metrics" |
		awk -v m="$1" '$1 == m { print $2; exit }'
}

# sip_bye_from_carrier CALL_ID ROUTE: one BYE from the carrier
# (198.18.1.2:5090, UDP) to the relay with that Call-ID and Route, its
# Request-URI a port of the sbc host where nothing listens; prints the
# status line of the first final response within 3 s ("" when none).
sip_bye_from_carrier() {
	ip netns exec "$RTPE_NS_CARRIER" timeout -k 2 6 python3 - "$1" "$2" <<'PY'
import socket, sys, time
cid, route = sys.argv[1], sys.argv[2]
msg = ("BYE sip:x@198.18.2.2:5999 SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 198.18.1.2:5090;branch=z9hG4bK-forged-%d\r\n"
       "From: <sip:uac@198.18.1.2:5090>;tag=f1\r\n"
       "To: <sip:+15557654321@198.18.1.1:5060>;tag=t1\r\n"
       "Call-ID: %s\r\nCSeq: 7 BYE\r\nRoute: %s\r\nMax-Forwards: 70\r\n"
       "Content-Length: 0\r\n\r\n" % (time.monotonic_ns(), cid, route)).encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.2", 5090))
s.settimeout(0.5)
s.sendto(msg, ("198.18.1.1", 5060))
end = time.monotonic() + 3
while time.monotonic() < end:
    try:
        d, _ = s.recvfrom(65535)
    except socket.timeout:
        continue
    line = d.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split()
    if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) >= 200:
        print(line)
        break
PY
}
