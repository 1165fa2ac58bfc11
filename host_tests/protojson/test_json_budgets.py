# The decode budgets in JSON: every DecodeOptions limit holds as in binary
# decoding, counted the same way (each at its edge, on every runtime).
from mptest import raises
from pbtestutil import need_block
from buffa import DecodeError, DecodeOptions, protojson
from buffa.fields import weight
from buffa.protojson import JsonError
from json_containers_pb import Containers
from json_scalars_pb import Scalars

C = weight(Containers)  # 1 + its 9 repeated and map fields
S = weight(Scalars)


def least(decode, limit):
    """The least value of DecodeOptions.<limit> that decode accepts, and the
    error one less gives."""
    n = 0
    while True:
        try:
            decode(DecodeOptions(**{limit: n}))
            break
        except (JsonError, DecodeError):
            n += 1
    err = None
    if n:
        err = raises((JsonError, DecodeError), decode, DecodeOptions(**{limit: n - 1}))
    return n, err


CASES = (
    ("{}", C),
    ('{"nums": [1, 2, 3], "names": ["a", ""]}', C + 5),
    ('{"counts": {"a": 1, "b": 2}}', C + 2),
    ('{"flags": {"true": {}}, "child": {"items": [{}, {"i32": 1}]}}', C + 1 + S + C + 2 * S),
    ('{"byId": {"1": "x"}, "colorsByNum": {"2": "RED"}, "longs": ["1"]}', C + 3),
)


def test_elements_at_the_edge_and_as_binary_counts_them():
    assert C == 10 and S == 1
    for text, n in CASES:
        got, err = least(lambda o: protojson.decode(Containers, text, options=o), "max_elements")
        assert got == n, (text, got, n)
        assert isinstance(err, JsonError) and err.kind == "elements", (text, err)
        data = protojson.decode(Containers, text).encode()
        got, err = least(lambda o: Containers.decode(data, o), "max_elements")
        assert got == n, ("binary", text, got, n)
        assert err.kind == "elements"


def test_unknown_fields_passed_over_count():
    t = '{"x": 1, "nums": [1], "y": {"z": [2]}, "[a.b]": 3}'
    got, err = least(lambda o: protojson.decode(Containers, t, ignore_unknown_fields=True, options=o),
                     "max_unknown_fields")
    assert got == 3
    assert err.kind == "unknown_fields" and err.path == "$"


def test_the_default_elements_budget():
    assert DecodeOptions().max_elements == 1024
    # The list of 1016 grows into one block of 8 KB on a 64-bit port, while
    # the input's two copies (str and bytes, 2 KB each) take their blocks
    # from the same free runs: on circuitpython-small, whose free run after
    # the tests above is 11 KB at most, that passed or failed with the
    # length of the checkout's path (interned with the .mpy files' names).
    need_block(16384)
    ok = '{"nums": [' + ",".join(["0"] * (1024 - C)) + "]}"
    assert len(protojson.decode(Containers, ok).nums) == 1024 - C
    e = raises(JsonError, protojson.decode, Containers, ok[:-2] + ",0]}")
    assert e.kind == "elements" and e.path == "$.nums[%d]" % (1024 - C)
