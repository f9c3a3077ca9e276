#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/bench/scale/run-scale.sh [BUILDDIR]: how ikebusd scales, against
# strongSwan and Libreswan where they take part, on this machine, in one run.
#
#   add    time to add SCALE_CONNS connections over D-Bus: ikebusctl (whack
#          syntax) once per connection (SCALE_CLI_CONNS of them), and
#          bus-scale pipelined (SCALE_INFLIGHT calls unanswered) and one by one,
#          and bus-scale --batch B (AddConnections of B connections per call, one
#          polkit check each) for each B of SCALE_BATCH
#   list   SCALE_SAS IKE SAs each with a Child SA from ikebus-load; RSS per SA;
#          time to list them: GetManagedObjects (bus-scale: the call; busctl:
#          call + printing), ikebusctl --status, --trafficstatus, --status --json;
#          each row also gives the CPU seconds ikebusd spent meanwhile (steadier
#          than wall time on a shared machine)
#   big    SCALE_BIG childless IKE SAs in one ikebusd: reached? RSS per SA;
#          GetManagedObjects and --status over all of them
#   peers  RSS per SA of strongSwan's charon (kernel-libipsec; childless and
#          with a Child SA) and Libreswan's pluto (childless: no kernel ESP
#          here) at SCALE_PEER_SAS, each bounded by the generator's --timeout
#
#   SCALE_PHASES="add list big peers"   SCALE_CONNS=10000 SCALE_CLI_CONNS=10000
#   SCALE_SAS=10000 SCALE_BIG=100000 SCALE_PEER_SAS=10000 SCALE_INFLIGHT=64
#   SCALE_BATCH="100 1000 10000" (AddConnections sizes; "" for none)
#   SCALE_GEN_INFLIGHT=64 (handshakes in flight)  SCALE_CMD_TIMEOUT=300 (each
#   listing command is stopped after this many seconds and shown as such)  SCALE_PERF=PREFIX (perf record
#   -e cpu-clock -g the daemon during each listing and add run into PREFIX.*;
#   SCALE_PERF_G="--call-graph dwarf" for stacks through GLib)
#   IKEBUSCTL=PATH  another ikebusctl (a client change measured against this daemon)
#   SCALE_HOOK="COMMANDS"  run by bash after the listings of list/big, with
#          DBUS_SYSTEM_BUS_ADDRESS, RESP_PID (ikebusd) and SCALE_N set (profiling)
#   SCALE_OLD_CTL=PATH  also time this ikebusctl's listings (e.g. one from before
#          GetStatus paging, which asks for all rows in one call)
#   INTEROP_DIR, TESTBUS   the harnesses [../shared/interop, ../shared/testbus]
#
# Memory per SA is (RSS after N - RSS after a 500-SA childless warm-up) / N, from
# /proc/PID/status VmRSS; every count is the responder's own (ikebusctl
# --globalstatus, peer-strongswan/peer-libreswan state), never the generator's.
# Root only (network namespaces). Prints numbers; judges nothing.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=$top/build
[ $# -gt 0 ] && [ -d "$1" ] && BUILD=$(cd "$1" && pwd)
SCALE_PHASES=${SCALE_PHASES:-"add list big peers"}
SCALE_CONNS=${SCALE_CONNS:-10000}
SCALE_CLI_CONNS=${SCALE_CLI_CONNS:-10000}
SCALE_SAS=${SCALE_SAS:-10000}
SCALE_BIG=${SCALE_BIG:-100000}
SCALE_PEER_SAS=${SCALE_PEER_SAS:-10000}
SCALE_INFLIGHT=${SCALE_INFLIGHT:-64}
SCALE_BATCH=${SCALE_BATCH-"100 1000 10000"}
SCALE_GEN_INFLIGHT=${SCALE_GEN_INFLIGHT:-64}
SCALE_PERF=${SCALE_PERF:-}
SCALE_CMD_TIMEOUT=${SCALE_CMD_TIMEOUT:-300}
SCALE_OLD_CTL=${SCALE_OLD_CTL:-}
SCALE_HOOK=${SCALE_HOOK:-}
INTEROP_DIR=${INTEROP_DIR:-$top/../shared/interop}
TESTBUS=${TESTBUS:-$top/../shared/testbus}

LOAD=$BUILD/service/ikebus-load
IKEBUSD=$BUILD/service/ikebusd
IKEBUSCTL=${IKEBUSCTL:-$BUILD/client-cli/ikebusctl}
BUSSCALE=$BUILD/tests/bench/scale/bus-scale
PSK=bench-psk-0123456789abcdef
WARM=500

die() { echo "scale: $*" >&2; exit 1; }
note() { echo "--- $*" >&2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for f in "$LOAD" "$IKEBUSD" "$IKEBUSCTL" "$BUSSCALE"; do [ -x "$f" ] || die "$f not built (ninja -C $BUILD)"; done
[ -x "$INTEROP_DIR/netns-pair" ] || die "no interop harness at $INTEROP_DIR"
[ -x "$TESTBUS/start-system-bus" ] || die "no testbus at $TESTBUS"

NS_A=scw$$   # generator, 192.0.2.1
NS_B=sce$$   # responder, 192.0.2.2
WORK=$(mktemp -d /tmp/ikebus-scale.XXXXXX)
chmod 755 "$WORK"
RESP_PID=""; RESP_KIND=""; BUS_DIR=""; BUS_ADDR=""; PERF_PID=""

stop_perf() {
  [ -n "$PERF_PID" ] || return 0
  kill -INT "$PERF_PID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$PERF_PID" 2>/dev/null || break; sleep 0.1; done
  PERF_PID=""
}

start_perf() {   # NAME
  [ -n "$SCALE_PERF" ] && [ "$RESP_KIND" = ikebus ] || return 0
  perf record -q -e cpu-clock ${SCALE_PERF_G:--g} -o "$SCALE_PERF.$1" -p "$RESP_PID" > "$WORK/perf.log" 2>&1 &
  PERF_PID=$!; sleep 0.5
}

stop_responder() {
  stop_perf
  case "$RESP_KIND" in
    strongswan) "$INTEROP_DIR/peer-strongswan" stop --dir "$WORK/sw" >/dev/null 2>&1;;
    libreswan) "$INTEROP_DIR/peer-libreswan" stop --dir "$WORK/ls" >/dev/null 2>&1;;
    ikebus)
      if [ -n "$RESP_PID" ] && kill -0 "$RESP_PID" 2>/dev/null; then
        kill -TERM "$RESP_PID"
        for _ in $(seq 1 100); do kill -0 "$RESP_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$RESP_PID" 2>/dev/null
        wait "$RESP_PID" 2>/dev/null
      fi;;
  esac
  RESP_PID=""; RESP_KIND=""
}

