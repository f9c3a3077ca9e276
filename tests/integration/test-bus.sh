#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ikebusd on a private system bus with a real polkitd, the built polkit
# actions, the bus policy from dbus/ and an activation file that starts the
# built ikebusd. Checks activation, properties, the polkit path for root and
# for nobody, the audit line, Shutdown and SIGTERM.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS IKEBUSD IKEBUSCTL IKEBUS_VERSION BUS_POLICY SERVICES_DIR POLKIT_ACTIONS_DIR

if [ "${1:-}" != --inner ]; then
	need_testbus
	command -v busctl >/dev/null || skip "busctl is not installed"
	command -v gdbus >/dev/null || skip "gdbus is not installed"
	command -v runuser >/dev/null || skip "runuser is not installed"
	exec "$TESTBUS/with-system-bus" --policy "$BUS_POLICY" --services "$SERVICES_DIR" \
		--polkit-actions "$POLKIT_ACTIONS_DIR" -- bash "$0" --inner
fi

# ---- from here on: DBUS_SYSTEM_BUS_ADDRESS is the private bus ----------
manual_pid=""
trap '[ -n "$manual_pid" ] && kill "$manual_pid" 2>/dev/null' EXIT
cd /  # nobody must be able to stay in the working directory

has_owner && fail "org.ikebus.ike1 is owned before the test started it"

# 1. ikebusctl --version activates ikebusd and prints both versions
out=$("$IKEBUSCTL" --version 2>&1) || fail "ikebusctl --version failed: $out"
[ "$out" = "ikebusctl $IKEBUS_VERSION
ikebusd $IKEBUS_VERSION" ] || fail "ikebusctl --version printed: $out"
has_owner || fail "ikebusd did not stay on the bus after activation"
pid=$(daemon_pid)
ok "ikebusctl --version activated ikebusd (pid $pid) and printed its version"

# 2. properties through busctl
v=$(busctl --system get-property org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager Version)
[ "$v" = "s \"$IKEBUS_VERSION\"" ] || fail "Version property is: $v"
v=$(busctl --system get-property org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager KernelBackend)
# auto: xfrm where the kernel has ESP, else userspace ESP (none only without TUN)
case "$v" in
's "xfrm"' | 's "userspace"') ;;
's "none"') [ -c /dev/net/tun ] && fail "KernelBackend is none although /dev/net/tun exists" ;;
*) fail "KernelBackend property is: $v" ;;
esac
v=$(busctl --system get-property org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager Connections)
[ "$v" = 'ao 0' ] || fail "Connections property is: $v"
v=$(busctl --system call org.ikebus.ike1 /org/ikebus/ike1 \
	org.freedesktop.DBus.ObjectManager GetManagedObjects)
[ "$v" = 'a{oa{sa{sv}}} 0' ] || fail "GetManagedObjects returned: $v"
ok "busctl get-property: Version, KernelBackend, Connections; ObjectManager at /org/ikebus/ike1"

# 3. an unknown option key is InvalidArgument naming the key, before polkit
out=$(gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
	--method org.ikebus.ike1.Manager.Shutdown "{'bogus-key': <1>}" 2>&1) &&
	fail "Shutdown with an unknown key succeeded: $out"
case "$out" in
*org.ikebus.ike1.Error.InvalidArgument*bogus-key*) ;;
*) fail "Shutdown with an unknown key: $out" ;;
esac
ok "Shutdown({bogus-key}) -> org.ikebus.ike1.Error.InvalidArgument naming the key"

# 4. nobody may not shut it down; the daemon keeps running
out=$(runuser -u nobody -- "$IKEBUSCTL" --shutdown 2>&1) && fail "nobody's --shutdown succeeded: $out"
rc=$?
[ "$rc" = 1 ] || fail "nobody's --shutdown exited $rc, not 1: $out"
case "$out" in
*org.ikebus.ike1.Error.NotAuthorized*) ;;
*) fail "nobody's --shutdown did not say NotAuthorized: $out" ;;
esac
has_owner || fail "ikebusd left the bus after a refused Shutdown"
[ "$(daemon_pid)" = "$pid" ] || fail "ikebusd was restarted after a refused Shutdown"
ok "runuser -u nobody -- ikebusctl --shutdown -> NotAuthorized, exit 1, daemon still running"

