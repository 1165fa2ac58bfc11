# Millisecond deadlines that work on every runtime.
#
# MicroPython's ticks_ms wraps around (and stays a small int, so no heap
# allocation on boards); ticks_diff handles the wrap. CPython and
# CircuitPython builds without ticks_ms get a monotonic-clock equivalent.
import time

try:
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
    ticks_add = time.ticks_add
except AttributeError:
    try:
        _mono = time.monotonic_ns

        def ticks_ms():
            return _mono() // 1000000

    except AttributeError:  # CircuitPython without monotonic_ns
        _mono = time.monotonic

        def ticks_ms():
            return int(_mono() * 1000)

    def ticks_diff(a, b):
        return a - b

    def ticks_add(a, b):
        return a + b


def deadline_after(ms):
    """An absolute deadline `ms` from now, or None for no deadline."""
    if ms is None:
        return None
    # MicroPython's ticks_add takes at most half the tick period (~6 days);
    # a longer deadline is no deadline in practice.
    ms = int(ms)
    if ms > 0x1FFFFFFF:
        ms = 0x1FFFFFFF
    return ticks_add(ticks_ms(), ms)


def remaining_ms(deadline):
    """Milliseconds left before `deadline` (negative once passed); None if none."""
    if deadline is None:
        return None
    return ticks_diff(deadline, ticks_ms())
