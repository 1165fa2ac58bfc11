# Cost of a call to a bytecode function whose frame fits MicroPython's
# 11-word on-stack limit (f8) against one that does not (f12) and is
# allocated on the heap at every call. Run on any MicroPython:
#   micropython bench/profile/frames.py
import time


def f8(a, b, c, d):
    x = a + b
    y = x + c
    z = y + d
    w = z + a
    return w


def f12(a, b, c, d):
    x = a + b
    y = x + c
    z = y + d
    w = z + a
    x1 = w + 1
    x2 = x1 + 1
    x3 = x2 + 1
    x4 = x3 + 1
    return x4


def per_call_us(f, n=100000):
    t0 = time.ticks_us()
    for _ in range(n):
        f(1, 2, 3, 4)
    return time.ticks_diff(time.ticks_us(), t0) / n


best = {}
for _ in range(5):
    for f in (f8, f12):
        t = per_call_us(f)
        best[f.__name__] = min(t, best.get(f.__name__, t))
print("f8 %.3f us, f12 %.3f us per call: %.1fx" % (best["f8"], best["f12"], best["f12"] / best["f8"]))
