# Google's conformance suite through the C accelerator on the unix port
# (testee-micropython-accel), with no failure list, as the other testees.
import os
import subprocess

from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("cpython", "subprocess")

import mptest_runtimes as rts  # noqa: E402


def test_conformance_suite_passes_through_the_accelerator():
    # the testee's path holds the module, and buffa loads it from there
    env = dict(os.environ, MICROPYPATH=rts.natmod_dir("x64"))
    p = subprocess.run([rts.micropython_exe(), "-c", "import sys; sys.path.append(%r)\nimport buffa.wire\n"
                        "print(buffa.wire.ACCEL)" % rts.LIB], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    assert p.stdout.decode().strip() == "True", p.stdout
    runner = os.environ.get("CONFORMANCE_RUNNER") or os.path.join(rts.ROOT, "tools", "conformance-runner")
    env = dict(os.environ, CONFORMANCE_RUNNER=runner, TESTEES="micropython-accel")
    p = subprocess.run([os.path.join(rts.HOST_TESTS, "conformance", "run.sh")], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1200)
    text = p.stdout.decode(errors="replace")
    assert p.returncode == 0, text[-3000:]
    lines = [ln for ln in text.splitlines() if ln.startswith("conformance[")]
    assert len(lines) == 1 and lines[0].startswith("conformance[micropython-accel]"), text[-3000:]
    assert "CONFORMANCE SUITE PASSED" in lines[0] and " 0 unexpected failures" in lines[0], lines[0]
