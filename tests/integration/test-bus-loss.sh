#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# When the system bus goes away under it, ikebusd stops with status 1 and
# says why (so that systemd's Restart=on-failure brings it back with the
# bus), instead of staying up unreachable.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS IKEBUSD BUS_POLICY POLKIT_ACTIONS_DIR
need_testbus
[ -x "$TESTBUS/start-system-bus" ] || skip "no start-system-bus in $TESTBUS"

work=$(mktemp -d /tmp/ikebus-busloss.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "${TESTBUS_DIR:-}" ] && "$TESTBUS/stop-system-bus" "$TESTBUS_DIR" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/state"
out=$("$TESTBUS/start-system-bus" --quiet --policy "$BUS_POLICY" \
	--polkit-actions "$POLKIT_ACTIONS_DIR") || fail "start-system-bus failed"
eval "$out"
port=$((20000 + $$ % 20000))
"$IKEBUSD" --kernel none --listen 127.0.0.1 --ike-port "$port" --nat-port $((port + 1)) \
	--state-dir "$work/state" \
	< /dev/null > "$work/log" 2>&1 &
pid=$!
wait_owner yes || fail "ikebusd did not take org.ikebus.ike1: $(tail -3 "$work/log")"
ok "ikebusd owns org.ikebus.ike1"

kill "$(cat "$TESTBUS_DIR/dbus.pid")" || fail "cannot stop the bus"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "ikebusd still runs 10 s after its bus went away"
wait "$pid"
rc=$?
pid=""
[ "$rc" = 1 ] || fail "ikebusd exited with $rc, not 1: $(tail -3 "$work/log")"
grep -q "lost org.ikebus.ike1 on the system bus" "$work/log" ||
	fail "no reason in the log: $(tail -3 "$work/log")"
ok "bus gone: ikebusd stopped with status 1 and said why"
