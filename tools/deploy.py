#!/usr/bin/env python3
"""Deploy buffa (as .mpy for the board's arch) and an app to a MicroPython board.

    python tools/deploy.py --port /dev/ttyUSB0 --app main.py
    python tools/deploy.py --port /dev/ttyACM0 --exclude 'buffa/wkt/*'

Over the board's serial port with pyserial and the raw REPL (raw-paste mode):
compiles lib/buffa with mpy-cross, writes it under /lib/buffa/ on the board
(stale buffa files there are removed first), copies each --app file to the
board's root (main.py runs at boot), then imports buffa on the board to check.
Works with stock MicroPython >= 1.22 on ESP32 and RP2040.

The native packed sint32 loops (lib/buffa_viper.py, viper code) are machine
code for one arch: they are compiled for the arch the board reports
(sys.implementation._mpy) and written as /lib/buffa_viper.mpy. Where the
board has no native emitter, does not say, or runs a MicroPython whose .mpy
sub-version differs from mpy-cross's, they are left out (with a message) and
buffa uses its Python loops. --arch names the arch when the board does not
report one.

The C accelerator (natmod/buffa_accel) goes the same way: the prebuilt
native module for that arch (lib/buffa-accel/ARCH/buffa_accel.mpy, see
tools/parts.py) is written as /lib/buffa_accel.mpy. It is left out (with a
message) where no prebuilt module fits the arch (xtensawin: build it with
`make natmod ARCH=xtensawin` and ESP-IDF's compiler, or use this
repository's ESP32_GENERIC firmware, which compiles it in), where the board
has no native emitter or reads another .mpy sub-version, and where the
firmware has buffa_accel compiled in. Without it buffa runs its Python code.
"""

import argparse
import fnmatch
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import mpboard  # noqa: E402
import mpybuild  # noqa: E402
import parts  # noqa: E402


def accel_for(native_arch, log=print):
    """[(rel path, local path)] of the prebuilt C accelerator a board of
    native_arch loads, or [] (the reason logged)."""
    if not native_arch:
        log("buffa_accel left out: no native code for this board (as buffa_viper); buffa runs its Python code")
        return []
    arch = parts.accel_arch_for(native_arch)
    if arch is None:
        log("buffa_accel left out: no prebuilt native module loads on %s (have %s; for another arch "
            "`make natmod ARCH=%s` with its C compiler, then copy the .mpy to /lib); buffa runs its Python code"
            % (native_arch, ", ".join(parts.ACCEL_ARCHS), native_arch))
        return []
    log("buffa_accel: the prebuilt native module for %s%s" % (
        arch, "" if arch == native_arch else " (loads on the board's %s)" % native_arch))
    return [(parts.ACCEL_MODULE, os.path.join(ROOT, "lib", parts.accel_file(arch)))]


def build(arch, out_dir, include=None, exclude=None, native_arch=None, log=print):
    """Compile lib/buffa for arch into out_dir, and lib/buffa_viper.py when
    native_arch is given, and pick the C accelerator for native_arch;
    [(board rel path, local path)]."""
    built = mpybuild.build_package(os.path.join(ROOT, "lib", "buffa"), out_dir, arch)
    try:
        built += mpybuild.build_native(out_dir, native_arch)
    except RuntimeError as e:
        log("buffa_viper left out: mpy-cross cannot build it for %s: %s"
            % (native_arch, str(e).strip().splitlines()[-1]))
    found = [(rel, os.path.join(out_dir, rel)) for rel, _ in built] + accel_for(native_arch, log)
    files = []
    for rel, local in found:
        mod = rel.replace(os.sep, "/")
        if include and not any(fnmatch.fnmatch(mod, p) for p in include):
            continue
        if exclude and any(fnmatch.fnmatch(mod, p) for p in exclude):
            continue
        files.append((mod, local))
    return files


