#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# netns.sh - the rtpedge test bed: three hosts and a relay as network
# namespaces joined by veth pairs, plus a bpffs for the tests' pins.
#
#   rtpe-carrier   c0 198.18.1.2/24 <-> r0 198.18.1.1/24  rtpe-relay
#   rtpe-sbc       s0 198.18.2.2/24 <-> r1 198.18.2.1/24  rtpe-relay
#   rtpe-attacker  a0 198.18.3.2/24 <-> r2 198.18.3.1/24  rtpe-relay
#
# 198.18.0.0/15 is the RFC 2544 benchmarking range: these addresses exist
# only inside the namespaces. Every link has fixed MACs and permanent
# neighbour entries both ways, so the XDP program never meets an unresolved
# next hop; the hosts' veths have transmit checksum offload off (an XDP
# rewrite needs full checksums) and GRO on (an XDP_REDIRECT into a veth is
# only delivered when the peer has XDP or GRO).
#
# Usage: netns.sh up|down|status|env
#   up      (re)builds the bed: an existing one is torn down first
#   down    removes everything; never fails when nothing is there
#   status  the namespaces, their addresses, routes and the bpffs
#   env     shell assignments of the names (for `eval` in test scripts)
# Env: RTPE_NS_PREFIX (default "rtpe-") names the namespaces, so beds can
# run side by side; RTPE_BPFFS overrides the bpffs mount point.
set -euo pipefail

P=${RTPE_NS_PREFIX:-rtpe-}
NS_CARRIER=${P}carrier
NS_SBC=${P}sbc
NS_ATTACKER=${P}attacker
NS_RELAY=${P}relay
if [ "$P" = "rtpe-" ]; then
	BPFFS=${RTPE_BPFFS:-/run/rtpedge-test/bpf}
else
	BPFFS=${RTPE_BPFFS:-/run/rtpedge-test/${P}bpf}
fi
LOCK=/run/rtpedge-test/.${P}lock

# One row per link: host namespace, host device, host address, host MAC,
# relay device, relay address, relay MAC.
LINKS=(
	"$NS_CARRIER c0 198.18.1.2 02:00:00:00:01:02 r0 198.18.1.1 02:00:00:00:01:01"
	"$NS_SBC s0 198.18.2.2 02:00:00:00:02:02 r1 198.18.2.1 02:00:00:00:02:01"
	"$NS_ATTACKER a0 198.18.3.2 02:00:00:00:03:02 r2 198.18.3.1 02:00:00:00:03:01"
)

die() {
	echo "netns.sh: $*" >&2
	exit 1
}

ns_exists() {
	[ -e "/run/netns/$1" ]
}

# Runs "$@" in namespace $1, quietly; sysctl and ethtool failures are fatal.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" >/dev/null
}

bpffs_down() {
	if mountpoint -q "$BPFFS"; then
		umount "$BPFFS" || umount -l "$BPFFS"
	fi
	rmdir "$BPFFS" 2>/dev/null || true
}

bed_down() {
	local ns
	for ns in "$NS_CARRIER" "$NS_SBC" "$NS_ATTACKER" "$NS_RELAY"; do
		if ns_exists "$ns"; then
			ip netns del "$ns" || die "cannot delete namespace $ns (a process still in it?)"
		fi
	done
	bpffs_down
}

# A namespace with loopback up and IPv6 off: the bed is IPv4 only, and no
# router solicitations or DAD probes show up in the relay's counters.
ns_new() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	nsx "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0
	nsx "$1" sysctl -qw net.ipv4.conf.default.rp_filter=0
}

