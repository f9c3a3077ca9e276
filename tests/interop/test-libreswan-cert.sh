#!/bin/bash
# Certificate authentication against Libreswan:  test-libreswan-cert.sh initiate|respond [rsa|ecdsa]
#   initiate (default ecdsa): our engine initiates with a Child SA; pluto
#     authenticates us, keeps the IKE SA and answers TS_UNACCEPTABLE (no ESP
#     in this kernel), as in the PSK case.
#   respond (default rsa): pluto initiates a childless IKE SA (RFC 6023).
# Both sides' own status is checked, and pluto's log says how we signed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cert-lib.sh"
DIR=${1:-initiate}
TYPE=${2:-}; [ -n "$TYPE" ] || { [ "$DIR" = initiate ] && TYPE=ecdsa || TYPE=rsa; }
LS="$INTEROP_DIR/peer-libreswan"
[ -x "${LIBRESWAN_ROOT:-/opt/libreswan}/usr/libexec/ipsec/pluto" ] || skip "Libreswan not unpacked (../shared/interop/install-deps)"
PEER_STOP="$LS stop --dir $WORK/ls"
PEER_LOG="$LS log --dir $WORK/ls"

netns_up
make_certs "$TYPE"
write_cert_conn
LSARGS=(--ns "$NS_B" --dir "$WORK/ls" --local 192.0.2.2 --remote 192.0.2.1
        --local-id east.example --remote-id west.example --auth cert
        --cert "$WORK/certs/east.example.pem" --key "$WORK/certs/east.example.key"
        --ca "$WORK/certs/ca.pem" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32)
if [ "$DIR" = initiate ]; then
  "$LS" start "${LSARGS[@]}" >/dev/null 2>&1 || fail "Libreswan did not start"
  start_driver --nss-dir "$WORK/nss" --initiate
  wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
  grep "^PROGRESS\|^RESULT" "$WORK/driver.log"
  grep -q "PROGRESS 0 .*established IKE SA; authenticated peer using .*certificate" "$WORK/driver.log" \
    || fail "ikebus did not authenticate Libreswan's certificate"
  grep -q "PROGRESS 23 .*IKE_AUTH response rejected Child SA with TS_UNACCEPTABLE" "$WORK/driver.log" \
    || fail "ikebus did not report TS_UNACCEPTABLE"
  kill -HUP "$DRIVER_PID"
  wait_log STATUS-END 3
  grep -q "^IKE #1 ESTABLISHED" "$WORK/driver.log" || fail "ikebus dropped the IKE SA"
  st=$("$LS" state --dir "$WORK/ls")
  note "Libreswan: $st"
  echo "$st" | grep -q "ike=ESTABLISHED" || fail "Libreswan has no IKE SA"
  echo "$st" | grep -q "child=NONE" || fail "Libreswan has a Child SA"
else
  start_driver --nss-dir "$WORK/nss"
  "$LS" start "${LSARGS[@]}" --role initiator --childless >/dev/null 2>&1 \
    || fail "Libreswan did not start or initiate"
  "$LS" wait --dir "$WORK/ls" --want ike --timeout 10 >/dev/null || fail "Libreswan: no IKE SA"
  st=$("$LS" state --dir "$WORK/ls")
  note "Libreswan: $st"
  echo "$st" | grep -q " child_count=0$" || fail "Libreswan has a Child SA"
  wait_log "IKE #[0-9]* ESTABLISHED responder" 5 || fail "ikebus: IKE SA not established"
  grep "^IKE\|^CHILD" "$WORK/driver.log" | tail -2
  if grep -q "^CHILD" "$WORK/driver.log"; then fail "ikebus made a Child SA"; fi
fi
"$LS" log --dir "$WORK/ls" | grep -i "authenticated peer\|established IKE SA" | tail -2
"$LS" log --dir "$WORK/ls" | grep -qi "established IKE SA" || fail "pluto did not establish the IKE SA"
echo "PASS"
