# The message API: constructors, encode/encode_into/encoded_size, decode
# input types, equality, repr, clear and unknown fields.
import buffa
from mptest import raises, requires
from pbtestutil import h, hx
from scalars_pb import Scalars


def sample():
    return Scalars(
        i32=-7,
        u64=300,
        s="h\u00e9llo",
        by=b"\x01\x02",
        fl=2.5,
        child=Scalars(s="x" * 130, child=Scalars(b=True)),
        last=9,
    )


def test_constructor_sets_fields_by_keyword():
    m = Scalars(i32=3, s="a", child=Scalars(b=True))
    assert m.i32 == 3 and m.s == "a" and m.child.b is True


def test_constructor_rejects_unknown_field_names():
    e = raises(TypeError, Scalars, nope=1)
    assert "nope" in str(e)


def test_encoded_size_matches_encode():
    for m in (Scalars(), sample(), Scalars(child=Scalars(child=Scalars(i32=1))), Scalars(s="y" * 2000)):
        assert m.encoded_size() == len(m.encode())


@requires("bigheap")
def test_three_byte_length_prefix():
    m = Scalars(s="y" * 20000)
    data = m.encode()
    assert m.encoded_size() == len(data) == 20004
    assert data[:4] == h("72 a0 9c 01")
    assert Scalars.decode(data).s == m.s


def test_sub_message_of_128_bytes_or_more_gets_a_two_byte_length():
    m = Scalars(child=Scalars(by=b"z" * 200))
    data = m.encode()
    assert data[:4] == h("8a 01 cb 01"), hx(data[:4])
    assert Scalars.decode(data) == m


def test_encode_returns_bytes():
    assert type(sample().encode()) is bytes


def test_encode_into_writes_at_offset_and_returns_the_end():
    m = sample()
    data = m.encode()
    buf = bytearray(b"\xaa" * (len(data) + 10))
    end = m.encode_into(buf, 3)
    assert end == 3 + len(data)
    assert bytes(buf[3:end]) == data
    assert buf[:3] == b"\xaa\xaa\xaa"
    assert buf[end:] == b"\xaa" * 7


def test_encode_into_defaults_to_offset_zero():
    m = Scalars(i32=1)
    buf = bytearray(2)
    assert m.encode_into(buf) == 2
    assert buf == h("08 01")


def test_encode_into_an_exactly_sized_buffer():
    m = sample()
    n = m.encoded_size()
    buf = bytearray(n + 4)
    assert m.encode_into(buf, 4) == n + 4
    assert bytes(buf[4:]) == m.encode()


def test_encode_into_an_immutable_buffer_raises_encode_error():
    m = sample()
    buf = bytes(m.encoded_size())
    e = raises(buffa.EncodeError, m.encode_into, buf)
    assert e.kind == "buffer", (e.kind, str(e))


def test_encode_into_a_buffer_one_byte_too_small_raises_encode_error():
    m = sample()
    n = m.encoded_size()
    buf = bytearray(b"\x55" * (n - 1))
    e = raises(buffa.EncodeError, m.encode_into, buf)
    assert isinstance(e, ValueError)
    assert buf == b"\x55" * (n - 1), "nothing may be written when the buffer is too small"
    buf = bytearray(n + 2)
    raises(buffa.EncodeError, m.encode_into, buf, 3)


def test_encode_into_rejects_offsets_outside_the_buffer():
    m = Scalars(i32=1)
    raises(buffa.EncodeError, m.encode_into, bytearray(10), 9)
    raises(buffa.EncodeError, m.encode_into, bytearray(10), 11)
    raises(buffa.EncodeError, m.encode_into, bytearray(10), -1)


def test_encode_into_of_an_empty_message_writes_nothing():
    buf = bytearray(b"\x01")
    assert Scalars().encode_into(buf, 1) == 1
    assert buf == b"\x01"


def test_encode_into_can_fill_one_buffer_with_several_messages():
    a = Scalars(i32=1)
    b = Scalars(s="b")
    buf = bytearray(a.encoded_size() + b.encoded_size())
    p = a.encode_into(buf, 0)
    assert b.encode_into(buf, p) == len(buf)
    assert bytes(buf) == a.encode() + b.encode()


def test_decode_accepts_bytes_bytearray_and_memoryview():
    data = sample().encode()
    want = Scalars.decode(data)
    for src in (bytearray(data), memoryview(data), memoryview(bytearray(data))):
        m = Scalars.decode(src)
        assert m == want
        assert type(m.by) is bytes
        assert type(m.child.s) is str


def test_decode_of_a_memoryview_slice_reads_only_the_slice():
    data = b"\x08\x05" + Scalars(i32=9).encode() + b"\xff"
    assert Scalars.decode(memoryview(data)[2:4]).i32 == 9


def test_decoded_bytes_do_not_alias_the_input_buffer():
    buf = bytearray(h("7a 02 61 62"))
    m = Scalars.decode(buf)
    buf[2] = 0x7A
    assert m.by == b"ab"


def test_equality():
    assert sample() == sample()
    assert not (sample() != sample())
    other = sample()
    other.child.child.i32 = 4
    assert sample() != other
    assert Scalars(i32=1) != Scalars(i32=2)
    assert Scalars() != Scalars(child=Scalars())
    assert Scalars() != 0 and Scalars() != None  # noqa: E711


def test_equality_includes_unknown_fields():
    a = Scalars.decode(h("08 01 f0 0f 01"))  # field 254 is unknown
    b = Scalars.decode(h("08 01"))
    assert a.i32 == b.i32
    assert a != b


def test_repr_names_the_type_and_the_set_fields():
    r = repr(Scalars(i32=5, s="q"))
    assert "Scalars" in r and "i32=5" in r and "s='q'" in r
    assert "u64" not in r
    assert "unknown" in repr(Scalars.decode(h("f0 0f 01")))


def test_clear_resets_every_field_and_the_unknown_fields():
    m = Scalars.decode(sample().encode() + h("f0 0f 01"))
    m.clear()
    assert m == Scalars()
    assert m.encode() == b""
    assert m.unknown_fields() == b""


def test_unknown_fields_are_kept_byte_for_byte_in_order():
    unknown = h(
        "f0 0f 96 01"  # 254 varint
        " f9 0f 01 02 03 04 05 06 07 08"  # 255 fixed64
        " 82 10 03 61 62 63"  # 256 length-delimited
        " 8b 10 08 01 8c 10"  # 257 group holding a varint
        " 95 10 ff ff ff ff"  # 258 fixed32
    )
    data = h("08 01") + unknown[:4] + h("72 01 61") + unknown[4:]
    m = Scalars.decode(data)
    assert m.i32 == 1 and m.s == "a"
    assert m.unknown_fields() == unknown
    # known fields first, then the unknown ones as they came
    assert m.encode() == h("08 01 72 01 61") + unknown
    assert m.encoded_size() == len(m.encode())


def test_unknown_fields_of_sub_messages_are_kept():
    inner = h("08 02 f0 0f 07")
    m = Scalars.decode(h("8a 01 05") + inner)
    assert m.child.unknown_fields() == h("f0 0f 07")
    assert m.encode() == h("8a 01 05") + inner


def test_message_without_unknown_fields_reports_empty_bytes():
    assert Scalars.decode(h("08 01")).unknown_fields() == b""
    assert Scalars().unknown_fields() == b""


def test_decode_options_reject_negative_limits():
    raises(ValueError, buffa.DecodeOptions, recursion_limit=-1)
    raises(ValueError, buffa.DecodeOptions, max_size=-1)
    o = buffa.DecodeOptions()
    assert o.recursion_limit == 100
