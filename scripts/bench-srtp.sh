# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# bench-srtp.sh - the srtp phase of scripts/bench.sh, which sources it
# (it uses that script's bed, sink, helpers and variables):
# docs/PERFORMANCE.md "SRTP" has the method and the figures.
#
# SRTP packets per second and relay CPU per packet through rtpedged
# (xdp_mode auto: its SRTP legs take its AF_XDP sockets; with
# RTPE_BENCH_AFXDP=no their own sockets, as with xdp_mode off) and
# through rtpengine 10.5 (--table=-1: userspace, its kernel module cannot
# be loaded here), one after the other on the same bed, at the session
# counts and rates of the userspace phase (LIGHT_RATE ROUNDS times, RATE
# once). Directions (RTPE_BENCH_SRTP_MODES):
#   enc  the generator sends plain RTP to leg A, the relay encrypts to B
#        (rtpgen --mode rtp-clock: the send time rides in the RTP
#        timestamp, which SRTP leaves in the clear, so the sink still
#        times the packets);
#   dec  the generator sends SRTP to leg A (a set made beforehand with
#        libsrtp2, srtpcost --write: every session has the same key), the
#        relay decrypts to B (the sink counts, no latency: the set's send
#        times are 0);
#   both SRTP <-> SRTP: the same SRTP in, the relay decrypts it and
#        encrypts it again for B (both legs keyed): one unprotect and one
#        protect a packet, exactly the floor's two operations.
# Every session has fresh SRTP state for each run (the sessions are made
# again, and warm-up and measured window are one generator run): a
# packet index is never sent twice, and a flow of the dec set has at most
# 65,536 packets, one rollover period (a run that would need more is
# reported as not measured). In the same phase, on the relay CPU,
# libsrtp2's protect and unprotect of the same packet (12 + 160 bytes,
# same suite: srtpcost), at its start and its end: the floor, twice: on
# the relay's crypto (RTPE_BENCH_SRTP_CRYPTO), and as Debian builds
# libsrtp2 (its own crypto, NSS), the issue's floor. Each SRTP row is
# judged against both, and shows what it costs beyond its crypto beside
# the xdp path's whole cost at the same load (when that phase ran).
#
# Env: RTPE_BENCH_SRTP_SUITE (AES_CM_128_HMAC_SHA1_80),
# RTPE_BENCH_SRTP_MODES ("enc dec both"; "enc dec" in a smoke run),
# RTPE_BENCH_SRTP_RELAYS ("rtpedge rtpengine"; rtpedge only in a smoke run).

SRTP_SUITE=${RTPE_BENCH_SRTP_SUITE:-AES_CM_128_HMAC_SHA1_80}
SRTP_MODES_DEF="enc dec both"
[ "${RTPE_BENCH_SMOKE:-0}" = 1 ] && SRTP_MODES_DEF="enc dec"
read -r -a SRTP_MODES <<<"${RTPE_BENCH_SRTP_MODES:-$SRTP_MODES_DEF}"
SRTP_SET_N=65536 # SRTP packets of the generator's set (4,096 in a smoke run)
[ "${RTPE_BENCH_SMOKE:-0}" = 1 ] && SRTP_SET_N=4096
SRTP_FLOWS=""   # the current run's sessions (rtpgen flows)
SRTP_RELAY_PID="" # rtpengine's

# A fresh master key || salt for the suite, base64.
srtp_key() {
	local n=30
	case $SRTP_SUITE in
	AEAD_AES_128_GCM) n=28 ;;
	AEAD_AES_256_GCM) n=44 ;;
	esac
	head -c "$n" /dev/urandom | base64 -w0 | tr -d = # unpadded, as rtpengine writes keys
}

# srtp_floor [N [CRYPTO]]: libsrtp2's cost on the relay CPU, idle bed, one
# context pair (or N, round robin: as cold as N sessions leave them), on
# the relay's crypto (RTPE_BENCH_SRTP_CRYPTO) or CRYPTO (nss: libsrtp2 as
# Debian builds it, its own crypto): one srtpcost --json line into
# $T/srtpcost.jsonl.
srtp_floor() {
	local count=60000 n=${1:-1} crypto=${2:-${RTPE_BENCH_SRTP_CRYPTO:-openssl}}
	[ "$SMOKE" = 1 ] && count=5000
	taskset -c "$RELAY_CPU" "$B/tools/srtpcost" --json --count "$count" --sessions "$n" \
		--crypto "$crypto" |
		jq -c --arg s "$SRTP_SUITE" --argjson n "$n" '.crypto as $c | .suites[] |
			select(.suite == $s) | . + {sessions: $n, crypto: $c}' >>"$T/srtpcost.jsonl" ||
		die "srtpcost failed"
}

