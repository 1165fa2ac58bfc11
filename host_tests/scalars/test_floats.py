# float and double fields: float32 rounding, NaN and infinities, -0.0.
from mptest import requires
from pbtestutil import h, hx, f32, is_negzero
from scalars_pb import Scalars


def test_float_exact_values_encode_little_endian():
    assert Scalars(fl=1.5).encode() == h("5d 00 00 c0 3f")
    assert Scalars(db=1.5).encode() == h("61 00 00 00 00 00 00 f8 3f")
    assert Scalars(fl=-2.0).encode() == h("5d 00 00 00 c0")


def test_float_field_rounds_to_float32():
    m = Scalars.decode(Scalars(fl=0.1).encode())
    assert m.fl == f32(0.1)
    assert Scalars(fl=0.1).encode() == h("5d cd cc cc 3d")


@requires("doubles")
def test_float32_rounding_is_visible_with_doubles():
    m = Scalars.decode(Scalars(fl=0.1).encode())
    assert m.fl != 0.1
    assert abs(m.fl - 0.1) < 1e-8


@requires("doubles")
def test_double_keeps_full_precision():
    for v in (0.1, 1.0 + 2.0**-52, 1.7976931348623157e308, 5e-324, -2.2250738585072014e-308):
        m = Scalars.decode(Scalars(db=v).encode())
        assert m.db == v, "%r came back as %r" % (v, m.db)


def test_infinities():
    inf = float("inf")
    assert Scalars(fl=inf).encode() == h("5d 00 00 80 7f")
    assert Scalars(fl=-inf).encode() == h("5d 00 00 80 ff")
    assert Scalars(db=inf).encode() == h("61 00 00 00 00 00 00 f0 7f")
    assert Scalars.decode(h("5d 00 00 80 ff")).fl == -inf
    assert Scalars.decode(h("61 00 00 00 00 00 00 f0 7f")).db == inf


def test_nan_round_trips():
    nan = float("nan")
    for m in (Scalars(fl=nan), Scalars(db=nan)):
        data = m.encode()
        assert len(data) in (5, 9), hx(data)
        back = Scalars.decode(data)
        assert back.fl != back.fl or back.db != back.db
    # a NaN with a payload other than the canonical one is still a NaN
    v = Scalars.decode(h("5d 01 00 c0 7f")).fl
    assert v != v
    v = Scalars.decode(h("61 01 00 00 00 00 00 f8 ff")).db
    assert v != v


def test_negative_zero_is_written_for_implicit_presence():
    assert Scalars(fl=-0.0).encode() == h("5d 00 00 00 80")
    assert Scalars(db=-0.0).encode() == h("61 00 00 00 00 00 00 00 80")
    assert Scalars(fl=-0.0).encoded_size() == 5
    # positive zero is the default and is not
    assert Scalars(fl=0.0, db=0.0).encode() == b""


def test_negative_zero_survives_decoding():
    assert is_negzero(Scalars.decode(h("5d 00 00 00 80")).fl)
    assert is_negzero(Scalars.decode(h("61 00 00 00 00 00 00 00 80")).db)
    m = Scalars.decode(h("61 00 00 00 00 00 00 00 80"))
    assert m.encode() == h("61 00 00 00 00 00 00 00 80")


@requires("doubles")
def test_doubles_beyond_float_range_become_infinities_in_float_fields():
    # As C's conversion from double to float does, and Google's runtimes:
    # a float field holding a double beyond float's range is written as
    # +-inf (CPython's struct would raise OverflowError; buffa.wire.pack_f32).
    from repeated_pb import Repeated

    big = 3.5e38  # float's largest finite value is about 3.4028235e38
    assert Scalars(fl=big).encode() == h("5d 00 00 80 7f")
    assert Scalars(fl=-1e300).encode() == h("5d 00 00 80 ff")
    assert Scalars(fl=3.4028235e38).encode() == h("5d ff ff 7f 7f")  # rounds to the largest
    m = Repeated(r_fl=[1.5, big, -big])
    assert Repeated.decode(m.encode()).r_fl == [1.5, float("inf"), -float("inf")]
    # one pack_into for the whole packed run (buffa._packed)
    assert m.encode() == h("fa 01 0c 00 00 c0 3f 00 00 80 7f 00 00 80 ff")
