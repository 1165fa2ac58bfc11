#!/usr/bin/env python3
"""Deploy buffa (as .mpy for the board's arch) and an app to a MicroPython board.

    python tools/deploy.py --port /dev/ttyUSB0 --arch xtensawin --app main.py
    python tools/deploy.py --port /dev/ttyACM0 --arch armv6m --exclude 'buffa/wkt/*'

Over the board's serial port with pyserial and the raw REPL (raw-paste mode):
compiles lib/buffa with mpy-cross for ARCH, writes it under /lib/buffa/ on the
board (stale buffa files there are removed first), copies each --app file to
the board's root (main.py runs at boot), then imports buffa on the board to
check. Works with stock MicroPython >= 1.22 on ESP32 and RP2040.
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


def build(arch, out_dir, include=None, exclude=None):
    """Compile lib/buffa for arch into out_dir; [(board rel path, local path)]."""
    files = []
    for rel, size in mpybuild.build_package(os.path.join(ROOT, "lib", "buffa"), out_dir, arch):
        mod = rel.replace(os.sep, "/")
        if include and not any(fnmatch.fnmatch(mod, p) for p in include):
            continue
        if exclude and any(fnmatch.fnmatch(mod, p) for p in exclude):
            continue
        files.append((mod, os.path.join(out_dir, rel)))
    return files


def deploy(repl, arch, apps=(), lib_dir="/lib", include=None, exclude=None, log=print):
    """Put buffa (.mpy) and the app files on the board behind `repl`. Returns bytes written."""
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        files = build(arch, tmp, include, exclude)
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
            "_rm(%r)\n"
            "del _rm\n" % (lib_dir.rstrip("/") + "/buffa")
        )
        dirs = sorted({os.path.dirname(lib_dir.rstrip("/") + "/" + rel) for rel, _ in files})
        for d in dirs:
            mpboard.makedirs(repl, d)
        for rel, local in files:
            with open(local, "rb") as f:
                data = f.read()
            dst = lib_dir.rstrip("/") + "/" + rel
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
    # Check: the board imports the deployed library.
    out, _ = repl.exec_(
        "import sys\n"
        "if %r not in sys.path:\n"
        "    sys.path.append(%r)\n"
        "import buffa\n"
        "print(buffa.__file__ if hasattr(buffa, '__file__') else %r)\n" % (lib_dir, lib_dir, lib_dir + "/buffa")
    )
    where = out.strip()
    log("deployed %d bytes; the board imports buffa from %s" % (total, where))
    if not where.startswith(lib_dir.rstrip("/") + "/"):
        log("warning: the board's own buffa (frozen into its firmware) comes before %s on sys.path" % lib_dir)
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0 (ESP32), /dev/ttyACM0 (Pico)")
    ap.add_argument("--arch", default="armv6m", choices=mpybuild.ARCHS,
                    help="xtensawin for ESP32, armv6m for RP2040 (default), armv7m for Cortex-M3/4/7")
    ap.add_argument("--app", action="append", default=[], help="a file to copy to the board's root (repeatable)")
    ap.add_argument("--lib-dir", default="/lib")
    ap.add_argument("--include", action="append", help="only modules matching this glob, e.g. 'buffa/*.mpy'")
    ap.add_argument("--exclude", action="append", help="leave out modules matching this glob, e.g. 'buffa/wkt/*'")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--reset", action="store_true", help="soft-reset the board afterwards (runs main.py)")
    a = ap.parse_args(argv)
    repl = mpboard.RawRepl(a.port, baudrate=a.baud)
    try:
        repl.enter_raw()
        deploy(repl, a.arch, a.app, a.lib_dir, a.include, a.exclude)
        if a.reset:
            repl.ser.write(b"\x02\x04")  # friendly REPL, then soft reset: boot.py, main.py
            repl.in_raw = False
    finally:
        repl.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
