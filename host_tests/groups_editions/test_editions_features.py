# utf8_validation NONE vs VERIFY, and repeated_field_encoding PACKED vs
# EXPANDED, in proto2 and editions 2023.
import buffa
from mptest import raises
from pbtestutil import h
from groups_proto2_pb import G2
from groups_editions_pb import D


def test_proto2_string_accepts_invalid_utf8_and_reencodes_it():
    for bad in ("ff", "c0 80", "ed a0 80", "80"):
        p = h(bad)
        data = bytes([0x32, len(p)]) + p
        m = G2.decode(data)
        assert m.has_field("lax")
        assert m.encode() == data


def test_proto2_string_with_valid_utf8_is_a_str():
    m = G2.decode(h("32 02 c3 a9"))
    assert m.lax == "\u00e9"


def test_editions_none_string_accepts_invalid_utf8():
    m = D.decode(h("32 02 c0 80 52 01 ff"))
    assert m.encode() == h("32 02 c0 80 52 01 ff")
    assert len(m.rnone) == 1


def test_editions_verify_string_rejects_invalid_utf8():
    e = raises(buffa.DecodeError, D.decode, h("2a 02 c0 80"))
    assert e.offset == 2
    assert D.decode(h("2a 02 c3 a9")).verify == "\u00e9"


def test_proto2_repeated_scalars_are_expanded_by_default():
    assert G2(unpacked=[1, 2]).encode() == h("38 01 38 02")
    assert G2(packed=[1, 2]).encode() == h("42 02 01 02")


def test_proto2_decoding_accepts_both_encodings():
    assert G2.decode(h("3a 02 01 02")).unpacked == [1, 2]
    assert G2.decode(h("40 01 40 02")).packed == [1, 2]


def test_editions_repeated_scalars_are_packed_by_default():
    assert D(packed=[1, 2]).encode() == h("3a 02 01 02")
    assert D(expanded=[1, 2]).encode() == h("40 01 40 02")


def test_editions_decoding_accepts_both_encodings():
    assert D.decode(h("38 01 38 02")).packed == [1, 2]
    assert D.decode(h("42 02 01 02")).expanded == [1, 2]
    assert D.decode(h("42 01 01 40 02 42 01 03")).expanded == [1, 2, 3]
