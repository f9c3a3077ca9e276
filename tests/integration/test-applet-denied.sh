#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ikebus-applet run by a user polkit refuses (nobody, no polkit agent):
# turning a connection on fails with org.ikebus.ike1.Error.NotAuthorized and
# the row says so in plain words ("Permission denied ..."), state "failed";
# saving a new connection from the form is refused the same way, and the
# daemon audited neither. Screenshot: applet-denied.png in the build dir.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
. "$here/test-applet-lib.sh"
need_env TESTBUS IKEBUSD IKEBUS_APPLET BUS_POLICY POLKIT_ACTIONS_DIR OUT_DIR

if [ "${1:-}" != --inner ]; then
	need_testbus
	applet_need_tools
	command -v runuser >/dev/null || skip "runuser is not installed"
	# no --services: ikebusd is started by hand with a scratch state dir,
	# and nothing may activate one with the real store
	exec "$TESTBUS/with-system-bus" --policy "$BUS_POLICY" \
		--polkit-actions "$POLKIT_ACTIONS_DIR" -- bash "$0" --inner
fi
applet_init
start_daemon
out=$(add_connection office 192.0.2.10 10.1.0.0/16) || {
	skip_unless_served "$out" "Manager.AddConnection"
	fail "AddConnection office: $out"
}

start_xvfb
mkdir -p "$applet_tmp/home" && chown nobody "$applet_tmp/home"
start_applet runuser -u nobody -- env HOME="$applet_tmp/home"
wait_state '.connections | length == 1'

send toggle office
wait_state '.connections[0].busy == false and .connections[0].error != null' 20
err=$(state_get '.connections[0].error')
case "$err" in
*"cannot do that yet"*) skip "ikebusd does not serve Connection.Initiate yet (row says: $err)" ;;
"Permission denied"*) ;;
*) fail "the refusal was shown as: $err" ;;
esac
wait_state '.connections[0].state == "failed" and .connections[0].switch == false'
sub=$(state_get '.connections[0].subtitle')
ok "nobody's Initiate was refused; the row says: \"$sub\""
screenshot applet-denied
audit_seen Connection.Initiate && fail "a refused Initiate was audited"

send add
send set name sneaky
send set right-host 203.0.113.9
wait_state '.editor.valid == true'
send save
wait_state '.editor.result != null' 20
result=$(state_get '.editor.result')
case "$result" in "Permission denied"*) ;; *) fail "a refused AddConnection was shown as: $result" ;; esac
ok "nobody's AddConnection was refused; the form says: \"$result\""
send cancel
busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager \
	GetConnection s sneaky >/dev/null 2>&1 && fail "the refused connection exists"
ok "nothing was added"
