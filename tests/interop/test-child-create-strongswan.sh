#!/bin/bash
# A second Child SA in an established IKE SA (CREATE_CHILD_SA without
# N(REKEY_SA), RFC 7296 §1.3.1) between ikebusd (the daemon, on a private
# bus) and strongSwan (kernel-libipsec).  Two connections on our side with
# the same hosts, IDs and PSK, one per pair of inner addresses:
#   c1  198.51.100.1  <-> 198.51.100.2
#   c2  198.51.100.11 <-> 198.51.100.12
# and one strongSwan connection with the two matching children.
#   (i)  strongSwan initiates its first child (IKE_AUTH), then the second
#        (a CREATE_CHILD_SA on the same IKE SA): we pick c2 for it by the
#        traffic selectors; both sides list ONE IKE SA with two Child SAs
#        (ikebusctl --showstates --json; the IkeSA object's ChildSAs on the
#        bus; swanctl --list-sas), and pings cross both tunnels;
#  (ii)  after a fresh start with strongSwan responding, we initiate c1 (an
#        IKE SA) and then c2, which shares that IKE SA (same hosts, IDs,
#        authentication and IKE proposals, as pluto shares): strongSwan's
#        own view is one IKE SA with two Child SAs, and pings cross both;
#        --down c2 deletes only its Child SA, and initiating c2 again brings
#        it back on the same IKE SA;
# (iii)  ikebus <-> ikebus (a second ikebusd mirrors c1 and c2): the same
#        from west, then east (the IKE SA's responder) asks for c2 itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
daemon_vs_strongswan 60

# wait_sw "STATE-LINE" SECONDS: strongSwan's own summary line
wait_sw() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    sw_state | grep -q "$1" && return 0
    sleep 0.2
  done
  return 1
}
our_view() { daemon_view "${1:-west}"; }
# wait_ours "IKE CHILD SAME CONNS" SECONDS [SIDE]
wait_ours() { wait_until_equal "$1" "$2" daemon_view "${3:-west}"; }
# bus_children [SIDE]: the ChildSAs property of the one IKE SA's bus
# object (after our_view SIDE): how many paths
bus_children() {
  local serial
  serial=$(python3 - "$WORK/states.json" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
if isinstance(rows, dict):
    rows = next((v for v in rows.values() if isinstance(v, list)), [])
print(next(str(r.get("serial")) for r in rows if str(r.get("kind", "")).upper().startswith("IKE")))
EOF
)
  DBUS_SYSTEM_BUS_ADDRESS=${DAEMON_BUS[${1:-west}]} timeout 30 gdbus call --system \
    --dest org.ikebus.ike1 --object-path "/org/ikebus/ike1/ike/$serial" \
    --method org.freedesktop.DBus.Properties.Get org.ikebus.ike1.IkeSA ChildSAs 2>&1 |
    grep -o "/org/ikebus/ike1/child/[0-9]*" | sort -u | wc -l
}
# both tunnels carry pings, from either side
ping_both() {
  ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "$1: ping through c1 failed"
  ping_through "$NS_B" 198.51.100.12 198.51.100.11 || fail "$1: ping through c2 failed"
}

# strongSwan's second child, merged into its connection's children section
cat > "$WORK/second-child.conf" <<'EOC'
    children {
      second {
        local_ts = 198.51.100.12/32
        remote_ts = 198.51.100.11/32
        esp_proposals = aes128-sha256
        mode = tunnel
        start_action = none
        dpd_action = clear
      }
    }
EOC
sw_start() {
  "$SW" start --ns "$NS_B" --dir "$WORK/sw" --role "$1" --kernel libipsec \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
    --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 \
    --swanctl-extra "$WORK/second-child.conf" > "$WORK/sw-start.out" 2>&1
}

netns_up
ip netns exec "$NS_A" ip addr add 198.51.100.11/32 dev lo || fail "cannot add 198.51.100.11"
ip netns exec "$NS_B" ip addr add 198.51.100.12/32 dev lo || fail "cannot add 198.51.100.12"
write_conn
cp "$WORK/conn.gv" "$WORK/c1.gv"
sed -e "s|'198.51.100.1/32'|'198.51.100.11/32'|" -e "s|'198.51.100.2/32'|'198.51.100.12/32'|" \
  "$WORK/c1.gv" > "$WORK/c2.gv"
daemon_start west "$NS_A" 192.0.2.1 "@west.example @east.example : PSK \"$PSK\""
daemon_add_conn west c1 "$(cat "$WORK/c1.gv")"
daemon_add_conn west c2 "$(cat "$WORK/c2.gv")"

# (i) strongSwan initiates both children
sw_start initiator || fail "strongSwan did not start or initiate: $(cat "$WORK/sw-start.out")"
wait_ours "1 1 1 c1" 10 || fail "(i) ikebusd after IKE_AUTH: $(our_view)"
"$SW" swanctl --dir "$WORK/sw" -- --initiate --child second --timeout 10 > "$WORK/sw-second.out" 2>&1 \
  || fail "(i) strongSwan could not initiate its second child: $(tail -5 "$WORK/sw-second.out")"
wait_sw "ike=ESTABLISHED child=INSTALLED ike_count=1 child_count=2" 10 \
  || fail "(i) strongSwan does not list one IKE SA with two Child SAs: $(sw_state)"
wait_ours "1 2 1 c1,c2" 10 || fail "(i) ikebusd does not list one IKE SA with c1 and c2 on it: $(our_view)"
[ "$(bus_children)" = 2 ] || fail "(i) the IkeSA object's ChildSAs does not list two Child SAs"
note "(i) strongSwan: $(sw_state); ours: $(our_view)"
ping_both "(i)"

