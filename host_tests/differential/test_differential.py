# Differential tests against Google's protobuf package (CPython): random
# messages over protos with every field kind, both directions, plus
# unknown-field round trips. Deterministic seeds.
MPTEST_REQUIRES = ("cpython",)

CASES = 300


def _big():
    # Random messages here can hold thousands of elements: more than the
    # default decode budget, which is sized for a microcontroller.
    from buffa import DecodeOptions

    return DecodeOptions(max_elements=1 << 24, max_unknown_fields=1 << 24)


def _mods():
    import diffutil
    import differential_pb as B
    import differential2_pb as B2

    G, G2 = diffutil.google_modules()
    return diffutil, B, B2, G, G2


def _check(diffutil, bcls, gcls, seed, maps=True):
    gen = diffutil.Gen(seed, maps)
    m = gen.message(bcls)
    data = m.encode()
    assert len(data) == m.encoded_size()
    # buffa -> Google
    g = gcls.FromString(data)
    assert diffutil.from_google(g, bcls) == m, "seed %d: Google decoded %r" % (seed, g)
    # Google -> buffa
    g2 = diffutil.to_google(m, gcls())
    gdata = g2.SerializeToString()
    assert bcls.decode(gdata, _big()) == m, "seed %d" % seed
    if not gen.has_map:
        # without maps (whose order may differ) the bytes are the same
        assert data == gdata, "seed %d: buffa %s, Google %s" % (seed, data.hex(), gdata.hex())
    return m, data


def test_proto3_messages_agree_with_google_both_ways():
    diffutil, B, B2, G, G2 = _mods()
    for seed in range(CASES):
        _check(diffutil, B.Diff, G.Diff, seed)


def test_proto2_messages_agree_with_google_both_ways():
    diffutil, B, B2, G, G2 = _mods()
    for seed in range(CASES):
        _check(diffutil, B2.D2, G2.D2, 10000 + seed)


def test_encodings_without_maps_are_byte_identical_to_google():
    diffutil, B, B2, G, G2 = _mods()
    for seed in range(CASES):
        _check(diffutil, B.Diff, G.Diff, 60000 + seed, maps=False)
        _check(diffutil, B2.D2, G2.D2, 70000 + seed, maps=False)


def test_unknown_fields_round_trip_through_buffa():
    # Google encodes a full Diff; buffa decodes it as Narrow (field 1 known,
    # everything else unknown) and re-encodes; Google gets the same Diff back.
    diffutil, B, B2, G, G2 = _mods()
    for seed in range(CASES):
        m = diffutil.Gen(20000 + seed).message(B.Diff)
        g = diffutil.to_google(m, G.Diff())
        data = g.SerializeToString()
        n = B.Narrow.decode(data, _big())
        assert n.i32 == m.i32
        again = n.encode()
        assert G.Diff.FromString(again) == g, "seed %d" % seed
        if n.i32 == 0:
            assert again == data  # nothing known to move: byte for byte


def test_unknown_fields_round_trip_through_google():
    diffutil, B, B2, G, G2 = _mods()
    for seed in range(CASES):
        m = diffutil.Gen(30000 + seed).message(B.Diff)
        data = m.encode()
        n = G.Narrow.FromString(data)
        assert B.Diff.decode(n.SerializeToString(), _big()) == m, "seed %d" % seed


def test_proto2_unknown_fields_round_trip_both_ways():
    diffutil, B, B2, G, G2 = _mods()
    for seed in range(CASES // 2):
        m = diffutil.Gen(40000 + seed).message(B2.D2)
        data = m.encode()
        assert B2.D2.decode(G2.N2.FromString(data).SerializeToString(), _big()) == m, "seed %d" % seed
        g = G2.D2.FromString(data)
        assert G2.D2.FromString(B2.N2.decode(g.SerializeToString(), _big()).encode()) == g, "seed %d" % seed


def test_extensions_agree_with_google():
    import random

    diffutil, B, B2, G, G2 = _mods()
    for seed in range(CASES // 2):
        r = random.Random(50000 + seed)
        m = B2.D2(req=1)
        g = G2.D2(req=1)
        if r.random() < 0.7:
            v = r.randint(-(2**31), 2**31 - 1)
            m.set_extension(B2.x_int, v)
            g.Extensions[G2.x_int] = v
        strs = ["".join(r.choice(diffutil.TEXT) for _ in range(r.randint(0, 5))) for _ in range(r.randint(0, 3))]
        if strs:
            m.set_extension(B2.x_strs, strs)
            g.Extensions[G2.x_strs].extend(strs)
        if r.random() < 0.5:
            sub = diffutil.Gen(seed).message(B2.D2)
            m.set_extension(B2.x_msg, sub)
            diffutil.to_google(sub, g.Extensions[G2.x_msg])
        packed = [r.randint(-(2**31), 2**31 - 1) for _ in range(r.randint(0, 4))]
        if packed:
            m.set_extension(B2.x_packed, packed)
            g.Extensions[G2.x_packed].extend(packed)
        assert G2.D2.FromString(m.encode()) == g, "seed %d" % seed
        back = B2.D2.decode(g.SerializeToString(), _big())
        assert back.get_extension(B2.x_strs) == strs
        assert back.get_extension(B2.x_packed) == packed
        if g.HasExtension(G2.x_int):
            assert back.get_extension(B2.x_int) == g.Extensions[G2.x_int]
        if g.HasExtension(G2.x_msg):
            assert back.get_extension(B2.x_msg) == diffutil.from_google(g.Extensions[G2.x_msg], B2.D2)


def test_google_rejects_what_buffa_rejects_for_invalid_utf8():
    diffutil, B, B2, G, G2 = _mods()
    import buffa
    from google.protobuf.message import DecodeError as GoogleDecodeError

    for bad in (b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff"):
        data = bytes([0x72, len(bad)]) + bad
        for dec, err in ((B.Diff.decode, buffa.DecodeError), (G.Diff.FromString, GoogleDecodeError)):
            try:
                dec(data)
            except err:
                continue
            raise AssertionError("%r accepted %r" % (dec, data))
