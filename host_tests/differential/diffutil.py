# Helpers for the differential tests (CPython only): compile the protos with
# Google's protoc --python_out, build random buffa messages from their field
# tables, and convert between buffa and Google messages.
import os
import random
import struct
import subprocess
import sys
import tempfile

from buffa import wire

HERE = os.path.dirname(os.path.abspath(__file__))
_google = {}


def google_modules():
    """(differential_pb2, differential2_pb2), compiled once per process."""
    if not _google:
        import protoc

        inc = os.path.join(os.path.dirname(protoc.__file__), "include")
        exe = os.path.join(os.path.dirname(sys.executable), "protoc")
        out = tempfile.mkdtemp(prefix="buffa-diff-")
        subprocess.run(
            [exe, "--python_out=" + out, "-I" + HERE, "-I" + inc, "differential.proto", "differential2.proto"],
            cwd=HERE,
            check=True,
        )
        sys.path.insert(0, out)
        import differential_pb2
        import differential2_pb2

        _google["m"] = (differential_pb2, differential2_pb2)
    return _google["m"]


MAX = {
    wire.INT32: (-(2**31), 2**31 - 1),
    wire.SINT32: (-(2**31), 2**31 - 1),
    wire.SFIXED32: (-(2**31), 2**31 - 1),
    wire.INT64: (-(2**63), 2**63 - 1),
    wire.SINT64: (-(2**63), 2**63 - 1),
    wire.SFIXED64: (-(2**63), 2**63 - 1),
    wire.UINT32: (0, 2**32 - 1),
    wire.FIXED32: (0, 2**32 - 1),
    wire.UINT64: (0, 2**64 - 1),
    wire.FIXED64: (0, 2**64 - 1),
}

TEXT = "a\u00e9\u4e2d\U0001f600 \x00z"


class Gen:
    def __init__(self, seed, maps=True):
        self.r = random.Random(seed)
        self.maps = maps
        self.has_map = False

    def int_of(self, typ):
        lo, hi = MAX[typ]
        c = self.r.random()
        if c < 0.15:
            return self.r.choice((lo, hi, 0, -1 if lo else 1, 1))
        if c < 0.6:
            return self.r.randint(max(lo, -300), min(hi, 300))
        return self.r.randint(lo, hi)

    def scalar(self, typ, ref, flags):
        r = self.r
        if typ in MAX:
            return self.int_of(typ)
        if typ == wire.BOOL:
            return r.random() < 0.5
        if typ == wire.FLOAT:
            v = r.choice((0.0, -0.0, 1.5, float("inf"), float("-inf"), r.uniform(-1e6, 1e6), 3.4e38))
            return struct.unpack("<f", struct.pack("<f", v))[0]
        if typ == wire.DOUBLE:
            return r.choice((0.0, -0.0, 0.1, float("inf"), float("-inf"), r.uniform(-1e300, 1e300), 5e-324))
        if typ == wire.STRING:
            return "".join(r.choice(TEXT) for _ in range(r.randint(0, 12)))
        if typ == wire.BYTES:
            return bytes(r.randint(0, 255) for _ in range(r.randint(0, 12)))
        if typ == wire.ENUM:
            known = list(ref._buffa_n)
            if not flags & wire.CLOSED and r.random() < 0.2:
                return r.randint(-(2**31), 2**31 - 1)  # open enums take any int32
            return r.choice(known)
        raise AssertionError("type %d" % typ)

    def message(self, cls, depth=0):
        r = self.r
        m = cls()
        oneofs = {}
        for row in cls._buffa_f:
            if row[8] is not None:
                oneofs.setdefault(row[8], []).append(row)
        chosen = set()
        for rows in oneofs.values():
            if r.random() < 0.5:
                chosen.add(r.choice(rows)[0])
        for row in cls._buffa_f:
            attr, num, typ, flags, ref = row[:5]
            if row[8] is not None and attr not in chosen:
                continue
            if row[8] is None and r.random() < 0.4 and not flags & wire.REQUIRED:
                continue
            sub = typ in (wire.MESSAGE, wire.GROUP)
            if sub and depth >= 3:
                continue
            if flags & wire.MAP:
                if not self.maps:
                    continue
                kr, vr = ref
                d = {}
                for _ in range(r.randint(0, 3)):
                    k = self.scalar(kr[2], kr[4], kr[3])
                    if vr[2] == wire.MESSAGE:
                        d[k] = self.message(vr[4], depth + 1)
                    else:
                        d[k] = self.scalar(vr[2], vr[4], vr[3])
                if d:
                    self.has_map = True
                setattr(m, attr, d)
            elif flags & wire.REPEATED:
                n = r.randint(0, 4)
                if sub:
                    setattr(m, attr, [self.message(ref, depth + 1) for _ in range(n)])
                else:
                    setattr(m, attr, [self.scalar(typ, ref, flags) for _ in range(n)])
            elif sub:
                setattr(m, attr, self.message(ref, depth + 1))
            else:
                setattr(m, attr, self.scalar(typ, ref, flags))
        return m


def to_google(m, g):
    """Fill Google message g with buffa message m's fields."""
    for row in m._buffa_f:
        attr, num, typ, flags, ref, name = row[:6]
        v = getattr(m, attr)
        sub = typ in (wire.MESSAGE, wire.GROUP)
        if flags & wire.MAP:
            gm = getattr(g, name)
            for k, x in v.items():
                if ref[1][2] == wire.MESSAGE:
                    to_google(x, gm[k])
                else:
                    gm[k] = x
        elif flags & wire.REPEATED:
            if sub:
                for x in v:
                    to_google(x, getattr(g, name).add())
            else:
                getattr(g, name).extend(v)
        elif v is None:
            continue
        elif sub:
            s = getattr(g, name)
            s.SetInParent()
            to_google(v, s)
        else:
            setattr(g, name, v)
    return g


def from_google(g, cls):
    """A buffa message of class cls with Google message g's fields."""
    m = cls()
    for row in cls._buffa_f:
        attr, num, typ, flags, ref, name = row[:6]
        sub = typ in (wire.MESSAGE, wire.GROUP)
        gv = getattr(g, name)
        if flags & wire.MAP:
            d = {}
            for k in gv:
                d[k] = from_google(gv[k], ref[1][4]) if ref[1][2] == wire.MESSAGE else gv[k]
            setattr(m, attr, d)
        elif flags & wire.REPEATED:
            setattr(m, attr, [from_google(x, ref) if sub else x for x in gv])
        elif flags & (wire.PRESENCE | wire.ONEOF):
            if g.HasField(name):
                setattr(m, attr, from_google(gv, ref) if sub else gv)
        else:
            setattr(m, attr, gv)
    return m
