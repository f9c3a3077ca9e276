#!/bin/bash
# A whole session between our engine (initiator) and strongSwan
# (kernel-libipsec responder), captured with tshark in strongSwan's
# namespace (udp 500 and 4500), must decode cleanly in tshark's own
# dissectors:
#   IKE_SA_INIT (after an INVALID_KE_PAYLOAD round trip), IKE_AUTH, CREATE_CHILD_SA (our Child SA rekey) and the
#   INFORMATIONAL that deletes the old Child SA, CREATE_CHILD_SA (our IKE SA
#   rekey) and the INFORMATIONAL that deletes the old IKE SA, a ping through
#   the tunnel, and the INFORMATIONAL of our final Delete.
# Asserted on the capture:
#   - no frame carries _ws.malformed ("Malformed Packet"), `-V` prints no
#     "Malformed Packet", `-z expert,error` lists no error;
#   - every UDP frame on 500/4500 is ISAKMP, ESP or a NAT-keepalive (so every
#     IKE frame decodes as ISAKMP, version 2.0);
#   - the IKE frames are exactly, in order, request/response pairs of:
#     IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL, CREATE_CHILD_SA,
#     INFORMATIONAL, INFORMATIONAL, each response with its request's
#     message ID;
#   - strongSwan's own view agrees at each step (one IKE SA, one Child SA,
#     none after the Delete).
# Usage: test-tshark-strongswan.sh [--keep-capture FILE]
. "$(dirname "$0")/lib.sh"
SW="$INTEROP_DIR/peer-strongswan"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
command -v tshark >/dev/null || skip "tshark missing (../shared/interop/install-deps)"
KEEP=""
[ "${1:-}" = --keep-capture ] && KEEP=${2:-}
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"
PCAP=$WORK/session.pcap
TSHARK_PID=""

sw_state() { "$SW" state --dir "$WORK/sw"; }
# strongSwan keeps a rekeyed inbound Child SA a few seconds (not INSTALLED):
# child_count counts INSTALLED ones only
wait_sw() {
  for _ in $(seq 1 30); do sw_state | grep -q "$1" && return 0; sleep 0.2; done
  return 1
}
stop_tshark() {
  [ -n "$TSHARK_PID" ] || return 0
  kill -INT "$TSHARK_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$TSHARK_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$TSHARK_PID" 2>/dev/null
  wait "$TSHARK_PID" 2>/dev/null
  TSHARK_PID=""
}
trap 'stop_tshark; cleanup' EXIT

netns_up
write_conn
"$SW" start --ns "$NS_B" --dir "$WORK/sw" --role responder --kernel libipsec \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --ike aes128-sha256-modp2048 --esp aes128-sha256 --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 >/dev/null 2>&1 \
  || fail "strongSwan did not start"
# bounded capture: 60 s or 2000 frames at most
ip netns exec "$NS_B" tshark -q -i "v-$NS_B" -f "udp port 500 or udp port 4500" \
  -a duration:60 -c 2000 -w "$PCAP" > "$WORK/tshark.out" 2>&1 &
TSHARK_PID=$!
for _ in $(seq 1 100); do grep -qs "Capturing on" "$WORK/tshark.out" && break; sleep 0.1; done
grep -q "Capturing on" "$WORK/tshark.out" || fail "tshark did not start: $(cat "$WORK/tshark.out")"
# "Capturing on" comes before dumpcap really captures: send NAT-keepalives
# (RFC 3948, ignored by strongSwan) until one is in the file, so that the
# IKE_SA_INIT exchange cannot slip past a capture that is still starting
captured=0
for _ in $(seq 1 50); do
  ip netns exec "$NS_A" bash -c 'printf "\xff" > /dev/udp/192.0.2.2/4500' 2>/dev/null || true
  sleep 0.2
  if [ "$(tshark -r "$PCAP" 2>/dev/null | wc -l)" -gt 0 ]; then captured=1; break; fi
done
[ "$captured" = 1 ] || fail "tshark captured nothing within 10 s"

