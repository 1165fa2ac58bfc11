# The serial bridge end to end on the host: the board's transport
# (buffa.connect.serial_bridge) wired to tools/serial_bridge.py in-process,
# forwarding to a real collector -- plaintext and TLS, keep-alive, damaged
# frames, the service down, a service that never answers. CPython only.
import socket
import threading
import time

from mptest import raises

MPTEST_REQUIRES = ("cpython", "subprocess", "network")

import demohelp  # noqa: E402
import serial_bridge as host  # noqa: E402  (tools/)
from buffa.connect import Client, ConnectError  # noqa: E402
from buffa.connect.serial_bridge import SerialTransport  # noqa: E402
from buffa.wkt.timestamp_pb import Timestamp  # noqa: E402
from telemetry.v1 import telemetry_pb as pb  # noqa: E402


class Wire:
    """The serial line: the board's stdout feeds the bridge, the bridge's
    writes become the board's stdin. damage(n) corrupts the n-th frame the
    board sends from now on."""

    def __init__(self, bridge_factory):
        self.to_board = []
        self.bridge = bridge_factory(self._from_host)
        self._damage = None
        self.noise = []

    def _from_host(self, data):
        self.to_board.append(data.decode())

    def damage(self, n):
        self._damage = n

    # board side
    def write(self, text):
        if self._damage is not None:
            self._damage -= 1
            if self._damage == 0:
                i = len(text) // 2
                text = text[:i] + ("Q" if text[i] != "Q" else "R") + text[i + 1:]
                self._damage = None
        for ln in text.splitlines(True):
            if not self.bridge.line(ln.encode()):
                self.noise.append(ln)

    def readline(self):
        return self.to_board.pop(0) if self.to_board else ""


def _board(upstream):
    wire = Wire(lambda w: host.Bridge(upstream, w))
    t = SerialTransport(stdin=wire, stdout=wire)
    c = Client.plaintext("http://serial-bridge", transport=t, timeout_ms=5000)
    return wire, c, pb.TelemetryServiceClient(c)


def _batch(dev, first, n):
    return pb.RecordRequest(device_id=dev, readings=[
        pb.Reading(sequence=i, time=Timestamp(seconds=1700000000 + i), sensor="t", value=1.0 * i,
                   unit=pb.Unit.UNIT_CELSIUS) for i in range(first, first + n)])


def _collector(**kw):
    demohelp.need_collector_packages()
    return demohelp.CollectorProc(demohelp.tempdir("bridge-test-"), lifetime_s=120, **kw).start()


def test_calls_through_the_bridge_keep_one_upstream_connection():
    srv = _collector()
    try:
        up = host.Upstream(srv.url)
        wire, c, svc = _board(up)
        cfg = svc.get_config(pb.GetConfigRequest(device_id="b-1"))
        assert cfg.next_sequence == 1
        for k in range(3):
            r = svc.record(_batch("b-1", 1 + 10 * k, 10))
            assert r.accepted == 10
        assert svc.get_config(pb.GetConfigRequest(device_id="b-1")).next_sequence == 31
        assert up.dials == 1 and up.exchanges == 5
        assert wire.bridge.failures == 0 and wire.bridge.bad_frames == 0
        up.close()
    finally:
        srv.stop()
        demohelp.rmtree(srv.workdir)


def test_damaged_request_frame_is_never_forwarded():
    srv = _collector()
    try:
        up = host.Upstream(srv.url)
        wire, c, svc = _board(up)
        wire.damage(2)  # the second frame of the next request
        e = raises(ConnectError, svc.record, _batch("b-2", 1, 20))
        assert e.code == "unavailable" and "damaged" in e.message, e.message
        assert up.exchanges == 0 and wire.bridge.bad_frames == 1
        # Sent again (as the device does after its backoff), it goes through whole.
        assert svc.record(_batch("b-2", 1, 20)).accepted == 20
        assert svc.get_config(pb.GetConfigRequest(device_id="b-2")).next_sequence == 21
    finally:
        srv.stop()
        demohelp.rmtree(srv.workdir)


def test_service_down_then_restarted():
    srv = _collector()
    try:
        up = host.Upstream(srv.url)
        wire, c, svc = _board(up)
        assert svc.record(_batch("b-3", 1, 5)).accepted == 5
        srv.stop()
        e = raises(ConnectError, svc.record, _batch("b-3", 6, 5))
        assert e.code == "unavailable" and "cannot connect" in e.message, e.message
        srv.start()  # same port, same database
        # The bridge's old connection is dead: it dials again by itself.
        assert svc.record(_batch("b-3", 6, 5)).accepted == 5
        assert svc.record(_batch("b-3", 1, 10)).duplicates == 10
    finally:
        srv.stop()
        demohelp.rmtree(srv.workdir)


