# protojson writes a double as the shortest text that reads back the same,
# as CPython's repr does (docs/json.md), on every runtime with doubles:
# MicroPython's repr gives 16 or 17 digits where fewer do. The expected
# texts are CPython's repr; the doubles are given by their bits.
import struct

from mptest import requires
from buffa import protojson
from json_scalars_pb import Scalars

CASES = (
    ("0100000000000000", '5e-324'),
    ("0300000000000000", '1.5e-323'),
    ("0000000000001000", '2.2250738585072014e-308'),
    ("9a9999999999b93f", '0.1'),
    ("555555555555d53f", '0.3333333333333333'),
    ("f64ae1c7022db544", '1e+23'),
    ("0000000000004043", '9007199254740992'),
    ("ffffffffffffef7f", '1.7976931348623157e+308'),
    ("6666666666661140", '4.35'),
    ("343333333333d33f", '0.30000000000000004'),
    ("c976be9f0c24fe40", '123456.789'),
    ("48afbc9af2d77a3e", '1e-07'),
    ("2d431cebe236fa3e", '2.5e-05'),
    ("457c769f1c6cb220", '3.517436879206498e-151'),
    ("9e8ceba6d0be0e76", '4.7272221137402294e+260'),
    ("553223a69c20a306", '1.0790205420931878e-276'),
    ("007152ded4b28f1f", '1.1543880163725095e-156'),
    ("99735b03906d975d", '7.142212753190354e+142'),
    ("5ed2db28bbc58661", '6.403187897752385e+161'),
    ("7ec0e07133ae3710", '1.5252944621600896e-230'),
    ("fbee9e35551e0563", '9.962547377861888e+168'),
    ("5de70f4a5dba2528", '2.75721823319464e-115'),
    ("a1da2fa01537361a", '2.091280800177967e-182'),
    ("26c270f74b47887b", '1.1552814187646947e+287'),
    ("9153376a400c3e15", '2.3397879491182156e-206'),
    ("b3de254dc292a068", '9.678667972657951e+195'),
    ("ab432ab55c34402b", '2.3151980565240283e-100'),
    ("c51d127bc8482459", '2.618957734175703e+121'),
    ("b434162d79ce4b07", '1.6062785057159987e-273'),
    ("b28f8e5b9d0e256c", '8.86105181272635e+212'),
    ("0944be5deebd2c30", '1.2411002607622832e-76'),
    ("3ca52fb5a75e2817", '4.0751524543456623e-197'),
    ("13f177c19fc57f1f", '5.7853068841360045e-157'),
    ("5af0328319dd692d", '6.348358801776087e-90'),
    ("545aa91bbd5d7d4b", '4.500351968847838e+55'),
    ("e9af6009aec76b37", '9.965586025378492e-42'),
    ("691b4c83cf982f4e", '4.2592559043137376e+68'),
    ("043798ec7c04ef59", '1.6403459305276986e+125'),
    ("363a614e7e97b716", '3.082076567501645e-199'),
    ("e0be6db07e429727", '5.764832181926254e-118'),
    ("b5adb91400284c7e", '2.3570051206835334e+300'),
    ("7917c23ce19eca5e", '4.254868248065182e+148'),
    ("99bca5a68a24fc35", '1.2035027846960924e-48'),
    ("f86a6008acf09c66", '1.9675135885070697e+186'),
    ("208236fb082ea75d", '1.413312180978352e+143'),
)


@requires("doubles")
def test_doubles_are_written_in_their_shortest_form():
    for bits, want in CASES:
        v = struct.unpack("<d", bytes.fromhex(bits))[0]
        text = protojson.encode(Scalars(db=v))
        assert text == '{"db":%s}' % want, (bits, text, want)
        assert protojson.decode(Scalars, text).db == v
