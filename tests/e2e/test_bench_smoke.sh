#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_bench_smoke.sh - `make bench` in miniature, so that it cannot rot:
# scripts/bench.sh with RTPE_BENCH_SMOKE=1 (100 packets/s... 100,000
# packets/s for 0.3 s per run, 1 and 100 sessions, every path) on a bed of
# its own (prefix bench-smoke-, after RTPE_NS_PREFIX when that is set), with
# the programs of RTPE_BUILD. No performance target is asserted; what is
# asserted is that every piece measured something real: the generator
# offered what it was asked, the sink counted and timed the packets, every
# path delivered, the programs were timed, the control socket churned
# sessions, SRTP went through rtpedged both ways and the sink counted it
# without reading the encrypted payload, beside libsrtp2's own cost (the
# srtp phase: 100 sessions, rtpedged only), SIP calls went through rtpedged
# with their RTP (the sip phase: 50 calls at 20/s, rtpedged only), the
# plots were drawn, and nothing was
# left behind (the sip phase's bed is bench-smoke-sip-*).
export RTPE_NS_PREFIX=${RTPE_NS_PREFIX:-}bench-smoke-
. "$(dirname "$0")/lib.sh"

e2e_require "$B/rtpedged" "$B/rtpedgectl" "$B/tools/rtpgen" "$B/tools/ctlbench"
OUTD=$T/out
R=$OUTD/results.json

RTPE_BENCH_SMOKE=1 RTPE_BENCH_OUT=$OUTD RTPE_BENCH_WARMUP=0.2 \
	timeout -k 5 90 "$E2E_ROOT/scripts/bench.sh" >"$T/bench.out" 2>"$T/bench.err"
RC=$?

# q JQ: one value from the results ("" when unreadable).
q() {
	jq -r "$1" "$R" 2>/dev/null
}

case_begin "bench.sh runs to the end and writes results.json and the table"
check_eq "exit status" "$RC" 0
check "results.json parses" jq -e .summary "$R"
check_match "table header" "$(cat "$T/bench.out")" '^path +load +sessions'
check_match "targets listed" "$(cat "$T/bench.out")" 'NOT JUDGED \(SMOKE RUN\) +xdp relay CPU'
case_end
[ -n "$E2E_WHY" ] && echo "bench.sh stderr: $(tail -n 5 "$T/bench.err")" >&2

