#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ikebus-applet's form against the real ikebusd: a new connection is checked
# with the daemon's own model before it is sent (a bad subnet names the
# field and disables Save), saved with AddConnection + persist, edited
# (replace, other options kept) and deleted after confirmation.
# Screenshot: applet-editor.png, applet-editor-invalid.png in the build dir.
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
start_xvfb
start_applet
wait_state '.status | test("is running")'

# a new connection, filled in field by field
send add
wait_state '.editor != null and .editor.valid == false'
send set name branch
send set right-host 198.51.100.7
send set left-id @laptop.example.org
send set right-id @gw.example.org
send set right-subnet 10.9.0.0/24, 10.10.0.0/24
send set ike 'aes_gcm256-sha2_256;dh19'
wait_state '.editor.fields.ike == "aes_gcm256-sha2_256;dh19"'
wait_state '.editor.valid == true and .editor.message == null'
ok "the form is valid: $(state_get '.editor.fields | tojson')"
screenshot applet-editor

# invalid input is refused before anything is sent, naming the field
send set right-subnet 10.9.0.0/33
wait_state '.editor.valid == false'
msg=$(state_get '.editor.message')
case "$msg" in "Remote networks:"*) ;; *) fail "a bad subnet gave: $msg" ;; esac
ok "a bad subnet is refused before sending: \"$msg\""
screenshot applet-editor-invalid
send set right-subnet 10.9.0.0/24, 10.10.0.0/24
wait_state '.editor.valid == true'

send save
wait_state '.editor == null or .editor.result != null' 20
result=$(state_get '.editor.result // "saved"')
case "$result" in
saved) ;;
*"cannot do that yet"*) skip "ikebusd does not serve Manager.AddConnection yet (the form says: $result)" ;;
*) fail "saving failed: $result" ;;
esac
wait_state '.editor == null'
wait_state '[.connections[].name] == ["branch"]' 10
ok "saved: the row appeared"
path=/org/ikebus/ike1/connection/branch
opts=$(busctl --system --json=short get-property org.ikebus.ike1 $path \
	org.ikebus.ike1.Connection Options) || fail "no Options on $path"
for want in '"right-host":{"type":"s","data":"198.51.100.7"}' \
	'"right-id":{"type":"s","data":"@gw.example.org"}' \
	'"right-subnet":{"type":"as","data":["10.9.0.0/24","10.10.0.0/24"]}' \
	'"psk":{"type":"b","data":true}'; do
	case "$opts" in *"$want"*) ;; *) fail "Options lack $want: $opts" ;; esac
done
pers=$(busctl --system get-property org.ikebus.ike1 $path org.ikebus.ike1.Connection Persistent)
[ "$pers" = "b true" ] || fail "the connection is not stored persistently: $pers"
audit_seen Manager.AddConnection || fail "no audit line for AddConnection"
ok "ikebusd has it with the form's options, Persistent=true, audited"

# edit: change the ESP proposals; everything else stays
send edit branch
wait_state '.editor.fields["right-host"] == "198.51.100.7" and .editor.fields.name == "branch"'
send set esp aes256-sha2_256
send save
wait_state '.editor == null' 20
for i in $(seq 50); do
	opts=$(busctl --system --json=short get-property org.ikebus.ike1 $path \
		org.ikebus.ike1.Connection Options 2>/dev/null)
	case "$opts" in *'"esp":{"type":"s","data":"aes256-sha2_256"}'*) break ;; esac
	sleep 0.1
done
case "$opts" in *'"esp":{"type":"s","data":"aes256-sha2_256"}'*) ;; *) fail "esp not changed: $opts" ;; esac
case "$opts" in *'"right-id":{"type":"s","data":"@gw.example.org"}'*) ;; *) fail "edit lost right-id: $opts" ;; esac
wait_state '[.connections[].name] == ["branch"]' 10
ok "edited: esp changed, the other options kept"

# delete, after confirmation
send delete branch
wait_state '.confirm == "branch"'
send confirm
wait_state '.connections | length == 0' 10
out=$(busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager \
	GetConnection s branch 2>&1) && fail "branch still exists: $out"
ok "deleted after confirmation; GetConnection says: $out"
