# The C table encoder's installer (natmod/buffa_accel/table_encode.c;
# docs/design.md section 20, "Table encoder"). Loaded by buffa.message only
# where the accelerator imported (buffa.wire.ACCEL): register() hands it
# each generated module's classes, and install() puts C callables in place
# of cls._buffa_z and cls._buffa_w for every class whose field table the C
# code handles. Each keeps the generated function as its fallback
# (.fallback), so output and errors stay the Python code's. A class it
# does not handle (more than 255 names in its program, or any class on a
# port whose instances have no __dict__) keeps its Python functions.
import sys

from buffa_accel import encoder

# a program row's modes (table_encode.c)
_IMPLICIT, _PRESENCE, _ONEOF, _REPEATED, _PACKED, _MAP = 0, 1, 2, 3, 4, 5
# buffa.wire's type and flag numbers (tools/buffa_gen/tables.py)
_GROUP, _MESSAGE, _BOOL = 10, 11, 8
_REPEATED_F, _PACKED_F, _MAP_F, _PRESENCE_F = 1, 2, 4, 8
# wire type by field type
_WIRE = (0, 1, 5, 0, 0, 0, 1, 5, 0, 2, 3, 2, 2, 0, 0, 5, 1, 0, 0)


class _Names:
    pass


def _name(s):
    # s as an interned string (a qstr), which the C code reads attributes
    # by: the keys of an instance's __dict__ are.
    o = _Names()
    setattr(o, s, 0)
    for k in o.__dict__:
        return k


def _program(c):
    # (rows, names) for class c, or None if the C code does not handle it
    prog = bytearray()
    names = []
    for a, num, t, flags, ref, _, _, _, oneof in sorted(c._buffa_f, key=lambda r: r[1]):
        r = 0
        tag = num << 3 | _WIRE[t]
        if flags & _MAP_F:
            k, v = ref
            mode, t, r, tag = _MAP, v[2], k[2], num << 3 | 2
        elif oneof is not None:
            mode = _ONEOF
        elif flags & _PACKED_F:
            mode, tag = _PACKED, num << 3 | 2
        elif flags & _REPEATED_F:
            mode = _REPEATED
        else:
            mode = _PRESENCE if flags & _PRESENCE_F else _IMPLICIT
        i = len(names)
        if mode == _ONEOF:
            names += (_name("_buffa_c_" + oneof), _name("_buffa_v_" + oneof), _name(a))
        else:
            names.append(_name(a))
        if mode == _MAP:
            if t == _MESSAGE:
                names.append(v[4])
        elif t == _MESSAGE or t == _GROUP:
            r = len(names)
            names.append(ref)
        elif mode == _PACKED and _WIRE[t] == 0 and t != _BOOL:
            r = len(names)
            names.append(_name("_buffa_k%d" % num))
        if len(names) > 255:
            return None
        prog += bytes((t, mode, i, r, tag & 255, tag >> 8 & 255, tag >> 16 & 255, tag >> 24))
    return bytes(prog), tuple(names)


def install(classes):
    for c in classes:
        try:
            z = c._buffa_z
            if getattr(z, "fallback", None) is not None:
                continue  # installed already: an encoder keeps its fallback
            p = _program(c)
            if p:
                c._buffa_z, c._buffa_w = encoder(c, p[0], p[1], z, c._buffa_w)
        except (AttributeError, ValueError):
            # AttributeError: a class that is not a generated message (as
            # buffa.protojson.register accepts), or a port whose instances
            # have no __dict__; ValueError: a program the C code refused
            pass
    # Needed once per generated module: let this module go, its code and
    # dict are heap (as buffa._accel_decode does).
    sys.modules.pop(__name__, None)
    pkg = sys.modules.get("buffa")
    if pkg is not None and "_accel_encode" in pkg.__dict__:
        delattr(pkg, "_accel_encode")