# link_up NS HDEV HADDR HMAC RDEV RADDR RMAC
link_up() {
	local ns=$1 hdev=$2 haddr=$3 hmac=$4 rdev=$5 raddr=$6 rmac=$7
	ip link add "$hdev" netns "$ns" address "$hmac" type veth \
		peer name "$rdev" netns "$NS_RELAY" address "$rmac"
	ip -n "$ns" addr add "$haddr/24" dev "$hdev"
	ip -n "$NS_RELAY" addr add "$raddr/24" dev "$rdev"
	ip -n "$ns" link set "$hdev" up
	ip -n "$NS_RELAY" link set "$rdev" up
	ip -n "$ns" route add 198.18.0.0/15 via "$raddr" dev "$hdev"
	ip -n "$ns" neigh replace "$raddr" lladdr "$rmac" dev "$hdev" nud permanent
	ip -n "$NS_RELAY" neigh replace "$haddr" lladdr "$hmac" dev "$rdev" nud permanent
	# bpf_fib_lookup needs forwarding on the ingress device.
	nsx "$NS_RELAY" sysctl -qw "net.ipv4.conf.$rdev.forwarding=1"
	nsx "$NS_RELAY" sysctl -qw "net.ipv4.conf.$rdev.rp_filter=0"
	nsx "$ns" sysctl -qw "net.ipv4.conf.$hdev.rp_filter=0"
	nsx "$ns" ethtool -K "$hdev" tx off gro on
	nsx "$NS_RELAY" ethtool -K "$rdev" gro on tso off
}

bpffs_up() {
	mkdir -p "$BPFFS"
	mountpoint -q "$BPFFS" || mount -t bpf rtpedge-test "$BPFFS"
}

# Waits (bounded: 5 s) until every veth reports carrier: ethtool -K on a
# veth restarts it, and a test sending at once would lose its first packets.
links_wait() {
	local ns dev rdev row down
	for _ in $(seq 50); do
		down=0
		for row in "${LINKS[@]}"; do
			read -r ns dev _ _ rdev _ <<<"$row"
			ip -n "$ns" -o link show "$dev" | grep -q 'LOWER_UP' || down=1
			ip -n "$NS_RELAY" -o link show "$rdev" | grep -q 'LOWER_UP' || down=1
		done
		[ "$down" -eq 0 ] && return 0
		sleep 0.1
	done
	die "links still down after 5 s: see 'ip -n $NS_RELAY link'"
}

bed_up() {
	local ns row
	bed_down
	for ns in "$NS_CARRIER" "$NS_SBC" "$NS_ATTACKER" "$NS_RELAY"; do
		ns_new "$ns"
	done
	nsx "$NS_RELAY" sysctl -qw net.ipv4.conf.all.forwarding=1
	nsx "$NS_RELAY" sysctl -qw net.ipv4.conf.default.forwarding=1
	for row in "${LINKS[@]}"; do
		# shellcheck disable=SC2086 # the row is seven words by design
		link_up $row
	done
	links_wait
	bpffs_up
}

bed_status() {
	local ns
	for ns in "$NS_CARRIER" "$NS_SBC" "$NS_ATTACKER" "$NS_RELAY"; do
		if ! ns_exists "$ns"; then
			echo "$ns: absent"
			continue
		fi
		echo "$ns:"
		ip -n "$ns" -br addr show | sed 's/^/  /'
		ip -n "$ns" route show | sed 's/^/  route /'
	done
	if mountpoint -q "$BPFFS"; then
		echo "bpffs: $BPFFS"
	else
		echo "bpffs: $BPFFS absent"
	fi
}

bed_env() {
	cat <<EOF
RTPE_NS_CARRIER=$NS_CARRIER
RTPE_NS_SBC=$NS_SBC
RTPE_NS_ATTACKER=$NS_ATTACKER
RTPE_NS_RELAY=$NS_RELAY
RTPE_BPFFS=$BPFFS
EOF
}

# Serialises up/down of one bed (a test's trap and the next test's up may
# otherwise interleave); the lock is released when the script exits.
lock_take() {
	mkdir -p "$(dirname "$LOCK")"
	exec 9>"$LOCK"
	flock -w 60 9 || die "another netns.sh has held $LOCK for over 60 s"
}

# A failed `up` removes what it built (set -e ends the script at the
# failing command, then this runs).
up_failed() {
	local rc=$?
	[ "$rc" -eq 0 ] && return
	echo "netns.sh: building the test bed failed (exit $rc); removing what was made" >&2
	bed_down || true
}

[ "$(id -u)" -eq 0 ] || [ "${1:-}" = env ] || die "run as root (it creates namespaces)"

case "${1:-}" in
up)
	lock_take
	trap up_failed EXIT
	bed_up
	trap - EXIT
	;;
down)
	lock_take
	bed_down
	;;
status) bed_status ;;
env) bed_env ;;
*)
	echo "usage: $0 up|down|status|env   (env RTPE_NS_PREFIX=$P)" >&2
	exit 2
	;;
esac
