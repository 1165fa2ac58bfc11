# Timing shared by the benchmark drivers that run their workers on the
# MicroPython unix port and CPython (json_bench.py, views_bench.py): a
# CPU-time clock on both, and the calibrated median of timed runs.
import sys

MP = sys.implementation.name == "micropython"

if MP:
    from time import ticks_us

    def _schedstat():
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[0])

    try:
        _schedstat()

        def clock():
            return _schedstat() / 1e9

    except Exception:

        def clock():
            return ticks_us() / 1e6

else:
    from time import thread_time as clock


def calibrate(fn, target):
    # How many calls of fn take about target seconds.
    n = 1
    while True:
        t0 = clock()
        for _ in range(n):
            fn()
        dt = clock() - t0
        if dt >= target / 4:
            return max(1, int(n * target / dt))
        n *= 2


def timed(fn, target, runs):
    # Calibrate n so that one run takes ~target s, then the median ops/s.
    import gc

    n = calibrate(fn, target)
    res = []
    for _ in range(runs):
        gc.collect()
        t0 = clock()
        for _ in range(n):
            fn()
        dt = clock() - t0
        res.append(n / dt if dt > 0 else 0.0)
    res.sort()
    return res[len(res) // 2], res
