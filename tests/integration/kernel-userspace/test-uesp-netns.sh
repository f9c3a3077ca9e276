#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Two userspace ESP backends (uesp-peer) in two network namespaces joined by
# a veth pair (192.0.2.1/24 <-> 192.0.2.2/24), inner addresses 198.51.100.1
# and 198.51.100.2 on lo.  For every algorithm: ping both ways through the
# tunnel (ESP-in-UDP/4500, and raw ESP once), check the SA counters moved,
# then inject a replayed and a bad-ICV packet and check both were dropped
# and counted.  Needs root, /dev/net/tun and `ip netns`; exits 77 otherwise.
set -u

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v ping >/dev/null || skip "ping (iputils-ping) is missing"
: "${UESP_PEER:?}" "${ESP_INJECT:?}"

NA="ikb-uesp-a-$$"
NB="ikb-uesp-b-$$"
VA="vua$$"
VB="vub$$"
TMP=$(mktemp -d)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NA" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$NB" || exit 1
ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB" || exit 1
ip -n "$NA" addr add 192.0.2.1/24 dev "$VA"
ip -n "$NB" addr add 192.0.2.2/24 dev "$VB"
ip -n "$NA" addr add 198.51.100.1/32 dev lo
ip -n "$NB" addr add 198.51.100.2/32 dev lo
for n in "$NA" "$NB"; do ip -n "$n" link set lo up; done
ip -n "$NA" link set "$VA" up
ip -n "$NB" link set "$VB" up

# Same keys in both directions, set by the test; each peer takes what its
# algorithm needs from the front.
EKEY=$(printf '%s' "ikebus-uesp-encr" | sha512sum | cut -c1-128)
IKEY=$(printf '%s' "ikebus-uesp-integ" | sha512sum | cut -c1-128)

FAIL=0
fail() { echo "FAIL: $*"; FAIL=1; }

# field FILE LINE-PREFIX NAME -> value
field() { grep "^$2" "$1" | tr ' ' '\n' | sed -n "s/^$3=//p" | head -1; }

stats() { # ns pid file
	rm -f "$3"
	kill -USR1 "$2"
	for _ in $(seq 50); do [ -s "$3" ] && return 0; sleep 0.05; done
	return 1
}


