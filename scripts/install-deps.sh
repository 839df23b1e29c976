#!/usr/bin/env bash
# Installs every Debian 12 package that rtpedge's build, tests, demo and
# benchmarks need. Idempotent and non-interactive: packages already present
# are skipped, so a second run does nothing and needs no network.
set -euo pipefail

PKGS=(
	# build: C and BPF toolchains, libbpf + skeleton generator
	make gcc clang llvm pkg-config libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev
	# daemon libraries
	libinih-dev libjson-c-dev libmicrohttpd-dev libmnl-dev libnftnl-dev
	libsrtp2-dev libsofia-sip-ua-dev libsystemd-dev
	# test bed, tests and benchmarks
	iproute2 ethtool nftables xdp-tools tshark sip-tester procps
	libclang-rt-14-dev gnuplot-nox python3 jq curl bc util-linux
	# test_sip_failover: the SRV and A records of a region's hostname
	dnsmasq-base
	# the SRTP known-answer tests: an independent AES and HMAC (libcrypto)
	libssl-dev
	# the TLS test's CA and certificates (tests/e2e/test_sip_tls.sh)
	openssl
	# the SIP benchmark's reference pair (scripts/bench-sip.sh)
	kamailio rtpengine-daemon
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
