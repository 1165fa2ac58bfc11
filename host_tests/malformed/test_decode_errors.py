# Every malformed-input case raises buffa.DecodeError (a ValueError) with
# the byte offset where decoding stopped, and no other exception type.
import buffa
from mptest import raises
from pbtestutil import h
from malformed_pb import Msg
from malformed_groups_pb import Node



def check(cls, data, offset, kind):
    """decode(data) must raise DecodeError of that kind at offset."""
    e = raises(buffa.DecodeError, cls.decode, h(data))
    assert isinstance(e, ValueError)
    assert e.offset == offset, "%s: offset %d, expected %d (%s)" % (data, e.offset, offset, e.reason)
    assert e.kind == kind, "%s: kind %r, expected %r (%s)" % (data, e.kind, kind, e.reason)
    assert ("at byte %d" % offset) in str(e), str(e)
    # merge() reports the same error
    e2 = raises(buffa.DecodeError, cls().merge, h(data))
    assert (e2.offset, e2.kind) == (offset, kind)


def test_truncated_varint_value():
    check(Msg, "08", 1, "truncated")
    check(Msg, "08 ff", 2, "truncated")
    check(Msg, "80 01 ff ff", 4, "truncated")  # field 16 (uint64)
    # sint fields read a two-byte varint inline
    for tag in ("88 01", "90 01"):  # fields 17 (sint32) and 18 (sint64)
        check(Msg, tag, 2, "truncated")
        check(Msg, tag + " ff", 3, "truncated")
        check(Msg, tag + " ff ff", 4, "truncated")


def test_truncated_tag():
    check(Msg, "ff", 1, "truncated")
    check(Msg, "80 80", 2, "truncated")


def test_truncated_length_prefix():
    check(Msg, "22", 1, "truncated")
    check(Msg, "22 80", 2, "truncated")


def test_length_past_the_end():
    check(Msg, "22 05 61 62", 2, "truncated")
    check(Msg, "22 80 01 61", 3, "truncated")
    check(Msg, "2a 02 00", 2, "truncated")  # bytes
    check(Msg, "32 03 08 01", 2, "truncated")  # sub-message
    check(Msg, "3a 08 00 00 00 00", 2, "truncated")  # packed run


def test_truncated_fixed_width_values():
    check(Msg, "15 01 02", 1, "truncated")
    check(Msg, "19 01 02 03 04 05 06 07", 1, "truncated")


def test_truncated_group():
    check(Node, "0b", 1, "truncated")
    check(Node, "0b 10 01", 3, "truncated")
    check(Node, "0b 0b", 2, "truncated")
    check(Msg, "a3 06 08 01", 4, "truncated")  # an unknown group


def test_group_cut_off_by_the_end_of_its_sub_message():
    check(Node, "32 01 0b 0c", 3, "truncated")


def test_field_cut_off_by_the_end_of_its_sub_message():
    # the sub-message ends after the tag; its value byte lies outside it
    check(Msg, "32 01 08 01", 3, "truncated")
    check(Msg, "32 02 08 ff 01", 4, "truncated")
    check(Msg, "32 03 88 01 ff 01", 5, "truncated")  # sint32: two bytes read inline
    check(Msg, "32 03 90 01 ff 01", 5, "truncated")  # sint64
    check(Msg, "32 01 15 00 00 00 00", 1 + 2, "truncated")


def test_truncated_unknown_fields():
    check(Msg, "0d 01", 2, "truncated")  # field 1 as fixed32: kept as unknown
    check(Msg, "09 01", 2, "truncated")
    check(Msg, "f1 0f 01 02", 4, "truncated")
    check(Msg, "f5 0f 01", 3, "truncated")
    check(Msg, "f2 0f", 2, "truncated")
    check(Msg, "f2 0f 05 01", 4, "truncated")
    check(Msg, "f0 0f 80", 3, "truncated")


def test_varint_longer_than_ten_bytes():
    check(Msg, "08 ff ff ff ff ff ff ff ff ff ff 01", 10, "varint")
    check(Msg, "80 01 80 80 80 80 80 80 80 80 80 80 00", 11, "varint")
    check(Msg, "f0 0f ff ff ff ff ff ff ff ff ff ff 01", 12, "varint")


def test_overflow_bits_in_the_tenth_varint_byte():
    check(Msg, "08 ff ff ff ff ff ff ff ff ff 02", 10, "varint")
    check(Msg, "80 01 80 80 80 80 80 80 80 80 80 7f", 11, "varint")
    check(Msg, "4a 0a ff ff ff ff ff ff ff ff ff 02", 11, "varint")
    check(Msg, "f0 0f ff ff ff ff ff ff ff ff ff 02", 11, "varint")


def test_tenth_varint_byte_of_one_is_accepted():
    assert Msg.decode(h("80 01 ff ff ff ff ff ff ff ff ff 01")).u64 == 2**64 - 1
    assert Msg.decode(h("f0 0f ff ff ff ff ff ff ff ff ff 01")).unknown_fields() != b""


def test_tag_longer_than_five_bytes():
    check(Msg, "88 80 80 80 80 00", 0, "tag")


def test_tag_beyond_32_bits():
    check(Msg, "80 80 80 80 10", 0, "tag")


def test_invalid_wire_types():
    check(Msg, "0e", 1, "wire_type")
    check(Msg, "0f", 1, "wire_type")
    check(Msg, "f6 0f", 2, "wire_type")
    check(Msg, "ff ff ff ff 0f", 5, "wire_type")
    check(Node, "0b 0f 0c", 2, "wire_type")


def test_field_number_zero():
    check(Msg, "00", 1, "tag")
    check(Msg, "02 00", 1, "tag")
    check(Msg, "05 00 00 00 00", 1, "tag")
    check(Msg, "80 00", 2, "tag")
    check(Msg, "32 01 00", 3, "tag")


def test_unexpected_end_group():
    check(Msg, "0c", 1, "group")
    check(Msg, "08 01 a4 06", 4, "group")
    check(Msg, "32 01 0c", 3, "group")


def test_mismatched_end_group():
    check(Node, "0b 14", 2, "group")
    check(Node, "0b 0c 0c", 3, "group")
    check(Msg, "a3 06 a4 07", 4, "group")


def test_packed_fixed_run_with_a_bad_length():
    check(Msg, "3a 03 01 02 03", 2, "packed")
    check(Msg, "42 04 01 02 03 04", 2, "packed")
    check(Msg, "5a 07 00 00 00 00 00 00 00", 2, "packed")


def test_malformed_map_entries():
    check(Msg, "52 01 08", 3, "truncated")
    check(Msg, "52 01 0e", 3, "wire_type")
    check(Msg, "52 02 12 05", 4, "truncated")
    check(Msg, "6a 02 0a 00 32", 5, "truncated")
    check(Msg, "6a 04 12 02 08 ff", 6, "truncated")


def test_malformed_oneof_members():
    check(Msg, "72 02 61", 2, "truncated")
    check(Msg, "7a 02 08 ff", 4, "truncated")


def test_error_is_a_value_error_subclass():
    assert issubclass(buffa.DecodeError, ValueError)
    try:
        Msg.decode(h("0e"))
    except ValueError as e:
        assert type(e) is buffa.DecodeError
    else:
        raise AssertionError("no error raised")


def test_valid_prefix_of_a_failing_input_is_not_half_applied_by_decode():
    # decode() raises; there is no partial message to observe, and a later
    # decode of good data is unaffected
    raises(buffa.DecodeError, Msg.decode, h("08 05 0e"))
    assert Msg.decode(h("08 05")).i32 == 5
