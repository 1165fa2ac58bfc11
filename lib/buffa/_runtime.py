# Which runtime this is, decided in one place, by sys.implementation.name.
#
# Modules branch on these names rather than on feature probes: another port
# answers a probe differently. CircuitPython's int has bit_length, yet its VM
# is MicroPython's and lacks the slice steps CPython's code path uses.
# Where a capability itself is what matters (a module or function a port may
# be built without: zlib.decompressobj, time.ticks_ms, object.__new__), the
# module checks that capability where it uses it.
import sys

_name = sys.implementation.name

CPYTHON = _name == "cpython"
MICROPYTHON = _name == "micropython"
CIRCUITPYTHON = _name == "circuitpython"
# MicroPython's VM and its built-in modules (socket, asyncio's design, the
# errno-only OSError): MicroPython, and CircuitPython, which is built on it.
MPVM = MICROPYTHON or CIRCUITPYTHON
