# Regression tests for the classes of JSON-decoding bugs the fuzzers found
# (tools/fuzz.py, docs/fuzzing.md). Each runs on every runtime.


from mptest import raises, IS_MICROPYTHON
from buffa import DecodeError, DecodeOptions, protojson
from buffa.protojson import JsonError
from buffa.protojson._decode import Dec
from json_containers_pb import Containers
from json_proto2_pb import P2


def dec(text, **kw):
    return protojson.decode(Containers, text, **kw)


# ---- linear time ----------------------------------------------------------------


class Counted:
    # The parser's input, counting the bytes its searches scan (find() is
    # where a parser's time goes unseen): an operation count, not time.
    def __init__(self, b):
        self.b = b
        self.scanned = 0

    def __len__(self):
        return len(self.b)

    def __getitem__(self, i):
        return self.b[i]

    def find(self, sub, start=0, end=None):
        b = self.b
        if end is None:
            end = len(b)
        r = b.find(sub, start, end)
        self.scanned += (end if r < 0 else r + len(sub)) - start + 1
        return r


def _ops(text):
    c = Counted(text)
    d = Dec(c, False, False, False)
    d.message(Containers, Containers(), 100)
    assert d.ws() == -1
    return c.scanned


REPS = 50 if IS_MICROPYTHON else 200  # (what a small heap has room for)


def test_json_strings_take_linear_time():
    # strings made of escapes of each kind: twice the input, at most about
    # twice the work (it was four times: a search to the closing quote per escape)
    for esc in (b"\\n", b'\\"', b"\\u00e9", b"\\ud83d\\ude00", b"a\\\\"):
        small = b'{"names": ["' + esc * REPS + b'"]}'
        big = b'{"names": ["' + esc * (2 * REPS) + b'"]}'
        a = _ops(small)
        b = _ops(big)
        assert b <= 2 * a + 64, (esc, a, b)
        assert dec(big).names[0] == dec(small).names[0] * 2


# ---- only JsonError escapes -------------------------------------------------------


def test_text_that_is_not_unicode():
    if IS_MICROPYTHON:
        # MicroPython's str() keeps invalid UTF-8 (a surrogate, an overlong
        # form); decode checks str input as it checks bytes
        for bad in (b"\xed\xa0\x80", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80"):
            t = str(b'{"names": ["' + bad + b'"]}', "utf-8")
            raises(JsonError, dec, t)
            t = str(b'{"' + bad + b'": 1}', "utf-8")
            raises(JsonError, dec, t, ignore_unknown_fields=True)
    else:
        # a CPython str can hold a lone surrogate, which has no UTF-8
        raises(JsonError, dec, '{"names": ["\ud800"]}')


def test_integer_with_a_long_exponent():
    # read without int() of thousands of digits (slow everywhere, refused by
    # CPython past 4300 digits)
    n = 600 if IS_MICROPYTHON else 4400  # (what fits a small heap)
    assert dec('{"nums": [1e' + "0" * n + "1]}").nums == [10]
    assert dec('{"nums": [0e' + "9" * n + "]}").nums == [0]
    raises(JsonError, dec, '{"nums": [1e' + "9" * n + "]}")
    raises(JsonError, dec, '{"nums": [1e-' + "9" * n + "]}")


# ---- duplicates ---------------------------------------------------------------------


def test_an_extension_given_twice():
    t = '{"[jsontest2.ext_i]": 1, "a": 2, "[jsontest2.ext_i]": 3}'
    e = raises(JsonError, protojson.decode, P2, t)
    assert e.kind == "field" and "twice" in e.reason, (e.kind, e.reason)


# ---- nesting counted as binary decoding counts it ---------------------------------------


def test_json_and_binary_count_nesting_alike():
    # a map's message value is two levels (entry, value) in both
    for lim in (1, 2, 3, 4):
        o = DecodeOptions(recursion_limit=lim)
        for t in ('{"flags": {"true": {}}}', '{"child": {"flags": {"true": {}}}}', '{"items": [{}]}',
                  '{"child": {"child": {"items": [{}]}}}'):
            try:
                m = dec(t, options=o)
            except JsonError:
                raises(DecodeError, Containers.decode, dec(t).encode(), o)
                continue
            assert Containers.decode(m.encode(), o) == m


