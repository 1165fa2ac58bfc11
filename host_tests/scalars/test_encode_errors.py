# Values a field cannot hold: encoding raises buffa.EncodeError (a
# ValueError) for wrong Python types, and never writes malformed bytes.
import buffa
from mptest import raises
from pbtestutil import h, hx
from scalars_pb import Scalars
from merge_pb import Merged


def test_wrong_value_types_raise_encode_error():
    for m in (
        Scalars(i32="x"),
        Scalars(s=5),
        Scalars(by="text"),
        Scalars(child=5),
        Scalars(fl="x"),
        Scalars(i32=1.5),
        Merged(r_i32=5),
        Merged(r_i32=["x"]),
        Merged(m_str={1: 1}),
        Merged(r_child=[1]),
        Merged(child=Scalars()),
    ):
        e = raises(buffa.EncodeError, m.encode)
        assert isinstance(e, ValueError)
        raises(buffa.EncodeError, m.encode_into, bytearray(100))


def test_negative_unsigned_values_wrap_to_their_64_bit_pattern():
    # as C++ converts them; never a truncated varint
    for m, field, want in (
        (Scalars(u64=-1), "u64", 2**64 - 1),
        (Scalars(u32=-1), "u32", 2**32 - 1),
        (Scalars(u64=-(2**63)), "u64", 2**63),
    ):
        data = m.encode()
        assert len(data) == m.encoded_size() == 11, hx(data)
        assert getattr(Scalars.decode(data), field) == want


def test_negative_unsigned_map_values_wrap():
    m = Merged(m_msg={1: Merged(u32=-2)})
    assert Merged.decode(m.encode()).m_msg[1].u32 == 2**32 - 2


def test_valid_message_still_encodes_after_an_error():
    m = Scalars(i32="x")
    raises(buffa.EncodeError, m.encode)
    m.i32 = 3
    assert m.encode() == h("08 03")


def test_varint_values_beyond_64_bits_raise_encode_error():
    # never a varint with overflow bits in its tenth byte, which decoders
    # reject; -2**63 .. 2**64 - 1 is what a 64-bit varint field can carry
    from repeated_pb import Repeated

    for m in (
        Scalars(u64=2**64),
        Scalars(i64=-(2**63) - 1),
        Scalars(u64=2**70),
        Scalars(s64=2**63),
        Repeated(r_u64=[1, 2**64]),
        Repeated(r_i64=[-(2**63) - 1]),
        Repeated(r_s64=[5, -(2**63) - 1]),
    ):
        raises(buffa.EncodeError, m.encode)
        raises(buffa.EncodeError, m.encode_into, bytearray(100))
    for m in (Scalars(u64=2**64 - 1), Scalars(i64=-(2**63)), Repeated(r_u64=[2**64 - 1]), Repeated(r_s64=[-(2**63), 2**63 - 1])):
        assert type(m).decode(m.encode()) == m
