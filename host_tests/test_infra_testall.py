# `make test` runs the matrix as groups of runtimes side by side
# (tools/testall.py). Every runtime must be in exactly one group of the
# Makefile's TEST_GROUPS, or it would silently drop out of CI.
import os
import re
import sys

MPTEST_REQUIRES = ("cpython",)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "tools"))

import mptest_runtimes as rts  # noqa: E402
import testall  # noqa: E402


def _makefile_groups():
    with open(os.path.join(ROOT, "Makefile")) as f:
        m = re.search(r"^TEST_GROUPS \?= (.*)$", f.read(), re.M)
    assert m, "Makefile has no TEST_GROUPS line"
    return m.group(1).split()


def test_makefile_groups_cover_every_runtime_once():
    groups = testall.check_groups(_makefile_groups())
    names = [n for g in groups for n in g]
    assert sorted(names) == sorted(rts.ORDER)


def test_a_runtime_in_no_group_or_two_is_refused():
    everything = ",".join(rts.ORDER)
    testall.check_groups([everything])
    for bad, says in (([",".join(rts.ORDER[1:])], "in no group"),
                      ([everything, rts.ORDER[0]], "in two groups"),
                      ([everything + ",nosuch"], "unknown runtime")):
        try:
            testall.check_groups(bad)
        except SystemExit as e:
            assert says in str(e), str(e)
        else:
            raise AssertionError("accepted %r" % (bad,))
