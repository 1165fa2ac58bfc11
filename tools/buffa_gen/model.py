"""The request's types and fields, resolved for the emitters."""

from . import features as F
from . import names as N
from .tables import (
    BOOL, BYTES, CLOSED, DOUBLE, ENUM, FLOAT, GROUP, LABEL_REPEATED, LABEL_REQUIRED, MAP, MESSAGE,
    ONEOF, PACKED, PRESENCE, REPEATED, REQUIRED, STRING, VERIFY,
)


class TypeIndex:
    """Every message and enum in the request, by full name."""

    def __init__(self, files):
        self.types = {}  # ".pkg.Name" -> (kind, desc, file, pypath, features)
        self.files = {f.name: f for f in files}
        for fd in files:
            feats = F.merge(F.defaults(F.file_edition(fd)), F.sub(fd, "options"))
            pkg = "." + fd.package if fd.package else ""
            for m in fd.message_type:
                self._msg(fd, pkg, m, [], feats)
            for e in fd.enum_type:
                self._enum(fd, pkg, e, [], feats)

    def _msg(self, fd, scope, m, path, feats):
        full = scope + "." + m.name
        feats = F.merge(feats, F.sub(m, "options"))
        pypath = path + [N.type_name(m.name)]
        self.types[full] = ("m", m, fd, pypath, feats)
        for n in m.nested_type:
            self._msg(fd, full, n, pypath, feats)
        for e in m.enum_type:
            self._enum(fd, full, e, pypath, feats)

    def _enum(self, fd, scope, e, path, feats):
        full = scope + "." + e.name
        feats = F.merge(feats, F.sub(e, "options"))
        self.types[full] = ("e", e, fd, path + [N.type_name(e.name)], feats)

    def is_map(self, full):
        t = self.types.get(full)
        return t is not None and t[0] == "m" and F.has(t[1], "options") and t[1].options.map_entry


class Field:
    """A field with everything the emitter needs resolved."""

    def __init__(self, gen, fd_file, f, feats, oneof=None, number_in_map=None):
        self.desc = f
        self.name = f.name
        self.attr = N.field_name(f.name)
        self.number = f.number
        self.json_name = f.json_name if F.has(f, "json_name") else camel(f.name)
        feats = F.merge(feats, F.sub(f, "options"))
        self.features = feats
        edition = F.file_edition(fd_file)
        t = f.type
        self.ref_full = f.type_name if F.has(f, "type_name") else None
        if t == MESSAGE and feats["message_encoding"] == F.DELIMITED and not gen.index.is_map(self.ref_full):
            t = GROUP
        self.type = t
        self.repeated = f.label == LABEL_REPEATED
        self.map = self.repeated and t == MESSAGE and gen.index.is_map(self.ref_full)
        self.oneof = oneof  # python name of a real oneof, or None
        flags = 0
        presence, required = False, False
        if self.repeated:
            flags |= REPEATED | (MAP if self.map else 0)
        elif oneof is not None:
            flags |= ONEOF
        else:
            presence, required = _presence(f, t, edition, feats)
        if presence:
            flags |= PRESENCE
        if required:
            flags |= REQUIRED
        self.packed = self.repeated and not self.map and t not in (STRING, BYTES, MESSAGE, GROUP) and _packed(f, edition, feats)
        if self.packed:
            flags |= PACKED
        if t == ENUM:
            et = gen.index.types[self.ref_full]
            self.closed = et[4]["enum_type"] == F.CLOSED
            if self.closed:
                flags |= CLOSED
        else:
            self.closed = False
        if t == STRING and feats["utf8_validation"] == F.VERIFY:
            flags |= VERIFY
        self.flags = flags
        self.presence = presence
        self.default_src = gen.default_literal(self, f)


def _presence(f, t, edition, feats):
    """(explicit presence, required) of a singular field outside a oneof."""
    if t in (MESSAGE, GROUP):
        return True, False
    if edition == F.EDITION_PROTO2:
        return True, f.label == LABEL_REQUIRED
    if edition == F.EDITION_PROTO3:
        return bool(getattr(f, "proto3_optional", False)), False
    fp = feats["field_presence"]
    return fp != F.IMPLICIT, fp == F.LEGACY_REQUIRED


def _packed(f, edition, feats):
    """Whether a repeated scalar field is encoded packed."""
    opts = F.sub(f, "options")
    if opts is not None and F.has(opts, "packed"):
        return bool(opts.packed)
    if edition == F.EDITION_PROTO2:
        return False
    return feats["repeated_field_encoding"] == F.PACKED


def camel(name):
    out = []
    up = False
    for c in name:
        if c == "_":
            up = True
        elif up:
            out.append(c.upper())
            up = False
        else:
            out.append(c)
    return "".join(out)


def c_unescape(s):
    # descriptor default_value for bytes uses C escapes
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        i += 1
        c = s[i]
        if c in "01234567":
            j = i
            while j < len(s) and j < i + 3 and s[j] in "01234567":
                j += 1
            out.append(int(s[i:j], 8) & 0xFF)
            i = j
            continue
        if c == "x":
            j = i + 1
            while j < len(s) and j < i + 3 and s[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(s[i + 1 : j], 16))
            i = j
            continue
        out += {"n": b"\n", "r": b"\r", "t": b"\t", '"': b'"', "'": b"'", "\\": b"\\", "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v", "?": b"?"}[c]
        i += 1
    return bytes(out)


def default_literal(index, f, desc):
    """Python source for the value an unset field f (desc its descriptor)
    reads as."""
    t = f.type
    if F.has(desc, "default_value"):
        dv = desc.default_value
        if t in (FLOAT, DOUBLE):
            if dv in ("inf", "-inf", "nan"):
                return "%s_float(%r)" % (N.RESERVED, dv)
            return repr(float(dv))
        if t == BOOL:
            return "True" if dv == "true" else "False"
        if t == STRING:
            return repr(dv)
        if t == BYTES:
            return repr(c_unescape(dv))
        if t == ENUM:
            e = index.types[desc.type_name][1]
            for v in e.value:
                if v.name == dv:
                    return str(v.number)
        return str(int(dv))
    if t in (FLOAT, DOUBLE):
        return "0.0"
    if t == BOOL:
        return "False"
    if t == STRING:
        return "''"
    if t == BYTES:
        return "b''"
    if t == ENUM:
        e = index.types[desc.type_name][1]
        return str(e.value[0].number) if e.value else "0"
    if t in (MESSAGE, GROUP):
        return "None"
    return "0"
