#!/usr/bin/env python3
"""The installable parts of buffa, and the files that describe them.

    python tools/parts.py            write the manifests and package.json files
    python tools/parts.py --check    exit 1 (naming the files) if any is out of date
    python tools/parts.py --sizes    .mpy bytes of each part for each arch (mpy-cross)

One part per thing a device may or may not need, as micropython-lib splits
its packages (aioble, aioble-core, ...). For each part this writes

- packages/NAME/manifest.py: for a firmware build; metadata(), require() of
  the parts it needs, and its files one by one. A board manifest does
      add_library("buffa", "<this repo>/packages")
      require("buffa-connect", library="buffa")
- a mip package.json: the repository root's installs the core
  (`mip install github:ORG/REPO`), lib/NAME.json the others
  (`mip install github:ORG/REPO/lib/buffa-connect.json`).

The version comes from one place, `__version__` in lib/buffa/__init__.py;
pyproject.toml reads it there too, and a test checks the rest agree.

mip's "deps" take only an absolute URL or a micropython-lib index name, and
this repository has no published address to write into them, so a part's
package.json lists the files of every part it needs as well as its own
(relative URLs: mpremote's mip and mip 0.4 resolve them against the
package.json; the mip 0.3 inside MicroPython 1.25 firmware does not, so
install onto such a board with `mpremote mip install`). Installing two parts copies the shared files twice, the
same bytes.

The C accelerator (natmod/buffa_accel) is machine code for one arch, and mip
chooses files by .mpy version only, never by arch: so one package per arch,
lib/buffa-accel-ARCH.json (the core plus buffa_accel.mpy), serving the
prebuilt native module lib/buffa-accel/ARCH/buffa_accel.mpy. `--accel`
rebuilds those with tools/natmod.sh; a test checks that they match a fresh
build. A native module cannot be frozen, so the accelerator has no manifest:
firmware compiles it in as a user C module instead (boards/README.md).

    python tools/parts.py --accel    rebuild lib/buffa-accel/*/buffa_accel.mpy
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib")
LICENSE = "Apache-2.0"

# name: (description, parts it needs, files relative to lib/)
PARTS = {
    "buffa": (
        "buffa core: Protocol Buffers wire format, messages and what generated modules import",
        (),
        ("buffa/__init__.py", "buffa/wire.py", "buffa/message.py", "buffa/fields.py", "buffa/_packed.py",
         "buffa/_reflect.py", "buffa/_textmap.py", "buffa/_wirecold.py", "buffa/_runtime.py", "buffa/_errors.py",
         "buffa/_options.py", "buffa/_encode_into.py",
         "buffa/_oneof.py", "buffa/_codecnames.py", "buffa/_accel_decode.py", "buffa/_accel_encode.py"),
    ),
    "buffa-wkt": (
        "buffa well-known types: Any, Duration, Empty, FieldMask, Struct, Timestamp, wrappers",
        ("buffa",),
        ("buffa/wkt/__init__.py", "buffa/wkt/any_pb.py", "buffa/wkt/duration.py", "buffa/wkt/duration_pb.py",
         "buffa/wkt/empty_pb.py", "buffa/wkt/field_mask_pb.py", "buffa/wkt/struct_pb.py",
         "buffa/wkt/timestamp.py", "buffa/wkt/timestamp_pb.py", "buffa/wkt/wrappers_pb.py"),
    ),
    "buffa-protojson": (
        "buffa JSON codec: the Protocol Buffers JSON mapping",
        ("buffa", "buffa-wkt"),
        ("buffa/protojson/__init__.py", "buffa/protojson/_decode.py", "buffa/protojson/_decode_wkt.py",
         "buffa/protojson/_encode.py", "buffa/protojson/_encode_wkt.py", "buffa/protojson/_float32.py",
         "buffa/protojson/_json.py", "buffa/protojson/_scalar.py"),
    ),
    "buffa-connect": (
        "buffa Connect RPC client: unary and streaming calls over HTTP/1.1, TLS, asyncio and a serial bridge",
        ("buffa",),
        ("buffa/connect/__init__.py", "buffa/connect/aio.py", "buffa/connect/aio_streams.py",
         "buffa/connect/b64.py", "buffa/connect/client.py", "buffa/connect/clock.py", "buffa/connect/compress.py",
         "buffa/connect/core.py", "buffa/connect/envelope.py", "buffa/connect/errors.py",
         "buffa/connect/http1.py", "buffa/connect/metadata.py", "buffa/connect/protocol.py",
         "buffa/connect/serial_bridge.py", "buffa/connect/streams.py", "buffa/connect/transport.py"),
    ),
    # Message.view() loads buffa.view on first use: a device without this
    # part decodes whole messages only. Its native scan is in buffa-viper.
    "buffa-views": (
        "buffa views and streams: read fields without decoding the rest; decode and encode in pieces",
        ("buffa",),
        ("buffa/view.py", "buffa/stream.py"),
    ),
    # Source: a port with a native emitter compiles the viper code when it
    # imports it; a port without one fails that import and buffa uses its
    # Python loops. Frozen, it is machine code for the board's arch.
    "buffa-viper": (
        "buffa native loops: @micropython.viper packed sint32, UTF-8 checks and the view scan",
        ("buffa",),
        ("buffa_viper.py", "buffa_viper_view.py"),
    ),
}


# The archs the accelerator is served prebuilt for (those whose C compilers
# the project's machines have: gcc, arm-none-eabi-gcc); xtensawin (ESP32)
# needs ESP-IDF's compiler. Under lib/ so that mip's relative URLs reach the
# files; "buffa-accel" is no importable name, so lib/ on sys.path is unchanged.
ACCEL_ARCHS = ("x64", "armv6m", "armv7m", "armv7emsp")
ACCEL_DIR = "buffa-accel"
ACCEL_MODULE = "buffa_accel.mpy"
# Thumb firmware loads native code of any arch from armv6m up to its own
# (MPY_FEATURE_ARCH_TEST in MicroPython's py/persistentcode.h), in this order.
THUMB = ("armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp")


def accel_file(arch):
    """lib/-relative path of the prebuilt accelerator for arch."""
    return "%s/%s/%s" % (ACCEL_DIR, arch, ACCEL_MODULE)


def accel_arch_for(board_arch):
    """The arch of the prebuilt accelerator a board of board_arch (the
    sys.implementation._mpy arch name) loads, or None."""
    if board_arch in ACCEL_ARCHS:
        return board_arch
    if board_arch in THUMB:
        fits = [a for a in ACCEL_ARCHS if a in THUMB and THUMB.index(a) <= THUMB.index(board_arch)]
        return max(fits, key=THUMB.index) if fits else None
    return None


def build_accel():
    """Rebuild every prebuilt accelerator with tools/natmod.sh; [(path, bytes)]."""
    import mpybuild

    out = []
    for arch in ACCEL_ARCHS:
        folder = os.path.dirname(os.path.join(LIB, accel_file(arch)))
        os.makedirs(folder, exist_ok=True)
        for rel, size in mpybuild.build_accel(folder, arch):
            out.append((os.path.relpath(os.path.join(folder, rel), ROOT), size))
    return out


def version():
    with open(os.path.join(LIB, "buffa", "__init__.py")) as f:
        m = re.search(r'^__version__ = "([^"]+)"$', f.read(), re.M)
    if not m:
        raise SystemExit("no __version__ = \"...\" line in lib/buffa/__init__.py")
    return m.group(1)


def closure(name):
    """name and every part it needs, needed ones first."""
    out = []

    def visit(n):
        for dep in PARTS[n][1]:
            visit(dep)
        if n not in out:
            out.append(n)

    visit(name)
    return out


def manifest_text(name, ver):
    desc, requires, files = PARTS[name]
    lines = [
        "# Generated by tools/parts.py from its PARTS table: edit that, then run it.",
        'metadata(version="%s", description="%s", license="%s")' % (ver, desc, LICENSE),
        "",
        "# The other parts, from this folder (packages/) wherever it is.",
        'add_library("buffa", "..")',
    ]
    lines += ['require("%s", library="buffa")' % r for r in requires]
    lines.append("")
    pkg = [f for f in files if f.startswith("buffa/")]
    mods = [f for f in files if not f.startswith("buffa/")]
    if pkg:
        lines.append('package("buffa", files=[')
        lines += ['    "%s",' % f[len("buffa/"):] for f in pkg]
        lines.append('], base_path="../../lib")')
    for m in mods:
        lines.append('module("%s", base_path="../../lib")' % m)
    return "\n".join(lines) + "\n"


def package_json(name, url_prefix, ver, extra=()):
    """extra: more [file, url] pairs, after the parts' files."""
    urls = []
    for part in closure(name):
        urls += [[f, url_prefix + f] for f in PARTS[part][2]]
    urls += [list(u) for u in extra]
    rows = ",\n".join("    " + json.dumps(u) for u in urls)
    return '{\n  "urls": [\n%s\n  ],\n  "version": %s\n}\n' % (rows, json.dumps(ver))


