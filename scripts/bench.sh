#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - `make bench`: rtpedge's relay paths measured in one run, on
# one topology, with the same traffic (docs/PERFORMANCE.md: method,
# figures, limits).
#
#   carrier c0 --> r0 [relay] r1 --> s0 sbc
#   rtpgen (bench_gen XDP,        relay under test       bench_sink XDP:
#   live frames, CPU 0)           (CPU 1)                counts, drops (CPU 0)
#
# Paths: ceiling (ceiling.bpf.c, no lookups: the most any XDP relay can
# do), xdp (rtpedged, xdp_mode auto), userspace (rtpedged, xdp_mode off),
# kernel (ip_forward + an nft DNAT map), srtp (SRTP bridged by rtpedged
# and by rtpengine, beside libsrtp2's own cost: scripts/bench-srtp.sh);
# at each session count in SESSIONS,
# offering RATE packets/s spread round robin over the sessions. The
# ceiling and xdp paths alternate ROUNDS times on the same daemon and
# sessions (the ceiling is swapped into the daemon's XDP link), so drift
# on a shared machine hits both. The xdp and userspace paths are measured
# once more at LIGHT_RATE, which the userspace path sustains, so that their
# CPU per packet is compared with neither saturated. Plus BPF_PROG_TEST_RUN
# ns per packet of rtpedge_xdp beside ceiling_xdp, and session.add/del
# rates over the control socket (tests/tools/ctlbench.c). The relay CPU of
# a run is the CPU time of the relay's threaded-NAPI threads (napi/r0,
# napi/r1: its softirq work) plus the daemon's threads, from schedstat.
#
# Results: OUT/results.json (every run and the summary), OUT/*.png (one
# plot per figure, scripts/bench-plot.sh), the table and the targets on
# stdout. Exit 0 when every target is met, 1 when one is missed, 2 when
# the bench could not run.
#
# Env: RTPE_BENCH_SESSIONS ("1 1000 10000 100000"), RTPE_BENCH_RATE
# (1000000), RTPE_BENCH_SECONDS (2), RTPE_BENCH_WARMUP (0.5),
# RTPE_BENCH_ORDER (shuffled: the order of the sessions' packets; or
# sequential, creation order, the prefetcher's best case),
# RTPE_BENCH_ROUNDS (3), RTPE_BENCH_LIGHT_RATE (20000),
# RTPE_BENCH_REPEAT (1000000), RTPE_BENCH_WORKERS (the daemon's [relay]
# workers; unset: its default, one per CPU it may run on, here the relay
# CPU's one), RTPE_BENCH_SRTP_CRYPTO (openssl: the daemon's [relay]
# srtp_crypto and the srtp phase's floor; nss: libsrtp2's own), RTPE_BUILD
# (build: the programs' folder), RTPE_BENCH_AFXDP (yes: the daemon's
# [relay] afxdp, which the srtp phase's SRTP legs take; no: their sockets),
# RTPE_BENCH_OUT (build/bench), RTPE_NS_PREFIX (bench-), RTPE_BENCH_PHASES ("nsperpkt xdp
# userspace kernel srtp sip"; kernel needs xdp's sessions; srtp: its
# RTPE_BENCH_SRTP_* knobs in bench-srtp.sh; sip: scripts/bench-sip.sh,
# whose RTPE_BENCH_SIP_* knobs pass through), RTPE_BENCH_SMOKE=1 (a
# few seconds of everything, no targets: `make check` runs it).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/${RTPE_BUILD:-build} # test_bench_smoke under make check SAN=...: build-san
NETNS=$ROOT/scripts/netns.sh
GEN=$B/tools/rtpgen
CTLB=$B/tools/ctlbench
export RTPE_NS_PREFIX=${RTPE_NS_PREFIX:-bench-}
SMOKE=${RTPE_BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
	DEF_SESSIONS="1 100" DEF_RATE=100000 DEF_SECONDS=0.3 DEF_ROUNDS=1 DEF_REPEAT=10000
else
	DEF_SESSIONS="1 1000 10000 100000" DEF_RATE=1000000 DEF_SECONDS=2 DEF_ROUNDS=3
	DEF_REPEAT=1000000
fi
read -r -a SESSIONS <<<"${RTPE_BENCH_SESSIONS:-$DEF_SESSIONS}"
RATE=${RTPE_BENCH_RATE:-$DEF_RATE}
LIGHT_RATE=${RTPE_BENCH_LIGHT_RATE:-20000}
SECS=${RTPE_BENCH_SECONDS:-$DEF_SECONDS}
WARMUP=${RTPE_BENCH_WARMUP:-0.5}
ROUNDS=${RTPE_BENCH_ROUNDS:-$DEF_ROUNDS}
REPEAT=${RTPE_BENCH_REPEAT:-$DEF_REPEAT}
ORDER=${RTPE_BENCH_ORDER:-shuffled}
case $ORDER in shuffled | sequential) ;; *) echo "bench: RTPE_BENCH_ORDER must be shuffled or sequential" >&2; exit 2 ;; esac
OUT=${RTPE_BENCH_OUT:-$B/bench}
GEN_CPU=0
RELAY_CPU=1
PAIRS_PER_ADDR=25000 # port_min 10000 .. port_max 59999
eval "$("$NETNS" env)"
PHASES=${RTPE_BENCH_PHASES:-nsperpkt xdp userspace kernel srtp sip}
T=$(mktemp -d /tmp/rtpe-bench.XXXXXX)
RUNS=$OUT/runs.jsonl # every measured run, one JSON object per line
DAEMON_PID=""
SOCK=$T/rtpedge.sock
PIN=$RTPE_BPFFS/bench
MAXN=0
for n in "${SESSIONS[@]}"; do [ "$n" -gt "$MAXN" ] && MAXN=$n; done
NADDR=$(((MAXN + PAIRS_PER_ADDR - 1) / PAIRS_PER_ADDR))

