#!/usr/bin/env python3
"""extract.py: turn one capture.sh run into the kdf-peer vector file.

    extract.py NAME PRF ENCR KEYBITS INTEG CAPDIR > NAME.txt

Reads CAPDIR/NAME.pcap (through tshark) and CAPDIR/NAME-west.log (the
initiator's charon log at ike/enc level 4).  The nonces and SPIs come from the
captured IKE_SA_INIT messages (walked here with a minimal payload walker);
g^ir, SKEYSEED, SK_* and the initiator's PSK AUTH inputs/outputs come from
strongSwan's own log lines.  The east (responder) log is checked to hold the
same g^ir, SKEYSEED and SK_*.
"""
import re
import subprocess
import sys

name, prf, encr, keybits, integ, capdir = sys.argv[1:7]

def udp_payloads(pcap):
    out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "udp.srcport",
                          "-e", "udp.payload"], check=True, capture_output=True, text=True).stdout
    msgs = []
    for line in out.splitlines():
        port, hexdata = line.split("\t")
        data = bytes.fromhex(hexdata)
        if port == "4500":
            assert data[:4] == b"\0\0\0\0", "expected the non-ESP marker"
            data = data[4:]
        msgs.append(data)
    return msgs

def walk(msg):
    """(type, body) for each unencrypted payload after the 28-octet header"""
    nxt = msg[16]
    off = 28
    while nxt != 0 and off < len(msg):
        plen = int.from_bytes(msg[off + 2:off + 4], "big")
        yield nxt, msg[off:off + plen]
        if nxt == 46:  # SK: the rest is encrypted
            return
        nxt = msg[off]
        off += plen

def nonce(msg):
    for t, body in walk(msg):
        if t == 40:
            return body[4:]
    raise SystemExit("no nonce")

def log_dumps(path):
    """label -> list of byte strings, in log order, from charon's %B dumps"""
    dumps = {}
    cur = None
    for line in open(path, errors="replace"):
        m = re.match(r"^\d+\[IKE\] (.*?) => (\d+) bytes @", line)
        if m:
            cur = [m.group(1), int(m.group(2)), bytearray()]
            dumps.setdefault(cur[0], []).append(cur)
            continue
        m = re.match(r"^\d+\[IKE\] +\d+: ((?:[0-9A-F]{2} ){1,16})", line)
        if m and cur is not None:
            cur[2] += bytes.fromhex(m.group(1).replace(" ", ""))
            continue
        cur = None
    return {k: [bytes(d[2]) for d in v if len(d[2]) == d[1]] for k, v in dumps.items()}

msgs = udp_payloads(f"{capdir}/{name}.pcap")
init_req, init_resp, auth_req = msgs[0], msgs[1], msgs[2]
assert init_req[18] == 34 and init_resp[18] == 34 and auth_req[18] == 35
west = log_dumps(f"{capdir}/{name}-west.log")
east = log_dumps(f"{capdir}/{name}-east.log")

keys = ["shared Diffie Hellman secret", "SKEYSEED", "Sk_d secret", "Sk_ai secret",
        "Sk_ar secret", "Sk_ei secret", "Sk_er secret", "Sk_pi secret", "Sk_pr secret"]
for k in keys:
    if k in west or k in east:
        assert west[k][0] == east[k][0], f"west and east disagree on {k}"

out = []
def put(k, v):
    out.append(f"{k} = {v.hex() if isinstance(v, bytes) else v}")

out.append(f"# strongSwan 5.9.8 <-> strongSwan 5.9.8, IKE proposal as in README ({name})")
put("prf", prf); put("encr", encr); put("encr_key_bits", keybits); put("integ", integ)
put("spi_i", init_req[0:8]); put("spi_r", init_resp[8:16])
put("ni", nonce(init_req)); put("nr", nonce(init_resp))
put("g_ir", west["shared Diffie Hellman secret"][0])
put("skeyseed", west["SKEYSEED"][0])
for k in ["d", "ai", "ar", "ei", "er", "pi", "pr"]:
    label = f"Sk_{k} secret"
    if label in west:
        put(f"sk_{k}", west[label][0])
out.append("# initiator's PSK AUTH (RFC 7296 section 2.15), from the same log")
put("psk", west["secret"][0])
put("id_i_body", west["IDx'"][0])
put("signed_octets_i", west["octets = message + nonce + prf(Sk_px, IDx')"][0])
put("psk_keypad_prf", west["prf(secret, keypad)"][0])
put("auth_i", west["AUTH = prf(prf(secret, keypad), octets)"][0])
out.append("# raw IKE messages as captured (UDP payload, non-ESP marker removed)")
put("ike_sa_init_req", init_req)
put("ike_sa_init_resp", init_resp)
put("ike_auth_req", auth_req)
print("\n".join(out))
