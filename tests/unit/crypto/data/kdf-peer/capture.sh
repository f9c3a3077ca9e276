#!/bin/bash
# capture.sh: produce the kdf-peer vectors from a real strongSwan <-> strongSwan run.
#
#   capture.sh NAME IKE_PROPOSAL OUTDIR
#
# Runs two charons (kernel-libipsec, PSK, childless IKE SA) in the namespaces
# kdf-w / kdf-e with the harness in /work/shared/interop, logging ike and enc at
# level 4 (strongSwan prints the DH secret, SKEYSEED and SK_* there), captures
# UDP 500/4500 on the responder's veth with tshark, then tears everything down.
# Leaves OUTDIR/NAME.pcap and OUTDIR/NAME-{west,east}.log for extract.sh.
# Needs root.  Test-only PSK, documentation addresses only.
set -u
NAME=$1; IKE=$2; OUT=$3
H=${INTEROP:-/work/shared/interop}
W=kdf-w; E=kdf-e; WA=192.0.2.1; EA=192.0.2.2
BASE=/tmp/interop/kdf-$NAME
PSK=kdf-peer-test-psk-not-secret
mkdir -p "$BASE" "$OUT"
# A second filelog target spliced into charon { }: ike and enc at level 4.
cat > "$BASE/extra.conf" <<CONF
  filelog {
    kdflog {
      path = $BASE/LOGSIDE.log
      flush_line = yes
      append = no
      default = 1
      ike = 4
      enc = 4
      cfg = 1
    }
  }
CONF
sed "s|LOGSIDE|west|" "$BASE/extra.conf" > "$BASE/extra-west.conf"
sed "s|LOGSIDE|east|" "$BASE/extra.conf" > "$BASE/extra-east.conf"
cleanup() {
  "$H/peer-strongswan" stop --dir "$BASE/west"; "$H/peer-strongswan" stop --dir "$BASE/east"
  [ -n "${TSPID:-}" ] && kill "$TSPID" 2>/dev/null; sleep 0.5
  "$H/netns-pair" down --a $W --b $E >/dev/null
}
trap cleanup EXIT
"$H/netns-pair" up --a $W --b $E --a-addr $WA/24 --b-addr $EA/24 || exit 1
ip netns exec $E tshark -q -i v-$E -f 'udp port 500 or udp port 4500' -a duration:20 -c 50 \
    -w "$BASE/cap.pcap" > "$BASE/tshark.out" 2>&1 &
TSPID=$!
sleep 2
COMMON=(--psk "$PSK" --ike "$IKE" --childless --kernel libipsec)
"$H/peer-strongswan" start --ns $E --dir "$BASE/east" --local $EA --remote $WA \
    --local-id east.example --remote-id west.example "${COMMON[@]}" --conf-extra "$BASE/extra-east.conf" || exit 1
"$H/peer-strongswan" start --ns $W --dir "$BASE/west" --local $WA --remote $EA \
    --local-id west.example --remote-id east.example "${COMMON[@]}" --conf-extra "$BASE/extra-west.conf" \
    --role initiator
"$H/peer-strongswan" wait --dir "$BASE/east" --want ike --timeout 5
sleep 1
kill -INT $TSPID; wait $TSPID; TSPID=
cp "$BASE/cap.pcap" "$OUT/$NAME.pcap"
cp "$BASE/west.log" "$OUT/$NAME-west.log"; cp "$BASE/east.log" "$OUT/$NAME-east.log"