def test_tls_upstream_verified():
    d = demohelp.tempdir("bridge-tls-")
    certs = demohelp.make_certs(d)
    srv = _collector(tls=certs)
    d2 = demohelp.tempdir("bridge-tls-other-")
    try:
        up = host.Upstream(srv.url, cafile=certs["ca"])
        wire, c, svc = _board(up)
        assert svc.record(_batch("b-4", 1, 3)).accepted == 3
        # A CA that did not sign the server's certificate: refused.
        other = demohelp.make_certs(d2)
        up2 = host.Upstream(srv.url, cafile=other["ca"])
        wire2, c2, svc2 = _board(up2)
        e = raises(ConnectError, svc2.record, _batch("b-4", 4, 3))
        assert e.code == "unavailable" and "TLS" in e.message, e.message
    finally:
        srv.stop()
        demohelp.rmtree(srv.workdir)
        demohelp.rmtree(d)
        demohelp.rmtree(d2)


def test_service_that_never_answers_hits_the_deadline():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    held = []
    stop = threading.Event()

    def accept():
        ls.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(ls.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        up = host.Upstream("http://127.0.0.1:%d" % ls.getsockname()[1])
        wire, c, svc = _board(up)
        t0 = time.monotonic()
        e = raises(ConnectError, svc.record, _batch("b-5", 1, 1), timeout_ms=1500)
        took = time.monotonic() - t0
        assert e.code == "deadline_exceeded", (e.code, e.message)
        assert took < 4, took
    finally:
        stop.set()
        t.join(2)
        for s in held:
            s.close()
        ls.close()


def test_rewrite_sets_host_and_prefix():
    up = host.Upstream("https://telemetry.example.com:8443/api")
    out = up.rewrite(b"POST /telemetry.v1.TelemetryService/Record HTTP/1.1\r\nHost: serial-bridge\r\n"
                     b"Content-Length: 2\r\n\r\nhi")
    assert out.startswith(b"POST /api/telemetry.v1.TelemetryService/Record HTTP/1.1\r\n")
    assert b"\r\nHost: telemetry.example.com:8443\r\n" in out
    assert out.endswith(b"\r\n\r\nhi")


def test_bridge_command_over_a_serial_port():
    """tools/serial_bridge.py as a user runs it, on a pseudo-terminal whose
    other end is the device app on the MicroPython unix port
    (transport "serial"): the board's console output shows through, its
    readings reach the collector."""
    import json
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import threading
    import time
    import tty

    import demo  # tools/

    srv = _collector(extra=["--sample-interval-ms", "200", "--batch-size", "5"])
    master, slave = os.openpty()
    tty.setraw(slave)
    bridge = dev = None
    try:
        mpy = demo.build_mpy(os.path.join(demo.BUILD, "demo", "mpy-unix"), with_buffa=True)
        bridge = subprocess.Popen([sys.executable, "-u", os.path.join(demohelp.TOOLS, "serial_bridge.py"),
                                   "--port", os.ttyname(slave), "--upstream", srv.url, "--duration", "60"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert bridge.stdout.readline().startswith("bridge: /dev/")  # the port is open
        cfg = dict(device_id="pty-1", transport="serial", run_for_s=3, drain_s=15, watchdog_ms=0)
        code = "import sys\nsys.path[:] = [%r]\nfrom telemetry_device import device\ndevice.run(None, **%r)\n" % (
            mpy, cfg)
        dev = subprocess.Popen([demo.tool("micropython"), "-X", "heapsize=192K", "-c", code],
                               stdin=master, stdout=master, stderr=subprocess.STDOUT)
        # The bridge's output, read as it comes: the device's last line (its
        # summary) can still be on its way through the pty when the device
        # exits, so the bridge is stopped only once it has shown it.
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(bridge.stdout), daemon=True)
        reader.start()
        dev.wait(40)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(ln.startswith("TELEMETRY-SUMMARY ") for ln in lines):
            time.sleep(0.1)
        bridge.send_signal(signal.SIGINT)
        bridge.wait(20)
        reader.join(5)
        out = "".join(lines)
        summary = [ln for ln in out.splitlines() if ln.startswith("TELEMETRY-SUMMARY ")]
        assert summary, out[-3000:]
        s = json.loads(summary[0][18:])
        assert s["made"] > 0 and s["buffered"] == 0 and s["send_failures"] == 0, out[-3000:]
        assert "telemetry: sent #1-" in out
        assert "0 failed, 0 damaged frames" in out, out[-1000:]
        db = sqlite3.connect(srv.db)
        try:
            seqs = [r[0] for r in db.execute("SELECT sequence FROM readings WHERE device='pty-1' ORDER BY 1")]
        finally:
            db.close()
        assert seqs == list(range(1, s["made"] + 1))
    finally:
        for p in (dev, bridge):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(5)
        os.close(master)
        os.close(slave)
        srv.stop()
        demohelp.rmtree(srv.workdir)
