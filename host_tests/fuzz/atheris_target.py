# One coverage-guided fuzz target under atheris (CPython), run by
# tools/fuzz.py:  python atheris_target.py TARGET [libFuzzer flags] DIRS...
# A Finding (or any exception the target lets through) is a crash: libFuzzer
# writes the input under -artifact_prefix and stops.
import os
import sys

import atheris

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

name = sys.argv.pop(1)
with atheris.instrument_imports(include=["buffa", "targets", "conformance"]):
    import targets

    targets.types()
    # the parts buffa loads on first use, so that they are instrumented
    import buffa._packed, buffa._wirecold, buffa._reflect, buffa._textmap  # noqa: F401,E401
    import buffa.protojson._decode, buffa.protojson._decode_wkt  # noqa: F401,E401
    import buffa.protojson._encode, buffa.protojson._encode_wkt  # noqa: F401,E401
    import buffa.wkt.timestamp, buffa.wkt.duration  # noqa: F401,E401
    import buffa.connect.http1, buffa.connect.protocol, buffa.connect.compress  # noqa: F401,E401
    import buffa.connect.client, buffa.connect.streams, buffa.connect.envelope  # noqa: F401,E401
    if name == "binary":
        import upb_oracle

        upb_oracle._google()
        check = upb_oracle.compare
    elif name == "json":
        import upb_oracle

        upb_oracle._google()
        check = upb_oracle.compare_json
    else:
        check = targets.TARGETS[name]


def one(data):
    check(data)


atheris.Setup(sys.argv, one)
atheris.Fuzz()
