# Every binary fuzz input (host_tests/fuzz corpus and regressions) decoded on
# the MicroPython unix port with and without the C accelerator: the outcomes
# (the re-encoded message, or the DecodeError's kind, offset and reason)
# must be the same line for line. With it, decoding and re-encoding run
# through the C table codec, and its counters must show that C did the
# encoding, not the Python functions it hands over to. Host side: it starts
# both runs.
import os
import subprocess

from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("cpython", "subprocess")

import mptest_runtimes as rts  # noqa: E402

FUZZ = os.path.join(rts.HOST_TESTS, "fuzz")

SCRIPT = r"""
import sys, os
sys.path[:0] = %(path)r
import targets
from buffa import DecodeError, wire
print("ACCEL", wire.ACCEL)
if wire.ACCEL:
    from buffa_accel import encode_counts
    c0, p0 = encode_counts()
ts = targets.types()
for sub in ("corpus", "regressions"):
    d = %(fuzz)r + "/" + sub + "/binary"
    try:
        names = sorted(os.listdir(d))
    except OSError:
        continue
    for n in names:
        with open(d + "/" + n, "rb") as f:
            data = f.read()
        if not data:
            continue
        cls = ts[data[0] %% len(ts)]
        try:
            m = cls.decode(data[1:])
            out = "ok " + m.encode().hex()
        except DecodeError as e:
            out = "DecodeError %%s %%d %%s" %% (e.kind, e.offset, e.reason)
        except Exception as e:
            out = "%%s %%s" %% (type(e).__name__, e)
        print(sub, n, out)
if wire.ACCEL:
    c1, p1 = encode_counts()
    print("ENCODED", c1 - c0, p1 - p0)
"""


def _run(accel):
    path = ([rts.natmod_dir("x64")] if accel else []) + [FUZZ, rts.LIB]
    p = subprocess.run([rts.micropython_exe(), "-c", SCRIPT % {"path": path, "fuzz": FUZZ}], cwd=rts.ROOT,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    text = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, text[-2000:]
    return text.splitlines()


def test_fuzz_inputs_decode_the_same_with_and_without_the_accelerator():
    with_c = _run(True)
    without = _run(False)
    assert with_c[0] == "ACCEL True" and without[0] == "ACCEL False", (with_c[0], without[0])
    c, py = (int(x) for x in with_c.pop().split()[1:])
    assert len(with_c) == len(without) > 100
    errors = encoded = 0
    for a, b in zip(with_c[1:], without[1:]):
        assert a == b, (a, b)
        errors += " DecodeError " in a
        encoded += " ok " in a
    assert errors > 10, errors  # the corpus holds malformed inputs too
    # two passes (size and write) of at least one message per input ran in
    # C; what went to Python is what the C code does not take (values of
    # another type never come out of a decode)
    assert encoded > 50 and c >= 2 * encoded and py == 0, (encoded, c, py)
