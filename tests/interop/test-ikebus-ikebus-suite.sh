#!/bin/bash
# ikebus <-> ikebus through the engine driver with a non-default suite:
# IKE ECP384 + AES-CBC-256 + HMAC-SHA2-512 (PRF and integrity), ESP
# AES-CBC-256 + HMAC-SHA2-512-256.  West initiates; both drivers' own views
# show that suite on the IKE SA and the Child SA, pings cross the tunnel
# both ways, and west's Delete removes east's SAs.
# Usage: test-ikebus-ikebus-suite.sh [IKE ESP OUR-IKE-ALGS OUR-CHILD-ALGS]
. "$(dirname "$0")/lib.sh"
IKE=${1:-aes256-sha2_512-ecp384}
ESP=${2:-aes256-sha2_512}
WANT_IKE=${3:-AES_CBC_256-HMAC_SHA2_512-HMAC_SHA2_512_256-ECP_384}
WANT_CHILD=${4:-AES_CBC_256-HMAC_SHA2_512_256}
EAST_PID=""
PEER_LOG="cat $WORK/east.log"

netns_up
# west (us, lib.sh's driver) and east (a second driver, mirrored)
write_conn ", 'ike': <'$IKE'>, 'esp': <'$ESP'>"
cat > "$WORK/east.gv" <<EOC
{'left-host': <'192.0.2.2'>, 'right-host': <'192.0.2.1'>,
 'left-id': <'@east.example'>, 'right-id': <'@west.example'>,
 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>,
 'left-subnet': <['198.51.100.2/32']>, 'right-subnet': <['198.51.100.1/32']>,
 'ike': <'$IKE'>, 'esp': <'$ESP'>}
EOC
ip netns exec "$NS_B" "$IKEBUS_DRIVER" --name east-west --conn "$WORK/east.gv" \
  --psk-file "$WORK/psk" --kernel userspace --listen 192.0.2.2 > "$WORK/east.log" 2>&1 &
EAST_PID=$!
PEER_STOP="kill -TERM $EAST_PID"
for _ in $(seq 1 50); do grep -q READY "$WORK/east.log" && break; sleep 0.1; done
grep -q READY "$WORK/east.log" || fail "east driver did not start"

start_driver --initiate
wait_log "^RESULT" 15 || fail "west: initiate did not finish"
grep "^PROGRESS\|^RESULT" "$WORK/driver.log"
grep -q "^RESULT 0 " "$WORK/driver.log" || fail "west: initiate failed"
for _ in $(seq 1 30); do grep -q "^CHILD #[0-9]* INSTALLED" "$WORK/east.log" && break; sleep 0.1; done
note "west: $(grep "^IKE\|^CHILD" "$WORK/driver.log" | tail -2 | tr '\n' ' ')"
note "east: $(grep "^IKE\|^CHILD" "$WORK/east.log" | tail -2 | tr '\n' ' ')"
grep -q "^IKE #[0-9]* ESTABLISHED initiator .* $WANT_IKE$" "$WORK/driver.log" || fail "west: IKE SA without $WANT_IKE"
grep -q "^CHILD #[0-9]* INSTALLED .* $WANT_CHILD bytes_in" "$WORK/driver.log" || fail "west: Child SA without $WANT_CHILD"
grep -q "^IKE #[0-9]* ESTABLISHED responder .* $WANT_IKE$" "$WORK/east.log" || fail "east: IKE SA without $WANT_IKE"
grep -q "^CHILD #[0-9]* INSTALLED .* $WANT_CHILD bytes_in" "$WORK/east.log" || fail "east: Child SA without $WANT_CHILD"
note "ping 198.51.100.1 -> 198.51.100.2 (west)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping from west failed"
note "ping 198.51.100.2 -> 198.51.100.1 (east)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping from east failed"
# east's own view after the traffic: the Child SA counted bytes
kill -HUP "$EAST_PID"
for _ in $(seq 1 30); do grep -q STATUS-END "$WORK/east.log" && break; sleep 0.1; done
grep "^CHILD #[0-9]* INSTALLED" "$WORK/east.log" | tail -1 | grep -q "bytes_in=[1-9]" \
  || fail "east: its Child SA counted no inbound bytes"
kill -USR1 "$DRIVER_PID"
wait_log "IKE #[0-9]* REMOVED" 5 || fail "west: Delete did not complete"
for _ in $(seq 1 30); do grep -q "^IKE #[0-9]* REMOVED" "$WORK/east.log" && break; sleep 0.1; done
grep -q "^IKE #[0-9]* REMOVED" "$WORK/east.log" || fail "east kept the IKE SA after west's Delete"
echo "PASS"
