# Which runtime this is, for every module of the library: CPYTHON,
# MICROPYTHON, CIRCUITPYTHON and MPVM, all from the implementation name,
# which the package reads once (buffa/__init__.py).
#
# Modules branch on these names rather than on feature probes: another port
# answers a probe differently. CircuitPython's int has bit_length, yet its VM
# is MicroPython's and lacks the slice steps CPython's code path uses.
# Where a capability itself is what matters (a module or function a port may
# be built without: zlib.decompressobj, time.ticks_ms, object.__new__), the
# module checks that capability where it uses it.
from buffa import CPYTHON, IMPLEMENTATION

MICROPYTHON = IMPLEMENTATION == "micropython"
CIRCUITPYTHON = IMPLEMENTATION == "circuitpython"
# MicroPython's VM and its built-in modules (socket, asyncio's design, the
# errno-only OSError): MicroPython, and CircuitPython, which is built on it.
MPVM = MICROPYTHON or CIRCUITPYTHON
