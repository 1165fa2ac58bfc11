# Scalar fields: exact wire bytes at the type boundaries, and decoding of
# the non-canonical encodings other implementations accept.
from pbtestutil import h, hx, varint
from scalars_pb import Scalars, Color
from expanded_pb import Expanded

MAX_FIELD = 536870911


def enc_is(m, expected):
    got = m.encode()
    assert got == h(expected), "%r encoded as %s, expected %s" % (m, hx(got), expected)
    assert m.encoded_size() == len(got)
    back = Scalars.decode(got)
    assert back == m, "round trip of %r gave %r" % (m, back)
    return back


def test_default_message_encodes_to_nothing():
    assert Scalars().encode() == b""
    assert Scalars().encoded_size() == 0


def test_unset_fields_read_as_their_zero_values():
    m = Scalars()
    assert m.i32 == 0 and m.i64 == 0 and m.u32 == 0 and m.u64 == 0
    assert m.s32 == 0 and m.s64 == 0 and m.f32 == 0 and m.f64 == 0
    assert m.sf32 == 0 and m.sf64 == 0
    assert m.fl == 0.0 and m.db == 0.0
    assert m.b is False
    assert m.s == "" and m.by == b""
    assert m.color == Color.COLOR_UNSPECIFIED
    assert m.child is None


def test_zero_values_are_not_written_for_implicit_presence():
    m = Scalars(i32=0, i64=0, u64=0, fl=0.0, db=0.0, b=False, s="", by=b"", color=0)
    assert m.encode() == b""


def test_zero_values_on_the_wire_decode_and_are_dropped_on_reencode():
    m = Scalars.decode(h("08 00 68 00 72 00 5d 00 00 00 00"))
    assert m.i32 == 0 and m.b is False and m.s == "" and m.fl == 0.0
    assert m.encode() == b""


def test_int32_boundaries():
    enc_is(Scalars(i32=1), "08 01")
    enc_is(Scalars(i32=127), "08 7f")
    enc_is(Scalars(i32=128), "08 80 01")
    enc_is(Scalars(i32=2147483647), "08 ff ff ff ff 07")


def test_negative_int32_is_a_ten_byte_varint():
    enc_is(Scalars(i32=-1), "08 ff ff ff ff ff ff ff ff ff 01")
    enc_is(Scalars(i32=-2147483648), "08 80 80 80 80 f8 ff ff ff ff 01")


def test_int32_decodes_a_five_byte_negative_varint():
    # Some encoders write negative int32 as 5 bytes; the low 32 bits count.
    assert Scalars.decode(h("08 ff ff ff ff 0f")).i32 == -1
    assert Scalars.decode(h("08 80 80 80 80 08")).i32 == -2147483648


def test_int32_keeps_the_low_32_bits_of_a_wide_varint():
    # 2**32 + 5 -> 5, as protobuf's int32 parsing truncates
    assert Scalars.decode(h("08 85 80 80 80 10")).i32 == 5


def test_int64_boundaries():
    enc_is(Scalars(i64=9223372036854775807), "10 ff ff ff ff ff ff ff ff 7f")
    enc_is(Scalars(i64=-9223372036854775808), "10 80 80 80 80 80 80 80 80 80 01")
    enc_is(Scalars(i64=-1), "10 ff ff ff ff ff ff ff ff ff 01")


def test_uint32_boundaries():
    enc_is(Scalars(u32=4294967295), "18 ff ff ff ff 0f")
    # a wider varint keeps its low 32 bits
    assert Scalars.decode(h("18 ff ff ff ff ff ff ff ff ff 01")).u32 == 4294967295


def test_uint64_boundaries():
    enc_is(Scalars(u64=18446744073709551615), "20 ff ff ff ff ff ff ff ff ff 01")
    enc_is(Scalars(u64=9223372036854775808), "20 80 80 80 80 80 80 80 80 80 01")
    enc_is(Scalars(u64=4294967296), "20 80 80 80 80 10")


def test_sint32_zigzag():
    enc_is(Scalars(s32=-1), "28 01")
    enc_is(Scalars(s32=1), "28 02")
    enc_is(Scalars(s32=-64), "28 7f")
    enc_is(Scalars(s32=64), "28 80 01")
    enc_is(Scalars(s32=2147483647), "28 fe ff ff ff 0f")
    enc_is(Scalars(s32=-2147483648), "28 ff ff ff ff 0f")


def test_sint64_zigzag():
    enc_is(Scalars(s64=-1), "30 01")
    enc_is(Scalars(s64=9223372036854775807), "30 fe ff ff ff ff ff ff ff ff 01")
    enc_is(Scalars(s64=-9223372036854775808), "30 ff ff ff ff ff ff ff ff ff 01")


def _zigzag(v):
    return (v << 1) ^ -1 if v < 0 else v << 1


