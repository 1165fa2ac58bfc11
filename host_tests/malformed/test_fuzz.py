# Random mutations and truncations of valid encodings: decoding may succeed
# or raise buffa.DecodeError, never anything else; whatever decodes
# re-encodes and decodes again. Deterministic (a fixed-seed LCG), bounded.
import buffa
from pbtestutil import Lcg, hx
from malformed_pb import Msg
from malformed_groups_pb import Node

ROUNDS = 400


def seeds():
    a = Msg(
        i32=-5,
        f32=7,
        f64=9,
        s="h\u00e9llo\U0001f600",
        by=b"\x00\xff",
        child=Msg(i32=1, s="x", child=Msg(u64=2**64 - 1)),
        pf32=[1, 2],
        pf64=[3],
        pi32=[-1, 300, 5],
        m={1: "a", -2: "\u00e9"},
        pd=[1.5],
        rs=["a", ""],
        mm={"k": Msg(i32=3, m={4: "d"})},
        os="one",
        u64=12345678901,
    ).encode()
    # with unknown fields: a varint, a group, a length-delimited field
    b = Msg(om=Msg(om=Msg(os="x")), child=Msg(mm={"": Msg()})).encode() + bytes(
        [0xF0, 0x0F, 0x01, 0xA3, 0x06, 0x08, 0x01, 0xA4, 0x06, 0xFA, 0x0F, 0x02, 0x61, 0x62]
    )
    # groups and closed enums, with unknown enum values (4: 5, 5: 7, 5: [1, 9])
    c = Node(child=Node(child=Node(v=3, s="z"), e=1, re=[0, 1]), msg=Node(child=Node(v=-1)), v=7).encode()
    c += bytes([0x20, 0x05, 0x28, 0x07, 0x2A, 0x02, 0x01, 0x09])
    return [(Msg, a), (Msg, b), (Node, c)]


def mutate(rng, d):
    for _ in range(1 + rng.below(4)):
        if not d:
            break
        j = rng.below(len(d))
        op = rng.below(6)
        if op == 0:
            d = d[:j]
        elif op == 1:
            d = d[:j] + bytes([rng.below(256)]) + d[j + 1 :]
        elif op == 2:
            d = d[:j] + bytes([d[j] ^ (1 << rng.below(8))]) + d[j + 1 :]
        elif op == 3:
            d = d[:j] + d[j + 1 :]
        elif op == 4:
            d = d[:j] + bytes([rng.choice((0x80, 0xFF, 0x00, 0x0B, 0x0C, 0x7F, 0x01))]) + d[j:]
        else:
            k = rng.below(len(d))
            d = d[:j] + d[k : k + rng.below(8)] + d[j:]
    return d


def try_decode(cls, data):
    """The decoded message, or None after a DecodeError; nothing else may escape."""
    try:
        m = cls.decode(data)
    except buffa.DecodeError:
        return None
    except Exception as e:
        raise AssertionError("%s.decode(%s) raised %s: %s" % (cls.__name__, hx(data), type(e).__name__, e))
    # what decodes must re-encode, and the encoding must decode to the same
    enc = m.encode()
    assert len(enc) == m.encoded_size()
    again = cls.decode(enc)
    if m == m:  # a NaN makes a message unequal to itself
        assert again == m, hx(data)
    return m


def test_seeds_decode():
    for cls, data in seeds():
        assert try_decode(cls, data) is not None


def test_every_truncation_raises_only_decode_error():
    for cls, data in seeds():
        for n in range(len(data)):
            try_decode(cls, data[:n])


def test_random_mutations_raise_only_decode_error():
    rng = Lcg(20240601)
    ss = seeds()
    ok = 0
    for _ in range(ROUNDS):
        cls, data = ss[rng.below(len(ss))]
        if try_decode(cls, mutate(rng, data)) is not None:
            ok += 1
    # the mutations must exercise both outcomes
    assert 0 < ok < ROUNDS, ok


def test_random_bytes_raise_only_decode_error():
    rng = Lcg(77)
    common = (0x08, 0x0A, 0x0B, 0x0C, 0x12, 0x22, 0x32, 0x3A, 0x52, 0x6A, 0x80, 0xFF, 0x00, 0x01, 0xC0, 0xED, 0x2A)
    for _ in range(ROUNDS):
        n = rng.below(20)
        data = bytes([rng.choice(common) if rng.chance(3, 4) else rng.below(256) for _ in range(n)])
        try_decode(Msg, data)
        try_decode(Node, data)
