#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ikebusctl's whack text from a real ikebusd (--kernel userspace) on the test
# system bus, in a network namespace of its own: a connection to a peer that
# does not exist is initiated, and --status, --briefstatus, --showstates,
# --trafficstatus, --globalstatus, --fipsstatus, --processstatus and
# --listpubkeys print pluto's shapes; every form's --json parses. A
# synchronous --initiate registers ikebusctl as the credential agent, and
# the agent refuses a caller that is not ikebusd (busctl, as root).
set -u
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
need_env TESTBUS IKEBUSD IKEBUSCTL BUS_POLICY POLKIT_ACTIONS_DIR

if [ "${1:-}" = --netns ]; then
	:
elif [ "${1:-}" != --inner ]; then
	need_testbus
	for c in busctl python3 unshare ip; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing (userspace ESP)"
	exec "$TESTBUS/with-system-bus" --policy "$BUS_POLICY" \
		--polkit-actions "$POLKIT_ACTIONS_DIR" -- bash "$0" --inner
else
	# the bus socket is a path, so it is reachable from a new network namespace
	exec unshare -n bash "$0" --netns
fi

cd /
work=$(mktemp -d /tmp/ikebus-cli-status.XXXXXX)
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up
# 192.0.2.2 is routed into a TUN device nobody reads: nobody answers there
ip tuntap add ikb0 mode tun || skip "cannot create a TUN device"
ip addr add 192.0.2.1/24 dev ikb0
ip link set ikb0 up
mkdir -p "$work/state"
printf '@west @east : PSK "not-shown-anywhere"\n' > "$work/ipsec.secrets"
chmod 600 "$work/ipsec.secrets"

"$IKEBUSD" --kernel userspace --listen 192.0.2.1 --state-dir "$work/state" \
	--secretsfile "$work/ipsec.secrets" 2>"$work/ikebusd.log" &
dpid=$!
wait_owner yes || { cat "$work/ikebusd.log" >&2; fail "ikebusd did not start"; }
ok "ikebusd --kernel userspace runs in its own network namespace"

ctl() { "$IKEBUSCTL" "$@"; }
json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)'; }

ctl --name west-east --host 192.0.2.1 --id @west --client 10.1.0.0/16 \
	--to --host 192.0.2.2 --id @east --client 10.2.0.0/16 --psk --encrypt --tunnel \
	--ikelifetime 3600 >/dev/null || fail "adding the connection failed"
ctl --name road --host 192.0.2.1 --to --host %any --psk >/dev/null ||
	fail "adding the second connection failed"

# the peer never answers: the IKE SA stays half-open, retransmitting
ctl --initiate --name west-east --asynchronous || fail "--initiate --asynchronous failed"

# --status: the connection list and the state lines of the half-open IKE SA
out=$(ctl --status) || fail "--status failed"
printf '%s\n' "$out" | sed 's/^/  | /'
want_line() {
	printf '%s\n' "$1" | grep -qE -- "$2" || fail "$3 lacks /$2/:
$1"
}
want_line "$out" '^000 Connection list:$' --status
want_line "$out" '^000 "west-east": 10\.1\.0\.0/16===192\.0\.2\.1\[@west\]\.\.\.192\.0\.2\.2\[@east\]===10\.2\.0\.0/16; [a-zA-Z ]+; eroute owner: #0$' --status
want_line "$out" '^000 "west-east":   policy: IKEv2\+PSK\+ENCRYPT\+TUNNEL\+UP' --status
want_line "$out" '^000 "west-east":   our idtype: ID_FQDN; our id=@west; their idtype: ID_FQDN; their id=@east$' --status
want_line "$out" '^000 "west-east":   ike_life: 3600s; ' --status
want_line "$out" '^000 "road": 192\.0\.2\.1\.\.\.%any; unrouted; eroute owner: #0$' --status
want_line "$out" '^000 Total IPsec connections: loaded 2, active 1$' --status
want_line "$out" '^000 IKE SAs: total\([1-9][0-9]*\), half-open\([1-9][0-9]*\), open\(0\), authenticated\(0\), anonymous\(0\)$' --status
want_line "$out" '^000 #[0-9]+: "west-east":500 STATE_V2_IKE_SA_INIT_I \(sent IKE_SA_INIT request\);.* idle;$' --status
want_line "$out" '^000 Bare Shunt list:$' --status
case "$out" in *not-shown-anywhere*) fail "--status shows the PSK" ;; esac
ok "--status: connection list, policy, IDs, totals, STATE_V2_IKE_SA_INIT_I, shunt list"

