# One side of bench/connect_bench.py: the buffa.connect keep-alive client
# making N unary calls to the Echo server, on whichever runtime runs this
# file (CPython or the MicroPython unix port). Prints one JSON line last.
#
#   python|micropython bench/connect_worker.py PORT N PAYLOAD_FILE MODE
#
# MODE: identity   blocking client, responses uncompressed (accept_compression=False)
#       gzip       blocking client, responses gzip-compressed (accept_compression=True)
#       aio        asyncio client, responses uncompressed
#       aio-gzip   asyncio client, responses gzip-compressed
#
# With identity and aio, also the heap per streamed message of a
# server-streaming call (Watch) on MicroPython.
#
# Heap per call on MicroPython: bytes allocated by one call with the
# collector off (gc.mem_alloc() deltas, averaged over M calls). Next to it:
# what decoding the response body costs on its own (the client decodes from
# its receive buffer, as here), and for gzip the inflate window. On MicroPython
# the heap map (micropython.mem_info(1)) is printed before and after one call
# so that connect_bench.py can find the largest block the call allocated.
# On CPython: the peak traced heap (tracemalloc) during a call.
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


M = int(__import__("os").getenv("BM") or 10)  # calls per heap measurement
MICROPYTHON = sys.implementation.name == "micropython"


def heap_of(fn):
    """Bytes allocated per call of fn(), collector off (MicroPython)."""
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    for _ in range(M):
        fn()
    n = (gc.mem_alloc() - a) // M
    gc.enable()
    return n


def heap_map(fn):
    """Print the heap map around one call of fn() (MicroPython)."""
    import micropython

    gc.collect()
    gc.disable()
    print("=== heap map before")
    micropython.mem_info(1)
    fn()
    print("=== heap map after")
    micropython.mem_info(1)
    print("=== end")
    gc.enable()


def traced_peak(fn):
    import tracemalloc

    tracemalloc.start()
    peak = 0
    for _ in range(M):
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = max(peak, tracemalloc.get_traced_memory()[1] - base)
    tracemalloc.stop()
    return peak


def main():
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    sys.path[:0] = [here + "/../lib", here + "/../host_tests/connect"]
    port, n, payload_file, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with open(payload_file, "rb") as f:
        payload = f.read()
    import echo_pb
    from buffa.connect import compress

    url = "http://127.0.0.1:%d" % port
    gzip = mode.endswith("gzip")
    opts = {"timeout_ms": 10000, "accept_compression": gzip}
    req = echo_pb.EchoRequest(text="telemetry", payload=payload)
    out = {"runtime": sys.implementation.name, "mode": mode, "calls": n}
    if mode.startswith("aio"):
        import asyncio
        from buffa.connect import aio

        client = aio.Client.plaintext(url, **opts)
        asyncio.run(run_aio(client, echo_pb.EchoServiceClient(client), req, n, out))
    else:
        from buffa.connect import Client

        client = Client.plaintext(url, **opts)
        run_sync(client, echo_pb.EchoServiceClient(client), req, n, out)
    cfg = client._cfg
    out["max_response_bytes"] = cfg.max_response_bytes
    if gzip and MICROPYTHON:
        # The window inflating this response took (sized to the response).
        out["window_bytes"] = compress.window_bytes(min(out["response_bytes"], cfg.max_response_bytes))
    print(json.dumps(out))


def _decode_cost(out, resp):
    body = memoryview(bytearray(resp.encode()))
    out["response_bytes"] = len(body)
    out["decode_heap"] = heap_of(lambda: type(resp).decode(body))


STREAM_N = 50  # messages in the long stream of the per-message measurement


def _stream_heap(out, consume):
    """Heap per streamed message: a stream of STREAM_N + 1 messages less a
    stream of one, over STREAM_N (the per-stream costs cancel out)."""
    one = heap_of(lambda: consume(1))
    many = heap_of(lambda: consume(STREAM_N + 1))
    out["stream_heap_per_message"] = (many - one) // STREAM_N


def run_sync(client, svc, req, n, out):
    for _ in range(20):  # warm up: connection, imports, server caches
        r = svc.echo(req)
    t0 = ticks_us()
    for _ in range(n):
        r = svc.echo(req)
    us = ticks_diff(ticks_us(), t0)
    assert r.payload == req.payload
    out["calls_per_s"] = n * 1e6 / us
    if MICROPYTHON:
        out["heap_per_call"] = heap_of(lambda: svc.echo(req))
        _decode_cost(out, r)
        heap_map(lambda: svc.echo(req))
        if out["mode"] == "identity":
            def consume(k):
                for m in svc.watch(type(req)(text="s", payload=req.payload, repeat=k)):
                    pass

            _stream_heap(out, consume)
    else:
        out["heap_per_call"] = traced_peak(lambda: svc.echo(req))
    client.close()


async def run_aio(client, svc, req, n, out):
    for _ in range(20):
        r = await svc.echo(req)
    t0 = ticks_us()
    for _ in range(n):
        r = await svc.echo(req)
    us = ticks_diff(ticks_us(), t0)
    assert r.payload == req.payload
    out["calls_per_s"] = n * 1e6 / us
    if MICROPYTHON:
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        for _ in range(M):
            await svc.echo(req)
        out["heap_per_call"] = (gc.mem_alloc() - a) // M
        gc.enable()
        _decode_cost(out, r)
        if out["mode"] == "aio":
            await _aio_stream_heap(out, svc, req)
        import micropython

        gc.collect()
        gc.disable()
        print("=== heap map before")
        micropython.mem_info(1)
        await svc.echo(req)
        print("=== heap map after")
        micropython.mem_info(1)
        print("=== end")
        gc.enable()
    else:
        import tracemalloc

        tracemalloc.start()
        peak = 0
        for _ in range(M):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            await svc.echo(req)
            peak = max(peak, tracemalloc.get_traced_memory()[1] - base)
        tracemalloc.stop()
        out["heap_per_call"] = peak
    await client.close()


async def _aio_stream_heap(out, svc, req):
    async def consume(k):
        async for m in svc.watch(type(req)(text="s", payload=req.payload, repeat=k)):
            pass

    sizes = []
    for k in (1, STREAM_N + 1):
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        for _ in range(M):
            await consume(k)
        sizes.append((gc.mem_alloc() - a) // M)
        gc.enable()
    out["stream_heap_per_message"] = (sizes[1] - sizes[0]) // STREAM_N


main()
