# `time` as a CircuitPython board has it, for the CircuitPython unix build.
#
# The unix build's `time` is MicroPython's (ticks_ms, sleep_ms, time_ns, no
# monotonic); a board's is CircuitPython's own (monotonic, monotonic_ns, no
# ticks). The test runner puts this folder first on sys.path for the
# circuitpython runtimes, so the library and the tests see a board's surface,
# as the QEMU boards get theirs from their firmware. Not part of the library.
import sys

# The built-in module is "extensible": with this file on sys.path it is found
# only when sys.path is empty.
_path = sys.path[:]
_this = sys.modules.pop("time")
del sys.path[:]
try:
    import time as _builtin
finally:
    sys.modules["time"] = _this
    sys.path.extend(_path)
del _path, _this

sleep = _builtin.sleep
time = _builtin.time
localtime = _builtin.localtime
mktime = _builtin.mktime

# A board counts from boot; this counts from import, with the built-in's
# microsecond ticks (ticks_diff keeps it right across their wrap, as long as
# it is read at least once every few minutes, which every test run does).
_ticks_us = _builtin.ticks_us
_ticks_diff = _builtin.ticks_diff
_last = _ticks_us()
_ns = 0


def monotonic_ns():
    global _last, _ns
    now = _ticks_us()
    _ns += _ticks_diff(now, _last) * 1000
    _last = now
    return _ns


def monotonic():
    return monotonic_ns() / 1000000000