out=$(ctl --briefstatus) || fail "--briefstatus failed"
printf '%s\n' "$out" | sed 's/^/  | /'
want_line "$out" '^000 Total IPsec connections: loaded 2, active 1$' --briefstatus
want_line "$out" '^000 IKE SAs: total\([1-9][0-9]*\)$' --briefstatus
want_line "$out" '^000 "west-east": connecting; [a-zA-Z ]+;$' --briefstatus
want_line "$out" '^000 "road": down; unrouted;$' --briefstatus
ok "--briefstatus: totals and one line per connection"

out=$(ctl --showstates --name west-east) || fail "--showstates failed"
want_line "$out" '^000 #[0-9]+: "west-east":500 STATE_V2_IKE_SA_INIT_I' "--showstates --name"
case "$out" in *'"road"'*) fail "--showstates --name west-east shows road" ;; esac
ok "--showstates --name west-east: only that connection's states"

# no Child SA is installed without a peer: no 006 lines, but a clean exit
out=$(ctl --trafficstatus) || fail "--trafficstatus failed"
[ -z "$(printf '%s' "$out" | grep -v '^006 ')" ] || fail "--trafficstatus printed: $out"
ok "--trafficstatus: no Child SA, no lines"

out=$(ctl --globalstatus) || fail "--globalstatus failed"
printf '%s\n' "$out" | sed 's/^/  | /'
want_line "$out" '^000 current\.states\.all=[0-9]+$' --globalstatus
want_line "$out" '^000 current\.states\.ike=[1-9][0-9]*$' --globalstatus
want_line "$out" '^000 ikebus\.connections\.added=2$' --globalstatus
! printf '%s\n' "$out" | grep -vqE '^000 [a-z0-9.]+=[0-9]+$' || fail "--globalstatus: a line is not 000 name=number"
ok "--globalstatus: 000 name=number lines, pluto's current.states.* names"

out=$(ctl --globalstats) || fail "--globalstats failed"
want_line "$out" '^000 total\.ike\.ikev2\.established=0$' --globalstats
out=$(ctl --fipsstatus) || fail "--fipsstatus failed"
want_line "$out" '^000 FIPS mode (enabled|disabled)$' --fipsstatus
out=$(ctl --processstatus) || fail "--processstatus failed"
want_line "$out" "^000 ikebusd pid=$dpid\$" --processstatus
ctl --keyid @east --pubkeyrsa 0sAwEAAa0nYm9ndXN0ZXN0a2V5Zm9yaWtlYnVzY2xpdGVzdHM= >/dev/null ||
	fail "adding a public key failed"
out=$(ctl --listpubkeys) || fail "--listpubkeys failed"
want_line "$out" '^000 List of Public Keys:$' --listpubkeys
want_line "$out" "^000        ID_FQDN '@east'\$" --listpubkeys
ok "--globalstats, --fipsstatus, --processstatus (pid $dpid), --listpubkeys"

# --json: every form parses, one top-level object keyed by the form
for form in status briefstatus connectionstatus showstates trafficstatus globalstatus \
	shuntstatus fipsstatus processstatus addresspoolstatus globalstats listall checkpubkeys; do
	j=$(ctl --$form --json) || fail "--$form --json failed"
	printf '%s' "$j" | json_ok || fail "--$form --json is not JSON: $j"
