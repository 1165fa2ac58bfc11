#!/usr/bin/env python3
"""The generated-code shape experiment behind docs/design.md.

Compares, on the MicroPython unix port, buffa's specialised generated code
(a decode/size/write function per message) with a table-driven codec
(bench/shape/tablecodec.py: one generic loop over the same field tables; the
generated module keeps only classes and tables) on the three workloads:
decode and encode ops/s (max of 5 runs, interleaved), heap after importing
the runtime plus the bench module, and .mpy size (armv7emsp).

    python bench/shape/run.py
"""
import os
import re
import shutil
import subprocess
import sys
import ast

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "shape")
DATA = os.environ.get("BUFFA_BENCH_DATA", os.path.join(ROOT, "bench", "workloads"))
BIN = os.path.dirname(sys.executable)


def tool(name):
    p = os.path.join(BIN, name)
    return p if os.path.exists(p) else shutil.which(name)


def strip_codec(src):
    """The generated module without its per-message codec functions."""
    keep = []
    skip = False
    for line in src.splitlines():
        if re.match(r"def _buffa_[dzw]\d", line):
            skip = True
            continue
        if skip and (line.startswith(" ") or not line.strip()):
            continue
        skip = False
        if re.match(r"_buffa_c\d+\._buffa_[dzw] = ", line):
            continue
        keep.append(line)
    out = "\n".join(keep) + "\n"
    ast.parse(out)
    return out


def mpy_size(src_dir, arch):
    total = 0
    for dp, _, files in os.walk(src_dir):
        for f in files:
            if f.endswith(".py"):
                out = os.path.join(BUILD, "sz", f + ".mpy")
                os.makedirs(os.path.dirname(out), exist_ok=True)
                subprocess.run([tool("mpy-cross"), "-march=" + arch, "-o", out, os.path.join(dp, f)], check=True)
                total += os.path.getsize(out)
    return total


# The runtime's modules (its subpackages wkt, protojson and connect are not
# used here); the parts loaded on first use are among them.
RUNTIME = sorted(f for f in os.listdir(os.path.join(ROOT, "lib", "buffa")) if f.endswith(".py"))


def prepare(shape):
    d = os.path.join(BUILD, shape)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "src", "buffa"))
    gen = os.path.join(d, "gen")
    os.makedirs(gen)
    shutil.copy(os.path.join(DATA, "bench.proto"), gen)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])
    subprocess.run([tool("protoc"), "--plugin=protoc-gen-buffa=" + os.path.join(ROOT, "tools", "protoc-gen-buffa"),
                    "--buffa_out=" + gen, "-I" + gen, "bench.proto"], check=True, env=env)
    src = open(os.path.join(gen, "bench_pb.py")).read()
    if shape == "table":
        src = strip_codec(src)
        shutil.copy(os.path.join(HERE, "tablecodec.py"), os.path.join(d, "src"))
    open(os.path.join(d, "src", "bench_pb.py"), "w").write(src)
    for f in RUNTIME:
        shutil.copy(os.path.join(ROOT, "lib", "buffa", f), os.path.join(d, "src", "buffa"))
    # .mpy for the unix port (x64), imported by the worker
    mp = os.path.join(d, "mpy")
    for dp, _, files in os.walk(os.path.join(d, "src")):
        for f in files:
            rel = os.path.relpath(os.path.join(dp, f), os.path.join(d, "src"))
            out = os.path.join(mp, rel[:-3] + ".mpy")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            subprocess.run([tool("mpy-cross"), "-march=x64", "-o", out, os.path.join(dp, f)], check=True)
    return d


def main():
    res = {}
    dirs = {s: prepare(s) for s in ("specialised", "table")}
    for s, d in dirs.items():
        res[s] = {"mpy_module": mpy_size_of(d, "bench_pb.py"), "mpy_runtime": mpy_size_runtime(d, s)}
    runs = {s: [] for s in dirs}
    for _ in range(3):  # interleave the shapes
        for s, d in dirs.items():
            out = subprocess.run([tool("micropython"), os.path.join(HERE, "worker.py"), s, os.path.join(d, "mpy"), DATA],
                                 check=True, capture_output=True, text=True).stdout
            runs[s].append(ast.literal_eval(out.strip().splitlines()[-1]))
    for s in dirs:
        r = res[s]
        r["heap"] = runs[s][0]["heap"]
        for w in ("W1", "W2", "W3"):
            r[w] = (max(x[w][0] for x in runs[s]), max(x[w][1] for x in runs[s]))
    print("| shape | W1 dec / enc | W2 dec / enc | W3 dec / enc | heap after import | .mpy runtime + module |")
    print("|---|---|---|---|---:|---:|")
    for s in dirs:
        r = res[s]
        cells = ["%d / %d" % r[w] for w in ("W1", "W2", "W3")]
        print("| %s | %s | %s | %s | %d | %d + %d |" % (s, cells[0], cells[1], cells[2], r["heap"], r["mpy_runtime"], r["mpy_module"]))
    t, sp = res["table"], res["specialised"]
    print("\nspecialised / table: " + ", ".join(
        "%s dec %.2fx enc %.2fx" % (w, sp[w][0] / t[w][0], sp[w][1] / t[w][1]) for w in ("W1", "W2", "W3")))


def mpy_size_of(d, name):
    out = os.path.join(BUILD, "sz.mpy")
    subprocess.run([tool("mpy-cross"), "-march=armv7emsp", "-o", out, os.path.join(d, "src", name)], check=True)
    return os.path.getsize(out)


def mpy_size_runtime(d, shape):
    names = ["buffa/" + f for f in RUNTIME]
    if shape == "table":
        names.append("tablecodec.py")
    return sum(mpy_size_of(d, n) for n in names)


if __name__ == "__main__":
    main()
