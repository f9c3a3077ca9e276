#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Table-driven authorization: every Manager and Connection method, called as
# root, as nobody (no rules: the .policy defaults apply, and without logind
# only allow_any counts) and as a user whose group a rules file grants
# read/connect/configure (the example polkit/org.ikebus.ike1.rules). Each
# call must be refused with NotAuthorized exactly when the caller lacks the
# method's action, and the table must name every method of the XML.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS IKEBUSD BUS_POLICY SERVICES_DIR POLKIT_ACTIONS_DIR RULES_FILE DBUS_XML_DIR

granted=ikebustest

if [ "${1:-}" != --inner ]; then
	need_testbus
	command -v gdbus >/dev/null || skip "gdbus is not installed"
	command -v runuser >/dev/null || skip "runuser is not installed"
	if ! id "$granted" >/dev/null 2>&1; then
		command -v useradd >/dev/null || skip "no user $granted and no useradd"
		useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$granted" ||
			skip "cannot create user $granted"
	fi
	rules=$(mktemp -d)
	trap 'rm -rf "$rules"' EXIT
	chmod 755 "$rules"
	sed "s/isInGroup(\"ikebus\")/isInGroup(\"$granted\")/" "$RULES_FILE" > "$rules/50-ikebus.rules"
	"$TESTBUS/with-system-bus" --policy "$BUS_POLICY" --services "$SERVICES_DIR" \
		--polkit-actions "$POLKIT_ACTIONS_DIR" --polkit-rules "$rules" -- bash "$0" --inner
	exit
fi

cd /
M=org.ikebus.ike1.Manager
C=org.ikebus.ike1.Connection
root_path=/org/ikebus/ike1
conn_path=/org/ikebus/ike1/connection/t
# an RFC 3110 RSA public key: exponent length 3, 65537, 64 modulus bytes
pubkey="0s$( (printf '\003\001\000\001'; head -c 64 /dev/zero | tr '\0' '\253') | base64 -w0)"

# interface method action args... (action "none": no authorization)
table=(
	"$M|AddConnection|configure|'t'|{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>}|{'replace': <true>}"
	"$M|AddConnections|configure|[('t', {'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>})]|{'replace': <true>}"
	"$M|DeleteConnection|configure|'t'"
	"$M|GetConnection|none|'t'"
	"$M|AddPublicKey|configure|'@peer'|'$pubkey'|@a{sv} {}"
	"$M|Listen|admin"
	"$M|Unlisten|admin"
	"$M|SetDdosMode|admin|'auto'"
	"$M|SetGlobalRedirect|admin|{'mode': <'no'>}"
	"$M|RedirectActivePeers|admin|['192.0.2.9']|@a{sv} {}"
	"$M|SetDebug|admin|['none']|@a{sv} {}"
	"$M|SetImpair|admin|['none']|@a{sv} {}"
	"$M|SetIkeSocketOptions|admin|{'bufsize': <uint32 65536>}"
	"$M|Reread|configure|['secrets']"
	"$M|FetchCrls|configure"
	"$M|PurgeOcsp|configure"
	"$M|TriggerDdns|configure"
	"$M|List|read|['all']|@a{sv} {}"
	"$M|CheckPublicKeys|read|@a{sv} {}"
	"$M|GetStatus|read|'status'|@a{sv} {}"
	"$M|GetGlobalStatistics|read"
	"$M|ClearStatistics|admin"
	"$M|DeleteState|connect|uint32 1"
	"$M|DeleteUser|admin|'bob'|@a{sv} {}"
	"$M|Crash|admin|'192.0.2.2'"
	"$M|InitiateOpportunistic|connect|'192.0.2.1'|'192.0.2.2'|uint32 0|uint32 0|uint32 0|@a{sv} {}"
	"$M|RegisterAgent|connect|objectpath '/test/agent'"
	"$M|UnregisterAgent|none|objectpath '/test/agent'"
	"$C|Initiate|connect|{'asynchronous': <true>}"
	"$C|Down|connect|@a{sv} {}"
	"$C|Delete|configure"
	"$C|Route|connect"
	"$C|Unroute|connect"
	"$C|RekeyIke|connect|@a{sv} {}"
	"$C|RekeyChild|connect|@a{sv} {}"
	"$C|DeleteIke|connect|@a{sv} {}"
	"$C|DeleteChild|connect|@a{sv} {}"
	"$C|DownIke|connect|@a{sv} {}"
	"$C|DownChild|connect|@a{sv} {}"
	"$C|RedirectTo|admin|['192.0.2.9']|@a{sv} {}"
	"$M|Shutdown|admin|@a{sv} {}"
)

# every method of the two interfaces is in the table
for iface in Manager Connection; do
	for m in $(sed -n 's/.*<method name="\([A-Za-z]*\)".*/\1/p' "$DBUS_XML_DIR/org.ikebus.ike1.$iface.xml"); do
		printf '%s\n' "${table[@]}" | grep -q "^org.ikebus.ike1.$iface|$m|" ||
			fail "method $iface.$m is missing from the authorization table"
	done
done
ok "the table names every Manager and Connection method of the XML (${#table[@]} rows)"

allowed() { # user action -> 0 when the user holds the action
	case "$1:$2" in
	root:*|*:none|*:read) return 0 ;;
	"$granted":connect|"$granted":configure) return 0 ;;
	*) return 1 ;;
	esac
}

prepare() { # a fresh connection "t" for each call
	gdbus call --system --dest org.ikebus.ike1 --object-path $root_path --method $M.AddConnection \
		"'t'" "{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>}" "{'replace': <true>}" \
		>/dev/null || fail "could not (re)add connection t"
}

checked=0
for row in "${table[@]}"; do
	IFS='|' read -r -a f <<< "$row"
	iface=${f[0]} method=${f[1]} action=${f[2]}
	args=("${f[@]:3}")
	path=$root_path
	[ "$iface" = "$C" ] && path=$conn_path
	for user in nobody "$granted" root; do
		prepare
		if [ "$user" = root ]; then
			out=$(gdbus call --system --dest org.ikebus.ike1 --object-path "$path" \
				--method "$iface.$method" "${args[@]}" 2>&1)
		else
			out=$(runuser -u "$user" -- gdbus call --system --dest org.ikebus.ike1 \
				--object-path "$path" --method "$iface.$method" "${args[@]}" 2>&1)
		fi
		case "$out" in
		*org.ikebus.ike1.Error.InvalidArgument*|*UnknownMethod*|*InvalidArgs*)
			fail "$user $iface.$method: the test's arguments were refused: $out" ;;
		esac
		if allowed "$user" "$action"; then
			case "$out" in
			*NotAuthorized*) fail "$user $iface.$method ($action): refused: $out" ;;
			esac
		else
			case "$out" in
			*org.ikebus.ike1.Error.NotAuthorized*) ;;
			*) fail "$user $iface.$method ($action): not refused: $out" ;;
			esac
		fi
		checked=$((checked + 1))
	done
	ok "$iface.$method ($action): nobody, $granted, root as expected"
done
wait_owner no || fail "root's Shutdown did not stop ikebusd"
ok "$checked calls checked"
