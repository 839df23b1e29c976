#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-layers.sh - the daemon's layer rule, read from its #include lines
# (docs/ARCHITECTURE.md, "Layers").
#
# Each folder of daemon/ is a layer with a rank; the files directly in
# daemon/ (main, daemon, commands, metrics) are the top. A file may include
# the headers of its own folder and of folders of a lower rank, never one of
# a folder above it or beside it (same rank). Daemon headers are included by
# their folder ("media/session.h"), so every include says which layer it
# uses; a bare name must be a shared header of include/, a generated
# skeleton (only the xdp layer loads programs) or, from the top, a top
# header. Prints PASS or FAIL lines (scripts/run-tests.sh runs it).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

# The order, bottom up. Folders named here before they exist are where
# the SIP proxy, the allowlist and SRTP go.
declare -A RANK=(
	[core]=0
	[ctl]=1 [xdp]=1 [nft]=1 [srtp]=1
	[media]=2
	[state]=3 [sip]=3
	[top]=4
)

failed=0
checked=0

# bad FILE:LINE WHY
bad() {
	echo "FAIL: layers: $1: $2"
	failed=$((failed + 1))
}

layer_of() { # daemon/media/x.c -> media; daemon/x.c -> top
	local rel=${1#daemon/}
	case "$rel" in
	*/*) echo "${rel%%/*}" ;;
	*) echo top ;;
	esac
}

check_file() {
	local f=$1 me rank n inc dir
	me=$(layer_of "$f")
	rank=${RANK[$me]:-}
	if [ -z "$rank" ]; then
		bad "$f" "folder '$me' has no rank in scripts/check-layers.sh"
		return
	fi
	while IFS=: read -r n inc; do
		checked=$((checked + 1))
		inc=${inc#*\"}
		inc=${inc%\"*}
		case "$inc" in
		*/*)
			dir=${inc%%/*}
			if [ -z "${RANK[$dir]:-}" ] || [ ! -e "daemon/$inc" ]; then
				bad "$f:$n" "includes \"$inc\", not a header of a daemon layer"
			elif [ "$dir" != "$me" ] && [ "${RANK[$dir]}" -ge "$rank" ]; then
				bad "$f:$n" "layer $me (rank $rank) includes \"$inc\" of layer $dir (rank ${RANK[$dir]}): a layer uses only the layers below it"
			fi
			;;
		*.skel.h)
			[ "$me" = xdp ] || bad "$f:$n" "only the xdp layer loads BPF programs (\"$inc\")"
			;;
		*)
			if [ -e "include/$inc" ]; then
				:
			elif [ -e "daemon/$inc" ]; then
				[ "$me" = top ] || bad "$f:$n" "layer $me includes the top's \"$inc\""
			else
				bad "$f:$n" "\"$inc\": a daemon header is included by its folder (\"media/session.h\")"
			fi
			;;
		esac
	done < <(grep -n '^#include "' "$f")
}

while IFS= read -r f; do
	check_file "$f"
done < <(find daemon -name '*.[ch]' | sort)

if [ "$checked" -eq 0 ]; then
	echo "FAIL: layers: no #include line found under daemon/"
	exit 1
fi
[ "$failed" -eq 0 ] && echo "PASS: layers: $checked includes in $(find daemon -name '*.[ch]' | wc -l) files keep the layer order"
[ "$failed" -eq 0 ]
