# Values a field cannot hold: encoding raises buffa.EncodeError (a
# ValueError) for wrong Python types, and never writes malformed bytes.
import buffa
from mptest import raises
from pbtestutil import h, hx
from scalars_pb import Scalars
from merge_pb import Merged


def test_wrong_value_types_raise_encode_error():
    # the error names the field (and element) and what was expected, with
    # kind "type", the same on every runtime
    for m, field, expected in (
        (Scalars(i32="x"), "i32", "integer"),
        (Scalars(s=5), "s", "str"),
        (Scalars(by="text"), "by", "bytes"),
        (Scalars(child=5), "child", "scalars.Scalars"),
        (Scalars(child={"i32": 1}), "child", "scalars.Scalars"),
        (Scalars(fl="x"), "fl", "float"),
        (Scalars(i32=1.5), "i32", "integer"),
        (Scalars(u64=3.0), "u64", "integer"),
        (Merged(r_i32=5), "r_i32", "list"),
        (Merged(r_i32=["x"]), "r_i32[0]", "integer"),
        (Merged(m_str={1: 1}), "m_str[1] (key)", "str"),
        (Merged(r_child=[Merged(), 1]), "r_child[1]", "scalars.Merged"),
        (Merged(child=Scalars()), "child", "scalars.Merged"),
        (Merged(child=Merged(i32="x")), "child.i32", "integer"),
    ):
        e = raises(buffa.EncodeError, m.encode)
        assert isinstance(e, ValueError)
        assert (e.kind, e.field) == ("type", field), (field, e.kind, e.field, str(e))
        assert expected in str(e) and m._buffa_name in str(e), str(e)
        e = raises(buffa.EncodeError, m.encode_into, bytearray(100))
        assert (e.kind, e.field) == ("type", field), (field, e.kind, e.field, str(e))


def test_negative_unsigned_values_are_refused():
    # Google's runtimes refuse them too; they used to be written as their
    # 64-bit pattern and decode as another number
    for m, field in (
        (Scalars(u64=-1), "u64"),
        (Scalars(u32=-1), "u32"),
        (Scalars(u64=-(2**63)), "u64"),
        (Merged(m_msg={1: Merged(u32=-2)}), "m_msg[1].u32"),
    ):
        e = raises(buffa.EncodeError, m.encode)
        assert (e.kind, e.field) == ("range", field), str(e)


def test_encode_into_a_buffer_too_small_or_read_only():
    e = raises(buffa.EncodeError, Scalars(i32=300).encode_into, bytearray(2))
    assert (e.kind, e.field) == ("buffer", "")
    e = raises(buffa.EncodeError, Scalars(i32=300).encode_into, bytes(10))
    assert (e.kind, e.field) == ("buffer", ""), (e.kind, e.field, str(e))


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
        assert raises(buffa.EncodeError, m.encode).kind == "range"
        assert raises(buffa.EncodeError, m.encode_into, bytearray(100)).kind == "range"
    for m in (Scalars(u64=2**64 - 1), Scalars(i64=-(2**63)), Repeated(r_u64=[2**64 - 1]), Repeated(r_s64=[-(2**63), 2**63 - 1])):
        assert type(m).decode(m.encode()) == m
