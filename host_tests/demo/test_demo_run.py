# `make demo` in its bounded mode, checked: the device made N readings, the
# collector stored exactly those N, including the ones made while it was
# down. On the unix port, and on the emulated Cortex-M0 board through the
# serial bridge with the app held to a 96 KiB heap. Plus the buffer kept in a
# file across a device reset. CPython only (it runs the demo's processes).
import json
import os
import shutil
import sqlite3
import subprocess
import sys

from mptest import Skip

MPTEST_REQUIRES = ("cpython", "subprocess", "network")

import demohelp  # noqa: E402

DEMO = os.path.join(demohelp.TOOLS, "demo.py")


def _demo(board, *extra):
    demohelp.need_collector_packages()
    work = demohelp.tempdir("demo-test-")
    out = os.path.join(work, "result.json")
    cmd = [sys.executable, DEMO, "--board", board, "--duration", "16", "--outage-at", "5", "--outage-for", "5",
           "--workdir", work, "--json", out] + list(extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    try:
        with open(out) as f:
            res = json.load(f)
    except OSError:
        res = None
    demohelp.rmtree(work)
    assert res is not None, p.stdout[-4000:]
    return p, res


def _check_complete(p, res):
    log = p.stdout
    assert p.returncode == 0, log[-4000:]
    assert res["ok"], (res, log[-4000:])
    assert res["made"] == res["stored"] > 0
    assert res["missing"] == 0 and res["unexpected"] == 0
    assert res["dropped"] == 0 and res["rejected"] == 0
    # The outage was real: sends failed, and readings made meanwhile arrived later.
    assert res["send_failures"] > 0, res
    assert res["stored_from_outage"] > 0, res
    assert "--- outage" in log and "the collector is back" in log
    assert "every reading stored once" in log
    # Heap figures taken right after a collection, reported with each batch
    # (the device's own lowest may be lower still: collections after its last batch).
    assert 0 < res["device_heap_free_after_gc_min"] <= res["heap_free_after_gc_min"] <= res["heap_free_after_gc"]
    assert 0 < res["heap_largest_free"] <= res["heap_free_after_gc"] < res["heap_size"]
    assert res["collections_per_batch"] >= 1
    for name in ("free after GC", "lowest free after GC", "largest free block", "GC per batch"):
        assert "  " + name + " " in log, name
    # How the configuration came, and the heap it cost, as the device measured it.
    assert res["config_calls"] >= 1, res
    assert "configuration: %d GetConfig call" % res["config_calls"] in log
    assert res["get_config_heap_first"] > 0 and res["get_config_heap"] >= res["get_config_heap_first"], res
    assert "  heap allocated for it " in log and "  at the start " in log


def test_unix_port_demo_stores_every_reading():
    p, res = _demo("unix")
    _check_complete(p, res)
    assert res["platform"].startswith("linux micropython")


def test_qemu_board_demo_through_the_serial_bridge():
    sys.path.insert(0, demohelp.TOOLS)
    import mpboard

    if shutil.which("qemu-system-arm") is None:
        raise Skip("needs qemu-system-arm (make setup)")
    if not os.path.exists(mpboard.firmware_path("QEMU_MICROBIT")):
        raise Skip("needs the QEMU_MICROBIT firmware (make firmware BOARD=QEMU_MICROBIT)")
    p, res = _demo("QEMU_MICROBIT")
    _check_complete(p, res)
    assert res["platform"].startswith("qemu micropython")
    # The app ran in 96 KiB: the rest of the board's heap was held back.
    assert res["heap_total"] - res["ballast"] <= 96 * 1024
    assert res["app_heap_free_at_start"] <= 96 * 1024
    assert res["bridge_bad_frames"] == 0 and res["bridge_exchanges"] >= res["batches"]
    assert res["heap_size"] - res["ballast"] <= 96 * 1024
    print("QEMU_MICROBIT: %d bytes free after GC (lowest %d), largest block %d, of %d; %.1f GC per batch"
          % (res["heap_free_after_gc"], res["heap_free_after_gc_min"], res["heap_largest_free"], res["heap_size"],
             res["collections_per_batch"]))


def test_unix_port_buffer_survives_a_reset():
    """Readings still unsent when the device stops (a reset) are kept in a
    file and sent by the next boot, with their sequence numbers."""
    demohelp.need_collector_packages()
    sys.path.insert(0, demohelp.TOOLS)
    import demo

    work = demohelp.tempdir("persist-test-")
    srv = demohelp.CollectorProc(work, extra=["--sample-interval-ms", "200", "--batch-size", "5"])
    srv.start()
    try:
        mpy = demo.build_mpy(os.path.join(demo.BUILD, "demo", "mpy-unix"), with_buffa=True)
        buf = os.path.join(work, "telemetry.buf")

        def boot(run_for_s, drain_s, timeout):
            cfg = dict(device_id="persist-1", server_url=srv.url, run_for_s=run_for_s, drain_s=drain_s,
                       persist_path=buf, persist_interval_ms=500, watchdog_ms=0, timeout_ms=2000,
                       backoff_base_ms=200, backoff_max_ms=1000)
            code = "import sys\nsys.path[:] = [%r]\nfrom telemetry_device import device\ndevice.run(None, **%r)\n" % (
                mpy, cfg)
            proc = subprocess.Popen([demo.tool("micropython"), "-X", "heapsize=192K", "-c", code],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            return proc

        def summary(proc, timeout):
            out, _ = proc.communicate(timeout=timeout)
            for ln in out.splitlines():
                if ln.startswith("TELEMETRY-SUMMARY "):
                    return json.loads(ln[18:]), out
            raise AssertionError(out[-3000:])

        # First boot: online for a while, then the service goes away; the
        # device stops ("resets") with readings still buffered.
        proc = boot(6, 0, 30)
        import time

        time.sleep(3)
        srv.stop()
        s1, out1 = summary(proc, 30)
        assert s1["buffered"] > 0 and s1["sent"] > 0, out1
        assert os.path.exists(buf)
        # Second boot, the service back.
        srv.start()
        proc = boot(3, 20, 60)
        s2, out2 = summary(proc, 60)
        assert "restored %d unsent readings" % s1["buffered"] in out2, out2
        assert s2["buffered"] == 0, out2
        db = sqlite3.connect(srv.db)
        try:
            seqs = [r[0] for r in db.execute("SELECT sequence FROM readings WHERE device='persist-1' ORDER BY 1")]
        finally:
            db.close()
        assert seqs == list(range(1, s1["made"] + s2["made"] + 1)), (seqs[:5], len(seqs), s1, s2)
    finally:
        srv.stop()
        demohelp.rmtree(work)
