#!/usr/bin/env python3
"""`make demo`: the telemetry device against the collector, with an outage.

    python tools/demo.py [--board unix|QEMU_MICROBIT|QEMU_MPS2_AN385]
                         [--duration 40] [--outage-at 12] [--outage-for 10]
                         [--run-on] [--json RESULT.json] [--workdir DIR]
    python tools/demo.py --bundle DIR [--arch xtensawin|armv6m|portable] [--without-buffa]

Starts the collector (tools/collector) on 127.0.0.1, runs the device
application (firmware/app) on the MicroPython unix port -- or on a QEMU board,
whose only link is its serial console, through tools/serial_bridge.py -- and
shows what arrives. Partway through, the collector is stopped for a while;
the device buffers and retries, and its readings arrive once it is back.
At the end the device sends what is left, and the collector's database is
checked against the device's own count: every reading made, stored once.
Exit status 0 when none is missing. --run-on keeps going until Ctrl-C.

--bundle only builds the files for a real board (README.md, "Flashing a real
ESP32 or Pico W"): DIR/main.py and DIR/lib/ with the app and buffa as .mpy,
and, for a native --arch, DIR/lib/buffa_viper.mpy (the packed sint32 loops as
machine code for that arch, built by tools/mpybuild.py) and, where one
is prebuilt for the arch (tools/parts.py), DIR/lib/buffa_accel.mpy (the C
accelerator). A portable bundle (no --arch, or --arch portable) leaves both
out, and says so; buffa then uses its Python code.
"""
import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
BUILD = os.environ.get("BUFFA_BUILD", os.path.join(ROOT, "build"))
VENV_BIN = os.path.dirname(sys.executable)
QEMU_BOARDS = ("QEMU_MICROBIT", "QEMU_MPS2_AN385")
SUMMARY = "TELEMETRY-SUMMARY "
DEVICE_ID = {"unix": "unix-demo", "QEMU_MICROBIT": "qemu-microbit-demo", "QEMU_MPS2_AN385": "qemu-mps2-demo"}
# Heap the QEMU run leaves the application: the boards have 140 KiB, the
# rest is held by a ballast allocated before the application is imported.
QEMU_APP_HEAP = 96 * 1024

_print_lock = threading.Lock()


def say(who, text):
    with _print_lock:
        for ln in text.rstrip("\n").split("\n"):
            sys.stdout.write("%-9s| %s\n" % (who, ln.rstrip("\r")))
        sys.stdout.flush()


def tool(name):
    p = os.path.join(VENV_BIN, name)
    return p if os.path.exists(p) else name


# ---------------------------------------------------------------------------
# The device application as .mpy files


def app_sources(with_buffa):
    """(module path relative to the device's sys.path, source file) pairs."""
    out = []
    roots = [(os.path.join(ROOT, "firmware"), "telemetry"), (os.path.join(ROOT, "firmware", "app"), "telemetry_device")]
    if with_buffa:
        roots.insert(0, (os.path.join(ROOT, "lib"), "buffa"))
    for base, pkg in roots:
        for d, dirs, files in os.walk(os.path.join(base, pkg)):
            dirs[:] = sorted(x for x in dirs if x != "__pycache__")
            for fn in sorted(files):
                if fn.endswith(".py"):
                    full = os.path.join(d, fn)
                    out.append((os.path.relpath(full, base), full))
    return out


def build_mpy(out, with_buffa, arch=None):
    """Compile the application (and buffa, for the unix port) into out/."""
    mpy_cross = tool("mpy-cross")
    for rel, src in app_sources(with_buffa):
        dst = os.path.join(out, rel[:-3] + ".mpy")
        if os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        cmd = [mpy_cross, "-o", dst, "-s", rel] + (["-march=" + arch] if arch else []) + [src]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            if rel.startswith("buffa/") and os.path.basename(rel).startswith("_"):
                # An optional accelerator module this port cannot take: buffa
                # falls back to plain Python without it.
                continue
            raise SystemExit("demo: mpy-cross failed on %s:\n%s" % (rel, p.stdout))
    return out


# ---------------------------------------------------------------------------
# The collector