start_driver --initiate
wait_log "^RESULT" 15 || fail "ikebus: initiate did not finish"
grep -q "^RESULT 0 " "$WORK/driver.log" || fail "ikebus: initiate failed"
wait_sw "^ike=ESTABLISHED .* ike_count=1 child_count=1$" || fail "strongSwan: $(sw_state)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping failed"
# our Child SA rekey (CREATE_CHILD_SA + INFORMATIONAL delete of the old one)
child=$(grep -o "^CHILD #[0-9]* INSTALLED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*")
kill -USR2 "$DRIVER_PID"
wait_log "CHILD $child REMOVED" 10 || fail "ikebus: Child rekey did not replace $child"
wait_sw "^ike=ESTABLISHED .* ike_count=1 child_count=1$" || fail "strongSwan after the Child rekey: $(sw_state)"
# our IKE SA rekey (CREATE_CHILD_SA + INFORMATIONAL delete of the old IKE SA)
ike=$(grep -o "^IKE #[0-9]* ESTABLISHED" "$WORK/driver.log" | tail -1 | grep -o "#[0-9]*")
kill -WINCH "$DRIVER_PID"
wait_log "IKE $ike REMOVED" 10 || fail "ikebus: IKE rekey did not replace $ike"
wait_sw "^ike=ESTABLISHED .* ike_count=1 child_count=1$" || fail "strongSwan after the IKE rekey: $(sw_state)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping after the rekeys failed"
# our Delete (INFORMATIONAL)
kill -USR1 "$DRIVER_PID"
wait_log "IKE #[0-9]* REMOVED" 10 || fail "ikebus: Delete did not complete"
wait_sw "ike=NONE" || fail "strongSwan kept the IKE SA after our Delete: $(sw_state)"
sleep 0.5
stop_tshark
[ -s "$PCAP" ] || fail "no capture written"
[ -n "$KEEP" ] && cp "$PCAP" "$KEEP"

note "capture: $(tshark -r "$PCAP" 2>/dev/null | wc -l) frames"
tshark -r "$PCAP" -Y isakmp 2>/dev/null | sed 's/^ */  /'

# 1. no malformed frames, no expert errors
n=$(tshark -r "$PCAP" -Y "_ws.malformed" 2>/dev/null | wc -l)
[ "$n" = 0 ] || fail "tshark: $n malformed frames: $(tshark -r "$PCAP" -Y _ws.malformed 2>/dev/null)"
n=$(tshark -r "$PCAP" -V 2>/dev/null | grep -c "Malformed Packet")
[ "$n" = 0 ] || fail "tshark -V reports 'Malformed Packet' $n times"
experr=$(tshark -r "$PCAP" -q -z expert,error 2>/dev/null | grep -v "^=*$\|^Expert Information\|^$")
[ -z "$experr" ] || fail "tshark expert errors: $experr"
note "no malformed frames, no expert errors"

# 2. every UDP 500/4500 frame is ISAKMP, ESP or a NAT-keepalive
other=$(tshark -r "$PCAP" -Y "udp && !isakmp && !esp && !udpencap.nat_keepalive" 2>/dev/null)
[ -z "$other" ] || fail "frames that decode as neither ISAKMP nor ESP: $other"
bad=$(tshark -r "$PCAP" -Y "isakmp && isakmp.version != 0x20" 2>/dev/null)
[ -z "$bad" ] || fail "ISAKMP frames that are not IKEv2: $bad"
n_esp=$(tshark -r "$PCAP" -Y esp 2>/dev/null | wc -l)
[ "$n_esp" -ge 6 ] || fail "only $n_esp ESP frames for 6 pings"
note "every frame is ISAKMP (IKEv2), ESP ($n_esp) or a NAT-keepalive"

# 3. the exchanges, in order: "EXCHANGE R MID NOTIFIES" per frame.  Our
# default proposals lead with Curve25519 and strongSwan is configured with
# MODP2048 only, so the session starts with an INVALID_KE_PAYLOAD (17)
# round trip; it must decode as such and is then taken off the sequence.
tshark -r "$PCAP" -Y isakmp -T fields -e isakmp.exchangetype -e isakmp.flag_r -e isakmp.messageid \
  -e isakmp.notify.msgtype 2>/dev/null > "$WORK/exchanges"
head -2 "$WORK/exchanges" | awk 'NR == 2 { exit !($1 == 34 && $2 == 1 && $4 == "17") }' \
  || fail "the first IKE_SA_INIT response is not INVALID_KE_PAYLOAD: $(sed -n 2p "$WORK/exchanges")"
sed -i 1,2d "$WORK/exchanges"
note "INVALID_KE_PAYLOAD round trip decoded, then:"
seq_got=$(awk '{ r = ($2 == "1" || $2 == "True") ? "resp" : "req"; printf "%s/%s ", $1, r }' "$WORK/exchanges")
seq_want="34/req 34/resp 35/req 35/resp 36/req 36/resp 37/req 37/resp 36/req 36/resp 37/req 37/resp 37/req 37/resp "
note "exchanges: $seq_got"
[ "$seq_got" = "$seq_want" ] || fail "exchange sequence: got '$seq_got', want '$seq_want'"
# each response carries its request's message ID
awk 'NR % 2 == 1 { mid = $3 } NR % 2 == 0 && $3 != mid { print "frame pair " NR/2 ": request MID " mid ", response MID " $3; bad = 1 }
     END { exit bad }' "$WORK/exchanges" || fail "a response with another message ID than its request"
echo "PASS"
