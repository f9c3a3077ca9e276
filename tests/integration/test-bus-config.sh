#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Connections, persistence, secrets and daemon options through the real bus:
# activation on the first call; busctl adds a connection and reads it back
# (Options canonicalised); a bad key is InvalidArgument naming the key and
# changes nothing; ikebusctl's whack form adds a connection busctl tree
# shows; a persisted connection survives a restart, a whack-style one does
# not; Reread reports a bad secrets file by file:line without the secret;
# Route/Unroute change Routing and Rekey* without an SA is status 26;
# --kernel xfrm on a kernel without ESP stops with one line.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS IKEBUSD IKEBUSCTL BUS_POLICY POLKIT_ACTIONS_DIR

if [ "${1:-}" != --inner ]; then
	need_testbus
	command -v busctl >/dev/null || skip "busctl is not installed"
	command -v gdbus >/dev/null || skip "gdbus is not installed"
	work=$(mktemp -d /tmp/ikebus-config.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	chmod 755 "$work"
	mkdir -p "$work/services" "$work/state"
	printf '@a : PSK "good"\n' > "$work/ipsec.secrets"
	# activation with a private state dir and secrets file
	cat > "$work/services/org.ikebus.ike1.service" <<EOS
[D-BUS Service]
Name=org.ikebus.ike1
Exec=$IKEBUSD --state-dir $work/state --secretsfile $work/ipsec.secrets
User=root
EOS
	WORK=$work "$TESTBUS/with-system-bus" --policy "$BUS_POLICY" --services "$work/services" \
		--polkit-actions "$POLKIT_ACTIONS_DIR" -- bash "$0" --inner
	exit
fi

cd /
M=org.ikebus.ike1.Manager
bc() { busctl --system "$@"; }

# 1. activation on the first call
has_owner && fail "ikebusd runs before the first call"
out=$(bc call org.ikebus.ike1 /org/ikebus/ike1 $M AddConnection 'sa{sv}a{sv}' east-west \
	6 left-host s 192.0.2.1 right-host s 192.0.2.2 left-send-cert s yes psk b true encrypt b true \
	left-subnet as 1 10.1.0.0/16 \
	1 persist b true) || fail "AddConnection failed: $out"
[ "$out" = 'o "/org/ikebus/ike1/connection/east_2dwest"' ] || fail "AddConnection returned: $out"
has_owner || fail "the call did not activate ikebusd"
ok "busctl AddConnection activated ikebusd and returned $out"

# 2. read it back: Options canonicalised ("yes" -> "always")
opts=$(bc --json=short get-property org.ikebus.ike1 /org/ikebus/ike1/connection/east_2dwest \
	org.ikebus.ike1.Connection Options)
for want in '"left-host":{"type":"s","data":"192.0.2.1"}' '"left-send-cert":{"type":"s","data":"always"}' \
	'"psk":{"type":"b","data":true}' '"left-subnet":{"type":"as","data":["10.1.0.0/16"]}'; do
	case "$opts" in *"$want"*) ;; *) fail "Options lacks $want: $opts" ;; esac
done
v=$(bc get-property org.ikebus.ike1 /org/ikebus/ike1/connection/east_2dwest org.ikebus.ike1.Connection Persistent)
[ "$v" = "b true" ] || fail "Persistent is $v"
v=$(bc get-property org.ikebus.ike1 /org/ikebus/ike1/connection/east_2dwest org.ikebus.ike1.Connection State)
[ "$v" = 's "down"' ] || fail "State is $v"
ls "$WORK/state/east-west.conn" >/dev/null || fail "no keyfile in the state dir"
[ "$(stat -c %a "$WORK/state/east-west.conn")" = 600 ] || fail "keyfile mode is not 0600"
ok "Options read back canonicalised; Persistent true; State down; keyfile 0600 in the state dir"

# 3. a bad key: InvalidArgument naming it, nothing changes
before=$(bc call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects)
out=$(gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 --method $M.AddConnection \
	"'east-west'" "{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, 'left-bogus': <1>}" \
	"{'replace': <true>}" 2>&1) && fail "a bad key was accepted: $out"