class Collector:
    def __init__(self, workdir, interval_ms, batch, watch=True):
        self.db = os.path.join(workdir, "telemetry.db")
        # Settings written here reach watching devices at once (WatchConfig).
        self.settings_file = os.path.join(workdir, "settings.json")
        if os.path.exists(self.settings_file):
            os.remove(self.settings_file)
        self.watch = watch
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                os.remove(self.db + suffix)
        self.portfile = os.path.join(workdir, "collector.port")
        self.interval_ms = interval_ms
        self.batch = batch
        self.port = 0
        self.proc = None
        self.thread = None

    def start(self, timeout=60):
        if os.path.exists(self.portfile):
            os.remove(self.portfile)
        cmd = [sys.executable, "-u", os.path.join(TOOLS, "collector", "collector.py"), "--db", self.db,
               "--port", str(self.port), "--port-file", self.portfile,
               "--sample-interval-ms", str(self.interval_ms), "--batch-size", str(self.batch),
               "--settings-file", self.settings_file, "--lifetime-s", "3600"]
        if not self.watch:
            cmd.append("--no-watch-config")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=dict(os.environ, PYTHONUNBUFFERED="1"))
        self.thread = threading.Thread(target=self._pump, args=(self.proc,), daemon=True)
        self.thread.start()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.portfile):
                with open(self.portfile) as f:
                    self.port = int(f.read().split()[0])
                return self.port
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise SystemExit("demo: the collector did not start (see its output above)")

    def _pump(self, proc):
        for ln in proc.stdout:
            say("collector", ln)

    def stop(self):
        p, self.proc = self.proc, None
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        if self.thread is not None:
            self.thread.join(5)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port


def schedule_outage(collector, at_s, for_s, marks, stop_event):
    """In a thread: stop the collector at at_s for for_s seconds, then restart it."""

    def run():
        if stop_event.wait(at_s):
            return
        say("demo", "--- outage: stopping the collector for %g s ---" % for_s)
        marks["outage_start"] = time.time()
        collector.stop()
        stop_event.wait(for_s)
        marks["outage_end"] = time.time()
        collector.start()
        say("demo", "--- the collector is back ---")

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


# ---------------------------------------------------------------------------
# Devices


def device_settings(device_id, duration, run_on, config_poll_ms):
    return {
        "device_id": device_id,
        "config_poll_ms": config_poll_ms,
        "run_for_s": 0 if run_on else int(duration),
        "drain_s": 40,
        "timeout_ms": 3000,
        "backoff_base_ms": 250,
        "backoff_max_ms": 4000,
        "watchdog_ms": 0,
    }


def prepare(args):
    """Build what the device needs before anything starts (the outage is timed from the start)."""
    if args.board == "unix":
        return {"mpy": build_mpy(os.path.join(BUILD, "demo", "mpy-unix"), with_buffa=True)}
    sys.path.insert(0, TOOLS)
    import mpboard

    board = args.board
    mpy_dir = build_mpy(os.path.join(BUILD, "demo", "mpy-" + board), with_buffa=False,
                        arch=mpboard.BOARD_ARCH.get(board))
    fw = build_app_firmware(board) if args.frozen_app else mpboard.firmware_path(board)
    if not os.path.exists(fw):
        raise SystemExit("demo: no firmware for %s: run `make firmware BOARD=%s`" % (board, board))
    return {"mpy": mpy_dir, "firmware": fw}


