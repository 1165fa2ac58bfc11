# Tests of the test helpers themselves (mptest) and of how each runtime
# behaves where the library cares: ints, floats, bytes. Runs everywhere.
import struct
import sys

from mptest import FEATURES, Skip, raises, requires, read_data


def _boom(x, kind=ValueError):
    raise kind("boom %d" % x)


def test_raises_returns_the_exception():
    e = raises(ValueError, _boom, 3)
    assert isinstance(e, ValueError)
    assert e.args[0] == "boom 3"


def test_raises_accepts_a_subclass_and_tuple():
    assert isinstance(raises(Exception, _boom, 1), ValueError)
    assert isinstance(raises((KeyError, ValueError), _boom, 1), ValueError)


def test_raises_fails_when_nothing_raised():
    e = raises(AssertionError, raises, ValueError, lambda: None)
    assert "nothing was raised" in str(e)


def test_raises_fails_on_another_type():
    e = raises(AssertionError, raises, KeyError, _boom, 2, kind=TypeError)
    assert "TypeError" in str(e)


def test_requires_rejects_unknown_feature():
    raises(ValueError, requires, "no-such-feature")


def test_skip_is_reported():
    raise Skip("this test always skips: checks that skips are reported")


@requires("cpython")
def test_only_cpython():
    assert sys.implementation.name == "cpython"


@requires("micropython")
def test_only_micropython():
    assert sys.implementation.name in ("micropython", "circuitpython")
    import micropython

    assert micropython.const(3) == 3


def test_features_are_consistent():
    assert ("cpython" in FEATURES) != ("micropython" in FEATURES)
    assert ("circuitpython" in FEATURES) == (sys.implementation.name == "circuitpython")
    if "doubles" in FEATURES:
        assert 1.0 + 2.0 ** -40 != 1.0


def test_float32_roundtrip():
    # Every runtime (float32 boards too) must pack and unpack IEEE binary32.
    for v in (0.0, 1.0, -2.5, 0.15625, 3.4028234663852886e38, 1.401298464324817e-45):
        b = struct.pack("<f", v)
        assert len(b) == 4
        assert struct.unpack("<f", b)[0] == struct.unpack("<f", struct.pack("<f", struct.unpack("<f", b)[0]))[0]
    assert struct.pack("<f", 1.0) == b"\x00\x00\x80\x3f"
    assert struct.unpack("<f", b"\x00\x00\xc0\x7f")[0] != struct.unpack("<f", b"\x00\x00\xc0\x7f")[0]  # NaN
    assert struct.unpack("<f", b"\x00\x00\x80\x7f")[0] == float("inf")


@requires("doubles")
def test_double_precision():
    assert 1.0 + 2.0 ** -52 != 1.0
    assert struct.unpack("<d", struct.pack("<d", 0.1))[0] == 0.1


def test_doubles_pack_on_every_runtime():
    # float32 boards still pack and unpack "<d" (with float32 precision).
    assert struct.pack("<d", 1.0) == b"\x00\x00\x00\x00\x00\x00\xf0\x3f"
    assert struct.unpack("<d", struct.pack("<d", 0.5))[0] == 0.5


def test_big_ints():
    # 64-bit values need big ints on 32-bit boards (MPZ long ints).
    x = (1 << 64) - 1
    assert x == 18446744073709551615
    assert x.to_bytes(8, "little") == b"\xff" * 8
    assert int.from_bytes(b"\xff" * 8, "little") == x
    assert -(1 << 63) == -9223372036854775808
    assert (x >> 7) & 0x7F == 0x7F


def test_bytes_and_memoryview():
    b = bytearray(b"abcdef")
    m = memoryview(b)
    assert bytes(m[1:3]) == b"bc"
    m[0] = 0x41
    assert b == bytearray(b"Abcdef")
    assert b"\xe2\x82\xac".decode() == "\u20ac"


@requires("filesystem")
def test_data_file_beside_the_test():
    assert read_data(__file__, "infra/sample.bin") == b"buffa\x00\x01\xff"


@requires("network")
def test_loopback_socket():
    import socket

    srv = socket.socket()
    try:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(socket.getaddrinfo("127.0.0.1", 0)[0][-1])
        srv.listen(1)
    finally:
        srv.close()


@requires("bigheap")
def test_big_allocation():
    b = bytearray(512 * 1024)
    assert len(b) == 512 * 1024


@requires("circuitpython")
def test_circuitpython_runs_the_library_from_its_own_mpy_files():
    # circuitpython-small loads the library from .mpy files made by
    # CircuitPython's mpy-cross, which start with "C" (MicroPython's: "M").
    import buffa.wire

    path = buffa.wire.__file__
    if not path.endswith(".mpy"):
        raise Skip("the library is compiled from source on this runtime")
    with open(path, "rb") as f:
        head = f.read(4)
    assert head[0:1] == b"C", head
    assert head[1] == sys.implementation._mpy & 0xFF, (head, sys.implementation._mpy)
