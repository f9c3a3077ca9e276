#!/bin/bash
# IKE SA rekey (RFC 7296 §1.3.2) against Libreswan on an IKE SA without
# Child SA (this kernel has no ESP, so pluto cannot install one).
# Usage: test-rekey-libreswan.sh [--ikebus-initiates]
# Libreswan initiates a childless IKE SA (RFC 6023), or we initiate and
# pluto refuses the Child SA (TS_UNACCEPTABLE, the IKE SA stays); then
# Libreswan rekeys the IKE SA (whack --rekey-ike), then we do.  After each rekey both sides hold exactly one IKE SA (pluto's
# own view, and ours), the old one is gone, and the new one carries the next
# exchange.  Finally Libreswan's Delete removes ours.
IKEBUS_INITIATES=0
[ "${1:-}" = "--ikebus-initiates" ] && IKEBUS_INITIATES=1
. "$(dirname "$0")/lib.sh"
LS="$INTEROP_DIR/peer-libreswan"
[ -x "${LIBRESWAN_ROOT:-/opt/libreswan}/usr/libexec/ipsec/pluto" ] || skip "Libreswan not unpacked (../shared/interop/install-deps)"
PEER_STOP="$LS stop --dir $WORK/ls"
PEER_LOG="$LS log --dir $WORK/ls"

ls_state() { "$LS" state --dir "$WORK/ls"; }
wait_ls_one() {
  for _ in $(seq 1 30); do
    ls_state | grep -q "ike=ESTABLISHED .*ike_count=1 child_count=0" && return 0
    sleep 0.2
  done
  return 1
}
last_ike() { grep -o "^IKE #[0-9]* ESTABLISHED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*"; }
# our own view (SIGHUP dump): exactly one IKE SA, ESTABLISHED, and no Child SA
check_ours() {
  local from n block
  from=$(($(wc -l < "$WORK/driver.log") + 1))
  n=$(grep -c "^STATUS-END" "$WORK/driver.log")
  kill -HUP "$DRIVER_PID"
  for _ in $(seq 1 30); do [ "$(grep -c "^STATUS-END" "$WORK/driver.log")" -gt "$n" ] && break; sleep 0.1; done
  block=$(tail -n +"$from" "$WORK/driver.log" | sed '/^STATUS-END/,$d')
  [ "$(echo "$block" | grep -c "^IKE #")" = 1 ] || fail "ikebus does not hold exactly one IKE SA: $block"
  echo "$block" | grep -q "^IKE $1 ESTABLISHED" || fail "ikebus: IKE SA $1 is not the one left"
  if echo "$block" | grep -q "^CHILD"; then fail "ikebus has a Child SA"; fi
}

netns_up
write_conn
if [ $IKEBUS_INITIATES = 1 ]; then
  "$LS" start --ns "$NS_B" --dir "$WORK/ls" \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
    --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
    || fail "Libreswan did not start"
  start_driver --initiate
  wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
  grep -q "^RESULT 23 NO_PROPOSAL" "$WORK/driver.log" || fail "ikebus: expected the Child SA to be refused"
  wait_log "IKE #[0-9]* ESTABLISHED initiator" 5 || fail "ikebus: IKE SA not established"
else
  start_driver
  "$LS" start --ns "$NS_B" --dir "$WORK/ls" --role initiator --childless \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
    --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
    || fail "Libreswan did not start or initiate"
  "$LS" wait --dir "$WORK/ls" --want ike --timeout 10 >/dev/null || fail "Libreswan: no IKE SA"
  wait_log "IKE #[0-9]* ESTABLISHED responder" 5 || fail "ikebus: IKE SA not established"
fi
ike0=$(last_ike)
wait_ls_one || fail "Libreswan: $(ls_state)"
note "up: IKE SA $ike0; Libreswan: $(ls_state)"

# 1. Libreswan rekeys the IKE SA
"$LS" whack --dir "$WORK/ls" -- --rekey-ike --name interop >/dev/null 2>&1 \
  || fail "whack --rekey-ike failed"
wait_log "IKE $ike0 REMOVED" 10 || fail "ikebus: the old IKE SA $ike0 was not deleted after Libreswan's rekey"
ike1=$(last_ike)
[ "$ike1" != "$ike0" ] || fail "ikebus: no new IKE SA after Libreswan's rekey"
grep -q "^IKE $ike1 IKE_SA_INIT" "$WORK/driver.log" && fail "ikebus: IKE SA $ike1 came from IKE_SA_INIT, not from a rekey"
grep -q "^IKE $ike1 ESTABLISHED responder" "$WORK/driver.log" || fail "ikebus: IKE SA $ike1 should be ours as responder"
wait_ls_one || fail "Libreswan after its IKE rekey: $(ls_state)"
check_ours "$ike1"
note "rekeyed by Libreswan: IKE SA $ike0 -> $ike1; Libreswan: $(ls_state)"

# 2. we rekey the IKE SA
kill -WINCH "$DRIVER_PID"
wait_log "IKE $ike1 REMOVED" 10 || fail "ikebus: our IKE rekey did not replace IKE SA $ike1"
ike2=$(last_ike)
[ "$ike2" != "$ike1" ] || fail "ikebus: no new IKE SA after our rekey"
grep -q "^IKE $ike2 IKE_SA_INIT" "$WORK/driver.log" && fail "ikebus: IKE SA $ike2 came from IKE_SA_INIT, not from a rekey"
grep -q "^IKE $ike2 ESTABLISHED initiator" "$WORK/driver.log" || fail "ikebus: IKE SA $ike2 should be ours as initiator"
wait_ls_one || fail "Libreswan after our IKE rekey: $(ls_state)"
check_ours "$ike2"
note "rekeyed by ikebus: IKE SA $ike1 -> $ike2; Libreswan: $(ls_state)"

# 3. the new IKE SA works both ways: Libreswan rekeys it again, then deletes it
"$LS" whack --dir "$WORK/ls" -- --rekey-ike --name interop >/dev/null 2>&1 \
  || fail "whack --rekey-ike (2) failed"
wait_log "IKE $ike2 REMOVED" 10 || fail "ikebus: IKE SA $ike2 was not replaced by Libreswan's second rekey"
ike3=$(last_ike)
wait_ls_one || fail "Libreswan after its second IKE rekey: $(ls_state)"
check_ours "$ike3"
note "rekeyed by Libreswan again: IKE SA $ike2 -> $ike3; Libreswan: $(ls_state)"
"$LS" whack --dir "$WORK/ls" -- --delete --name interop >/dev/null 2>&1 \
  || "$LS" whack --dir "$WORK/ls" -- --down --name interop >/dev/null 2>&1
wait_log "IKE $ike3 REMOVED" 10 || fail "ikebus kept the IKE SA after Libreswan's Delete"
echo "PASS"
