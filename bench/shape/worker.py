# MicroPython-side worker for bench/shape/run.py: measures one code shape.
#   micropython worker.py <shape> <dir> <data dir>
import gc
import sys

shape, where, data = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path[:0] = [where]
gc.collect()
h0 = gc.mem_alloc()
import buffa  # noqa: E402,F401

if shape == "table":
    import tablecodec as T
import bench_pb as B  # noqa: E402

gc.collect()
heap = gc.mem_alloc() - h0

from time import ticks_us, ticks_diff  # noqa: E402


def rate(fn, arg, ms=150):
    n = 0
    t0 = ticks_us()
    while True:
        for _ in range(10):
            fn(arg)
        n += 10
        dt = ticks_diff(ticks_us(), t0)
        if dt > ms * 1000:
            return n * 1e6 / dt


out = {"heap": heap}
for w, M in (("W1", B.SensorBatch), ("W2", B.LogBatch), ("W3", B.Samples)):
    raw = open(data + "/" + w + ".bin", "rb").read()
    if shape == "table":
        dec = lambda d, M=M: T.decode_msg(M, d)  # noqa: E731
        enc = T.encode
    else:
        dec = M.decode
        enc = lambda m: m.encode()  # noqa: E731
    m = dec(raw)
    assert dec(enc(m)) == m
    out[w] = (max(rate(dec, raw) for _ in range(5)), max(rate(enc, m) for _ in range(5)))
print(out)
