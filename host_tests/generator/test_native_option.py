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
from buffa import DecodeOptions
BIG = DecodeOptions(max_elements=1 << 24)  # random messages: beyond the default budget
out = open(sys.argv[4], "wb")
with open(sys.argv[3], "rb") as f:
    data = f.read()
p = 0
while p < len(data):
    n = data[p] | data[p + 1] << 8 | data[p + 2] << 16
    m = B.Diff.decode(data[p + 3:p + 3 + n], BIG)
    e = m.encode()
    assert len(e) == m.encoded_size()
    out.write(bytes([len(e) & 255, len(e) >> 8 & 255, len(e) >> 16]) + e)
    p += 3 + n
out.close()
"""


def _gen():
    import test_generator as T

    return T


def _micropython():
    import mptest_runtimes

    return mptest_runtimes.micropython_exe()


def _mpy_cross():
    import mpybuild

    return mpybuild.find_mpy_cross()


def _generate(out, option="", proto="differential.proto"):
    # option: the plugin's ("native", "split"), or "" for the default form
    import os

    T = _gen()
    root = T._root()
    src = os.path.join(root, "host_tests", "differential")
    T._generate(root, (option + ":" if option else "") + out, src, [os.path.join(src, proto)])


def _samples():
    import diffutil_path  # noqa: F401
    import diffutil
    import differential_pb as B

    out = bytearray()
    for seed in range(CASES):
        data = diffutil.Gen(seed).message(B.Diff).encode()
        out += bytes([len(data) & 255, len(data) >> 8 & 255, len(data) >> 16]) + data
    return bytes(out)


def _mp_run(tmp, mod_dir, samples, tag, tail=""):
    # _MP_SCRIPT on the unix port, then tail (more lines of the script);
    # returns what it wrote and the last line it printed
    import os

    T = _gen()
    script = os.path.join(tmp, "run-%s.py" % tag)
    with open(script, "w") as f:
        f.write(_MP_SCRIPT + tail)
    out = os.path.join(tmp, "out-" + tag)
    lib = os.path.join(T._root(), "lib")
    r = T._run([_micropython(), script, mod_dir, lib, samples, out])
    text = r.stdout.decode(errors="replace")
    assert r.returncode == 0, text[-3000:]
    with open(out, "rb") as f:
        return f.read(), text.strip().split("\n")[-1]


def test_native_module_has_the_decorators_and_decodes_like_the_default_on_cpython():
    import importlib
    import os
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        _generate(a)
        _generate(b, "native")
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
                    out.append(mod.Diff.decode(samples[p + 3:p + 3 + n], _big()).encode())
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
    import tempfile

    import mpybuild

    T = _gen()
    with tempfile.TemporaryDirectory() as tmp:
        a, b, c = (os.path.join(tmp, x) for x in ("default", "native", "native-mpy"))
        for d in (a, b, c):
            os.mkdir(d)
        _generate(a)
        _generate(b, "native")
        samples = os.path.join(tmp, "samples.bin")
        with open(samples, "wb") as f:
            f.write(_samples())
        want = _mp_run(tmp, a, samples, "default")[0]
        assert want
        assert _mp_run(tmp, b, samples, "native")[0] == want
        # a .mpy holding native code needs the arch the port reports
        r = T._run([_micropython(), "-c", "import sys; print(sys.implementation._mpy)"])
        arch = mpybuild.decode_mpy_feature(int(r.stdout))[2]
        if arch is None:
            raise Skip("this unix port has no native emitter")
        src = os.path.join(b, "differential_pb.py")
        r = T._run([_mpy_cross(), "-march=" + arch, "-o", os.path.join(c, "differential_pb.mpy"), src])
        assert r.returncode == 0, r.stdout.decode(errors="replace")
        assert _mp_run(tmp, c, samples, "native-mpy")[0] == want
        # and a portable (bytecode-only) .mpy of it cannot be built
        r = T._run([_mpy_cross(), "-o", os.path.join(tmp, "x.mpy"), src])
        assert r.returncode != 0


def test_an_unknown_option_is_a_protoc_error():
    import os
    import tempfile

    T = _gen()
    root = T._root()
    src = os.path.join(root, "host_tests", "differential")
    with tempfile.TemporaryDirectory() as out:
        r = T._generate(root, "nativ:" + out, src, [os.path.join(src, "differential.proto")], check=False)
        assert r.returncode != 0
        assert b"unknown option nativ" in r.stdout


# Decode and re-encode samples with the module in each directory; print a
# digest per module. Both run on the same board, so float32 and dict order
# are the same for both.
_BOARD_SCRIPT = """
import gc, sys
def _digest(d, data):
    sys.path.insert(0, d)
    import differential2_pb as B
    acc = 0
    n = 0
    p = 0
    while p < len(data):
        k = data[p] | data[p + 1] << 8
        m = B.D2.decode(data[p + 2:p + 2 + k])
        e = m.encode()
        assert len(e) == m.encoded_size()
        for i in range(len(e)):
            acc = (acc * 31 + e[i]) & 0xFFFFFF
        n += 1
        p += 2 + k
    del sys.modules['differential2_pb']
    sys.path.pop(0)
    gc.collect()
    return n, acc
