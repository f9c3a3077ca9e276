#!/bin/bash
# Certificate authentication against strongSwan (kernel-libipsec), RSA or
# ECDSA, either side initiating:  test-strongswan-cert.sh rsa|ecdsa initiate|respond
# Both sides report the IKE and Child SA (strongSwan's own status), the
# AUTH method is RFC 7427's, and pings cross the tunnel both ways.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cert-lib.sh"
TYPE=${1:-rsa}; DIR=${2:-initiate}
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"

netns_up
make_certs "$TYPE"
write_cert_conn
role=responder; [ "$DIR" = respond ] && role=initiator
if [ "$DIR" = respond ]; then
  start_driver --nss-dir "$WORK/nss"
fi
"$SW" start --ns "$NS_B" --dir "$WORK/sw" --role "$role" --kernel libipsec \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --auth pubkey --cert "$WORK/certs/east.example.pem" --key "$WORK/certs/east.example.key" \
  --ca "$WORK/certs/ca.pem" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "strongSwan did not start (or its initiate failed)"
if [ "$DIR" = initiate ]; then
  start_driver --nss-dir "$WORK/nss" --initiate
  wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
  grep "^PROGRESS\|^RESULT" "$WORK/driver.log"
  grep -q "^RESULT 0 " "$WORK/driver.log" || fail "ikebus: initiate failed"
else
  wait_log "CHILD #[0-9]* INSTALLED" 15 || fail "ikebus: no Child SA as responder"
  grep "^IKE\|^CHILD" "$WORK/driver.log" | tail -2
fi
"$SW" wait --dir "$WORK/sw" --want child --timeout 5 >/dev/null || fail "strongSwan: no Child SA"
note "strongSwan: $("$SW" state --dir "$WORK/sw")"
# strongSwan logs how we authenticated
"$SW" log --dir "$WORK/sw" | grep -i "authentication of 'west.example' with" | tail -1
"$SW" log --dir "$WORK/sw" | grep -qi "authentication of 'west.example' with .*successful" \
  || fail "strongSwan did not authenticate us"
note "ping 198.51.100.1 -> 198.51.100.2 (ikebus side)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping from ikebus' side failed"
note "ping 198.51.100.2 -> 198.51.100.1 (strongSwan side)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping from strongSwan's side failed"
echo "PASS"
