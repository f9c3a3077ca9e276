#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ikebus-applet shows what the real ikebusd has: connections added with
# busctl before it starts appear as rows, sorted, "down", switch off, the
# peer on the subtitle; one added while it runs appears and one deleted
# vanishes (ObjectManager InterfacesAdded/Removed: the applet never polls).
# Screenshot: applet-list.png in the build dir.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
. "$here/test-applet-lib.sh"
need_env TESTBUS IKEBUSD IKEBUS_APPLET BUS_POLICY POLKIT_ACTIONS_DIR OUT_DIR

if [ "${1:-}" != --inner ]; then
	need_testbus
	applet_need_tools
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
add_connection datacenter 192.0.2.20 10.2.0.0/16 >/dev/null || fail "AddConnection datacenter"
add_connection branch-berlin 192.0.2.30 10.3.0.0/16 >/dev/null || fail "AddConnection branch-berlin"
ok "three connections added through Manager.AddConnection"

start_xvfb
start_applet
wait_state '.connections | length == 3'
wait_state '[.connections[].name] == ["branch-berlin", "datacenter", "office"]'
wait_state 'all(.connections[]; .state == "down" and .switch == false and .error == null)'
wait_state '.list == "list" and .page == "list"'
sub=$(state_get '.connections[] | select(.name == "office") | .subtitle')
case "$sub" in *192.0.2.10*) ;; *) fail "office's subtitle lacks its peer: $sub" ;; esac
ok "rows: $(state_get '[.connections[] | "\(.name)=\(.state)"] | join(" ")'); office says \"$sub\""
screenshot applet-list

# live: added and deleted while the applet runs
add_connection lab 198.51.100.5 10.4.0.0/16 >/dev/null || fail "AddConnection lab"
wait_state '[.connections[].name] == ["branch-berlin", "datacenter", "lab", "office"]' 10
ok "a connection added while the applet runs appears at its sorted place"
out=$(busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager \
	DeleteConnection s datacenter 2>&1) || fail "DeleteConnection datacenter: $out"
wait_state '[.connections[].name] == ["branch-berlin", "lab", "office"]' 10
ok "a connection deleted while the applet runs vanishes"
