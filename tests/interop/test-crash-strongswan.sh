#!/bin/bash
# whack --crash, --deleteuser and --unlisten/--listen, end to end: ikebusd
# (the daemon, on a private bus) and strongSwan (kernel-libipsec, the
# initiator) with a tunnel between them; ikebusctl asks.
#   --crash 192.0.2.2        our IKE and Child SA are gone at once (ikebusctl
#                            --showstates, GetGlobalStatistics), and no Delete
#                            was sent: strongSwan still lists its SAs;
#   --deleteuser --name east.example   (strongSwan's authenticated ID) our SAs
#                            go and strongSwan's too (a Delete was sent); an
#                            ID nobody has is exit status 1 (NotFound);
#   --deleteuser --name @east.example --crash   ours go, strongSwan's stay;
#   --unlisten               Listening is false, our SAs stay and pings cross
#                            the tunnel, our --initiate is refused (status
#                            11); strongSwan's Delete does not reach us, and
#                            its new initiation times out;
#   --listen                 the same initiation from strongSwan works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
daemon_vs_strongswan

our_counts() { daemon_counts west; }
wait_ours() { daemon_wait_counts west "$@"; }   # "IKE CHILD" SECONDS
# wait_sw_count N SECONDS: strongSwan lists N IKE SAs
wait_sw_count() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    sw_state | grep -q " ike_count=$1 " && return 0
    sleep 0.2
  done
  return 1
}
# the Listening property (daemon_call only calls Manager methods)
listening() {
  DBUS_SYSTEM_BUS_ADDRESS=${DAEMON_BUS[west]} timeout 30 gdbus call --system \
    --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
    --method org.freedesktop.DBus.Properties.Get org.ikebus.ike1.Manager Listening 2>/dev/null
}
sw_initiate() { "$SW" initiate --dir "$WORK/sw" --timeout "$1" 2>&1; }
# tunnel up: strongSwan initiates, both sides see one IKE SA and one Child SA
bring_up() {
  sw_initiate 10 | grep -q "rc=0" || fail "strongSwan's initiation failed ($1)"
  wait_ours "1 1" 10 || fail "ikebusd did not list the tunnel ($1): $(cat "$WORK/states.json")"
}

west_and_strongswan_up
wait_ours "1 1" 10 || fail "ikebusd does not list one IKE SA and one Child SA: $(cat "$WORK/states.json")"
[ "$(daemon_counter west ike-listening-current)" = 1 ] || fail "ike-listening-current is not 1"

# ---- --crash ---------------------------------------------------------------
note "--crash 192.0.2.2"
daemon_ctl west --crash 192.0.2.2 > "$WORK/crash.out" 2>&1 || fail "ikebusctl --crash: $(cat "$WORK/crash.out")"
wait_ours "0 0" 5 || fail "ikebusd kept SAs after --crash: $(cat "$WORK/states.json")"
[ "$(daemon_counter west ike-sa-current)" = 0 ] || fail "GetGlobalStatistics ike-sa-current is not 0 after --crash"
[ "$(daemon_counter west child-sa-current)" = 0 ] || fail "GetGlobalStatistics child-sa-current is not 0 after --crash"
sleep 1 # a Delete, had one been sent, has arrived by now
st=$(sw_state)
note "strongSwan after --crash: $st"
echo "$st" | grep -q "^ike=ESTABLISHED child=INSTALLED ike_count=1 child_count=1$" \
  || fail "strongSwan lost its SA: a Delete was sent ($st)"
daemon_log west | grep -q "crashed" || fail "no crash line in the ikebusd log"
daemon_ctl west --crash nowhere > /dev/null 2>&1 && fail "--crash nowhere succeeded"
# strongSwan's stale SA goes locally (its Delete is for an SA we no longer have)
"$SW" swanctl --dir "$WORK/sw" -- --terminate --ike interop --force --timeout 2 >/dev/null 2>&1
wait_sw_count 0 10 || fail "strongSwan kept its stale SA: $(sw_state)"

