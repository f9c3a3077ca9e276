#!/bin/bash
# ikebus-load's certificate authentication against strongSwan (kernel-libipsec):
#   test-load-cert-strongswan.sh rsa|ecdsa
# 1. ikebus-load --cert sets up a few IKE SAs (childless, then with a Child
#    SA), all with one client certificate; strongSwan (unique = never)
#    reports them all and logs that it authenticated the RFC 7427 signature.
# 2. strongSwan presents a certificate from a CA the generator does not
#    trust: every SA must fail with "responder certificate does not verify",
#    so the generator really checks the responder.
# This is what tests/bench/handshake relies on for its rsa2048/ecdsa256 suites.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cert-lib.sh"
TYPE=${1:-ecdsa}
SW="$INTEROP_DIR/peer-strongswan"
N=5
[ -x "${IKEBUS_LOAD:-}" ] || skip "IKEBUS_LOAD not built"
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not installed (../shared/interop/install-deps)"
PEER_STOP="$SW stop --dir $WORK/sw"
PEER_LOG="$SW log --dir $WORK/sw"

# two CAs: "good" issues both sides' certificates, "other" a stray server one
for ca in good other; do
  "$INTEROP_DIR/make-certs" --type "$TYPE" --dir "$WORK/$ca" east.example load.example >/dev/null 2>&1 \
    || fail "make-certs failed"
done
nss_db "$WORK/nss" good-ca "$WORK/good/ca.pem" load "$WORK/good/load.example.pem" \
  "$WORK/good/load.example.key"
printf '    unique = never\n' > "$WORK/sw-conn"

# start_sw CA-OF-SERVER-CERT [--childless]
start_sw() {
  local ca=$1; shift
  $PEER_STOP >/dev/null 2>&1
  "$SW" start --ns "$NS_B" --dir "$WORK/sw" --kernel libipsec --local 192.0.2.2 --remote 192.0.2.1 \
    --local-id east.example --remote-id %any --auth pubkey --cert "$WORK/$ca/east.example.pem" \
    --key "$WORK/$ca/east.example.key" --ca "$WORK/good/ca.pem" \
    --ike aes128gcm16-prfsha256-x25519 --esp aes128gcm16 --swanctl-extra "$WORK/sw-conn" "$@" \
    >/dev/null 2>&1 || fail "strongSwan did not start"
}

# load [ARGS...]: run the generator, output in $WORK/load.out
load() {
  ip netns exec "$NS_A" "$IKEBUS_LOAD" --local 192.0.2.1 --remote 192.0.2.2 --count "$N" \
    --in-flight 2 --timeout 20 --ike aes_gcm128-sha2_256-curve25519 --esp aes_gcm128 \
    --nss-dir "$WORK/nss" --cert load "$@" > "$WORK/load.out" 2>&1
}

netns_up
note "$TYPE, childless"
start_sw good --childless
load --childless || { cat "$WORK/load.out"; fail "ikebus-load failed (childless)"; }
grep "^RESULT" "$WORK/load.out"
grep -q "^RESULT established=$N failed=0 .* peer_verify=yes" "$WORK/load.out" || fail "not $N SAs, verified"
"$SW" wait --dir "$WORK/sw" --want ike --timeout 5 >/dev/null || fail "strongSwan: no IKE SA"
st=$("$SW" state --dir "$WORK/sw"); note "strongSwan: $st"
echo "$st" | grep -q "ike_count=$N " || fail "strongSwan does not hold $N IKE SAs"
"$SW" log --dir "$WORK/sw" | grep -i "authentication of 'O=Interop Test, CN=load.example' with" | tail -1
# strongSwan names the RFC 7427 scheme (methods 1 and 9 read "RSA signature",
# "ECDSA-256 signature")
"$SW" log --dir "$WORK/sw" | grep -qE "authentication of 'O=Interop Test, CN=load.example' with (RSA_EMSA_PKCS1_SHA2_256|ECDSA_WITH_SHA256_DER) successful" \
  || fail "strongSwan did not authenticate ikebus-load's RFC 7427 signature"

note "$TYPE, with a Child SA each"
start_sw good --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32
load --local-ts 198.51.100.1/32 --remote-ts 198.51.100.2/32 || { cat "$WORK/load.out"; fail "ikebus-load failed (Child SA)"; }
grep -q "^RESULT established=$N failed=0 child_ok=$N " "$WORK/load.out" || fail "not $N SAs with Child SAs"
"$SW" wait --dir "$WORK/sw" --want child --timeout 5 >/dev/null || fail "strongSwan: no Child SA"
st=$("$SW" state --dir "$WORK/sw"); note "strongSwan: $st"
echo "$st" | grep -q "ike_count=$N child_count=$N" || fail "strongSwan does not hold $N IKE and Child SAs"

note "$TYPE, responder certificate from a CA the generator does not trust"
start_sw other --childless
if load --childless; then fail "ikebus-load accepted an untrusted responder certificate"; fi
grep "^reason" "$WORK/load.out"
grep -q "^reason: $N x responder certificate does not verify" "$WORK/load.out" \
  || fail "ikebus-load did not refuse the responder's certificate"
note "the same with --no-verify is accepted (and says so)"
load --childless --no-verify || { cat "$WORK/load.out"; fail "ikebus-load --no-verify failed"; }
grep -q "^RESULT established=$N failed=0 .* peer_verify=no" "$WORK/load.out" || fail "--no-verify run not reported"
echo "PASS"
