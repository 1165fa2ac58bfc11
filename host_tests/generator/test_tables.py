# One source of truth for the field type, flag and wire-type numbers:
# tools/buffa_gen/tables.py. The runtime keeps copies (MicroPython's const()
# folds only within a module, so each hot module names its own); this test
# fails when any copy disagrees with the source. CPython only.
MPTEST_REQUIRES = ("cpython",)

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from buffa_gen import tables as T  # noqa: E402

sys.path.pop(0)

from buffa import _errors, _packed, _reflect, _wirecold, fields, message, view  # noqa: E402
from buffa.protojson import _decode, _encode, _scalar  # noqa: E402

TYPES = {name: t for t, name in T.TYPE_NAMES.items()}
FLAGS = {name: bit for bit, name in T.FLAG_NAMES}
RUNTIME = (_wirecold, fields, _reflect, _packed, _errors, _encode, _decode, _scalar, view)


def test_every_named_type_and_flag_copy_agrees():
    # DOUBLE = 1 (buffa.wire's cold part), _DOUBLE = const(1), _REPEATED...
    seen = 0
    for mod in RUNTIME:
        for attr in dir(mod):
            m = re.match(r"^_?([A-Z][A-Z0-9]*)$", attr)
            if not m:
                continue
            name = m.group(1)
            want = TYPES.get(name, FLAGS.get(name))
            if want is None or not isinstance(getattr(mod, attr), int):
                continue
            assert getattr(mod, attr) == want, "%s.%s = %r, tables say %r" % (mod.__name__, attr, getattr(mod, attr), want)
            seen += 1
    assert seen > 60, seen  # the scan found the copies


def test_wire_types_agree():
    want = tuple(T.WIRE.get(t, 0) for t in range(19))
    assert _wirecold.WIRE_TYPE == want
    assert fields._WT == want
    assert view._WT == want


def test_fixed_width_formats_agree():
    assert fields._FIXED == T.FIXED_FMT


def test_integer_ranges_agree():
    for t, (lo, hi) in T.INT_RANGE.items():
        name = T.TYPE_NAMES[t].lower()
        assert _errors._INT[t][1:] == (lo, hi), name
        assert _scalar._LIMITS[t] == (lo, hi), name
        if t in fields._FIXED_RANGE:
            assert fields._FIXED_RANGE[t] == (lo, hi), name
    assert set(fields._FIXED_RANGE) == T.FIXED_INT


def test_vsize_bounds_agree():
    # the largest value each varint type passes wire.vsize (None: its default)
    for t, hi in T.VSIZE_HI.items():
        want = 0xFFFFFFFFFFFFFFFF if hi is None else int(hi, 16)
        assert _packed._hi(t) == want, T.TYPE_NAMES[t]
        assert fields._HI.get(t, 0xFFFFFFFFFFFFFFFF) == want, T.TYPE_NAMES[t]


def test_the_flag_numbers_message_py_spells_out():
    # Message.__init__ tests row[3] & 5 (REPEATED | MAP) and & 4 (MAP)
    with open(message.__file__) as f:
        src = f.read()
    assert "row[3] & 5:  # REPEATED | MAP" in src and T.REPEATED | T.MAP == 5
    assert "row[3] & 4" in src and T.MAP == 4
    assert _errors._MESSAGE == (T.GROUP, T.MESSAGE) and _errors._VERIFY == T.VERIFY
