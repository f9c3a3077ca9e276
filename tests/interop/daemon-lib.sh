# shellcheck shell=bash
# ikebusd (the real daemon) on a private system-like bus, for the interop
# tests and benchmarks that need what only the daemon has (GlobalStatistics,
# ikebusctl).  On top of lib.sh (for netns, $WORK, fail/skip/note) or on
# its own with WORK, fail and skip defined by the caller.
#   IKEBUSD, IKEBUSCTL     the built daemon and client
#   IKEBUS_POLKIT_DIR      the built polkit actions (BUILD/polkit)
#   IKEBUS_BUS_POLICY      dbus/org.ikebus.ike1.conf
#   TESTBUS                ../shared/testbus (start-system-bus, stop-system-bus)
# One daemon per SIDE (any word): each gets its own bus (start-system-bus
# with a private polkitd) in $WORK/SIDE; the bus socket is a path, so the
# daemon in its network namespace and ikebusctl reach it from anywhere.
# daemon_stop_all (call it from the EXIT trap) stops them all by pid.

daemon_check() {
  [ -x "${IKEBUSD:-}" ] || skip "IKEBUSD not built"
  [ -x "${IKEBUSCTL:-}" ] || skip "IKEBUSCTL not built"
  [ -f "${IKEBUS_POLKIT_DIR:-}/org.ikebus.ike1.policy" ] || skip "polkit actions not built (IKEBUS_POLKIT_DIR)"
  [ -f "${IKEBUS_BUS_POLICY:-}" ] || skip "no bus policy (IKEBUS_BUS_POLICY)"
  [ -x "${TESTBUS:-}/start-system-bus" ] || skip "no testbus at '${TESTBUS:-}'"
  command -v gdbus >/dev/null || skip "gdbus missing (libglib2.0-bin)"
  command -v dbus-daemon >/dev/null || skip "dbus-daemon missing"
}

DAEMON_SIDES=()
declare -A DAEMON_PID DAEMON_BUS DAEMON_BUSDIR DAEMON_NS

# daemon_start SIDE NS LISTEN-ADDR SECRETS-LINE...: bus, polkitd, ikebusd
# (with the options in DAEMON_ARGS, if set)
daemon_start() {
  local side=$1 ns=$2 addr=$3 d=$WORK/$1 out i
  shift 3
  mkdir -p "$d/state"
  out=$("$TESTBUS/start-system-bus" --quiet --policy "$IKEBUS_BUS_POLICY" \
    --polkit-actions "$IKEBUS_POLKIT_DIR") || fail "$side: start-system-bus failed"
  eval "$out"
  DAEMON_BUS[$side]=$DBUS_SYSTEM_BUS_ADDRESS
  DAEMON_BUSDIR[$side]=$TESTBUS_DIR
  DAEMON_NS[$side]=$ns
  DAEMON_SIDES+=("$side")
  unset DBUS_SYSTEM_BUS_ADDRESS
  printf '%s\n' "$@" > "$d/ipsec.secrets"
  chmod 600 "$d/ipsec.secrets"
  # shellcheck disable=SC2086 # DAEMON_ARGS: more ikebusd options, word-split
  ip netns exec "$ns" env DBUS_SYSTEM_BUS_ADDRESS="${DAEMON_BUS[$side]}" "$IKEBUSD" \
    --kernel userspace --listen "$addr" --secretsfile "$d/ipsec.secrets" \
    --state-dir "$d/state" ${DAEMON_ARGS:-} < /dev/null > "$d/ikebusd.log" 2>&1 &
  DAEMON_PID[$side]=$!
  for ((i = 0; i < 100; i++)); do
    DBUS_SYSTEM_BUS_ADDRESS=${DAEMON_BUS[$side]} timeout 5 gdbus call --system \
      --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner org.ikebus.ike1 2>/dev/null | grep -q true && return 0
    kill -0 "${DAEMON_PID[$side]}" 2>/dev/null || break
    sleep 0.1
  done
  fail "$side: ikebusd did not take org.ikebus.ike1: $(tail -5 "$d/ikebusd.log")"
}

daemon_alive() { kill -0 "${DAEMON_PID[$1]}" 2>/dev/null; }

# daemon_ctl SIDE ARGS...: ikebusctl against SIDE's daemon (bounded)
daemon_ctl() {
  local side=$1
  shift
  timeout 30 ip netns exec "${DAEMON_NS[$side]}" env DBUS_SYSTEM_BUS_ADDRESS="${DAEMON_BUS[$side]}" \
    "$IKEBUSCTL" "$@"
}

# daemon_ctl_host SIDE ARGS...: the same without entering the namespace
# (ikebusctl talks only to the bus socket, a path): no `ip netns exec` cost
daemon_ctl_host() {
  local side=$1
  shift
  DBUS_SYSTEM_BUS_ADDRESS="${DAEMON_BUS[$side]}" timeout 30 "$IKEBUSCTL" "$@"
}

# daemon_call SIDE METHOD ARGS...: a Manager method through gdbus (bounded)
daemon_call() {
  local side=$1 method=$2
  shift 2
  DBUS_SYSTEM_BUS_ADDRESS=${DAEMON_BUS[$side]} timeout 30 gdbus call --system \
    --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
    --method "org.ikebus.ike1.Manager.$method" "$@"
}

