#!/bin/bash
# Algorithm cells against strongSwan (kernel-libipsec), PSK, table-driven:
# one IKE suite and one ESP suite per cell, both directions.  Per cell:
#   - both daemons are started with only that suite configured (ours with
#     the connection model's 'ike'/'esp' keys, strongSwan with its own
#     proposals= / esp_proposals=), one side initiates;
#   - our view (the driver's IKE/CHILD lines) shows the negotiated
#     algorithms, and strongSwan's OWN view (its vici list-sas dump) shows
#     the same suite for its IKE SA and its Child SA;
#   - pings cross the userspace ESP tunnel.
# Usage: test-algorithms-strongswan.sh [CELL...]   (default: every cell)
# A cell is SUITE-DIRECTION, DIRECTION "ikebus" (we initiate) or "strongswan"
# (strongSwan initiates), e.g. modp2048-ikebus.  --list prints the cells.
. "$(dirname "$0")/lib.sh"
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"

# SUITE | ours: ike | ours: esp | strongSwan: proposals | esp_proposals |
#   strongSwan view of the IKE SA (vici fields) | of the Child SA |
#   our IKE algorithms line | our Child algorithms line
SUITES=(
  "modp2048|aes128-sha2_256-modp2048|aes128-sha2_256|aes128-sha256-modp2048|aes128-sha256|encr-alg=AES_CBC encr-keysize=128 integ-alg=HMAC_SHA2_256_128 prf-alg=PRF_HMAC_SHA2_256 dh-group=MODP_2048|encr-alg=AES_CBC encr-keysize=128 integ-alg=HMAC_SHA2_256_128|AES_CBC_128-HMAC_SHA2_256-HMAC_SHA2_256_128-MODP_2048|AES_CBC_128-HMAC_SHA2_256_128"
  "ecp256|aes_gcm128-sha2_256-ecp256|aes_gcm128|aes128gcm16-prfsha256-ecp256|aes128gcm16|encr-alg=AES_GCM_16 encr-keysize=128 prf-alg=PRF_HMAC_SHA2_256 dh-group=ECP_256|encr-alg=AES_GCM_16 encr-keysize=128|AES_GCM_16_128-HMAC_SHA2_256-ECP_256|AES_GCM_16_128-NONE"
  "x25519-gcm256|aes_gcm256-sha2_256-curve25519|aes_gcm256|aes256gcm16-prfsha256-x25519|aes256gcm16|encr-alg=AES_GCM_16 encr-keysize=256 prf-alg=PRF_HMAC_SHA2_256 dh-group=CURVE_25519|encr-alg=AES_GCM_16 encr-keysize=256|AES_GCM_16_256-HMAC_SHA2_256-CURVE25519|AES_GCM_16_256-NONE"
  "x25519-chacha|chacha20_poly1305-sha2_256-curve25519|chacha20_poly1305|chacha20poly1305-prfsha256-x25519|chacha20poly1305|encr-alg=CHACHA20_POLY1305 prf-alg=PRF_HMAC_SHA2_256 dh-group=CURVE_25519|encr-alg=CHACHA20_POLY1305|CHACHA20_POLY1305-HMAC_SHA2_256-CURVE25519|CHACHA20_POLY1305-NONE"
)
ALL_CELLS=()
for s in "${SUITES[@]}"; do
  for dir in ikebus strongswan; do ALL_CELLS+=("${s%%|*}-$dir"); done
