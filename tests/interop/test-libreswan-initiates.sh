#!/bin/bash
# (e) Libreswan initiates a childless IKE SA (RFC 6023) to our engine, the
# only Libreswan-initiator cell this kernel allows (pluto cannot install a
# Child SA without ESP): both sides report the IKE SA, neither a Child SA,
# and Libreswan's Delete removes ours.
. "$(dirname "$0")/lib.sh"
LS="$INTEROP_DIR/peer-libreswan"
[ -x "${LIBRESWAN_ROOT:-/opt/libreswan}/usr/libexec/ipsec/pluto" ] || skip "Libreswan not unpacked (../shared/interop/install-deps)"
PEER_STOP="$LS stop --dir $WORK/ls"
PEER_LOG="$LS log --dir $WORK/ls"

netns_up
write_conn
start_driver
"$LS" start --ns "$NS_B" --dir "$WORK/ls" --role initiator --childless \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "Libreswan did not start or initiate"
"$LS" wait --dir "$WORK/ls" --want ike --timeout 10 >/dev/null || fail "Libreswan: no IKE SA"
st=$("$LS" state --dir "$WORK/ls")
note "Libreswan: $st"
echo "$st" | grep -q " child_count=0$" || fail "Libreswan has a Child SA"
wait_log "IKE #[0-9]* ESTABLISHED responder" 5 || fail "ikebus: IKE SA not established"
grep "^IKE\|^CHILD" "$WORK/driver.log" | tail -2
if grep -q "^CHILD" "$WORK/driver.log"; then fail "ikebus made a Child SA"; fi
"$LS" whack --dir "$WORK/ls" -- --delete --name interop >/dev/null 2>&1 \
  || "$LS" whack --dir "$WORK/ls" -- --down --name interop >/dev/null 2>&1
wait_log "IKE #[0-9]* REMOVED" 5 || fail "ikebus kept the IKE SA after Libreswan's Delete"
echo "PASS"
