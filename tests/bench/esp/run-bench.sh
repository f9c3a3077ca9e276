#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Userspace ESP throughput between two network namespaces (root), ours
# against strongSwan's kernel-libipsec in the same run.
#
#   tests/bench/esp/run-bench.sh BUILD-DIR [SECONDS] [SIZES] [options]
#     SECONDS        blast duration per case [4]
#     SIZES          UDP payload sizes, comma or space separated ["1300,1400"]
#     --algs LIST    gcm,chacha,cbc [all three]
#     --no-strongswan  ours only
#     --loss         also find the highest offered rate with < 1% loss
#                    (bisection, 6 steps of 2 s per case)
#     --rounds N     repeat each blast N times, alternating ours and
#                    strongSwan, and keep the median [1]
#   UESP_PEER, UDP_BLAST (environment) override the programs, by default
#     BUILD-DIR/tests/integration/kernel-userspace/uesp-peer and
#     BUILD-DIR/tests/bench/esp/udp-blast
#
# For each algorithm: two uesp-peer processes (keys set on the command line)
# or two charons (peer-strongswan --kernel libipsec, PSK, matching --esp
# proposal) in the same pair of namespaces, one after the other.  udp-blast
# sends SIZE-octet datagrams from 198.51.100.1 to 198.51.100.2 for SECONDS
# flat out; a sink counts what came through (packets/s, MB/s of UDP payload).
# Our TUN has MTU 1438 (UESP_TUN_MTU in service/kernel/uesp-datapath.c).
# strongSwan is asked for the same (charon.plugins.kernel-libipsec.mtu), but
# 5.9.8's ipsec0 was measured at 1400 anyway: the script prints the MTU it
# finds, and where it is below SIZE + 28 strongSwan fragments the inner
# packets.
# Everything (namespaces, daemons) is torn down on exit; every wait is bounded.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
INTEROP=${INTEROP:-$HERE/../../../../shared/interop}
B=${1:?usage: run-bench.sh BUILD-DIR [SECONDS] [SIZES] [--algs gcm,chacha,cbc] [--no-strongswan] [--loss] [--rounds N]}
shift
SECS=4; SIZES="1300 1400"; ALGS="gcm chacha cbc"; SSWAN=1; LOSS=0; ROUNDS=1; MTU=1438
[ $# -gt 0 ] && [[ $1 != --* ]] && { SECS=$1; shift; }
[ $# -gt 0 ] && [[ $1 != --* ]] && { SIZES=${1//,/ }; shift; }
while [ $# -gt 0 ]; do
	case "$1" in
	--algs) ALGS=${2//,/ }; shift 2;;
	--no-strongswan) SSWAN=0; shift;;
	--loss) LOSS=1; shift;;
	--rounds) ROUNDS=$2; shift 2;;
	*) echo "run-bench: unknown option $1" >&2; exit 2;;
	esac
done
[ "$SECS" -ge 1 ] && [ "$SECS" -le 60 ] || { echo "SECONDS: 1..60" >&2; exit 2; }
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 9 ] || { echo "--rounds: 1..9" >&2; exit 2; }
PEER=${UESP_PEER:-$B/tests/integration/kernel-userspace/uesp-peer}
BLAST=${UDP_BLAST:-$B/tests/bench/esp/udp-blast}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -x "$PEER" ] && [ -x "$BLAST" ] || { echo "build $PEER and $BLAST first"; exit 1; }
if [ $SSWAN = 1 ] && ! [ -x "$INTEROP/peer-strongswan" ] || ! [ -x /usr/lib/ipsec/charon ]; then
	[ $SSWAN = 1 ] && echo "run-bench: no strongSwan (INTEROP=$INTEROP); ours only" >&2
	SSWAN=0
fi

NA="ikb-bench-a-$$"; NB="ikb-bench-b-$$"; VA="vba$$"; VB="vbb$$"
TMP=$(mktemp -d)
PIDS=()
sswan_stop() {
	[ $SSWAN = 1 ] || return 0
	"$INTEROP/peer-strongswan" stop --dir "$TMP/sw-a" >/dev/null 2>&1
	"$INTEROP/peer-strongswan" stop --dir "$TMP/sw-b" >/dev/null 2>&1
}
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	sswan_stop
	for n in "$NA" "$NB"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NA" || exit 1
