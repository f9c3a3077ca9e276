#!/bin/bash
# (c) our engine initiates to Libreswan with a Child SA.  This kernel has no
# ESP, so pluto fails to add its kernel SA and answers TS_UNACCEPTABLE; per
# RFC 7296 §1.2 the IKE SA stays on both sides and we keep no Child SA.
. "$(dirname "$0")/lib.sh"
LS="$INTEROP_DIR/peer-libreswan"
[ -x "${LIBRESWAN_ROOT:-/opt/libreswan}/usr/libexec/ipsec/pluto" ] || skip "Libreswan not unpacked (../shared/interop/install-deps)"
PEER_STOP="$LS stop --dir $WORK/ls"
PEER_LOG="$LS log --dir $WORK/ls"

netns_up
write_conn
"$LS" start --ns "$NS_B" --dir "$WORK/ls" \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "Libreswan did not start"
start_driver --initiate
wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
grep "^PROGRESS\|^RESULT" "$WORK/driver.log"
grep -q "PROGRESS 23 .*IKE_AUTH response rejected Child SA with TS_UNACCEPTABLE" "$WORK/driver.log" \
  || fail "ikebus did not report TS_UNACCEPTABLE"
grep -q "^RESULT 23 NO_PROPOSAL" "$WORK/driver.log" || fail "ikebus: wrong result"
kill -HUP "$DRIVER_PID"
wait_log STATUS-END 3
grep -q "^IKE #1 ESTABLISHED" "$WORK/driver.log" || fail "ikebus dropped the IKE SA"
if grep -q "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log"; then fail "ikebus kept a Child SA"; fi
st=$("$LS" state --dir "$WORK/ls")
note "Libreswan: $st"
echo "$st" | grep -q "ike=ESTABLISHED" || fail "Libreswan has no IKE SA"
echo "$st" | grep -q "child=NONE" || fail "Libreswan has a Child SA"
# our Delete removes Libreswan's IKE SA
kill -USR1 "$DRIVER_PID"
wait_log "IKE #1 REMOVED" 5 || fail "ikebus: Delete did not complete"
for _ in $(seq 1 20); do
  "$LS" state --dir "$WORK/ls" | grep -q "ike_count=0" && break; sleep 0.2
done
note "Libreswan after our Delete: $("$LS" state --dir "$WORK/ls")"
"$LS" state --dir "$WORK/ls" | grep -q "ike_count=0" || fail "Libreswan kept the IKE SA after our Delete"
echo "PASS"
