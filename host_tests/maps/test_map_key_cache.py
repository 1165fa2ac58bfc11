# map<string, ...> keys are decoded through a small cache (buffa.wire.keys):
# a key seen before is the same str again, without a new string or a UTF-8
# check. Its limits: entries (default 32, emptied when full) and the longest
# key kept (default 32 bytes); map_key_cache() sets both, 0 entries turns it
# off. A key the cache holds decodes exactly as one it does not.
import buffa
from buffa import wire
from mptest import raises
from maps_values_pb import Values


def entry(key, value=b"v"):
    # one v_string map entry (field 20) with a raw key
    body = bytes([0x0A, len(key)]) + key + bytes([0x12, len(value)]) + value
    return bytes([0xA2, 0x01, len(body)]) + body


def decode_keys(*keys):
    return Values.decode(b"".join(entry(k) for k in keys)).v_string


def fresh(entries=32, max_bytes=32):
    wire.map_key_cache(entries, max_bytes)
    assert wire.keys == {}


def test_a_repeated_key_is_decoded_once_and_reused():
    fresh()
    try:
        a = decode_keys(b"region")
        b = decode_keys(b"region", b"host")
        ka = [k for k in a][0]
        kb = [k for k in b if k == "region"][0]
        assert ka is kb
        assert wire.keys == {b"region": "region", b"host": "host"}
    finally:
        fresh()


def test_the_cache_holds_at_most_its_entries_and_empties_when_full():
    fresh(entries=2)
    try:
        assert decode_keys(b"a", b"b") == {"a": "v", "b": "v"}
        assert len(wire.keys) == 2
        # a third key finds the cache full: it is emptied, then keeps the new one
        assert decode_keys(b"c") == {"c": "v"}
        assert wire.keys == {b"c": "c"}
        # and keys it let go still decode
        assert decode_keys(b"a", b"b", b"c") == {"a": "v", "b": "v", "c": "v"}
        assert len(wire.keys) <= 2
    finally:
        fresh()


def test_keys_up_to_max_bytes_are_kept_and_longer_ones_are_not():
    fresh(max_bytes=5)
    try:
        assert decode_keys(b"12345", b"123456") == {"12345": "v", "123456": "v"}
        assert wire.keys == {b"12345": "12345"}
    finally:
        fresh()


def test_zero_entries_turns_the_cache_off():
    fresh(entries=0)
    try:
        assert decode_keys(b"x", b"y", b"x") == {"x": "v", "y": "v"}
        assert wire.keys == {}
    finally:
        fresh()


def test_non_ascii_keys_are_kept_and_invalid_ones_are_rejected_every_time():
    fresh()
    try:
        assert decode_keys("température".encode(), "température".encode()) == {"température": "v"}
        assert wire.keys == {"température".encode(): "température"}
        for _ in range(2):
            for bad in (b"\xc0\x80", b"\xed\xa0\x80", b"\xff"):
                e = raises(buffa.DecodeError, decode_keys, bad)
                assert e.kind == "utf8", e.reason
                assert bad not in wire.keys
    finally:
        fresh()


def test_limits_must_not_be_negative():
    raises(ValueError, wire.map_key_cache, -1)
    raises(ValueError, wire.map_key_cache, 32, -1)
    fresh()