done
j=$(ctl --status --trafficstatus --json)
printf '%s' "$j" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert sorted(d) == ["status", "trafficstatus"], d.keys()
kinds = {r["kind"] for r in d["status"]}
assert {"globalstatus", "connectionstatus", "ike"} <= kinds, kinds
ike = [r for r in d["status"] if r["kind"] == "ike"][0]
assert ike["state"] == "init-sent" and ike["local-address"] == "192.0.2.1", ike
assert list(ike) == sorted(ike), "keys are not sorted"
' || fail "--status --trafficstatus --json: $j"
case "$j" in *not-shown-anywhere*) fail "--json shows the PSK" ;; esac
ok "--json parses for every status and list form; keys sorted; no secret"

# GetStatus in pages ("offset", "limit"): the pages make the rows of one
# unpaged call, in order; ikebusctl paging one row per call prints what it
# prints with its usual pages
rowkeys() { # JSON of a GetStatus reply -> one "kind name-or-serial" per row
	python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"][0]:
    print(r["kind"]["data"], r.get("name", r.get("serial", {"data": ""}))["data"])'
}
gs() { busctl --system --json=short call org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager GetStatus "$@"; }
for form in status showstates connectionstatus briefstatus trafficstatus; do
	all=$(gs 'sa{sv}' $form 0 | rowkeys) || fail "GetStatus $form"
	paged=
	for off in 0 2 4 6 8 10; do
		paged="$paged$(gs 'sa{sv}' $form 2 offset u $off limit u 2 | rowkeys)
"
	done
	[ "$all" = "$(printf '%s' "$paged" | sed '/^$/d')" ] ||
		fail "GetStatus $form in pages of 2: $(printf '%s' "$paged" | tr '\n' ' ') vs $(printf '%s' "$all" | tr '\n' ' ')"
done
n=$(gs 'sa{sv}' status 1 offset u 1000 | rowkeys | wc -l)
[ "$n" = 0 ] || fail "GetStatus with an offset past the end: $n rows"
norm() { sed -E 's/ in [0-9]+s;/ in Ns;/g'; }
for form in status showstates connectionstatus briefstatus trafficstatus; do
	a=$(ctl --$form | norm) || fail "--$form failed"
	b=$(IKEBUSCTL_STATUS_PAGE_ROWS=1 ctl --$form | norm) || fail "--$form, pages of one row, failed"
	[ "$a" = "$b" ] || fail "--$form in pages of one row differs: $b"
done
ok "GetStatus pages of 2 rows make the unpaged rows; ikebusctl pages of 1 row print the same text"

# the agent: while a synchronous --initiate runs, it is registered and only
# ikebusd may call it (a connection of its own: west-east is busy retransmitting)
ctl --name agent-test --host 192.0.2.1 --to --host 192.0.2.3 --psk >/dev/null ||
	fail "adding agent-test failed"
"$IKEBUSCTL" --initiate --name agent-test --password-fd 3 3</dev/null >"$work/init.out" 2>&1 &
cpid=$!
agent=
for _ in $(seq 50); do
	agent=$(busctl --system list --no-legend 2>/dev/null | awk -v p="$cpid" '$1 ~ /^:/ && $2 == p {print $1; exit}')
	[ -n "$agent" ] && busctl --system introspect "$agent" /org/ikebus/ikebusctl/Agent \
		org.ikebus.ike1.Agent >/dev/null 2>&1 && break
	sleep 0.1
done
[ -n "$agent" ] || fail "ikebusctl --initiate did not show up on the bus"
out=$(busctl --system call "$agent" /org/ikebus/ikebusctl/Agent org.ikebus.ike1.Agent \
	RequestCredentials 'oa{sv}' /org/ikebus/ike1/connection/west_2deast 1 fields as 1 password 2>&1) &&
	fail "the agent answered busctl: $out"
case "$out" in *"only ikebusd may call this agent"*|*NotAuthorized*) ;;
*) fail "a stranger's request got: $out" ;; esac
kill -INT "$cpid"
wait "$cpid"
echo "  (--initiate printed: $(head -1 "$work/init.out"))"
ok "ikebusctl --initiate exports org.ikebus.ike1.Agent and refuses busctl (root, not ikebusd)"