rtpengine_start() {
	command -v rtpengine >/dev/null || return 1
	taskset -c "$RELAY_CPU" ip netns exec "$RTPE_NS_RELAY" rtpengine --config-file=none \
		--table=-1 --foreground --log-stderr --log-level=3 --interface=carrier/198.18.1.1 \
		--interface=sbc/198.18.2.1 --listen-ng=127.0.0.1:2223 --port-min=20000 \
		--port-max=39999 --delete-delay=0 --num-threads=1 >>"$T/rtpengine.log" 2>&1 &
	SRTP_RELAY_PID=$!
	say "rtpengine pid $SRTP_RELAY_PID"
	for _ in $(seq 100); do
		inr ss -lun | grep -q '127.0.0.1:2223' && return 0
		sleep 0.1
	done
	die "rtpengine did not start: $(tail -n 3 "$T/rtpengine.log")"
}

rtpengine_stop() {
	[ -n "$SRTP_RELAY_PID" ] || return 0
	kill "$SRTP_RELAY_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$SRTP_RELAY_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SRTP_RELAY_PID" 2>/dev/null
	wait "$SRTP_RELAY_PID" 2>/dev/null
	SRTP_RELAY_PID=""
}

# srtp_sessions RELAY MODE N: the previous run's sessions gone, N new ones
# (leg A plain and B keyed for enc, the other way for dec, both keyed for
# both) in $SRTP_FLOWS.
srtp_sessions() {
	local relay=$1 mode=$2 n=$3 spec=$SRTP_SUITE:$SRTP_KEY out k ifa="" ifb="" keys
	srtp_sessions_del "$relay"
	SRTP_FLOWS=$T/srtpflows.$relay
	: >"$SRTP_FLOWS"
	if [ "$relay" = rtpengine ]; then
		out=$(inr python3 "$ROOT/scripts/rtpengine-ng.py" add --count "$n" --mode "$mode" \
			--suite "$SRTP_SUITE" --key "$SRTP_KEY" --flows "$SRTP_FLOWS") ||
			die "rtpengine refused calls: $out $(tail -n 3 "$T/rtpengine.log")"
		return 0
	fi
	for ((k = 0; k < NADDR; k++)); do
		ifa+="${ifa:+,}carrier$k" ifb+="${ifb:+,}sbc$k"
	done
	keys=(--srtp-a "$spec" --srtp-b "$spec")
	[ "$mode" = enc ] && keys=(--srtp-b "$spec")
	[ "$mode" = dec ] && keys=(--srtp-a "$spec")
	out=$("$CTLB" add --socket "$SOCK" --count "$n" --iface-a "$ifa" --iface-b "$ifb" \
		--flows "$SRTP_FLOWS" "${keys[@]}") ||
		die "session.add with SRTP failed: $out"
	# learning ends after learning_window (1 s) for a leg that hears nothing
	# (B): measured runs wait for it, a smoke run does not
	"$CTLB" wait --socket "$SOCK" --flows "$SRTP_FLOWS" --timeout 20000 \
		--path "srtp,userspace$([ "$SMOKE" = 1 ] && echo ,learning)" >"$T/wait.json" ||
		die "SRTP sessions not on their paths: $(cat "$T/wait.json")"
}

srtp_sessions_del() {
	local out
	[ -s "$SRTP_FLOWS" ] || return 0
	if [ "$1" = rtpengine ]; then
		out=$(inr python3 "$ROOT/scripts/rtpengine-ng.py" del --flows "$SRTP_FLOWS") ||
			die "rtpengine delete failed: $out"
	else
		out=$("$CTLB" del --socket "$SOCK" --flows "$SRTP_FLOWS") ||
			die "session.del failed: $out"
	fi
	: >"$SRTP_FLOWS"
}