cleanup() {
  set +e
  stop_responder
  [ -n "$BUS_DIR" ] && "$TESTBUS/stop-system-bus" "$BUS_DIR" >/dev/null 2>&1
  "$INTEROP_DIR/netns-pair" down --a "$NS_A" --b "$NS_B" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_s() {   # PID -> user+system CPU seconds so far (all threads)
  [ -r "/proc/$1/stat" ] || { echo 0; return; }
  sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }'
}
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || echo 0; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
per_sa() {   # KIB0 KIB1 N -> bytes per SA
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else printf "-" }'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
bus() { DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDR "$@"; }

# ---- ikebusd on a private system bus, in $NS_B ---------------------------------
start_bus() {
  [ -n "$BUS_DIR" ] && return 0
  eval "$("$TESTBUS/start-system-bus" --quiet --policy "$top/dbus/org.ikebus.ike1.conf" \
    --polkit-actions "$BUILD/polkit")" || return 1
  BUS_DIR=$TESTBUS_DIR; BUS_ADDR=$DBUS_SYSTEM_BUS_ADDRESS
}

start_ikebus() {
  mkdir -p "$WORK/ib-state"; rm -rf "${WORK:?}/ib-state/"*
  printf '@east.example %%any : PSK "%s"\n' "$PSK" > "$WORK/ib.secrets"; chmod 600 "$WORK/ib.secrets"
  start_bus || return 1
  ip netns exec "$NS_B" env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDR" "$IKEBUSD" \
    --kernel userspace --listen 192.0.2.2 --secretsfile "$WORK/ib.secrets" \
    --state-dir "$WORK/ib-state" > "$WORK/ikebusd.log" 2>&1 &
  RESP_PID=$!; RESP_KIND=ikebus
  for _ in $(seq 1 100); do
    bus busctl --system status org.ikebus.ike1 >/dev/null 2>&1 && return 0
    kill -0 "$RESP_PID" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# the responder connection (road warrior: every initiator ID under one %any)
add_bench_conn() {   # CHILD(yes|no)
  local subnets=""
  [ "$1" = yes ] && subnets=", 'left-subnet': <['198.51.100.2/32']>, 'right-subnet': <['198.51.100.1/32']>"
  bus gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
    --method org.ikebus.ike1.Manager.AddConnection bench \
    "{'left-host': <'192.0.2.2'>, 'right-host': <'%any'>, 'left-id': <'@east.example'>,
      'right-id': <'%any'>, 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>,
      'ike': <'aes_gcm128-sha2_256-curve25519'>, 'esp': <'aes_gcm128'> $subnets}" "{}" >/dev/null
}

