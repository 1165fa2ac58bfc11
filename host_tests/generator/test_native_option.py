# protoc-gen-buffa's "native" option (--buffa_out=native:DIR): the codec
# functions carry @micropython.native. The module must decode and encode
# exactly as the default one: on CPython (where the decorator is a no-op),
# and on the MicroPython unix port both compiled from source and from a
# .mpy built for the machine's architecture.
# CPython only: runs protoc, mpy-cross and the unix port as subprocesses.
from mptest import Skip

MPTEST_REQUIRES = ("cpython", "subprocess")

CASES = 150

# Decode every sample, re-encode it and write the results: the same on both
# modules, or the native one differs.
_MP_SCRIPT = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import differential_pb as B
out = open(sys.argv[4], "wb")
with open(sys.argv[3], "rb") as f:
    data = f.read()
p = 0
while p < len(data):
    n = data[p] | data[p + 1] << 8 | data[p + 2] << 16
    m = B.Diff.decode(data[p + 3:p + 3 + n])
    e = m.encode()
    assert len(e) == m.encoded_size()
    out.write(bytes([len(e) & 255, len(e) >> 8 & 255, len(e) >> 16]) + e)
    p += 3 + n
out.close()
"""


def _gen():
    import test_generator as T

    return T


def _tool(name):
    import os
    import shutil
    import sys

    p = os.path.join(os.path.dirname(sys.executable), name)
    return p if os.path.exists(p) else shutil.which(name)


def _generate(out, native):
    import os

    T = _gen()
    root = T._root()
    src = os.path.join(root, "host_tests", "differential")
    prefix = "native:" if native else ""
    T._generate(root, prefix + out, src, [os.path.join(src, "differential.proto")])


def _samples():
    import os
    import sys

    d = os.path.join(_gen()._root(), "host_tests", "differential")
    if d not in sys.path:
        sys.path.append(d)
    import diffutil
    import differential_pb as B

    out = bytearray()
    for seed in range(CASES):
        data = diffutil.Gen(seed).message(B.Diff).encode()
        out += bytes([len(data) & 255, len(data) >> 8 & 255, len(data) >> 16]) + data
    return bytes(out)


def _mp_run(tmp, mod_dir, samples, tag):
    import os

    T = _gen()
    script = os.path.join(tmp, "run.py")
    with open(script, "w") as f:
        f.write(_MP_SCRIPT)
    out = os.path.join(tmp, "out-" + tag)
    lib = os.path.join(T._root(), "lib")
    r = T._run([_tool("micropython"), script, mod_dir, lib, samples, out])
    assert r.returncode == 0, r.stdout.decode(errors="replace")[-3000:]
    with open(out, "rb") as f:
        return f.read()


def test_native_module_has_the_decorators_and_decodes_like_the_default_on_cpython():
    import importlib
    import os
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        _generate(a, False)
        _generate(b, True)
        with open(os.path.join(b, "differential_pb.py")) as f:
            src = f.read()
        assert src.count("@micropython.native") >= 3
        samples = _samples()
        results = []
        for d in (a, b):
            saved = sys.modules.pop("differential_pb", None)
            sys.path.insert(0, d)
            try:
                mod = importlib.import_module("differential_pb")
                out, p = [], 0
                while p < len(samples):
                    n = samples[p] | samples[p + 1] << 8 | samples[p + 2] << 16
                    out.append(mod.Diff.decode(samples[p + 3:p + 3 + n]).encode())
                    p += 3 + n
                results.append(out)
            finally:
                sys.path.remove(d)
                sys.modules.pop("differential_pb", None)
                if saved is not None:
                    sys.modules["differential_pb"] = saved
        assert results[0] == results[1]


def test_native_module_runs_like_the_default_on_the_micropython_unix_port():
    import os
    import platform
    import tempfile

    T = _gen()
    if not _tool("micropython"):
        raise Skip("no micropython unix port")
    with tempfile.TemporaryDirectory() as tmp:
        a, b, c = (os.path.join(tmp, x) for x in ("default", "native", "native-mpy"))
        for d in (a, b, c):
            os.mkdir(d)
        _generate(a, False)
        _generate(b, True)
        samples = os.path.join(tmp, "samples.bin")
        with open(samples, "wb") as f:
            f.write(_samples())
        want = _mp_run(tmp, a, samples, "default")
        assert want
        assert _mp_run(tmp, b, samples, "native") == want
        # a .mpy holding native code needs the machine's architecture
        arch = {"x86_64": "x64", "AMD64": "x64", "i686": "x86"}.get(platform.machine())
        if arch is None:
            raise Skip("no mpy-cross -march for %s" % platform.machine())
        src = os.path.join(b, "differential_pb.py")
        r = T._run([_tool("mpy-cross"), "-march=" + arch, "-o", os.path.join(c, "differential_pb.mpy"), src])
        assert r.returncode == 0, r.stdout.decode(errors="replace")
        assert _mp_run(tmp, c, samples, "native-mpy") == want
        # and a portable (bytecode-only) .mpy of it cannot be built
        r = T._run([_tool("mpy-cross"), "-o", os.path.join(tmp, "x.mpy"), src])
        assert r.returncode != 0


def test_an_unknown_option_is_a_protoc_error():
    import os
    import tempfile

    T = _gen()
    root = T._root()
    src = os.path.join(root, "host_tests", "differential")
    with tempfile.TemporaryDirectory() as out:
        args = [T._protoc(root), "--plugin=protoc-gen-buffa=" + os.path.join(root, "tools", "protoc-gen-buffa"),
                "--buffa_out=nativ:" + out, "-I" + src, os.path.join(src, "differential.proto")]
        import sys

        e = dict(os.environ)
        e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
        r = T._run(args, env=e)
        assert r.returncode != 0
        assert b"unknown option nativ" in r.stdout