def run_unix(args, collector, settings, workdir, prep):
    mpy = prep["mpy"]
    cfg = dict(settings, server_url=collector.url, transport="socket")
    if args.persist:
        cfg["persist_path"] = os.path.join(workdir, "telemetry.buf")
        cfg["persist_interval_ms"] = 1000
    cfg_path = os.path.join(workdir, "config.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    code = ("import sys\nsys.path[:] = [%r]\nfrom telemetry_device import device\ndevice.run(%r)\n"
            % (mpy, cfg_path))
    cmd = [tool("micropython"), "-X", "heapsize=" + args.heap, "-c", code]
    say("demo", "device: MicroPython unix port, heap %s, %s" % (args.heap, collector.url))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir)
    state = {"summary": None}
    limit = time.monotonic() + (args.duration + 120 if not args.run_on else 10 ** 9)

    def follow():
        for ln in proc.stdout:
            if ln.startswith(SUMMARY):
                state["summary"] = json.loads(ln[len(SUMMARY):])
            say("device", ln)
            if time.monotonic() > limit:
                say("demo", "device ran past its time limit: stopping it")
                break

    info = {"heap": args.heap}

    def on_sigint(signum, frame):
        # Ctrl-C reaches the device too (one process group): it prints its
        # summary and exits, which ends follow(). The read goes on meanwhile
        # (an exception here could lose lines already read); a second
        # Ctrl-C stops waiting.
        if info.get("interrupted"):
            raise KeyboardInterrupt
        info["interrupted"] = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        follow()
    finally:
        signal.signal(signal.SIGINT, previous)
        if proc.poll() is None:
            proc.terminate()
        proc.wait(10)
    if info.get("interrupted"):
        say("demo", "interrupted: the device stopped")
    return state["summary"], info


