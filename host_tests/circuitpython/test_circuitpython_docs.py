# docs/circuitpython.md runs as written: the .mpy build for a CircuitPython
# board, and the Wi-Fi example against the telemetry collector, under the
# CircuitPython unix build (make circuitpython). A host test: it starts the
# collector and the CircuitPython executable.
from mptest import Skip

MPTEST_REQUIRES = ("cpython", "subprocess", "network")


def _root():
    import os

    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _doc():
    import os

    with open(os.path.join(_root(), "docs", "circuitpython.md")) as f:
        return f.read()


def _circuitpython():
    import mptest_runtimes

    why = mptest_runtimes.unavailable("circuitpython")
    if why:
        raise Skip(why)
    return mptest_runtimes.circuitpython_exe(), mptest_runtimes.circuitpython_dir()


def _run_cp(exe, sys_path, code, env=None, timeout=120):
    import subprocess

    prog = "import sys\nsys.path[:0] = %r\n%s" % (sys_path, code)
    return subprocess.run([exe, "-c", prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, env=env, cwd=_root())


def test_mpy_build_command_makes_files_circuitpython_loads():
    import os
    import shutil
    import subprocess
    import sys

    exe, cpdir = _circuitpython()
    lines = [ln.strip() for ln in _doc().splitlines() if "tools/mpybuild.py" in ln and ln.startswith("    MPY_CROSS=")]
    assert len(lines) == 1, lines
    cmd = lines[0].replace("build/circuitpython/mpy-cross", os.path.join(cpdir, "mpy-cross"))
    cmd = cmd.replace(".venv/bin/python", sys.executable)  # the venv running these tests
    out = os.path.join(_root(), "build", "circuitpy-lib")
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(cmd, shell=True, cwd=_root(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    assert r.returncode == 0, r.stdout.decode()[-2000:]
    files = []
    for top, _, names in os.walk(os.path.join(out, "buffa")):
        files += [os.path.join(top, n) for n in names]
    assert files and all(f.endswith(".mpy") for f in files), files
    for f in files:
        with open(f, "rb") as fh:
            assert fh.read(1) == b"C", f
    assert not os.path.exists(os.path.join(out, "buffa_viper.mpy"))
    # The board's view: /lib holds the .mpy files only.
    r = _run_cp(exe, [out], "import buffa, buffa.wire\nprint(buffa.wire.__file__)\n"
                "from buffa.wkt import duration\nprint(duration.Duration(seconds=3).encode())\n")
    text = r.stdout.decode()
    assert r.returncode == 0 and "buffa/wire.mpy" in text and "b'\\x08\\x03'" in text, text


def _code_py():
    doc = _doc()
    start = doc.index("```python", doc.index("as `CIRCUITPY/code.py`"))
    return doc[start + len("```python"):doc.index("```", start + 3)]


def _settings():
    doc = _doc()
    start = doc.index("```toml")
    out = {}
    for ln in doc[start + 7:doc.index("```", start + 3)].strip().splitlines():
        k, v = ln.split(" = ")
        out[k] = v.strip('"')
    return out


def test_wifi_example_posts_to_the_collector():
    import os
    import sys
    import tempfile

    sys.path.insert(0, os.path.join(_root(), "host_tests", "demo"))
    import demohelp

    exe, cpdir = _circuitpython()
    demohelp.need_collector_packages()
    settings = _settings()
    assert settings["COLLECTOR_URL"].startswith("http://")
    root = _root()
    ht = os.path.join(root, "host_tests")
    board = [os.path.join(ht, "cpboard"), os.path.join(ht, "cpboard_wifi"), os.path.join(ht, "connect"),
             os.path.join(root, "lib"), os.path.join(root, "firmware"), os.path.join(cpdir, "lib")]
    with tempfile.TemporaryDirectory() as work:
        col = demohelp.CollectorProc(work).start()
        try:
            # settings.toml as the board reads it, with the collector's real address
            env = dict(os.environ, CIRCUITPY_WIFI_SSID=settings["CIRCUITPY_WIFI_SSID"],
                       CIRCUITPY_WIFI_PASSWORD=settings["CIRCUITPY_WIFI_PASSWORD"],
                       COLLECTOR_URL="http://127.0.0.1:%d" % col.port)
            r = _run_cp(exe, board, _code_py(), env=env)
            text = r.stdout.decode()
            assert r.returncode == 0 and "accepted: 1" in text, text + col.output()[-2000:]
            # the same code, collector gone: the client's own error, not a crash
            col.stop()
            r = _run_cp(exe, board, _code_py(), env=env)
            text = r.stdout.decode()
            assert r.returncode == 0 and "not sent: unavailable" in text, text
        finally:
            col.stop()
