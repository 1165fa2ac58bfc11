# DecodeError's kind defaults to "truncated": every DecodeError raised
# without a kind, in the runtime and in generated code, must be one. CPython
# only: it reads the sources.
MPTEST_REQUIRES = ("cpython",)

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _raises():
    # (reason, has a kind) of each DecodeError(...) call in the sources
    call = re.compile(r"""DecodeError\(\\?['"]([^'"\\]*)\\?['"](?: % (?:\([^()]*\)|[^,()]+))?(,[^,()]+(?:\([^()]*\))?)?(,[^,()]+)?\)""")
    found = []
    for top in ("lib/buffa", "tools/buffa_gen"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith(".py") and not f.endswith("_pb.py"):
                    with open(os.path.join(d, f)) as fh:
                        for m in call.finditer(fh.read()):
                            found.append((m.group(1), m.group(3) is not None))
    return found


def test_decode_errors_without_a_kind_are_truncations():
    found = _raises()
    assert len(found) > 30, found  # the scan found them
    for reason, has_kind in found:
        if not has_kind:
            assert reason.startswith("truncated") or "past the end" in reason, reason
