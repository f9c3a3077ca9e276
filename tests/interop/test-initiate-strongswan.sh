#!/bin/bash
# (b) our engine initiates to strongSwan (kernel-libipsec responder): both
# sides up (checked with strongSwan's own status), pings both ways, our
# Child SA rekey is followed by strongSwan, and our Delete removes its SAs.
. "$(dirname "$0")/lib.sh"
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"

netns_up
write_conn
"$SW" start --ns "$NS_B" --dir "$WORK/sw" --role responder --kernel libipsec \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "strongSwan did not start"
start_driver --initiate
wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
grep "^PROGRESS\|^RESULT" "$WORK/driver.log"
grep -q "^RESULT 0 " "$WORK/driver.log" || fail "ikebus: initiate failed"
"$SW" wait --dir "$WORK/sw" --want child --timeout 5 >/dev/null || fail "strongSwan: no Child SA"
note "strongSwan: $("$SW" state --dir "$WORK/sw")"
note "ping 198.51.100.1 -> 198.51.100.2 (ikebus side)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping from ikebus' side failed"
note "ping 198.51.100.2 -> 198.51.100.1 (strongSwan side)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping from strongSwan's side failed"
# we rekey the Child SA; strongSwan follows and keeps exactly one
old=$(grep -o "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*")
kill -USR2 "$DRIVER_PID"
wait_log "CHILD $old REMOVED" 5 || fail "ikebus: rekey did not replace Child SA $old"
new=$(grep -o "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*")
[ "$new" != "$old" ] || fail "ikebus: no new Child SA after the rekey"
for _ in $(seq 1 20); do
  "$SW" state --dir "$WORK/sw" | grep -q " child_count=1$" && break; sleep 0.2
done
note "rekeyed by ikebus: Child SA $old -> $new; strongSwan: $("$SW" state --dir "$WORK/sw")"
"$SW" state --dir "$WORK/sw" | grep -q " child_count=1$" || fail "strongSwan: not exactly one Child SA after our rekey"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping after the rekey failed"
kill -USR1 "$DRIVER_PID"
wait_log "IKE #[0-9]* REMOVED" 5 || fail "ikebus: Delete did not complete"
for _ in $(seq 1 20); do
  "$SW" state --dir "$WORK/sw" | grep -q "ike=NONE" && break; sleep 0.2
done
note "strongSwan after our Delete: $("$SW" state --dir "$WORK/sw")"
"$SW" state --dir "$WORK/sw" | grep -q "ike=NONE" || fail "strongSwan kept the IKE SA after our Delete"
echo "PASS"