# values whose zigzag form is at the one-, two- and three-byte limits:
# generated code writes one- and two-byte zigzag varints inline
_ZIGZAG_EDGES = (63, -64, 64, -65, 8191, -8192, 8192, -8193, 1048575, -1048576, 1048576)


def test_sint_values_at_the_inline_one_and_two_byte_limits():
    for v in _ZIGZAG_EDGES:
        z = hx(varint(_zigzag(v)))
        enc_is(Scalars(s32=v), "28 " + z)
        enc_is(Scalars(s64=v), "30 " + z)


def test_expanded_sint64_elements_at_the_inline_limits():
    m = Expanded(x_s64=list(_ZIGZAG_EDGES))
    want = b"".join(b"\xd0\x02" + varint(_zigzag(v)) for v in _ZIGZAG_EDGES)
    assert m.encode() == want
    assert m.encoded_size() == len(want)
    assert Expanded.decode(want) == m


def test_fixed_width_integers():
    enc_is(Scalars(f32=4294967295), "3d ff ff ff ff")
    enc_is(Scalars(f32=1), "3d 01 00 00 00")
    enc_is(Scalars(f64=18446744073709551615), "41 ff ff ff ff ff ff ff ff")
    enc_is(Scalars(sf32=-1), "4d ff ff ff ff")
    enc_is(Scalars(sf32=-2147483648), "4d 00 00 00 80")
    enc_is(Scalars(sf32=2147483647), "4d ff ff ff 7f")
    enc_is(Scalars(sf64=-9223372036854775808), "51 00 00 00 00 00 00 00 80")
    enc_is(Scalars(sf64=9223372036854775807), "51 ff ff ff ff ff ff ff 7f")


def test_bool_and_enum():
    enc_is(Scalars(b=True), "68 01")
    enc_is(Scalars(color=Color.GREEN), "80 01 02")
    # any non-zero varint is true, even a 10-byte one
    assert Scalars.decode(h("68 02")).b is True
    assert Scalars.decode(h("68 80 80 80 80 80 80 80 80 80 01")).b is True
    # a bool always re-encodes as 1
    assert Scalars.decode(h("68 05")).encode() == h("68 01")


def test_string_and_bytes():
    enc_is(Scalars(s="\u00e9"), "72 02 c3 a9")
    enc_is(Scalars(s="\U0001f600"), "72 04 f0 9f 98 80")
    enc_is(Scalars(by=b"\x00\xff"), "7a 02 00 ff")
    m = Scalars.decode(h("7a 03 61 00 62"))
    assert m.by == b"a\x00b" and type(m.by) is bytes


def test_long_string_gets_a_multi_byte_length():
    s = "x" * 200
    m = Scalars(s=s)
    data = m.encode()
    assert data[:3] == h("72 c8 01") and len(data) == 203
    assert Scalars.decode(data).s == s


def test_sub_message():
    enc_is(Scalars(child=Scalars(i32=1)), "8a 01 02 08 01")
    enc_is(Scalars(child=Scalars()), "8a 01 00")


def test_empty_sub_message_is_present_after_decode():
    m = Scalars.decode(h("8a 01 00"))
    assert m.child is not None and m.child == Scalars()


def test_largest_field_number_uses_a_five_byte_tag():
    enc_is(Scalars(last=1), "f8 ff ff ff 0f 01")


def test_non_canonical_varints_decode():
    # zero padding after the value bits, as some encoders emit
    assert Scalars.decode(h("08 81 80 80 80 00")).i32 == 1
    assert Scalars.decode(h("20 80 80 80 80 80 80 80 80 80 00")).u64 == 0
    # a tag with a padded varint is still the same tag
    assert Scalars.decode(h("88 00 07")).i32 == 7


def test_last_occurrence_of_a_scalar_wins():
    assert Scalars.decode(h("08 01 08 02 08 03")).i32 == 3
    assert Scalars.decode(h("72 01 61 72 01 62")).s == "b"


def test_fields_decode_in_any_order():
    a = Scalars.decode(h("68 01 08 05 72 01 61"))
    assert a.i32 == 5 and a.b is True and a.s == "a"
    # and are written in field-number order
    assert a.encode() == h("08 05 68 01 72 01 61")


def test_known_field_with_the_wrong_wire_type_is_kept_as_unknown():
    data = h("0d 01 00 00 00")  # field 1 (int32) as fixed32
    m = Scalars.decode(data)
    assert m.i32 == 0
    assert m.unknown_fields() == data
    assert m.encode() == data


def test_int_values_beyond_small_int_range_round_trip():
    vals = [2**31 - 1, -(2**31), 2**62, -(2**62)]
    for v in vals:
        m = Scalars(i64=v, s64=v, sf64=v)
        assert Scalars.decode(m.encode()) == m
