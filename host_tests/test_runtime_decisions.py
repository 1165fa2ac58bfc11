# Every decision the library takes about its runtime when a module loads,
# and its answer on each runtime of the test matrix. The runtime itself is
# decided in one place (buffa.wire reads sys.implementation.name, and
# buffa._runtime gives the answers); the rest are capability checks where the capability is what matters. A port that
# answers differently (CircuitPython's int has bit_length; its VM lacks the
# slice CPython's varint writer uses) fails here by name instead of deep
# inside an encode.
import sys

from mptest import requires


def _matrix_runtime():
    # which group of the matrix this is: the answers below do not depend on the heap
    name = sys.implementation.name
    if name == "cpython":
        return "cpython"
    if name == "circuitpython":
        return "circuitpython"
    return "qemu" if sys.platform == "qemu" else "unix"


def _core():
    from buffa import _runtime, message, wire
    import buffa._packed as packed

    return {
        # buffa._runtime: the answers every module imports
        "_runtime.CPYTHON": _runtime.CPYTHON,
        "_runtime.MICROPYTHON": _runtime.MICROPYTHON,
        "_runtime.CIRCUITPYTHON": _runtime.CIRCUITPYTHON,
        "_runtime.MPVM": _runtime.MPVM,
        # wire: CPython's multiply-and-slice varint writer for big values
        "wire: big varints by one multiplication": hasattr(wire, "_SPREAD"),
        # wire: text as a memoryview of the str (MicroPython) or str.encode
        "wire.utf8 is memoryview": wire.utf8 is memoryview,
        "wire.text_map (whole text maps in C)": wire.text_map is not None,
        # message: writes go through a memoryview on CPython only
        "message._view is memoryview": message._view is memoryview,
        # message: reflective methods through Message.__getattr__ (not on CPython)
        "message: Message.__getattr__": hasattr(message.Message, "__getattr__"),
        # message: object.__new__, where the port is built with CPython compatibility
        "message.new_instance is object.__new__": message.new_instance is getattr(object, "__new__", None),
        # message: struct.error, or ValueError where struct has none
        "message: struct.error exists": message._BAD_VALUE[-1] is not ValueError,
        # _packed: CPython encodes packed runs once, in the size pass
        "_packed: runs encoded in the size pass": hasattr(packed, "_Encoded"),
    }


def _connect():
    from buffa.connect import clock, compress, transport

    return {
        # transport: the socket module, or None (a socketpool must be passed)
        "transport: socket module": transport._socket is not None,
        # clock: the port's ticks_ms, or one made from a monotonic clock
        "clock: time.ticks_ms": not hasattr(clock, "_mono"),
        # compress: a bounded gzip decompressor, and a compressor
        "compress.CAN_DECOMPRESS": compress.CAN_DECOMPRESS,
        "compress.CAN_COMPRESS": compress.CAN_COMPRESS,
    }


_CORE = {
    #                                      cpython unix  circuitpython qemu
    "_runtime.CPYTHON": (True, False, False, False),
    "_runtime.MICROPYTHON": (False, True, False, True),
    "_runtime.CIRCUITPYTHON": (False, False, True, False),
    "_runtime.MPVM": (False, True, True, True),
    "wire: big varints by one multiplication": (True, False, False, False),
    "wire.utf8 is memoryview": (False, True, True, True),
    "wire.text_map (whole text maps in C)": (True, False, False, False),
    "message._view is memoryview": (True, False, False, False),
    "message: Message.__getattr__": (False, True, True, True),
    "message.new_instance is object.__new__": (True, True, True, True),
    "message: struct.error exists": (True, False, False, False),
    "_packed: runs encoded in the size pass": (True, False, False, False),
}
_CONNECT = {
    "transport: socket module": (True, True, True, False),
    # CircuitPython boards' time has monotonic_ns, no ticks_ms (host_tests/cpboard)
    "clock: time.ticks_ms": (False, True, False, True),
    "compress.CAN_DECOMPRESS": (True, True, False, True),
    "compress.CAN_COMPRESS": (True, False, False, False),
}
_PROTOJSON = {
    # float32 builds write float fields from their bits (docs/design.md 19)
    "protojson._encode._FLOAT32 (floats are float32)": (False, False, False, True),
}
_COLUMN = {"cpython": 0, "unix": 1, "circuitpython": 2, "qemu": 3}


def _check(got, table):
    col = _COLUMN[_matrix_runtime()]
    assert sorted(got) == sorted(table), "decisions listed here and pinned differ"
    wrong = []
    for k in sorted(got):
        want = table[k][col]
        if got[k] != want:
            wrong.append("%s: %r, pinned %r" % (k, got[k], want))
    assert not wrong, "%s: %s" % (_matrix_runtime(), "; ".join(wrong))


def test_core_runtime_decisions():
    _check(_core(), _CORE)


def test_connect_runtime_decisions():
    _check(_connect(), _CONNECT)


def test_protojson_runtime_decisions():
    from buffa.protojson import _encode

    _check({"protojson._encode._FLOAT32 (floats are float32)": _encode._FLOAT32}, _PROTOJSON)


@requires("cpython")
def test_the_runtime_is_named_only_in_buffa_runtime():
    # A new decision elsewhere shows up here, to be moved to buffa._runtime
    # (or made a capability check) and pinned above. A host check: it reads
    # the library's source. The package reads sys.implementation.name once,
    # for buffa._runtime (the first module loaded; see there).
    import os

    lib = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
    found = []
    for top, _, files in os.walk(lib):
        for f in files:
            if f.endswith(".py") and os.path.relpath(os.path.join(top, f), lib) != os.path.join("buffa", "__init__.py"):
                with open(os.path.join(top, f)) as fh:
                    text = fh.read()
                for probe in ("sys.implementation", "hasattr(int,"):
                    if probe in text:
                        found.append("%s: %s" % (os.path.relpath(os.path.join(top, f), lib), probe))
    assert found == [], found
