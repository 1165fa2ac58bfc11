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


def test_stubs_carry_the_proto_comments_as_docstrings():
    # an IDE shows them on hover: the message's, a field's (the string after
    # its annotation) and a service method's, as in telemetry_pb.py
    import ast

    path = os.path.join(_root(), "firmware", "telemetry", "v1", "telemetry_pb.pyi")
    with open(path) as f:
        tree = ast.parse(f.read())
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    reading = classes["Reading"]
    assert ast.get_docstring(reading) == "One measurement."
    body = reading.body
    i = next(k for k, n in enumerate(body) if isinstance(n, ast.AnnAssign) and n.target.id == "sensor")
    assert body[i + 1].value.value == 'Sensor name, e.g. "mcu_temperature", "adc0".'
    record = next(n for n in classes["TelemetryServiceClient"].body if getattr(n, "name", "") == "record")
    assert ast.get_docstring(record) == "Store a batch of readings."
    assert ast.get_docstring(classes["Unit"]) == "Unit of a reading's value."