ip netns add "$NB" || exit 1
ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB" || exit 1
ip -n "$NA" addr add 192.0.2.1/24 dev "$VA"; ip -n "$NB" addr add 192.0.2.2/24 dev "$VB"
ip -n "$NA" addr add 198.51.100.1/32 dev lo; ip -n "$NB" addr add 198.51.100.2/32 dev lo
for n in "$NA" "$NB"; do ip -n "$n" link set lo up; done
ip -n "$NA" link set "$VA" up; ip -n "$NB" link set "$VB" up
EKEY=$(printf bench | sha512sum | cut -c1-128); IKEY=$EKEY

# alg -> label, uesp-peer arguments, strongSwan ESP proposal
alg_label() { case $1 in gcm) echo AES-GCM-16-128;; chacha) echo ChaCha20-Poly1305;; cbc) echo AES-CBC-128/SHA2-256;; esac; }
alg_ours() {
	case $1 in
	gcm) echo --encr ENCR_AES_GCM_16 --bits 128;;
	chacha) echo --encr ENCR_CHACHA20_POLY1305 --bits 256;;
	cbc) echo --encr ENCR_AES_CBC --bits 128 --integ AUTH_HMAC_SHA2_256_128;;
	esac
}
alg_sswan() { case $1 in gcm) echo aes128gcm16;; chacha) echo chacha20poly1305;; cbc) echo aes128-sha256;; esac; }

ours_up() { # alg
	local a
	read -ra a <<<"$(alg_ours "$1")"
	rm -f "$TMP/a" "$TMP/b"
	local common=(--ekey "$EKEY" --ikey "$IKEY" "${a[@]}")
	ip netns exec "$NA" "$PEER" --local 192.0.2.1 --remote 192.0.2.2 \
		--local-ts 198.51.100.1/32 --remote-ts 198.51.100.2/32 --spi-out c0000001 \
		--spi-in c0000002 --stats "$TMP/a" "${common[@]}" 2>>"$TMP/peer.log" &
	PIDS+=($!)
	ip netns exec "$NB" "$PEER" --local 192.0.2.2 --remote 192.0.2.1 \
		--local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 --spi-out c0000002 \
		--spi-in c0000001 --stats "$TMP/b" "${common[@]}" 2>>"$TMP/peer.log" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -s "$TMP/a" ] && [ -s "$TMP/b" ] && break; sleep 0.05; done
	[ -s "$TMP/a" ] && [ -s "$TMP/b" ] || { echo "uesp-peer did not start"; tail "$TMP/peer.log"; return 1; }
}
ours_down() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}

sswan_up() { # alg
	local esp; esp=$(alg_sswan "$1")
	printf 'plugins {\n  kernel-libipsec { mtu = %s }\n}\n' $MTU >"$TMP/sw-extra.conf"
	local c=(--ike aes128-sha256-modp2048 --esp "$esp" --psk bench-psk-0123456789
		--conf-extra "$TMP/sw-extra.conf" --kernel libipsec)
	"$INTEROP/peer-strongswan" start --ns "$NB" --dir "$TMP/sw-b" --local 192.0.2.2 \
		--remote 192.0.2.1 --local-id b.bench --remote-id a.bench \
		--local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 "${c[@]}" >/dev/null 2>&1 ||
		{ echo "strongSwan (responder) did not start"; return 1; }
	"$INTEROP/peer-strongswan" start --ns "$NA" --dir "$TMP/sw-a" --local 192.0.2.1 \
		--remote 192.0.2.2 --local-id a.bench --remote-id b.bench \
		--local-ts 198.51.100.1/32 --remote-ts 198.51.100.2/32 "${c[@]}" \
		--role initiator >/dev/null 2>&1
	local st; st=$("$INTEROP/peer-strongswan" wait --dir "$TMP/sw-a" --timeout 10 --want child)
	case "$st" in *child=INSTALLED*) ;; *) echo "strongSwan: no Child SA ($st)"; return 1;; esac
	# libipsec installs its route a moment after the Child SA.
	for _ in $(seq 40); do
		ip -n "$NA" route show table 220 2>/dev/null | grep -q 198.51.100.2 && break; sleep 0.05
	done
	echo "  strongswan TUN: $(ip -n "$NA" -o link show ipsec0 2>/dev/null | grep -o 'mtu [0-9]*')"
}

