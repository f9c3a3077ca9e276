#!/bin/bash
# Robustness: while a tunnel between ikebusd (the daemon, on a private bus)
# and strongSwan (kernel-libipsec, the initiator) is up, a bounded burst of
# malformed and hostile datagrams (hostile-udp.py: truncations and bit flips
# of the real messages in tests/vectors, random junk, IKE_SA_INIT with bad
# lengths, the live IKE SA's SPIs with a garbage SK payload, the live Child
# SA's SPI with garbage ESP) goes to ikebusd's ports 500 and 4500 from the
# peer's own address.  Afterwards:
#   - ikebusd is still running and answers on the bus;
#   - its GlobalStatistics packets-dropped-malformed grew by at least the
#     number of datagrams that must be dropped (hostile-udp.py's "counted");
#   - the SAs are unaffected: strongSwan's own view shows the same single IKE
#     SA and Child SA (same SPIs), ours (ikebusctl --showstates) the same
#     single IKE SA and Child SA, and pings cross the tunnel both ways;
#   - strongSwan's Delete still removes our IKE SA (the SA still works).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
daemon_vs_strongswan
VECTORS=${IKEBUS_VECTORS:-$(cd "$(dirname "$0")/../vectors" && pwd)}
ls "$VECTORS"/*.bin >/dev/null 2>&1 || skip "no vectors in $VECTORS"

sw_raw() { "$SW" list --dir "$WORK/sw" --raw 2>/dev/null | grep '^list-sa event'; }
field() { grep -o " $1=[0-9a-f]*" | head -1 | cut -d= -f2; }
our_counts() { daemon_counts west; }

west_and_strongswan_up
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping before the burst failed"
before_raw=$(sw_raw)
spi_i=$(echo "$before_raw" | field initiator-spi)
spi_r=$(echo "$before_raw" | field responder-spi)
child_in=$(echo "$before_raw" | sed -n 's/.* child-sas {//p' | field spi-in)
child_out=$(echo "$before_raw" | sed -n 's/.* child-sas {//p' | field spi-out)
[ -n "$spi_i" ] && [ -n "$spi_r" ] && [ -n "$child_out" ] || fail "no SPIs in strongSwan's view: $before_raw"
read -r ike0 child0 < <(our_counts)
note "up: IKE SA $spi_i/$spi_r, Child SA in=$child_in out=$child_out (strongSwan's view); ours: $ike0 IKE, $child0 Child"
[ "$ike0 $child0" = "1 1" ] || fail "ikebusd does not list one IKE SA and one Child SA: $(cat "$WORK/states.json")"
drops0=$(daemon_counter west packets-dropped-malformed)
[ -n "$drops0" ] || fail "no packets-dropped-malformed in GetGlobalStatistics"

# the burst, from the peer's own address; strongSwan initiated, so its
# messages carry the I flag, and our last answered request is IKE_AUTH (1)
out=$(ip netns exec "$NS_B" timeout 120 python3 "$(dirname "$0")/hostile-udp.py" \
  --target 192.0.2.1 --source 192.0.2.2 --vectors "$VECTORS" \
  --spi-i "$spi_i" --spi-r "$spi_r" --peer-is-initiator --retransmit-msgid 1 \
  --esp-spi "$child_out" --seed "${HOSTILE_SEED:-5}") || fail "hostile-udp.py failed: $out"
note "$out"
counted=$(echo "$out" | grep -o "counted=[0-9]*" | head -1 | cut -d= -f2)
sleep 1

daemon_alive west || fail "ikebusd died during the burst"
drops1=$(daemon_counter west packets-dropped-malformed)
[ -n "$drops1" ] || fail "ikebusd does not answer GetGlobalStatistics after the burst"
note "packets-dropped-malformed: $drops0 -> $drops1 (+$((drops1 - drops0)); at least $counted expected)"
[ $((drops1 - drops0)) -ge "$counted" ] || fail "ikebusd counted $((drops1 - drops0)) drops, expected at least $counted"

after_raw=$(sw_raw)
[ "$(echo "$after_raw" | grep -c .)" = 1 ] || fail "strongSwan lists $(echo "$after_raw" | grep -c .) IKE SAs after the burst"
st=$("$SW" state --dir "$WORK/sw")
note "strongSwan after the burst: $st"
echo "$st" | grep -q "^ike=ESTABLISHED child=INSTALLED ike_count=1 child_count=1$" || fail "strongSwan: $st"
[ "$(echo "$after_raw" | field initiator-spi)/$(echo "$after_raw" | field responder-spi)" = "$spi_i/$spi_r" ] \
  || fail "strongSwan's IKE SA changed: $after_raw"
[ "$(echo "$after_raw" | sed -n 's/.* child-sas {//p' | field spi-out)" = "$child_out" ] \
  || fail "strongSwan's Child SA changed: $after_raw"
read -r ike1 child1 < <(our_counts)
note "ours after the burst: $ike1 IKE, $child1 Child"
[ "$ike1 $child1" = "1 1" ] || fail "ikebusd after the burst: $(cat "$WORK/states.json")"
note "ping 198.51.100.2 -> 198.51.100.1 (strongSwan side)"
ping_through "$NS_B" 198.51.100.2 198.51.100.1 || fail "ping after the burst failed (strongSwan side)"
note "ping 198.51.100.1 -> 198.51.100.2 (ikebus side)"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "ping after the burst failed (ikebus side)"
# Forged requests with the live SPIs and the message ID of the last request
# we answered (IKE_AUTH, 1) are not authenticated before we treat them as a
# retransmission: each one makes us resend the cached IKE_AUTH response,
# which strongSwan logs as "received message ID 1, expected 2, ignored".
# Harmless to the SAs (checked above), but an unauthenticated trigger of
# our sends (one per forged datagram, to the real peer); comparing the
# datagram with the original request first would stop it.  Reported, not
# asserted: ROBUST_STRICT=1 fails on it.
resent=$("$SW" log --dir "$WORK/sw" | grep -c "received message ID 1, expected 2, ignored")
note "cached responses resent to strongSwan for forged msgid-1 requests: $resent"
[ "${ROBUST_STRICT:-0}" = 1 ] && [ "$resent" != 0 ] && fail "ikebusd resent its cached response $resent times for forged requests"
"$SW" swanctl --dir "$WORK/sw" -- --terminate --ike interop >/dev/null 2>&1
for _ in $(seq 1 30); do read -r ike2 _ < <(our_counts); [ "$ike2" = 0 ] && break; sleep 0.2; done
[ "$ike2" = 0 ] || fail "ikebusd kept the IKE SA after strongSwan's Delete"
daemon_alive west || fail "ikebusd died"
echo "PASS"