def build_app_firmware(board):
    """QEMU firmware with the app frozen in too (firmware/app/manifest.py)."""
    out = os.path.join(BUILD, "demo", "firmware-" + board)
    os.makedirs(out, exist_ok=True)
    manifest = os.path.join(out, "manifest.py")
    with open(manifest, "w") as f:
        f.write('include("%s")\ninclude("%s")\n' % (os.path.join(ROOT, "boards", board, "manifest.py"),
                                                    os.path.join(ROOT, "firmware", "app", "manifest.py")))
    src = subprocess.run([os.path.join(TOOLS, "bootstrap.sh"), "mpsrc"], check=True, stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    say("demo", "building %s firmware with the app frozen in (first time: a minute or two)" % board)
    subprocess.run(["make", "-s", "-C", os.path.join(src, "mpy-cross"), "-j2"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["make", "-s", "-C", os.path.join(src, "ports", "qemu"), "BOARD=" + board,
                    "BOARD_DIR=" + os.path.join(ROOT, "boards", board), "BUILD=" + out,
                    "FROZEN_MANIFEST=" + manifest, "MPY_LIB_DIR=" + os.path.join(TOOLS, "mpy-lib-stub"), "-j2"],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "firmware.elf")


def run_qemu(args, collector, settings, workdir, prep):
    sys.path.insert(0, TOOLS)
    import mpboard
    import serial_bridge

    board = args.board
    mpy_dir = prep["mpy"]
    fw = prep["firmware"]
    cfg = dict(settings, transport="serial")
    qb = mpboard.QemuBoard(board, firmware=fw)
    pty = qb.start()
    say("demo", "device: QEMU %s on %s, link: its serial console via the bridge to %s" % (board, pty, collector.url))
    info = {}
    try:
        repl = mpboard.RawRepl(pty, timeout=30)
        repl.enter_raw(soft_reset=True)

        def lookup(path):
            full = os.path.join(mpy_dir, path.strip("/"))
            if os.path.isdir(full):
                return True
            if os.path.isfile(full):
                with open(full, "rb") as f:
                    return f.read()
            return None

        hostfs = mpboard.HostFS(repl, lookup)
        if not args.frozen_app:  # else the app is in the firmware, like buffa
            hostfs.setup()
        up = serial_bridge.Upstream(collector.url, max_wait_s=10)
        bridge = serial_bridge.Bridge(up, repl.ser.write, lambda m: say("bridge", m))
        state = {"summary": None}

        def on_line(ln):
            if ln.startswith(mpboard.FS_MARK):
                hostfs.feed(ln)
                return
            if bridge.line(ln):
                return
            text = ln.decode("utf-8", "replace")
            if text.startswith(SUMMARY):
                state["summary"] = json.loads(text[len(SUMMARY):])
            say("device", text)

        split = serial_bridge.LineSplitter(on_line)
        code = (
            "import sys, gc\n"
            "sys.path.insert(0, '/t')\n"
            "gc.collect()\n"
            "_total = gc.mem_free() + gc.mem_alloc()\n"
            "_ballast = bytearray(max(0, _total - %d))\n"
            "gc.collect()\n"
            "print('heap: %%d bytes in all, %%d held back, %%d free for the app' %% (_total, len(_ballast), gc.mem_free()))\n"
            "from telemetry_device import device\n"
            "device.run(None, **%r)\n" % (QEMU_APP_HEAP, cfg)
        )
        timeout = None if args.run_on else args.duration + 150
        out, err = repl.exec_(code, timeout=timeout, on_output=split.feed, check=False)
        if err:
            say("device", err)
        m = re.search(r"heap: (\d+) bytes in all, (\d+) held back, (\d+) free", out)
        if m:
            info = {"heap_total": int(m.group(1)), "ballast": int(m.group(2)), "app_heap_free_at_start": int(m.group(3))}
        info.update({"bridge_exchanges": bridge.exchanges, "bridge_failures": bridge.failures,
                     "bridge_bad_frames": bridge.bad_frames, "upstream_dials": up.dials})
        repl.close()
        up.close()
        return state["summary"], info
    finally:
        qb.stop()


# ---------------------------------------------------------------------------
# The tally


def tally(db_path, summary, marks, interrupted=False):
    """Compare what the device made with what the collector stored."""
    if not summary:
        return {"ok": False, "reason": "the device printed no summary"}
    dev = summary["device_id"]
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute("SELECT sequence, seconds, nanos FROM readings WHERE device = ? ORDER BY sequence",
                           (dev,)).fetchall()
        totals = con.execute("SELECT COUNT(*), SUM(collections), COUNT(collections), "
                             "MIN(NULLIF(heap_free_after_gc_min, 0)) FROM batches WHERE device = ?", (dev,)).fetchone()
        latest = con.execute("SELECT heap_size, heap_free_after_gc, heap_largest_free FROM batches "
                             "WHERE device = ? ORDER BY id DESC LIMIT 1", (dev,)).fetchone() or (None,) * 3
    finally:
        con.close()
    stored = [r[0] for r in rows]
    first, last = summary["first_seq"], summary["last_seq"]
    expected = set(range(first, last + 1)) if summary["made"] else set()
    # Stopped by hand, the device still holds its newest readings: those
    # are not lost, only not sent yet (the device keeps them for its next run).
    held = set(range(last - summary.get("buffered", 0) + 1, last + 1)) if interrupted else set()
    missing = sorted(expected - set(stored) - held)
    result = {
        "device_id": dev,
        "made": summary["made"],
        "stored": len(stored),
        "missing": len(missing),
        "missing_sample": missing[:20],
        "unexpected": len(set(stored) - expected),
        "dropped": summary["dropped"],
        "rejected": summary["rejected"],
        "send_failures": summary["send_failures"],
        "batches": totals[0],
        # The heap figures as the collector received them (the latest batch's,
        # and the lowest over all batches), and the device's own at the end.
        "heap_size": latest[0],
        "heap_free_after_gc": latest[1],
        "heap_largest_free": latest[2],
        "heap_free_after_gc_min": totals[3],
        "collections_per_batch": round(totals[1] / totals[2], 2) if totals[2] else None,
        "device_heap_free_after_gc_min": summary["heap_free_after_gc_min"],
        "platform": summary["platform"],
        "config_calls": summary.get("config_calls"),
        "configs_pushed": summary.get("configs_pushed"),
    }
    for key in ("watched_config", "uptime_ms", "get_config_heap", "get_config_heap_first", "watch_heap",
                "watch_heap_first", "config_heap_unmeasured"):
        if key in summary:
            result[key] = summary[key]
    if "outage_start" in marks and "outage_end" in marks:
        a, b = marks["outage_start"], marks["outage_end"]
        result["outage_s"] = round(b - a, 1)
        result["stored_from_outage"] = sum(1 for _seq, s, ns in rows if a <= s + ns / 1e9 <= b)
    result["held_on_device"] = len(held - set(stored))
    result["ok"] = (result["missing"] == 0 and result["unexpected"] == 0 and len(stored) == len(set(stored))
                    and result["made"] == result["stored"] + result["held_on_device"] and result["made"] > 0)
    return result


# The device's health figures in the summary: (result key, name, meaning).
HEALTH = (
    ("heap_size", "heap", "the MicroPython heap the app runs in (free + allocated)"),
    ("heap_free_after_gc", "free after GC", "what the app's live data leaves free, right after a collection"),
    ("heap_free_after_gc_min", "lowest free after GC", "the least of those in any batch: how close it came to running out"),
    ("heap_largest_free", "largest free block", "the biggest single allocation that fits, right after a collection"),
    ("collections_per_batch", "GC per batch", "collections per batch sent: the app's own after each call, plus "
     "MicroPython's when the heap filled"),
)


def config_lines(result, poll_ms):
    """How the device got its configuration, and what that cost it: calls,
    and heap allocated for it per minute, as the device measured it. The
    first GetConfig call and the stream's opening are shown apart: they
    carry one-time work (the connection, tables built on first use) that
    a longer run spreads thinner."""
    if result.get("config_calls") is None:
        return []
    calls, pushed = result["config_calls"], result["configs_pushed"]
    head = "configuration: %d GetConfig call%s, %d pushed on WatchConfig" % (calls, "" if calls == 1 else "s", pushed)
    minutes = result.get("uptime_ms", 0) / 60000
    if not minutes or "get_config_heap" not in result:
        return [head]
    if result.get("watched_config"):
        # What polling every poll_ms would have made in this run's time.
        polls = int(result["uptime_ms"] // poll_ms) if poll_ms else 0
        head += " (watched; a GetConfig call every %d ms would have been %d calls)" % (poll_ms, polls)
        start = "the first GetConfig call and opening the stream"
    else:
        head += " (polled every %d ms)" % poll_ms
        # A stream tried first and refused (unimplemented) counts as start-up.
        start = "the first GetConfig call" + (" and the refused stream" if result.get("watch_heap_first") else "")
    if not result.get("get_config_heap_first"):
        return [head, "  (no heap figures: the device reported none)"]
    first = result["get_config_heap_first"] + result.get("watch_heap_first", 0)
    rest = result["get_config_heap"] + result["watch_heap"] - first
    out = [head,
           "  heap allocated for it %.1f KiB a minute after the start (%.1f KiB in %.0f s: calls, pushes,"
           " reopening, failed tries)" % (rest / 1024 / minutes, rest / 1024, result["uptime_ms"] / 1000),
           "  at the start %.1f KiB (%s)" % (first / 1024, start)]
    if result.get("config_heap_unmeasured"):
        n = result["config_heap_unmeasured"]
        out.append("  (%d piece%s of it not measured: MicroPython collected during %s)"
                   % (n, "" if n == 1 else "s", "it" if n == 1 else "them"))
    return out


def health_lines(result):
    """The summary's heap figures, one line each with what it means."""
    if not result.get("heap_size"):
        return ["the device reported no heap figures (CPython has no MicroPython heap)"]
    out = ["device health as the device reported it (docs/demo.md, \"Device health\"):"]
    for key, name, meaning in HEALTH:
        v = result.get(key)
        if key == "heap_size" and v and result.get("ballast"):
            # QEMU: the board's heap holds the ballast that leaves the app its budget.
            meaning = "the heap the app may use: the board's %.1f KiB less the %.1f KiB the demo holds back" % (
                v / 1024, result["ballast"] / 1024)
            v -= result["ballast"]
        if v is None:
            shown = "?"
        elif key == "collections_per_batch":
            shown = "%.1f" % v
        else:
            shown = "%.1f KiB" % (v / 1024)
        out.append("  %-21s %-10s %s" % (name, shown, meaning))
    return out


# In a bundle folder: the files the last --bundle wrote, removed by the next.
BUNDLE_MARK = ".buffa-bundle"


def _start_clean(out):
    """Remove an earlier bundle's files from out; refuse a folder that holds others."""
    import shutil

    if not os.path.isdir(out) or not os.listdir(out):
        return
    mark = os.path.join(out, BUNDLE_MARK)
    if not os.path.exists(mark):
        raise SystemExit("demo: %s is not empty and holds no earlier bundle (%s): give --bundle a new or "
                         "empty folder" % (out, BUNDLE_MARK))
    # What the user added beside a bundle (config.json, ca.pem) stays.
    shutil.rmtree(os.path.join(out, "lib"), ignore_errors=True)
    for name in ("main.py", BUNDLE_MARK):
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))


def bundle(out, arch, with_buffa, log=print):
    """The files to copy to a board: out/lib/... (.mpy) and out/main.py.

    With buffa and a native arch, also out/lib/buffa_viper.mpy: the native
    (viper) packed sint32 loops, machine code for arch. Left out, with a
    message, of a portable bundle (arch None or "portable": bytecode for any
    arch) and without buffa (the firmware then has both frozen in).
    Returns the paths written under out/, relative to it, sorted.
    """
    if TOOLS not in sys.path:
        sys.path.insert(0, TOOLS)
    import shutil

    import mpybuild
    import parts

    if arch == mpybuild.PORTABLE:
        arch = None
    if arch and arch not in mpybuild.MPY_ARCH_NAMES:
        raise SystemExit("demo: unknown arch %r: use one of %s, or %s"
                         % (arch, ", ".join(n for n in mpybuild.MPY_ARCH_NAMES if n), mpybuild.PORTABLE))
    lib = os.path.join(out, "lib")
    _start_clean(out)
    build_mpy(lib, with_buffa=with_buffa, arch=arch)
    # The native loops of an earlier bundle in out/ (another arch, or with buffa).
    for name in [os.path.basename(src)[:-3] + ".mpy" for src in mpybuild.NATIVE_MODULES] + [parts.ACCEL_MODULE]:
        stale = os.path.join(lib, name)
        if os.path.exists(stale):
            os.remove(stale)
    native = mpybuild.build_native(lib, arch) if with_buffa and arch else []
    accel = parts.accel_arch_for(arch) if with_buffa and arch else None
    if accel:
        shutil.copy(os.path.join(ROOT, "lib", parts.accel_file(accel)), os.path.join(lib, parts.ACCEL_MODULE))
    shutil.copy(os.path.join(ROOT, "firmware", "app", "main.py"), os.path.join(out, "main.py"))
    files = sorted(os.path.relpath(os.path.join(d, f), out).replace(os.sep, "/")
                   for d, _, fs in os.walk(out) for f in fs if f != BUNDLE_MARK)
    files = [f for f in files if f == "main.py" or f.startswith("lib/")]
    with open(os.path.join(out, BUNDLE_MARK), "w") as f:
        f.write("".join(rel + "\n" for rel in files))
    n = sum(1 for f in files if f.startswith("lib/") and f.endswith(".mpy"))
    log("demo: %s: main.py and %d .mpy files under lib/ (%s)%s" % (
        out, n, arch or "bytecode", "" if with_buffa else "; buffa must be frozen in the firmware"))
    for rel, size in native:
        version, sub, march = mpybuild.mpy_header(os.path.join(lib, rel))
        log("demo: lib/%s (%d bytes): the native packed sint32 loops, machine code for %s, .mpy %d.%d; "
            "a board of another arch, without a native emitter or reading another .mpy sub-version "
            "does not load it and buffa uses its Python loops" % (rel, size, march, version, sub))
    if accel:
        log("demo: lib/%s: the C accelerator, the prebuilt native module for %s (lib/%s)"
            % (parts.ACCEL_MODULE, accel, parts.accel_file(accel)))
    if with_buffa and not arch:
        log("demo: buffa_viper left out: a portable (bytecode) bundle has no machine code; packed sint32 "
            "runs use buffa's Python loops (--arch xtensawin for ESP32, armv6m for RP2040 includes them)")
        log("demo: buffa_accel left out too: the C accelerator is machine code; buffa uses its Python helpers")
    elif with_buffa and not accel:
        log("demo: no lib/%s: no prebuilt C accelerator loads on %s (prebuilt: %s); buffa uses its Python "
            "helpers (this repository's ESP32_GENERIC firmware compiles it in)"
            % (parts.ACCEL_MODULE, arch, ", ".join(parts.ACCEL_ARCHS)))
    elif not with_buffa:
        log("demo: buffa_viper left out too: this repository's ESP32_GENERIC and RPI_PICO_W firmware "
            "has it frozen in (firmware/manifest_native.py)")
        log("demo: buffa_accel left out too: that firmware compiles the C accelerator in (natmod/buffa_accel)")
    return files


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", default="unix", choices=("unix",) + QEMU_BOARDS)
    ap.add_argument("--duration", type=float, default=40, help="seconds the device samples (default 40)")
    ap.add_argument("--outage-at", type=float, default=12, help="seconds into the run the collector stops")
    ap.add_argument("--outage-for", type=float, default=10, help="seconds it stays down (0: no outage)")
    ap.add_argument("--run-on", action="store_true", help="keep going until Ctrl-C")
    ap.add_argument("--interval-ms", type=int, default=250, help="sampling interval the collector hands out")
    ap.add_argument("--batch", type=int, default=8, help="batch size the collector hands out")
    ap.add_argument("--heap", default="192K", help="unix port heap (-X heapsize)")
    ap.add_argument("--no-watch-config", action="store_true",
                    help="the collector answers WatchConfig with unimplemented: the device polls GetConfig")
    ap.add_argument("--config-poll-ms", type=int, default=2000,
                    help="how often the device polls GetConfig when it cannot watch its config (default 2000)")
    ap.add_argument("--persist", action="store_true", help="unix port: persist the buffer to a file")
    ap.add_argument("--frozen-app", action="store_true",
                    help="QEMU: freeze the app into the firmware too (else it loads as .mpy files)")
    ap.add_argument("--workdir", default=os.path.join(BUILD, "demo"))
    ap.add_argument("--json", help="write the result here")
    ap.add_argument("--bundle", metavar="DIR",
                    help="only build the files for a real board into DIR (see README) and exit")
    ap.add_argument("--arch", help="with --bundle: mpy-cross -march (xtensawin for ESP32, armv6m for RP2040), "
                    "which also puts the native loops in (lib/buffa_viper.mpy) and, where one is prebuilt "
                    "for the arch, the C accelerator (lib/buffa_accel.mpy); portable or none: bytecode "
                    "for any arch, without them")
    ap.add_argument("--without-buffa", action="store_true",
                    help="with --bundle: leave buffa out (it is frozen in the firmware)")
    args = ap.parse_args(argv)
    if args.bundle:
        bundle(args.bundle, args.arch, not args.without_buffa)
        return 0
    os.makedirs(args.workdir, exist_ok=True)

    prep = prepare(args)
    collector = Collector(args.workdir, args.interval_ms, args.batch, watch=not args.no_watch_config)
    collector.start()
    say("demo", "collector on %s (chart: %s/), database %s" % (collector.url, collector.url, collector.db))
    say("demo", "settings: write {\"sample_interval_ms\": ..., \"batch_size\": ...} to %s to push them"
        % collector.settings_file)
    marks = {}
    stop = threading.Event()
    if args.outage_for > 0:
        schedule_outage(collector, args.outage_at, args.outage_for, marks, stop)
    settings = device_settings(DEVICE_ID[args.board], args.duration, args.run_on, args.config_poll_ms)
    info = {}
    summary = None
    try:
        if args.board == "unix":
            summary, info = run_unix(args, collector, settings, args.workdir, prep)
        else:
            summary, info = run_qemu(args, collector, settings, args.workdir, prep)
    except KeyboardInterrupt:
        say("demo", "interrupted")
    finally:
        stop.set()
        time.sleep(0.2)
        collector.stop()
    result = tally(collector.db, summary, marks, info.get("interrupted", False))
    result.update(info)
    result["board"] = args.board
    say("demo", "-" * 60)
    if summary:
        say("demo", "device made %d readings; the collector stored %d; missing %d; dropped %d"
            % (result["made"], result["stored"], result["missing"], result["dropped"]))
        if result["held_on_device"]:
            say("demo", "%d readings were still buffered on the device when it was stopped (not lost)"
                % result["held_on_device"])
        if "stored_from_outage" in result:
            say("demo", "%d readings were made during the %.0f s outage and arrived after it"
                % (result["stored_from_outage"], result["outage_s"]))
        for line in config_lines(result, args.config_poll_ms):
            say("demo", line)
        for line in health_lines(result):
            say("demo", line)
    say("demo", "result: %s" % ("every reading stored once" if result["ok"] else "FAILED: %s" % result.get("reason", "readings missing")))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