case_begin "every path measured at 1 and 100 sessions, and delivered"
for m in ceiling xdp userspace kernel; do
	for n in 1 100; do
		check_eq "$m $n runs" "$(q "[.summary[] | select(.mode == \"$m\" and .sessions == $n and .load == \"full\")] | length")" 1
		check_ge "$m $n delivered" "$(q "[.runs[] | select(.mode == \"$m\" and .sessions == $n)] | map(.delivered) | min")" 1
	done
done
case_end

case_begin "the generator offers the asked rate; XDP paths deliver it all but noise"
for m in ceiling xdp; do
	off=$(q "[.runs[] | select(.mode == \"$m\" and .load == \"full\") | .offered_pps] | min | floor")
	check_ge "$m offered pps (asked 100000)" "$off" 60000
	check_ge "$m delivered of sent (per mille)" \
		"$(q "[.runs[] | select(.mode == \"$m\")] | (map(.delivered) | add) * 1000 / (map(.sent) | add) | floor")" 990
done
case_end

case_begin "the sink timed every packet with the generator's clock; CPU was accounted"
check_eq "stamps from the future" "$(q '[.runs[].clock_skew] | add')" 0
check_ge "xdp p50 latency (ns)" "$(q '[.runs[] | select(.mode == "xdp") | .lat_p50_us * 1000 | floor] | min')" 1
check_ge "xdp relay softirq ns" "$(q '[.runs[] | select(.mode == "xdp") | .cpu.napi.run_ns] | min')" 1
check_ge "userspace daemon ns" "$(q '[.runs[] | select(.mode == "userspace") | .cpu.daemon.run_ns] | min')" 1
check_eq "ceiling runs account no daemon" "$(q '[.runs[] | select(.mode == "ceiling") | .cpu.daemon] | all(. == null)')" true
case_end

case_begin "BPF_PROG_TEST_RUN timed both programs on a frame they relay"
check_ge "ceiling ns" "$(q '.nsperpkt.ceiling.ns_median | floor')" 1
check_ge "rtpedge ns" "$(q '.nsperpkt.rtpedge.ns_median | floor')" 1
check_ge "rtpedge verified instructions" "$(q '.nsperpkt.rtpedge.verified_insns')" 100
check_match "ratio in the table" "$(cat "$T/bench.out")" 'BPF_PROG_TEST_RUN \(repeat 10000, 10000 legs\): rtpedge_xdp [0-9.]+ ns'
case_end

case_begin "sessions churned through the control socket"
check_eq "adds refused" "$(q '[.ctl[] | select(.op == "add") | .refused] | add')" 0
check_eq "deletes refused" "$(q '[.ctl[] | select(.op == "del") | .refused] | add')" 0
check_eq "sessions deleted (xdp, userspace)" "$(q '[.ctl[] | select(.op == "del") | .sessions] | join(" ")')" "100 100"
check_ge "add rate" "$(q '[.ctl[] | select(.op == "add") | .per_s] | min | floor')" 1
case_end

case_begin "SRTP both ways through rtpedged, counted and timed without the payload; the floor measured"
for m in srtp-enc srtp-dec; do
	check_eq "$m runs" "$(q "[.runs[] | select(.mode == \"$m\" and .sessions == 100)] | length")" 1
	check_ge "$m delivered of sent (per mille)" \
		"$(q "[.runs[] | select(.mode == \"$m\")] | (map(.delivered) | add) * 1000 / (map(.sent) | add) | floor")" 990
	check_ge "$m daemon ns" "$(q "[.runs[] | select(.mode == \"$m\") | .cpu.daemon.run_ns] | min")" 1
done
check_ge "srtp-enc timed by the RTP timestamp: p50 (ns)" "$(q '[.runs[] | select(.mode == "srtp-enc") | .lat_p50_us * 1000 | floor] | min')" 1
check_eq "srtp-enc packets untimed" "$(q '[.runs[] | select(.mode == "srtp-enc") | .untimed] | add')" 0
check_eq "srtp-dec packets untimed (pre-made SRTP)" "$(q '[.runs[] | select(.mode == "srtp-dec") | .untimed == .delivered] | all')" true
check_ge "libsrtp2 protect + unprotect (ns)" "$(q '.srtp.both_ns | floor')" 1
check_ge "ratio to the floor" "$(q '[.srtp.vs_floor[].ratio] | min * 1000 | floor')" 1
check_eq "Debian's libsrtp2 measured too (NSS)" "$(q '.srtp.stock.crypto')" nss
check_ge "Debian's libsrtp2: slower than the relay's crypto" \
	"$(q '.srtp.stock.both_ns - .srtp.both_ns | floor')" 1
check_ge "ratio to Debian's libsrtp2" "$(q '[.srtp.vs_floor[].ratio_stock] | min * 1000 | floor')" 1
check_ge "beyond the crypto (ns)" "$(q '[.srtp.vs_floor[].beyond_crypto_ns] | min | floor')" 1
check_match "srtp rows" "$(cat "$T/bench.out")" '^srtp \(AES_CM_128_HMAC_SHA1_80\): rtpedged on AF_XDP: yes \(2 sockets\); libsrtp2 on openssl crypto, on the relay CPU'
check_match "srtp targets" "$(cat "$T/bench.out")" 'NOT JUDGED \(SMOKE RUN\) srtp: relay CPU per SRTP packet .* libsrtp2 as Debian builds it'
check_match "srtp targets (its own crypto)" "$(cat "$T/bench.out")" 'NOT JUDGED \(SMOKE RUN\) srtp: relay CPU per SRTP packet .* libsrtp2 on the relay.s own crypto'
case_end

case_begin "SIP calls through rtpedged: every call answered, its RTP through both ways"
if command -v sipp >/dev/null; then
	check_ge "rtpedge calls/s" "$(q '.sip.best.rtpedge.calls_per_s // 0')" 1
	check_eq "steps failed" "$(q '[.sip.steps[] | select(.passed | not)] | length')" 0
	check_eq "RTP to the sbc" "$(q '.sip.steps[0] | .rtp_to_sbc == .rtp_expected_each_way')" true
	check_eq "RTP to the carrier" "$(q '.sip.steps[0] | .rtp_to_carrier == .rtp_expected_each_way')" true
	check_ge "relay CPU accounted (ms)" "$(q '.sip.steps[0].relay_cpu_ms')" 1
	check_match "sip rows" "$(cat "$T/bench.out")" 'rtpedge +[0-9]+ calls/s'
else
	check_match "sip row" "$(cat "$T/bench.out")" '^sip +not measured: sipp'
fi
case_end

case_begin "one PNG per figure"
for f in cpu throughput loss latency nsperpkt calls srtp; do
	check_match "$f.png" "$(head -c 8 "$OUTD/$f.png" 2>/dev/null | od -An -c | tr -d ' \n')" '^211PNG'
done
case_end

case_begin "nothing left behind: namespaces, daemons"
check_eq "namespaces" "$(ip netns list | grep -c "^$RTPE_NS_PREFIX")" 0
pids=$(sed -n 's/^bench: rtpedged (xdp_mode [a-z]*) pid \([0-9]*\)$/\1/p' "$T/bench.err")
check_eq "daemons started (xdp, userspace, srtp)" "$(wc -w <<<"$pids")" 3
for p in $pids; do
	check "rtpedged $p stopped" bash -c "! kill -0 $p"
done
case_end
