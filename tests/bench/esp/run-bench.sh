#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Userspace ESP throughput between two network namespaces (root).  For each
# algorithm: two uesp-peer processes, udp-blast sends SIZE-octet datagrams
# from 198.51.100.1 to 198.51.100.2 for SECONDS, and the sink reports what
# came through (MB/s of inner UDP payload, packets/s).
#   tests/bench/esp/run-bench.sh BUILD-DIR [SECONDS] [SIZE]
set -u
B=${1:?usage: run-bench.sh BUILD-DIR [SECONDS] [SIZE]}
SECS=${2:-5}
SIZE=${3:-1400}
PEER=$B/tests/unit/kernel/uesp-peer
BLAST=$B/tests/unit/kernel/udp-blast
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -x "$PEER" ] && [ -x "$BLAST" ] || { echo "build $PEER and $BLAST first"; exit 1; }

NA="ikb-bench-a-$$"; NB="ikb-bench-b-$$"; VA="vba$$"; VB="vbb$$"
TMP=$(mktemp -d)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null; wait 2>/dev/null
	ip netns del "$NA" 2>/dev/null; ip netns del "$NB" 2>/dev/null; rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NA"; ip netns add "$NB"
ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB"
ip -n "$NA" addr add 192.0.2.1/24 dev "$VA"; ip -n "$NB" addr add 192.0.2.2/24 dev "$VB"
ip -n "$NA" addr add 198.51.100.1/32 dev lo; ip -n "$NB" addr add 198.51.100.2/32 dev lo
for n in "$NA" "$NB"; do ip -n "$n" link set lo up; done
ip -n "$NA" link set "$VA" up; ip -n "$NB" link set "$VB" up
EKEY=$(printf bench | sha512sum | cut -c1-128); IKEY=$EKEY

bench() { # name args...
	local name=$1; shift
	local common=(--ekey "$EKEY" --ikey "$IKEY" "$@")
	ip netns exec "$NA" "$PEER" --local 192.0.2.1 --remote 192.0.2.2 --local-ts 198.51.100.1/32 \
		--remote-ts 198.51.100.2/32 --spi-out c0000001 --spi-in c0000002 --stats "$TMP/a" "${common[@]}" 2>/dev/null &
	local pa=$!
	ip netns exec "$NB" "$PEER" --local 192.0.2.2 --remote 192.0.2.1 --local-ts 198.51.100.2/32 \
		--remote-ts 198.51.100.1/32 --spi-out c0000002 --spi-in c0000001 --stats "$TMP/b" "${common[@]}" 2>/dev/null &
	local pb=$!
	while ! [ -s "$TMP/a" ] || ! [ -s "$TMP/b" ]; do sleep 0.05; done
	ip netns exec "$NB" "$BLAST" recv 9000 $((SECS + 2)) >"$TMP/recv" &
	local pr=$!
	sleep 0.3
	local sent
	sent=$(ip netns exec "$NA" "$BLAST" send 198.51.100.1 198.51.100.2 9000 "$SECS" "$SIZE")
	wait $pr
	printf '%-22s %s | %s\n' "$name" "$(tail -1 "$TMP/recv" | sed 's/^received //')" "$sent"
	kill $pa $pb; wait $pa $pb 2>/dev/null
	rm -f "$TMP/a" "$TMP/b"
}

echo "userspace ESP-in-UDP, ${SIZE}-octet UDP payloads, ${SECS}s per algorithm (nproc=$(nproc))"
bench AES-GCM-16-128 --encr ENCR_AES_GCM_16 --bits 128
bench ChaCha20-Poly1305 --encr ENCR_CHACHA20_POLY1305 --bits 256
bench AES-CBC-128/SHA2-256 --encr ENCR_AES_CBC --bits 128 --integ AUTH_HMAC_SHA2_256_128
