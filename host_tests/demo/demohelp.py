# Helpers for the CPython-only demo tests: the collector in a subprocess,
# throwaway TLS certificates. Not imported on MicroPython.
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(ROOT, "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)


def need_collector_packages():
    from mptest import Skip

    try:
        import connectrpc  # noqa: F401
        import protoc_gen_connectrpc  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise Skip("needs %s: pip install -r tools/collector/requirements.txt (make demo-deps)" % e.name)


class CollectorProc:
    """tools/collector/collector.py on 127.0.0.1, a free port, its own database."""

    def __init__(self, workdir, port=0, tls=None, extra=(), lifetime_s=300):
        self.workdir = workdir
        self.db = os.path.join(workdir, "telemetry.db")
        self.portfile = os.path.join(workdir, "port")
        self.log = os.path.join(workdir, "collector.log")
        self.port = port
        self.tls = tls
        self.extra = list(extra)
        self.lifetime_s = lifetime_s
        self.proc = None

    def start(self, timeout=60):
        if os.path.exists(self.portfile):
            os.remove(self.portfile)
        cmd = [sys.executable, os.path.join(TOOLS, "collector", "collector.py"), "--db", self.db,
               "--port", str(self.port), "--port-file", self.portfile, "--lifetime-s", str(self.lifetime_s)]
        if self.tls:
            cmd += ["--tls", self.tls["cert"], self.tls["key"]]
        cmd += self.extra
        self._logf = open(self.log, "a")
        self.proc = subprocess.Popen(cmd, stdout=self._logf, stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.portfile):
                with open(self.portfile) as f:
                    self.port = int(f.read().split()[0])
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError("collector did not start:\n" + self.output())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        p, self.proc = self.proc, None
        if p is not None:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            self._logf.close()

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)


def tempdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def rmtree(d):
    shutil.rmtree(d, ignore_errors=True)


def make_certs(d):
    """A throwaway CA and a server certificate for 127.0.0.1 (openssl CLI)."""
    from mptest import Skip

    if shutil.which("openssl") is None:
        raise Skip("needs the openssl command")
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)  # noqa: E731
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-days", "2", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=telemetry-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost")
    run("openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", "srv.pem", "-extfile", "san.ext")
    return {"ca": os.path.join(d, "ca.pem"), "cert": os.path.join(d, "srv.pem"), "key": os.path.join(d, "srv.key")}


RECORDING_ABOUT = (
    "Recorded from `make demo` on the MicroPython unix port (a 10 s collector outage 12 s in): each batch as "
    "the collector received it. Times are relative to the first batch's arrival: received_s in seconds, each "
    "reading's made time in milliseconds. Reading: [sequence, made_ms, sensor, value, unit]."
)


def save_recording(db, device, path):
    """Write a run stored in the collector database db (a `make demo` run's
    build/demo/telemetry.db) as a recording that load_recording reads: how
    host_tests/demo/recorded_outage.json is made."""
    import json
    import sqlite3

    sys.path.insert(0, os.path.join(TOOLS, "collector"))
    try:
        from store import STATUS_FIELDS
    finally:
        sys.path.pop(0)
    con = sqlite3.connect(db)
    try:
        batches = con.execute("SELECT received, first_seq, last_seq, " + ", ".join(STATUS_FIELDS)
                              + " FROM batches WHERE device = ? ORDER BY id", (device,)).fetchall()
        readings = con.execute("SELECT sequence, seconds, nanos, sensor, value, unit FROM readings"
                               " WHERE device = ? ORDER BY sequence", (device,)).fetchall()
    finally:
        con.close()
    t0 = batches[0][0]
    out = []
    for received, first, last, *status in batches:
        rows = [[seq, round((sec + ns / 1e9 - t0) * 1000), sensor, value, unit]
                for seq, sec, ns, sensor, value, unit in readings if first <= seq <= last]
        out.append({"received_s": round(received - t0, 3), "status": dict(zip(STATUS_FIELDS, status)),
                    "readings": rows})
    with open(path, "w") as f:  # a batch a line
        f.write('{\n "about": %s,\n "device": %s,\n "batches": [\n' % (json.dumps(RECORDING_ABOUT), json.dumps(device)))
        f.write(",\n".join(json.dumps(b, separators=(",", ":")) for b in out))
        f.write("\n ]\n}\n")


def load_recording(db, path, end=None):
    """Store a recorded run (recorded_outage.json) in the collector database
    db as if it had arrived live, its last batch at `end` (unix seconds,
    default now). Returns (device, first arrival, last arrival)."""
    import json

    sys.path.insert(0, os.path.join(TOOLS, "collector"))
    try:
        from store import Store
    finally:
        sys.path.pop(0)
    with open(path) as f:
        rec = json.load(f)
    batches = rec["batches"]
    t0 = (time.time() if end is None else end) - batches[-1]["received_s"]
    store = Store(db)
    try:
        for b in batches:
            rows = []
            for seq, made_ms, sensor, value, unit in b["readings"]:
                t = t0 + made_ms / 1000
                rows.append((seq, int(t // 1), int(t % 1 * 1e9), sensor, value, unit))
            store.record(rec["device"], rows, b["status"], received=t0 + b["received_s"])
    finally:
        store.close()
    return rec["device"], t0, t0 + batches[-1]["received_s"]
