# Encoding map<string, string|bytes> fields: CPython writes them whole
# (buffa._textmap), MicroPython entry by entry in the generated code. Both
# must give the bytes a plain reference encoder gives, at every length
# boundary, and encoded_size() must agree with what encode() writes.
from mptest import raises, requires
import buffa
from maps_values_pb import Values
from maps_closed_pb import Proto2Maps
from pbtestutil import varint


# tags: Values.v_string (20) and v_bytes (21) take two bytes, Proto2Maps.lax (2) one
_V_STRING = 20 << 3 | 2
_V_BYTES = 21 << 3 | 2
_LAX = 2 << 3 | 2


def _ld(tag, data):
    return varint(tag) + varint(len(data)) + bytes(data)


def _entry(tag, k, x):
    # one map entry: key field 1, value field 2, both always written
    if type(k) is str:
        k = k.encode("utf-8")
    if type(x) is str:
        x = x.encode("utf-8")
    return _ld(tag, _ld(10, k) + _ld(18, x))


def _check(m, want):
    got = m.encode()
    assert got == want, (len(got), len(want))
    assert m.encoded_size() == len(want)
    buf = bytearray(len(want) + 3)
    assert m.encode_into(buf, 3) == len(buf)
    assert bytes(buf[3:]) == want


# entry payload = 4 + key + value bytes while both are under 128: an entry of
# 127 bytes has a one-byte length, one of 128 a two-byte length
_SIZES = ((0, 0), (1, 1), (0, 123), (0, 124), (60, 63), (60, 64), (127, 0), (128, 0), (0, 127), (0, 128), (200, 300))


def test_string_values_at_every_length_boundary():
    for a, b in _SIZES:
        k = "k" * a
        x = "v" * b
        _check(Values(v_string={k: x}), _entry(_V_STRING, k, x))


@requires("bigheap")  # several copies of a 16 KiB value
def test_long_values_take_two_and_three_length_bytes():
    for n in (16383 - 6, 16383 - 5, 16384):
        x = "x" * n
        _check(Values(v_string={"k": x}), _entry(_V_STRING, "k", x))


def test_non_ascii_text_is_sized_by_its_utf8_bytes():
    for k, x in (("é", "ü"), ("ключ", "значение" * 20), ("k", "\U0001f600" * 31), ("\U0001f600" * 32, "")):
        _check(Values(v_string={k: x}), _entry(_V_STRING, k, x))
    # 2-byte characters around the 127/128-byte entry boundary
    for a, b in ((30, 31), (30, 32), (61, 0), (62, 0), (0, 62)):
        k = "é" * a
        x = "ü" * b
        _check(Values(v_string={k: x}), _entry(_V_STRING, k, x))


def test_a_map_of_short_long_and_non_ascii_entries_gives_the_reference_bytes():
    v = {"a": "1", "é" * 70: "x", "k": "v" * 130, "ключ": "значение", "": ""}
    want = b"".join(_entry(_V_STRING, k, v[k]) for k in v)  # the map's own order
    _check(Values(v_string=v), want)


class _Text(str):
    # formats and prints as something else, as a (str, Enum) member does
    def __format__(self, spec):
        return "formatted"

    def __str__(self):
        return "printed"


@requires("cpython")  # MicroPython calls no __format__ or __str__ of a str subclass here
def test_str_subclass_keys_and_values_are_written_as_their_text():
    k = _Text("key")
    x = _Text("value")
    _check(Values(v_string={k: x}), _entry(_V_STRING, "key", "value"))


@requires("cpython")  # MicroPython str cannot be checked for lone surrogates
def test_lone_surrogates_raise_encode_error():
    # the CPython encoder escapes its own tag and length bytes as surrogates:
    # a caller's surrogate must never pass as one of them
    for k, x in (("\udc80", "v"), ("k", "\udcff"), ("k" * 130, "\ud800")):
        raises(buffa.EncodeError, Values(v_string={k: x}).encode)


def test_bytes_values():
    for x in (b"", b"\x00\xff\x80", bytearray(b"\x01" * 130), b"\xc3" * 124):
        _check(Values(v_bytes={"k": x}), _entry(_V_BYTES, "k", x))


def test_lax_strings_may_hold_bytes():
    # proto2 strings are not validated: a key or value decoded from invalid
    # UTF-8 stays bytes and is written back as it came
    for k, x in ((b"\xff", "v"), ("k", b"\xfe\xfd"), ("é", "ü"), ("k" * 130, b"")):
        _check(Proto2Maps(lax={k: x}), _entry(_LAX, k, x))
    data = _entry(_LAX, b"\xff\xfe", b"\x80")
    m = Proto2Maps.decode(data)
    assert m.encode() == data


def test_many_entries_round_trip():
    v = {}
    for i in range(24):
        v["key%d" % i] = "é" * (i * 6)  # up to 276 bytes: one- and two-byte lengths
    m = Values(v_string=v, v_bytes={"a": b"1", "b" * 200: b"2" * 200})
    data = m.encode()
    assert m.encoded_size() == len(data)
    assert Values.decode(data) == m


def test_wrong_types_raise_encode_error():
    for m in (
        Values(v_string={"k": 5}),
        Values(v_string={5: "v"}),
        Values(v_bytes={"k": 5}),
        Values(v_bytes={"k": "text"}),
    ):
        raises(buffa.EncodeError, m.encode)
