# Maps with every key type: exact entries, extremes, round trips.
from pbtestutil import h, hx
from maps_keys_pb import VarintKeys
from maps_keys2_pb import FixedKeys


def rt(cls, m):
    data = m.encode()
    assert len(data) == m.encoded_size()
    back = cls.decode(data)
    assert back == m, "%r -> %s -> %r" % (m, hx(data), back)
    return back


def test_entry_writes_key_and_value_even_when_zero():
    assert VarintKeys(k_int32={0: 0}).encode() == h("0a 04 08 00 10 00")
    assert FixedKeys(k_string={"": 0}).encode() == h("62 04 0a 00 10 00")


def test_negative_int32_key_is_a_ten_byte_varint():
    assert VarintKeys(k_int32={-1: 1}).encode() == h("0a 0d 08 ff ff ff ff ff ff ff ff ff 01 10 01")


def test_varint_key_extremes():
    rt(VarintKeys, VarintKeys(k_int32={-2147483648: 1, 2147483647: 2, 0: 3}))
    rt(VarintKeys, VarintKeys(k_int64={-9223372036854775808: 1, 9223372036854775807: 2}))
    rt(VarintKeys, VarintKeys(k_uint32={0: 1, 4294967295: 2}))
    rt(VarintKeys, VarintKeys(k_uint64={0: 1, 18446744073709551615: 2}))
    rt(VarintKeys, VarintKeys(k_sint32={-1: 1, -2147483648: 2, 2147483647: 3}))
    rt(VarintKeys, VarintKeys(k_sint64={-1: 1, -9223372036854775808: 2}))


def test_zigzag_keys_exact():
    assert VarintKeys(k_sint32={-1: 0}).encode() == h("2a 04 08 01 10 00")
    assert VarintKeys(k_sint64={1: 0}).encode() == h("32 04 08 02 10 00")


def test_bool_keys():
    m = rt(VarintKeys, VarintKeys(k_bool={True: 1, False: 2}))
    assert m.k_bool[True] == 1 and m.k_bool[False] == 2
    assert VarintKeys(k_bool={True: 0}).encode() == h("5a 04 08 01 10 00")


def test_fixed_width_keys():
    rt(FixedKeys, FixedKeys(k_fixed32={0: 1, 4294967295: 2}))
    rt(FixedKeys, FixedKeys(k_fixed64={18446744073709551615: 1}))
    rt(FixedKeys, FixedKeys(k_sfixed32={-2147483648: 1, -1: 2}))
    rt(FixedKeys, FixedKeys(k_sfixed64={-9223372036854775808: 1}))
    assert FixedKeys(k_sfixed32={-1: 1}).encode() == h("4a 07 0d ff ff ff ff 10 01")


def test_string_keys():
    m = rt(FixedKeys, FixedKeys(k_string={"": 1, "a": 2, "\u00e9\U0001f600": 3}))
    assert m.k_string["\u00e9\U0001f600"] == 3


def test_many_entries():
    m = VarintKeys(k_int32=dict((i * 7919 - 50000, i) for i in range(200)))
    assert rt(VarintKeys, m).k_int32[-50000] == 0


def test_int32_key_from_a_five_byte_varint():
    assert VarintKeys.decode(h("0a 08 08 ff ff ff ff 0f 10 01")).k_int32 == {-1: 1}
