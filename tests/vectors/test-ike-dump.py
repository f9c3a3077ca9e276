#!/usr/bin/env python3
# Runs the built ikebus-ike-dump on the real vectors (expected.txt, from
# tshark) and on malformed inputs.
#
#   test-ike-dump.py PATH-TO-ikebus-ike-dump VECTORS-DIR
#
# Prints TAP; exits non-zero if any check failed.
import configparser
import json
import os
import subprocess
import sys
import tempfile

# RFC 7296 §3.2 and RFC 7383 payload names, written here independently of the
# codec's name table.
PAYLOAD_NAMES = {33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ",
                 39: "AUTH", 40: "Nonce", 41: "Notify", 42: "Delete", 43: "VendorID",
                 44: "TSi", 45: "TSr", 46: "SK", 47: "CP", 48: "EAP", 53: "SKF"}
EXCHANGE_NAMES = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}

tool = sys.argv[1]
vdir = sys.argv[2]
n_test = 0
n_fail = 0


def ok(cond, what, detail=""):
    global n_test, n_fail
    n_test += 1
    if cond:
        print("ok %d - %s" % (n_test, what))
    else:
        n_fail += 1
        print("not ok %d - %s" % (n_test, what))
        for line in str(detail).splitlines():
            print("# " + line)


def run(args, stdin=None):
    p = subprocess.run([tool] + args, input=stdin, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def one_line_error(rc, err, what, want_rc=1):
    lines = err.splitlines()
    ok(rc == want_rc and len(lines) == 1 and err.endswith("\n")
       and lines[0].startswith("ikebus-ike-dump: "),
       what, "rc=%d stderr=%r" % (rc, err))


cp = configparser.ConfigParser(interpolation=None, delimiters=("=",))
cp.optionxform = str
cp.read(os.path.join(vdir, "expected.txt"))

tmp = tempfile.mkdtemp(prefix="ike-dump-test-")
first_text = {}
for name in cp.sections():
    v = cp[name]
    path = os.path.join(vdir, v["file"])
    with open(path, "rb") as f:
        data = f.read()
    rc, out, err = run([path])
    ok(rc == 0 and err == "", "%s: exit 0" % name, "rc=%d stderr=%r" % (rc, err))
    if rc != 0:
        continue
    header = out.splitlines()[0] if out else ""
    exch = EXCHANGE_NAMES[int(v["exchange"])]
    ok(v["ispi"] in header.lower() and v["rspi"] in header.lower() and exch in header,
       "%s: header line names SPIs and %s" % (name, exch), header)
    want_lines = 1 + len(v["payloads"].split(","))
    ok(len(out.splitlines()) == want_lines, "%s: one line per payload" % name, out)

    rc, jout, err = run(["--json", path])
    try:
        doc = json.loads(jout)
        types = [p["type"] for p in doc["payloads"]]
    except (ValueError, KeyError, TypeError) as e:
        doc, types = None, "unparsable: %s" % e
    want = [PAYLOAD_NAMES[int(t)] for t in v["payloads"].split(",")]
    ok(rc == 0 and types == want, "%s: --json payloads[].type" % name,
       "got %s want %s\n%s" % (types, want, jout[:500]))

    # Real messages also satisfy the per-exchange payload rules.
    rc, rout, err = run(["--check-rules", path])
    ok(rc == 0 and rout == out, "%s: --check-rules accepts it" % name, err)

    # The same message as hex, with separators, from a file and from stdin.
    hexpath = os.path.join(tmp, name + ".hex")
    pieces = [data[i:i + 16] for i in range(0, len(data), 16)]
    with open(hexpath, "w") as f:
        for p in pieces:
            f.write(":".join("%02x" % b for b in p[:8]) + "  " + " ".join("%02X" % b for b in p[8:]) + "\n")
    rc, hout, err = run(["--hex", hexpath])
    ok(rc == 0 and hout == out, "%s: --hex gives the same output" % name, err + hout[:300])
    rc, sout, err = run(["--hex", "-"], stdin=data.hex().encode())
    ok(rc == 0 and sout == out, "%s: --hex from stdin gives the same output" % name, err)

    if v["marker"] == "1":
        base = v["file"].replace("-nonesp.bin", ".bin")
        rc, bout, err = run([os.path.join(vdir, base)])
        ok(rc == 0 and bout == out, "%s: marker file and plain file print the same" % name, err)
        rc, fout, err = run(["--non-esp-marker", path])
        ok(rc == 0 and fout == out, "%s: --non-esp-marker" % name, err)
    else:
        # Add the marker ourselves: auto-detected, and forced.
        mpath = os.path.join(tmp, name + ".marker.bin")
        with open(mpath, "wb") as f:
            f.write(b"\0\0\0\0" + data)
        rc, mout, err = run([mpath])
        ok(rc == 0 and mout == out, "%s: auto-detected non-ESP marker" % name, err)
        rc, mout, err = run(["-m", mpath])
        ok(rc == 0 and mout == out, "%s: forced non-ESP marker" % name, err)
        rc, _, err = run(["--non-esp-marker", path])
        one_line_error(rc, err, "%s: --non-esp-marker without a marker fails" % name)

    # Every message truncated by one byte, and to half.
    for cut in (len(data) - 1, len(data) // 2, 3):
        tpath = os.path.join(tmp, name + ".trunc")
        with open(tpath, "wb") as f:
            f.write(data[:cut])
        rc, _, err = run([tpath])
        one_line_error(rc, err, "%s: truncated to %d bytes fails with one line" % (name, cut))

# Malformed inputs that are not about one message.
any_vec = os.path.join(vdir, cp[cp.sections()[0]]["file"])
with open(any_vec, "rb") as f:
    good = f.read()

empty = os.path.join(tmp, "empty")
open(empty, "wb").close()
rc, _, err = run([empty])
one_line_error(rc, err, "empty file")
rc, _, err = run(["--hex", empty])
one_line_error(rc, err, "empty hex file")

rc, _, err = run([os.path.join(tmp, "does-not-exist")])
one_line_error(rc, err, "missing file")
ok("does-not-exist" in err, "missing file: error names the file", err)

badhex = os.path.join(tmp, "bad.hex")
with open(badhex, "w") as f:
    f.write(good[:10].hex() + "\n" + "zz" + good[10:].hex() + "\n")
rc, _, err = run(["--hex", badhex])
one_line_error(rc, err, "non-hex character")
ok("'z'" in err and "line 2" in err and "byte 21" in err,
   "non-hex character: error names the character and its position", err)

odd = os.path.join(tmp, "odd.hex")
with open(odd, "w") as f:
    f.write(good.hex()[:-1])
rc, _, err = run(["--hex", odd])
one_line_error(rc, err, "odd number of hex digits")

rc, _, err = run([empty, empty])
one_line_error(rc, err, "two files is a usage error", want_rc=2)
rc, _, err = run([])
one_line_error(rc, err, "no file is a usage error", want_rc=2)
rc, _, err = run(["--no-such-option", any_vec])
one_line_error(rc, err, "unknown option is a usage error", want_rc=2)
rc, out, err = run(["--help"])
ok(rc == 0 and "--hex" in out and "--json" in out and "non-ESP" in out and "Exit status" in out,
   "--help explains the options and exit status", out + err)

# Random garbage: never a crash.
import random
rnd = random.Random(7296)
for i in range(50):
    blob = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200)))
    if i % 2:
        blob = good[:28] + blob
    gpath = os.path.join(tmp, "garbage")
    with open(gpath, "wb") as f:
        f.write(blob)
    rc, _, err = run([gpath])
    ok(rc in (0, 1) and (rc == 0 or len(err.splitlines()) == 1),
       "garbage %d: exit 0 or 1 with one line" % i, "rc=%d %r" % (rc, err))

print("1..%d" % n_test)
sys.exit(1 if n_fail else 0)