def board_mpy(repl):
    """(version, sub-version, native arch or None) from the board's
    sys.implementation._mpy, or None when it does not report it."""
    try:
        out, _ = repl.exec_("import sys\nprint(getattr(sys.implementation, '_mpy', -1))")
        value = int(out.strip())
    except (mpboard.Remote, ValueError):
        return None
    return None if value < 0 else mpybuild.decode_mpy_feature(value)


def accel_built_in(repl):
    """True when the board's firmware has buffa_accel compiled in (a
    built-in module has no __file__; a native .mpy has)."""
    try:
        out, _ = repl.exec_(
            "try:\n"
            "    import buffa_accel\n"
            "    print(not hasattr(buffa_accel, '__file__'))\n"
            "except (ImportError, ValueError):\n"
            "    print(False)\n")
    except mpboard.Remote:
        return False
    return out.strip() == "True"


def native_arch_for(board, arch, log=print):
    """The -march for buffa_viper on this board, or None (the reason logged).

    board is board_mpy()'s answer; arch the one asked for (or None)."""
    if board is None:
        if arch:
            log("the board does not report its arch; buffa_viper built for --arch %s" % arch)
            return arch
        log("buffa_viper left out: the board does not report its arch (sys.implementation._mpy) "
            "and no --arch was given; packed sint32 runs use the Python loops")
        return None
    barch = board[2]
    if barch is None:
        log("buffa_viper left out: the board's firmware has no native emitter; "
            "packed sint32 runs use the Python loops")
        return None
    if barch not in mpybuild.MPY_ARCH_NAMES:
        log("buffa_viper left out: the board reports an arch mpy-cross does not know (%s)" % barch)
        return None
    if arch and arch != barch:
        log("the board reports arch %s: buffa_viper built for it (not --arch %s)" % (barch, arch))
    else:
        log("buffa_viper built for %s, the arch the board reports" % barch)
    return barch