count_ikebus() {   # -> "IKE CHILD" established by this (fresh) daemon (GetGlobalStatistics)
  local out
  out=$(bus "$BUSSCALE" counters 2>/dev/null)
  echo "$(echo "$out" | field ike | grep . || echo 0) $(echo "$out" | field child | grep . || echo 0)"
}
count_strongswan() {
  "$INTEROP_DIR/peer-strongswan" state --dir "$WORK/sw" |
    sed -n 's/.*ike_count=\([0-9]*\) child_count=\([0-9]*\).*/\1 \2/p'
}
count_libreswan() {
  "$INTEROP_DIR/peer-libreswan" state --dir "$WORK/ls" |
    sed -n 's/.*ike_count=\([0-9]*\) child_count=\([0-9]*\).*/\1 \2/p'
}

wait_count() {   # KIND WANT: bounded poll of the responder's count
  local c
  for _ in $(seq 1 60); do
    c=$(count_"$1")
    [ "${c%% *}" -ge "$2" ] 2>/dev/null && break
    sleep 0.5
  done
  echo "${c:-0 0}"
}

# load KIND CHILD N TAG: N more IKE SAs from $NS_A; prints the RESULT line
load() {
  local args=(--local 192.0.2.1 --remote 192.0.2.2 --psk-file "$WORK/gen.psk" --count "$3"
    --in-flight "$SCALE_GEN_INFLIGHT" --timeout $(( $3 / 50 + 60 )) --id-format "$4-%u@bench.example"
    --ike aes_gcm128-sha2_256-curve25519 --esp aes_gcm128)
  [ "$2" = no ] && args+=(--childless) || args+=(--local-ts 198.51.100.1/32 --remote-ts 198.51.100.2/32)
  ip netns exec "$NS_A" "$LOAD" "${args[@]}" > "$WORK/gen.$4.out" 2>&1
  grep '^RESULT' "$WORK/gen.$4.out" || { note "generator: $(tail -2 "$WORK/gen.$4.out")"; echo "RESULT established=0"; }
}