case "$out" in *org.ikebus.ike1.Error.InvalidArgument*left-bogus*) ;; *) fail "bad key: $out" ;; esac
out2=$(gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 --method $M.AddConnection \
	"'east-west'" "{'left-host': <'not a host'>, 'right-host': <'192.0.2.2'>}" "{'replace': <true>}" 2>&1) &&
	fail "a bad value was accepted"
case "$out2" in *org.ikebus.ike1.Error.InvalidArgument*left-host*) ;; *) fail "bad value: $out2" ;; esac
after=$(bc call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects)
[ "$before" = "$after" ] || fail "a refused AddConnection changed the objects"
out=$(gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 --method $M.AddConnection \
	"'east-west'" "{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>}" "@a{sv} {}" 2>&1) &&
	fail "adding an existing name without replace succeeded"
case "$out" in *org.ikebus.ike1.Error.AlreadyExists*) ;; *) fail "existing name: $out" ;; esac
ok "bad key/value -> InvalidArgument naming it (${out2#*InvalidArgument: }); existing name -> AlreadyExists; objects unchanged"

# 4. ikebusctl's whack form: runtime-only, visible in busctl tree
out=$("$IKEBUSCTL" --name road --host 192.0.2.1 --to --host %any --psk 2>&1) ||
	fail "ikebusctl connection form failed: $out"
tree=$(bc tree --list org.ikebus.ike1)
for p in /org/ikebus/ike1/connection/road /org/ikebus/ike1/connection/east_2dwest /org/ikebus/ike1/ike /org/ikebus/ike1/child; do
	printf '%s\n' "$tree" | grep -qx "$p" || fail "busctl tree lacks $p: $tree"
done
[ -e "$WORK/state/road.conn" ] && fail "a whack-style connection was stored"
v=$(bc get-property org.ikebus.ike1 /org/ikebus/ike1 $M Connections)
[ "$v" = 'ao 2 "/org/ikebus/ike1/connection/east_2dwest" "/org/ikebus/ike1/connection/road"' ] ||
	fail "Connections is $v"
ok "ikebusctl --name road ... --to ... added /org/ikebus/ike1/connection/road (busctl tree), not stored"

# 5. GetManagedObjects lists both connections with their properties
objs=$(bc --json=short call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects)
case "$objs" in *'"/org/ikebus/ike1/connection/road":{"org.ikebus.ike1.Connection":{'*) ;;
*) fail "GetManagedObjects: $objs" ;; esac
ok "GetManagedObjects lists the connection objects"

# 6. secrets: a bad file is refused by file:line, the secret never shown
printf '@a : PSK "good"\n@b : PSK TOPSECRET value\n' > "$WORK/ipsec.secrets"
out=$(gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 --method $M.Reread "['secrets']" 2>&1) &&
	fail "a bad secrets file was accepted"
case "$out" in *org.ikebus.ike1.Error.Failed*"$WORK/ipsec.secrets:2:"*) ;; *) fail "Reread: $out" ;; esac
case "$out" in *TOPSECRET*) fail "the secret leaked: $out" ;; esac
printf '@a : PSK "good"\n' > "$WORK/ipsec.secrets"
gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 --method $M.Reread "['secrets']" >/dev/null ||
	fail "a good secrets file was refused"
ok "Reread(['secrets']) -> Failed \"${out##*Failed: }\" (no secret); a good file rereads"

# 7. Route/Unroute/RekeyIke reach the engine (or say honestly that none runs)
C=org.ikebus.ike1.Connection
out=$(gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1/connection/road \
	--method $C.Route 2>&1) && fail "Route of a %any connection pretended to succeed: $out"
case "$out" in
*org.ikebus.ike1.Error.NotSupported*"not running"*)
	ok "no engine here: Connection.Route -> ${out#*Error.}" ;;