run_case() { # name args...
	local name=$1
	shift
	local sa="$TMP/a.stats" sb="$TMP/b.stats" pa pb
	rm -f "$sa" "$sb"
	L=192.0.2.1 R=192.0.2.2 LTS=198.51.100.1/32 RTS=198.51.100.2/32 SO=c0a80001 SI=c0a80002
	ip netns exec "$NA" "$UESP_PEER" --local $L --remote $R --local-ts $LTS --remote-ts $RTS \
		--spi-out $SO --spi-in $SI --stats "$sa" --ekey "$EKEY" --ikey "$IKEY" "$@" \
		2>>"$TMP/peer.log" &
	pa=$!
	ip netns exec "$NB" "$UESP_PEER" --local $R --remote $L --local-ts $RTS --remote-ts $LTS \
		--spi-out $SI --spi-in $SO --stats "$sb" --ekey "$EKEY" --ikey "$IKEY" "$@" \
		2>>"$TMP/peer.log" &
	pb=$!
	PIDS=("$pa" "$pb")
	for _ in $(seq 100); do [ -s "$sa" ] && [ -s "$sb" ] && break; sleep 0.05; done
	if ! [ -s "$sa" ] || ! [ -s "$sb" ]; then
		fail "$name: peers did not start"; cat "$TMP/peer.log"; return
	fi

	if ! ip netns exec "$NA" ping -c 3 -i 0.2 -W 2 198.51.100.2 -I 198.51.100.1 >"$TMP/ping" 2>&1; then
		fail "$name: ping A->B"; cat "$TMP/ping"
	fi
	if ! ip netns exec "$NB" ping -c 3 -i 0.2 -W 2 198.51.100.1 -I 198.51.100.2 >"$TMP/ping" 2>&1; then
		fail "$name: ping B->A"; cat "$TMP/ping"
	fi

	# Replay and bad ICV, UDP only: capture one packet B->A on A's veth.
	local injected=0
	if [[ " $* " != *" --raw "* ]]; then
		ip netns exec "$NA" "$ESP_INJECT" "$VA" 192.0.2.2 4500 5 >"$TMP/inject" 2>&1 &
		local ip=$!
		sleep 0.2
		ip netns exec "$NB" ping -c 2 -i 0.2 -W 2 198.51.100.1 -I 198.51.100.2 >/dev/null 2>&1
		if wait $ip; then injected=1; else fail "$name: injection"; cat "$TMP/inject"; fi
		sleep 0.2
	fi

	stats "$NA" "$pa" "$sa" || fail "$name: no stats from A"
	stats "$NB" "$pb" "$sb" || fail "$name: no stats from B"
	local ao ai bo bi
	ao=$(field "$sa" "sa out" packets); ai=$(field "$sa" "sa in" packets)
	bo=$(field "$sb" "sa out" packets); bi=$(field "$sb" "sa in" packets)
	[ "${ao:-0}" -ge 6 ] && [ "${ai:-0}" -ge 6 ] && [ "${bo:-0}" -ge 6 ] && [ "${bi:-0}" -ge 6 ] ||
		fail "$name: counters did not move (A out=$ao in=$ai, B out=$bo in=$bi)"
	if [ $injected = 1 ]; then
		local rp bi2 grp
		rp=$(field "$sa" "sa in" replay); bi2=$(field "$sa" "sa in" bad-icv)
		grp=$(field "$sa" "global" replay)
		[ "${rp:-0}" = 1 ] && [ "${grp:-0}" = 1 ] || fail "$name: replay not counted (sa=$rp global=$grp)"
		[ "${bi2:-0}" = 1 ] || fail "$name: bad ICV not counted ($bi2)"
	fi
	echo "ok: $name (A out=$ao in=$ai, B out=$bo in=$bi$([ $injected = 1 ] && echo ", replay=$rp bad-icv=$bi2"))"

	kill "$pa" "$pb"
	wait "$pa" "$pb"
	PIDS=()
	# The backend removed its routes and rule at exit.
	if ip -n "$NA" route show table 220 2>/dev/null | grep -q 198.51.100; then
		fail "$name: routes left behind"
	fi
}

run_case aes-gcm-16-128 --encr ENCR_AES_GCM_16 --bits 128
run_case aes-gcm-16-256 --encr ENCR_AES_GCM_16 --bits 256
run_case aes-gcm-12-128 --encr ENCR_AES_GCM_12 --bits 128
run_case aes-gcm-8-128 --encr ENCR_AES_GCM_8 --bits 128
run_case chacha20-poly1305 --encr ENCR_CHACHA20_POLY1305 --bits 256
run_case aes-cbc-128-sha2-256 --encr ENCR_AES_CBC --bits 128 --integ AUTH_HMAC_SHA2_256_128
run_case aes-cbc-256-sha2-384 --encr ENCR_AES_CBC --bits 256 --integ AUTH_HMAC_SHA2_384_192
run_case aes-cbc-256-sha2-512 --encr ENCR_AES_CBC --bits 256 --integ AUTH_HMAC_SHA2_512_256
run_case aes-cbc-128-sha1 --encr ENCR_AES_CBC --bits 128 --integ AUTH_HMAC_SHA1_96
run_case aes-gcm-16-128-esn --encr ENCR_AES_GCM_16 --bits 128 --esn
run_case aes-gcm-16-128-raw-esp --encr ENCR_AES_GCM_16 --bits 128 --raw

if [ $FAIL != 0 ]; then
	echo "--- peer log"; tail -50 "$TMP/peer.log"
	exit 1
fi
exit 0
