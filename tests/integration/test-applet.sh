#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ikebus-applet under a private Xvfb, against a private system bus:
#   1. ikebusd activatable: the window shows "ikebusd VERSION is running",
#      the version and the backend, and an empty connection list;
#   2. no ikebusd at all: the window says "ikebusd is not running".
# The applet's --dump-state JSON is the assertion; the screenshots
# (applet-running.png, applet-not-running.png in the build dir) are for
# people and are only checked to be real, non-blank images.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS IKEBUS_APPLET IKEBUS_VERSION BUS_POLICY SERVICES_DIR POLKIT_ACTIONS_DIR OUT_DIR

if [ "${1:-}" != --inner ]; then
	need_testbus
	command -v Xvfb >/dev/null || skip "Xvfb is not installed"
	command -v import >/dev/null || skip "ImageMagick (import) is not installed"
	[ -x "$TESTBUS/x11-screenshot" ] || skip "x11-screenshot not found in $TESTBUS"
	"$TESTBUS/with-system-bus" --policy "$BUS_POLICY" --services "$SERVICES_DIR" \
		--polkit-actions "$POLKIT_ACTIONS_DIR" -- bash "$0" --inner running || exit
	# no --services: nothing can activate org.ikebus.ike1
	exec "$TESTBUS/with-system-bus" --policy "$BUS_POLICY" -- bash "$0" --inner not-running
fi

case="$2"
png="$OUT_DIR/applet-$case.png"
rm -f "$png" "$png.log"
# cairo renders the same everywhere; no accessibility bus; an unreachable
# session bus so GApplication runs non-unique instead of autolaunching one
env GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1 \
	DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/ikebus-test-bus \
	"$TESTBUS/x11-screenshot" "$png" --delay 4 --size 640x480 -- \
	"$IKEBUS_APPLET" --dump-state || fail "x11-screenshot failed (rc $?)"

# the last state the applet printed (one JSON object per line)
state=$(grep '^state: ' "$png.log" | tail -n1 | cut -c8-)
echo "  state: $state"
command -v jq >/dev/null || skip "jq is not installed"
want() { printf '%s\n' "$state" | jq -e "$1" >/dev/null || fail "$case: applet state fails '$1' (log: $(cat "$png.log"))"; }
case "$case" in
running)
	want ".status == \"ikebusd $IKEBUS_VERSION is running\""
	want ".version == \"$IKEBUS_VERSION\""
	want '.backend | IN("none", "xfrm", "userspace")'
	want '."details-visible" == true'
	want '.connections == [] and .list == "empty"'
	;;
not-running)
	want '.status == "ikebusd is not running"'
	want '."details-visible" == false'
	want '.connections == [] and .list == "not-running"'
	;;
*) fail "unknown case $case" ;;
esac

[ -s "$png" ] || fail "no screenshot at $png"
colors=$(identify -format '%k' "$png" 2>/dev/null) || fail "$png is not an image"
[ "${colors:-0}" -gt 8 ] || fail "$png looks blank ($colors colours)"
ok "applet ($case) showed the expected state; screenshot $png ($colors colours)"
