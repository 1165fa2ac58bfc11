# Checks of the build and deploy machinery, run on CPython only: every
# lib/buffa module compiles for every arch (sizes reported), the board
# manifests evaluate and freeze files that exist, and tools/deploy.py puts the
# library and an app on a board (a QEMU board's pty).
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
            lines.append("%s: %d modules, %d bytes of .mpy" % (arch, len(built), total))
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, "mpy-sizes.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


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
    # micropython-lib is not in the source package: record require()s only.
    m.require = lambda name, *a, **k: required.append(name)
    m.execute(os.path.join(ROOT, "boards", board, "manifest.py"))
    return m.files(), required


def _check_frozen(files):
    targets = {}
    for f in files:
        assert os.path.isfile(f.full_path), "frozen file missing: %s" % f.full_path
        targets[f.target_path] = f.full_path
    for rel, full in mpybuild.py_files(LIB_BUFFA):
        assert rel.replace(os.sep, "/") in targets, "%s is not frozen" % rel
        assert os.path.samefile(targets[rel.replace(os.sep, "/")], full)
    return targets


def test_qemu_board_manifests_freeze_the_library_and_test_support():
    for board, port in QEMU_BOARDS.items():
        files, required = _evaluate(board, port)
        targets = _check_frozen(files)
        assert "mptest.py" in targets and "mprunner.py" in targets, board
        assert required == [], board  # only our own code
        with open(os.path.join(ROOT, "boards", board, "mpconfigboard.mk")) as f:
            mk = f.read()
        assert "FROZEN_MANIFEST = $(BOARD_DIR)/manifest.py" in mk
        assert "MICROPY_HEAP_SIZE = 143360" in mk  # the port's real heap, not raised


def test_real_board_manifests_freeze_the_library():
    for board, port in REAL_BOARDS.items():
        files, required = _evaluate(board, port)
        targets = _check_frozen(files)
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


def test_deploy_to_a_board_over_its_serial_port():
    import deploy
    import mpboard
    import mptest_runtimes

    mptest_runtimes.ensure_firmware("QEMU_MICROBIT")
    app = os.path.join(BUILD, "deploy-test", "main.py")
    os.makedirs(os.path.dirname(app), exist_ok=True)
    with open(app, "w") as f:
        f.write("import buffa\nprint('app running with', buffa.__name__)\n")
    with mpboard.QemuBoard("QEMU_MICROBIT") as board:
        repl = mpboard.RawRepl(board.pty)
        try:
            repl.enter_raw(soft_reset=True)
            repl.exec_(RAMFS)
            # as on a board without buffa in its firmware (this one has it frozen)
            repl.exec_("import sys\nsys.path[:] = ['', '/lib']")
            # the core modules: the whole library does not fit a RAM disk in a 140 KiB heap
            written = deploy.deploy(repl, "armv6m", [app], exclude=["buffa/*/*"],
                                    log=lambda *a: None)
            assert written > 0
            out, _ = repl.exec_(
                "import os, sys\n"
                "print(sorted(os.listdir('/lib/buffa'))[:3], '__init__.mpy' in os.listdir('/lib/buffa'))\n"
                "import buffa, main\n"
                "print(buffa.__file__)\n"
            )
            assert "app running with buffa" in out, out
            assert "/lib/buffa/__init__.mpy" in out, out
            assert "True" in out, out
        finally:
            repl.close()
