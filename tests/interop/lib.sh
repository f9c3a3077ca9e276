# shellcheck shell=bash
# Shared set-up for the interop tests: our engine driver in namespace $NS_A
# (192.0.2.1, inner 198.51.100.1), a real peer in $NS_B (192.0.2.2, inner
# 198.51.100.2), joined by ../shared/interop/netns-pair.  Everything is torn
# down by the EXIT trap.  Exit 77 (skip) with the reason when the test
# cannot run here.
set -u

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; dump_logs; exit 1; }
note() { echo "--- $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
INTEROP_DIR=${INTEROP_DIR:-}
[ -n "$INTEROP_DIR" ] && [ -x "$INTEROP_DIR/netns-pair" ] || skip "no interop harness at '$INTEROP_DIR'"
[ -x "${IKEBUS_DRIVER:-}" ] || skip "IKEBUS_DRIVER not built"
command -v ping >/dev/null || skip "ping missing (run ../shared/interop/install-deps)"
[ -e /dev/net/tun ] || skip "no /dev/net/tun"

# short unique names: veth names are v-<ns> and must fit in 15 octets
NS_A=ibw$$
NS_B=ibe$$
WORK=$(mktemp -d /tmp/ikebus-interop.XXXXXX)
PSK=interop-test-psk-0123456789
DRIVER_PID=""

cleanup() {
  set +e
  if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill -TERM "$DRIVER_PID"; for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$DRIVER_PID" 2>/dev/null
  fi
  [ -n "${PEER_STOP:-}" ] && $PEER_STOP >/dev/null 2>&1
  "$INTEROP_DIR/netns-pair" down --a "$NS_A" --b "$NS_B" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

dump_logs() {
  note "driver log"; cat "$WORK/driver.log" 2>/dev/null | tail -60
  if [ -n "${PEER_LOG:-}" ]; then note "peer log"; $PEER_LOG 2>/dev/null | tail -60; fi
}

netns_up() {
  "$INTEROP_DIR/netns-pair" up --a "$NS_A" --b "$NS_B" --no-ipv6 >/dev/null || skip "netns-pair up failed"
}

# The connection as AddConnection's dictionary; west = us.
write_conn() {
  cat > "$WORK/conn.gv" <<EOC
{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>,
 'left-id': <'@west.example'>, 'right-id': <'@east.example'>,
 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>,
 'left-subnet': <['198.51.100.1/32']>, 'right-subnet': <['198.51.100.2/32']>
 ${1:-}}
EOC
  printf '%s\n' "$PSK" > "$WORK/psk"
}

# start_driver [--initiate]
start_driver() {
  ip netns exec "$NS_A" "$IKEBUS_DRIVER" --name west-east --conn "$WORK/conn.gv" \
    --psk-file "$WORK/psk" --kernel userspace --listen 192.0.2.1 "$@" \
    > "$WORK/driver.log" 2>&1 &
  DRIVER_PID=$!
  wait_log READY 5 || fail "driver did not start"
}

# wait_log PATTERN SECONDS: poll the driver log (bounded)
wait_log() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    grep -q -- "$1" "$WORK/driver.log" 2>/dev/null && return 0
    kill -0 "$DRIVER_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ping_through FROM_NS SRC DST: 3 pings through the tunnel, all answered
ping_through() {
  local out
  out=$(ip netns exec "$1" ping -n -c 3 -i 0.3 -W 2 -I "$2" "$3" 2>&1)
  echo "$out" | tail -2
  echo "$out" | grep -q " 0% packet loss"
}
