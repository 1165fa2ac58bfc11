# Map entries on the wire: missing keys and values, field order, duplicates,
# unknown fields inside an entry, last key wins across entries.
from mptest import requires
from pbtestutil import h
from maps_keys_pb import VarintKeys
from maps_values_pb import Values, Val


def test_missing_value_reads_as_the_zero_value():
    assert VarintKeys.decode(h("0a 02 08 05")).k_int32 == {5: 0}
    m = Values.decode(h("a2 01 03 0a 01 6b"))  # v_string {"k": <missing>}
    assert m.v_string == {"k": ""}


def test_missing_key_reads_as_the_zero_value():
    assert VarintKeys.decode(h("0a 02 10 05")).k_int32 == {0: 5}
    assert Values.decode(h("a2 01 03 12 01 76")).v_string == {"": "v"}


def test_empty_entry_is_zero_key_and_zero_value():
    assert VarintKeys.decode(h("0a 00")).k_int32 == {0: 0}
    assert VarintKeys.decode(h("5a 00")).k_bool == {False: 0}


def test_missing_message_value_is_an_empty_message():
    m = Values.decode(h("b2 01 03 0a 01 6b"))
    assert m.v_msg == {"k": Val()}
    assert m.v_msg["k"] is not None


def test_value_before_key():
    assert VarintKeys.decode(h("0a 04 10 07 08 03")).k_int32 == {3: 7}


def test_repeated_key_in_one_entry_last_wins():
    assert VarintKeys.decode(h("0a 06 08 01 08 02 10 05")).k_int32 == {2: 5}


def test_repeated_message_value_in_one_entry_merges():
    m = Values.decode(h("b2 01 0b 0a 00 12 02 08 01 12 03 12 01 78"))
    assert m.v_msg[""] == Val(a=1, b="x")


def test_unknown_fields_inside_an_entry_are_dropped():
    m = VarintKeys.decode(h("0a 06 08 01 18 09 10 05"))
    assert m.k_int32 == {1: 5}
    assert m.unknown_fields() == b""
    assert m.encode() == h("0a 04 08 01 10 05")


def test_key_with_the_wrong_wire_type_is_ignored():
    m = VarintKeys.decode(h("0a 07 0d 01 00 00 00 10 04"))
    assert m.k_int32 == {0: 4}


def test_key_with_a_padded_tag():
    # a tag may be written with redundant continuation bytes
    assert VarintKeys.decode(h("0a 05 88 00 05 10 07")).k_int32 == {5: 7}


def test_last_entry_for_a_key_wins():
    m = VarintKeys.decode(h("0a 04 08 01 10 01 0a 04 08 02 10 02 0a 04 08 01 10 03"))
    assert m.k_int32 == {1: 3, 2: 2}


def test_message_value_is_replaced_not_merged_across_entries():
    a = Values(v_msg={"k": Val(a=1)}).encode()
    b = Values(v_msg={"k": Val(b="x")}).encode()
    assert Values.decode(a + b).v_msg == {"k": Val(b="x")}


def test_entries_of_different_maps_interleave():
    m = Values.decode(
        Values(v_string={"a": "1"}).encode() + Values(v_sint64={1: -1}).encode() + Values(v_string={"b": "2"}).encode()
    )
    assert m.v_string == {"a": "1", "b": "2"} and m.v_sint64 == {1: -1}


def _prefix(n):
    # varint of a length, by hand
    out = bytearray()
    while n > 127:
        out.append(n & 127 | 128)
        n >>= 7
    out.append(n)
    return bytes(out)


def _check_text_entries(cases):
    for kn, vn in cases:
        k = "k" * kn
        v = "\u00e9" * (vn // 2) + "v" * (vn % 2)  # vn UTF-8 bytes, fewer chars
        entry = b"\x0a" + _prefix(kn) + k.encode() + b"\x12" + _prefix(vn) + v.encode()
        want = b"\xa2\x01" + _prefix(len(entry)) + entry
        m = Values(v_string={k: v})
        assert m.encoded_size() == len(want), (kn, vn)
        assert m.encode() == want, (kn, vn)
        assert Values.decode(want).v_string == {k: v}
        b = Values(v_bytes={k: v.encode()}).encode()
        assert b == b"\xaa\x01" + want[2:], (kn, vn)


def test_text_entries_at_length_prefix_boundaries_encode_exactly():
    # The generated size and write code handles one- and two-byte length
    # prefixes inline and re-checks an entry's size only when a key or value
    # can be longer than 127 bytes: pin every boundary of that logic.
    _check_text_entries(((0, 0), (127, 0), (128, 0), (0, 128), (127, 127), (128, 1),
                         (1, 129), (125, 2), (126, 2), (200, 300)))


@requires("bigheap")
def test_text_entries_at_the_three_byte_length_prefix_encode_exactly():
    _check_text_entries(((300, 16383), (16384, 5), (16000, 383)))


# map<string, string|bytes> entries of the usual shape (key, then value,
# one-byte lengths, nothing else) are read straight through; every other
# shape takes the general loop. Both must agree at the edges between them.
def _entry(body):
    n = len(body)
    return h("a2 01") + (bytes([n]) if n < 128 else bytes([n & 127 | 128, n >> 7])) + body


def test_usual_entries_and_their_near_misses_decode_the_same():
    cases = (
        (b"\x0a\x01k\x12\x01v", {"k": "v"}),  # the usual shape
        (b"\x0a\x00\x12\x00", {"": ""}),  # empty key and value: 4 bytes
        (b"\x0a\x7f" + b"k" * 127 + b"\x12\x00", {"k" * 127: ""}),  # longest one-byte key length
        (b"\x0a\x01k\x12\x80\x01" + b"v" * 128, {"k": "v" * 128}),  # two-byte value length
        (b"\x0a\x01k\x12\x01v\x18\x05", {"k": "v"}),  # an unknown field after the value
        (b"\x12\x01v\x0a\x01k", {"k": "v"}),  # value first
        (b"\x0a\x01k\x0a\x01j\x12\x01v", {"j": "v"}),  # key twice
        (b"\x0a\x01k\x1a\x01v", {"k": ""}),  # value with another field number
        (b"\x0a\x01k", {"k": ""}),  # no value: 3 bytes
        (b"\x8a\x00\x01k\x12\x01v", {"k": "v"}),  # padded key tag
    )
    for body, want in cases:
        assert Values.decode(_entry(body)).v_string == want, body


def test_usual_entries_with_bad_lengths_or_text_are_rejected():
    import buffa
    from mptest import raises

    for body in (
        b"\x0a\x05k\x12\x01v",  # key length past the entry
        b"\x0a\x01k\x12\x05v",  # value length past the entry
        b"\x0a\x01\xff\x12\x01v",  # key not UTF-8
        b"\x0a\x01k\x12\x02\xc0\x80",  # value overlong UTF-8
    ):
        raises(buffa.DecodeError, Values.decode, _entry(body))
    # the value's offset is reported, as on the general path
    e = raises(buffa.DecodeError, Values.decode, _entry(b"\x0a\x01k\x12\x02\xc0\x80"))
    assert e.offset == 8, e.offset


def test_usual_bytes_entries_decode_straight_through():
    m = Values.decode(h("aa 01 06 0a 01 6b 12 01 00"))
    assert m.v_bytes == {"k": b"\x00"}
