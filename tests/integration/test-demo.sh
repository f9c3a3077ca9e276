#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's demo, data/demo/ikebus-demo, against this build: it must exit 0,
# report the tunnel up with every ping answered and counted as ESP on both
# sides, and leave no namespace behind.  Root only (network namespaces, TUN,
# polkitd); exits 77 with the reason when the demo cannot run here.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env DEMO BUILD_DIR

[ "$(id -u)" = 0 ] || skip "the demo needs root (network namespaces, TUN devices, polkitd)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
for c in ip dbus-daemon dbus-send unshare ping timeout; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done
[ -x /usr/lib/polkit-1/polkitd ] || [ -x /usr/libexec/polkitd ] || skip "polkitd is not installed"
probe=ikbdemo-probe-$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "$probe"
for ns in ikebus-demo-west ikebus-demo-east; do
	[ -e "/run/netns/$ns" ] && skip "namespace $ns exists: a demo started with --keep is running"
done

pings=3
out=$(timeout 120 bash "$DEMO" --build "$BUILD_DIR" --pings "$pings" 2>&1)
rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] || fail "the demo exited $rc"

printf '%s\n' "$out" | grep -q 'west| .*initiator established Child SA' ||
	fail "the initiate progress does not show an established Child SA"
status=$(printf '%s\n' "$out" | sed -n '/Status on both sides/,/^==> Ping/p')
for side in west east; do
	printf '%s\n' "$status" | grep -q "$side| .*west-east" ||
		fail "$side's --status does not show the connection"
done
summary=$(printf '%s\n' "$out" | grep 'tunnel up, ')
case "$summary" in
*"tunnel up, $pings/$pings pings answered, ESP packets counted: "*) ;;
*) fail "the summary does not report the tunnel up and $pings/$pings pings: $summary" ;;
esac
# "west W_OUT out/W_IN in, east E_IN in/E_OUT out": every one at least $pings
read -r w_out w_in e_in e_out < <(printf '%s\n' "$summary" |
	sed -n 's/.*west \([0-9]*\) out\/\([0-9]*\) in, east \([0-9]*\) in\/\([0-9]*\) out.*/\1 \2 \3 \4/p')
for n in "${w_out:-0}" "${w_in:-0}" "${e_in:-0}" "${e_out:-0}"; do
	[ "$n" -ge "$pings" ] || fail "ESP counters below $pings: $summary"
done
ok "demo: exit 0; ${summary#"${summary%%tunnel up*}"}"

for ns in ikebus-demo-west ikebus-demo-east; do
	[ -e "/run/netns/$ns" ] && fail "the demo left namespace $ns behind"
done
ok "demo: both namespaces are gone afterwards"
