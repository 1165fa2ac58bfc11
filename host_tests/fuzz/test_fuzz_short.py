# The bounded fuzz pass CI runs: every target on every fuzz runtime
# (atheris on CPython, the mutation fuzzer in the unix port at its default
# heap and at 256 KiB) for a few seconds each, two at a time, with a fixed
# seed. `make fuzz FUZZ_SECONDS=...` runs the same for longer.
import os
import sys

MPTEST_REQUIRES = ("cpython", "subprocess")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECONDS = int(os.environ.get("FUZZ_CI_SECONDS", "3"))


def test_short_fuzz_pass():
    import subprocess

    # its own output folder: a longer `make fuzz` may be running
    out = os.path.join(os.environ.get("BUFFA_BUILD", os.path.join(ROOT, "build")), "fuzz-ci")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fuzz.py"), "--seconds", str(SECONDS),
                        "--seed", "1", "--out", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, out
    # every target ran on every runtime
    for t in ("binary", "json", "http1", "envelope"):
        for r in ("cpython", "unix", "unix-256k"):
            assert "fuzz[%s/%s]: ok" % (t, r) in out, out