# srtp_measure RELAY MODE N LOAD ROUND: one run on fresh sessions, warm-up
# and window in one generator run; appended to $RUNS like measure's.
srtp_measure() {
	local relay=$1 dir=$2 n=$3 load=$4 round=$5 rate=$RATE mode a b line per strikes
	local gen=(--mode rtp-clock) pid=$DAEMON_PID
	[ "$load" = light ] && rate=$LIGHT_RATE
	mode=$([ "$relay" = rtpengine ] && echo rtpengine || echo srtp)-$dir
	[ "$relay" = rtpengine ] && pid=$SRTP_RELAY_PID
	if [ "$dir" != enc ]; then
		per=$(awk -v r="$rate" -v w="$WARMUP" -v s="$SECS" -v n="$n" \
			'BEGIN { printf "%d", r * (w + s + 0.3) / n * 1.1 }')
		if [ "$per" -gt "$SRTP_SET_N" ]; then
			jq -nc --arg m "$mode" --argjson n "$n" --arg l "$load" --arg r "$rate packets/s for $WARMUP + $SECS s over $n sessions is about $per SRTP packets a session: more than the $SRTP_SET_N (one rollover period) the generator's set holds" \
				'{mode: $m, sessions: $n, load: $l, reason: $r}' >>"$T/skipped.jsonl"
			return 0
		fi
		gen=(--mode srtp-set --srtp-set "$T/srtp.set")
	fi
	srtp_sessions "$relay" "$dir" "$n"
	read -r -a a <<<"$(drops)"
	strikes=$(grep -c 'receive queue exceeded' "$T/rtpengine.log" 2>/dev/null)
	line=$(inc "$GEN" run --dev c0 --dmac 02:00:00:00:01:01 --flows "$SRTP_FLOWS" \
		--sink "$RTPE_BPFFS" --rate "$rate" --cpu "$GEN_CPU" --label "$mode" "${gen[@]}" \
		--warmup "$WARMUP" --seconds "$SECS" --account "napi=$NAPI_R0,$NAPI_R1" \
		--account "daemon=$pid") || die "generator failed ($mode, $n sessions)"
	read -r -a b <<<"$(drops)"
	# rtpengine stops reading a socket once it has found more than 50
	# datagrams queued 5 times (a 64-packet burst to one session does it)
	strikes=$(($(grep -c 'receive queue exceeded' "$T/rtpengine.log" 2>/dev/null) - ${strikes:-0}))
	jq -c --arg m "$mode" --argjson n "$n" --argjson r "$round" --arg l "$load" \
		--argjson gave_up "$([ "$relay" = rtpengine ] && [ "$strikes" -gt 0 ] && echo true || echo false)" \
		--argjson di "$((b[0] - a[0]))" --argjson ds "$((b[1] - a[1]))" \
		--argjson du "$((b[2] - a[2]))" --arg relay "$relay" --arg s "$SRTP_SUITE" \
		'. + {mode: $m, sessions: $n, round: $r, load: $l, relay: $relay, suite: $s,
		      relay_gave_up_sockets: $gave_up,
		      drops: {relay_in: $di, to_sink: $ds, udp_rcvbuf: $du}}' <<<"$line" >>"$RUNS"
	jq -r '"bench: \(.mode) \(.sessions) sessions, \(.load) load: offered \(.offered_pps) pps, delivered \(.delivered_pps), lost \(.lost)"' \
		<<<"$(tail -n 1 "$RUNS")" >&2
}

# The open files limit caps socket-relayed sessions (4 sockets each), as in
# phase_userspace; prints the largest count, with the reason for larger ones.
srtp_max_sessions() {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] && hard=100000000
	if has_cap_sys_resource; then echo 100000000; else echo $(((hard - 1024) / 4)); fi
}

