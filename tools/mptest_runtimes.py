"""Host side of the test matrix: run one test module on one MicroPython runtime.

A runtime runs a whole test module in one process (unix port) or one board
session (QEMU, after a soft reset), and host_tests/mprunner.py prints one
result line per test. ModuleRun holds the parsed results; host_tests/conftest.py
turns them into pytest items named test_x[RUNTIME].
"""
import ast
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
HOST_TESTS = os.path.join(ROOT, "host_tests")
LIB = os.path.join(ROOT, "lib")
BUILD = os.environ.get("BUFFA_BUILD", os.path.join(ROOT, "build"))
MARK = "@@mptest "
SUPPORT = ("mptest", "mprunner")  # frozen into the QEMU test firmware

if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

# Heap of the small-heap unix run. It runs .mpy files (as boards do: compiling
# source takes far more heap than running it). The QEMU boards have the port's
# own 140 KiB (about 139,800 bytes free at boot); on the 64-bit unix port
# objects take about 1.5-2x the bytes, so 144 KiB here (about 72-96 KiB of a
# board's objects) is the tighter of the two. It was 128 KiB until the
# streaming client, views, budgets and value checks came together: the
# connect and JSON test modules then left under 10 KiB free there (see
# docs/testing.md).
UNIX_SMALL_HEAP = os.environ.get("MPTEST_SMALL_HEAP", "144K")

# CircuitPython's unix port (tools/circuitpython.sh builds it into
# build/circuitpython): the VM, compiler and .mpy loader of CircuitPython
# boards, with MicroPython's socket module. Its small-heap run is sized like
# unix-small, for the same reason. The folder host_tests/cpboard goes first on
# its sys.path: the `time` module of a CircuitPython board (monotonic, no
# ticks), which this build lacks, given by the runner and not the library.
CIRCUITPY_SMALL_HEAP = os.environ.get("MPTEST_CIRCUITPY_SMALL_HEAP", UNIX_SMALL_HEAP)
CPBOARD = os.path.join(HOST_TESTS, "cpboard")

MP_FEATURES = {"micropython"}
CP_FEATURES = {"micropython", "circuitpython"}
RUNTIMES = {
    "cpython": {"kind": "cpython",
                "features": {"cpython", "network", "doubles", "filesystem", "subprocess", "bigheap"}},
    "unix": {"kind": "unix", "heap": None,
             "features": MP_FEATURES | {"network", "doubles", "filesystem", "bigheap"}},
    "unix-small": {"kind": "unix", "heap": UNIX_SMALL_HEAP, "mpy": True,
                   "features": MP_FEATURES | {"network", "doubles", "filesystem"}},
    # the unix port with the C accelerator (natmod/buffa_accel, built for x64)
    # beside the library: every test through the C helpers
    "unix-accel": {"kind": "unix", "heap": None, "accel": "x64",
                   "features": MP_FEATURES | {"network", "doubles", "filesystem", "bigheap", "accel"}},
    # "parallel": host_tests/conftest.py runs them in a thread beside the others.
    "circuitpython": {"kind": "unix", "exe": "circuitpython", "heap": None, "parallel": True,
                      "features": CP_FEATURES | {"network", "doubles", "filesystem", "bigheap"}},
    "circuitpython-small": {"kind": "unix", "exe": "circuitpython", "heap": CIRCUITPY_SMALL_HEAP, "mpy": True,
                            "parallel": True,
                            "features": CP_FEATURES | {"network", "doubles", "filesystem"}},
    "qemu-microbit": {"kind": "qemu", "board": "QEMU_MICROBIT", "mode": "frozen", "features": MP_FEATURES},
    # QEMU_MPS2_AN385's firmware has the C accelerator compiled in
    # (boards/qemu-cmodules/buffa_accel); QEMU_MICROBIT's has not
    "qemu-mps2": {"kind": "qemu", "board": "QEMU_MPS2_AN385", "mode": "frozen", "features": MP_FEATURES | {"accel"}},
    # The micro:bit's firmware loads native code, as the RP2040's does
    # (boards/QEMU_MICROBIT): it is served the armv6m native module, and every
    # test runs through it from .mpy.
    "qemu-microbit-mpy": {"kind": "qemu", "board": "QEMU_MICROBIT", "mode": "mpy", "natmod": True,
                          "features": MP_FEATURES | {"accel"}},
    # ... and a firmware of its own built without the C module (BUFFA_ACCEL=0),
    # so that each board runs every test with and without the accelerator.
    "qemu-mps2-mpy": {"kind": "qemu", "board": "QEMU_MPS2_AN385", "mode": "mpy", "firmware_accel": "0",
                      "features": MP_FEATURES},
    # The third way on each board: the MPS2 without the C module in its
    # firmware, served the armv7m native module beside the .mpy library;
    # the micro:bit with the C module compiled into its firmware
    # (BUFFA_ACCEL=1) and the library frozen. So each board runs every test
    # frozen with the C module, from .mpy with the native module, and
    # without either.
    "qemu-mps2-natmod": {"kind": "qemu", "board": "QEMU_MPS2_AN385", "mode": "mpy", "natmod": True,
                         "firmware_accel": "0", "features": MP_FEATURES | {"accel"}},
    "qemu-microbit-cmod": {"kind": "qemu", "board": "QEMU_MICROBIT", "mode": "frozen", "firmware_accel": "1",
                           "features": MP_FEATURES | {"accel"}},
}
ORDER = list(RUNTIMES)


