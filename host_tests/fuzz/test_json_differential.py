# The JSON differential oracle (upb_oracle.compare_json, CPython): each
# intended divergence has an input under regressions/json/ where buffa and
# Google's json_format really disagree, and the oracle lets exactly that
# through; a disagreement with no listed reason is a finding.
import os

from mptest import requires, here

MPTEST_REQUIRES = ("cpython",)

import targets  # noqa: E402

# input file -> the divergence (docs/fuzzing.md, upb_oracle.py) it shows
DIVERGENCES = {
    "float-that-rounds-to-the-largest-float32": "J2",
    "message-given-as-a-string": "J3",
    "message-given-as-an-empty-list": "J3",
    "unpaired-surrogate-in-an-ignored-field": "J4",
    "quoted-integer-with-leading-zeros": "J5",
    "map-key-integer-with-a-trailing-point": "J5",
    "base64-with-a-character-outside-the-alphabet": "J6",
    "float-text-python-takes": "J7",
    "timestamp-with-a-space": "J8",
    "duration-with-a-plus": "J8",
    "enum-as-a-string-of-digits": "J9",
    "field-mask-with-a-capital-outside-ascii": "J10",
}


def _input(name):
    with open(os.path.join(here(__file__), "regressions", "json", name), "rb") as f:
        return f.read()


def _google(data):
    import upb_oracle
    from google.protobuf import json_format

    g = upb_oracle._google()[0]()
    try:
        json_format.Parse(data.decode("utf-8"), g, ignore_unknown_fields=data.endswith(b"\n"))
    except json_format.ParseError:
        return None
    return g


@requires("cpython")
def test_every_divergence_input_is_listed_and_real():
    import upb_oracle

    names = sorted(os.listdir(os.path.join(here(__file__), "regressions", "json")))
    assert names == sorted(DIVERGENCES)
    for name in names:
        data = _input(name)
        m, g = targets.json(data), _google(data)
        if (m is None) == (g is None):
            # both accept: the messages differ (J10)
            g2 = type(g)()
            g2.ParseFromString(m.encode())
            assert upb_oracle._differ(g, g2, ""), name
        upb_oracle.compare_json(data)  # the listed divergence: no finding


@requires("cpython")
def test_an_unlisted_disagreement_is_a_finding(monkeypatch):
    import upb_oracle

    real = targets.json
    # buffa refusing what json_format accepts, for no listed reason
    monkeypatch.setattr(targets, "json", lambda data: None)
    monkeypatch.setattr(targets.protojson, "decode", _refuse)
    try:
        upb_oracle.compare_json(b'{"optionalInt32": 5}')
        raise AssertionError("no finding")
    except targets.Finding as e:
        assert "buffa rejects" in str(e)
    monkeypatch.undo()
    # buffa accepting what json_format refuses
    try:
        upb_oracle.compare_json(b'{"optionalInt32": 2147483648}')
    except targets.Finding:
        raise AssertionError("buffa and json_format both refuse it: no finding")
    monkeypatch.setattr(targets, "json", lambda data: real(b'{"optionalInt32": 5}'))
    for text in (b'{"optionalInt32": 2147483648}', b'{"optionalInt32": 6}'):
        try:
            upb_oracle.compare_json(text)
            raise AssertionError("no finding for %r" % text)
        except targets.Finding as e:
            assert "json_format rejects" in str(e) or "differs" in str(e), e


def _refuse(*a, **k):
    raise targets.JsonError("refused for the test", kind="value")
