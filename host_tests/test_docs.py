# Every shell command and code example in README.md and docs/*.md runs as
# written, or carries a marker saying why not and what covers it instead
# (host_tests/docs_blocks.py reads them). Shell blocks run with bash in a
# fresh-clone layout (the tracked files, `.venv` and the fetched MicroPython
# source as `make` would have set them up, an empty build/); Python blocks
# run on CPython and on the unix port with lib/ and the generated telemetry
# module on sys.path. CPython only (it runs subprocesses).
import os
import shutil
import subprocess
import sys
import tempfile

MPTEST_REQUIRES = ("cpython", "subprocess", "network")

import docs_blocks  # noqa: E402

ROOT = docs_blocks.ROOT
# What a marker may say, and what each means.
KINDS = {
    "long": "runs for minutes; the named test or CI's make test runs it",
    "hardware": "needs a board, its SDK or a USB port",
    "output": "sample output, not a command",
    "synopsis": "a usage line with optional arguments in brackets",
    "interactive": "opens an editor",
    "manifest": "lines of a MicroPython manifest, not a shell command",
    "pip": "host_tests/test_pip_install.py runs it in a fresh virtualenv",
    "connect-stub": "Python run here against an in-memory Connect service instead of the host it names",
    "example": "a sketch with a named placeholder",
    "continued": "Python that goes on from the file's Python blocks before it: run after them",
    "circuitpython": "needs the CircuitPython build kit; host_tests/circuitpython/test_circuitpython_docs.py runs it",
}


def test_every_block_is_run_or_marked():
    bad = []
    for b in docs_blocks.all_blocks():
        if b.kind is None and b.lang not in ("shell", "python"):
            bad.append("%r: a %s block needs a marker" % (b, b.lang))
        if b.kind is not None and b.kind not in KINDS:
            bad.append("%r: unknown marker %r (known: %s)" % (b, b.kind, ", ".join(sorted(KINDS))))
    assert not bad, "\n".join(bad)


def _fresh_clone(tmp):
    """The tracked files (as in the work tree) in tmp/buffa, set up as `make` leaves it."""
    clone = os.path.join(tmp, "buffa")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout
    for rel in files.decode().split("\0"):
        if not rel or not os.path.lexists(os.path.join(ROOT, rel)):
            continue
        dst = os.path.join(clone, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        src = os.path.join(ROOT, rel)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
    # `make venv` and the fetched MicroPython source, as this run has them
    os.symlink(sys.prefix, os.path.join(clone, ".venv"))
    if os.path.isdir(os.path.join(ROOT, "deps")):
        os.symlink(os.path.realpath(os.path.join(ROOT, "deps")), os.path.join(clone, "deps"))
    for d in ("host_tests/connect/servers", "tools/buf"):
        nm = os.path.join(ROOT, d, "node_modules")
        if os.path.isdir(nm):
            os.symlink(os.path.realpath(nm), os.path.join(clone, d, "node_modules"))
    return clone


def _env():
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "BUFFA_BUILD", "MAKEFLAGS",
                                                             "MAKELEVEL", "MFLAGS")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # nothing from this run's virtualenv but what the docs name
    return env


def test_shell_blocks_run_as_written():
    failed = []
    ran = 0
    with tempfile.TemporaryDirectory() as tmp:
        clone = _fresh_clone(tmp)
        for b in docs_blocks.all_blocks():
            if b.kind is not None or b.lang != "shell":
                continue
            ran += 1
            p = subprocess.run(["bash", "-e", "-c", b.text], cwd=clone, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=600)
            print("%r: exit %d\n%s%s" % (b, p.returncode, b.text, p.stdout[-1500:]))
            if p.returncode != 0:
                failed.append("%r exited %d:\n%s\n%s" % (b, p.returncode, b.text, p.stdout[-2000:]))
    assert ran >= 5, ran
    assert not failed, "\n\n".join(failed)


# Client.tls answers from memory: one RecordResponse.
CONNECT_STUB = """
import memtransport as _mt
from buffa.connect import Client as _Client
from telemetry.v1 import telemetry_pb as _t

_plaintext = _Client.plaintext

def _stub(cls, url, cadata=None, server_hostname=None, insecure_skip_verify=False, **options):
    conn = _mt.MemConnection([_mt.ok(_t.RecordResponse(accepted=1).encode())])
    return _plaintext("http://svc.test", transport=_mt.MemTransport([conn]), **options)

_Client.tls = classmethod(_stub)
with open("ca.pem", "w") as _f:
    _f.write("-----BEGIN CERTIFICATE-----\\n-----END CERTIFICATE-----\\n")
"""


def _python(exe, block, work, prelude=""):
    path = [os.path.join(ROOT, "lib"), os.path.join(ROOT, "firmware"), os.path.join(ROOT, "host_tests", "connect"),
            os.path.join(ROOT, "host_tests")]
    script = os.path.join(work, "block.py")
    with open(script, "w") as f:
        f.write("import sys\nsys.path[:0] = %r\n%s\n" % (path, prelude))
        f.write(block.text)
    return subprocess.run([exe, script], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120)


def test_python_blocks_run_on_cpython_and_the_unix_port():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import mptest_runtimes
    finally:
        sys.path.pop(0)
    failed = []
    ran = 0
    earlier = {}  # path -> the text of its Python blocks so far, for "continued" ones
    with tempfile.TemporaryDirectory() as work:
        for b in docs_blocks.all_blocks():
            if b.lang != "python" or b.kind not in (None, "connect-stub", "continued"):
                continue
            prelude = CONNECT_STUB if b.kind == "connect-stub" else ""
            if b.kind == "continued":
                prelude = earlier.get(b.path, "")
            earlier[b.path] = earlier.get(b.path, "") + b.text
            for name, exe in (("cpython", sys.executable), ("unix", mptest_runtimes.micropython_exe())):
                ran += 1
                p = _python(exe, b, work, prelude)
                if p.returncode != 0:
                    failed.append("%r on %s:\n%s" % (b, name, p.stdout[-2000:]))
    assert ran >= 8, ran
    assert not failed, "\n\n".join(failed)
