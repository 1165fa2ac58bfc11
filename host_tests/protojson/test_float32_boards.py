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
