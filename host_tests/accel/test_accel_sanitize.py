# The accelerator under AddressSanitizer and UndefinedBehaviorSanitizer:
# its byte-level core (natmod/buffa_accel/buffa_wire.h) over every fuzz
# input in a host C harness (tools/sanitize.sh, seconds), and the whole
# module compiled into a sanitized unix port (tools/sanitize.sh --unix).
import os
import subprocess

from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("cpython", "subprocess")

import mptest_runtimes as rts  # noqa: E402


def _sanitize(*args, timeout):
    # tools/sanitize.sh's output, which must end well
    p = subprocess.run([os.path.join(rts.TOOLS, "sanitize.sh")] + list(args), cwd=rts.ROOT, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    text = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, text[-3000:]
    return text


def test_the_core_runs_clean_under_asan_and_ubsan_over_the_fuzz_inputs():
    text = _sanitize(timeout=600)
    assert " 0 disagreements" in text, text[-3000:]
    n = int(text.split("check_host: ")[1].split()[0])
    assert n > 100, text  # the corpus and the regressions


def test_the_module_runs_clean_in_a_sanitized_unix_port():
    # tools/sanitize.sh --unix: MicroPython's unix port built with the C
    # module and -fsanitize=address,undefined, running every binary fuzz
    # input through the C path and the accelerator's own tests (minutes,
    # most of it the build; make keeps it between runs)
    text = _sanitize("--unix", timeout=1800)
    n = int(text.split("sanitize: ")[1].split()[0])
    assert n > 100, text[-3000:]  # the binary corpus and regressions
    passed = [ln for ln in text.splitlines() if ln.startswith("sanitize: test_accel_") and ln.endswith(" passed")]
    for mod in ("test_accel_helpers", "test_accel_table.", "test_accel_table_encode", "test_accel_encode_scalars"):
        assert any(mod in ln for ln in passed), (mod, text[-3000:])
    assert len(passed) >= 30, text[-3000:]