# mem KIND CHILD N: warm up, then N SAs; sets MEM_LINE
ROWS_MEM=(); ROWS_LIST=(); ROWS_ADD=()
mem_run() {
  local kind=$1 child=$2 n=$3 r0 r1 c res est el t0
  # the warm-up is childless: ikebus-load numbers its ESP SPIs from 1 in every
  # run, so a warm-up with Child SAs would collide with the run's first SPIs
  load "$kind" no $WARM warm > /dev/null
  wait_count "$kind" $WARM > /dev/null
  sleep 1
  r0=$(rss_kib "$RESP_PID")
  t0=$(now)
  res=$(load "$kind" "$child" "$n" run)
  est=$(echo "$res" | field established); el=$(echo "$res" | field elapsed_s)
  c=$(wait_count "$kind" $(( WARM + est )))
  sleep 1
  r1=$(rss_kib "$RESP_PID")
  local ike=$(( ${c%% *} - WARM )) kids=${c##* }
  [ "$child" = yes ] || kids=0
  note "$kind child=$child: asked $n, generator $est in ${el}s, responder +$ike IKE +$kids Child; RSS $r0 -> $r1 KiB"
  ROWS_MEM+=("| $kind | $child | $n | $ike | $kids | $r0 | $r1 | $(per_sa "$r0" "$r1" "$ike") | ${el}s |")
  note "row: ${ROWS_MEM[-1]}"
}

# ---- listing (ikebusd with SAs up) -----------------------------------------------
cpu_delta() { awk -v a="$1" -v b="$(cpu_s "$RESP_PID")" 'BEGIN { printf "%.2f", b - a }'; }   # C0 -> ikebusd CPU s since

time_cmd() {   # LABEL CMD...: wall time of CMD (at most SCALE_CMD_TIMEOUT s), output to a file; one table row
  local label=$1 t0 el lines rc c0; shift
  c0=$(cpu_s "$RESP_PID")
  t0=$(now)
  timeout "$SCALE_CMD_TIMEOUT" env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDR" "$@" > "$WORK/out.txt" 2>"$WORK/err.txt"; rc=$?
  el=$(since "$t0")
  [ $rc = 124 ] && el="> $SCALE_CMD_TIMEOUT (stopped)"
  lines=$(wc -l < "$WORK/out.txt")
  [ $rc -ne 0 ] && note "$label: rc $rc: $(head -c 200 "$WORK/err.txt")"
  ROWS_LIST+=("| $LIST_N | \`$label\` | $el | $(cpu_delta "$c0") | $lines lines, $(wc -c < "$WORK/out.txt") bytes$([ $rc -ne 0 ] && echo ", rc $rc") |")
  note "row: ${ROWS_LIST[-1]}"
}

list_run() {   # N: time every listing form
  local res c0
  LIST_N=$1
  start_perf "list-$1"
  c0=$(cpu_s "$RESP_PID"); res=$(bus "$BUSSCALE" managed)
  ROWS_LIST+=("| $1 | \`bus-scale managed\` (GetManagedObjects call) | $(echo "$res" | field elapsed_s) | $(cpu_delta "$c0") | $(echo "$res" | field objects) objects ($(echo "$res" | field ike) IKE, $(echo "$res" | field child) Child), $(echo "$res" | field bytes) bytes |")
  note "row: ${ROWS_LIST[-1]}"
  c0=$(cpu_s "$RESP_PID"); res=$(bus "$BUSSCALE" status showstates)
  ROWS_LIST+=("| $1 | \`bus-scale status showstates\` (GetStatus call) | $(echo "$res" | field elapsed_s) | $(cpu_delta "$c0") | $(echo "$res" | field rows) rows, $(echo "$res" | field bytes) bytes |")
  note "row: ${ROWS_LIST[-1]}"
  c0=$(cpu_s "$RESP_PID"); res=$(bus "$BUSSCALE" status trafficstatus)
  ROWS_LIST+=("| $1 | \`bus-scale status trafficstatus\` (GetStatus call) | $(echo "$res" | field elapsed_s) | $(cpu_delta "$c0") | $(echo "$res" | field rows) rows, $(echo "$res" | field bytes) bytes |")
  note "row: ${ROWS_LIST[-1]}"
  for how in "--page 5000" "--page 5000 --gvariant"; do   # GetStatus in pages, as ikebusctl asks (one call at a time here)
    c0=$(cpu_s "$RESP_PID"); res=$(bus "$BUSSCALE" status showstates $how)
    ROWS_LIST+=("| $1 | \`bus-scale status showstates $how\` ($(echo "$res" | field calls) GetStatus calls) | $(echo "$res" | field elapsed_s) | $(cpu_delta "$c0") | $(echo "$res" | field rows) rows, $(echo "$res" | field bytes) bytes |")
    note "row: ${ROWS_LIST[-1]}"
  done
  time_cmd "busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects" \
    busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects
  time_cmd "ikebusctl --status" "$IKEBUSCTL" --status
  time_cmd "ikebusctl --showstates" "$IKEBUSCTL" --showstates
  time_cmd "ikebusctl --trafficstatus" "$IKEBUSCTL" --trafficstatus
  time_cmd "ikebusctl --status --json" "$IKEBUSCTL" --status --json
  time_cmd "ikebusctl --trafficstatus --json" "$IKEBUSCTL" --trafficstatus --json
  if [ -n "$SCALE_OLD_CTL" ]; then   # a client without GetStatus paging: one call per form
    time_cmd "old ikebusctl --status (unpaged)" "$SCALE_OLD_CTL" --status
    time_cmd "old ikebusctl --trafficstatus (unpaged)" "$SCALE_OLD_CTL" --trafficstatus
    time_cmd "old ikebusctl --status --json (unpaged)" "$SCALE_OLD_CTL" --status --json
  fi
  stop_perf
  # anything else against this daemon: run with DBUS_SYSTEM_BUS_ADDRESS and RESP_PID set
  [ -n "$SCALE_HOOK" ] && { bus env RESP_PID="$RESP_PID" SCALE_N="$1" bash -c "$SCALE_HOOK" >&2 || note "SCALE_HOOK failed"; }
  return 0
}

# ---- phases --------------------------------------------------------------------
phase_add() {
  local t0 el n res i c0 c1
  start_ikebus || die "ikebusd did not start: $(tail -3 "$WORK/ikebusd.log")"
  # whack style: one ikebusctl process (and one polkit check) per connection
  n=$SCALE_CLI_CONNS
  start_perf add-cli
  c0=$(cpu_s "$RESP_PID")
  t0=$(now)
  for i in $(seq 1 "$n"); do
    bus "$IKEBUSCTL" --name "cli-$i" --host 192.0.2.2 --to --host "10.$(( i >> 16 & 255 )).$(( i >> 8 & 255 )).$(( i & 255 ))" \
      --psk --encrypt --tunnel > /dev/null 2>>"$WORK/cli.err" || { note "ikebusctl add $i failed: $(tail -1 "$WORK/cli.err")"; break; }
  done
  el=$(since "$t0"); stop_perf
  ROWS_ADD+=("| $n | ikebusctl, one process per connection | 1 | $el | $(awk -v n="$n" -v t="$el" 'BEGIN { printf "%.0f", n / t }') | $(awk -v a="$c0" -v b="$(cpu_s "$RESP_PID")" 'BEGIN { printf "%.2f", b - a }') |")
  note "row: ${ROWS_ADD[-1]}"
  note "ikebusctl x $n: ${el}s"
  bus "$BUSSCALE" delete "$n" --prefix cli --in-flight "$SCALE_INFLIGHT" > /dev/null
  # batched: AddConnections, one polkit check per call (each run deleted after)
  for bsz in $SCALE_BATCH; do
    start_perf "add-b$bsz"
    c0=$(cpu_s "$RESP_PID")
    res=$(bus "$BUSSCALE" add "$SCALE_CONNS" --prefix "b$bsz" --in-flight "$SCALE_INFLIGHT" --batch "$bsz")
    c1=$(cpu_s "$RESP_PID")
    stop_perf
    note "bus-scale add $SCALE_CONNS --batch $bsz: $res"
    ROWS_ADD+=("| $SCALE_CONNS | \`bus-scale add $SCALE_CONNS --batch $bsz\` (AddConnections, $(echo "$res" | field calls) calls) | $(echo "$res" | field calls | awk -v w="$SCALE_INFLIGHT" '{ print ($1 < w ? $1 : w) }') | $(echo "$res" | field elapsed_s) | $(echo "$res" | field per_s) | $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') |")
    note "row: ${ROWS_ADD[-1]}"
    n=$(bus busctl --system get-property org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager ConnectionCount | awk '{print $2}')
    note "ConnectionCount after: $n"
    bus "$BUSSCALE" delete "$SCALE_CONNS" --prefix "b$bsz" --in-flight "$SCALE_INFLIGHT" > /dev/null
  done
  for w in "$SCALE_INFLIGHT" 1; do
    start_perf "add-w$w"
    c0=$(cpu_s "$RESP_PID")
    res=$(bus "$BUSSCALE" add "$SCALE_CONNS" --prefix "w$w" --in-flight "$w")
    c1=$(cpu_s "$RESP_PID")
    stop_perf
    note "bus-scale add $SCALE_CONNS --in-flight $w: $res"
    ROWS_ADD+=("| $SCALE_CONNS | \`bus-scale add $SCALE_CONNS --in-flight $w\` (GDBus, async) | $w | $(echo "$res" | field elapsed_s) | $(echo "$res" | field per_s) | $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') |")
    note "row: ${ROWS_ADD[-1]}"
    n=$(bus busctl --system get-property org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager ConnectionCount | awk '{print $2}')
    note "ConnectionCount after: $n"
    [ "$w" != 1 ] && bus "$BUSSCALE" delete "$SCALE_CONNS" --prefix "w$w" --in-flight "$SCALE_INFLIGHT" > /dev/null
  done
  # listing 10,000 connections (no SAs) while they are there
  LIST_N=0
  time_cmd "ikebusctl --status ($SCALE_CONNS connections, no SAs)" "$IKEBUSCTL" --status
  c0=$(cpu_s "$RESP_PID"); res=$(bus "$BUSSCALE" managed)
  ROWS_LIST+=("| 0 | \`bus-scale managed\` with $SCALE_CONNS connections | $(echo "$res" | field elapsed_s) | $(cpu_delta "$c0") | $(echo "$res" | field objects) objects |")
  note "row: ${ROWS_LIST[-1]}"
  stop_responder
}

phase_list() {
  start_ikebus || die "ikebusd did not start"
  add_bench_conn yes || die "AddConnection bench failed"
  mem_run ikebus yes "$SCALE_SAS"
  list_run "$SCALE_SAS"
  stop_responder
}

phase_big() {
  start_ikebus || die "ikebusd did not start"
  add_bench_conn no || die "AddConnection bench failed"
  mem_run ikebus no "$SCALE_BIG"
  list_run "$SCALE_BIG"
  stop_responder
}

start_strongswan() {   # CHILD
  local childless=() ts=()
  cat > "$WORK/sw-conf" <<EOF
  cookie_threshold = 10000000
  cookie_threshold_ip = 10000000
  block_threshold = 10000000
  init_limit_half_open = 0
EOF
  printf '    unique = never\n' > "$WORK/sw-conn"
  if [ "$1" = no ]; then childless=(--childless); else ts=(--local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32); fi
  "$INTEROP_DIR/peer-strongswan" start --ns "$NS_B" --dir "$WORK/sw" --kernel libipsec \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id %any --psk "$PSK" \
    --ike aes128gcm16-prfsha256-x25519 --esp aes128gcm16 "${ts[@]}" "${childless[@]}" --debug 0 \
    --conf-extra "$WORK/sw-conf" --swanctl-extra "$WORK/sw-conn" >/dev/null 2>"$WORK/start.err" || return 1
  RESP_KIND=strongswan; RESP_PID=$(cat "$WORK/sw/peer.pid")
}

start_libreswan() {
  "$INTEROP_DIR/peer-libreswan" start --ns "$NS_B" --dir "$WORK/ls" \
    --local 192.0.2.2 --remote %any --local-id east.example --remote-id %any --psk "$PSK" \
    --ike aes_gcm128-sha2_256-dh31 --esp aes_gcm128 >/dev/null 2>"$WORK/start.err" || return 1
  RESP_KIND=libreswan; RESP_PID=$(cat "$WORK/ls/peer.pid")
}

phase_peers() {
  if [ -x /usr/lib/ipsec/charon ]; then
    for child in no yes; do
      start_strongswan "$child" && mem_run strongswan "$child" "$SCALE_PEER_SAS" ||
        note "strongSwan did not start: $(head -c 300 "$WORK/start.err")"
      stop_responder
    done
  else note "strongSwan not installed"; fi
  if [ -x "${LIBRESWAN_ROOT:-/opt/libreswan}/usr/libexec/ipsec/pluto" ]; then
    start_libreswan && mem_run libreswan no "$SCALE_PEER_SAS" ||
      note "Libreswan did not start: $(head -c 300 "$WORK/start.err")"
    stop_responder
  else note "Libreswan not installed"; fi
}

# ---- main ----------------------------------------------------------------------
printf '%s\n' "$PSK" > "$WORK/gen.psk"
"$INTEROP_DIR/netns-pair" up --a "$NS_A" --b "$NS_B" --no-ipv6 >/dev/null || die "netns-pair up failed"
for p in $SCALE_PHASES; do
  case $p in add|list|big|peers) note "phase $p"; "phase_$p";; *) die "unknown phase $p";; esac
done

echo
echo "# scale: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1 /proc/loadavg)," \
  "SCALE_PHASES=\"$SCALE_PHASES\" SCALE_CONNS=$SCALE_CONNS SCALE_CLI_CONNS=$SCALE_CLI_CONNS SCALE_SAS=$SCALE_SAS" \
  "SCALE_BIG=$SCALE_BIG SCALE_PEER_SAS=$SCALE_PEER_SAS"
if [ ${#ROWS_ADD[@]} -gt 0 ]; then
  echo
  echo "| connections | client | calls in flight | seconds | connections/s | ikebusd CPU s |"
  echo "|---:|---|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS_ADD[@]}"
fi
if [ ${#ROWS_MEM[@]} -gt 0 ]; then
  echo
  echo "| responder | Child SA | asked | IKE SAs (responder's count) | Child SAs | RSS before KiB | RSS after KiB | bytes per SA | setup time |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS_MEM[@]}"
fi
if [ ${#ROWS_LIST[@]} -gt 0 ]; then
  echo
  echo "| SAs | command | seconds | ikebusd CPU s | output |"
  echo "|---:|---|---:|---:|---|"
  printf '%s\n' "${ROWS_LIST[@]}"
fi
exit 0
