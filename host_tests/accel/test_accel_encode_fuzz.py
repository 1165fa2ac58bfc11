# Every binary fuzz input (host_tests/fuzz corpus and regressions) that
# decodes, re-encoded on the MicroPython unix port with the accelerator
# both ways in one process: by the C table encoder and by the generated
# functions it keeps as its fallback (every class switched back to them).
# The bytes must be the same, and the C path must have done the work (its
# counters), not handed it to Python. Host side: it starts the run.
import os
import subprocess

from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("cpython", "subprocess")

import mptest_runtimes as rts  # noqa: E402

FUZZ = os.path.join(rts.HOST_TESTS, "fuzz")

SCRIPT = r"""
import sys, os
sys.path[:0] = %(path)r
import targets, buffa_accel
from buffa import DecodeError, message

def python_encode(m):
    saved = []
    for c in message.TYPES.values():
        z = c._buffa_z
        if hasattr(z, "fallback"):
            saved.append((c, z, c._buffa_w))
            c._buffa_z, c._buffa_w = z.fallback, c._buffa_w.fallback
    try:
        return m.encode()
    finally:
        for c, z, w in saved:
            c._buffa_z, c._buffa_w = z, w

ts = targets.types()
n = 0
c0, p0 = buffa_accel.encode_counts()
for sub in ("corpus", "regressions"):
    d = %(fuzz)r + "/" + sub + "/binary"
    try:
        names = sorted(os.listdir(d))
    except OSError:
        continue
    for name in names:
        with open(d + "/" + name, "rb") as f:
            data = f.read()
        if not data:
            continue
        try:
            m = ts[data[0] %% len(ts)].decode(data[1:])
        except DecodeError:
            continue
        c = m.encode()
        py = python_encode(m)
        if c != py:
            print("DIFFERENT", sub, name, c.hex(), py.hex())
        n += 1
c1, p1 = buffa_accel.encode_counts()
print("ENCODED", n, c1 - c0, p1 - p0)
"""


def test_fuzz_messages_encode_the_same_in_c_and_in_python():
    path = [rts.natmod_dir("x64"), FUZZ, rts.LIB]
    p = subprocess.run([rts.micropython_exe(), "-c", SCRIPT % {"path": path, "fuzz": FUZZ}], cwd=rts.ROOT,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    text = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, text[-2000:]
    lines = text.splitlines()
    assert not [x for x in lines if x.startswith("DIFFERENT")], text[-3000:]
    n, c, py = (int(x) for x in lines[-1].split()[1:])
    # two passes (size and write) of at least one message per input ran in
    # C; what went to Python is what the C code does not take (values of
    # another type never come out of a decode)
    assert n > 50 and c >= 2 * n and py == 0, (n, c, py)