# ---- --deleteuser ------------------------------------------------------------
bring_up "before --deleteuser"
note "--deleteuser --name nobody.example"
daemon_ctl west --deleteuser --name nobody.example > "$WORK/du.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "--deleteuser of nobody: exit $rc, not 1: $(cat "$WORK/du.out")"
grep -q "NotFound\|no IKE SA" "$WORK/du.out" || fail "--deleteuser of nobody: $(cat "$WORK/du.out")"
note "--deleteuser --name east.example"
daemon_ctl west --deleteuser --name east.example > "$WORK/du.out" 2>&1 \
  || fail "ikebusctl --deleteuser: $(cat "$WORK/du.out")"
wait_ours "0 0" 10 || fail "ikebusd kept SAs after --deleteuser: $(cat "$WORK/states.json")"
wait_sw_count 0 10 || fail "strongSwan kept its SA after --deleteuser (no Delete?): $(sw_state)"
note "strongSwan after --deleteuser: $(sw_state)"

bring_up "before --deleteuser --crash"
note "--deleteuser --name @east.example --crash"
daemon_ctl west --deleteuser --name @east.example --crash > "$WORK/du.out" 2>&1 \
  || fail "ikebusctl --deleteuser --crash: $(cat "$WORK/du.out")"
wait_ours "0 0" 5 || fail "ikebusd kept SAs after --deleteuser --crash: $(cat "$WORK/states.json")"
sleep 1
sw_state | grep -q "^ike=ESTABLISHED child=INSTALLED ike_count=1 " \
  || fail "strongSwan lost its SA after --deleteuser --crash: $(sw_state)"
"$SW" swanctl --dir "$WORK/sw" -- --terminate --ike interop --force --timeout 2 >/dev/null 2>&1
wait_sw_count 0 10 || fail "strongSwan kept its stale SA: $(sw_state)"

# ---- --unlisten / --listen ------------------------------------------------------
bring_up "before --unlisten"
note "--unlisten"
daemon_ctl west --unlisten > "$WORK/ul.out" 2>&1 || fail "ikebusctl --unlisten: $(cat "$WORK/ul.out")"
listening | grep -q "false" || fail "Listening is not false after --unlisten: $(listening)"
[ "$(daemon_counter west ike-listening-current)" = 0 ] || fail "ike-listening-current is not 0"
note "ping through the tunnel while not listening (ESP is not IKE)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping while unlistened failed (strongSwan side)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping while unlistened failed (ikebus side)"
daemon_ctl west --initiate --name west-east > "$WORK/init.out" 2>&1
rc=$?
[ "$rc" != 0 ] || fail "--initiate succeeded while unlistened"
grep -q "not listening" "$WORK/init.out" || fail "--initiate while unlistened: $(cat "$WORK/init.out")"
# strongSwan drops its SA (its Delete cannot reach us: ours stays) and
# initiates a new IKE SA, which must time out
"$SW" swanctl --dir "$WORK/sw" -- --terminate --ike interop --force --timeout 2 >/dev/null 2>&1
wait_sw_count 0 10 || fail "strongSwan kept its SA: $(sw_state)"
sleep 1
[ "$(our_counts)" = "1 1" ] || fail "ikebusd took strongSwan's Delete while not listening: $(cat "$WORK/states.json")"
note "strongSwan initiates a new IKE SA (must time out)"
out=$(sw_initiate 15)
note "strongSwan: $out"
echo "$out" | grep -q "rc=0" && fail "strongSwan's initiation worked while ikebusd was not listening"
sw_state | grep -q "ike=ESTABLISHED" && fail "strongSwan has an IKE SA while ikebusd was not listening: $(sw_state)"
[ "$(our_counts)" = "1 1" ] || fail "our established SA did not stay: $(cat "$WORK/states.json")"
daemon_alive west || fail "ikebusd died"
note "--listen"
daemon_ctl west --listen > "$WORK/l.out" 2>&1 || fail "ikebusctl --listen: $(cat "$WORK/l.out")"
listening | grep -q "true" || fail "Listening is not true after --listen: $(listening)"
[ "$(daemon_counter west ike-listening-current)" = 1 ] || fail "ike-listening-current is not 1 again"
out=$(sw_initiate 10)
note "strongSwan: $out"
echo "$out" | grep -q "rc=0" || fail "strongSwan's initiation failed after --listen"
# the new IKE SA (INITIAL_CONTACT) replaces the one kept while not listening
wait_ours "1 1" 10 || fail "ikebusd after --listen: $(cat "$WORK/states.json")"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping after --listen failed (ikebus side)"
echo "PASS"
