# One side of bench/connect_bench.py: the buffa.connect keep-alive client
# making N unary calls to the Echo server, on whichever runtime runs this
# file (CPython or the MicroPython unix port). Prints one JSON line.
#
#   python|micropython bench/connect_worker.py PORT N PAYLOAD_FILE
import sys
import gc
import json

try:
    from time import ticks_us, ticks_diff
except ImportError:
    from time import perf_counter_ns

    def ticks_us():
        return perf_counter_ns() // 1000

    def ticks_diff(a, b):
        return a - b


def main():
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    sys.path[:0] = [here + "/../lib", here + "/../host_tests/connect"]
    port, n, payload_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(payload_file, "rb") as f:
        payload = f.read()
    from buffa.connect import Client
    import echo_pb

    svc = echo_pb.EchoServiceClient(Client.plaintext("http://127.0.0.1:%d" % port, timeout_ms=10000))
    req = echo_pb.EchoRequest(text="telemetry", payload=payload)
    for _ in range(20):  # warm up: connection, imports, server caches
        svc.echo(req)
    t0 = ticks_us()
    for _ in range(n):
        r = svc.echo(req)
    us = ticks_diff(ticks_us(), t0)
    assert r.payload == payload
    out = {"runtime": sys.implementation.name, "calls": n, "calls_per_s": n * 1e6 / us}
    # Heap per call: bytes allocated by one call, measured with the
    # collector off (MicroPython), or the peak traced heap of one call (CPython).
    m = 10
    if hasattr(gc, "mem_alloc"):
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        for _ in range(m):
            svc.echo(req)
        out["heap_bytes_per_call"] = (gc.mem_alloc() - a) // m
        out["heap_measure"] = "allocated per call, gc off"
        gc.enable()
    else:
        import tracemalloc

        tracemalloc.start()
        peak = 0
        for _ in range(m):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            svc.echo(req)
            peak = max(peak, tracemalloc.get_traced_memory()[1] - base)
        tracemalloc.stop()
        out["heap_bytes_per_call"] = peak
        out["heap_measure"] = "peak traced heap during a call"
    print(json.dumps(out))


main()
