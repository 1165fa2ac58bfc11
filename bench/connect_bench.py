"""Connect client benchmark: calls per second and heap per call, one run.

    python bench/connect_bench.py [--calls 500]

Starts the connect-python Echo server (host_tests/connect/servers, under
uvicorn) on 127.0.0.1, then makes the same unary call with a payload of the
W1 telemetry workload (bench/workloads/W1.bin, 530 bytes) from:

  - buffa.connect on the MicroPython unix port (keep-alive client)
  - buffa.connect on CPython (keep-alive client)
  - the official connect-python client (connectrpc, ConnectClientSync) on CPython

and prints a Markdown table. Requirements: host_tests/connect/requirements.txt.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, "host_tests", "connect"), os.path.join(ROOT, "host_tests")]

import serverproc  # noqa: E402


def payload_file():
    data_dir = os.environ.get("BUFFA_BENCH_DATA", os.path.join(ROOT, "bench", "workloads"))
    p = os.path.join(data_dir, "W1.bin")
    if os.path.exists(p):
        return p, "W1 (530 B)"
    f = tempfile.NamedTemporaryFile(suffix=".bin", delete=False)
    f.write(bytes(range(256)) * 2 + bytes(18))
    f.close()
    return f.name, "530 synthetic bytes"


def micropython_exe():
    for p in (os.environ.get("MICROPYTHON"), os.path.join(ROOT, ".venv", "bin", "micropython")):
        if p and os.path.exists(p):
            return p
    return "micropython"


def run_worker(exe, port, n, pf):
    cmd = [exe]
    if "micropython" in os.path.basename(exe):
        cmd += ["-X", "heapsize=8M"]  # room for the gc-off heap measurement
    out = subprocess.run(cmd + [os.path.join(HERE, "connect_worker.py"), str(port), str(n), pf],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("%s worker failed: %s" % (exe, out.stdout + out.stderr))
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_official(port, n, pf):
    """connectrpc's ConnectClientSync, with code from protoc-gen-connectrpc."""
    sys.path.insert(0, os.path.join(HERE, "..", "host_tests", "connect", "servers"))
    import connect_python_server as cps

    tmp = tempfile.mkdtemp(prefix="connect-bench-")
    cps.generate(tmp)
    from echosrv import echo_connect, echo_pb

    with open(pf, "rb") as f:
        payload = f.read()
    client = echo_connect.EchoServiceClientSync("http://127.0.0.1:%d" % port)
    req = echo_pb.EchoRequest(text="telemetry", payload=payload)
    for _ in range(20):
        client.echo(req)
    t0 = time.perf_counter()
    for _ in range(n):
        r = client.echo(req)
    dt = time.perf_counter() - t0
    assert r.payload == payload
    tracemalloc.start()
    peak = 0
    for _ in range(50):
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        client.echo(req)
        peak = max(peak, tracemalloc.get_traced_memory()[1] - base)
    tracemalloc.stop()
    client.close()
    return {"runtime": "cpython", "calls": n, "calls_per_s": n / dt, "heap_bytes_per_call": peak,
            "heap_measure": "peak traced heap during a call"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=500)
    args = ap.parse_args()
    pf, label = payload_file()
    rows = []
    with serverproc.connect_python(lifetime_s=600) as srv:
        rows.append(("buffa.connect", "MicroPython unix", run_worker(micropython_exe(), srv.port, args.calls, pf)))
        rows.append(("buffa.connect", "CPython %d.%d" % sys.version_info[:2],
                     run_worker(sys.executable, srv.port, args.calls, pf)))
        rows.append(("connectrpc (official)", "CPython %d.%d" % sys.version_info[:2],
                     run_official(srv.port, args.calls, pf)))
    print("Unary Echo call, payload %s, keep-alive, connect-python server under uvicorn on 127.0.0.1,"
          " %d calls each.\n" % (label, args.calls))
    print("| client | runtime | calls/s | heap per call (bytes) | heap measure |")
    print("|---|---|---:|---:|---|")
    for name, rt, r in rows:
        print("| %s | %s | %.0f | %d | %s |" % (name, rt, r["calls_per_s"], r["heap_bytes_per_call"], r["heap_measure"]))


if __name__ == "__main__":
    main()
