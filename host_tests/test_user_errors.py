# `make help` shows every entry point, and mistakes a new user makes get
# one line naming what is wrong, not a traceback: `make deploy` without
# PORT, a serial port that does not exist (tools/deploy.py,
# tools/serial_bridge.py). CPython only (subprocesses).
import os
import subprocess
import sys

MPTEST_REQUIRES = ("cpython", "subprocess")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MISSING = "/dev/buffa-no-such-port"


def _run(args):
    p = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    return p.returncode, p.stdout


def _one_line(text, *words):
    assert "Traceback" not in text, text
    lines = [ln for ln in text.splitlines() if all(w in ln for w in words)]
    assert len(lines) == 1, text


def test_deploy_names_a_missing_port():
    rc, text = _run([sys.executable, "tools/deploy.py", "--port", MISSING])
    assert rc != 0
    _one_line(text, "deploy: cannot open serial port " + MISSING, "No such file")


def test_serial_bridge_names_a_missing_port():
    rc, text = _run([sys.executable, "tools/serial_bridge.py", "--port", MISSING, "--upstream", "http://127.0.0.1:9"])
    assert rc != 0
    _one_line(text, "serial_bridge: cannot open serial port " + MISSING)


def test_make_deploy_without_port_says_so():
    venv = os.path.dirname(os.path.dirname(sys.executable))
    rc, text = _run(["make", "-s", "deploy", "VENV=" + venv])
    assert rc != 0
    _one_line(text, "deploy: set PORT")
    rc, text = _run(["make", "-s", "deploy", "VENV=" + venv, "PORT=" + MISSING])
    assert rc != 0
    _one_line(text, "deploy: cannot open serial port " + MISSING)


def test_make_help_lists_every_entry_point():
    rc, text = _run(["make", "-s", "help"])
    assert rc == 0, text
    assert "SHELL" not in text and "ROOT" not in text, text
    for target in ("demo", "test", "conformance", "bench", "firmware", "mpy", "deploy", "setup", "clean"):
        assert "make " + target in text, (target, text)
