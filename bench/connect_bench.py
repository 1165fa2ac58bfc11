"""Connect client benchmark: calls per second and heap per call, one run.

    python bench/connect_bench.py [--calls 500]

Starts the connect-python Echo server (host_tests/connect/servers, under
uvicorn) on 127.0.0.1, then makes the same unary call with a payload of the
W1 telemetry workload (bench/workloads/W1.bin, 530 bytes) from:

  - buffa.connect on the MicroPython unix port: the blocking and the asyncio
    client, each with identity and with gzip responses
  - the same four on CPython
  - the official connect-python client (connectrpc, ConnectClientSync) on CPython

and prints a Markdown table. Heap per call on MicroPython is what a call
allocates with the collector off; "beyond the response" takes away what
decoding the response body costs by itself, and for gzip responses the
inflate window too (reported on its own). The largest block is the biggest
single allocation a call made, read from MicroPython's heap map. On CPython
the figure is the peak traced heap during a call (tracemalloc).
Requirements: host_tests/connect/requirements.txt.
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


MODES = ("identity", "gzip", "aio", "aio-gzip")


def run_worker(exe, port, n, pf, mode):
    out = subprocess.run([exe, os.path.join(HERE, "connect_worker.py"), str(port), str(n), pf, mode],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("%s worker failed: %s" % (exe, out.stdout + out.stderr))
    lines = out.stdout.strip().splitlines()
    r = json.loads(lines[-1])
    if "=== heap map before" in lines:
        a = lines.index("=== heap map before")
        b = lines.index("=== heap map after")
        c = lines.index("=== end")
        r["largest_block"] = largest_new_block(lines[a + 1 : b], lines[b + 1 : c])
    return r


def _blocks(dump):
    """{block index: map character} of a micropython.mem_info(1) heap map,
    and the bytes per block."""
    rows = []
    for ln in dump:
        head, sep, cells = ln.partition(": ")
        if sep and len(head) == 8 and all(ch in "0123456789abcdef" for ch in head):
            rows.append((int(head, 16), cells.rstrip("\n")))
    # Consecutive rows are 64 blocks apart; find the block size from any two.
    bpb = 32
    for (a, _), (b, _) in zip(rows, rows[1:]):
        if b > a:
            bpb = min(bpb, (b - a) // 64) if (b - a) // 64 else bpb
    cells = {}
    for addr, row in rows:
        base = addr // bpb
        for i, ch in enumerate(row):
            cells[base + i] = ch
    return cells, bpb


def largest_new_block(before, after):
    """Bytes of the largest allocation in `after` whose head block was free in `before`."""
    b0, _ = _blocks(before)
    b1, bpb = _blocks(after)
    best = 0
    for i in sorted(b1):
        ch = b1[i]
        if ch in ".=" or b0.get(i, ".") != ".":
            continue
        k = 1
        while b1.get(i + k) == "=":
            k += 1
        best = max(best, k * bpb)
    return best


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
    py = "CPython %d.%d" % sys.version_info[:2]
    rows = []
    with serverproc.connect_python(lifetime_s=600) as srv:
        for exe, rt in ((micropython_exe(), "MicroPython unix"), (sys.executable, py)):
            for mode in MODES:
                rows.append(("buffa.connect" + (" (asyncio)" if mode.startswith("aio") else ""), rt, mode,
                             run_worker(exe, srv.port, args.calls, pf, mode)))
        off = run_official(srv.port, args.calls, pf)
        off["heap_per_call"] = off.pop("heap_bytes_per_call")
        rows.append(("connectrpc (official)", py, "gzip", off))
    print("Unary Echo call, payload %s, keep-alive, connect-python server under uvicorn on 127.0.0.1,"
          " %d calls each; responses identity or gzip as the column says.\n" % (label, args.calls))
    print("| client | runtime | response | calls/s | heap per call (B) | beyond the response (B) |"
          " inflate window (B) | largest block (B) |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name, rt, mode, r in rows:
        mp = "decode_heap" in r
        window = r.get("window_bytes", 0)
        beyond = r["heap_per_call"] - r["decode_heap"] - window if mp else None
        print("| %s | %s | %s | %.0f | %d%s | %s | %s | %s |" % (
            name, rt, "gzip" if mode.endswith("gzip") else "identity", r["calls_per_s"], r["heap_per_call"],
            "" if mp else " (peak traced)", "-" if beyond is None else beyond,
            window or "-", r.get("largest_block", "-")))
    streamed = [(name, r) for name, _, _, r in rows if "stream_heap_per_message" in r]
    if streamed:
        print("\nServer stream (Watch), the same %d-byte messages on MicroPython: heap per streamed message"
              " (a stream of 51 messages less a stream of one, over 50)." % streamed[0][1]["response_bytes"])
        print("\n| client | heap per message (B) | beyond the message (B) |")
        print("|---|---:|---:|")
        for name, r in streamed:
            h = r["stream_heap_per_message"]
            print("| %s | %d | %d |" % (name, h, h - r["decode_heap"]))
    mp_rows = [r for _, _, _, r in rows if "decode_heap" in r]
    if mp_rows:
        r = mp_rows[0]
        print("\nDecoding the %d-byte response by itself allocates %d B on MicroPython (buffa.message copies"
              " the body to bytes, then builds the message); max_response_bytes there: %d." % (
                  r["response_bytes"], r["decode_heap"], r["max_response_bytes"]))


if __name__ == "__main__":
    main()
