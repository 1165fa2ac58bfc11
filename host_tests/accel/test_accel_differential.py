# Every binary fuzz input (host_tests/fuzz corpus and regressions) decoded on
# the MicroPython unix port with and without the C accelerator: the outcomes
# (the re-encoded message, or the DecodeError's kind, offset and reason)
# must be the same line for line. Host side: it starts both runs.
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
    assert len(with_c) == len(without) > 100
    errors = 0
    for a, b in zip(with_c[1:], without[1:]):
        assert a == b, (a, b)
        errors += " DecodeError " in a
    assert errors > 10, errors  # the corpus holds malformed inputs too
