# How the C accelerator (natmod/buffa_accel) reaches a board: the prebuilt
# native modules under lib/buffa-accel/ are what tools/natmod.sh builds now,
# `mip install` of lib/buffa-accel-ARCH.json gives a folder whose buffa runs
# through them (or falls back, on another arch), tools/deploy.py and
# `tools/demo.py --bundle` ship the one the board's arch loads (and nothing
# where none loads), and the ESP32_GENERIC and RPI_PICO_W board folders hand
# the C module to their ports' cmake. CPython only (natmod.sh, mpy-cross, the
# unix port, cmake).
import json
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
import parts  # noqa: E402


def _natmod(arch, build, *flags):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["BUFFA_BUILD"] = build  # a fresh build, not one make may judge up to date
    p = subprocess.run([os.path.join(TOOLS, "natmod.sh")] + list(flags) + [arch], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout.strip()


def test_prebuilt_accelerators_match_a_fresh_build():
    with tempfile.TemporaryDirectory() as tmp:
        for arch in parts.ACCEL_ARCHS:
            shipped = os.path.join(ROOT, "lib", parts.accel_file(arch))
            with open(shipped, "rb") as f:
                data = f.read()
            with open(_natmod(arch, tmp), "rb") as f:
                assert f.read() == data, "lib/%s differs from a fresh build: run python3 tools/parts.py --accel" % (
                    parts.accel_file(arch))
            version, sub, march = mpybuild.mpy_header(shipped)
            assert march == arch, (arch, march)
            # (the helpers, the table decoder and the table encoder: about
            # 17 KB for x64, 12 KB for the arm archs)
            assert len(data) < 24576, (arch, len(data))


def test_the_xtensawin_configuration_compiles():
    # ESP32's arch: no compiler here (ESP-IDF's), so natmod.sh --check
    # compiles the sources in that arch's configuration (single-precision
    # floats, 32-bit) with -Werror and the unix port's warnings through the
    # arm compiler.
    with tempfile.TemporaryDirectory() as tmp:
        obj = _natmod("xtensawin", tmp, "--check")
        for name in ("buffa_accel.o", "table_decode.o", "table_encode.o"):
            with open(os.path.join(obj, name), "rb") as f:
                assert f.read(5) == b"\x7fELF\x01", name  # 32-bit objects


def test_one_mip_package_per_arch_holds_the_core_and_its_accelerator():
    import buffa

    core = list(parts.PARTS["buffa"][2])
    for arch in parts.ACCEL_ARCHS:
        with open(os.path.join(ROOT, "lib", "buffa-accel-%s.json" % arch)) as f:
            pkg = json.load(f)
        assert pkg["version"] == buffa.__version__
        dests = [u[0] for u in pkg["urls"]]
        assert dests == core + ["buffa_accel.mpy"], dests
        # relative URLs, resolved against the json's folder (lib/)
        assert pkg["urls"][-1][1] == parts.accel_file(arch)
        assert os.path.isfile(os.path.join(ROOT, "lib", pkg["urls"][-1][1]))


def test_a_board_gets_the_prebuilt_accelerator_its_arch_loads():
    assert parts.accel_arch_for("x64") == "x64"
    assert parts.accel_arch_for("armv6m") == "armv6m"  # RP2040
    assert parts.accel_arch_for("armv7m") == "armv7m"
    # thumb firmware loads native code from armv6m up to its own arch
    assert parts.accel_arch_for("armv7em") == "armv7m"
    assert parts.accel_arch_for("armv7emsp") == "armv7emsp"
    assert parts.accel_arch_for("armv7emdp") == "armv7emsp"
    for arch in ("xtensawin", "xtensa", "rv32imc", "x86", "armv6", None):
        assert parts.accel_arch_for(arch) is None, arch


class _Board:
    """Stands in for a board's raw REPL: reports a _mpy value and whether
    buffa_accel is compiled in; records the files written."""

    def __init__(self, arch, sub=3, built_in=False):
        self.mpy = 6 | (sub | mpybuild.MPY_ARCH_NAMES.index(arch) << 2) << 8
        self.built_in = built_in
        self.files = []

    def exec_(self, code, **kw):
        if "sys.implementation" in code:
            return "%d\n" % self.mpy, ""
        if "import buffa_accel\n" in code:
            return "%s\n" % self.built_in, ""
        if "_f = open(" in code:
            self.files.append(code.split("open(")[1].split(",")[0].strip("'\""))
        if "import buffa\n" in code:
            accel = self.built_in or "/lib/buffa_accel.mpy" in self.files
            return "/lib/buffa/__init__.mpy\nFalse\naccel %s\n" % accel, ""
        return "", ""


def _deploy(board):
    import deploy

    def core_init_only(src_dir, out_dir, arch=None):
        # the one module the include below keeps: compiling the whole
        # library for each case only costs time
        dst = os.path.join(out_dir, "buffa", "__init__.mpy")
        mpybuild.compile_file(os.path.join(src_dir, "__init__.py"), dst, arch, source_name="buffa/__init__.py")
        return [("buffa/__init__.mpy", os.path.getsize(dst))]

    logs = []
    real = deploy.mpybuild.build_package
    deploy.mpybuild.build_package = core_init_only
    try:
        deploy.deploy(board, None, include=["buffa/__init__.mpy", "buffa_accel.mpy"], log=logs.append)
    finally:
        deploy.mpybuild.build_package = real
    assert "/lib/buffa/__init__.mpy" in board.files, board.files
    return logs


def test_deploy_ships_the_accelerator_for_the_arch_the_board_reports():
    for arch, shipped in (("armv6m", "armv6m"), ("armv7em", "armv7m"), ("armv7emsp", "armv7emsp"), ("x64", "x64")):
        board = _Board(arch)
        logs = _deploy(board)
        assert "/lib/buffa_accel.mpy" in board.files, (arch, board.files, logs)
        assert any("buffa_accel: the prebuilt native module for %s" % shipped in ln for ln in logs), logs
        assert "buffa.wire uses the C accelerator (buffa_accel)" in logs, logs


def test_deploy_leaves_the_accelerator_out_where_it_cannot_load():
    cases = (
        (_Board("xtensawin"), "no prebuilt native module loads on xtensawin"),
        (_Board(None), "no native code for this board"),  # no native emitter (the micro:bit)
        (_Board("armv6m", sub=2), "the board loads native code only from 6.2"),  # MicroPython 1.22
        (_Board("armv7m", built_in=True), "the board's firmware has it compiled in"),
    )
    for board, reason in cases:
        logs = _deploy(board)
        assert "/lib/buffa_accel.mpy" not in board.files, (reason, board.files)
        assert any(ln.startswith("buffa_accel left out") and reason in ln for ln in logs), (reason, logs)
        assert ("buffa.wire uses the C accelerator (buffa_accel)" in logs) == board.built_in, logs


def test_bundle_carries_the_accelerator_for_its_arch():
    import demo

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bundle")
        logs = []
        files = demo.bundle(out, "armv6m", True, log=logs.append)
        assert "lib/buffa_accel.mpy" in files, files
        with open(os.path.join(out, "lib", "buffa_accel.mpy"), "rb") as f, \
                open(os.path.join(ROOT, "lib", parts.accel_file("armv6m")), "rb") as g:
            assert f.read() == g.read()
        # the same folder rebuilt for ESP32: no prebuilt module, none left behind
        logs = []
        files = demo.bundle(out, "xtensawin", True, log=logs.append)
        assert "lib/buffa_accel.mpy" not in files and "lib/buffa_viper.mpy" in files, files
        assert any("no prebuilt C accelerator loads on xtensawin" in ln for ln in logs), logs
        files = demo.bundle(out, "armv6m", False, log=logs.append)
        assert "lib/buffa_accel.mpy" not in files, files
        assert any("buffa_accel left out too: that firmware compiles" in ln for ln in logs), logs


def test_mip_installs_the_accelerator_and_buffa_runs_through_it_or_falls_back():
    from test_packaging import _mip, _Server

    prog = ("import sys\nsys.path[:] = [%r, '.frozen']\n"
            "import buffa.wire as w, scalars_pb as s\n"
            "m = s.Scalars(i32=-5, s64=-(2**40), u64=2**63, s='h\\u00e9')\n"
            "assert s.Scalars.decode(m.encode()) == m\n"
            "print('accel', w.ACCEL)\n")
    with _Server() as srv, tempfile.TemporaryDirectory() as tmp:
        for arch, accel in (("x64", True), ("armv6m", False)):
            target = os.path.join(tmp, arch)
            mp = _mip("http://127.0.0.1:%d/lib/buffa-accel-%s.json" % (srv.port, arch), target)
            assert os.path.isfile(os.path.join(target, "buffa_accel.mpy")), os.listdir(target)
            with open(os.path.join(ROOT, "host_tests", "scalars", "scalars_pb.py"), "rb") as f, \
                    open(os.path.join(target, "scalars_pb.py"), "wb") as g:
                g.write(f.read())
            # the unix port is x64: armv6m code raises ValueError on import and buffa keeps its Python code
            p = subprocess.run([mp, "-c", prog % target], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=tmp, timeout=60)
            assert p.stdout.strip() == "accel %s" % accel, (arch, p.stdout)


_CMAKE = """cmake_minimum_required(VERSION 3.12)
project(buffa_board_check NONE)
# As the esp32 and rp2 ports do: the board's settings, then MicroPython's
# user C module collection.
include(${MICROPY_BOARD_DIR}/mpconfigboard.cmake)
include(${MICROPY_DIR}/py/usermod.cmake)
message("USERMOD_SOURCES=${MICROPY_SOURCE_USERMOD}")
"""


def _usermod_sources(board, accel=None):
    import shutil

    assert shutil.which("cmake"), "cmake not found (tools/bootstrap.sh apt installs it)"
    src = subprocess.run([os.path.join(TOOLS, "bootstrap.sh"), "mpsrc"], stdout=subprocess.PIPE, text=True)
    assert src.returncode == 0, "MicroPython source not available"
    env = dict(os.environ)
    env.pop("BUFFA_ACCEL", None)
    if accel is not None:
        env["BUFFA_ACCEL"] = accel
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "CMakeLists.txt"), "w") as f:
            f.write(_CMAKE)
        p = subprocess.run(["cmake", "-S", tmp, "-B", os.path.join(tmp, "build"),
                            "-DMICROPY_DIR=" + src.stdout.strip(),
                            "-DMICROPY_BOARD_DIR=" + os.path.join(ROOT, "boards", board)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode == 0, p.stdout
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("USERMOD_SOURCES=")]
    return [s for s in line[0].split("=", 1)[1].split(";") if s]


def test_esp32_and_pico_board_folders_compile_the_accelerator_in():
    want = [os.path.join(ROOT, "natmod", "buffa_accel", n) for n in ("buffa_accel.c", "table_decode.c", "table_encode.c")]
    for board in ("ESP32_GENERIC", "RPI_PICO_W"):
        assert _usermod_sources(board) == want, board
        assert _usermod_sources(board, "1") == want, board
        assert _usermod_sources(board, "0") == [], board
