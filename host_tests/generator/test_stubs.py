# Type stubs (generator option "pyi"): mypy passes a program that uses the
# telemetry bindings correctly and fails one that assigns a str to an int
# field. CPython only (runs mypy, from tools/requirements.txt).
MPTEST_REQUIRES = ("cpython", "subprocess")

import os
import subprocess
import sys
import tempfile

from test_generator import _root


def _mypy(name):
    root = _root()
    here = os.path.join(root, "host_tests", "generator", "typing")
    env = dict(os.environ, MYPYPATH=os.pathsep.join([os.path.join(root, "lib"), os.path.join(root, "firmware")]))
    with tempfile.TemporaryDirectory() as cache:
        r = subprocess.run([sys.executable, "-m", "mypy", "--follow-imports=silent", "--cache-dir", cache,
                            "--no-error-summary", os.path.join(here, name)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=600)
    return r.returncode, r.stdout.decode(errors="replace")


def test_mypy_passes_correct_use_of_generated_stubs():
    code, out = _mypy("user_ok.py")
    assert code == 0, out


def test_mypy_fails_a_str_assigned_to_an_int_field():
    code, out = _mypy("user_bad.py")
    assert code == 1, out
    assert 'user_bad.py:6: error: Incompatible types in assignment (expression has type "str", variable has type "int")' in out, out
