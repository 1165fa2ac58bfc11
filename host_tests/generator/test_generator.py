# protoc-gen-buffa: regenerating every checked-in module changes nothing,
# output layout, and Google's conformance suite on both runtimes.
# CPython only: runs protoc, the plugin and the conformance runner.

MPTEST_REQUIRES = ("cpython", "subprocess")


def _root():
    import os

    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(args, **kw):
    import subprocess

    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, **kw)


def _files(top):
    import os

    out = []
    for d, _, names in os.walk(top):
        for n in names:
            if n.endswith((".py", ".pyi")):
                out.append(os.path.relpath(os.path.join(d, n), top))
    return sorted(out)


def _protoc_include():
    import os
    import protoc

    return os.path.join(os.path.dirname(protoc.__file__), "include")


def _protoc(root):
    import os
    import shutil

    p = os.path.join(root, ".venv", "bin", "protoc")
    return p if os.path.exists(p) else shutil.which("protoc")


def test_regenerating_every_checked_in_module_changes_nothing():
    import os
    import tempfile

    root = _root()
    with tempfile.TemporaryDirectory() as out:
        r = _run([os.path.join(root, "tools", "regen.sh"), out])
        assert r.returncode == 0, r.stdout.decode(errors="replace")[-3000:]
        files = _files(out)
        # the runtime's bindings, the conformance messages and test protos
        assert "tools/buffa_gen/pb/descriptor_pb.py" in files
        assert "tools/buffa_gen/pb/compiler/plugin_pb.py" in files
        assert "host_tests/conformance/gen/conformance/messages/test_messages_proto3_pb.py" in files
        assert "host_tests/scalars/scalars_pb.py" in files
        # type stubs of the modules users import
        assert "firmware/telemetry/v1/telemetry_pb.pyi" in files and "lib/buffa/wkt/timestamp_pb.pyi" in files
        stale = []
        for rel in files:
            with open(os.path.join(out, rel), "rb") as f:
                new = f.read()
            try:
                with open(os.path.join(root, rel), "rb") as f:
                    old = f.read()
            except OSError:
                old = None
            if old != new:
                stale.append(rel + (" (missing)" if old is None else ""))
        assert not stale, "out of date (run tools/regen.sh): " + ", ".join(stale)


def _generate(root, out, proto_dir, protos, env=None, check=True):
    import os

    args = [
        _protoc(root),
        "--plugin=protoc-gen-buffa=" + os.path.join(root, "tools", "protoc-gen-buffa"),
        "--buffa_out=" + out,
        "-I" + proto_dir,
        "-I" + _protoc_include(),
    ] + protos
    import sys

    e = dict(os.environ)
    # the plugin runs as "python3" from PATH: the one running the tests
    e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
    e.update(env or {})
    r = _run(args, env=e)
    if check:
        assert r.returncode == 0, r.stdout.decode(errors="replace")[-3000:]
    return r


def test_subfolder_proto_becomes_a_package_module():
    import os
    import tempfile

    root = _root()
    src = os.path.join(root, "host_tests", "names")
    with tempfile.TemporaryDirectory() as out:
        _generate(root, out, src, [os.path.join(src, "names_dep", "dep.proto")])
        assert _files(out) == ["names_dep/__init__.py", "names_dep/dep_pb.py"]


def test_bindings_decoded_by_google_protobuf_give_the_same_output():
    # BUFFA_BOOTSTRAP=1 decodes the CodeGeneratorRequest with Google's
    # protobuf instead of buffa's own descriptor bindings.
    import os
    import tempfile

    root = _root()
    src = os.path.join(root, "host_tests", "names")
    protos = [os.path.join(src, "names_nested.proto"), os.path.join(src, "names_underscores.proto")]
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        _generate(root, a, src, protos)
        _generate(root, b, src, protos, {"BUFFA_BOOTSTRAP": "1"})
        assert _files(a) == _files(b)
        for rel in _files(a):
            with open(os.path.join(a, rel)) as fa, open(os.path.join(b, rel)) as fb:
                assert fa.read() == fb.read(), rel


def test_conformance_suite_passes_on_cpython_and_micropython():
    import os

    root = _root()
    # The project's own runner wrapper: it fetches what it needs, and a suite
    # that cannot run fails here, never skips.
    runner = os.environ.get("CONFORMANCE_RUNNER") or os.path.join(root, "tools", "conformance-runner")
    assert os.path.exists(runner), "no conformance runner at " + runner
    # CircuitPython's testee has a test of its own, below.
    env = dict(os.environ, CONFORMANCE_RUNNER=runner, TESTEES="cpython micropython cpython-view micropython-view")
    r = _run([os.path.join(root, "host_tests", "conformance", "run.sh")], env=env)
    text = r.stdout.decode(errors="replace")
    assert r.returncode == 0, text[-3000:]
    lines = [ln for ln in text.splitlines() if ln.startswith("conformance[")]
    ran = [ln[len("conformance[") : ln.index("]")] for ln in lines]
    for t in ("cpython", "micropython", "cpython-view", "micropython-view"):
        assert t in ran, text[-3000:]
    for ln in lines:
        assert "CONFORMANCE SUITE PASSED" in ln and " 0 unexpected failures" in ln, ln


def test_conformance_suite_passes_on_circuitpython():
    # The testee runs under CircuitPython's unix port (make circuitpython).
    import os
    import mptest_runtimes
    from mptest import Skip

    root = _root()
    runner = os.environ.get("CONFORMANCE_RUNNER") or os.path.join(root, "tools", "conformance-runner")
    assert os.path.exists(runner), "no conformance runner at " + runner
    why = mptest_runtimes.unavailable("circuitpython")
    if why:
        raise Skip(why)
    env = dict(os.environ, CONFORMANCE_RUNNER=runner, TESTEES="circuitpython",
               CIRCUITPYTHON_DIR=mptest_runtimes.circuitpython_dir())
    r = _run([os.path.join(root, "host_tests", "conformance", "run.sh")], env=env)
    text = r.stdout.decode(errors="replace")
    assert r.returncode == 0, text[-3000:]
    lines = [ln for ln in text.splitlines() if ln.startswith("conformance[")]
    assert len(lines) == 1, text[-3000:]
    # No failure list: every case passes, none is skipped.
    assert "CONFORMANCE SUITE PASSED" in lines[0] and " 0 skipped, 0 expected failures, 0 unexpected" in lines[0], lines[0]


def test_streaming_methods_generated_bidirectional_skipped_with_a_comment():
    import os

    path = os.path.join(_root(), "host_tests", "names", "names_service_pb.py")
    with open(path) as f:
        src = f.read()
    assert "class PingerClient" in src
    assert "def stream_pings(self, request," in src and "def upload(self, requests=None," in src
    assert "# Chat: bidirectional streaming is not supported" in src
    assert "def ping(self" in src and "def get_http_status(self" in src