*org.ikebus.ike1.Error.InvalidArgument*"not known"*|*org.ikebus.ike1.Error.InvalidArgument*"not oriented"*)
	ok "Route of road (peer %any) -> ${out#*Error.}"
	bc call org.ikebus.ike1 /org/ikebus/ike1 $M AddConnection 'sa{sv}a{sv}' trap \
		6 left-host s 127.0.0.1 right-host s 127.0.0.2 psk b true encrypt b true \
		left-subnet as 1 10.99.1.0/24 right-subnet as 1 10.99.2.0/24 0 >/dev/null ||
		fail "AddConnection trap failed"
	P=/org/ikebus/ike1/connection/trap
	v=$(bc get-property org.ikebus.ike1 $P $C Routing)
	[ "$v" = 's "unrouted"' ] || fail "a new connection's Routing is $v"
	out=$(gdbus call --system --dest org.ikebus.ike1 --object-path $P --method $C.Route 2>&1)
	rc=$?
	case "$out" in
	*org.ikebus.ike1.Error.NotSupported*)
		[ $rc != 0 ] || fail "Route: $out"
		ok "this kernel backend has no policies: Route -> ${out#*Error.}" ;;
	*)
		[ $rc = 0 ] || fail "Route of trap: $out"
		v=$(bc get-property org.ikebus.ike1 $P $C Routing)
		[ "$v" = 's "on-demand"' ] || fail "after Route, Routing is $v"
		gdbus call --system --dest org.ikebus.ike1 --object-path $P --method $C.Route >/dev/null ||
			fail "Route of a routed connection failed"
		out=$(gdbus call --system --dest org.ikebus.ike1 --object-path $P --method $C.Unroute 2>&1) ||
			fail "Unroute: $out"
		v=$(bc get-property org.ikebus.ike1 $P $C Routing)
		[ "$v" = 's "unrouted"' ] || fail "after Unroute, Routing is $v"
		ok "Route -> Routing on-demand (twice is fine); Unroute -> Routing unrouted" ;;
	esac
	for m in RekeyIke RekeyChild; do
		out=$(gdbus call --system --dest org.ikebus.ike1 --object-path $P --method $C.$m "@a{sv} {}" 2>&1) ||
			fail "$m without an SA: $out"
		[ "$out" = "(uint32 26,)" ] || fail "$m without an SA returned $out (want status 26)"
	done
	ok "RekeyIke/RekeyChild without an SA -> status 26 (nothing to do), not NotSupported"
	bc call org.ikebus.ike1 /org/ikebus/ike1 $M DeleteConnection s trap || fail "DeleteConnection trap failed" ;;
*) fail "Route: $out" ;;
esac

# 8. restart: the persisted connection is back, the whack-style one is not
pid=$(daemon_pid)
"$IKEBUSCTL" --shutdown >/dev/null || fail "shutdown failed"
wait_owner no || fail "ikebusd did not stop"
v=$(bc get-property org.ikebus.ike1 /org/ikebus/ike1 $M Connections) || fail "reactivation failed"
[ "$v" = 'ao 1 "/org/ikebus/ike1/connection/east_2dwest"' ] || fail "after restart Connections is $v"
[ "$(daemon_pid)" != "$pid" ] || fail "the same ikebusd is still running"
opts2=$(bc --json=short get-property org.ikebus.ike1 /org/ikebus/ike1/connection/east_2dwest \
	org.ikebus.ike1.Connection Options)
[ "$opts" = "$opts2" ] || fail "Options changed across the restart: $opts2"
ok "after a restart east-west is back with the same Options; road is gone"

