#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs one xfrm-driver case in a fresh network namespace:
#
#   ns  (test):  v0 192.0.2.1/24, route 198.51.100.0/24 via 192.0.2.2
#   ns-peer:     v1 192.0.2.2/24
#
# Usage: test-xfrm-netns.sh CASE   (XFRM_DRIVER set by meson)
# Exit: 0 pass, 1 fail, 77 skip (reason on stderr).
set -u

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

case_name=${1:?usage: $0 CASE}
[ -n "${XFRM_DRIVER:-}" ] || fail "XFRM_DRIVER is not set (run through meson test)"
[ "$(id -u)" = 0 ] || skip "xfrm tests need root (network namespaces, CAP_NET_ADMIN)"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v ping >/dev/null || skip "ping is not installed"

ns="ikebus-xfrm-$case_name-$$"
peer="$ns-peer"
cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip netns del "$peer" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace"
ip netns add "$peer" || fail "cannot create the peer namespace"
ip -n "$ns" link add v0 type veth peer name v1 netns "$peer" 2>/dev/null ||
	skip "this kernel has no veth"
ip -n "$ns" link set lo up
ip -n "$peer" link set lo up
ip -n "$ns" addr add 192.0.2.1/24 dev v0
ip -n "$peer" addr add 192.0.2.2/24 dev v1
ip -n "$ns" link set v0 up
ip -n "$peer" link set v1 up
ip -n "$ns" route add 198.51.100.0/24 via 192.0.2.2
ip netns exec "$ns" ip xfrm policy list >/dev/null 2>&1 ||
	skip "this kernel has no XFRM (CONFIG_XFRM_USER)"

args=()
if [ "$case_name" = probe ]; then
	# Ask the kernel independently of the backend: can iproute2 add an ESP
	# SA (cbc(aes) + hmac(sha256) are in every crypto API that has ESP)?
	if out=$(ip netns exec "$ns" ip xfrm state add src 192.0.2.1 dst 192.0.2.2 \
		proto esp spi 0x2000 mode tunnel \
		enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
		auth-trunc 'hmac(sha256)' \
		0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128 2>&1); then
		ip netns exec "$ns" ip xfrm state flush
		args=(esp)
	elif grep -q 'Requested type not found' <<<"$out"; then
		args=(no-esp)
	elif grep -qi 'algorithm not found' <<<"$out" && ! grep -q 'cbc(aes)' /proc/crypto; then
		skip "no cbc(aes) in /proc/crypto; cannot tell independently whether ESP is there"
	else
		fail "unexpected answer from ip xfrm state add: $out"
	fi
	echo "iproute2 says: ${args[0]}"
fi

if [ "$case_name" = ipcomp-sa ]; then
	# Can iproute2 add an IPCOMP SA (deflate)?
	if out=$(ip netns exec "$ns" ip xfrm state add src 192.0.2.1 dst 192.0.2.2 \
		proto comp spi 0x4000 mode transport comp deflate 2>&1); then
		ip netns exec "$ns" ip xfrm state flush
		args=(ipcomp)
	elif grep -qi 'Requested type not found\|algorithm not found' <<<"$out"; then
		args=(no-ipcomp)
	else
		fail "unexpected answer from ip xfrm state add proto comp: $out"
	fi
	echo "iproute2 says: ${args[0]}"
fi
if [ "$case_name" = iface ]; then
	# Can iproute2 make an XFRM interface?
	if out=$(ip netns exec "$ns" ip link add ipsec99 type xfrm if_id 99 2>&1); then
		ip netns exec "$ns" ip link del ipsec99
		args=(xfrmi)
	elif grep -q 'Unknown device type' <<<"$out"; then
		args=(no-xfrmi)
	else
		fail "unexpected answer from ip link add type xfrm: $out"
	fi
	echo "iproute2 says: ${args[0]}"
fi

ip netns exec "$ns" "$XFRM_DRIVER" "$case_name" "${args[@]}"