srtp_relay() {
	local relay=$1 n dir r max counts=("${SESSIONS[@]}")
	[ "$SMOKE" = 1 ] && counts=("${SESSIONS[-1]}") # a few seconds in make check
	max=$(srtp_max_sessions)
	if [ "$relay" = rtpengine ]; then
		rtpengine_start || {
			jq -nc '{mode: "rtpengine", sessions: 0, reason: "rtpengine is missing (scripts/install-deps.sh installs it)"}' \
				>>"$T/skipped.jsonl"
			return 0
		}
	else
		daemon_start auto
		SRTP_XSKS=$("$B/rtpedgectl" -s "$SOCK" --json stats | jq '.afxdp.sockets // 0')
	fi
	for n in "${counts[@]}"; do
		if [ "$n" -gt "$max" ]; then
			jq -nc --arg m "$([ "$relay" = rtpengine ] && echo rtpengine || echo srtp)-*" --argjson n "$n" --arg r "the open files limit ($(ulimit -Hn), hard) allows about $max sessions relayed by sockets (4 each), and this process may not raise it" \
				'{mode: $m, sessions: $n, reason: $r}' >>"$T/skipped.jsonl"
			continue
		fi
		for dir in "${SRTP_MODES[@]}"; do
			for ((r = 1; r <= ROUNDS; r++)); do
				srtp_measure "$relay" "$dir" "$n" light "$r"
			done
			[ "$SMOKE" = 1 ] || srtp_measure "$relay" "$dir" "$n" full 1
		done
	done
	srtp_sessions_del "$relay"
	if [ "$relay" = rtpengine ]; then rtpengine_stop; else daemon_stop; fi
}

phase_srtp() {
	local relay n relays=${RTPE_BENCH_SRTP_RELAYS:-rtpedge rtpengine}
	[ "$SMOKE" = 1 ] && relays=${RTPE_BENCH_SRTP_RELAYS:-rtpedge}
	[ -x "$B/tools/srtpcost" ] || die "$B/tools/srtpcost is missing: make first"
	SRTP_KEY=$(srtp_key)
	"$B/tools/srtpcost" --write "$T/srtp.set" --suite "$SRTP_SUITE" --key "$SRTP_KEY" \
		--count "$SRTP_SET_N" || die "cannot make the SRTP set (srtpcost --write)"
	: >"$T/srtpcost.jsonl"
	srtp_floor
	srtp_floor 1 nss
	for n in "${SESSIONS[@]}"; do
		[ "$n" -gt 1 ] && [ "$n" -le "$(srtp_max_sessions)" ] && srtp_floor "$n"
	done
	for relay in $relays; do
		srtp_relay "$relay"
	done
	srtp_floor
	srtp_floor 1 nss
	# the floor: libsrtp2 on the relay's crypto; stock: as Debian builds it
	jq -s --arg s "$SRTP_SUITE" --arg afxdp "${RTPE_BENCH_AFXDP:-yes}" \
		--argjson xsks "${SRTP_XSKS:-0}" --arg rtpe "$(rtpengine --version 2>&1 | head -n 1)" \
		--arg crypto "${RTPE_BENCH_SRTP_CRYPTO:-openssl}" \
		'(map(select(.crypto == "nss" and .sessions == 1))) as $stock
		| map(select(.crypto == $crypto)) | map(select(.sessions == 1)) as $one
		| {suite: $s, measured: true, floor: .,
		  stock: {crypto: "nss", floor: $stock,
		    both_ns: ($stock | map(.both_ns) | add / length)},
		  crypto: $crypto, afxdp: $afxdp, afxdp_sockets: $xsks,
		  protect_ns: ($one | map(.protect_ns) | add / length),
		  unprotect_ns: ($one | map(.unprotect_ns) | add / length),
		  both_ns: ($one | map(.both_ns) | add / length),
		  floor_at: (map({key: (.sessions | tostring), value: .}) | from_entries),
		  rtpengine: $rtpe, rtpengine_mode: "userspace only (--table=-1), 1 media thread, pinned to the relay CPU"}' \
		"$T/srtpcost.jsonl" >"$T/srtp.json" || die "cannot summarise the SRTP floor"
}

# Run over results.json after the summary (bench.sh's report): the srtp
# targets, each SRTP row beside its floor and beside rtpengine's.
read -r -d '' SRTP_JQ <<'JQ'
def ratio(a; b): if a == null or b == null or b == 0 then null else a / b end;
def r3: if . == null then null else . * 1000 | round / 1000 end;
def judge(ok): if .meta.smoke then "not judged (smoke run)" elif ok == null then "not judged"
	elif ok then "met" else "missed" end;
# the crypto a packet of the mode gets: protect (enc), unprotect (dec), both,
# in $f (one context pair, or a floor_at entry)
def ops_ns($f; $m): if $f == null then null elif $m == "srtp-enc" then $f.protect_ns
	elif $m == "srtp-dec" then $f.unprotect_ns else $f.both_ns end;