# blast SIZE [RATE] -> sets R_PKTS R_PPS R_MBS S_PKTS
blast() {
	local size=$1 rate=${2:-} out sent
	ip netns exec "$NB" "$BLAST" recv 9000 $((SECS + 2)) >"$TMP/recv" &
	local pr=$!
	for _ in $(seq 40); do grep -q ready "$TMP/recv" 2>/dev/null && break; sleep 0.05; done
	sent=$(ip netns exec "$NA" "$BLAST" send 198.51.100.1 198.51.100.2 9000 "$SECS" "$size" $rate)
	wait $pr
	out=$(tail -1 "$TMP/recv")
	R_PKTS=$(sed -n 's/.*received packets=\([0-9]*\).*/\1/p' <<<"$out")
	R_PPS=$(sed -n 's/.* pps=\([0-9.]*\).*/\1/p' <<<"$out")
	R_MBS=$(sed -n 's/.* MB\/s=\([0-9.]*\).*/\1/p' <<<"$out")
	S_PKTS=$(sed -n 's/.*sent packets=\([0-9]*\).*/\1/p' <<<"$sent")
	S_PPS=$(sed -n 's/.* pps=\([0-9.]*\).*/\1/p' <<<"$sent")
	: "${R_PKTS:=0}" "${R_PPS:=0}" "${R_MBS:=0}" "${S_PKTS:=0}" "${S_PPS:=0}"
}

# Highest paced rate with < 1% loss: bisection between 0 and 1.5x what
# got through flat out, 6 steps of 2 s.  -> prints the rate (pps)
loss_search() { # size delivered_pps
	local size=$1 lo=0 hi mid ok=0 secs=$SECS
	hi=$(awk -v d="$2" 'BEGIN { printf "%d", d * 1.5 + 1000 }')
	SECS=2
	for _ in 1 2 3 4 5 6; do
		mid=$(( (lo + hi) / 2 ))
		blast "$size" "$mid"
		if awk -v s="$S_PKTS" -v r="$R_PKTS" 'BEGIN { exit !(s > 0 && r >= 0.99 * s) }'; then
			lo=$mid; ok=$mid
		else
			hi=$mid
		fi
	done
	SECS=$secs
	echo "$ok"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A RES
run_impl() { # impl alg
	local impl=$1 alg=$2
	for size in $SIZES; do
		blast "$size"
		RES[$impl,$alg,$size,pps]+="$R_PPS "
		RES[$impl,$alg,$size,mbs]+="$R_MBS "
		RES[$impl,$alg,$size,sent]+="$S_PPS "
		printf '  %-10s %-22s %5s B: %8.0f pps %7.1f MB/s (offered %.0f pps)\n' "$impl" \
			"$(alg_label "$alg")" "$size" "$R_PPS" "$R_MBS" "$S_PPS"
		if [ $LOSS = 1 ] && [ "$round" = 1 ]; then
			RES[$impl,$alg,$size,loss]=$(loss_search "$size" "$R_PPS")
			printf '  %-10s %-22s %5s B: <1%% loss up to %s pps\n' "$impl" "$(alg_label "$alg")" \
				"$size" "${RES[$impl,$alg,$size,loss]}"
		fi
	done
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -r), load $(cut -d' ' -f1 /proc/loadavg)," \
	"${SECS}s per blast, sizes: $SIZES, rounds: $ROUNDS"
for alg in $ALGS; do
	for round in $(seq "$ROUNDS"); do
		if ours_up "$alg"; then run_impl ours "$alg"; fi
		ours_down
		if [ $SSWAN = 1 ]; then
			if sswan_up "$alg"; then run_impl strongswan "$alg"; fi
			sswan_stop
		fi
	done
done

echo
printf '%-22s %5s | %9s %7s %9s | %9s %7s %9s | %s\n' algorithm size "ours pps" "MB/s" "<1%loss" \
	"sswan pps" "MB/s" "<1%loss" "ratio (pps)"
for alg in $ALGS; do
	for size in $SIZES; do
		op=$(median <<<"${RES[ours,$alg,$size,pps]:-0}"); om=$(median <<<"${RES[ours,$alg,$size,mbs]:-0}")
		sp=$(median <<<"${RES[strongswan,$alg,$size,pps]:-0}"); sm=$(median <<<"${RES[strongswan,$alg,$size,mbs]:-0}")
		ol=${RES[ours,$alg,$size,loss]:--}; sl=${RES[strongswan,$alg,$size,loss]:--}
		ratio=$(awk -v o="$op" -v s="$sp" 'BEGIN { if (s > 0) printf "vs strongSwan %.2fx", o / s; else print "-" }')
		if [ $LOSS = 1 ] && [ "$ol" != - ] && [ "$sl" != - ] && [ "$sl" != 0 ]; then
			ratio+=$(awk -v o="$ol" -v s="$sl" 'BEGIN { printf ", at <1%% loss %.2fx", o / s }')
		fi
		printf '%-22s %5s | %9.0f %7.1f %9s | %9.0f %7.1f %9s | %s\n' "$(alg_label "$alg")" "$size" \
			"$op" "$om" "$ol" "$sp" "$sm" "$sl" "$ratio"
	done
done
