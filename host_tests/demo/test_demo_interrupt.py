# `make demo DEMO_ARGS=--run-on` stopped with Ctrl-C, as docs/demo.md says:
# SIGINT to the whole process group (what the terminal sends) once the
# device has sent a few batches. The demo prints its summary and exits 0:
# readings the device still held are counted as held, not lost. CPython
# only (it runs the demo's processes).
import json
import os
import signal
import subprocess
import sys
import time

MPTEST_REQUIRES = ("cpython", "subprocess", "network")

import demohelp  # noqa: E402

DEMO = os.path.join(demohelp.TOOLS, "demo.py")


def test_ctrl_c_on_run_on_prints_the_summary_and_exits_0():
    demohelp.need_collector_packages()
    work = demohelp.tempdir("demo-int-")
    out = os.path.join(work, "result.json")
    cmd = [sys.executable, "-u", DEMO, "--run-on", "--outage-for", "0", "--workdir", work, "--json", out]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    log = []
    try:
        deadline = time.monotonic() + 120
        sent = 0
        for ln in p.stdout:
            log.append(ln)
            sent += "sent" in ln and ln.startswith("device")
            if sent >= 3 or time.monotonic() > deadline:
                break
        assert sent >= 3, "".join(log)[-3000:]
        os.killpg(p.pid, signal.SIGINT)
        log += p.stdout.readlines()
        rc = p.wait(60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    text = "".join(log)
    with open(out) as f:
        res = json.load(f)
    demohelp.rmtree(work)
    assert rc == 0, text[-3000:]
    assert "result: every reading stored once" in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert res["ok"] and res["missing"] == 0 and res["stored"] > 0, res
    assert res["made"] == res["stored"] + res["held_on_device"], res
