# Every checked-in fuzz input (the seed corpus and the minimised findings
# under regressions/) through the same targets and oracles the fuzzers use
# (targets.py), on every runtime with the heap for the conformance messages.
# The differential oracles (upb for binary, json_format for JSON) run too
# on CPython.
import os

from mptest import requires, here, IS_MICROPYTHON

MPTEST_REQUIRES = ("filesystem", "bigheap")

import targets  # noqa: E402


def _inputs(target):
    d = here(__file__)
    out = []
    for sub in ("corpus", "regressions"):
        p = "%s/%s/%s" % (d, sub, target)
        try:
            names = sorted(os.listdir(p))
        except OSError:
            continue
        for n in names:
            with open(p + "/" + n, "rb") as f:
                out.append((sub + "/" + target + "/" + n, f.read()))
    return out


def _replay(target, check):
    n = 0
    for name, data in _inputs(target):
        try:
            check(data)
        except targets.Finding as e:
            raise AssertionError("%s: %s" % (name, e))
        n += 1
    assert n, "no inputs for " + target


def test_binary_inputs():
    if IS_MICROPYTHON:
        _replay("binary", targets.binary)
    else:
        import upb_oracle

        _replay("binary", upb_oracle.compare)


def test_json_inputs():
    if IS_MICROPYTHON:
        _replay("json", targets.json)
    else:
        import upb_oracle

        _replay("json", upb_oracle.compare_json)


def test_http1_inputs():
    _replay("http1", targets.http1)


def test_envelope_inputs():
    _replay("envelope", targets.envelope)
    # The target reads streams, not just rejects them: the first seeds are
    # whole streams of one and two messages.
    ins = dict(_inputs("envelope"))
    assert targets.envelope(ins["corpus/envelope/seed-00"]) == 1
    assert targets.envelope(ins["corpus/envelope/seed-01"]) == 2


@requires("cpython")
def test_small_heap_inputs():
    # the small-heap fuzzer's message set, here on CPython (on MicroPython
    # the conformance messages loaded by the tests above leave no room)
    saved = list(targets.types())
    targets.use_small()
    try:
        _replay("binary-small", targets.binary)
        _replay("json-small", targets.json)
    finally:
        targets._T[:] = saved