done
if [ "${1:-}" = --list ]; then printf '%s\n' "${ALL_CELLS[@]}"; exit 0; fi
CELLS=("$@")
[ ${#CELLS[@]} -gt 0 ] || CELLS=("${ALL_CELLS[@]}")

# chacha20poly1305: strongSwan 5.9.8's openssl plugin provides it (OpenSSL
# 3); the chapoly plugin (libstrongswan-extra-plugins) is loaded as well
# when it is installed, so the cell does not depend on which one is used.
[ -f /usr/lib/ipsec/plugins/libstrongswan-chapoly.so ] && export EXTRA_PLUGINS="chapoly"

suite_row() {
  local s
  for s in "${SUITES[@]}"; do [ "${s%%|*}" = "$1" ] && { echo "$s"; return 0; }; done
  return 1
}

# run_cell CELL: in a subshell, so that fail() ends only this cell; the
# subshell's EXIT trap stops this cell's daemons
run_cell() (
  local cell=$1 suite dir row ours_ike ours_esp sw_ike sw_esp want_sw_ike want_sw_child
  local want_ike want_child raw f
  suite=${cell%-*}; dir=${cell##*-}
  row=$(suite_row "$suite") || fail "unknown cell $cell"
  IFS='|' read -r _ ours_ike ours_esp sw_ike sw_esp want_sw_ike want_sw_child want_ike want_child <<< "$row"
  WORK=$WORK/$cell; mkdir -p "$WORK"
  DRIVER_PID=""
  PEER_STOP="$SW stop --dir $WORK/sw"
  PEER_LOG="$SW log --dir $WORK/sw"
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
  note "cell $cell: ike=$ours_ike esp=$ours_esp (strongSwan: $sw_ike / $sw_esp)"
  write_conn ", 'ike': <'$ours_ike'>, 'esp': <'$ours_esp'>"
  if [ "$dir" = ikebus ]; then
    "$SW" start --ns "$NS_B" --dir "$WORK/sw" --role responder --kernel libipsec \
      --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
      --psk "$PSK" --ike "$sw_ike" --esp "$sw_esp" \
      --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
      || fail "$cell: strongSwan did not start"
    start_driver --initiate
    wait_log "^RESULT" 15 || fail "$cell: ikebus: initiate did not finish"
    grep -q "^RESULT 0 " "$WORK/driver.log" || fail "$cell: ikebus: initiate failed: $(grep '^RESULT' "$WORK/driver.log")"
    "$SW" wait --dir "$WORK/sw" --want child --timeout 5 >/dev/null || fail "$cell: strongSwan: no Child SA"
  else
    start_driver
    "$SW" start --ns "$NS_B" --dir "$WORK/sw" --role initiator --kernel libipsec \
      --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
      --psk "$PSK" --ike "$sw_ike" --esp "$sw_esp" \
      --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
      || fail "$cell: strongSwan did not start or initiate"
    "$SW" wait --dir "$WORK/sw" --want child --timeout 10 >/dev/null || fail "$cell: strongSwan: no Child SA"
    wait_log "^CHILD #[0-9]* INSTALLED" 5 || fail "$cell: ikebus: no Child SA installed"
  fi
  # our view
  local role=initiator; [ "$dir" = ikebus ] || role=responder
  grep -q "^IKE #[0-9]* ESTABLISHED $role .* $want_ike$" "$WORK/driver.log" \
    || fail "$cell: ikebus: no IKE SA as $role with $want_ike: $(grep '^IKE' "$WORK/driver.log")"
  grep -q "^CHILD #[0-9]* INSTALLED .* $want_child bytes_in" "$WORK/driver.log" \
    || fail "$cell: ikebus: no Child SA with $want_child: $(grep '^CHILD' "$WORK/driver.log")"
  # strongSwan's own view: the IKE part (before child-sas) and the Child part
  raw=$("$SW" list --dir "$WORK/sw" --raw 2>/dev/null | grep '^list-sa event')
  [ "$(echo "$raw" | grep -c .)" = 1 ] || fail "$cell: strongSwan does not list exactly one IKE SA"
  for f in state=ESTABLISHED $want_sw_ike; do
    echo "$raw" | sed 's/ child-sas {.*//' | grep -q " $f " \
      || fail "$cell: strongSwan's IKE SA lacks $f: $(echo "$raw" | sed 's/ child-sas {.*//')"
  done
  for f in state=INSTALLED $want_sw_child; do
    echo "$raw" | sed -n 's/.* child-sas {//p' | grep -q " $f " \
      || fail "$cell: strongSwan's Child SA lacks $f: $(echo "$raw" | sed -n 's/.* child-sas {//p')"
  done
  if [ "$dir" = ikebus ]; then
    echo "$raw" | grep -q " initiator=yes " && fail "$cell: strongSwan thinks it initiated"
  else
    echo "$raw" | sed 's/ child-sas {.*//' | grep -q " initiator=yes " || fail "$cell: strongSwan is not the initiator"
  fi
  note "$cell: ours: $(grep -o "^IKE #[0-9]* ESTABLISHED $role" "$WORK/driver.log" | tail -1) $want_ike / $want_child;" \
    "strongSwan: $("$SW" state --dir "$WORK/sw")"
  ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "$cell: ping through the tunnel failed"
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