def describe(name):
    rt = RUNTIMES[name]
    if rt["kind"] == "cpython":
        return "CPython %d.%d" % sys.version_info[:2]
    if rt.get("exe") == "circuitpython":
        return "CircuitPython 10.1 unix port, heap %s%s" % (rt["heap"] or "default", ", code from .mpy" if rt.get("mpy") else "")
    if rt["kind"] == "unix":
        return "MicroPython unix port, heap %s%s%s" % (rt["heap"] or "default", ", code from .mpy" if rt.get("mpy") else "",
                                                        ", C accelerator" if rt.get("accel") else "")
    accel = ""
    if "accel" in rt["features"]:
        accel = ", C accelerator as a native module" if rt.get("natmod") else ", C accelerator in the firmware"
    return "MicroPython v1.25 on QEMU %s, lib %s%s" % (rt["board"], "frozen" if rt["mode"] == "frozen" else "from .mpy",
                                                      accel)


def timeout_s():
    return float(os.environ.get("MPTEST_TIMEOUT", "300"))


# ---------------------------------------------------------------------------
# Reading test modules on the host


def module_info(path):
    """(test function names in definition order, module-level MPTEST_REQUIRES)."""
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    names = []
    requires = ()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
            if node.name not in names:
                names.append(node.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == "MPTEST_REQUIRES":
                    requires = tuple(ast.literal_eval(node.value))
    return names, requires


def _module_of(path, root):
    rel = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def _imports(path, modname):
    """Dotted names a module imports (anywhere in it), relative ones resolved.

    For `from X import a` both X and X.a are listed (a may be a submodule).
    """
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    is_pkg = os.path.basename(path) == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = modname.split(".")
                if not is_pkg:
                    parts = parts[:-1]
                parts = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module
            if base:
                out.append(base)
                out += [base + "." + a.name for a in node.names if a.name != "*"]
    return out


def _resolve(name, roots):
    """Files (root, path) that importing dotted `name` loads, or [] if not local."""
    parts = name.split(".")
    for root in roots:
        files = []
        ok = True
        for i in range(1, len(parts) + 1):
            base = os.path.join(root, *parts[:i])
            init = os.path.join(base, "__init__.py")
            if os.path.isfile(init):
                files.append((root, init))
            elif i == len(parts) and os.path.isfile(base + ".py"):
                files.append((root, base + ".py"))
            else:
                ok = False
                break
        if ok and files:
            return files
    return []


def local_deps(path, with_lib=False):
    """Modules a test module needs pushed to a board: [(board path, host path)].

    The local modules it imports (beside the test or in host_tests/), and
    with_lib the library modules under lib/ as well, found by following
    import statements (anywhere in a module, so lazy imports are included).
    The test support (mptest, mprunner) is not included. Board paths are
    relative to /t (the test's folder) or start with lib/.
    """
    path = os.path.abspath(path)
    roots = [os.path.dirname(path), HOST_TESTS, LIB]
    todo = [(os.path.dirname(path), path)]
    seen = set()
    out = []
    while todo:
        root, p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        if root == LIB and not with_lib:
            continue
        if p != path:
            out.append((root, p))
        for name in _imports(p, _module_of(p, root)):
            if name.split(".")[0] in SUPPORT:
                continue
            todo += _resolve(name, roots)
    res = []
    for root, p in sorted(out, key=lambda x: x[1]):
        rel = os.path.relpath(p, root).replace(os.sep, "/")
        res.append(("lib/" + rel if root == LIB else rel, p))
    return res


# ---------------------------------------------------------------------------
# Results


class ModuleRun:
    """The results of one test module on one runtime."""

    def __init__(self, runtime, path):
        self.runtime = runtime
        self.path = path
        self.start = None
        self.imported = None
        self.end = None
        self.tests = {}
        self.module_error = None
        self.crash = None
        self.output = []  # lines printed outside any test
        self.seconds = 0.0

    def parse(self, text):
        current = None
        cur_out = []
        for line in text.replace("\r\n", "\n").split("\n"):
            if line.startswith(MARK):
                try:
                    ev = json.loads(line[len(MARK):])
                except ValueError:
                    (cur_out if current else self.output).append(line)
                    continue
                kind = ev.get("event")
                if kind == "start":
                    self.start = ev
                elif kind == "imported":
                    self.imported = ev
                elif kind == "end":
                    self.end = ev
                elif kind == "module_error":
                    self.module_error = ev.get("traceback", "")
                elif kind == "begin":
                    current = ev.get("name")
                    cur_out = []
                elif kind == "test":
                    ev["output"] = "\n".join(cur_out).strip("\n")
                    self.tests[ev.get("name")] = ev
                    current = None
                    cur_out = []
            elif line.strip():
                (cur_out if current else self.output).append(line)
        if current and current not in self.tests:
            # The runtime stopped inside this test.
            self.tests[current] = {"name": current, "status": "failed", "traceback": "",
                                   "output": "\n".join(cur_out), "incomplete": True}
        if self.start is None and self.crash is None and not self.module_error:
            self.crash = "the runner printed no start line"
        elif self.end is None and self.crash is None:
            self.crash = "the runner stopped before reporting every test"
        return self

    def result(self, name):
        """(status, message) for one test: passed / failed / skipped."""
        if self.module_error is not None:
            return "failed", "importing the test module failed:\n" + self.module_error
        t = self.tests.get(name)
        if t is None:
            msg = "no result reported for %s" % name
            if self.crash:
                msg += ": " + self.crash
            tail = "\n".join(self.output[-30:])
            if tail:
                msg += "\n----- runtime output -----\n" + tail
            return "failed", msg
        if t["status"] == "skipped":
            return "skipped", t.get("reason") or "skipped"
        if t["status"] == "passed":
            return "passed", ""
        # Leave out the runner's own frame: the traceback starts at the test.
        msg = "".join(l for l in (t.get("traceback") or "").splitlines(True) if 'mprunner.py", line' not in l)
        if t.get("incomplete"):
            msg = "the runtime stopped while running this test (%s)\n%s" % (self.crash or "crash", msg)
        if t.get("output"):
            msg += "\n----- output -----\n" + t["output"]
        return "failed", msg

    def extra_names(self, names):
        return [n for n in self.tests if n not in names]


# ---------------------------------------------------------------------------
# Unix port


def micropython_exe():
    env = os.environ.get("MICROPYTHON")
    if env:
        return env
    cand = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(cand):
        return cand
    cand = os.path.join(ROOT, ".venv", "bin", "micropython")
    if os.path.exists(cand):
        return cand
    found = shutil.which("micropython")
    if found:
        return found
    raise RuntimeError("micropython (unix port) not found: run `make venv` or set MICROPYTHON")


def circuitpython_dir():
    """Where tools/circuitpython.sh puts the executable and its mpy-cross."""
    return os.environ.get("CIRCUITPYTHON_DIR") or os.path.join(BUILD, "circuitpython")


def circuitpython_exe():
    return os.path.join(circuitpython_dir(), "circuitpython")


_probed = {}


def features(runtime):
    """The runtime's features. A CircuitPython built from an upstream checkout
    (CIRCUITPY_DIR) has no socket module: then it has no "network"."""
    feats = RUNTIMES[runtime]["features"]
    if RUNTIMES[runtime].get("exe") == "circuitpython" and "network" in feats:
        exe = circuitpython_exe()
        if exe not in _probed:
            p = subprocess.run([exe, "-c", "import socket"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _probed[exe] = p.returncode == 0
        if not _probed[exe]:
            feats = feats - {"network"}
    return feats


def unavailable(runtime):
    """Why `runtime` cannot run on this machine, or None when it can."""
    if RUNTIMES[runtime].get("exe") == "circuitpython" and not os.path.exists(circuitpython_exe()):
        return ("CircuitPython not built (%s): `make circuitpython` builds it from ../shared/tools/"
                "circuitpython-unix or from CIRCUITPY_DIR, an upstream checkout; neither is here"
                % circuitpython_exe())
    return None


def runner_call(modname, names, features):
    return "import mprunner\nmprunner.run(%r, %r, %r)\n" % (modname, list(names), sorted(features))


def _compile_tree(arch, src_dir, recursive=True, mpy_cross=None):
    """Compile the .py files under src_dir into the .mpy cache; returns the cache dir.

    arch names the cache (build/mptest-mpy/ARCH): "circuitpython-x64" holds
    what CircuitPython's own mpy-cross (mpy_cross) made for x64."""
    for dp, dn, fns in os.walk(src_dir):
        dn[:] = sorted(d for d in dn if d != "__pycache__" and not d.startswith(".")) if recursive else []
        for fn in fns:
            if fn.endswith(".py") and fn != "conftest.py":
                host = os.path.join(dp, fn)
                try:
                    _mpy_cache(arch, host, os.path.relpath(host, ROOT), read=False, mpy_cross=mpy_cross)
                except RuntimeError:
                    pass  # not MicroPython syntax (a CPython-only helper): left out
    return os.path.join(BUILD, "mptest-mpy", arch, os.path.relpath(src_dir, ROOT))


_natmods = {}


def natmod_dir(arch):
    """The directory holding buffa_accel.mpy for arch, built once per
    process (tools/natmod.sh; make keeps it when the source is unchanged)."""
    if arch not in _natmods:
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        p = subprocess.run([os.path.join(TOOLS, "natmod.sh"), arch], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError("tools/natmod.sh %s failed:\n%s" % (arch, p.stderr[-2000:]))
        _natmods[arch] = os.path.dirname(p.stdout.strip())
    return _natmods[arch]


def run_unix(runtime, path, names):
    rt = RUNTIMES[runtime]
    path = os.path.abspath(path)
    modname = os.path.splitext(os.path.basename(path))[0]
    test_dir = os.path.dirname(path)
    circuitpython = rt.get("exe") == "circuitpython"
    # CircuitPython libraries (asyncio, ...) come last, as from a board's /lib.
    sys_path = ([CPBOARD] if circuitpython else []) + [test_dir, HOST_TESTS, LIB] + (
        [os.path.join(circuitpython_dir(), "lib")] if circuitpython else [])
    code = "import sys\n"
    if rt.get("mpy"):
        # Code from .mpy files, as on a board: the port does not compile the
        # library's source (which takes far more heap than running it).
        # CircuitPython's .mpy files (they start with "C") come from its own mpy-cross.
        arch, mpy_cross = ("circuitpython-x64", os.path.join(circuitpython_dir(), "mpy-cross")) if circuitpython \
            else ("x64", None)
        sys_path = ([_compile_tree(arch, CPBOARD, mpy_cross=mpy_cross)] if circuitpython else []) + [
            _compile_tree(arch, test_dir, mpy_cross=mpy_cross),
            _compile_tree(arch, HOST_TESTS, recursive=False, mpy_cross=mpy_cross),
            _compile_tree(arch, LIB, mpy_cross=mpy_cross)] + sys_path
        code += "import mptest\nmptest.set_path_map(%r, %r)\n" % (
            os.path.join(BUILD, "mptest-mpy", arch) + os.sep, ROOT + os.sep)
    if rt.get("accel"):
        sys_path = [natmod_dir(rt["accel"])] + sys_path
    code = "import sys\nsys.path[:0] = %r\n" % sys_path + code
    code += runner_call(modname, names, features(runtime))
    cmd = [circuitpython_exe() if circuitpython else micropython_exe()]
    if rt["heap"]:
        cmd += ["-X", "heapsize=" + rt["heap"]]
    cmd += ["-c", code]
    run = ModuleRun(runtime, path)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout_s())
        text = p.stdout.decode("utf-8", "replace")
        if p.returncode != 0:
            run.crash = "%s exited with code %d" % (os.path.basename(cmd[0]), p.returncode)
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode("utf-8", "replace")
        run.crash = "timed out after %.0fs" % timeout_s()
    run.seconds = time.monotonic() - t0
    return run.parse(text)


# ---------------------------------------------------------------------------
# QEMU boards


def _newest(paths):
    newest = 0.0
    for top in paths:
        if os.path.isfile(top):
            newest = max(newest, os.path.getmtime(top))
            continue
        for dp, dn, fns in os.walk(top):
            dn[:] = [d for d in dn if d != "__pycache__"]
            for fn in fns:
                newest = max(newest, os.path.getmtime(os.path.join(dp, fn)))
    return newest


def ensure_firmware(board, accel=None):
    """Build (or rebuild) a QEMU board's firmware when it is missing or older
    than what it freezes, so a test never runs against a stale library.
    accel: BUFFA_ACCEL for the build ("0", "1"), None for the board's default."""
    import mpboard

    elf = mpboard.firmware_path(board, accel)
    srcs = [os.path.join(LIB, "buffa"), os.path.join(HOST_TESTS, "mptest.py"),
            os.path.join(HOST_TESTS, "mprunner.py"), os.path.join(ROOT, "firmware"),
            os.path.join(ROOT, "boards", board), os.path.join(ROOT, "boards", "qemu-cmodules"),
            os.path.join(ROOT, "natmod"), os.path.join(ROOT, "packages")]
    if os.path.exists(elf) and os.path.getmtime(elf) >= _newest(srcs):
        return
    env = dict(os.environ)
    if accel is not None:
        env["BUFFA_ACCEL"] = accel
    p = subprocess.run([os.path.join(TOOLS, "firmware.sh"), board], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError("building %s firmware failed:\n%s" % (board, p.stdout[-3000:]))


class BoardSession:
    """One QEMU board kept running across test modules (soft reset between)."""

    def __init__(self, board, accel=None):
        self.board = board
        self.accel = accel
        self.qemu = None
        self.repl = None
        self.boot_mem_free = None

    def ensure(self):
        import mpboard

        if self.qemu is not None and self.qemu.alive():
            self.qemu.resume()
            return
        self.close()
        ensure_firmware(self.board, self.accel)
        self.qemu = mpboard.QemuBoard(self.board, mpboard.firmware_path(self.board, self.accel))
        port = self.qemu.start()
        self.repl = mpboard.RawRepl(port)
        self.repl.enter_raw(soft_reset=True)
        if self.boot_mem_free is None:
            out, _ = self.repl.exec_("import gc\ngc.collect()\nprint(gc.mem_free())")
            self.boot_mem_free = int(out.strip())
            self.repl.soft_reset()

    def pause(self):
        """Between test modules: the emulator stopped (QemuBoard.pause), so
        that boards waiting their turn leave the host's CPUs to the others."""
        if self.qemu is not None:
            self.qemu.pause()

    def close(self):
        if self.repl is not None:
            self.repl.close()
            self.repl = None
        if self.qemu is not None:
            self.qemu.stop()
            self.qemu = None


_sessions = {}


def close_all():
    for s in _sessions.values():
        s.close()
    _sessions.clear()


def session(board, accel=None):
    s = _sessions.get((board, accel))
    if s is None:
        s = _sessions[board, accel] = BoardSession(board, accel)
    return s


def _mpy_cache(arch, host_path, source_name, read=True, mpy_cross=None):
    """host_path compiled for arch, cached under build/mptest-mpy/ARCH/<repo path>.

    An arch "circuitpython-x64" is x64 compiled by mpy_cross (CircuitPython's)."""
    import mpybuild

    rel = os.path.relpath(os.path.abspath(host_path), ROOT)
    dst = os.path.join(BUILD, "mptest-mpy", arch, rel[:-3] + ".mpy")
    if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(host_path):
        try:
            mpybuild.compile_file(host_path, dst + ".tmp", arch.rsplit("-", 1)[-1], source_name=source_name,
                                  mpy_cross=mpy_cross)
        except RuntimeError:
            if os.path.exists(dst):
                os.remove(dst)
            raise
        os.replace(dst + ".tmp", dst)
    if not read:
        return dst
    with open(dst, "rb") as f:
        return f.read()


def board_lookup(runtime, path):
    """The files a QEMU runtime's board sees under /t, as a HostFS lookup.

    /t holds the test's folder and host_tests/ (the test module and what it
    imports), and in "mpy" mode /t/lib holds lib/ and the test support. Only
    .mpy files are served, compiled for the board's arch on first request, so
    the board never compiles source.
    """
    import mpboard

    rt = RUNTIMES[runtime]
    arch = mpboard.BOARD_ARCH[rt["board"]]
    mpy = rt["mode"] == "mpy"
    test_dir = os.path.dirname(os.path.abspath(path))

    def lookup(p):
        p = p.strip("/")
        if ".." in p.split("/") or "__pycache__" in p:
            return None
        if mpy and (p == "lib" or p.startswith("lib/")):
            if p == "lib":
                return True
            rel = p[4:]
            if rel == "buffa_accel.mpy":
                # the C accelerator, built as a native module for the board
                if not rt.get("natmod"):
                    return None
                with open(os.path.join(natmod_dir(arch), rel), "rb") as f:
                    return f.read()
            if rel.endswith(".mpy") and rel[:-4] in SUPPORT:
                bases = [HOST_TESTS]
            else:
                bases = [LIB]
        else:
            if p == "" or p.split("/")[0][:-4] in SUPPORT:
                return True if p == "" else None
            rel = p
            bases = [test_dir, HOST_TESTS]
        for base in bases:
            full = os.path.join(base, *rel.split("/"))
            if os.path.isdir(full):
                return True
            if rel.endswith(".mpy"):
                src = full[:-4] + ".py"
                if os.path.isfile(src) and os.path.basename(src) != "conftest.py":
                    # Tracebacks show repository paths.
                    return _mpy_cache(arch, src, os.path.relpath(src, ROOT))
        return None

    return lookup


def run_qemu(runtime, path, names):
    import mpboard

    rt = RUNTIMES[runtime]
    run = ModuleRun(runtime, path)
    modname = os.path.splitext(os.path.basename(path))[0]
    sess = session(rt["board"], rt.get("firmware_accel"))
    t0 = time.monotonic()
    chunks = []
    fs = None
    try:
        sess.ensure()
        repl = sess.repl
        repl.soft_reset()
        fs = mpboard.HostFS(repl, board_lookup(runtime, path))
        fs.setup()
        if rt["mode"] == "mpy":
            setup = "sys.path[:] = ['/t', '/t/lib']\n"  # no '.frozen': the library comes from .mpy
        else:
            setup = "sys.path[:] = ['/t', '.frozen']\n"
        repl.exec_(setup)

        def on_output(b):
            chunks.append(b)
            fs.feed(b)

        code = runner_call(modname, names, rt["features"])
        out, err = repl.exec_(code, timeout=timeout_s(), check=False, on_output=on_output)
        if err:
            run.crash = "the runner raised on the board:\n" + err
        text = out
    except Exception as e:  # board hung, crashed or protocol error: restart it next time
        run.crash = "%s: %s" % (type(e).__name__, e)
        text = b"".join(chunks).decode("utf-8", "replace")
        sess.close()
    sess.pause()
    run.seconds = time.monotonic() - t0
    run.parse(mpboard.HostFS.strip(text))
    if fs is not None and fs.errors:
        run.output += ["host: could not serve " + e for e in fs.errors]
    if run.start is not None and sess.boot_mem_free is not None:
        run.start["boot_mem_free"] = sess.boot_mem_free
    return run


def run_module(runtime, path, names):
    kind = RUNTIMES[runtime]["kind"]
    if kind == "unix":
        return run_unix(runtime, path, names)
    if kind == "qemu":
        return run_qemu(runtime, path, names)
    raise ValueError("runtime %s runs in-process" % runtime)
