#!/usr/bin/env python3
"""Heap after import with the code frozen into firmware, on a QEMU board.

    python bench/frozen_heap.py [--board QEMU_MPS2_AN385] [--no-write]

bench/run.py measures heap after import on the unix port with code loaded
from .mpy files, where every function's bytecode sits on the heap. A board
built from boards/ freezes buffa and the application's generated modules
into flash instead. This builds such a firmware with both libraries frozen
side by side (lib/buffa with the W1-only module generated as bench/run.py
generates it; minipb with the logging/bisect stand-ins it needs and its
hand-written W1 schema), boots it under QEMU (32-bit Arm, the port's own
140 KiB heap) and measures with bench/import_heap.py's program, as
bench/run.py does on the unix port: gc.mem_alloc() growth after
gc.collect() around each import, each library in a freshly soft-reset
interpreter. Then the same with the modules loaded from .mpy
files over the board's host filesystem, for comparison on the same board.

Writes bench/results/frozen_heap.md. Needs what `make qemu-firmware` needs.
"""
import argparse
import os
import shutil
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
TOOLS = os.path.join(ROOT, "tools")
sys.path[:0] = [BENCH, TOOLS]

import import_heap  # noqa: E402  (bench/import_heap.py: the measuring program)
import run as benchrun  # noqa: E402  (bench/run.py: code generation helpers)

BUILD = os.path.join(benchrun.BUILD, "frozen")
ARCH = {"QEMU_MPS2_AN385": "armv7m", "QEMU_MICROBIT": "armv6m"}

# (label, runtime modules, schema modules): imported in this order
LIBS = (
    ("buffa", ["buffa"], ["bench_w1_pb"]),
    # W1 generated with the split option (under another name, so that both
    # forms fit one firmware): its codec module, bench_w1_split_pb_codec,
    # is not imported here, as the C module decodes and encodes W1
    ("buffa-split", ["buffa"], ["bench_w1_split_pb"]),
    ("minipb", ["minipb"], ["minipb_schema_w1"]),
)

def w1_module(name="bench_w1", opts=""):
    """Generate the W1-only buffa module NAME_pb (with the generator's
    options opts, e.g. "split"); returns the paths it wrote."""
    data = benchrun.data_dir()
    protoc = benchrun.find_tool("BUFFA_BENCH_PROTOC", "protoc")
    out = os.path.join(BUILD, "gen")
    os.makedirs(out, exist_ok=True)
    w1set = benchrun.w1_descriptor_set(protoc, data, name)
    plugin = os.path.join(TOOLS, "protoc-gen-buffa")
    benchrun.run([protoc, "--descriptor_set_in=" + w1set, "--plugin=protoc-gen-buffa=" + plugin,
                  "--buffa_out=" + (opts + ":" if opts else "") + out, name + ".proto"], env=benchrun.tool_env())
    return [os.path.join(out, n) for n in sorted(os.listdir(out)) if n.startswith(name + "_pb")]


def w1_modules():
    """The W1 module as generated, then its split form."""
    return w1_module() + w1_module("bench_w1_split", "split")


def minipb_files():
    import minipb

    return benchrun.minipb_mp_files(minipb.__file__)


def board_dir(board, w1):
    """A board folder: the test board's settings, plus both libraries frozen."""
    d = os.path.join(BUILD, board)
    os.makedirs(d, exist_ok=True)
    src = os.path.join(ROOT, "boards", board)
    with open(os.path.join(d, "mpconfigboard.mk"), "w") as f:
        f.write("include %s\n" % os.path.join(src, "mpconfigboard.mk"))
        f.write("USER_C_MODULES = %s\n" % os.path.join(ROOT, "boards", "qemu-cmodules"))
    with open(os.path.join(d, "manifest.py"), "w") as f:
        f.write("include(%r)\n" % os.path.join(src, "manifest.py"))
        for m in w1:
            f.write("module(%r, base_path=%r)\n" % (os.path.basename(m), os.path.dirname(m)))
        for path, name in minipb_files():
            shutil.copy(path, os.path.join(d, name + ".py"))
            f.write("module(%r, base_path=%r)\n" % (name + ".py", d))
    return d


