#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-plot.sh - one PNG per figure of a `make bench` run, with gnuplot.
#
#   scripts/bench-plot.sh RESULTS.json OUTDIR
#
# Figures (x: concurrent sessions, log scale; one line per relay path):
#   cpu.png        relay CPU time per delivered packet (softirq + daemon)
#   throughput.png offered and delivered packets per second
#   loss.png       packets lost, percent of those offered
#   latency.png    one-way latency through the relay, p50 and p99
#   nsperpkt.png   BPF_PROG_TEST_RUN ns per packet, rtpedge_xdp beside ceiling_xdp
#   calls.png      G.711 calls one relay core carries (200 packets/s per call)
#   srtp.png       the srtp phase: relay CPU per SRTP packet at light load,
#                  rtpedged and rtpengine, each direction, beside the plain
#                  userspace path and libsrtp2's own protect + unprotect
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 RESULTS.json OUTDIR" >&2; exit 2; }
RES=$1
OUT=$2
D=$(mktemp -d /tmp/rtpe-plot.XXXXXX)
trap 'rm -rf "$D"' EXIT
# Series: path@load (full: the run's rate; light: a rate the userspace
# path sustains, for a CPU comparison where nothing is saturated).
MODES="ceiling@full xdp@full userspace@full kernel@full xdp@light userspace@light"
SRTP="userspace@light srtp-enc@light rtpengine-enc@light srtp-dec@light rtpengine-dec@light
srtp-both@light rtpengine-both@light"
FLOOR=$(jq -r '.srtp.both_ns // empty' "$RES")

# One data file per series: sessions and the summary fields, tab-separated.
for m in $MODES $SRTP; do
	jq -r --arg m "${m%@*}" --arg l "${m#*@}" '.summary[] | select(.mode == $m and .load == $l) |
		[.sessions, .relay_ns_per_pkt, .softirq_ns_per_pkt, .daemon_ns_per_pkt,
		 .offered_pps, .delivered_pps, .loss_ratio * 100, .lat_p50_us, .lat_p99_us,
		 .g711_calls_per_core] | map(. // "NaN") | @tsv' "$RES" | sort -n >"$D/$m.tsv"
done
# Only when this run timed the programs (RTPE_BENCH_PHASES may leave it out).
jq -r '.nsperpkt | select((.ceiling.ns_median | type) == "number" and
	(.rtpedge.ns_median | type) == "number") |
	"ceiling_xdp\t\(.ceiling.ns_median)\nrtpedge_xdp\t\(.rtpedge.ns_median)"' "$RES" >"$D/ns.tsv"
TITLE=$(jq -r '.meta | "\(.rate) packets/s offered, \(.seconds) s runs, \(.order // "sequential") order, kernel \(.kernel)"' "$RES")
LIGHT=$(jq -r '[.runs[] | select(.load == "light") | .rate_target][0] // "light"' "$RES")

# plot FILE YLABEL LOGY COLUMN... : one line per path (of MODES) and
# column, and EXTRA (a gnuplot series) when set.
plot() {
	local file=$1 ylabel=$2 logy=$3 cols=$4 series=${EXTRA:-} m c name logscale="" i=0 j
	[ "$logy" = 1 ] && logscale="set logscale y"
	# One colour per path, one dash pattern per column (p50 solid, p99 dashed).
	for m in $MODES; do
		i=$((i + 1))
		[ -s "$D/$m.tsv" ] || continue
		j=0
		for c in $cols; do
			j=$((j + 1))
			name="${m%@*}"
			[ "${m#*@}" = light ] && name+=" at $LIGHT/s"
			[ "$cols" = "${cols% *}" ] || name+=" ($(colname "$c"))"
			series+="${series:+, }'$D/$m.tsv' using 1:$c with linespoints lc $i dt $j pt $((i + 4 * j - 4)) title '$name'"
		done
	done
	if [ -z "$series" ] || [ "$series" = "${EXTRA:-}" ]; then
		echo "bench-plot: $file not drawn: no run of its paths" >&2
		return 0
	fi
	gnuplot <<-EOF
		set terminal pngcairo size 900,560 font ",10"
		set output '$OUT/$file'
		set title "$ylabel\n{/*0.8 $TITLE}"
		set xlabel 'concurrent sessions'
		set ylabel '$ylabel'
		set logscale x
		$logscale
		set grid
		set key outside right
		set datafile missing 'NaN'
		plot $series
	EOF
}

colname() {
	case $1 in
	5) echo offered ;;
	6) echo delivered ;;
	8) echo p50 ;;
	9) echo p99 ;;
	*) echo "col $1" ;;
	esac
}

mkdir -p "$OUT"
plot cpu.png 'relay CPU ns per delivered packet' 1 2
plot throughput.png 'packets per second' 0 "5 6"
plot loss.png 'loss (% of offered)' 0 7
plot latency.png 'one-way latency (us)' 1 "8 9"
plot calls.png 'G.711 calls per relay core' 1 10
[ -n "$FLOOR" ] && EXTRA="$FLOOR with lines lc rgb 'black' dt 3 title 'libsrtp2 protect + unprotect'"
MODES=$SRTP plot srtp.png 'relay CPU ns per SRTP packet' 1 2
EXTRA=""
if [ ! -s "$D/ns.tsv" ]; then
	echo "bench-plot: nsperpkt.png not drawn: this run did not time the programs" >&2
	exit 0
fi
gnuplot <<-EOF
	set terminal pngcairo size 640,420 font ",10" noenhanced
	set output '$OUT/nsperpkt.png'
	set title "BPF_PROG_TEST_RUN ns per packet (median of the rounds)"
	set style data histograms
	set style fill solid 0.6
	set boxwidth 0.6
	set yrange [0:*]
	set grid y
	unset key
	plot '$D/ns.tsv' using 2:xtic(1)
EOF