# 9. a corrupt stored file is reported and skipped; DeleteConnection removes the file
printf 'garbage\n' > "$WORK/state/zz.conn"
"$IKEBUSCTL" --shutdown >/dev/null
wait_owner no || fail "ikebusd did not stop"
log=$(mktemp)
"$IKEBUSD" --state-dir "$WORK/state" --secretsfile "$WORK/ipsec.secrets" 2>"$log" &
dpid=$!
wait_owner yes || fail "ikebusd did not start"
n=$(grep -c "zz.conn" "$log")
[ "$n" = 1 ] || { cat "$log" >&2; fail "expected one warning naming zz.conn, got $n"; }
v=$(bc get-property org.ikebus.ike1 /org/ikebus/ike1 $M ConnectionCount)
[ "$v" = "u 1" ] || fail "ConnectionCount after a corrupt file: $v"
bc call org.ikebus.ike1 /org/ikebus/ike1 $M DeleteConnection s east-west || fail "DeleteConnection failed"
[ -e "$WORK/state/east-west.conn" ] && fail "DeleteConnection left the keyfile"
"$IKEBUSCTL" --shutdown >/dev/null
wait "$dpid"
ok "corrupt keyfile: one warning ($(grep zz.conn "$log" | sed 's/.*WARNING[^:]*: //')), others load; DeleteConnection removes the file"
rm -f "$log"

# 10. --kernel xfrm on this kernel: one line from the probe, exit 1
out=$(timeout 5 "$IKEBUSD" --kernel xfrm --state-dir "$WORK/state" 2>&1 </dev/null)
rc=$?
if [ "$rc" = 124 ]; then
	ok "--kernel xfrm works on this kernel (no failure line to check)"
else
	[ "$rc" = 1 ] || fail "--kernel xfrm exited $rc: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "--kernel xfrm printed more than one line: $out"
	case "$out" in ikebusd:*) ;; *) fail "--kernel xfrm printed: $out" ;; esac
	ok "--kernel xfrm -> exit 1: $out"
fi

# 10b. --nhelpers takes -1, 0 or a thread count: anything else is one line
# naming the option and exit status 1, before anything starts
for bad in -2 257 many; do
	out=$(timeout 5 "$IKEBUSD" --nhelpers "$bad" --state-dir "$WORK/state" 2>&1 </dev/null)
	rc=$?
	[ "$rc" = 1 ] || fail "--nhelpers $bad exited $rc: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "--nhelpers $bad printed more than one line: $out"
	case "$out" in ikebusd:*--nhelpers*) ;; *) fail "--nhelpers $bad printed: $out" ;; esac
done
ok "--nhelpers -2, 257, many -> exit 1 naming --nhelpers"

# 11. AddConnections: a batch adds every entry (one polkit check); a bad entry
# anywhere adds nothing and names its index and key; so does a duplicate or
# an existing name; persist stores each; a caller without configure is refused
batch() { # FIRST LAST [BAD-INDEX]: the connections argument, entries b-FIRST..b-LAST
	local i s=
	for i in $(seq "$1" "$2"); do
		host="10.7.$((i / 250)).$((i % 250 + 1))"
		[ "${3:-}" = "$i" ] && host="not a host"
		s="$s${s:+, }('b-$i', {'left-host': <'192.0.2.1'>, 'right-host': <'$host'>, 'psk': <true>, 'encrypt': <true>})"
	done
	printf '[%s]' "$s"
}
gcall() { gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 --method "$@"; }
count() { bc get-property org.ikebus.ike1 /org/ikebus/ike1 $M ConnectionCount | sed 's/^u //'; }
n0=$(count) || fail "ConnectionCount: $n0"
out=$(gcall $M.AddConnections "$(batch 1 100)" "@a{sv} {}" 2>&1) || fail "AddConnections of 100: $out"
[ "$(printf '%s' "$out" | grep -o "'/org/ikebus/ike1/connection/b_2d[0-9]*'" | wc -l)" = 100 ] ||
	fail "AddConnections returned: ${out:0:300}"
case "$out" in "([objectpath '/org/ikebus/ike1/connection/b_2d1', '/org/ikebus/ike1/connection/b_2d2',"*) ;;
*) fail "paths not in the order given: ${out:0:200}" ;; esac
[ "$(count)" = $((n0 + 100)) ] || fail "ConnectionCount after a batch of 100: $(count) (was $n0)"
objs=$(bc call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects)
[ "$(printf '%s' "$objs" | grep -o '"/org/ikebus/ike1/connection/b_2d[0-9]*"' | sort -u | wc -l)" = 100 ] ||
	fail "GetManagedObjects does not list the 100 new objects"
