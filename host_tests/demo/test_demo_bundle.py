# `tools/demo.py --bundle`: the files README.md's "Flashing a real ESP32 or
# Pico W" copies to a board. For a native arch the bundle holds
# lib/buffa_viper.mpy (the native packed sint32 loops, machine code for that
# arch, built by tools/mpybuild.py); a portable bundle and one without buffa
# leave it out and say so. An x64 bundle run on the unix port takes the
# native loops; a portable one the Python loops. CPython only (it runs
# mpy-cross and the unix port).
import os
import subprocess
import sys

MPTEST_REQUIRES = ("cpython", "subprocess")

import demohelp  # noqa: E402

DEMO = os.path.join(demohelp.TOOLS, "demo.py")


def _bundle(out, *args):
    # as README.md runs it
    p = subprocess.run([sys.executable, DEMO, "--bundle", out] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode == 0, p.stdout
    return p.stdout


def _files(out):
    return sorted(os.path.relpath(os.path.join(d, f), out).replace(os.sep, "/")
                  for d, _, fs in os.walk(out) for f in fs)


def test_native_bundle_holds_the_native_loops_for_its_arch():
    import mpybuild

    work = demohelp.tempdir("bundle-test-")
    try:
        for arch in ("xtensawin", "armv6m"):  # ESP32, RP2040 (README's two boards)
            out = os.path.join(work, arch)
            text = _bundle(out, "--arch", arch)
            files = _files(out)
            assert "main.py" in files and "lib/buffa/__init__.mpy" in files, files
            assert "lib/telemetry_device/device.mpy" in files, files
            assert "lib/buffa_viper.mpy" in files, (arch, files)
            version, _, march = mpybuild.mpy_header(os.path.join(out, "lib", "buffa_viper.mpy"))
            assert (version, march) == (6, arch), (arch, version, march)
            # the rest is bytecode, for any arch
            assert mpybuild.mpy_header(os.path.join(out, "lib", "buffa", "wire.mpy"))[2] is None
            assert "lib/buffa_viper.mpy" in text and "machine code for %s" % arch in text, text
            assert "left out" not in text, text
    finally:
        demohelp.rmtree(work)


def test_portable_bundle_leaves_the_native_loops_out():
    import mpybuild

    work = demohelp.tempdir("bundle-test-")
    try:
        for args in ((), ("--arch", "portable")):
            out = os.path.join(work, "app")
            # over an earlier native bundle: its buffa_viper.mpy goes too
            _bundle(out, "--arch", "xtensawin")
            assert os.path.exists(os.path.join(out, "lib", "buffa_viper.mpy"))
            text = _bundle(out, *args)
            files = _files(out)
            assert "lib/buffa/wire.mpy" in files and "main.py" in files, files
            assert not any("buffa_viper" in f for f in files), (args, files)
            assert "(bytecode)" in text and "buffa_viper left out: a portable (bytecode) bundle" in text, text
            for f in files:
                if f.endswith(".mpy"):
                    assert mpybuild.mpy_header(os.path.join(out, f))[2] is None, f  # no machine code
    finally:
        demohelp.rmtree(work)


def test_bundle_without_buffa_leaves_the_native_loops_to_the_firmware():
    work = demohelp.tempdir("bundle-test-")
    try:
        out = os.path.join(work, "app")
        text = _bundle(out, "--arch", "armv6m", "--without-buffa")
        files = _files(out)
        assert "lib/telemetry_device/device.mpy" in files and "main.py" in files, files
        assert not any(f.startswith("lib/buffa") for f in files), files
        assert "buffa must be frozen in the firmware" in text, text
        assert "buffa_viper left out too" in text and "manifest_native.py" in text, text
        # an arch mpy-cross does not know is refused before anything is built
        p = subprocess.run([sys.executable, DEMO, "--bundle", os.path.join(work, "bad"), "--arch", "esp32"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        assert p.returncode != 0 and "unknown arch 'esp32'" in p.stdout, p.stdout
        assert not os.path.exists(os.path.join(work, "bad"))
    finally:
        demohelp.rmtree(work)


def test_bundle_into_a_used_folder_starts_clean_or_refuses():
    work = demohelp.tempdir("bundle-test-")
    try:
        out = os.path.join(work, "app")
        _bundle(out, "--arch", "armv6m")
        # README step 3: the user's config.json beside the bundle; and a file
        # a bundle of another version would have left
        with open(os.path.join(out, "config.json"), "w") as f:
            f.write("{}")
        with open(os.path.join(out, "lib", "old_module.mpy"), "wb") as f:
            f.write(b"M")
        _bundle(out, "--arch", "armv6m")
        files = _files(out)
        assert "lib/old_module.mpy" not in files and "config.json" in files, files
        assert "lib/buffa/wire.mpy" in files and "main.py" in files, files
        # a folder that is not a bundle is left alone
        other = os.path.join(work, "mine")
        os.makedirs(other)
        with open(os.path.join(other, "notes.txt"), "w") as f:
            f.write("mine")
        p = subprocess.run([sys.executable, DEMO, "--bundle", other], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        assert p.returncode != 0 and "is not empty and holds no earlier bundle" in p.stdout, p.stdout
        assert "Traceback" not in p.stdout and _files(other) == ["notes.txt"]
    finally:
        demohelp.rmtree(work)


def _run_on_unix_port(lib):
    # The unix port (x64) importing only the bundle's lib/, as a board
    # would from /lib: which loops buffa.wire took, and the app imports.
    import mptest_runtimes

    code = (
        "import sys\n"
        "sys.path[:] = [%r]\n"
        "import buffa.wire as w\n"
        "print('native', w._zz32_get is not None)\n"
        "vals = [0, -1, 1, 300, -70000, 2147483647, -2147483648]\n"
        "n = w.packed_size(vals, w.SINT32)\n"
        "buf = bytearray(n)\n"
        "assert w.put_packed(buf, 0, vals, w.SINT32) == n\n"
        "out = []\n"
        "assert w.packed_varint(buf, 0, n, out, w.sint32) == n\n"
        "assert out == vals, out\n"
        "print('viper', 'buffa_viper' in sys.modules)\n"
        "from telemetry_device import device\n"
        "print('app', device.__name__)\n" % lib
    )
    p = subprocess.run([mptest_runtimes.micropython_exe(), "-c", code], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert p.returncode == 0, p.stdout
    return p.stdout


def test_bundle_runs_with_the_native_loops_on_a_board_of_its_arch():
    work = demohelp.tempdir("bundle-test-")
    try:
        native = os.path.join(work, "x64")
        _bundle(native, "--arch", "x64")
        text = _run_on_unix_port(os.path.join(native, "lib"))
        assert "native True" in text and "viper True" in text, text
        assert "app telemetry_device.device" in text, text
        portable = os.path.join(work, "portable")
        _bundle(portable)
        text = _run_on_unix_port(os.path.join(portable, "lib"))
        assert "native False" in text and "viper False" in text, text
        assert "app telemetry_device.device" in text, text
    finally:
        demohelp.rmtree(work)
