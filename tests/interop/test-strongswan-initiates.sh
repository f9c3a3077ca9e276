#!/bin/bash
# (a) strongSwan (kernel-libipsec) initiates to our engine (userspace ESP):
# IKE SA + Child SA up on both sides, pings cross the tunnel both ways,
# strongSwan rekeys the Child SA and then deletes the IKE SA.
. "$(dirname "$0")/lib.sh"
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"

netns_up
write_conn
start_driver
"$SW" start --ns "$NS_B" --dir "$WORK/sw" --role initiator --kernel libipsec \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "strongSwan did not start or initiate"
"$SW" wait --dir "$WORK/sw" --want child --timeout 10 >/dev/null || fail "strongSwan: no Child SA"
note "strongSwan: $("$SW" state --dir "$WORK/sw")"
wait_log "CHILD #[0-9]* INSTALLED" 5 || fail "ikebus: no Child SA installed"
grep "^IKE\|^CHILD" "$WORK/driver.log" | tail -3
grep -q "IKE #[0-9]* ESTABLISHED responder" "$WORK/driver.log" || fail "ikebus: IKE SA not established"
note "ping 198.51.100.2 -> 198.51.100.1 (strongSwan side)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping from strongSwan's side failed"
note "ping 198.51.100.1 -> 198.51.100.2 (ikebus side)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping from ikebus' side failed"
# strongSwan rekeys the Child SA (CREATE_CHILD_SA, REKEY_SA): we answer,
# strongSwan deletes the old one, traffic keeps flowing
old=$(grep -o "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*")
"$SW" swanctl --dir "$WORK/sw" -- --rekey --child interop >/dev/null 2>&1 || fail "swanctl --rekey failed"
wait_log "CHILD $old REMOVED" 5 || fail "ikebus: the old Child SA $old was not deleted after strongSwan's rekey"
new=$(grep -o "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*")
[ "$new" != "$old" ] || fail "ikebus: no new Child SA after strongSwan's rekey"
for _ in $(seq 1 20); do
  "$SW" state --dir "$WORK/sw" | grep -q " child_count=1$" && break; sleep 0.2
done
note "rekeyed by strongSwan: Child SA $old -> $new; strongSwan: $("$SW" state --dir "$WORK/sw")"
"$SW" state --dir "$WORK/sw" | grep -q " child_count=1$" || fail "strongSwan: not exactly one Child SA after the rekey"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping after the rekey failed"
# strongSwan deletes the IKE SA: ours goes away too
"$SW" swanctl --dir "$WORK/sw" -- --terminate --ike interop >/dev/null 2>&1
wait_log "IKE #[0-9]* REMOVED" 5 || fail "ikebus kept the IKE SA after strongSwan's Delete"
echo "PASS"
