#!/usr/bin/env python3
# make-seeds.py: write the seed corpus for fuzz-ike-message.
#
#   make-seeds.py [CORPUS-DIR]     (default: corpus/ike-message next to this script)
#
# - vec-*.bin: the real captured messages from tests/vectors (without the
#   non-ESP marker copies);
# - hand-*.bin: messages encoded here byte by byte from the RFC 7296 figures,
#   independent of our codec. Their SK payloads hold a *plaintext* inner chain
#   (no IV/ICV) so that the target, which parses SK bodies as decrypted
#   plaintext, reaches IDi/IDr, CERT, AUTH, CP, EAP, TS, Delete and child SAs.
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "ike-message")
VECTORS = os.path.join(HERE, "..", "vectors")

SA, KE, IDI, IDR, CERT, CERTREQ, AUTH, NONCE, N, D, V, TSI, TSR, SK, CP, EAP = (
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48)


def chain(payloads, critical=()):
    """payloads: list of (type, body); returns (first type, bytes)."""
    out = b""
    for i, (ptype, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        crit = 0x80 if i in critical else 0
        out += struct.pack("!BBH", nxt, crit, 4 + len(body)) + body
    return (payloads[0][0] if payloads else 0), out


def message(exchange, flags, msgid, payloads, spi_i=0x0102030405060708, spi_r=0x1112131415161718,
            sk_inner=None, critical=()):
    """sk_inner: list of payloads put (in plaintext) into a trailing SK payload."""
    if sk_inner is not None:
        first, body = chain(sk_inner)
        payloads = payloads + [(SK, body)]
    first, body = chain(payloads, critical)
    if sk_inner is not None:
        # Next Payload of SK = first inner type: patch the SK generic header
        off = len(body) - (4 + len(chain(sk_inner)[1]))
        body = body[:off] + bytes([chain(sk_inner)[0]]) + body[off + 1:]
    hdr = struct.pack("!QQBBBBII", spi_i, spi_r, first, 0x20, exchange, flags, msgid, 28 + len(body))
    return hdr + body


def transform(ttype, tid, keylen=None, tlv=None):
    attrs = b""
    if keylen is not None:
        attrs += struct.pack("!HH", 0x8000 | 14, keylen)
    if tlv is not None:
        attrs += struct.pack("!HH", tlv[0], len(tlv[1])) + tlv[1]
    return (ttype, tid, attrs)


def proposal(num, proto, spi, transforms, last=True):
    tbytes = b""
    for i, (ttype, tid, attrs) in enumerate(transforms):
        more = 3 if i + 1 < len(transforms) else 0
        tbytes += struct.pack("!BBHBBH", more, 0, 8 + len(attrs), ttype, 0, tid) + attrs
    return struct.pack("!BBHBBBB", 0 if last else 2, 0, 8 + len(spi) + len(tbytes), num, proto,
                       len(spi), len(transforms)) + spi + tbytes


def notify(proto, ntype, spi=b"", data=b""):
    return (N, struct.pack("!BBH", proto, len(spi), ntype) + spi + data)


def ts_v4(start, end, proto=0, sp=0, ep=65535):
    return struct.pack("!BBHHH", 7, proto, 16, sp, ep) + bytes(start) + bytes(end)


def ts_v6(start, end, proto=0, sp=0, ep=65535):
    return struct.pack("!BBHHH", 8, proto, 40, sp, ep) + bytes(start) + bytes(end)


def ts_payload(ptype, selectors):
    return (ptype, struct.pack("!B3x", len(selectors)) + b"".join(selectors))


def cp_attr(atype, value=b""):
    return struct.pack("!HH", atype, len(value)) + value


esp_sa = (SA, proposal(1, 3, b"\xc0\x01\x02\x03",
                       [transform(1, 12, 128), transform(3, 12), transform(5, 0)], last=False)
          + proposal(2, 3, b"\xc0\x01\x02\x03", [transform(1, 20, 256), transform(5, 1)]))
ike_sa = (SA, proposal(1, 1, b"", [transform(1, 12, 256), transform(2, 7), transform(3, 14),
                                   transform(4, 31)]))
tsi = ts_payload(TSI, [ts_v4([198, 51, 100, 1], [198, 51, 100, 1]),
                       ts_v6([0x20, 1, 0xd, 0xb8] + [0] * 12, [0x20, 1, 0xd, 0xb8] + [0xff] * 12, 6, 500, 500)])
tsr = ts_payload(TSR, [ts_v4([198, 51, 100, 2], [198, 51, 100, 2], 17, 0, 65535)])

seeds = {
    # header only: an INFORMATIONAL with no payloads
    "hand-empty-informational": message(37, 0x08, 2, []),
    # IKE_AUTH request as it is after decryption
    "hand-ike-auth-plain": message(35, 0x08, 1, [], sk_inner=[
        (IDI, struct.pack("!B3x", 2) + b"west.example"),
        (CERT, struct.pack("!B", 4) + bytes(range(40))),
        (CERTREQ, struct.pack("!B", 4) + bytes(20) + bytes(range(20))),
        (IDR, struct.pack("!B3x", 1) + bytes([192, 0, 2, 2])),
        (AUTH, struct.pack("!B3x", 14) + bytes([15, 0x30, 0x0d, 6, 9]) + bytes(15) + bytes(64)),
        notify(0, 16384),  # INITIAL_CONTACT
        (CP, struct.pack("!B3x", 1) + cp_attr(1) + cp_attr(3) + cp_attr(8) + cp_attr(25, b"\x00\x01")),
        esp_sa, tsi, tsr,
        notify(0, 16391),  # USE_TRANSPORT_MODE
    ]),
    # IKE_AUTH response with EAP
    "hand-ike-auth-eap": message(35, 0x20, 1, [], sk_inner=[
        (IDR, struct.pack("!B3x", 3) + b"vpn@example.net"),
        (EAP, struct.pack("!BBHB", 1, 7, 5 + 8, 1) + b"identity"),
    ]),
    "hand-eap-success": message(35, 0x20, 3, [], sk_inner=[
        (EAP, struct.pack("!BBH", 3, 9, 4)),
    ]),
    # CREATE_CHILD_SA rekeying a Child SA
    "hand-create-child": message(36, 0x08, 3, [], sk_inner=[
        notify(3, 16393, spi=b"\xc0\x01\x02\x03"),  # REKEY_SA
        esp_sa,
        (NONCE, bytes(range(32))),
        (KE, struct.pack("!HH", 31, 0) + bytes(32)),
        tsi, tsr,
    ]),
    # CREATE_CHILD_SA rekeying the IKE SA (proposal with an 8-byte SPI)
    "hand-rekey-ike": message(36, 0x20, 4, [], sk_inner=[
        (SA, proposal(1, 1, bytes(range(8)), [transform(1, 20, 128), transform(2, 5),
                                              transform(4, 19)])),
        (NONCE, bytes(range(16))),
        (KE, struct.pack("!HH", 19, 0) + bytes(64)),
    ]),
    # INFORMATIONAL deleting Child SAs and the IKE SA
    "hand-delete": message(37, 0x08, 5, [], sk_inner=[
        (D, struct.pack("!BBH", 3, 4, 2) + b"\xc0\x01\x02\x03\xc0\x04\x05\x06"),
        (D, struct.pack("!BBH", 1, 0, 0)),
    ]),
    # IKE_SA_INIT with a Vendor ID, an unknown non-critical payload and a TLV attribute
    "hand-init-vendor-unknown": message(34, 0x08, 0, [
        (SA, proposal(1, 1, b"", [transform(1, 12, 128, tlv=(0x1234, b"abc")), transform(2, 5),
                                  transform(3, 12), transform(4, 14)])),
        (KE, struct.pack("!HH", 14, 0) + bytes(256)),
        (NONCE, bytes(range(32))),
        (V, b"ikebus fuzz seed"),
        (200, b"unknown payload body"),
        notify(0, 16430),
    ], spi_r=0),
    # unknown *critical* payload: must be rejected (UNSUPPORTED_CRITICAL_PAYLOAD)
    "hand-unknown-critical": message(34, 0x08, 0, [ike_sa, (201, b"x")], spi_r=0, critical=(1,)),
    # IKE_SA_INIT response that only carries COOKIE (§2.6)
    "hand-cookie-resp": message(34, 0x20, 0, [notify(0, 16390, data=bytes(range(20)))], spi_r=0),
    # version flag and higher minor version
    "hand-minor-version": message(37, 0x28 | 0x10, 7, [notify(0, 16384)]),
}

os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.startswith(("vec-", "hand-")):
        os.unlink(os.path.join(OUT, f))
n = 0
for f in sorted(os.listdir(VECTORS)):
    if f.endswith(".bin") and not f.endswith("-nonesp.bin"):
        shutil.copyfile(os.path.join(VECTORS, f), os.path.join(OUT, "vec-" + f))
        n += 1
for name, data in seeds.items():
    # the minor-version seed needs its minor version nibble set after the fact
    if name == "hand-minor-version":
        data = data[:17] + b"\x21" + data[18:]
    with open(os.path.join(OUT, name + ".bin"), "wb") as fh:
        fh.write(data)
    n += 1
print("make-seeds: %d files in %s" % (n, OUT))