say() {
	echo "bench: $*" >&2
}

. "$ROOT/scripts/bench-srtp.sh" # phase_srtp, SRTP_JQ

die() {
	echo "bench: $*" >&2
	exit 2
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	daemon_stop
	rtpengine_stop
	# A sanitizer build's report (make check SAN=... runs this): a failed run.
	if grep -Eq 'runtime error: |ERROR: [A-Za-z]+Sanitizer' "$T/daemon.log" 2>/dev/null; then
		say "rtpedged reported: $(grep -m1 -E -A 8 'runtime error: |ERROR: [A-Za-z]+Sanitizer' "$T/daemon.log")"
		[ "$rc" -eq 0 ] && rc=2
	fi
	"$NETNS" down >/dev/null 2>&1 || say "netns.sh down failed: remove ${RTPE_NS_PREFIX}* by hand"
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

inr() { ip netns exec "$RTPE_NS_RELAY" "$@"; }
inc() { ip netns exec "$RTPE_NS_CARRIER" "$@"; }
ins() { ip netns exec "$RTPE_NS_SBC" "$@"; }

preflight() {
	local f
	[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, XDP, BPF_PROG_RUN)"
	for f in "$B/rtpedged" "$B/rtpedgectl" "$GEN" "$CTLB"; do
		[ -x "$f" ] || die "$f is missing: run make bench (it builds everything)"
	done
	# The Makefile builds tools/ without a dependency on the skeletons they
	# embed: rebuild rtpgen when a BPF program is newer than it.
	for f in "$B"/*.skel.h; do
		if [ "$f" -nt "$GEN" ]; then
			say "$(basename "$f") is newer than rtpgen: rebuilding it"
			make -s -C "$ROOT" -W tests/tools/rtpgen.c "${GEN#"$ROOT"/}" >&2 ||
				die "cannot rebuild $GEN"
			break
		fi
	done
	for f in jq nft gnuplot taskset chrt; do
		command -v "$f" >/dev/null || die "$f is missing: scripts/install-deps.sh installs it"
	done
	if [ "$(nproc)" -lt 2 ]; then
		say "only one CPU: generator and relay share it, CPU figures include both"
		RELAY_CPU=0
	fi
	mkdir -p "$OUT" && : >"$OUT/runs.jsonl" || die "cannot write to $OUT (RTPE_BENCH_OUT)"
	: >"$RUNS"
	echo '{}' >"$T/nsperpkt.json"
	echo '{}' >"$T/srtp.json"
	echo '{}' >"$T/sip.json"
	rm -f "$OUT"/sip-*-*
	: >"$T/ctl.jsonl"
	: >"$T/skipped.jsonl"
}

# The relay's extra addresses (a port pool holds 25,000 sessions per
# address) and the sbc peers' neighbours (sbc peer k is 198.18.2.2 +
# k / 30000, see ctlbench.c).
bed_setup() {
	local k
	"$NETNS" up >"$T/netns.log" 2>&1 || die "netns.sh up failed: $(tail -n 3 "$T/netns.log")"
	for ((k = 1; k < NADDR; k++)); do
		inr ip addr add "198.18.1.$((100 + k))/24" dev r0 || die "cannot add an address to r0"
		inr ip addr add "198.18.2.$((100 + k))/24" dev r1 || die "cannot add an address to r1"
	done
	for ((k = 1; k <= MAXN / 30000 + 1; k++)); do
		inr ip neigh replace "198.18.2.$((2 + k))" lladdr 02:00:00:00:02:02 dev r1 nud permanent
	done
	# GRO on and TSO off on every veth (netns.sh leaves TSO on the hosts'
	# side): otherwise receive work lands on the sending CPU.
	for k in "$RTPE_NS_CARRIER c0" "$RTPE_NS_RELAY r0" "$RTPE_NS_RELAY r1" "$RTPE_NS_SBC s0"; do
		read -r ns dev <<<"$k"
		ip netns exec "$ns" ethtool -K "$dev" gro on tso off 2>/dev/null
		ip netns exec "$ns" ethtool -k "$dev" | grep -q '^generic-receive-offload: on' &&
			ip netns exec "$ns" ethtool -k "$dev" | grep -q '^tcp-segmentation-offload: off' ||
			die "$dev: cannot set GRO on and TSO off"
	done
	# ethtool -K restarts a veth: wait (bounded) for every carrier. Seconds
	# on a loaded host (seen: over 5 s while other work ran on both CPUs).
	for _ in $(seq 300); do
		inr ip -o link show up | grep -q 'r0.*LOWER_UP' && inr ip -o link show up |
			grep -q 'r1.*LOWER_UP' && inc ip -o link show c0 | grep -q LOWER_UP &&
			ins ip -o link show s0 | grep -q LOWER_UP && return 0
		sleep 0.1
	done
	die "links still down 30 s after ethtool -K"
}

# PIDs of the napi/DEV-* kernel threads (all namespaces: names may repeat).
napi_pids() {
	local p c
	for p in /proc/[0-9]*; do
		c=$(cat "$p/comm" 2>/dev/null) || continue
		[[ $c == "napi/$1-"* ]] && echo "${p#/proc/}"
	done | sort
}

# threaded NS DEV CPU: threaded NAPI on DEV; its thread (told apart from
# other beds' threads of the same name by appearing now) pinned to CPU at
# SCHED_FIFO 50, the priority softirq work has over tasks. Prints its PID.
threaded() {
	local ns=$1 dev=$2 cpu=$3 before new
	before=$(napi_pids "$dev")
	ip netns exec "$ns" sh -c "echo 0 >/sys/class/net/$dev/threaded &&
		echo 1 >/sys/class/net/$dev/threaded" || die "cannot enable threaded NAPI on $dev"
	new=$(comm -13 <(echo "$before") <(napi_pids "$dev"))
	[ "$(wc -w <<<"$new")" -eq 1 ] || die "expected one new napi/$dev-* thread, found: '$new'"
	taskset -pc "$cpu" "$new" >/dev/null && chrt -f -p 50 "$new" ||
		die "cannot pin napi/$dev ($new) to CPU $cpu"
	echo "$new"
}

napi_setup() {
	NAPI_R0=$(threaded "$RTPE_NS_RELAY" r0 "$RELAY_CPU") || exit 2
	NAPI_R1=$(threaded "$RTPE_NS_RELAY" r1 "$RELAY_CPU") || exit 2
	NAPI_S0=$(threaded "$RTPE_NS_SBC" s0 "$GEN_CPU") || exit 2
	threaded "$RTPE_NS_CARRIER" c0 "$GEN_CPU" >/dev/null || exit 2
	ins "$GEN" sink --dev s0 --pin "$RTPE_BPFFS" >/dev/null || die "cannot attach the sink to s0"
}

# rtpedged with xdp_mode $1, every interface of the bed, pinned to the relay CPU.
daemon_start() {
	local k
	{
		printf '[relay]\ncontrol_socket = %s\nmetrics_listen = 127.0.0.1:0\n' "$SOCK"
		printf 'pin_path = %s\nstate_file = %s/state.json\nxdp_mode = %s\n' "$PIN" "$T" "$1"
		printf 'port_min = 10000\nport_max = 59999\nmax_sessions = %s\n' "$((MAXN > 1 ? MAXN : 2))"
		printf 'learning_window = 1\nsession_timeout = 3600\nlog_level = warning\n'
		[ -n "${RTPE_BENCH_WORKERS:-}" ] && printf 'workers = %s\n' "$RTPE_BENCH_WORKERS"
		printf 'srtp_crypto = %s\nafxdp = %s\n' "${RTPE_BENCH_SRTP_CRYPTO:-openssl}" \
			"${RTPE_BENCH_AFXDP:-yes}"
		for ((k = 0; k < NADDR; k++)); do
			printf '[interface carrier%d]\ndevice = r0\naddress = 198.18.1.%d\n' "$k" \
				"$((k ? 100 + k : 1))"
			printf '[interface sbc%d]\ndevice = r1\naddress = 198.18.2.%d\n' "$k" \
				"$((k ? 100 + k : 1))"
		done
	} >"$T/rtpedge.conf"
	taskset -c "$RELAY_CPU" ip netns exec "$RTPE_NS_RELAY" "$B/rtpedged" -c "$T/rtpedge.conf" -f \
		>>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	say "rtpedged (xdp_mode $1) pid $DAEMON_PID"
	for _ in $(seq 100); do
		"$B/rtpedgectl" -s "$SOCK" status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "rtpedged did not start: $(tail -n 5 "$T/daemon.log")"
}

daemon_stop() {
	[ -n "$DAEMON_PID" ] || return 0
	"$B/rtpedgectl" -s "$SOCK" shutdown --remove >/dev/null 2>&1 || kill "$DAEMON_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# Sessions are added incrementally: the first N lines of $T/flows.MODE are
# the sessions of the N-session runs. ctl_add MODE N PATH: grows to N
# sessions and waits until a sample of them is on PATH; the add's rate
# goes into $T/ctl.jsonl.
ctl_add() {
	local mode=$1 n=$2 path=$3 have ifa="" ifb="" k
	have=0
	[ -f "$T/flows.$mode" ] && have=$(wc -l <"$T/flows.$mode")
	[ "$n" -gt "$have" ] || return 0
	for ((k = 0; k < NADDR; k++)); do
		ifa+="${ifa:+,}carrier$k" ifb+="${ifb:+,}sbc$k"
	done
	"$CTLB" add --socket "$SOCK" --count "$((n - have))" --first "$have" --iface-a "$ifa" \
		--iface-b "$ifb" --flows "$T/flows.$mode" |
		jq -c --arg m "$mode" --argjson n "$n" '. + {mode: $m, total: $n}' >>"$T/ctl.jsonl"
	[ "${PIPESTATUS[0]}" -eq 0 ] || die "session.add failed: $(tail -n 1 "$T/ctl.jsonl")"
	"$CTLB" wait --socket "$SOCK" --flows "$T/flows.$mode" --path "$path" --timeout 20000 \
		>"$T/wait.json" || die "sessions not on path $path: $(cat "$T/wait.json")"
}

# flows_first N MODE: the traffic of the N-session runs into $T/flows.N:
# the first N sessions of MODE, in ORDER. Shuffled (the default, the same
# permutation in every run and for every path), a packet's leg is anywhere
# in the tables, as on a relay whose calls come and go and send when their
# own clocks say; in creation order, consecutive packets hit neighbouring
# entries and the CPU's prefetchers hide every cache and TLB miss, which
# is the best case, not the production one (docs/PERFORMANCE.md).
flows_first() {
	if [ "$ORDER" = sequential ]; then
		head -n "$1" "$T/flows.$2" >"$T/flows.$1"
	else
		head -n "$1" "$T/flows.$2" | shuf --random-source=<(yes) >"$T/flows.$1"
	fi
}

ctl_del_all() {
	"$CTLB" del --socket "$SOCK" --flows "$T/flows.$1" |
		jq -c --arg m "$1" '. + {mode: $m}' >>"$T/ctl.jsonl"
	[ "${PIPESTATUS[0]}" -eq 0 ] || die "session.del failed: $(tail -n 1 "$T/ctl.jsonl")"
}

# Drops on the way, read in the relay namespace: the relay's receive ring
# full (r0), its transmit towards the sink refused (r1), UDP receive
# buffers full (userspace path).
drops() {
	inr sh -c 'cat /sys/class/net/r0/statistics/rx_dropped /sys/class/net/r1/statistics/tx_dropped;
		awk "\$1 == \"Udp:\" && h++ { print \$6 }" /proc/net/snmp' | tr '\n' ' '
}

# measure MODE N ROUND LOAD ACCOUNT...: a warm-up, then one measured run of
# the first N flows at RATE (LOAD full) or LIGHT_RATE (light); the result,
# with the drops, appended to $RUNS.
measure() {
	local mode=$1 n=$2 round=$3 load=$4 flows=$T/flows.$2 rate=$RATE a b line p
	shift 4
	[ "$load" = light ] && rate=$LIGHT_RATE
	local args=(--dev c0 --dmac 02:00:00:00:01:01 --flows "$flows" --sink "$RTPE_BPFFS"
		--rate "$rate" --cpu "$GEN_CPU" --label "$mode" "$@")
	for p in "$NAPI_R0" "$NAPI_R1" "$NAPI_S0"; do
		kill -0 "$p" 2>/dev/null || die "napi thread $p is gone (a device was reset?)"
	done
	inc "$GEN" run "${args[@]}" --seconds "$WARMUP" >/dev/null || die "generator failed ($mode warm-up)"
	read -r -a a <<<"$(drops)"
	line=$(inc "$GEN" run "${args[@]}" --seconds "$SECS") || die "generator failed ($mode, $n sessions)"
	read -r -a b <<<"$(drops)"
	jq -c --arg m "$mode" --argjson n "$n" --argjson r "$round" --arg l "$load" \
		--argjson di "$((b[0] - a[0]))" --argjson ds "$((b[1] - a[1]))" \
		--argjson du "$((b[2] - a[2]))" \
		'. + {mode: $m, sessions: $n, round: $r, load: $l,
		      drops: {relay_in: $di, to_sink: $ds, udp_rcvbuf: $du}}' <<<"$line" >>"$RUNS"
	jq -r '"bench: \(.mode) \(.sessions) sessions, \(.load) load: offered \(.offered_pps) pps, delivered \(.delivered_pps), lost \(.lost)"' \
		<<<"$(tail -n 1 "$RUNS")" >&2
}

swap_ceiling() {
	inr "$GEN" swap --link "$PIN/link_r0" --src 198.18.2.1 --dst 198.18.2.2 --sport 10000 \
		--dport 2000 --smac 02:00:00:00:02:01 --dmac 02:00:00:00:02:02 --out-dev r1 \
		--port-min 10000 --port-max 59999 | jq -r .previous_prog_id
}

# rtpedged in XDP mode: for each session count, ceiling and xdp alternate.
phase_xdp() {
	local n r prog
	daemon_start auto
	for n in "${SESSIONS[@]}"; do
		ctl_add xdp "$n" xdp
		flows_first "$n" xdp
		for ((r = 1; r <= ROUNDS; r++)); do
			prog=$(swap_ceiling) && [ -n "$prog" ] || die "cannot swap the ceiling in"
			measure ceiling "$n" "$r" full --account "napi=$NAPI_R0,$NAPI_R1"
			inr "$GEN" swap --link "$PIN/link_r0" --prog-id "$prog" >/dev/null ||
				die "cannot swap rtpedge_xdp back"
			measure xdp "$n" "$r" full --account "napi=$NAPI_R0,$NAPI_R1" \
				--account "daemon=$DAEMON_PID"
		done
		# Light load pays a wake-up per burst whose cost varies more than
		# the per-packet work: a median of ROUNDS runs, as at full load.
		for ((r = 1; r <= ROUNDS; r++)); do
			measure xdp "$n" "$r" light --account "napi=$NAPI_R0,$NAPI_R1" \
				--account "daemon=$DAEMON_PID"
		done
	done
	ctl_del_all xdp
	daemon_stop
}

# Whether this shell may raise its hard limits (capability 24 in CapEff).
has_cap_sys_resource() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(((0x$eff >> 24) & 1))
}

# A userspace leg holds two sockets: the open files limit caps the sessions
# (the daemon raises it only with CAP_SYS_RESOURCE). Larger counts are
# reported as not measured, with the reason.
phase_userspace() {
	local n r hard max
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] && hard=100000000
	max=$(((hard - 1024) / 4))
	daemon_start off
	for n in "${SESSIONS[@]}"; do
		if [ "$n" -gt "$max" ] && ! has_cap_sys_resource; then
			jq -nc --argjson n "$n" --arg r "the open files limit ($hard, hard) allows about $max userspace sessions (4 sockets each) and this process may not raise it (no CAP_SYS_RESOURCE): run as real root or raise LimitNOFILE" \
				'{mode: "userspace", sessions: $n, reason: $r}' >>"$T/skipped.jsonl"
			say "userspace $n sessions: not measured (open files limit $hard)"
			continue
		fi
		ctl_add userspace "$n" userspace
		flows_first "$n" userspace
		# Light first: a full-load run leaves the sockets' receive queues
		# full (up to 1 MiB each), and what drains from them afterwards
		# would count as the next run's traffic.
		for ((r = 1; r <= ROUNDS; r++)); do
			measure userspace "$n" "$r" light --account "napi=$NAPI_R0,$NAPI_R1" \
				--account "daemon=$DAEMON_PID"
		done
		measure userspace "$n" 1 full --account "napi=$NAPI_R0,$NAPI_R1" \
			--account "daemon=$DAEMON_PID"
	done
	ctl_del_all userspace
	daemon_stop
}

# The kernel's own forwarding: ip_forward and one nft DNAT rule looking up
# (leg address, port) -> (sbc peer, port) in a map: the xdp phase's sessions.
phase_kernel() {
	local n have=0
	inr nft -f - <<-EOF || die "cannot create the nft DNAT table"
		table ip rtpebench {
			map legs { type ipv4_addr . inet_service : ipv4_addr . inet_service; size $((MAXN + 16)); }
			chain pre { type nat hook prerouting priority dstnat; policy accept;
				ip protocol udp dnat ip to ip daddr . udp dport map @legs; }
		}
	EOF
	for n in "${SESSIONS[@]}"; do
		awk -v from="$have" -v to="$n" 'NR > from && NR <= to {
			split($2, l, ":"); split($5, p, ":");
			e = e (e == "" ? "" : ", ") l[1] " . " l[2] " : " p[1] " . " p[2];
			if (++k % 5000 == 0) { print "add element ip rtpebench legs { " e " }"; e = "" } }
			END { if (e != "") print "add element ip rtpebench legs { " e " }" }' \
			"$T/flows.xdp" | inr nft -f - || die "cannot fill the nft DNAT map"
		have=$n
		flows_first "$n" xdp
		measure kernel "$n" 1 full --account "napi=$NAPI_R0,$NAPI_R1"
	done
	inr nft delete table ip rtpebench
}

# SIP calls per second with media anchoring, rtpedged against Kamailio +
# rtpengine: scripts/bench-sip.sh, on a bed of its own (prefix PREFIXsip-,
# so this bed's NAPI threads and sink play no part), into $T/sip.json.
phase_sip() {
	local why="" relays=${RTPE_BENCH_SIP_RELAYS:-}
	command -v sipp >/dev/null || why="sipp is missing (scripts/install-deps.sh)"
	if [ -z "$why" ] && [ "$SMOKE" != 1 ] && [ -z "$relays" ] &&
		! { command -v kamailio && command -v rtpengine; } >/dev/null; then
		relays=rtpedge
		say "sip: kamailio or rtpengine missing (scripts/install-deps.sh): rtpedged only"
	fi
	if [ -n "$why" ]; then
		jq -n --arg r "$why" '{reason: $r}' >"$T/sip.json"
		return 0
	fi
	RTPE_NS_PREFIX=${RTPE_NS_PREFIX}sip- RTPE_BENCH_OUT=$T RTPE_BENCH_SIP_RELAYS=$relays \
		RTPE_BUILD=${RTPE_BUILD:-build} timeout -k 10 900 "$ROOT/scripts/bench-sip.sh" ||
		die "the sip phase failed (scripts/bench-sip.sh)"
	# kept beside results.json: why a step failed (sipp's errors)
	cp "$T"/sip-*-* "$OUT/" 2>/dev/null
	return 0
}

phase_nsperpkt() {
	inr "$GEN" nsperpkt --dev r0 --out-dev r1 --src 198.18.1.2 --dst 198.18.2.2 \
		--smac 02:00:00:00:02:01 --dmac 02:00:00:00:02:02 --legs 10000 --repeat "$REPEAT" \
		--rounds 5 --cpu "$RELAY_CPU" >"$T/nsperpkt.json" || die "BPF_PROG_TEST_RUN timing failed"
}

# The summary per (path, sessions) and the targets, from every run.
read -r -d '' SUMMARY_JQ <<'JQ'
# the median of the values that are there (an SRTP set's runs have no latency)
def med: map(select(. != null)) | sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def per_pkt(f): map(select(.delivered > 0) | (f) / .delivered) | med;
def ratio(a; b): if a == null or b == null or b == 0 then null else a / b end;
def judge(ok): if $smoke then "not judged (smoke run)" elif ok == null then "not judged"
	elif ok then "met" else "missed" end;
def allok(v; f): [v[] | select(.ratio != null)] as $m
	| if ($m | length) == 0 then null else all($m[]; .ratio | f) end;
def partial(v; s): if s == "met" and any(v[]; .ratio == null) then "met where measured" else s end;
def run_ns: if .delivered > 0 then (.cpu.napi.run_ns + (.cpu.daemon.run_ns // 0)) / .delivered else null end;
# xdp over ceiling in each round (the two runs of a round are back to back):
# how far the judged ratio of medians moves with the host's noise.
def round_ratios($runs; $n): [$runs[] | select(.sessions == $n and .load == "full")] as $r
	| [$r[] | select(.mode == "ceiling") as $c
	   | ($r[] | select(.mode == "xdp" and .round == $c.round)) as $x
	   | ratio($x | run_ns; $c | run_ns) | select(. != null) | . * 1000 | round / 1000];
. as $all
| ($all.runs | group_by([.mode, .sessions, .load]) | map({
	mode: .[0].mode, sessions: .[0].sessions, load: .[0].load, rate_target: .[0].rate_target,
	rounds: length,
	offered_pps: (map(.offered_pps) | med), delivered_pps: (map(.delivered_pps) | med),
	sent: (map(.sent) | add), lost: (map(.lost) | add), lost_best_round: (map(.lost) | min),
	loss_ratio: ((map(.lost) | add) / ([map(.sent) | add, 1] | max)),
	relay_ns_per_pkt: per_pkt(.cpu.napi.run_ns + (.cpu.daemon.run_ns // 0)),
	softirq_ns_per_pkt: per_pkt(.cpu.napi.run_ns),
	daemon_ns_per_pkt: per_pkt(.cpu.daemon.run_ns // 0),
	relay_waited_ms: (map(.cpu.napi.wait_ns) | add / 1e6),
	lat_p50_us: (map(.lat_p50_us) | med), lat_p99_us: (map(.lat_p99_us) | med),
	drops: {relay_in: (map(.drops.relay_in) | add), to_sink: (map(.drops.to_sink) | add),
		udp_rcvbuf: (map(.drops.udp_rcvbuf) | add)}})
	| map(. + {g711_calls_per_core: (if .relay_ns_per_pkt > 0
		then (1e9 / (.relay_ns_per_pkt * 200) | floor) else null end)})) as $sum
| def row($m; $n; $l): first($sum[] | select(.mode == $m and .sessions == $n and .load == $l)) // null;
  ($sum | map(.sessions) | unique) as $ns
| ([$ns[] as $n | {sessions: $n, ratio: ratio(row("xdp"; $n; "full").relay_ns_per_pkt;
	row("ceiling"; $n; "full").relay_ns_per_pkt), round_ratios: round_ratios($all.runs; $n)}]) as $t1
| ([$ns[] as $n | {sessions: $n, ratio: ratio(row("xdp"; $n; "light").relay_ns_per_pkt;
	row("userspace"; $n; "light").relay_ns_per_pkt), full_load_ratio:
	ratio(row("xdp"; $n; "full").relay_ns_per_pkt; row("userspace"; $n; "full").relay_ns_per_pkt)}]) as $t5
| row("ceiling"; 10000; "full") as $c10k | row("xdp"; 10000; "full") as $x10k
| ratio(row("xdp"; $ns[-1]; "full").relay_ns_per_pkt; row("xdp"; $ns[0]; "full").relay_ns_per_pkt) as $t4
| ([$all.ctl[] | select(.op == "add" and .mode == "xdp")] | max_by(.sessions)) as $add
| ([$all.ctl[] | select(.op == "del" and .mode == "xdp")] | first) as $del
| $all.nsperpkt.ratio as $ns_ratio
| ($all.sip.best.rtpedge // null) as $sr | ($all.sip.best.kamailio // null) as $sk
| $all + {summary: $sum, targets: [
	{target: "xdp relay CPU per packet <= 1.15 x the ceiling's (every session count)",
	 values: $t1, status: judge(allok($t1; . <= 1.15))},
	{target: "xdp: zero loss at 1,000,000 packets/s over 10,000 sessions when the ceiling has none (best of the rounds)",
	 values: {rate: $rate, ceiling_lost_best_round: $c10k.lost_best_round,
		xdp_lost_best_round: $x10k.lost_best_round, ceiling_lost: $c10k.lost, xdp_lost: $x10k.lost},
	 status: judge(if $c10k == null or $x10k == null or $rate < 1000000 or $c10k.lost_best_round > 0
		then null else $x10k.lost_best_round == 0 end)},
	{target: "rtpedge_xdp ns per packet <= 1.3 x ceiling_xdp's (BPF_PROG_TEST_RUN)",
	 values: {ratio: $ns_ratio}, status: judge(if $ns_ratio == null then null else $ns_ratio <= 1.3 end)},
	{target: "xdp relay CPU per packet rises <= 10% from the fewest to the most sessions",
	 values: {from: $ns[0], to: $ns[-1], ratio: $t4},
	 status: judge(if $t4 == null or ($ns | length) < 2 then null else $t4 <= 1.10 end)},
	{target: "xdp relay CPU per packet <= 1/10 of the userspace path's (light load, neither saturated; every session count measured)",
	 values: $t5, status: partial($t5; judge(allok($t5; . <= 0.1)))},
	{target: "session.add and session.del >= 20,000 sessions/s over the control socket",
	 values: {add_per_s: $add.per_s, add_batch: $add.sessions, del_per_s: $del.per_s},
	 status: judge(if $add == null or $del == null then null
		else $add.per_s >= 20000 and $del.per_s >= 20000 end)},
	{target: "SIP: >= 300 calls/s with media anchoring and 0 failed calls (rtpedged)",
	 values: {calls_per_s: $sr.calls_per_s, sipp_limited: $sr.generator_limited},
	 status: judge(if $sr == null then null else $sr.calls_per_s >= 300 end)},
	{target: "SIP: more calls/s than Kamailio 5.6 + rtpengine 10.5 (userspace) on the same bed",
	 values: {rtpedge: $sr.calls_per_s, kamailio: $sk.calls_per_s,
		ratio: ratio($sr.calls_per_s; $sk.calls_per_s),
		relay_cpu_per_call_ratio: ratio($sr.relay_cpu_ms_per_call; $sk.relay_cpu_ms_per_call),
		both_sipp_limited: ($sr.generator_limited == true and $sk.generator_limited == true)},
	 status: judge(if $sr == null or $sk == null then null
		elif $sr.calls_per_s > $sk.calls_per_s then true
		elif $sr.generator_limited == true and $sk.generator_limited == true then null
		else false end)}]}
JQ

read -r -d '' TABLE_JQ <<'JQ'
def f(n): if . == null then "-" else (. * pow(10; n) | round) / pow(10; n) | tostring end;
def pad(w): tostring | if length >= w then . else (" " * (w - length)) + . end;
def lpad(w): tostring | if length >= w then . else . + (" " * (w - length)) end;
"packets of the sessions in \(.meta.order // "sequential") order (RTPE_BENCH_ORDER)",
"path          load  sessions   offered/s delivered/s    loss   relay ns/pkt (softirq + daemon)   p50 us   p99 us   G.711 calls/core",
(.summary | sort_by([.load, (.mode as $m | ["ceiling", "xdp", "userspace", "kernel", "srtp-enc",
	"rtpengine-enc", "srtp-dec", "rtpengine-dec", "srtp-both", "rtpengine-both"] | index($m)), .sessions])[]
 | "\(.mode | lpad(14))\(.load | lpad(6))\(.sessions | pad(8))\(.offered_pps | f(0) | pad(12))\(.delivered_pps | f(0) | pad(12))\(.loss_ratio * 100 | f(3) | pad(7))%   \(.relay_ns_per_pkt | f(0) | pad(6)) (\(.softirq_ns_per_pkt | f(0)) + \(.daemon_ns_per_pkt | f(0)))\(" " * 14)\(.lat_p50_us | f(1) | pad(7))  \(.lat_p99_us | f(1) | pad(7))  \(.g711_calls_per_core | f(0) | pad(12))"),
(.skipped[] | "\(.mode | lpad(14))\(.load // "full" | lpad(6))\(.sessions | pad(8))  not measured: \(.reason)"),
(.srtp | if .measured then "srtp (\(.suite)): rtpedged on AF_XDP: \(.afxdp // "no") (\(.afxdp_sockets // 0) sockets); libsrtp2 on \(.crypto // "nss") crypto, on the relay CPU (srtpcost, start and end of the phase): protect \(.protect_ns | f(0)) ns, unprotect \(.unprotect_ns | f(0)) ns, both \(.both_ns | f(0)) ns a packet; as Debian builds it (NSS): both \(.stock.both_ns | f(0)) ns; rtpengine: \(.rtpengine), \(.rtpengine_mode)",
 (.vs_floor[] | "  \(.mode | lpad(9)) \(.load | lpad(6)) \(.sessions | pad(7)): relay \(.relay_ns_per_pkt | f(0)) ns/pkt = \(.ratio | f(2)) x protect+unprotect on its crypto, \(.ratio_stock | f(2)) x on Debian's libsrtp2; the crypto it does: \(.ratio_ops | f(2)) x on one context (\(.floor_ops_ns | f(0)) ns), \(.ratio_ops_same_sessions | f(2)) x round robin over \(.sessions) (\(.floor_ops_ns_same_sessions | f(0)) ns); beyond it \(.beyond_crypto_ns | f(0)) ns (the xdp path, no crypto: \(.xdp_ns | f(0)) ns)"),
 (.vs_rtpengine[] | "  \(.mode | lpad(9)) \(.load | lpad(6)) \(.sessions | pad(7)): packets per relay core rtpedge \(.rtpedge_pkts_per_core // "-"), rtpengine \(.rtpengine_pkts_per_core // "-"): \(.ratio | f(2)) x\(if .rtpengine_gave_up then " (rtpengine stopped reading: not compared)" else "" end)"),
 (.gave_up // [] | if length > 0 then "  rtpengine stopped reading sockets (more than 50 datagrams queued, 5 times) in: \(join(", "))" else empty end)
 else "srtp          not measured (not in RTPE_BENCH_PHASES)" end),
"BPF_PROG_TEST_RUN (repeat \(.nsperpkt.repeat), \(.nsperpkt.legs) legs): rtpedge_xdp \(.nsperpkt.rtpedge.ns_median | f(1)) ns, ceiling_xdp \(.nsperpkt.ceiling.ns_median | f(1)) ns per packet: ratio \(.nsperpkt.ratio | f(2)) (rtpedge_xdp \(.nsperpkt.rtpedge_plain_ns // 0 | f(1)) ns without the clock read, \(.nsperpkt.rtpedge_clock_ns // 0 | f(1)) with it, for \((.nsperpkt.clock_share // 0) * 100 | f(1))% of a stream); verifier: rtpedge \(.nsperpkt.rtpedge.verified_insns) insns (\(.nsperpkt.rtpedge.xlated_insns) xlated), ceiling \(.nsperpkt.ceiling.verified_insns) (\(.nsperpkt.ceiling.xlated_insns))",
"control socket: " + ([.ctl[] | "\(.mode) \(.op) \(.sessions): \(.per_s)/s"] | join(", ")),
(.sip // {} | if .reason then "sip        not measured: \(.reason)" elif .best == null then empty else
 "sip calls/s with media anchoring, 0 failed (\(.calls_per_step) calls a step, \(.hold_ms) ms, \(.rtp_packets_each_way) RTP each way; load \(.load_before)):",
 (.best | to_entries[] | "  \(.key | lpad(9)) \(.value.calls_per_s | f(0) | pad(6)) calls/s (asked \(.value.asked_per_s // "-")\(if .value.generator_limited then ", sipp's limit" else "" end)), relay CPU \(.value.relay_cpu_ms_per_call | f(3)) ms a call, \(.value.relay_cpu_share // 0 | . * 100 | f(1))% of a CPU, \(.value.calls_per_relay_cpu_s | f(0)) calls per relay CPU second"),
 (if .best.kamailio then "  kamailio: \(.kamailio); rtpengine \(.rtpengine), \(.rtpengine_mode)" else empty end) end),
"targets (ratios from this run):",
(.targets[] | "  \(.status | ascii_upcase | lpad(10)) \(.target): \(.values | tojson)")
JQ

report() {
	local rc=0
	jq -s '.' "$RUNS" >"$T/runs.json"
	jq -s '.' "$T/ctl.jsonl" >"$T/ctl.json"
	jq -s '.' "$T/skipped.jsonl" >"$T/skipped.json"
	jq -n --slurpfile runs "$T/runs.json" --slurpfile ctl "$T/ctl.json" \
		--slurpfile ns "$T/nsperpkt.json" --slurpfile srtp "$T/srtp.json" \
		--slurpfile skipped "$T/skipped.json" --slurpfile sip "$T/sip.json" \
		--argjson rate "$RATE" --argjson smoke "$([ "$SMOKE" = 1 ] && echo true || echo false)" \
		--arg kernel "$(uname -r)" --arg when "$(date -u +%FT%TZ)" --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)" \
		'{meta: {when: $when, kernel: $kernel, cpu: $cpu, cpus: '"$(nproc)"', rate: $rate,
		  seconds: '"$SECS"', rounds: '"$ROUNDS"', smoke: $smoke, gen_cpu: '"$GEN_CPU"',
		  relay_cpu: '"$RELAY_CPU"', order: "'"$ORDER"'"}, runs: $runs[0], ctl: $ctl[0], nsperpkt: $ns[0],
		  srtp: $srtp[0], skipped: $skipped[0], sip: $sip[0]}' |
		jq --argjson rate "$RATE" --argjson smoke "$([ "$SMOKE" = 1 ] && echo true || echo false)" \
			"$SUMMARY_JQ" | jq "$SRTP_JQ" >"$OUT/results.json" || die "cannot summarise the runs"
	jq -r "$TABLE_JQ" "$OUT/results.json"
	"$ROOT/scripts/bench-plot.sh" "$OUT/results.json" "$OUT" || say "plotting failed (gnuplot)"
	jq -e '[.targets[].status] | all(. != "missed")' "$OUT/results.json" >/dev/null || rc=1
	echo "results: $OUT/results.json, plots: $OUT/*.png"
	return "$rc"
}

main() {
	preflight
	say "bed ${RTPE_NS_PREFIX}*: ${SESSIONS[*]} sessions, $RATE packets/s, $SECS s per run," \
		"$ROUNDS rounds; generator and sink on CPU $GEN_CPU, relay on CPU $RELAY_CPU"
	bed_setup
	napi_setup
	for p in $PHASES; do
		case $p in
		nsperpkt | xdp | userspace | kernel | srtp | sip) "phase_$p" ;;
		*) die "unknown phase $p (RTPE_BENCH_PHASES: nsperpkt xdp userspace kernel srtp sip)" ;;
		esac
	done
	report
}

main
