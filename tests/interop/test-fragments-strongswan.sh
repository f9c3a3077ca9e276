#!/bin/bash
# (d) RFC 7383 with strongSwan: we initiate with fragmentation=force and a
# 200-octet fragment size, strongSwan answers with 150-octet fragments; both
# sides reassemble, the tunnel comes up and carries a ping.
. "$(dirname "$0")/lib.sh"
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"

netns_up
write_conn ", 'fragmentation': <'force'>"
echo "  fragment_size = 150" > "$WORK/sw-conf"
echo "    fragmentation = force" > "$WORK/sw-conn"
"$SW" start --ns "$NS_B" --dir "$WORK/sw" --role responder --kernel libipsec --debug 2 \
  --conf-extra "$WORK/sw-conf" --swanctl-extra "$WORK/sw-conn" \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "strongSwan did not start"
start_driver --initiate --fragment-size 200
wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
grep "^RESULT" "$WORK/driver.log"
grep -q "^RESULT 0 " "$WORK/driver.log" || fail "ikebus: initiate failed"
"$SW" log --dir "$WORK/sw" | grep -q "reassembled fragmented IKE message" \
  || fail "strongSwan did not receive fragments from us"
"$SW" log --dir "$WORK/sw" | grep -q "splitting IKE message" \
  || fail "strongSwan did not fragment its reply"
note "strongSwan: $("$SW" state --dir "$WORK/sw")"
"$SW" state --dir "$WORK/sw" | grep -q "child=INSTALLED" || fail "strongSwan: no Child SA"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping failed"
echo "PASS"