def outputs():
    """{path relative to the repo: content} of every generated file."""
    ver = version()
    out = {"package.json": package_json("buffa", "lib/", ver)}
    for name in PARTS:
        out["packages/%s/manifest.py" % name] = manifest_text(name, ver)
        if name != "buffa":
            out["lib/%s.json" % name] = package_json(name, "", ver)
    for arch in ACCEL_ARCHS:
        # the core, and the native module installed as lib/buffa_accel.mpy
        out["lib/buffa-accel-%s.json" % arch] = package_json("buffa", "", ver, [(ACCEL_MODULE, accel_file(arch))])
    return out


def sizes():
    """Print a Markdown table: .mpy bytes of each part, per arch, as mpybuild compiles them."""
    import tempfile

    import mpybuild

    archs = mpybuild.ARCHS + (mpybuild.PORTABLE,)
    print("| part | " + " | ".join(archs) + " |")
    print("|---" * (len(archs) + 1) + "|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (_, _, files) in PARTS.items():
            row = []
            for arch in archs:
                march = None if arch == mpybuild.PORTABLE else arch
                if march is None and "buffa_viper.py" in files:
                    row.append("-")  # viper code is machine code: no portable form
                    continue
                total = 0
                for f in files:
                    dst = os.path.join(tmp, arch, f[:-3] + ".mpy")
                    mpybuild.compile_file(os.path.join(LIB, f), dst, march, source_name=f)
                    total += os.path.getsize(dst)
                row.append("{:,}".format(total))
            print("| %s | %s |" % (name, " | ".join(row)))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--sizes" in argv:
        sizes()
        return 0
    if "--accel" in argv:
        for rel, size in build_accel():
            print("parts: %s %d bytes" % (rel, size))
        return 0
    check = "--check" in argv
    for name, (_, _, files) in PARTS.items():
        for f in files:
            if not os.path.isfile(os.path.join(LIB, f)):
                raise SystemExit("parts: %s lists lib/%s, which does not exist" % (name, f))
    for arch in ACCEL_ARCHS:
        if not os.path.isfile(os.path.join(LIB, accel_file(arch))):
            raise SystemExit("parts: lib/%s does not exist (python tools/parts.py --accel)" % accel_file(arch))
    stale = []
    for rel, text in sorted(outputs().items()):
        path = os.path.join(ROOT, rel)
        try:
            with open(path) as f:
                same = f.read() == text
        except OSError:
            same = False
        if same:
            continue
        stale.append(rel)
        if not check:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
    if check and stale:
        print("parts: out of date (run tools/parts.py): " + ", ".join(stale))
        return 1
    for rel in stale:
        print("parts: wrote " + rel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
