#!/bin/bash
# On-demand (routed) connection against strongSwan (kernel-libipsec
# responder), our userspace ESP backend: --route installs the trap, a ping
# to the peer's inner address hits it, the kernel backend raises ACQUIRE,
# the engine initiates, the tunnel comes up and the next pings cross it.
# The updown command ran prepare, route and up with the PLUTO_* environment;
# after our Delete the trap is back (down ran) and traffic brings the tunnel
# up again.
. "$(dirname "$0")/lib.sh"
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"

netns_up
cat > "$WORK/updown.sh" <<'EOS'
#!/bin/sh
echo "$PLUTO_VERB $PLUTO_CONNECTION me=$PLUTO_ME peer=$PLUTO_PEER my=$PLUTO_MY_CLIENT peer_client=$PLUTO_PEER_CLIENT iface=$PLUTO_INTERFACE reqid=$PLUTO_SA_REQID type=$PLUTO_SA_TYPE" >> "$1"
EOS
write_conn ", 'left-updown': <'/bin/sh $WORK/updown.sh $WORK/updown.log'>"
"$SW" start --ns "$NS_B" --dir "$WORK/sw" --role responder --kernel libipsec \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "strongSwan did not start"
start_driver --route
wait_log "^ROUTING west-east on-demand" 5 || fail "ikebus: not routed"
grep -q "^IKE #" "$WORK/driver.log" && fail "ikebus: negotiated before any traffic"
note "routed; the first ping hits the trap"
ip netns exec "$NS_A" ping -n -c 1 -W 1 -I 198.51.100.1 198.51.100.2 >/dev/null 2>&1 || true
wait_log "^CHILD #[0-9]* INSTALLED" 10 || fail "ikebus: ACQUIRE did not bring the tunnel up"
wait_log "^ROUTING west-east tunnel" 5 || fail "ikebus: routing is not tunnel"
grep "^IKE #\|^CHILD #\|^ROUTING" "$WORK/driver.log"
[ "$(grep -c "^IKE #[0-9]* ESTABLISHED" "$WORK/driver.log")" = 1 ] || fail "ikebus: not exactly one IKE SA"
"$SW" wait --dir "$WORK/sw" --want child --timeout 5 >/dev/null || fail "strongSwan: no Child SA"
note "strongSwan: $("$SW" state --dir "$WORK/sw")"
note "ping 198.51.100.1 -> 198.51.100.2 through the tunnel"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping through the on-demand tunnel failed"
for _ in $(seq 1 20); do grep -q "^up-client" "$WORK/updown.log" 2>/dev/null && break; sleep 0.1; done
note "updown log:"; cat "$WORK/updown.log"
grep -q "^prepare-client west-east me=192.0.2.1 peer=192.0.2.2 my=198.51.100.1/32 peer_client=198.51.100.2/32 .* type=none" "$WORK/updown.log" \
  || fail "updown: no prepare-client"
grep -q "^route-client west-east " "$WORK/updown.log" || fail "updown: no route-client"
grep -q "^up-client west-east me=192.0.2.1 peer=192.0.2.2 my=198.51.100.1/32 peer_client=198.51.100.2/32 iface=ikebus0 reqid=[1-9][0-9]* type=ESP" "$WORK/updown.log" \
  || fail "updown: no up-client with the expected environment"

# our Delete: the trap comes back, and traffic brings the tunnel up again
kill -USR1 "$DRIVER_PID"
wait_log "IKE #[0-9]* REMOVED" 5 || fail "ikebus: Delete did not complete"
wait_log "^ROUTING west-east on-demand" 5 || fail "ikebus: the trap did not come back"
for _ in $(seq 1 20); do grep -q "^down-client" "$WORK/updown.log" 2>/dev/null && break; sleep 0.1; done
grep -q "^down-client west-east " "$WORK/updown.log" || fail "updown: no down-client"
grep -q "^unroute-client" "$WORK/updown.log" && fail "updown: unroute ran while still routed"
note "tunnel down, trap back; traffic again"
# the userspace backend raises at most one ACQUIRE per trap every 5 s
for _ in $(seq 1 8); do
  ip netns exec "$NS_A" ping -n -c 1 -W 1 -I 198.51.100.1 198.51.100.2 >/dev/null 2>&1 && break
  [ "$(grep -c "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log")" -ge 2 ] && break
done
for _ in $(seq 1 50); do
  [ "$(grep -c "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log")" -ge 2 ] && break; sleep 0.2
done
[ "$(grep -c "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log")" -ge 2 ] || fail "ikebus: traffic did not bring the tunnel up again"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping after the second ACQUIRE failed"
echo "PASS"
