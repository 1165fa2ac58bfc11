# The native (viper) sint32 loops in lib/buffa_viper.py must give exactly
# what the Python loops in buffa.wire (buffa._packed) give, including where they hand a run
# back to Python (varints longer than five bytes or wider than 32 bits,
# truncation). Where there is no native emitter only the Python loops run,
# and are checked against a reference encoder written here.
from buffa import wire
from mptest import raises

# wire's packed helpers live in buffa._packed (loaded through wire's
# __getattr__); its globals are what the helpers see.
from buffa import _packed


def _ref_encode(values):
    out = bytearray()
    for v in values:
        z = ((v << 1) ^ (v >> 31)) & 0xFFFFFFFF
        while z > 0x7F:
            out.append((z & 0x7F) | 0x80)
            z >>= 7
        out.append(z)
    return bytes(out)


def _values():
    # deterministic: edges plus an LCG walk over the int32 range
    vals = [0, -1, 1, 63, -64, 64, -65, 8191, -8192, 8192, 1048575, -1048576,
            134217727, -134217728, 2147483647, -2147483648]
    x = 12345
    for _ in range(200):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        vals.append((x >> (x & 15)) * (1 if x & 1 else -1))
    return vals


def _python_only(fn):
    saved = _packed._zz32_size, _packed._zz32_put, _packed._zz32_get
    _packed._zz32_size = _packed._zz32_put = _packed._zz32_get = None
    try:
        return fn()
    finally:
        _packed._zz32_size, _packed._zz32_put, _packed._zz32_get = saved


def _encode(vals):
    n = wire.packed_size(vals, wire.SINT32)
    buf = bytearray(n)
    assert wire.put_packed(buf, 0, vals, wire.SINT32) == n
    return bytes(buf)


def _decode(data):
    out = []
    assert wire.packed_varint(data, 0, len(data), out, wire.sint32) == len(data)
    return out


def test_packed_sint32_encodes_like_the_reference():
    vals = _values()
    ref = _ref_encode(vals)
    assert _encode(vals) == ref
    assert _python_only(lambda: _encode(vals)) == ref


def test_packed_sint32_decodes_back_on_both_paths():
    vals = _values()
    data = _ref_encode(vals)
    assert _decode(data) == vals
    assert _python_only(lambda: _decode(data)) == vals


def test_overlong_and_wide_varints_match_the_python_path():
    # 1 as a six-byte varint, then a 5-byte varint with bits above 32 (kept
    # as its low 32 bits, as Google's parsers do), then 3
    data = b"\x82\x80\x80\x80\x80\x00" + b"\xff\xff\xff\xff\x7f" + b"\x06"
    native = _decode(data)
    assert native == _python_only(lambda: _decode(data))
    assert native[0] == 1 and native[-1] == 3


def test_truncated_run_raises_decode_error_on_both_paths():
    data = b"\x02\x80"
    raises(wire.DecodeError, _decode, data)
    raises(wire.DecodeError, lambda: _python_only(lambda: _decode(data)))


def test_native_loops_are_used_where_the_port_has_viper():
    import sys

    if sys.implementation.name == "cpython":
        assert wire._zz32_get is None
        return
    try:
        import micropython

        exec("@micropython.viper\ndef f() -> int:\n    return 1")
        has_viper = True
    except Exception:
        has_viper = False
    # a board without viper, or a .mpy runtime that does not ship the native
    # module, falls back; one with viper and the module must use it
    try:
        import buffa_viper  # noqa: F401

        shipped = True
    except Exception:
        shipped = False
    assert (wire._zz32_get is not None) == (has_viper and shipped)


def test_packed_sint64_python_loops_match_the_reference():
    # sint64 runs always take the Python loops, which size by comparing
    # the value itself against the zigzag byte boundaries.
    vals = [0, -1, 1, 63, -64, 64, -65, 8191, -8192, 8192, -8193,
            2 ** 40, -(2 ** 40), 2 ** 63 - 1, -(2 ** 63)]
    out = bytearray()
    for v in vals:
        z = ((v << 1) ^ (v >> 63)) & 0xFFFFFFFFFFFFFFFF
        while z > 0x7F:
            out.append((z & 0x7F) | 0x80)
            z >>= 7
        out.append(z)
    n = wire.packed_size(vals, wire.SINT64)
    assert n == len(out)
    buf = bytearray(n)
    assert wire.put_packed(buf, 0, vals, wire.SINT64) == n
    assert bytes(buf) == bytes(out)
