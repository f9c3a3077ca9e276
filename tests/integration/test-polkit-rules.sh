#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The example polkit/org.ikebus.ike1.rules under a real polkitd, with the
# group it names replaced by nobody's primary group: nobody may then read,
# connect and configure without authentication, but not administer.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS BUS_POLICY POLKIT_ACTIONS_DIR RULES_FILE

if [ "${1:-}" != --inner ]; then
	need_testbus
	command -v pkcheck >/dev/null || skip "pkcheck is not installed"
	command -v runuser >/dev/null || skip "runuser is not installed"
	group=$(id -gn nobody 2>/dev/null) || skip "no user nobody"
	rules=$(mktemp -d)
	trap 'rm -rf "$rules"' EXIT
	grep -q 'isInGroup("ikebus")' "$RULES_FILE" || fail "the example no longer names group ikebus"
	sed "s/isInGroup(\"ikebus\")/isInGroup(\"$group\")/" "$RULES_FILE" > "$rules/50-ikebus.rules"
	"$TESTBUS/with-system-bus" --policy "$BUS_POLICY" --polkit-actions "$POLKIT_ACTIONS_DIR" \
		--polkit-rules "$rules" -- bash "$0" --inner
	exit
fi

cd /
# pkcheck exits 0 when authorized, 2 when authentication would be needed
check() { # user action expected-rc
	runuser -u "$1" -- bash -c 'exec pkcheck --action-id "$0" --process $$' "$2" >/dev/null 2>&1
	local rc=$?
	[ "$rc" = "$3" ] || fail "pkcheck $2 as $1: exit $rc, expected $3"
	ok "$1: $2 -> $rc"
}
check nobody org.ikebus.ike1.read 0
check nobody org.ikebus.ike1.connect 0
check nobody org.ikebus.ike1.configure 0
check nobody org.ikebus.ike1.admin 2
check root org.ikebus.ike1.admin 0
