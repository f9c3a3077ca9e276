#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The running ikebusd's introspection of /org/ikebus/ike1 matches
# dbus/org.ikebus.ike1.Manager.xml member for member (methods with their
# argument types, properties with type and access, signals), and ikebusctl
# reports a call the daemon refuses on one line with exit status 1.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS IKEBUSD IKEBUSCTL BUS_POLICY SERVICES_DIR POLKIT_ACTIONS_DIR MANAGER_XML

if [ "${1:-}" != --inner ]; then
	need_testbus
	command -v gdbus >/dev/null || skip "gdbus is not installed"
	command -v python3 >/dev/null || skip "python3 is not installed"
	exec "$TESTBUS/with-system-bus" --policy "$BUS_POLICY" --services "$SERVICES_DIR" \
		--polkit-actions "$POLKIT_ACTIONS_DIR" -- bash "$0" --inner
fi

# ---- from here on: DBUS_SYSTEM_BUS_ADDRESS is the private bus ----------
cd /
live=$(mktemp)
trap 'rm -f "$live"; "$IKEBUSCTL" --shutdown >/dev/null 2>&1' EXIT

"$IKEBUSCTL" --version >/dev/null 2>&1 || fail "ikebusctl --version could not activate ikebusd"
has_owner || fail "ikebusd is not on the bus"
gdbus introspect --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 --xml >"$live" ||
	fail "introspection of /org/ikebus/ike1 failed"

python3 - "$MANAGER_XML" "$live" <<'PY' || fail "introspection differs from the XML (see above)"
import sys
import xml.etree.ElementTree as ET

IFACE = "org.ikebus.ike1.Manager"

def members(path):
    root = ET.parse(path).getroot()
    iface = [i for i in root.iter("interface") if i.get("name") == IFACE]
    if not iface:
        sys.exit(f"{path}: no interface {IFACE}")
    out = set()
    for m in iface[0]:
        if m.tag == "method":
            args = tuple((a.get("direction", "in"), a.get("type")) for a in m.findall("arg"))
            out.add(("method", m.get("name"), args))
        elif m.tag == "signal":
            out.add(("signal", m.get("name"), tuple(a.get("type") for a in m.findall("arg"))))
        elif m.tag == "property":
            out.add(("property", m.get("name"), (m.get("type"), m.get("access"))))
    return out

want, got = members(sys.argv[1]), members(sys.argv[2])
for m in sorted(want - got):
    print("missing on the bus:", m)
for m in sorted(got - want):
    print("not in the XML:", m)
sys.exit(0 if want == got else 1)
PY
ok "introspection of $MANAGER_XML's interface matches the running ikebusd"

# a refused call: exit 1, one line naming the method
out=$("$IKEBUSCTL" --initiate --name no-such-connection 2>&1) && fail "--initiate of a missing connection succeeded: $out"
rc=$?
[ "$rc" = 1 ] || fail "--initiate of a missing connection exited $rc: $out"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "more than one line: $out"
case "$out" in
"ikebusctl: Initiate: "*) ;;
*) fail "--initiate of a missing connection printed: $out" ;;
esac
ok "ikebusctl --initiate --name no-such-connection -> one line, exit 1"
