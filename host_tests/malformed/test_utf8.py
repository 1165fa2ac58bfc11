# utf8_validation = VERIFY strings reject what RFC 3629 forbids, on every
# runtime. MicroPython's own bytes.decode accepts overlong forms, surrogates
# and code points past U+10FFFF; buffa must reject them there too.
import buffa
from mptest import raises
from pbtestutil import h
from malformed_pb import Msg
from malformed_groups_pb import Node

INVALID = (
    "c0 80",  # overlong NUL
    "c1 bf",  # overlong 2-byte
    "e0 80 80",  # overlong 3-byte
    "e0 9f bf",  # overlong U+07FF
    "f0 80 80 80",  # overlong 4-byte
    "f0 8f bf bf",  # overlong U+FFFF
    "ed a0 80",  # high surrogate U+D800
    "ed bf bf",  # low surrogate U+DFFF
    "ed a0 bd ed b8 80",  # a CESU-8 surrogate pair
    "f4 90 80 80",  # U+110000
    "f5 80 80 80",
    "f8 88 80 80 80",  # 5-byte form
    "fe",
    "ff",
    "80",  # lone continuation byte
    "bf",
    "c3",  # truncated sequences
    "e2 82",
    "f0 9f 98",
    "c3 28",  # bad continuation byte
    "e2 28 a1",
    "f0 9f 28 80",
)

VALID = (
    ("c2 80", "\u0080"),
    ("df bf", "\u07ff"),
    ("e0 a0 80", "\u0800"),
    ("ed 9f bf", "\ud7ff"),
    ("ee 80 80", "\ue000"),
    ("ef bf bf", "\uffff"),
    ("f0 90 80 80", "\U00010000"),
    ("f4 8f bf bf", "\U0010ffff"),
    ("00", "\x00"),
    ("7f", "\x7f"),
)


def field(tag, payload):
    p = h(payload)
    return bytes([tag, len(p)]) + p


def test_invalid_utf8_is_rejected_in_a_singular_string():
    for bad in INVALID:
        e = raises(buffa.DecodeError, Msg.decode, field(0x22, bad))
        assert e.offset == 2, (bad, e.offset)
        assert e.kind == "utf8", e.reason


def test_invalid_utf8_after_valid_text_is_rejected():
    for bad in INVALID:
        raises(buffa.DecodeError, Msg.decode, field(0x22, "61 c3 a9 62 " + bad + " 63"))


def test_invalid_utf8_is_rejected_in_every_string_position():
    for bad in ("c0 80", "ed a0 80", "f4 90 80 80", "80"):
        s = field(0x22, bad)
        for data in (
            s,  # singular
            field(0x62, bad),  # repeated
            field(0x72, bad),  # oneof member
            bytes([0x32, len(s)]) + s,  # in a sub-message
            bytes([0x52, len(s)]) + bytes([0x12]) + s[1:],  # map value
            bytes([0x6a, len(s)]) + bytes([0x0a]) + s[1:],  # map key
        ):
            e = raises(buffa.DecodeError, Msg.decode, data)
            assert e.kind == "utf8", (bad, data, e.reason)


def test_invalid_utf8_is_rejected_in_an_editions_string():
    raises(buffa.DecodeError, Node.decode, field(0x1A, "ed a0 80"))
    raises(buffa.DecodeError, Node.decode, h("0b") + field(0x1A, "c0 80") + h("0c"))


def test_boundary_code_points_are_accepted():
    for data, text in VALID:
        m = Msg.decode(field(0x22, data))
        assert m.s == text, (data, m.s)
        assert m.encode() == field(0x22, data)


def test_valid_multilingual_text_round_trips():
    text = "Gr\u00fc\u00dfe \u4f60\u597d \U0001f600 \u0000 end"
    m = Msg.decode(Msg(s=text, rs=[text], m={1: text}).encode())
    assert m.s == text and m.rs == [text] and m.m[1] == text
