# shellcheck shell=bash
# Certificates for the cert interop tests, on top of lib.sh: a CA and host
# certificates for west.example (us) and east.example (the peer) from
# ../shared/interop/make-certs, our NSS database in $WORK/nss (certutil and
# pk12util, as Libreswan's own set-up does), and the connection with
# signatures instead of a PSK.
command -v certutil >/dev/null && command -v pk12util >/dev/null || skip "certutil/pk12util missing (libnss3-tools)"
command -v pki >/dev/null || skip "strongSwan pki missing (strongswan-pki)"

# nss_db DIR CA-NICK CA-PEM NICK CERT-PEM KEY-PEM: a new NSS database in DIR
# trusting the CA, with the certificate and its key under NICK
nss_db() {
  mkdir -p "$1"
  certutil -N -d "sql:$1" --empty-password || fail "certutil -N failed"
  certutil -A -d "sql:$1" -n "$2" -t "CT,," -a -i "$3" || fail "CA import failed"
  openssl pkcs12 -export -in "$5" -inkey "$6" -name "$4" -passout pass: -keypbe AES-256-CBC \
    -certpbe AES-256-CBC -macalg sha256 -out "$1/$4.p12" || fail "pkcs12 export failed"
  pk12util -i "$1/$4.p12" -d "sql:$1" -W "" >/dev/null || fail "pk12util import failed"
}

# make_certs rsa|ecdsa: $WORK/certs/{ca,west.example,east.example}.{pem,key}, $WORK/nss
make_certs() {
  "$INTEROP_DIR/make-certs" --type "$1" --dir "$WORK/certs" west.example east.example >/dev/null 2>&1 \
    || fail "make-certs failed"
  nss_db "$WORK/nss" interop-ca "$WORK/certs/ca.pem" west "$WORK/certs/west.example.pem" \
    "$WORK/certs/west.example.key"
}

# write_cert_conn [EXTRA]: like write_conn, with our certificate "west"
write_cert_conn() {
  cat > "$WORK/conn.gv" <<EOC
{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>,
 'left-id': <'@west.example'>, 'right-id': <'@east.example'>,
 'rsasig': <true>, 'left-cert': <'west'>, 'encrypt': <true>, 'tunnel': <true>,
 'left-subnet': <['198.51.100.1/32']>, 'right-subnet': <['198.51.100.2/32']>
 ${1:-}}
EOC
  printf '%s\n' "unused-with-certificates" > "$WORK/psk"
}