# daemon_add_conn SIDE NAME GVARIANT-DICT: AddConnection (the connection model's keys)
daemon_add_conn() {
  daemon_call "$1" AddConnection "$2" "$3" "{}" > "$WORK/$1/add.out" 2>&1 \
    || fail "$1: AddConnection $2 failed: $(cat "$WORK/$1/add.out")"
}

# daemon_counter SIDE NAME: one GetGlobalStatistics counter (a number)
daemon_counter() {
  daemon_call "$1" GetGlobalStatistics 2>/dev/null |
    grep -o "'$2': <uint64 [0-9]*>" | grep -o "[0-9]*>" | tr -d '>'
}

daemon_log() { cat "$WORK/$1/ikebusd.log" 2>/dev/null; }

daemon_stop_all() {
  local side pid i
  for side in "${DAEMON_SIDES[@]}"; do
    pid=${DAEMON_PID[$side]:-}
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
    fi
    [ -n "${DAEMON_BUSDIR[$side]:-}" ] && "$TESTBUS/stop-system-bus" "${DAEMON_BUSDIR[$side]}" >/dev/null 2>&1
  done
  DAEMON_SIDES=()
}

# daemon_vs_strongswan [LOG-LINES]: the set-up of a test of ikebusd (side
# "west") against strongSwan in $WORK/sw: skips without strongSwan or
# python3; SW, PEER_STOP/PEER_LOG for lib.sh, sw_state (strongSwan's own
# summary), fail that also shows the last LOG-LINES [40] of ikebusd's log,
# and the EXIT trap that stops the daemons and the namespaces.
daemon_vs_strongswan() {
  SW="$INTEROP_DIR/peer-strongswan"
  [ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
  command -v python3 >/dev/null || skip "python3 missing"
  daemon_check
  PEER_STOP="$SW stop --dir $WORK/sw"
  PEER_LOG="$SW log --dir $WORK/sw"
  DAEMON_LOG_LINES=${1:-40}
  fail() { echo "FAIL: $*"; dump_logs; dump_daemon; exit 1; }
  trap 'daemon_stop_all; cleanup' EXIT
}
sw_state() { "$SW" state --dir "$WORK/sw"; }
dump_daemon() { note "ikebusd log"; daemon_log west | tail -"${DAEMON_LOG_LINES:-40}"; }
# daemon_view SIDE: "IKE CHILD SAME-IKE CONNS": SIDE's established IKE SAs,
# installed Child SAs, whether every Child SA is on the one IKE SA (1/0),
# and their connections (ikebusctl --showstates --json, kept in
# $WORK/states.json for failure messages)
daemon_view() {
  daemon_ctl "$1" --showstates --json 2>/dev/null > "$WORK/states.json"
  python3 - "$WORK/states.json" <<'PY'
import json, sys
try:
    rows = json.load(open(sys.argv[1]))
except ValueError:
    rows = []
if isinstance(rows, dict):
    rows = next((v for v in rows.values() if isinstance(v, list)), [])
kind = lambda r: str(r.get("kind", r.get("type", ""))).upper()
ike = [r for r in rows if kind(r).startswith("IKE") and "ESTABLISHED" in str(r.get("state", "")).upper()]
child = [r for r in rows if kind(r).startswith("CHILD") and "INSTALLED" in str(r.get("state", "")).upper()]
# a Child SA's IKE SA is the path of its object ("ike-sa")
parents = {str(r.get("ike-sa", "")).rsplit("/", 1)[-1] for r in child}
serials = {str(r.get("serial", "")) for r in ike}
same = 1 if len(parents) == 1 and parents <= serials else 0
conns = sorted(str(r.get("connection", "?")).rsplit("/", 1)[-1] for r in child)
print(len(ike), len(child), same, ",".join(conns) or "-")
PY
}
# daemon_counts SIDE: "IKE CHILD", the first two of daemon_view
daemon_counts() { daemon_view "$1" | cut -d' ' -f1,2; }
# wait_until_equal WANT SECONDS COMMAND...: until COMMAND prints WANT
wait_until_equal() {
  local want=$1 seconds=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    [ "$("$@")" = "$want" ] && return 0
    sleep 0.2
  done
  return 1
}
# daemon_wait_counts SIDE "IKE CHILD" SECONDS: until daemon_counts says so
daemon_wait_counts() { wait_until_equal "$2" "$3" daemon_counts "$1"; }
# west_and_strongswan_up: the namespaces, west's ikebusd with write_conn's
# connection west-east (PSK), and strongSwan in $NS_B initiating to it;
# returns once strongSwan has its Child SA.
west_and_strongswan_up() {
  netns_up
  write_conn
  daemon_start west "$NS_A" 192.0.2.1 "@west.example @east.example : PSK \"$PSK\""
  daemon_add_conn west west-east "$(cat "$WORK/conn.gv")"
  "$SW" start --ns "$NS_B" --dir "$WORK/sw" --role initiator --kernel libipsec \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
    --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
    || fail "strongSwan did not start or initiate"
  "$SW" wait --dir "$WORK/sw" --want child --timeout 10 >/dev/null || fail "strongSwan: no Child SA"
}