# 5. root may; the name goes away and the process ends
out=$("$IKEBUSCTL" --shutdown 2>&1) || fail "root's --shutdown failed: $out"
wait_owner no || fail "org.ikebus.ike1 still owned after root's --shutdown"
for _ in $(seq 50); do
	state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] && break
	sleep 0.1
done
[ -z "$state" ] || [ "$state" = Z ] || fail "ikebusd (pid $pid) still running after Shutdown"
ok "ikebusctl --shutdown as root -> name released, process gone"

# 6. --shutdown does not start a daemon just to stop it
out=$("$IKEBUSCTL" --shutdown 2>&1) && fail "--shutdown without a daemon succeeded: $out"
case "$out" in
"ikebusctl: ikebusd is not running"*) ;;
*) fail "--shutdown without a daemon printed: $out" ;;
esac
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "more than one line: $out"
has_owner && fail "--shutdown activated ikebusd"
ok "ikebusctl --shutdown with no daemon -> one line, exit 1, no activation"

# 7. a syntax error is one line naming the option, exit 1
out=$("$IKEBUSCTL" --no-such-option 2>&1) && fail "--no-such-option succeeded"
rc=$?
[ "$rc" = 1 ] || fail "--no-such-option exited $rc"
[ "$out" = 'ikebusctl: unknown option "--no-such-option"' ] || fail "--no-such-option printed: $out"
ok "ikebusctl --no-such-option -> one line naming it, exit 1"

# 8. started by hand (under valgrind when present, so that refused and
#    failed calls are proven not to leak their invocation): the audit line,
#    exit status 0 after Shutdown
log=$(mktemp)
vg=()
# (valgrind 3.19 cannot read clang 15's DWARF 5: use it only where it can run the binary)
if command -v valgrind >/dev/null && valgrind -q "$IKEBUSD" --version >/dev/null 2>&1; then
	vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9)
fi
${vg[@]+"${vg[@]}"} "$IKEBUSD" 2>"$log" &
manual_pid=$!
wait_owner yes || { cat "$log" >&2; fail "ikebusd started by hand did not own the name"; }
for _ in 1 2; do
	runuser -u nobody -- "$IKEBUSCTL" --shutdown >/dev/null 2>&1 && fail "nobody's --shutdown succeeded"
done
gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
	--method org.ikebus.ike1.Manager.Shutdown "{'bogus-key': <1>}" >/dev/null 2>&1 &&
	fail "Shutdown with an unknown key succeeded"
grep -q 'audit:' "$log" && fail "a refused call was audited: $(cat "$log")"
"$IKEBUSCTL" --shutdown || fail "root's --shutdown of the hand-started daemon failed"
wait "$manual_pid"
rc=$?
manual_pid=""
[ "$rc" = 0 ] || { cat "$log" >&2; fail "ikebusd exited $rc after Shutdown (9: valgrind found a leak)"; }
n=$(grep -c 'audit: uid=0 action=org.ikebus.ike1.admin object=/org/ikebus/ike1 call=org.ikebus.ike1.Manager.Shutdown' "$log")
[ "$n" = 1 ] || { cat "$log" >&2; fail "expected one audit line, found $n"; }
ok "one audit line for root's Shutdown, none for refused calls; exit status 0${vg[*]:+, no leaks under valgrind}"

# 9. SIGTERM: clean exit, name released
"$IKEBUSD" 2>"$log" &
manual_pid=$!
wait_owner yes || { cat "$log" >&2; fail "ikebusd did not own the name"; }
kill -TERM "$manual_pid"
wait "$manual_pid"
rc=$?
manual_pid=""
[ "$rc" = 0 ] || { cat "$log" >&2; fail "ikebusd exited $rc on SIGTERM"; }
wait_owner no || fail "name still owned after SIGTERM"
ok "SIGTERM -> exit status 0, name released"
rm -f "$log"
