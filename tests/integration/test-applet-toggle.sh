#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ikebus-applet's switch reaches the real ikebusd: turning "office" on calls
# Connection.Initiate (with "asynchronous" and interactive authorization),
# which the daemon audits; the row follows the daemon's State; turning it
# off calls Down. The details view shows the connection's settings and SAs
# and refreshes its counters while shown. Screenshots: applet-toggled.png,
# applet-details.png in the build dir.
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
# the userspace ESP backend lets the engine run without kernel ESP; without
# it ikebusd refuses Initiate (and the row must say so)
IKEBUSD_ARGS="--kernel userspace" start_daemon

# office: 127.0.0.1 -> 127.0.0.2 (loopback; no PSK is configured), so it stays
# "connecting" with a half-open IKE SA for the details view
out=$(busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager \
	AddConnection 'sa{sv}a{sv}' office 5 left-host s 127.0.0.1 right-host s 127.0.0.2 \
	psk b true encrypt b true right-subnet as 1 10.1.0.0/16 0 2>&1) || {
	skip_unless_served "$out" "Manager.AddConnection"
	fail "AddConnection office: $out"
}
add_connection datacenter 192.0.2.20 10.2.0.0/16 >/dev/null || fail "AddConnection datacenter"
path=/org/ikebus/ike1/connection/office
conn_prop() {
	busctl --system get-property org.ikebus.ike1 "$path" org.ikebus.ike1.Connection "$1" 2>&1
}

start_xvfb
start_applet
wait_state '.connections | length == 2'

# on: Initiate
send toggle office
wait_state '.connections[] | select(.name == "office") | .busy == false' 10
err=$(state_get '.connections[] | select(.name == "office") | .error // ""')
if ! wait_audit Connection.Initiate 5; then
	case "$err" in
	*"cannot do that yet"*) skip "ikebusd does not serve Connection.Initiate yet (row says: $err)" ;;
	esac
	fail "ikebusd did not audit an Initiate from the applet (row error: $err)"
fi
ok "the switch called Connection.Initiate; ikebusd audited it"
if [ -n "$err" ]; then
	# the daemon refused or the engine cannot negotiate yet: the row says why
	wait_state '.connections[] | select(.name == "office") |
		.state == "failed" and .switch == false and (.subtitle | startswith("Failed — "))'
	ok "the row shows the failure in plain words: \"$(state_get '.connections[] | select(.name == "office") | .subtitle')\""
fi
state=$(conn_prop State)
policy=$(conn_prop Policy)
echo "  daemon: State $state; Policy $policy"
row=$(state_get '.connections[] | select(.name == "office") | "\(.state) \(.["daemon-state"]) \(.switch)"')
echo "  row: $row"
# the row shows what the daemon says (or why it failed), never a stale "down"
# with the switch on
wait_state '.connections[] | select(.name == "office") |
	(.["daemon-state"] == "down" and .switch == false) or
	(.["daemon-state"] != "down" and .switch == true) or .state == "failed"' 10
case "$policy" in *'"up"'*) ok "the daemon set the connection's \"up\" policy" ;; esac
screenshot applet-toggled

# details
send details office
wait_state '.page == "details" and .details.connection == "office" and .details.live == true'
wait_state '.details.values.peer == "127.0.0.2"'
wait_state '.details.values["remote-subnets"] == "10.1.0.0/16"'
wait_state '.details.values.auth == "Pre-shared key"'
groups=$(state_get '.details.groups')
ok "details of office: peer, subnets, authentication; $groups groups ($(state_get '[.details.values | keys[] | select(startswith("ike.") or startswith("child."))] | length') SA values)"
# SA groups appear only if the engine negotiated; counters then refresh
if [ "$(conn_prop IkeSAs)" != "ao 0" ]; then
	wait_state '[.details.values | keys[] | select(startswith("ike."))] | length > 0' 10
	wait_state '[.details.values | to_entries[] | select(.key | endswith(".remote")) | .value] | all(test(":[0-9]+$"))' 10
	wait_state '[.details.values | to_entries[] | select(.key | endswith(".messages")) | .value] | all(. != "—")' 5
	ok "IKE SA shown: $(state_get '[.details.values | to_entries[] | select(.key | startswith("ike.")) | "\(.key)=\(.value)"] | join("; ")')"
else
	echo "  (no IKE SA: the engine did not start a negotiation)"
fi
if state_get '.details.values | keys[]' | grep -q '^child\.'; then
	wait_state '[.details.values | to_entries[] | select(.key | endswith(".bytes")) | .value] | all(. != "—")' 5
	ok "Child SA traffic selectors and counters shown"
else
	echo "  (no Child SA: the negotiation does not complete here (no PSK in the secrets file), so no traffic selectors or byte counters to show)"
fi
screenshot applet-details
send back
wait_state '.page == "list" and .details == null'

# off: Down
if [ "$(state_get '.connections[] | select(.name == "office") | .switch')" = true ]; then
	send toggle office
	wait_audit Connection.Down || fail "ikebusd did not audit a Down from the applet"
	wait_state '.connections[] | select(.name == "office") | .switch == false and .busy == false' 15
	ok "the switch called Connection.Down; the row is off"
else
	echo "  (the attempt already ended: $(state_get '.connections[] | select(.name == "office") | .subtitle'))"
fi