_data = open('/samples.bin', 'rb').read()
print('digest', _digest('/d', _data), _digest('/n', _data))
"""


def test_native_module_runs_like_the_default_on_a_qemu_board_with_a_native_emitter():
    import os
    import tempfile

    import deploy
    import mpboard
    import mptest_runtimes
    from test_infra_tools import RAMFS

    import diffutil_path  # noqa: F401  (puts host_tests/differential on sys.path)
    import diffutil
    import differential2_pb as B

    T = _gen()
    board_name = "QEMU_MPS2_AN385"  # Cortex-M3: has the native emitter
    mptest_runtimes.ensure_firmware(board_name)
    samples = bytearray()
    for seed in range(40):
        data = diffutil.Gen(seed, maps=seed % 2 == 0).message(B.D2).encode()
        if len(data) < 2000:  # the board's heap holds both modules and the samples
            samples += bytes([len(data) & 255, len(data) >> 8]) + data
    with tempfile.TemporaryDirectory() as tmp, mpboard.QemuBoard(board_name) as board:
        a, b = os.path.join(tmp, "d"), os.path.join(tmp, "n")
        os.mkdir(a)
        os.mkdir(b)
        _generate(a, proto="differential2.proto")
        _generate(b, "native", "differential2.proto")
        repl = mpboard.RawRepl(board.pty)
        try:
            repl.enter_raw(soft_reset=True)
            arch = deploy.native_arch_for(deploy.board_mpy(repl), None, log=lambda s: None)
            assert arch, "the MPS2 firmware should report a native arch"
            for d, march in ((a, None), (b, arch)):
                out = os.path.join(d, "differential2_pb.mpy")
                cmd = [_mpy_cross()] + (["-march=" + march] if march else []) + [
                    "-o", out, os.path.join(d, "differential2_pb.py")]
                r = T._run(cmd)
                assert r.returncode == 0, r.stdout.decode(errors="replace")
            repl.exec_(RAMFS)
            for d, name in ((a, "/d"), (b, "/n")):
                mpboard.makedirs(repl, name)
                with open(os.path.join(d, "differential2_pb.mpy"), "rb") as f:
                    mpboard.write_file(repl, name + "/differential2_pb.mpy", f.read())
            mpboard.write_file(repl, "/samples.bin", bytes(samples))
            out, _ = repl.exec_(_BOARD_SCRIPT, timeout=120)
        finally:
            repl.close()
    line = [x for x in out.splitlines() if x.startswith("digest")][0]
    d, n = line[len("digest "):].split(") (")
    assert d + ")" == "(" + n, line
    assert not d.startswith("(0,"), line


def _big():
    # random messages hold more elements than the default decode budget
    from buffa import DecodeOptions

    return DecodeOptions(max_elements=1 << 24)
