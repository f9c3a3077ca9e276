#!/bin/bash
# IKE SA rekey (RFC 7296 §1.3.2) against strongSwan (kernel-libipsec).
# Usage: test-rekey-strongswan.sh [--strongswan-initiates]
# One IKE SA + Child SA is set up (by us, or by strongSwan), then:
#   1. strongSwan rekeys the IKE SA (swanctl --rekey --ike, a rekey, not a reauthentication),
#   2. we rekey the IKE SA,
#   3. we rekey the Child SA over the new IKE SA,
# and after each step both sides hold exactly one IKE SA and one Child SA
# (strongSwan's own view), our Child SA keeps its SPIs across the IKE
# rekeys, and pings cross the tunnel.  Finally our Delete on the newest IKE
# SA removes strongSwan's.
. "$(dirname "$0")/lib.sh"
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"
SW_INITIATES=0
[ "${1:-}" = "--strongswan-initiates" ] && SW_INITIATES=1

sw_state() { "$SW" state --dir "$WORK/sw"; }
# wait_sw_one: strongSwan settles on exactly one IKE SA and one Child SA
wait_sw_one() {
  local i
  for i in $(seq 1 30); do
    sw_state | grep -q "ike=ESTABLISHED child=INSTALLED ike_count=1 child_count=1" && return 0
    sleep 0.2
  done
  return 1
}
ike_serials() { grep -o "^IKE #[0-9]* ESTABLISHED" "$WORK/driver.log" | grep -o "#[0-9]*" | sort -u; }
last_ike() { grep -o "^IKE #[0-9]* ESTABLISHED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*"; }
child_line() { grep "^CHILD $1 INSTALLED" "$WORK/driver.log" | tail -1; }
# our own view (SIGHUP dump): exactly one IKE SA and one Child SA, the
# Child SA on IKE SA $1
check_ours() {
  local from n block
  from=$(($(wc -l < "$WORK/driver.log") + 1))
  n=$(grep -c "^STATUS-END" "$WORK/driver.log")
  kill -HUP "$DRIVER_PID"
  for _ in $(seq 1 30); do [ "$(grep -c "^STATUS-END" "$WORK/driver.log")" -gt "$n" ] && break; sleep 0.1; done
  block=$(tail -n +"$from" "$WORK/driver.log" | sed '/^STATUS-END/,$d')
  [ "$(echo "$block" | grep -c "^IKE #")" = 1 ] || fail "ikebus does not hold exactly one IKE SA: $block"
  [ "$(echo "$block" | grep -c "^CHILD #")" = 1 ] || fail "ikebus does not hold exactly one Child SA: $block"
  echo "$block" | grep -q "^CHILD #[0-9]* INSTALLED ike=$1 " || fail "ikebus: the Child SA is not on IKE SA $1"
}

netns_up
write_conn
if [ $SW_INITIATES = 1 ]; then
  start_driver
  "$SW" start --ns "$NS_B" --dir "$WORK/sw" --role initiator --kernel libipsec \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
    --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
    || fail "strongSwan did not start or initiate"
  wait_log "CHILD #[0-9]* INSTALLED" 10 || fail "ikebus: no Child SA installed"
else
  "$SW" start --ns "$NS_B" --dir "$WORK/sw" --role responder --kernel libipsec \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
    --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
    || fail "strongSwan did not start"
  start_driver --initiate
  wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
  grep -q "^RESULT 0 " "$WORK/driver.log" || fail "ikebus: initiate failed"
fi
wait_sw_one || fail "strongSwan: not one IKE SA + one Child SA: $(sw_state)"
child=$(grep -o "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*")
spis=$(child_line "$child" | grep -o "in=0x[0-9a-f]* out=0x[0-9a-f]*")
ike0=$(last_ike)
note "up: IKE SA $ike0, Child SA $child ($spis); strongSwan: $(sw_state)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping before the rekeys failed"

# 1. strongSwan rekeys the IKE SA
"$SW" swanctl --dir "$WORK/sw" -- --rekey --ike interop >/dev/null 2>&1 \
  || fail "swanctl --rekey --ike failed"
wait_log "IKE $ike0 REMOVED" 10 || fail "ikebus: the old IKE SA $ike0 was not deleted after strongSwan's rekey"
ike1=$(last_ike)
[ "$ike1" != "$ike0" ] || fail "ikebus: no new IKE SA after strongSwan's rekey"
grep -q "^IKE $ike1 IKE_SA_INIT" "$WORK/driver.log" && fail "ikebus: IKE SA $ike1 came from IKE_SA_INIT, not from a rekey"
grep -q "^IKE $ike1 ESTABLISHED responder" "$WORK/driver.log" || fail "ikebus: IKE SA $ike1 should be ours as responder"
wait_sw_one || fail "strongSwan after its IKE rekey: $(sw_state)"
check_ours "$ike1"
child_line "$child" | grep -q "$spis" || fail "ikebus: Child SA $child changed its SPIs"
note "rekeyed by strongSwan: IKE SA $ike0 -> $ike1; strongSwan: $(sw_state)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping after strongSwan's IKE rekey failed"

# 2. we rekey the IKE SA
kill -WINCH "$DRIVER_PID"
wait_log "IKE $ike1 REMOVED" 10 || fail "ikebus: our IKE rekey did not replace IKE SA $ike1"
ike2=$(last_ike)
[ "$ike2" != "$ike1" ] || fail "ikebus: no new IKE SA after our rekey"
grep -q "^IKE $ike2 IKE_SA_INIT" "$WORK/driver.log" && fail "ikebus: IKE SA $ike2 came from IKE_SA_INIT, not from a rekey"
grep -q "^IKE $ike2 ESTABLISHED initiator" "$WORK/driver.log" || fail "ikebus: IKE SA $ike2 should be ours as initiator"
wait_sw_one || fail "strongSwan after our IKE rekey: $(sw_state)"
check_ours "$ike2"
child_line "$child" | grep -q "$spis" || fail "ikebus: Child SA $child changed its SPIs"
note "rekeyed by ikebus: IKE SA $ike1 -> $ike2; strongSwan: $(sw_state)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping after our IKE rekey failed"

# 3. a Child SA rekey over the new IKE SA
kill -USR2 "$DRIVER_PID"
wait_log "CHILD $child REMOVED" 10 || fail "ikebus: Child rekey over IKE SA $ike2 did not replace $child"
wait_sw_one || fail "strongSwan after our Child rekey: $(sw_state)"
check_ours "$ike2"
note "Child SA rekeyed over IKE SA $ike2; strongSwan: $(sw_state)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping after the Child rekey failed"

# our Delete on the newest IKE SA removes strongSwan's
kill -USR1 "$DRIVER_PID"
wait_log "IKE $ike2 REMOVED" 10 || fail "ikebus: Delete did not complete"
for _ in $(seq 1 20); do sw_state | grep -q "ike=NONE" && break; sleep 0.2; done
sw_state | grep -q "ike=NONE" || fail "strongSwan kept the IKE SA after our Delete: $(sw_state)"
echo "PASS"
