# A native module built for another arch (an armv6m buffa_accel.mpy found by
# the unix port, as a board's filesystem may hold one copied for the wrong
# board) fails to import with ValueError, and buffa runs its Python code.
import os
import shutil
import subprocess
import tempfile

from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("cpython", "subprocess")

import mptest_runtimes as rts  # noqa: E402

CODE = """
import sys
sys.path[:0] = [%r, %r]
try:
    import buffa_accel
except ValueError as e:
    print("ValueError", e)
from buffa import wire
print("ACCEL", wire.ACCEL, wire.varint(b"\\xe8\\x07", 1, 2, 0xE8))
"""


def test_a_native_module_for_another_arch_leaves_the_python_code_running():
    d = tempfile.mkdtemp()
    try:
        shutil.copy(os.path.join(rts.natmod_dir("armv6m"), "buffa_accel.mpy"), d)
        p = subprocess.run([rts.micropython_exe(), "-c", CODE % (d, rts.LIB)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    finally:
        shutil.rmtree(d)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, out
    assert out.split("\n")[:2] == ["ValueError incompatible .mpy arch", "ACCEL False (1000, 2)"], out
