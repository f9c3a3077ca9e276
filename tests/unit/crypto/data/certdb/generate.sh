#!/bin/bash
# Regenerates the certificates and keys of the certdb and engine cert tests
# (see README.md).  Needs openssl and python3.  Validity: 36500 days.
set -eu
cd "$(dirname "$0")"
DAYS=36500
ext() { # ext NAME SAN...
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n'
  printf 'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$2"
}
ca_ext='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n'
der() { # der NAME: NAME.key (PEM) -> NAME.p8.der, NAME.spki.der; NAME.pem -> NAME.der
  openssl pkcs8 -topk8 -nocrypt -in "$1.key" -outform DER -out "$1.p8.der"
  openssl pkey -in "$1.key" -pubout -outform DER -out "$1.spki.der"
  [ -f "$1.pem" ] && openssl x509 -in "$1.pem" -outform DER -out "$1.der"
  true
}
mkca() { # mkca NAME SUBJECT KEYARGS... (self-signed)
  local n=$1 s=$2; shift 2
  openssl genpkey "$@" -out "$n.key" 2>/dev/null
  openssl req -new -x509 -key "$n.key" -subj "$s" -days $DAYS -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$n.pem"
  der "$n"
}
issue() { # issue NAME SUBJECT ISSUER SAN|ca KEYARGS...
  local n=$1 s=$2 i=$3 san=$4; shift 4
  openssl genpkey "$@" -out "$n.key" 2>/dev/null
  openssl req -new -key "$n.key" -subj "$s" -out "$n.csr"
  if [ "$san" = ca ]; then printf "$ca_ext" > "$n.ext"; else ext "$n" "$san" > "$n.ext"; fi
  openssl x509 -req -in "$n.csr" -CA "$i.pem" -CAkey "$i.key" -CAcreateserial -days $DAYS \
    -sha256 -extfile "$n.ext" -out "$n.pem" 2>/dev/null
  rm -f "$n.csr" "$n.ext"
  der "$n"
}
RSA=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048)
EC=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256)
# the trusted root, an intermediate under it, and an untrusted root
mkca ca "/O=Test/CN=Test CA" "${RSA[@]}"
issue inter "/O=Test/CN=Test Intermediate" ca ca "${RSA[@]}"
mkca other-ca "/O=Other/CN=Other CA" "${RSA[@]}"
# end entities: RSA and ECDSA hosts under the root, ECDSA under the intermediate
issue west-rsa "/O=Test/CN=west.example" ca "DNS:west.example,email:west@example.org,IP:192.0.2.1" "${RSA[@]}"
issue east-rsa "/O=Test/CN=east.example" ca "DNS:east.example,IP:192.0.2.2" "${RSA[@]}"
issue west-ec "/O=Test/CN=west.example" ca "DNS:west.example,IP:192.0.2.1" "${EC[@]}"
issue east-ec "/O=Test/CN=east.example" inter "DNS:east.example,IP:192.0.2.2" "${EC[@]}"
issue rogue "/O=Other/CN=east.example" other-ca "DNS:east.example,IP:192.0.2.2" "${RSA[@]}"
# raw RSA keys (no certificate) for --ckaid / --pubkeyrsa
for n in west-raw east-raw; do
  openssl genpkey "${RSA[@]}" -out "$n.key" 2>/dev/null
  der "$n"
done
# expected values: SHA-1 of the CAs' SubjectPublicKeyInfo (RFC 7296 §3.7),
# CKAIDs (SHA-1 of the RSA modulus / EC point), RFC 3110 texts of the raw keys
for n in ca inter other-ca; do sha1sum < "$n.spki.der" | cut -d' ' -f1 > "$n.spki.sha1"; done
python3 - <<'PY'
import base64, hashlib, subprocess
def rsa_numbers(name):
    out = subprocess.run(["openssl", "pkey", "-in", name + ".key", "-noout", "-text"],
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    def hexblock(label):
        i = next(k for k, l in enumerate(lines) if l.startswith(label))
        h = ""
        for l in lines[i + 1:]:
            if not l.startswith(" "):
                break
            h += l.strip().replace(":", "")
        return bytes.fromhex(h).lstrip(b"\0")
    mod = hexblock("modulus:")
    exp = int(next(l for l in lines if l.startswith("publicExponent:")).split()[1])
    return mod, exp.to_bytes((exp.bit_length() + 7) // 8, "big")
for n in ["west-raw", "east-raw", "west-rsa", "east-rsa"]:
    mod, exp = rsa_numbers(n)
    key = bytes([len(exp)]) + exp + mod
    open(n + ".rfc3110", "w").write("0s" + base64.b64encode(key).decode() + "\n")
    open(n + ".ckaid", "w").write(hashlib.sha1(mod).hexdigest() + "\n")
PY
for n in west-ec east-ec; do
  # the EC point is the last 65 octets of a P-256 SubjectPublicKeyInfo
  tail -c 65 "$n.spki.der" | sha1sum | cut -d' ' -f1 > "$n.ckaid"
done
rm -f ./*.srl ./*.key
echo "generated in $(pwd)"
