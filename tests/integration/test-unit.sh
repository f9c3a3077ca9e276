#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The generated systemd unit: it passes `systemd-analyze verify` and its
# `systemd-analyze security --offline=yes` exposure stays at or below
# $MAX_EXPOSURE (0 = locked down, 10 = unprotected). The unit must still let
# ikebusd do its job, so some exposure is expected: it runs as root with
# CAP_NET_ADMIN on the host network (XFRM, TUN).
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env IKEBUSD UNIT_FILE ACTIVATION_FILE MAX_EXPOSURE

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify insists that ExecStart= exists: point it at the built binary
sed "s|^ExecStart=.*|ExecStart=$IKEBUSD|" "$UNIT_FILE" > "$tmp/ikebusd.service"

out=$(systemd-analyze verify "$tmp/ikebusd.service" 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complained: $out"
ok "systemd-analyze verify ikebusd.service"

# the unit and the D-Bus activation file must name each other
grep -qx 'Type=dbus' "$tmp/ikebusd.service" || fail "unit is not Type=dbus"
grep -qx 'BusName=org.ikebus.ike1' "$tmp/ikebusd.service" || fail "unit has no BusName=org.ikebus.ike1"
grep -qx 'Name=org.ikebus.ike1' "$ACTIVATION_FILE" || fail "activation file has the wrong Name="
grep -qx 'SystemdService=ikebusd.service' "$ACTIVATION_FILE" ||
	fail "activation file does not hand over to ikebusd.service"
ok "unit BusName= and activation file Name=/SystemdService= agree"

# what the job needs must still be there
for need in 'CAP_NET_ADMIN' 'AF_NETLINK' '/dev/net/tun'; do
	grep -q -- "$need" "$tmp/ikebusd.service" || fail "unit lost $need"
done

report=$(systemd-analyze security --offline=yes --no-pager "$tmp/ikebusd.service" 2>&1) ||
	fail "systemd-analyze security failed: $report"
score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for ikebusd.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure score in: $report"
awk -v s="$score" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(s <= max) }' ||
	fail "exposure $score is above $MAX_EXPOSURE:
$(printf '%s\n' "$report" | grep '✗')"
ok "systemd-analyze security --offline=yes: exposure $score <= $MAX_EXPOSURE"
