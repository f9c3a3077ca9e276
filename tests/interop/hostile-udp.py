#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send a bounded burst of malformed and hostile UDP datagrams to an IKE
daemon (tests only; run it inside the peer's network namespace).

Categories (deterministic for a given --seed):
  trunc     every vector cut at several lengths, to 500 and to 4500 with the
            non-ESP marker
  flip      every vector with random bit flips / a corrupted 8-octet run
  junk      random octets: to 500, to 4500 with the marker, to 4500 without
            it (the ESP path)
  badlen    IKE_SA_INIT requests (vectors) with a wrong header length
  sk        the live IKE SA's SPIs (--spi-i/--spi-r) with a garbage SK
            payload: INFORMATIONAL, CREATE_CHILD_SA and IKE_AUTH, as
            requests and responses, several message IDs
  esp       the live Child SA's inbound SPI (--esp-spi) with garbage, on 4500
            without the marker (must fail the ICV, not move the replay window)

Prints one line:
  SENT total=N ike=N esp=N counted=N uncounted=N
where "ike" datagrams reach the IKE parser (port 500, or 4500 with the
marker) and "counted" of them must be dropped and counted by any correct
responder that holds no SA matching them: every one except bit-flipped
IKE_SA_INIT requests (which may still be well-formed new requests) and
garbage-SK requests carrying --retransmit-msgid (a responder may answer
those with its cached response, RFC 7296 §2.1).
"""
import argparse
import glob
import os
import random
import socket
import struct
import sys
import time

NON_ESP = b"\0\0\0\0"


def is_sa_init_request(m):
    return (len(m) >= 28 and m[18] == 34 and (m[19] & 0x20) == 0
            and m[8:16] == b"\0" * 8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--source", default="")
    ap.add_argument("--ike-port", type=int, default=500)
    ap.add_argument("--natt-port", type=int, default=4500)
    ap.add_argument("--vectors", required=True, help="directory of *.bin IKE messages")
    ap.add_argument("--max-vectors", type=int, default=40)
    ap.add_argument("--spi-i", default="", help="live IKE SA: initiator SPI (hex)")
    ap.add_argument("--spi-r", default="", help="live IKE SA: responder SPI (hex)")
    ap.add_argument("--peer-is-initiator", action="store_true",
                    help="the sender impersonates the original initiator (I flag set)")
    ap.add_argument("--retransmit-msgid", type=int, default=-1,
                    help="msgid of the last request the target answered (not counted)")
    ap.add_argument("--esp-spi", default="", help="live Child SA: the target's inbound SPI (hex)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--gap-us", type=int, default=300, help="pause between datagrams")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    files = sorted(glob.glob(os.path.join(a.vectors, "*.bin")))
    if not files:
        sys.exit("no vectors in " + a.vectors)
    step = max(1, len(files) // a.max_vectors)
    vectors = [open(f, "rb").read() for f in files[::step]][: a.max_vectors]

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.source, 0))
    stats = {"total": 0, "ike": 0, "esp": 0, "counted": 0, "uncounted": 0}

    def send(data, port, marker, counted=True):
        payload = (NON_ESP + data) if marker else data
        s.sendto(payload, (a.target, port))
        stats["total"] += 1
        if port == a.ike_port or marker:
            stats["ike"] += 1
            stats["counted" if counted else "uncounted"] += 1
        else:
            stats["esp"] += 1
        if a.gap_us:
            time.sleep(a.gap_us / 1e6)

    def both(data, counted=True):
        send(data, a.ike_port, False, counted)
        send(data, a.natt_port, True, counted)

    # trunc
    for v in vectors:
        for n in sorted({0, 1, 4, 8, 27, 28, 29, len(v) // 2, len(v) - 4, len(v) - 1}):
            if 0 <= n < len(v):
                both(v[:n])
    # flip
    for v in vectors:
        init_req = is_sa_init_request(v)
        for _ in range(3):
            b = bytearray(v)
            for _ in range(rnd.randint(1, 4)):
                i = rnd.randrange(len(b))
                b[i] ^= 1 << rnd.randrange(8)
            both(bytes(b), counted=not init_req)
        b = bytearray(v)
        i = rnd.randrange(28, max(29, len(b) - 8))
        b[i:i + 8] = bytes(rnd.randrange(256) for _ in range(8))
        both(bytes(b), counted=not init_req)
    # junk
    for _ in range(60):
        n = rnd.choice([1, 2, 3, 4, 5, 12, 27, 28, 36, 100, 500, 1400, rnd.randrange(1, 1500)])
        data = bytes(rnd.randrange(256) for _ in range(n))
        send(data, a.ike_port, False)
        send(data, a.natt_port, True)
        if n >= 4 and data[:4] != NON_ESP:  # the ESP path (no marker)
            send(data, a.natt_port, False)
    # badlen
    for v in [v for v in vectors if is_sa_init_request(v)] or vectors[:1]:
        for bad in (0, 28, len(v) - 4, len(v) - 1, len(v) + 1, len(v) + 4, 0xFFFFFFFF):
            b = bytearray(v)
            b[24:28] = struct.pack(">I", bad)
            both(bytes(b))
        both(v + b"\0\0\0\0")  # trailing octets beyond the header's length
    # sk: the live SA's SPIs with a garbage SK payload
    if a.spi_i and a.spi_r:
        spi_i = bytes.fromhex(a.spi_i.rjust(16, "0"))
        spi_r = bytes.fromhex(a.spi_r.rjust(16, "0"))
        iflag = 0x08 if a.peer_is_initiator else 0
        for exch in (37, 36, 35):
            for resp in (False, True):
                for msgid in (0, 1, 2, 3, 7, 0x7FFFFFFF, 0xFFFFFFFF):
                    body = bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 8, 16, 32, 64, 200])))
                    sk = struct.pack(">BBH", 0, 0, 4 + len(body)) + body
                    flags = iflag | (0x20 if resp else 0)
                    hdr = spi_i + spi_r + struct.pack(">BBBBII", 46, 0x20, exch, flags, msgid,
                                                      28 + len(sk))
                    counted = resp or msgid != a.retransmit_msgid
                    both(hdr + sk, counted)
    # esp: the live inbound SPI, garbage, rising sequence numbers
    if a.esp_spi:
        spi = bytes.fromhex(a.esp_spi.rjust(8, "0"))
        for seq in (1, 2, 100, 1000, 0x7FFFFFFF, 0xFFFFFFFF):
            for n in (0, 8, 16, 40, 120):
                send(spi + struct.pack(">I", seq) + bytes(rnd.randrange(256) for _ in range(n)),
                     a.natt_port, False)
    print("SENT " + " ".join("%s=%d" % kv for kv in stats.items()))


if __name__ == "__main__":
    main()
