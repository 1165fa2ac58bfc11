# Checks of the build and deploy machinery, run on CPython only: every
# lib/buffa module compiles for every arch (sizes reported), and the native
# loops (lib/buffa_viper.py) for every arch but a portable build, `make mpy`'s
# output loads on the unix port with the native loops in use, the board
# manifests evaluate and freeze files that exist, and tools/deploy.py puts the
# library, the native loops and an app on a board (a QEMU board's pty).
import os
import subprocess
import sys
import tempfile

MPTEST_REQUIRES = ("cpython", "subprocess")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOLS = os.path.join(ROOT, "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

import mpybuild  # noqa: E402

BUILD = os.environ.get("BUFFA_BUILD", os.path.join(ROOT, "build"))
LIB_BUFFA = os.path.join(ROOT, "lib", "buffa")
LIB_VIPER = os.path.join(ROOT, "lib", "buffa_viper.py")
QEMU_BOARDS = {"QEMU_MICROBIT": "qemu", "QEMU_MPS2_AN385": "qemu"}
REAL_BOARDS = {"ESP32_GENERIC": "esp32", "RPI_PICO_W": "rp2"}


def test_every_module_compiles_for_every_arch():
    sources = mpybuild.py_files(LIB_BUFFA)
    assert sources, "lib/buffa has no modules"
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for arch in mpybuild.ARCHS:
            out = os.path.join(tmp, arch)
            built = mpybuild.build_package(LIB_BUFFA, out, arch)  # raises on a compile error
            assert len(built) == len(sources), arch
            for rel, size in built:
                assert size > 0, rel
                with open(os.path.join(out, rel), "rb") as f:
                    head = f.read(4)
                assert head[0:1] == b"M" and head[1] == 6, (rel, head)  # .mpy version 6
            total = sum(size for _, size in built)
            # the native loops: machine code for this arch, beside the package
            native = mpybuild.build_native(out, arch)
            assert [rel for rel, _ in native] == ["buffa_viper.mpy"], (arch, native)
            assert mpybuild.mpy_header(os.path.join(out, "buffa_viper.mpy"))[::2] == (6, arch), arch
            lines.append("%s: %d modules, %d bytes of .mpy; buffa_viper.mpy %d bytes"
                         % (arch, len(built), total, native[0][1]))
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, "mpy-sizes.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def _mpybuild_main(*args):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert mpybuild.main(list(args)) == 0
    return out.getvalue()


def test_mpy_header_fields():
    # sys.implementation._mpy of the unix port (x64), the QEMU micro:bit
    # (no native emitter) and MPS2 (Cortex-M3, which MicroPython reports as armv7em)
    assert mpybuild.decode_mpy_feature(2822) == (6, 3, "x64")
    assert mpybuild.decode_mpy_feature(774) == (6, 3, None)
    assert mpybuild.decode_mpy_feature(6918) == (6, 3, "armv7em")
    for arch in mpybuild.ARCHS:
        assert arch in mpybuild.MPY_ARCH_NAMES


def test_make_mpy_puts_the_native_loops_beside_the_package():
    with tempfile.TemporaryDirectory() as tmp:
        text = _mpybuild_main("--arch", "all", "--out", tmp, "-q")
        for arch in mpybuild.ARCHS:
            out = os.path.join(tmp, arch)
            assert os.path.isfile(os.path.join(out, "buffa", "__init__.mpy")), arch
            viper = os.path.join(out, "buffa_viper.mpy")
            assert os.path.isfile(viper), arch
            version, _, march = mpybuild.mpy_header(viper)
            assert (version, march) == (6, arch)
            assert "mpy %s: %d modules" % (arch, len(mpybuild.py_files(LIB_BUFFA)) + 1) in text, text
        assert "left out" not in text, text
        # a portable build: bytecode only, and it says the native loops are left out
        out = os.path.join(tmp, "portable")
        text = _mpybuild_main("--arch", "portable", "--out", out, "-q")
        assert os.path.isfile(os.path.join(out, "buffa", "wire.mpy"))
        assert not os.path.exists(os.path.join(out, "buffa_viper.mpy"))
        assert "buffa_viper.py left out" in text, text
        for rel, _ in mpybuild.build_package(LIB_BUFFA, os.path.join(tmp, "check"), None):
            assert mpybuild.mpy_header(os.path.join(out, rel))[2] is None, rel  # no machine code
        # viper cannot go into a portable .mpy at all
        try:
            mpybuild.compile_file(LIB_VIPER, os.path.join(tmp, "v.mpy"))
        except RuntimeError as e:
            assert "invalid arch" in str(e), e
        else:
            raise AssertionError("mpy-cross compiled viper code without an arch")


def _unix_port_loads(mpy_dir):
    # The unix port (x64) importing only what `make mpy` wrote, as a board
    # with the files in /lib; what buffa.wire took, and a packed sint32 round trip.
    import mptest_runtimes

    code = (
        "import sys\n"
        "sys.path[:] = [%r]\n"
        "import buffa.wire as w\n"
        "print('native', w._zz32_get is not None, w.__file__)\n"
        "vals = [0, -1, 1, 300, -70000, 2147483647, -2147483648]\n"
        "n = w.packed_size(vals, w.SINT32)\n"
        "buf = bytearray(n)\n"
        "assert w.put_packed(buf, 0, vals, w.SINT32) == n\n"
        "out = []\n"
        "assert w.packed_varint(buf, 0, n, out, w.sint32) == n\n"
        "assert out == vals, out\n"
        "try:\n"
        "    import buffa_viper\n"
        "    print('viper', buffa_viper.__file__)\n"
        "except (ImportError, ValueError) as e:\n"  # ValueError: .mpy for another arch
        "    print('viper none', repr(e))\n" % mpy_dir
    )
    p = subprocess.run([mptest_runtimes.micropython_exe(), "-c", code], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert p.returncode == 0, p.stdout
    return p.stdout


def test_mpy_files_give_the_unix_port_the_native_loops():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x64")
        _mpybuild_main("--arch", "x64", "--out", out, "-q")
        text = _unix_port_loads(out)
        assert "native True %s" % os.path.join(out, "buffa", "wire.mpy") in text, text
        assert "viper %s" % os.path.join(out, "buffa_viper.mpy") in text, text
        # portable: the same library, with the Python loops
        out = os.path.join(tmp, "portable")
        _mpybuild_main("--arch", "portable", "--out", out, "-q")
        text = _unix_port_loads(out)
        assert "native False" in text and "viper none" in text, text
        # another arch's native loops fail to load and buffa falls back
        out = os.path.join(tmp, "armv6m")
        _mpybuild_main("--arch", "armv6m", "--out", out, "-q")
        text = _unix_port_loads(out)
        assert "native False" in text and "incompatible .mpy arch" in text, text


def test_deploy_picks_the_native_arch_from_the_board():
    import deploy

    logs = []
    # the board reports its arch: that one, whatever --arch says
    assert deploy.native_arch_for((6, 3, "xtensawin"), None, logs.append) == "xtensawin"
    assert deploy.native_arch_for((6, 3, "armv7em"), "armv7m", logs.append) == "armv7em"
    assert logs and "armv7em" in logs[-1]
    # no native emitter: left out, with the reason
    assert deploy.native_arch_for((6, 3, None), "armv6m", logs.append) is None
    assert "no native emitter" in logs[-1]
    # the board does not say: --arch if given, else left out
    assert deploy.native_arch_for(None, "armv6m", logs.append) == "armv6m"
    assert deploy.native_arch_for(None, None, logs.append) is None
    assert "buffa_viper left out" in logs[-1] and "does not report its arch" in logs[-1]


class _FakeRepl:
    """Stands in for a board's raw REPL: reports a _mpy value, records writes."""

    def __init__(self, mpy):
        self.mpy = mpy
        self.files = []

    def exec_(self, code, **kw):
        if "sys.implementation" in code:
            return "%d\n" % self.mpy, ""
        if "_f = open(" in code:
            self.files.append(code.split("open(")[1].split(",")[0].strip("'\""))
        if "import buffa\n" in code:
            return "/lib/buffa/__init__.mpy\nFalse\n", ""
        return "", ""


def test_deploy_leaves_out_native_code_of_another_mpy_sub_version():
    import deploy

    with tempfile.TemporaryDirectory() as tmp:
        viper = mpybuild.build_native(tmp, "armv7em")[0][0]
        version, sub, _ = mpybuild.mpy_header(os.path.join(tmp, viper))
    # a Cortex-M board whose MicroPython reads .mpy 6.(sub-1) (e.g. 1.22 against 6.3)
    other = version | ((sub - 1) & 3 | 6 << 2) << 8
    for mpy, shipped in ((version | (sub | 6 << 2) << 8, True), (other, False)):
        repl = _FakeRepl(mpy)
        logs = []
        deploy.deploy(repl, None, include=["buffa/__init__.mpy", "buffa_viper.mpy"], log=logs.append)
        assert "/lib/buffa/__init__.mpy" in repl.files, repl.files
        assert ("/lib/buffa_viper.mpy" in repl.files) == shipped, (repl.files, logs)
        if not shipped:
            assert any("buffa_viper left out: mpy-cross writes .mpy" in l for l in logs), logs


def _mpy_source():
    p = subprocess.run([os.path.join(TOOLS, "bootstrap.sh"), "mpsrc"], stdout=subprocess.PIPE, text=True)
    assert p.returncode == 0, "MicroPython source not available"
    return p.stdout.strip()


def _evaluate(board, port):
    src = _mpy_source()
    sys.path.insert(0, os.path.join(src, "tools"))
    try:
        import manifestfile
    finally:
        sys.path.pop(0)
    m = manifestfile.ManifestFile(
        manifestfile.MODE_FREEZE,
        {
            "MPY_DIR": src,
            "PORT_DIR": os.path.join(src, "ports", port),
            "BOARD_DIR": os.path.join(ROOT, "boards", board),
            "MPY_LIB_DIR": os.path.join(TOOLS, "mpy-lib-stub"),
        },
    )
    required = []
    # micropython-lib is not in the source package: record its require()s
    # only; buffa's own parts (packages/) are resolved as a build would.
    real_require = m.require

    def require(name, *a, **k):
        if k.get("library") == "buffa":
            return real_require(name, *a, **k)
        required.append(name)

    m.require = require
    m.execute(os.path.join(ROOT, "boards", board, "manifest.py"))
    return m.files(), required


def packages_all():
    import parts

    return tuple(parts.PARTS)


def _check_frozen(files, names):
    """Every file of these parts (tools/parts.py) is frozen, and no generator bindings."""
    import parts

    targets = {}
    for f in files:
        assert os.path.isfile(f.full_path), "frozen file missing: %s" % f.full_path
        targets[f.target_path] = f.full_path
    for name in names:
        for rel in parts.PARTS[name][2]:
            assert rel in targets, "%s (%s) is not frozen" % (rel, name)
            assert os.path.samefile(targets[rel], os.path.join(ROOT, "lib", rel))
    assert not [t for t in targets if "descriptor_pb" in t or "plugin_pb" in t], sorted(targets)
    return targets


def test_qemu_board_manifests_freeze_the_library_and_test_support():
    for board, port in QEMU_BOARDS.items():
        files, required = _evaluate(board, port)
        # every part; the micro:bit build has no native emitter for the viper loops
        names = [n for n in packages_all() if not (n == "buffa-viper" and board == "QEMU_MICROBIT")]
        targets = _check_frozen(files, names)
        assert "mptest.py" in targets and "mprunner.py" in targets, board
        assert required == [], board  # only our own code
        with open(os.path.join(ROOT, "boards", board, "mpconfigboard.mk")) as f:
            mk = f.read()
        assert "FROZEN_MANIFEST = $(BOARD_DIR)/manifest.py" in mk
        assert "MICROPY_HEAP_SIZE = 143360" in mk  # the port's real heap, not raised


def test_real_board_manifests_freeze_the_library():
    for board, port in REAL_BOARDS.items():
        files, required = _evaluate(board, port)
        # the telemetry device's parts and the native loops; not the JSON codec
        targets = _check_frozen(files, ("buffa", "buffa-wkt", "buffa-connect", "buffa-viper"))
        assert "buffa/protojson/__init__.py" not in targets, board
        assert "mptest.py" not in targets, board  # test support is for the QEMU boards only
        # the port's own frozen modules are still there
        assert any(t.startswith("asyncio/") for t in targets), board
        with open(os.path.join(ROOT, "boards", board, "mpconfigboard.cmake")) as f:
            assert "set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)" in f.read()
        assert os.path.isfile(os.path.join(ROOT, "boards", board, "mpconfigboard.h"))


# A writable filesystem in RAM for the QEMU board (it has none), mounted at /,
# standing in for a real board's flash filesystem.
RAMFS = r"""
import io, vfs
class _W(io.IOBase):
    def __init__(s, fs, p):
        s.fs = fs
        s.p = p
        s.b = []
    def write(s, b):
        s.b.append(bytes(b))
        return len(b)
    def ioctl(s, req, arg):
        if req == 4 and s.b is not None:
            s.fs.f[s.p] = b''.join(s.b)
            s.b = None
        return 0
    def close(s):
        s.ioctl(4, 0)
    def __enter__(s):
        return s
    def __exit__(s, *a):
        s.close()
class _RamFS:
    def __init__(s):
        s.f = {}
        s.d = {''}
    def mount(s, ro, mk):
        pass
    def umount(s):
        pass
    def chdir(s, p):
        pass
    def getcwd(s):
        return ''
    def stat(s, p):
        p = p.strip('/')
        if p in s.f:
            return (0x8000, 0, 0, 0, 0, 0, len(s.f[p]), 0, 0, 0)
        if p in s.d:
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        raise OSError(2)
    def ilistdir(s, p):
        p = p.strip('/')
        pre = p + '/' if p else ''
        for n in list(s.f) + list(s.d):
            if n and n.startswith(pre) and '/' not in n[len(pre):]:
                yield (n[len(pre):], 0x8000 if n in s.f else 0x4000, 0, 0)
    def mkdir(s, p):
        p = p.strip('/')
        if p in s.d or p in s.f:
            raise OSError(17)
        s.d.add(p)
    def remove(s, p):
        del s.f[p.strip('/')]
    def rmdir(s, p):
        s.d.discard(p.strip('/'))
    def statvfs(s, p):
        return (512, 512, 0, 0, 0, 0, 0, 0, 0, 255)
    def open(s, p, m):
        p = p.strip('/')
        if 'w' in m:
            return _W(s, p)
        if p not in s.f:
            raise OSError(2)
        return io.BytesIO(s.f[p])
vfs.mount(_RamFS(), '/')
"""


def _deploy_to_qemu(board_name, arch=None, exclude=()):
    """Deploy the core modules and an app to a QEMU board's RAM disk, as to a
    board without buffa in its firmware; (log lines, what the board printed)."""
    import deploy
    import mpboard
    import mptest_runtimes

    mptest_runtimes.ensure_firmware(board_name)
    app = os.path.join(BUILD, "deploy-test", "main.py")
    os.makedirs(os.path.dirname(app), exist_ok=True)
    with open(app, "w") as f:
        f.write("import buffa\nprint('app running with', buffa.__name__)\n")
    logs = []
    with mpboard.QemuBoard(board_name) as board:
        repl = mpboard.RawRepl(board.pty)
        try:
            repl.enter_raw(soft_reset=True)
            repl.exec_(RAMFS)
            # as on a board without buffa in its firmware (this one has it frozen)
            repl.exec_("import sys\nsys.path[:] = ['', '/lib']")
            # the core modules: the whole library does not fit a RAM disk in a 140 KiB heap
            # (nor, since the C table decoder's Python side joined the core, with views)
            written = deploy.deploy(repl, arch, [app], exclude=["buffa/*/*", "buffa/view.*", "buffa/stream.*"] + list(exclude),
                                    log=logs.append)
            assert written > 0
            out, _ = repl.exec_(
                "import os, sys\n"
                "print(sorted(os.listdir('/lib/buffa'))[:3], '__init__.mpy' in os.listdir('/lib/buffa'))\n"
                "print('lib', sorted(os.listdir('/lib')))\n"
                "import buffa, main\n"
                "print(buffa.__file__)\n"
                "import buffa.wire as w\n"
                "print('native', w._zz32_get is not None)\n"
                "try:\n"
                "    import buffa_viper\n"
                "    print('viper', buffa_viper.__file__)\n"
                "except ImportError:\n"
                "    print('viper none')\n"
            )
            assert "app running with buffa" in out, out
            assert "/lib/buffa/__init__.mpy" in out, out
            assert "True" in out, out
        finally:
            repl.close()
    return logs, out


def test_deploy_to_a_board_over_its_serial_port():
    # The micro:bit (armv6m, as the RP2040) loads native code: the viper
    # loops go with the core. The C accelerator (12 KB) stays off: this RAM
    # disk lives in the same 140 KiB heap as everything else.
    logs, out = _deploy_to_qemu("QEMU_MICROBIT", "armv6m", exclude=["buffa_accel.mpy"])
    assert "lib ['buffa', 'buffa_viper.mpy']" in out, out
    assert "native True" in out and "viper /lib/buffa_viper.mpy" in out, out
    assert not any("buffa/_accel_" in l for l in logs), logs  # its Python side stays off too


def test_deploy_leaves_the_native_loops_off_a_board_without_an_emitter():
    import deploy

    logs = []
    assert deploy.native_arch_for((6, 3, None), "armv6m", logs.append) is None
    assert any("buffa_viper left out: the board's firmware has no native emitter" in l for l in logs), logs


def test_deploy_puts_the_native_loops_on_a_board_with_viper():
    # MPS2 (Cortex-M3) has one; the arch comes from the board (no --arch)
    logs, out = _deploy_to_qemu("QEMU_MPS2_AN385")
    assert "lib ['buffa', 'buffa_viper.mpy']" in out, out
    assert "native True" in out and "viper /lib/buffa_viper.mpy" in out, out
    assert any(l.split()[0] == "/lib/buffa_viper.mpy" for l in logs if l.strip()), logs
    assert any("uses the native (viper) packed sint32 loops" in l for l in logs), logs