def deploy(repl, arch=None, apps=(), lib_dir="/lib", include=None, exclude=None, log=print):
    """Put buffa (.mpy) and the app files on the board behind `repl`. Returns bytes written.

    arch: the board's arch for the native loops and the C accelerator when
    the board does not report it (the bytecode .mpy files load on any arch)."""
    total = 0
    lib = lib_dir.rstrip("/")
    board = board_mpy(repl)
    native = native_arch_for(board, arch, log)
    with tempfile.TemporaryDirectory() as tmp:
        files = build(arch or native, tmp, include, exclude, native, log)
        for name, made, fallback in (
                ("buffa_viper", "mpy-cross writes", "packed sint32 runs use the Python loops"),
                ("buffa_accel", "the prebuilt module is", "buffa runs its Python code")):
            native_mpy = [f for f in files if f[0] == name + ".mpy"]
            if native_mpy and board is not None:
                version, sub, _ = mpybuild.mpy_header(native_mpy[0][1])
                if (version, sub) != board[:2]:
                    log("%s left out: %s .mpy %d.%d and the board loads native code only from %d.%d "
                        "(another MicroPython version); %s" % (name, made, version, sub, board[0], board[1],
                                                              fallback))
                    files.remove(native_mpy[0])
        accel = [f for f in files if f[0] == parts.ACCEL_MODULE]
        in_firmware = accel_built_in(repl)
        if accel and in_firmware:
            log("buffa_accel left out: the board's firmware has it compiled in")
            files.remove(accel[0])
        if not accel and not in_firmware:
            # no C accelerator on this board: buffa's Python side of it
            # (buffa/_accel_*) never loads there
            files = [f for f in files if not f[0].startswith("buffa/_accel_")]
        # Remove an older buffa (its .py or .mpy files would shadow or mix).
        repl.exec_(
            "import os\n"
            "def _rm(p):\n"
            "    try:\n"
            "        m = os.stat(p)[0]\n"
            "    except OSError:\n"
            "        return\n"
            "    if m & 0x4000:\n"
            "        for n in os.listdir(p):\n"
            "            _rm(p + '/' + n)\n"
            "        os.rmdir(p)\n"
            "    else:\n"
            "        os.remove(p)\n"
            "for _p in %r:\n"
            "    _rm(_p)\n"
            "del _rm, _p\n" % ([lib + "/buffa", lib + "/buffa_viper.mpy", lib + "/buffa_viper.py",
                                lib + "/" + parts.ACCEL_MODULE],)
        )
        dirs = sorted({os.path.dirname(lib + "/" + rel) for rel, _ in files})
        for d in dirs:
            mpboard.makedirs(repl, d)
        for rel, local in files:
            with open(local, "rb") as f:
                data = f.read()
            dst = lib + "/" + rel
            mpboard.write_file(repl, dst, data)
            total += len(data)
            log("  %-44s %6d" % (dst, len(data)))
    for app in apps:
        with open(app, "rb") as f:
            data = f.read()
        dst = "/" + os.path.basename(app)
        mpboard.write_file(repl, dst, data)
        total += len(data)
        log("  %-44s %6d" % (dst, len(data)))
    # Check: the board imports the deployed library, and whether buffa.wire
    # took the native loops and the C accelerator.
    out, _ = repl.exec_(
        "import sys\n"
        "if %r not in sys.path:\n"
        "    sys.path.append(%r)\n"
        "import buffa\n"
        "print(buffa.__file__ if hasattr(buffa, '__file__') else %r)\n"
        "try:\n"
        "    import buffa.wire\n"
        "    print(getattr(buffa.wire, '_zz32_get', None) is not None)\n"
        "    print('accel', getattr(buffa.wire, 'ACCEL', None))\n"
        "except ImportError:\n"
        "    print(None)\n" % (lib_dir, lib_dir, lib + "/buffa")
    )
    lines = [ln.strip() for ln in out.strip().splitlines()] or [""]
    where = lines[0]
    log("deployed %d bytes; the board imports buffa from %s" % (total, where))
    viper = lines[1] if len(lines) > 1 else ""
    if viper == "True":
        log("buffa.wire uses the native (viper) packed sint32 loops")
    elif viper == "False":
        log("buffa.wire uses the Python packed sint32 loops")
    if "accel True" in lines:
        log("buffa.wire uses the C accelerator (buffa_accel)")
    elif "accel False" in lines:
        log("buffa.wire uses its Python helpers (no buffa_accel)")
    if not where.startswith(lib + "/"):
        log("warning: the board's own buffa (frozen into its firmware) comes before %s on sys.path" % lib_dir)
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0 (ESP32), /dev/ttyACM0 (Pico)")
    ap.add_argument("--arch", choices=[n for n in mpybuild.MPY_ARCH_NAMES if n],
                    help="the board's arch, for the native loops and the C accelerator when the board "
                    "does not report it "
                    "(sys.implementation._mpy): xtensawin for ESP32, "
                    "armv6m for RP2040, armv7m for Cortex-M3/4/7")
    ap.add_argument("--app", action="append", default=[], help="a file to copy to the board's root (repeatable)")
    ap.add_argument("--lib-dir", default="/lib")
    ap.add_argument("--include", action="append", help="only modules matching this glob, e.g. 'buffa/*.mpy' "
                    "(the native loops are 'buffa_viper.mpy', the C accelerator 'buffa_accel.mpy')")
    ap.add_argument("--exclude", action="append", help="leave out modules matching this glob, e.g. 'buffa/wkt/*'")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--reset", action="store_true", help="soft-reset the board afterwards (runs main.py)")
    a = ap.parse_args(argv)
    repl = mpboard.RawRepl(a.port, baudrate=a.baud, prog="deploy")
    try:
        try:
            repl.enter_raw()
        except mpboard.BoardError as e:
            raise SystemExit("deploy: no MicroPython REPL on serial port %s: %s" % (a.port, e))
        deploy(repl, a.arch, a.app, a.lib_dir, a.include, a.exclude)
        if a.reset:
            repl.ser.write(b"\x02\x04")  # friendly REPL, then soft reset: boot.py, main.py
            repl.in_raw = False
    finally:
        repl.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