# tear down: our Delete of the IKE SA takes both Child SAs
daemon_ctl west --down --name c1 > /dev/null 2>&1
wait_ours "0 0 0 -" 10 || fail "(i) ikebusd kept SAs after --down c1: $(our_view)"
wait_sw "ike_count=0" 10 || fail "(i) strongSwan kept SAs after our Delete: $(sw_state)"

# (ii) we initiate c1, then c2 on its IKE SA
sw_start responder || fail "strongSwan did not start: $(cat "$WORK/sw-start.out")"
daemon_ctl west --initiate --name c1 > "$WORK/init1.out" 2>&1 \
  || fail "(ii) --initiate c1 failed: $(cat "$WORK/init1.out")"
wait_ours "1 1 1 c1" 10 || fail "(ii) ikebusd after c1: $(our_view)"
daemon_ctl west --initiate --name c2 > "$WORK/init2.out" 2>&1 \
  || fail "(ii) --initiate c2 failed: $(cat "$WORK/init2.out")"
grep -q "IKE_SA_INIT" "$WORK/init2.out" && fail "(ii) c2 started an IKE SA of its own: $(cat "$WORK/init2.out")"
note "(ii) ikebusctl --initiate --name c2:"; cat "$WORK/init2.out"
wait_ours "1 2 1 c1,c2" 10 || fail "(ii) ikebusd does not list one IKE SA with c1 and c2 on it: $(our_view)"
wait_sw "ike=ESTABLISHED child=INSTALLED ike_count=1 child_count=2" 10 \
  || fail "(ii) strongSwan does not list one IKE SA with two Child SAs: $(sw_state)"
[ "$(bus_children)" = 2 ] || fail "(ii) the IkeSA object's ChildSAs does not list two Child SAs"
note "(ii) strongSwan: $(sw_state); ours: $(our_view)"
ping_both "(ii)"

# --down c2: its Child SA only; then it comes back on the same IKE SA
daemon_ctl west --down --name c2 > /dev/null 2>&1
wait_ours "1 1 1 c1" 10 || fail "(ii) after --down c2: $(our_view)"
wait_sw "ike=ESTABLISHED child=INSTALLED ike_count=1 child_count=1" 10 \
  || fail "(ii) strongSwan after our --down c2: $(sw_state)"
daemon_ctl west --initiate --name c2 > "$WORK/init3.out" 2>&1 \
  || fail "(ii) --initiate c2 again failed: $(cat "$WORK/init3.out")"
wait_ours "1 2 1 c1,c2" 10 || fail "(ii) c2 again: $(our_view)"
wait_sw "ike=ESTABLISHED child=INSTALLED ike_count=1 child_count=2" 10 \
  || fail "(ii) strongSwan after c2 again: $(sw_state)"
ping_both "(ii) again"
daemon_ctl west --down --name c1 > /dev/null 2>&1
wait_sw "ike_count=0" 10 || fail "(ii) strongSwan kept SAs after our Delete: $(sw_state)"
$PEER_STOP > /dev/null 2>&1

# (iii) ikebus <-> ikebus: a second daemon mirrors c1 and c2; west asks for
# c1 and c2 (the second on the first's IKE SA), then east, the responder
# of that IKE SA, takes c2 down and asks for it again itself
mirror() {
  sed -e "s|192.0.2.1|192.0.2.X|; s|192.0.2.2|192.0.2.1|; s|192.0.2.X|192.0.2.2|" \
    -e "s|@west.example|@X|; s|@east.example|@west.example|; s|@X|@east.example|" \
    -e "s|\('$2'\)\(.*\)\('$3'\)|\3\2\1|" "$1"
}
mirror "$WORK/c1.gv" 198.51.100.1/32 198.51.100.2/32 > "$WORK/e1.gv"
mirror "$WORK/c2.gv" 198.51.100.11/32 198.51.100.12/32 > "$WORK/e2.gv"
daemon_start east "$NS_B" 192.0.2.2 "@east.example @west.example : PSK \"$PSK\""
daemon_add_conn east c1 "$(cat "$WORK/e1.gv")"
daemon_add_conn east c2 "$(cat "$WORK/e2.gv")"
wait_ours "0 0 0 -" 10 || fail "(iii) west still has SAs: $(our_view)"
daemon_ctl west --initiate --name c1 > "$WORK/init4.out" 2>&1 \
  || fail "(iii) --initiate c1 failed: $(cat "$WORK/init4.out")"
daemon_ctl west --initiate --name c2 > "$WORK/init5.out" 2>&1 \
  || fail "(iii) --initiate c2 failed: $(cat "$WORK/init5.out")"
wait_ours "1 2 1 c1,c2" 10 || fail "(iii) west: $(our_view)"
wait_ours "1 2 1 c1,c2" 10 east || fail "(iii) east: $(our_view east)"
[ "$(bus_children east)" = 2 ] || fail "(iii) east's IkeSA object does not list two Child SAs"
ping_both "(iii)"
daemon_ctl east --down --name c2 > /dev/null 2>&1
wait_ours "1 1 1 c1" 10 || fail "(iii) west after east's --down c2: $(our_view)"
daemon_ctl east --initiate --name c2 > "$WORK/init6.out" 2>&1 \
  || fail "(iii) east's --initiate c2 failed: $(cat "$WORK/init6.out")"
wait_ours "1 2 1 c1,c2" 10 east || fail "(iii) east after its c2: $(our_view east)"
wait_ours "1 2 1 c1,c2" 10 || fail "(iii) west after east's c2: $(our_view)"
ping_both "(iii) from east"
echo "PASS"