v=$(bc get-property org.ikebus.ike1 /org/ikebus/ike1/connection/b_2d57 org.ikebus.ike1.Connection Options)
case "$v" in *10.7.0.58*) ;; *) fail "b-57's Options: $v" ;; esac
ok "AddConnections of 100 -> 100 paths in order, ConnectionCount +100, 100 objects"

before=$(bc call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects)
out=$(gcall $M.AddConnections "$(batch 201 210 205)" "@a{sv} {}" 2>&1) && fail "a bad entry was accepted: $out"
case "$out" in *org.ikebus.ike1.Error.InvalidArgument:\ connections\[4\]:\ right-host:*) ;;
*) fail "bad entry 4: $out" ;; esac
out2=$(gcall $M.AddConnections "[('b-301', {'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.3'>}), ('b-302', {'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.3'>, 'left-bogus': <1>})]" \
	"@a{sv} {}" 2>&1) && fail "an unknown key was accepted"
case "$out2" in *InvalidArgument:\ connections\[1\]:*left-bogus*) ;; *) fail "unknown key in entry 1: $out2" ;; esac
out3=$(gcall $M.AddConnections "[('b-401', {'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.3'>}), ('b-401', {'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.4'>})]" \
	"@a{sv} {}" 2>&1) && fail "a duplicate name was accepted"
case "$out3" in *InvalidArgument:\ connections\[1\]:\ name:*connections\[0\]*) ;; *) fail "duplicate: $out3" ;; esac
out4=$(gcall $M.AddConnections "$(batch 500 502 | sed "s/'b-502'/'b-7'/")" "@a{sv} {}" 2>&1) &&
	fail "an existing name without replace was accepted"
case "$out4" in *org.ikebus.ike1.Error.AlreadyExists:\ connections\[2\]:*b-7*) ;; *) fail "existing: $out4" ;; esac
out5=$(gcall $M.AddConnections "$(batch 600 601)" "{'bogus': <true>}" 2>&1) && fail "a bad flag was accepted"
case "$out5" in *InvalidArgument:\ flags:*bogus*) ;; *) fail "bad flag: $out5" ;; esac
after=$(bc call org.ikebus.ike1 /org/ikebus/ike1 org.freedesktop.DBus.ObjectManager GetManagedObjects)
[ "$before" = "$after" ] || fail "a refused AddConnections changed the objects"
[ "$(count)" = $((n0 + 100)) ] || fail "a refused AddConnections changed ConnectionCount"
ok "bad entry -> ${out#*Error.}; unknown key -> connections[1]; duplicate, existing name, bad flag refused; nothing added"

out=$(gcall $M.AddConnections "$(batch 1 2)" "{'replace': <true>, 'persist': <true>}" 2>&1) ||
	fail "AddConnections replace+persist: $out"
[ -e "$WORK/state/b-1.conn" ] && [ -e "$WORK/state/b-2.conn" ] || fail "persist stored no keyfiles"
[ "$(count)" = $((n0 + 100)) ] || fail "replacing changed ConnectionCount"
ok "replace + persist: b-1, b-2 replaced and stored"

if command -v runuser >/dev/null; then
	out=$(runuser -u nobody -- gdbus call --system --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
		--method $M.AddConnections "$(batch 700 709)" "@a{sv} {}" 2>&1) &&
		fail "nobody's AddConnections was accepted: $out"
	case "$out" in *org.ikebus.ike1.Error.NotAuthorized*) ;; *) fail "nobody: $out" ;; esac
	[ "$(count)" = $((n0 + 100)) ] || fail "a refused AddConnections of nobody added connections"
	ok "nobody -> NotAuthorized; nothing added"
fi
"$IKEBUSCTL" --shutdown >/dev/null
wait_owner no || fail "ikebusd did not stop"
