#!/bin/bash
# Algorithm cells against Libreswan 4.10 (pluto), PSK, table-driven.  This
# kernel has no ESP, so pluto cannot install a Child SA; the cells cover
# what it allows:
#   - we initiate with a Child SA: the IKE SA comes up on both sides with
#     the configured suite, pluto fails its kernel SA and answers
#     TS_UNACCEPTABLE, we keep the IKE SA and no Child SA (as
#     test-initiate-libreswan.sh asserts), then our Delete removes pluto's;
#   - pluto initiates childless (RFC 6023): the IKE SA comes up on both
#     sides with the configured suite, pluto's Delete removes ours.
# Each side's own view is checked: ours from the driver's IKE lines, pluto's
# from `whack --status` ("IKEv2 algorithm newest: ...") and its state.
# Usage: test-algorithms-libreswan.sh [CELL...]  (default: every cell); --list
. "$(dirname "$0")/lib.sh"
LS="$INTEROP_DIR/peer-libreswan"
[ -x "${LIBRESWAN_ROOT:-/opt/libreswan}/usr/libexec/ipsec/pluto" ] || skip "Libreswan not unpacked (../shared/interop/install-deps)"

# CELL | who initiates | ours: ike | ours: esp | pluto: ike | pluto: esp |
#   pluto's "IKEv2 algorithm newest" | our IKE algorithms line
CELL_TABLE=(
  "ecp256-cbc-ikebus|ikebus|aes128-sha2_256-ecp256|aes128-sha2_256|aes128-sha2_256-dh19|aes128-sha2_256|AES_CBC_128-HMAC_SHA2_256-DH19|AES_CBC_128-HMAC_SHA2_256-HMAC_SHA2_256_128-ECP_256"
  "modp2048-cbc256-ikebus|ikebus|aes256-sha2_384-modp2048|aes256-sha2_384|aes256-sha2_384-modp2048|aes256-sha2_384|AES_CBC_256-HMAC_SHA2_384-MODP2048|AES_CBC_256-HMAC_SHA2_384-HMAC_SHA2_384_192-MODP_2048"
  "x25519-gcm256-libreswan|libreswan|aes_gcm256-sha2_256-curve25519|aes_gcm256|aes_gcm256-sha2_256-dh31|aes_gcm256|AES_GCM_16_256-HMAC_SHA2_256-DH31|AES_GCM_16_256-HMAC_SHA2_256-CURVE25519"
)
ALL_CELLS=()
for s in "${CELL_TABLE[@]}"; do ALL_CELLS+=("${s%%|*}"); done
if [ "${1:-}" = --list ]; then printf '%s\n' "${ALL_CELLS[@]}"; exit 0; fi
CELLS=("$@")
[ ${#CELLS[@]} -gt 0 ] || CELLS=("${ALL_CELLS[@]}")

cell_row() {
  local s
  for s in "${CELL_TABLE[@]}"; do [ "${s%%|*}" = "$1" ] && { echo "$s"; return 0; }; done
  return 1
}

# pluto's negotiated IKE algorithms for the connection
pluto_newest() {
  "$LS" whack --dir "$WORK/ls" -- --status 2>/dev/null | sed -n 's/.*IKEv2 algorithm newest: *//p' | head -1
}

run_cell() (
  local cell=$1 row who ours_ike ours_esp ls_ike ls_esp want_ls want_ike st newest role
  row=$(cell_row "$cell") || fail "unknown cell $cell"
  IFS='|' read -r _ who ours_ike ours_esp ls_ike ls_esp want_ls want_ike <<< "$row"
  WORK=$WORK/$cell; mkdir -p "$WORK"
  DRIVER_PID=""
  PEER_STOP="$LS stop --dir $WORK/ls"
  PEER_LOG="$LS log --dir $WORK/ls"
  cell_cleanup() {
    set +e
    if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
      kill -TERM "$DRIVER_PID"
      for _ in $(seq 1 20); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$DRIVER_PID" 2>/dev/null
    fi
    $PEER_STOP >/dev/null 2>&1
  }
  trap cell_cleanup EXIT
  note "cell $cell: ike=$ours_ike esp=$ours_esp (pluto: ike=$ls_ike esp=$ls_esp)"
  write_conn ", 'ike': <'$ours_ike'>, 'esp': <'$ours_esp'>"
  if [ "$who" = ikebus ]; then
    role=initiator
    "$LS" start --ns "$NS_B" --dir "$WORK/ls" --ike "$ls_ike" --esp "$ls_esp" \
      --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
      --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
      || fail "$cell: Libreswan did not start"
    start_driver --initiate
    wait_log "^RESULT" 15 || fail "$cell: ikebus: initiate did not finish"
    grep -q "PROGRESS 23 .*IKE_AUTH response rejected Child SA with TS_UNACCEPTABLE" "$WORK/driver.log" \
      || fail "$cell: ikebus did not report TS_UNACCEPTABLE: $(grep '^PROGRESS\|^RESULT' "$WORK/driver.log")"
    grep -q "^RESULT 23 NO_PROPOSAL" "$WORK/driver.log" || fail "$cell: ikebus: wrong result"
    if grep -q "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log"; then fail "$cell: ikebus kept a Child SA"; fi
  else
    role=responder
    start_driver
    "$LS" start --ns "$NS_B" --dir "$WORK/ls" --role initiator --childless --ike "$ls_ike" --esp "$ls_esp" \
      --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
      --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
      || fail "$cell: Libreswan did not start or initiate"
    "$LS" wait --dir "$WORK/ls" --want ike --timeout 10 >/dev/null || fail "$cell: Libreswan: no IKE SA"
    wait_log "^IKE #[0-9]* ESTABLISHED responder" 5 || fail "$cell: ikebus: IKE SA not established"
    if grep -q "^CHILD" "$WORK/driver.log"; then fail "$cell: ikebus made a Child SA"; fi
  fi
  grep -q "^IKE #[0-9]* ESTABLISHED $role .* $want_ike$" "$WORK/driver.log" \
    || fail "$cell: ikebus: no IKE SA as $role with $want_ike: $(grep '^IKE' "$WORK/driver.log")"
  st=$("$LS" state --dir "$WORK/ls")
  newest=$(pluto_newest)
  note "$cell: ours: $(grep "^IKE #[0-9]* ESTABLISHED" "$WORK/driver.log" | tail -1)"
  note "$cell: Libreswan: $st; IKEv2 algorithm newest: $newest"
  echo "$st" | grep -q "^ike=ESTABLISHED child=NONE ike_count=1 child_count=0$" || fail "$cell: Libreswan: $st"
  [ "$newest" = "$want_ls" ] || fail "$cell: Libreswan negotiated '$newest', expected '$want_ls'"
  if [ "$who" = ikebus ]; then
    kill -USR1 "$DRIVER_PID"
    wait_log "IKE #[0-9]* REMOVED" 5 || fail "$cell: ikebus: Delete did not complete"
    for _ in $(seq 1 20); do "$LS" state --dir "$WORK/ls" | grep -q "ike_count=0" && break; sleep 0.2; done
    "$LS" state --dir "$WORK/ls" | grep -q "ike_count=0" || fail "$cell: Libreswan kept the IKE SA after our Delete"
  else
    "$LS" whack --dir "$WORK/ls" -- --delete --name interop >/dev/null 2>&1 \
      || "$LS" whack --dir "$WORK/ls" -- --down --name interop >/dev/null 2>&1
    wait_log "IKE #[0-9]* REMOVED" 5 || fail "$cell: ikebus kept the IKE SA after Libreswan's Delete"
  fi
  echo "CELL-PASS $cell"
)

netns_up
passed=() failed=()
for c in "${CELLS[@]}"; do
  if run_cell "$c"; then passed+=("$c"); else failed+=("$c"); fi
done
echo "passed (${#passed[@]}): ${passed[*]:-}"
echo "failed (${#failed[@]}): ${failed[*]:-}"
[ ${#failed[@]} = 0 ] || exit 1
echo "PASS"