. as $all | ($all.srtp // {}) as $s
| [$all.summary[] | select(.mode | startswith("srtp-")) | . as $o
   | {mode, sessions, load, relay_ns_per_pkt: (.relay_ns_per_pkt | r3),
      floor_both_ns: ($s.both_ns | r3), ratio: (ratio(.relay_ns_per_pkt; $s.both_ns) | r3),
      floor_ops_ns: (ops_ns($s; $o.mode) | r3),
      ratio_ops: (ratio(.relay_ns_per_pkt; ops_ns($s; $o.mode)) | r3),
      floor_ops_ns_same_sessions: (ops_ns($s.floor_at[.sessions | tostring]; $o.mode) | r3),
      ratio_ops_same_sessions: (ratio(.relay_ns_per_pkt;
	ops_ns($s.floor_at[.sessions | tostring]; $o.mode)) | r3),
      floor_stock_ns: ($s.stock.both_ns | r3),
      ratio_stock: (ratio(.relay_ns_per_pkt; $s.stock.both_ns) | r3),
      beyond_crypto_ns: (if .relay_ns_per_pkt == null then null else .relay_ns_per_pkt -
	(ops_ns($s.floor_at[.sessions | tostring]; $o.mode) // 0) | r3 end),
      xdp_ns: (first($all.summary[] | select(.mode == "xdp" and .sessions == $o.sessions
	and .load == $o.load) | .relay_ns_per_pkt) // null | r3)}]
  as $t1
| [$all.summary[] | select(.mode | startswith("srtp-")) | . as $o
   | (first($all.summary[] | select(.mode == ("rtpengine-" + ($o.mode | ltrimstr("srtp-")))
	and .sessions == $o.sessions and .load == $o.load)) // null) as $e
   | select($e != null)
   | any($all.runs[] | select(.mode == $e.mode and .sessions == $e.sessions and .load == $e.load);
	.relay_gave_up_sockets == true) as $gave_up
   | {mode: ($o.mode | ltrimstr("srtp-")), sessions, load, rtpengine_gave_up: $gave_up,
      rtpedge_pkts_per_core: (if $o.relay_ns_per_pkt > 0 then 1e9 / $o.relay_ns_per_pkt | floor else null end),
      rtpengine_pkts_per_core: (if $e.relay_ns_per_pkt > 0 then 1e9 / $e.relay_ns_per_pkt | floor else null end),
      ratio: (if $gave_up then null else ratio($e.relay_ns_per_pkt; $o.relay_ns_per_pkt) | r3 end),
      delivered_ratio: (ratio($o.delivered_pps; $e.delivered_pps) | r3)}] as $t2
| ([$t1[] | select(.load == "light" and .ratio != null)]) as $l1
| ([$t1[] | select(.load == "light" and .ratio_stock != null)]) as $l0
| ([$t2[] | select(.load == "light" and .ratio != null)]) as $l2
| .srtp = $s + {vs_floor: $t1, vs_rtpengine: $t2, gave_up: [$all.runs[]
	| select(.relay_gave_up_sockets == true) | "\(.mode) \(.sessions) \(.load) round \(.round)"]}
| .targets += [
	{target: "srtp: relay CPU per SRTP packet <= 1.5 x libsrtp2's unprotect + protect of the same packet, libsrtp2 as Debian builds it (NSS) (light load; every direction and session count measured)",
	 values: [$l0[] | {mode, sessions, load, relay_ns_per_pkt, floor_stock_ns, ratio_stock}],
	 status: judge(if ($l0 | length) == 0 then null else all($l0[]; .ratio_stock <= 1.5) end)},
	{target: "srtp: relay CPU per SRTP packet <= 1.5 x libsrtp2's unprotect + protect of the same packet, libsrtp2 on the relay's own crypto (light load; every direction and session count measured)",
	 values: [$l1[] | {mode, sessions, load, relay_ns_per_pkt, floor_both_ns, ratio, beyond_crypto_ns, xdp_ns}],
	 status: judge(if ($l1 | length) == 0 then null else all($l1[]; .ratio <= 1.5) end)},
	{target: "srtp: >= 3 x rtpengine 10.5's SRTP packets per relay core (userspace, same bed, light load)",
	 values: $l2, status: judge(if ($l2 | length) == 0 then null else all($l2[]; .ratio >= 3) end)}]
JQ
