# What a double field holds on a board whose floats are float32 (the QEMU
# boards here; many ESP32 and RP2040 builds): the example in docs/json.md,
# "double fields on float32 boards". Runs everywhere; the float32 half
# where the runtime lacks doubles.
from mptest import requires
from buffa import protojson
from json_scalars_pb import Scalars

# 0.1 as a double on the wire, and as float32 0.1 widened to a double
WIRE_DOUBLE = bytes.fromhex("619a9999999999b93f")
WIRE_WIDENED = bytes.fromhex("61000000a09999b93f")


@requires("doubles")
def test_double_fields_with_doubles():
    m = Scalars(db=0.1)
    assert m.encode() == WIRE_DOUBLE
    assert protojson.encode(m) == '{"db":0.1}'
    assert Scalars.decode(WIRE_DOUBLE).db == 0.1


def test_double_fields_on_a_float32_board():
    if 1.0 + 2.0 ** -40 != 1.0:
        return  # (this runtime has doubles: the test above)
    # The field holds the nearest float32: encoded, it is that value widened
    m = Scalars(db=0.1)
    assert m.encode() == WIRE_WIDENED
    # decoding a double rounds it to float32: 0.1 and its float32 neighbour
    # read the same, and both re-encode as the widened value
    assert Scalars.decode(WIRE_DOUBLE).db == Scalars.decode(WIRE_WIDENED).db
    assert Scalars.decode(WIRE_DOUBLE).encode() == WIRE_WIDENED
    # JSON writes the float32's shortest text, which reads back the same here
    assert protojson.encode(m) == '{"db":0.1}'
    # beyond float32's range a double cannot be held at all
    # (1e300 as a double: it reads as infinity, and JSON writes "Infinity")
    big = Scalars.decode(bytes.fromhex("619c7500883ce4377e"))
    assert big.db == float("inf")
    assert protojson.encode(big) == '{"db":"Infinity"}'


# float32 bit patterns and the shortest text that names each: what a float
# field's JSON is on every runtime. On float32 builds MicroPython's own "%g"
# and float() are an ulp off for some (1.00000075e-36 came out as
# 1.00000084e-36 on the QEMU boards, a conformance case), so protojson
# writes float fields there from the bits (buffa.protojson._float32).
FLOAT_TEXTS = (
    (0x03AA242D, "1.00000075e-36"),
    (0x3DCCCCCD, "0.1"),
    (0x42C80000, "100"),
    (0x501502F9, "1e+10"),
    (0x4B800000, "16777216"),
    (0x3727C5AC, "1e-05"),
    (0xC0200000, "-2.5"),
    (0x7F7FFFFF, "3.4028235e+38"),
    (0x00800000, "1.1754944e-38"),
    (0x4996B438, "1234567"),
    (0x38D1B717, "0.0001"),
    (0x38D1B716, "9.999999e-05"),
    (0x446F7FEB, "957.9987"),
    (0xCA2E3611, "-2854276.2"),
)


def test_float_fields_shortest_text_from_the_bits():
    import struct
    from buffa.protojson._float32 import f32_text

    for bits, text in FLOAT_TEXTS:
        v = struct.unpack("<f", struct.pack("<I", bits))[0]
        assert f32_text(v) == text, (hex(bits), f32_text(v))
    # the conformance case, through the encoder (elsewhere hosts with doubles
    # may write a tie either way: -2854276.25 as ...6.2 or ...6.3)
    v = struct.unpack("<f", struct.pack("<I", 0x03AA242D))[0]
    assert protojson.encode(Scalars(fl=v)) == '{"fl":1.00000075e-36}'
