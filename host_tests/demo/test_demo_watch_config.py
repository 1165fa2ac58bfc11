# The device app takes its configuration from WatchConfig: the real
# collector pushes a changed setting and the device, on the MicroPython unix
# port, follows it without polling; against a collector without WatchConfig
# it polls GetConfig and follows the change that way. CPython only (it runs
# the collector and the device as processes).
import json
import os
import shutil
import subprocess
import sys
import threading

MPTEST_REQUIRES = ("cpython", "subprocess", "network")

import demohelp  # noqa: E402

ROOT = demohelp.ROOT


def _micropython():
    p = os.path.join(os.path.dirname(sys.executable), "micropython")
    return p if os.path.exists(p) else shutil.which("micropython")


def _run(extra_collector, device_settings, new_settings, trigger):
    """Run the device against a collector started with --settings-file; when
    the device prints `trigger`, write new_settings there.
    Returns (device output lines, summary, collector output)."""
    demohelp.need_collector_packages()
    mp = _micropython()
    if mp is None:
        from mptest import Skip

        raise Skip("needs the micropython executable (make venv)")
    work = demohelp.tempdir("watch-config-")
    settings = os.path.join(work, "settings.json")
    srv = demohelp.CollectorProc(work, lifetime_s=120, extra=[
        "--sample-interval-ms", "200", "--batch-size", "4", "--settings-file", settings, "--no-web"] + extra_collector)
    srv.start()
    try:
        s = dict(device_id="watch-1", server_url=srv.url, run_for_s=6, drain_s=10, watchdog_ms=0,
                 timeout_ms=3000, backoff_base_ms=200, backoff_max_ms=1000)
        s.update(device_settings)
        code = "import sys\nsys.path[:] = %r\nfrom telemetry_device import device\ndevice.run(None, **%r)\n" % (
            [os.path.join(ROOT, d) for d in ("lib", "firmware", "firmware/app")], s)
        proc = subprocess.Popen([mp, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        timer = threading.Timer(90, proc.kill)
        timer.start()
        lines = []
        summary = None
        pushed = False
        for ln in proc.stdout:
            lines.append(ln.rstrip())
            if not pushed and trigger in ln:
                with open(settings, "w") as f:
                    json.dump(new_settings, f)
                pushed = True
            if ln.startswith("TELEMETRY-SUMMARY "):
                summary = json.loads(ln[len("TELEMETRY-SUMMARY "):])
        proc.wait()
        timer.cancel()
    finally:
        srv.stop()
        out = srv.output()
        demohelp.rmtree(work)
    assert summary is not None, "\n".join(lines[-40:])
    return lines, summary, out


def test_device_follows_a_config_pushed_on_the_stream():
    lines, summary, log = _run([], {}, {"sample_interval_ms": 150, "batch_size": 3},
                               "config pushed: sample every 200 ms, batches of 4")
    text = "\n".join(lines)
    assert "config pushed: sample every 150 ms, batches of 3" in text, text[-3000:]
    # One GetConfig at the start; everything after came on the stream (the
    # current settings first, then the change).
    assert summary["config_calls"] == 1 and summary["configs_pushed"] >= 2, summary
    assert log.count("fetched its config") == 1, log[-3000:]
    assert "WatchConfig not available" not in text
    assert summary["made"] == summary["sent"] > 0, summary


def test_device_polls_get_config_without_watch_config():
    lines, summary, log = _run(["--no-watch-config"], {"config_poll_ms": 500},
                               {"sample_interval_ms": 150, "batch_size": 3}, "WatchConfig not available")
    text = "\n".join(lines)
    assert "WatchConfig not available" in text, text[-3000:]
    assert "config: sample every 150 ms, batches of 3" in text, text[-3000:]
    assert summary["configs_pushed"] == 0 and summary["config_calls"] >= 3, summary
    assert log.count("fetched its config") == summary["config_calls"], log[-3000:]
    assert summary["made"] == summary["sent"] > 0, summary