def build(board, bdir):
    src = subprocess.run([os.path.join(TOOLS, "bootstrap.sh"), "mpsrc"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    out = os.path.join(BUILD, board + "-build")
    jobs = str(os.cpu_count() or 2)
    subprocess.run(["make", "-s", "-C", os.path.join(src, "mpy-cross"), "-j" + jobs], check=True)
    subprocess.run(["make", "-s", "-C", os.path.join(src, "ports", "qemu"), "BOARD=" + board, "BOARD_DIR=" + bdir,
                    "BUILD=" + out, "MPY_LIB_DIR=" + os.path.join(TOOLS, "mpy-lib-stub"), "-j" + jobs], check=True)
    return os.path.join(out, "firmware.elf")


def mpy_lookup(board, w1):
    """A HostFS lookup serving every module of both libraries as .mpy."""
    import mpybuild

    files = {}
    lib = os.path.join(ROOT, "lib")
    for dp, dn, fns in os.walk(os.path.join(lib, "buffa")):
        for fn in fns:
            if fn.endswith(".py"):
                files[os.path.relpath(os.path.join(dp, fn), lib)] = os.path.join(dp, fn)
    files["buffa_viper.py"] = os.path.join(lib, "buffa_viper.py")  # native code for the board's arch
    for m in w1:
        files[os.path.basename(m)] = m
    for path, name in minipb_files():
        files[name + ".py"] = path
    out = os.path.join(BUILD, "mpy-" + ARCH[board])
    served = {}
    for rel, path in files.items():
        dst = os.path.join(out, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        mpybuild.compile_file(path, dst, ARCH[board], source_name=os.path.basename(path))
        with open(dst, "rb") as f:
            served[rel[:-3].replace(os.sep, "/") + ".mpy"] = f.read()
    dirs = set()
    for rel in served:
        parts = rel.split("/")
        for i in range(len(parts)):
            dirs.add("/".join(parts[:i]))

    def lookup(path):  # a path under the board's /t
        path = path.strip("/")
        return served.get(path) or (True if path in dirs else None)

    return lookup


def heap_on_board(repl, rt_mods, schema_mods, lookup=None):
    """bench/import_heap.py's figures for one import, in a freshly soft-reset
    board: frozen modules, or with lookup only the .mpy files it serves."""
    import mpboard

    repl.soft_reset()
    if lookup is None:
        out, _ = repl.exec_(import_heap.program(rt_mods, schema_mods))
    else:
        fs = mpboard.HostFS(repl, lookup)
        fs.setup()
        # only these .mpy files: not the frozen copies
        repl.exec_("import sys\nsys.path[:] = ['/t']\n")
        out, _ = repl.exec_(import_heap.program(rt_mods, schema_mods), on_output=fs.feed)
        out = fs.strip(out)
    return import_heap.parse(out)


def measure(board, elf, lookup):
    import mpboard

    qemu = mpboard.QemuBoard(board, firmware=elf)
    repl = mpboard.RawRepl(qemu.start())
    results = {}
    try:
        repl.enter_raw(soft_reset=True)
        for mode in ("frozen", "mpy"):
            for label, rt_mods, schema_mods in LIBS:
                h = heap_on_board(repl, rt_mods, schema_mods, lookup if mode == "mpy" else None)
                results[(mode, label)] = (h["runtime"], h["with_schema"])
    finally:
        repl.close()
        qemu.stop()
    return results


def report(board, results):
    lines = ["# Heap after import, %s (32-bit Arm, QEMU)" % board, "",
             "`python bench/frozen_heap.py`, commit %s. `gc.mem_alloc()` growth after `gc.collect()`, each"
             " library in a freshly soft-reset interpreter; runtime, then runtime plus the W1 module/schema"
             " (bytes; ratio vs minipb)." % benchrun.git_rev(), "",
             "| code | library | runtime | runtime + W1 module |", "|---|---|---:|---:|"]
    for mode, where in (("frozen", "frozen into the firmware"), ("mpy", ".mpy files (host filesystem)")):
        base = results.get((mode, "minipb"))
        for label, _, _ in LIBS:
            r = results.get((mode, label))
            if r is None:
                continue
            cells = []
            for i in (0, 1):
                cells.append("{:,}".format(r[i]) + (" (%.2f×)" % (r[i] / base[i]) if base and label != "minipb" else ""))
            lines.append("| %s | %s | %s | %s |" % (where, label, cells[0], cells[1]))
    lines += ["", "minipb's runtime figures include the `logging` and `bisect` stand-ins it needs on MicroPython;"
              " its W1 \"module\" is the hand-written schema. Both libraries' code is in the same firmware"
              " (and the test support the QEMU test board freezes), so the boot heap is the same for both."]
    return "\n".join(lines) + "\n"


def measure_board(board):
    """{(mode, library): (runtime, runtime + W1)}: mode "frozen" or "mpy"."""
    w1 = w1_modules()
    elf = build(board, board_dir(board, w1))
    return measure(board, elf, mpy_lookup(board, w1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="QEMU_MPS2_AN385", choices=sorted(ARCH))
    ap.add_argument("--no-write", action="store_true")
    opts = ap.parse_args()
    results = measure_board(opts.board)
    md = report(opts.board, results)
    print(md)
    if not opts.no_write:
        with open(os.path.join(benchrun.RESULTS, "frozen_heap.md"), "w") as f:
            f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
