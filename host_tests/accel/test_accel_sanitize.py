# The accelerator's byte-level core (natmod/buffa_accel/buffa_wire.h) under
# AddressSanitizer and UndefinedBehaviorSanitizer, over every fuzz input:
# tools/sanitize.sh without --unix (a host C harness, seconds).
import os
import subprocess

from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("cpython", "subprocess")

import mptest_runtimes as rts  # noqa: E402


def test_the_core_runs_clean_under_asan_and_ubsan_over_the_fuzz_inputs():
    p = subprocess.run([os.path.join(rts.TOOLS, "sanitize.sh")], cwd=rts.ROOT, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    text = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, text[-3000:]
    assert " 0 disagreements" in text, text[-3000:]
    n = int(text.split("check_host: ")[1].split()[0])
    assert n > 100, text  # the corpus and the regressions
