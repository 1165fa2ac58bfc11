"""Turns FileDescriptorProtos into buffa Python modules.

The generated code is specialised per message: each message gets a decode
function (an if/elif chain on the full tag with the common field shapes
inlined), a size function and a write function, plus a field table for the
reflective runtime paths. See docs/design.md for why, with the numbers.
"""

import contextlib

from . import features as F
from . import names as N

# FieldDescriptorProto.Type
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL = 1, 2, 3, 4, 5, 6, 7, 8
STRING, GROUP, MESSAGE, BYTES, UINT32, ENUM, SFIXED32, SFIXED64, SINT32, SINT64 = range(9, 19)
LABEL_REPEATED, LABEL_REQUIRED = 3, 2

# runtime flags (buffa.wire)
REPEATED, PACKED, MAP, PRESENCE, ONEOF, REQUIRED, CLOSED, VERIFY = 1, 2, 4, 8, 16, 32, 64, 128

WIRE = {1: 1, 2: 5, 3: 0, 4: 0, 5: 0, 6: 1, 7: 5, 8: 0, 9: 2, 10: 3, 11: 2, 12: 2, 13: 0, 14: 0, 15: 5, 16: 1, 17: 0, 18: 0}
VARINT_TYPES = {INT64, UINT64, INT32, BOOL, UINT32, ENUM, SINT32, SINT64}
FIXED_FMT = {DOUBLE: ("<d", 8), FLOAT: ("<f", 4), FIXED64: ("<Q", 8), FIXED32: ("<I", 4), SFIXED32: ("<i", 4), SFIXED64: ("<q", 8)}
# varint -> value conversion for multi-byte varints (1-byte ones need none)
VARINT_CONV = {INT32: "_buffa_int32", ENUM: "_buffa_int32", INT64: "_buffa_int64", UINT32: "_buffa_uint32"}


def varint_bytes(v):
    out = []
    while v > 0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return out


class Writer:
    def __init__(self):
        self.lines = []
        self.ind = 0

    def __call__(self, s=""):
        self.lines.append(("    " * self.ind + s) if s else "")

    def block(self):
        w = self

        class _B:
            def __enter__(self):
                w.ind += 1

            def __exit__(self, *a):
                w.ind -= 1

        return _B()

    def text(self):
        return "\n".join(self.lines) + "\n"


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
        self.json_name = f.json_name if F.has(f, "json_name") else _camel(f.name)
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
        presence = False
        required = False
        if self.repeated:
            flags |= REPEATED
            if self.map:
                flags |= MAP
        elif oneof is not None:
            flags |= ONEOF
        elif t in (MESSAGE, GROUP):
            presence = True
        elif edition == F.EDITION_PROTO2:
            presence = True
            required = f.label == LABEL_REQUIRED
        elif edition == F.EDITION_PROTO3:
            presence = bool(getattr(f, "proto3_optional", False))
        else:
            fp = feats["field_presence"]
            presence = fp != F.IMPLICIT
            required = fp == F.LEGACY_REQUIRED
        if presence:
            flags |= PRESENCE
        if required:
            flags |= REQUIRED
        self.packed = False
        if self.repeated and not self.map and t not in (STRING, BYTES, MESSAGE, GROUP):
            opts = F.sub(f, "options")
            if opts is not None and F.has(opts, "packed"):
                self.packed = bool(opts.packed)
            elif edition == F.EDITION_PROTO2:
                self.packed = False
            else:
                self.packed = feats["repeated_field_encoding"] == F.PACKED
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


def _at(off):
    """The buffer index p + off, as generated code."""
    return "p + %d" % off if off else "p"


def _mangled(name):
    return name.startswith("__") and not name.endswith("__")


def _camel(name):
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


def _c_unescape(s):
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


class FileGen:
    def __init__(self, gen, fd):
        self.gen = gen
        self.fd = fd
        self.index = gen.index
        self.module = N.module_for(fd.name)
        self.w = Writer()
        self.imports = {}  # module -> alias
        self.msgs = []  # (full, desc, pyref, fields, oneofs, feats) in emission order
        self.counter = 0
        self.ids = {}  # full name -> number for helper names
        self.helpers = set()
        self.consts = []  # module-level constants emitted after classes
        self.specs = {}  # map spec source -> constant name
        self.late = []  # statements run once all classes exist

    def native_deco(self, w):
        if self.gen.native:
            w("@micropython.native")

    # ---- references ------------------------------------------------------

    def pyref(self, full):
        kind, desc, fd, path, feats = self.index.types[full]
        if fd.name == self.fd.name:
            return ".".join(path)
        mod = N.module_for(fd.name)
        alias = self.imports.get(mod)
        if alias is None:
            alias = self.imports[mod] = "%s_i%d" % (N.RESERVED, len(self.imports))
        return alias + "." + ".".join(path)

    def cls_alias(self, full):
        """Module-level alias of a message class, usable inside functions."""
        if full not in self.ids:
            self.ids[full] = len(self.ids)
            self.consts.append("%s_c%d = %s" % (N.RESERVED, self.ids[full], self.pyref(full)))
        return "%s_c%d" % (N.RESERVED, self.ids[full])

    def new_expr(self, full):
        """Expression for a new, empty instance of a message: a message
        without repeated or map fields needs no factory call."""
        if any(x.label == 3 for x in self.index.types[full][1].field):
            return "%s()" % self.fn("n", full)
        return "%s_new(%s)" % (N.RESERVED, self.cls_alias(full))

    def fn(self, kind, full):
        """Expression for a message's decode/size/write/new function."""
        alias = self.cls_alias(full)
        return "%s._buffa_%s" % (alias, kind)

    # ---- top level ---------------------------------------------------------

    def run(self):
        fd = self.fd
        feats = F.merge(F.defaults(F.file_edition(fd)), F.sub(fd, "options"))
        pkg = "." + fd.package if fd.package else ""
        self.local_ids = {}
        self._collect(pkg, fd.message_type, feats)
        for full in self.local_ids:
            self.cls_alias(full)  # local classes get the first alias numbers
        body = Writer()
        self.body = body
        for e in fd.enum_type:
            self.emit_enum(body, e, pkg, feats)
        for m in fd.message_type:
            self.emit_class(body, m, pkg, feats)
        # functions
        fns = Writer()
        # Every message's functions share four names (_buffa_n, _d, _z, _w),
        # each stored on its class right after its def, and code reaches
        # another message's functions through the class: a name per message
        # and function would be a module global and an interned string
        # each, and every new str MicroPython makes searches the interned
        # strings loaded code has added (docs/design.md section 1).
        for full, m, fields, oneofs, mfeats in self.msgs:
            a = self.cls_alias(full)
            for kind, emit in (("n", self.emit_new), ("d", self.emit_decode), ("z", self.emit_size), ("w", self.emit_write)):
                emit(fns, full, fields)
                fns("%s._buffa_%s = %s_%s" % (a, kind, N.RESERVED, kind))
                fns()
        tail = Writer()
        for full, m, fields, oneofs, mfeats in self.msgs:
            a = self.cls_alias(full)
            tail("%s._buffa_f = (" % a)
            with tail.block():
                for f in fields:
                    tail(self.row(f) + ",")
            tail(")")
        ext = Writer()
        self.emit_extensions(ext, fd.extension, pkg, feats, None)
        for full, m, fields, oneofs, mfeats in self.msgs:
            if m.extension:
                self.emit_extensions(ext, m.extension, full, mfeats, self.cls_alias(full))
        svc = Writer()
        for s in fd.service:
            self.emit_service(svc, s, pkg)

        out = Writer()
        out("# Generated by protoc-gen-buffa from %s. DO NOT EDIT." % fd.name)
        out("# source: %s" % fd.name)
        out("from buffa.message import Message as %s_Message, Enum as %s_Enum" % (N.RESERVED, N.RESERVED))
        rt = sorted(h for h in self.helpers if not h.startswith("fields."))
        if rt:
            out("from buffa.wire import (")
            with out.block():
                for h in rt:
                    out("%s as %s_%s," % (h, N.RESERVED, h))
            out(")")
        fh = sorted(h[7:] for h in self.helpers if h.startswith("fields."))
        if fh:
            out("from buffa.fields import %s" % ", ".join("%s as %s_%s" % (h, N.RESERVED, h) for h in fh))
        out("from buffa.message import new_instance as %s_new, oneof_member as %s_member" % (N.RESERVED, N.RESERVED))
        out("import struct as %s_struct" % N.RESERVED)
        if self.gen.native:
            out("try:")
            with out.block():
                out("import micropython")
            out("except ImportError:  # CPython: the decorator does nothing")
            with out.block():
                out("class micropython:")
                with out.block():
                    out("native = staticmethod(lambda f: f)")
        for mod, alias in sorted(self.imports.items(), key=lambda kv: kv[1]):
            out("import %s as %s" % (mod, alias))
        out("%s_unpack = %s_struct.unpack_from" % (N.RESERVED, N.RESERVED))
        out("%s_pack = %s_struct.pack_into" % (N.RESERVED, N.RESERVED))
        out("%s_len = len" % N.RESERVED)
        out("%s_next = next" % N.RESERVED)
        out("%s_bytes = bytes" % N.RESERVED)
        out("%s_str = str" % N.RESERVED)
        out()
        out.lines += body.lines
        out()
        for c in self.consts:
            out(c)
        for c in self.late:
            out(c)
        out()
        out.lines += fns.lines
        out.lines += tail.lines
        out.lines += ext.lines
        out.lines += svc.lines
        self.emit_register(out)
        return out.text()

    def emit_register(self, w):
        # Make the module's message classes known by full name (Any's type
        # URLs in buffa.protojson resolve through buffa.message.TYPES).
        if not self.local_ids:
            return
        w("from buffa.message import register as %s_register" % N.RESERVED)
        w("%s_register(%s)" % (N.RESERVED, ", ".join(self.cls_alias(full) for full in self.local_ids)))

    def _collect(self, scope, msgs, feats):
        for m in msgs:
            full = scope + "." + m.name
            if F.has(m, "options") and m.options.map_entry:
                continue
            self.local_ids[full] = len(self.local_ids)
            mf = F.merge(feats, F.sub(m, "options"))
            self._collect(full, m.nested_type, mf)

    # ---- enums -------------------------------------------------------------

    def emit_enum(self, w, e, scope, feats):
        full = scope + "." + e.name
        w("class %s(%s_Enum):" % (N.type_name(e.name), N.RESERVED))
        with w.block():
            w("_buffa_name = %r" % full[1:])
            seen = {}
            for v in e.value:
                w("%s = %d" % (N.enum_value_name(v.name), v.number))
                seen.setdefault(v.number, v.name)
            w("_buffa_n = {%s}" % ", ".join("%d: %r" % kv for kv in seen.items()))
        w()

    # ---- classes -----------------------------------------------------------

    def emit_class(self, w, m, scope, feats):
        full = scope + "." + m.name
        if F.has(m, "options") and m.options.map_entry:
            return  # map entries are decoded by buffa.fields, never as classes
        mfeats = F.merge(feats, F.sub(m, "options"))
        oneofs = []
        for i, o in enumerate(m.oneof_decl):
            synthetic = all(getattr(f, "proto3_optional", False) for f in m.field if F.has(f, "oneof_index") and f.oneof_index == i)
            oneofs.append(None if synthetic else N.field_name(o.name))
        fields = []
        for f in sorted(m.field, key=lambda f: f.number):
            oneof = oneofs[f.oneof_index] if F.has(f, "oneof_index") else None
            ofeats = mfeats
            if F.has(f, "oneof_index"):
                ofeats = F.merge(mfeats, F.sub(m.oneof_decl[f.oneof_index], "options"))
            fields.append(Field(self.gen, self.fd, f, ofeats, oneof))
        self.msgs.append((full, m, fields, [o for o in oneofs if o], mfeats))
        w("class %s(%s_Message):" % (N.type_name(m.name), N.RESERVED))
        with w.block():
            w("_buffa_name = %r" % full[1:])
            for o in sorted(set(o for o in oneofs if o)):
                w("_buffa_c_%s = None" % o)
                w("_buffa_v_%s = None" % o)
            for f in fields:
                if f.oneof:
                    val = "%s_member(%r, %r)" % (N.RESERVED, f.oneof, f.attr)
                elif not f.repeated:
                    val = "None" if f.presence else f.default_src
                else:
                    continue
                if _mangled(f.attr):
                    # Python would mangle __name inside a class body
                    self.late.append("setattr(%s, %r, %s)" % (self.pyref(full), f.attr, val))
                else:
                    w("%s = %s" % (f.attr, val))
            w()
            # "self" is a possible field name: M(self=1) must work
            S = N.RESERVED + "_s"
            w("def __init__(%s, **kw):" % S)
            with w.block():
                for f in fields:
                    if f.repeated and _mangled(f.attr):
                        w("setattr(%s, %r, %s)" % (S, f.attr, "{}" if f.map else "[]"))
                    elif f.repeated:
                        w("%s.%s = %s" % (S, f.attr, "{}" if f.map else "[]"))
                w("if kw:")
                with w.block():
                    w("%s_Message.__init__(%s, **kw)" % (N.RESERVED, S))
            w()
            for e in m.enum_type:
                self.emit_enum(w, e, full, mfeats)
            for n in m.nested_type:
                self.emit_class(w, n, full, mfeats)
        w()

    def row(self, f):
        if f.map:
            ref = self.map_spec(f)
        elif f.type in (MESSAGE, GROUP, ENUM):
            ref = self.pyref(f.ref_full)
        else:
            ref = "None"
        default = "None" if f.type in (MESSAGE, GROUP) else f.default_src
        return "(%r, %d, %d, %d, %s, %r, %r, %s, %r)" % (f.attr, f.number, f.type, f.flags, ref, f.name, f.json_name, default, f.oneof)

    def map_spec(self, f):
        if getattr(f, "_spec", None):
            return f._spec
        rows = []
        for num, x in zip((1, 2), self.map_fields(f)):
            ref = self.pyref(x.ref_full) if x.type in (MESSAGE, ENUM) else "None"
            flags = x.flags & (CLOSED | VERIFY)
            rows.append("(%r, %d, %d, %d, %s, %r, %r, %s, None)" % (x.attr, num, x.type, flags, ref, x.name, x.json_name, x.default_src))
        value = "(%s, %s)" % (rows[0], rows[1])
        name = self.specs.get(value)
        if name is None:
            name = self.specs[value] = "%s_s%d" % (N.RESERVED, len(self.consts))
            self.consts.append("%s = %s" % (name, value))
        f._spec = name
        return name

    # ---- new ---------------------------------------------------------------

    def emit_new(self, w, full, fields):
        w("def %s_n():" % N.RESERVED)
        with w.block():
            w("m = %s_new(%s)" % (N.RESERVED, self.cls_alias(full)))
            for f in fields:
                if f.repeated:
                    w("m.%s = %s" % (f.attr, "{}" if f.map else "[]"))
            w("return m")
        w()

    # ---- decode ------------------------------------------------------------

    def read_len(self, w, end="e", out="q"):
        """Emit: read a length prefix at p, leaving the payload in b[p:out]."""
        # One- and two-byte prefixes inline: sub-messages and text are
        # often 128..16383 bytes, and a call to length() cost more than the
        # field. A read past the end raises IndexError, which decode_into
        # reports as truncation.
        self.helpers.add("length")
        self.helpers.add("DecodeError")
        w("%s = b[p]" % out)
        w("p += 1")
        w("if %s > 127:" % out)
        with w.block():
            w("if b[p] > 127:")
            with w.block():
                w("p, %s = %s_length(b, p, %s, %s)" % (out, N.RESERVED, end, out))
            w("else:")
            with w.block():
                w("%s = (%s & 127 | b[p] << 7) + p + 1" % (out, out))
                w("p += 1")
        w("else:")
        with w.block():
            w("%s += p" % out)
        # one test for both inline paths (length() has made its own): every
        # path takes one comparison, and the module one raise less per field
        w("if %s > %s:" % (out, end))
        with w.block():
            w("raise %s_DecodeError('length past the end', p)" % N.RESERVED)

    def read_string(self, w, f_flags, q, var):
        """Emit: var = the string/bytes payload b[p:q]."""
        R = N.RESERVED
        if f_flags is None:  # bytes
            w("%s = b[p:%s]" % (var, q))
        elif f_flags & VERIFY:
            # Inline, as string() does it: a call per string was a third of
            # a text-heavy decode on MicroPython. Where the runtime's codec is
            # lax (MicroPython), non-ASCII text gets the strict check.
            self.helpers.update(("strict_utf8", "_LAX_UTF8"))
            w("try:")
            with w.block():
                w("%s = %s_str(b[p:%s], 'utf-8')" % (var, R, q))
            w("except UnicodeError:")
            with w.block():
                w("raise %s_DecodeError('invalid UTF-8 in string field', p)" % R)
            w("if %s__LAX_UTF8 and %s_len(%s) != %s - p:" % (R, R, var, q))
            with w.block():
                w("%s_strict_utf8(b, p, %s)" % (R, q))
        else:
            self.helpers.add("string_lax")
            w("%s = %s_string_lax(b, p, %s)" % (var, R, q))

    def read_varint(self, w, t, var="v", end="e"):
        """Emit: read a varint into var converted for field type t."""
        self.helpers.add("varint")
        w("%s = b[p]" % var)
        w("p += 1")
        w("if %s > 127:" % var)
        with w.block():
            if t in (SINT32, SINT64):
                # small signed deltas often take two bytes (as in put_value);
                # reading one past the end is caught as for length prefixes
                w("if b[p] < 128:")
                with w.block():
                    w("%s = %s & 127 | b[p] << 7" % (var, var))
                    w("p += 1")
                w("else:")
                w.ind += 1
            w("%s, p = %s_varint(b, p, %s, %s)" % (var, N.RESERVED, end, var))
            conv = VARINT_CONV.get(t)
            if conv:
                self.helpers.add(conv[7:])
                w("%s = %s(%s)" % (var, conv, var))
            elif t == SINT32:
                w("%s &= 0xFFFFFFFF" % var)
            if t in (SINT32, SINT64):
                w.ind -= 1
        if t in (SINT32, SINT64):
            w("%s = (%s >> 1) ^ -(%s & 1)" % (var, var, var))
        elif t == BOOL:
            w("%s = %s != 0" % (var, var))

    def read_fixed(self, w, t, var="v", end="e"):
        fmt, n = FIXED_FMT[t]
        self.helpers.add("DecodeError")
        w("if p + %d > %s:" % (n, end))
        with w.block():
            w("raise %s_DecodeError('truncated fixed-width value', p)" % N.RESERVED)
        w("%s = %s_unpack(%r, b, p)[0]" % (var, N.RESERVED, fmt))
        w("p += %d" % n)

    def store(self, w, f, expr):
        """Emit: store a scalar value into singular field f."""
        if f.oneof:
            w("m._buffa_c_%s = %r" % (f.oneof, f.attr))
            w("m._buffa_v_%s = %s" % (f.oneof, expr))
        else:
            w("m.%s = %s" % (f.attr, expr))

    # MicroPython cannot encode jumps across very large functions ("bytecode
    # overflow"), so a message with many fields decodes through chunk
    # functions of at most CHUNK cases each.
    CHUNK = 40

    def emit_decode(self, w, full, fields):
        i = self.local_ids[full]
        R = N.RESERVED
        self.helpers.update(("DecodeError", "tag", "unknown"))
        cases = [(c[0], c[1], f.repeated) for f in fields for c in self.decode_cases(f)]
        cases.sort(key=lambda c: c[0])
        chunks = [cases[k : k + self.CHUNK] for k in range(0, len(cases), self.CHUNK)] if len(cases) > self.CHUNK else None
        if not chunks:
            # Repeated and map fields first: they arrive many times per
            # message (1% of a W1 or W2 decode, bench/profile/instructions.py).
            cases.sort(key=lambda c: not c[2])
        if chunks:
            for j, chunk in enumerate(chunks):
                self.native_deco(w)
                w("def %s_d%d_%d(m, b, p, e, s, t, dp):" % (R, i, j))
                with w.block():
                    for k, (tagv, body, _) in enumerate(chunk):
                        w(("if t == %d:" if k == 0 else "elif t == %d:") % tagv)
                        with w.block():
                            body(w)
                    w("else:")
                    with w.block():
                        w("return -1")
                    w("return p")
                w()
        self.native_deco(w)
        # Decode budgets (DecodeOptions.max_elements): the message and the
        # containers it was made with count on entry, as buffa.fields.weight
        # says; unpacked repeated values and inline map entries count as they
        # are stored and are checked here and on leaving.
        self.helpers.update(("left", "over"))
        weight = 1 + sum(1 for f in fields if f.repeated or f.map)
        w("def %s_d(m, b, p, e, dp, eg):" % R)
        with w.block():
            w("%s_left.n -= %d" % (R, weight))
            w("if dp < 0 or %s_left.n < 0:" % R)
            with w.block():
                w("%s_over(dp, p)" % R)
            w("while p < e:")
            with w.block():
                w("s = p")
                w("t = b[p]")
                w("p += 1")
                w("if t > 127:")
                with w.block():
                    w("t, p = %s_tag(b, p, e, t)" % R)
                if chunks:
                    for j, chunk in enumerate(chunks):
                        hi = chunks[j + 1][0][0] if j + 1 < len(chunks) else None
                        call = "r = %s_d%d_%d(m, b, p, e, s, t, dp)" % (R, i, j)
                        if hi is None:
                            w("else:" if j else "if True:")
                        else:
                            w(("if t < %d:" if j == 0 else "elif t < %d:") % hi)
                        with w.block():
                            w(call)
                    w("if r >= 0:")
                    with w.block():
                        w("p = r")
                    w("else:")
                else:
                    for k, (tagv, body, _) in enumerate(cases):
                        w(("if t == %d:" if k == 0 else "elif t == %d:") % tagv)
                        with w.block():
                            body(w)
                    w("else:" if cases else "if True:")
                with w.block():
                    w("if t == eg and t:")
                    with w.block():
                        w("return p")
                    w("p = %s_unknown(m, b, s, p, e, t, dp)" % R)
            w("if p != e:")
            with w.block():
                w("raise %s_DecodeError('truncated message', e)" % R)
            w("if eg:")
            with w.block():
                w("raise %s_DecodeError('truncated group', e)" % R)
            w("if %s_left.n < 0:" % R)
            with w.block():
                w("%s_over(0, p)" % R)
            w("return p")
        w()

    def decode_cases(self, f):
        """(tag, body emitter) pairs for a field."""
        R = N.RESERVED
        t = f.type
        num = f.number
        cases = []
        if f.map:
            kx, vx = self.map_fields(f)
            if self.inline_map(vx):
                return [((num << 3) | 2, lambda w: self.decode_map_inline(w, f, kx, vx))]
            spec = self.map_spec(f)
            self.helpers.add("fields.map_entry")

            def body(w):
                self.read_len(w)
                w("%s_map_entry(m, m.%s, %s, b, s, p, q, dp - 1)" % (R, f.attr, spec))
                w("p = q")

            return [((num << 3) | 2, body)]
        if t in (MESSAGE, GROUP):
            dec = self.fn("d", f.ref_full)
            new = self.new_expr(f.ref_full)

            def get_child(w):
                if f.repeated:
                    w("c = %s" % new)
                    w("m.%s.append(c)" % f.attr)
                elif f.oneof:
                    w("if m._buffa_c_%s == %r:" % (f.oneof, f.attr))
                    with w.block():
                        w("c = m._buffa_v_%s" % f.oneof)
                    w("else:")
                    with w.block():
                        w("c = %s" % new)
                        w("m._buffa_c_%s = %r" % (f.oneof, f.attr))
                        w("m._buffa_v_%s = c" % f.oneof)
                else:
                    w("c = m.%s" % f.attr)
                    w("if c is None:")
                    with w.block():
                        w("c = m.%s = %s" % (f.attr, new))

            if t == MESSAGE:

                def body(w):
                    self.read_len(w)
                    get_child(w)
                    w("%s(c, b, p, q, dp - 1, 0)" % dec)
                    w("p = q")

                return [((num << 3) | 2, body)]

            def gbody(w):
                get_child(w)
                w("p = %s(c, b, p, e, dp - 1, %d)" % (dec, (num << 3) | 4))

            return [((num << 3) | 3, gbody)]
        if t in (STRING, BYTES):

            def body(w):
                self.read_len(w)
                self.read_string(w, f.flags if t == STRING else None, "q", "v")
                if f.repeated:
                    w("%s_left.n -= 1" % R)
                    w("m.%s.append(v)" % f.attr)
                else:
                    self.store(w, f, "v")
                w("p = q")

            return [((num << 3) | 2, body)]
        # numeric scalars
        wt = WIRE[t]

        def one(w):
            if wt == 0:
                self.read_varint(w, t)
            else:
                self.read_fixed(w, t)
            if f.closed:
                w("if v in %s:" % self.enum_known(f))
                with w.block():
                    if f.repeated:
                        w("%s_left.n -= 1" % R)
                        w("m.%s.append(v)" % f.attr)
                    else:
                        self.store(w, f, "v")
                w("else:")
                with w.block():
                    self.helpers.add("unknown_raw")
                    w("%s_unknown_raw(m, b, s, p)" % R)
            elif f.repeated:
                w("%s_left.n -= 1" % R)
                w("m.%s.append(v)" % f.attr)
            else:
                self.store(w, f, "v")

        cases.append(((num << 3) | wt, one))
        if f.repeated:

            def packed(w):
                self.read_len(w)
                if wt == 0:
                    if f.closed:
                        self.helpers.add("packed_closed")
                        w("p = %s_packed_closed(m, %d, b, p, q, m.%s, %s)" % (R, num, f.attr, self.enum_known(f)))
                    else:
                        conv = {INT32: "int32", ENUM: "int32", INT64: "int64", UINT32: "uint32", SINT32: "sint32", SINT64: "sint64", BOOL: "boolean"}.get(t)
                        self.helpers.add("packed_varint")
                        if conv:
                            self.helpers.add(conv)
                        w("p = %s_packed_varint(b, p, q, m.%s, %s)" % (R, f.attr, (R + "_" + conv) if conv else "None"))
                else:
                    fmt, n = FIXED_FMT[t]
                    self.helpers.add("packed_fixed")
                    w("p = %s_packed_fixed(b, p, q, m.%s, %r, %d)" % (R, f.attr, fmt, n))

            cases.append(((num << 3) | 2, packed))
        return cases

    def map_fields(self, f):
        entry = self.index.types[f.ref_full]
        kv = {x.number: Field(self.gen, entry[2], x, entry[4]) for x in entry[1].field}
        for x in kv.values():
            if x.type == GROUP and x.desc.type == MESSAGE:
                x.type = MESSAGE  # map values are never delimited
        return kv[1], kv[2]

    @staticmethod
    def inline_map(vx):
        # Maps of scalars are decoded and encoded inline; message values and
        # closed enums take the table-driven path in buffa.fields.
        return vx.type not in (MESSAGE, GROUP) and not vx.closed

    def decode_map_inline(self, w, f, kx, vx):
        """Emit: decode one map entry b[p:q] into m.<map> inline."""
        R = N.RESERVED
        self.helpers.update(("skip", "tag"))
        self.read_len(w)
        straight = self.text_map_kind(kx, vx) is not None
        if straight:
            # The usual entry (key, then value, one-byte lengths, nothing
            # else) is read straight through; anything else takes the loop.
            # A third of a W2 record's decode was this loop's tag dispatch.
            w("r = p + 2 + b[p + 1] if q - p > 3 and b[p] == 10 and b[p + 1] < 128 else q")
            w("if r + 1 < q and b[r] == 18 and b[r + 1] < 128 and r + 2 + b[r + 1] == q:")
            with w.block():
                w("p += 2")
                self.read_key(w, kx)
                w("p = r + 2")
                self.read_string(w, vx.flags if vx.type == STRING else None, "q", "x")
                w("%s_left.n -= 1" % R)
                w("m.%s[k] = x" % f.attr)
                w("p = q")
            w("else:")
            w.ind += 1
        w("k = %s" % kx.default_src)
        w("x = %s" % vx.default_src)
        w("while p < q:")
        with w.block():
            w("t = b[p]")
            w("p += 1")
            # a tag may carry redundant continuation bytes ("88 00" is field 1)
            w("if t > 127:")
            with w.block():
                w("t, p = %s_tag(b, p, q, t)" % R)
            for i, fx, var in ((0, kx, "k"), (1, vx, "x")):
                wt = WIRE[fx.type]
                w("%s t == %d:" % ("if" if i == 0 else "elif", ((i + 1) << 3) | wt))
                with w.block():
                    if i == 0 and fx.type == STRING:
                        self.read_len(w, end="q", out="r")
                        self.read_key(w, fx)
                        w("p = r")
                    elif fx.type in (STRING, BYTES):
                        self.read_len(w, end="q", out="r")
                        self.read_string(w, fx.flags if fx.type == STRING else None, "r", var)
                        w("p = r")
                    elif wt == 0:
                        self.read_varint(w, fx.type, var, end="q")
                    else:
                        self.read_fixed(w, fx.type, var, end="q")
            w("else:")
            with w.block():
                w("p = %s_skip(b, p, q, t, dp)" % R)
        w("if p != q:")
        with w.block():
            w("raise %s_DecodeError('truncated map entry', q)" % R)
        w("%s_left.n -= 1" % R)
        w("m.%s[k] = x" % f.attr)
        if straight:
            w.ind -= 1

    def read_key(self, w, kx):
        """Emit: k = the string map key b[p:r]."""
        R = N.RESERVED
        if kx.flags & VERIFY:
            # through the map key cache (buffa.wire.keys)
            self.helpers.update(("keys", "new_key"))
            w("c = b[p:r]")
            w("k = %s_keys.get(c)" % R)
            w("if k is None:")
            with w.block():
                w("k = %s_new_key(b, p, r, c)" % R)
        else:
            self.read_string(w, kx.flags, "r", "k")

    def enum_known(self, f):
        key = ("enum", f.ref_full)
        if key not in self.ids:
            self.ids[key] = len(self.consts)
            self.consts.append("%s_e%d = %s._buffa_n" % (N.RESERVED, self.ids[key], self.pyref(f.ref_full)))
        return "%s_e%d" % (N.RESERVED, self.ids[key])

    # ---- size ----------------------------------------------------------------
    # Encoding is two passes: size, then write into a buffer of exactly that
    # size. The size pass caches each sub-message's size on the sub-message
    # (_buffa_s) and each packed varint run's payload size on its message
    # (_buffa_k<number>; on CPython also a text map's encoded bytes), so
    # the write pass never sizes anything twice.
    #
    # Both passes use as few locals as possible: MicroPython allocates the
    # frame of a function whose locals plus stack exceed 11 words on the
    # heap, on every call. Size functions use m n v k x y; write functions
    # m buf p v x y (and k in map loops).

    def present(self, w, f, body):
        """Emit: if f is present: v = value; body."""
        if f.oneof:
            w("if m._buffa_c_%s == %r:" % (f.oneof, f.attr))
            with w.block():
                w("v = m._buffa_v_%s" % f.oneof)
                body(w)
            return
        w("v = m.%s" % f.attr)
        if f.presence:
            w("if v is not None:")
        elif f.repeated:
            w("if v:")
        elif f.type in (FLOAT, DOUBLE):
            self.helpers.add("negzero")
            w("if v or %s_negzero(v):" % N.RESERVED)
        else:
            w("if v:")
        with w.block():
            body(w)

    def scalar_size_expr(self, t, var="v"):
        """Python expression: encoded size of one value (no tag)."""
        R = N.RESERVED
        if t in FIXED_FMT:
            return str(FIXED_FMT[t][1])
        if t == BOOL:
            return "1"
        self.helpers.add("vsize")
        if t in (STRING, BYTES):
            self.helpers.add("lsize")
            return "%s_lsize(%s)" % (R, var)
        if t == SINT32:
            return "%s_vsize((%s << 1) ^ (%s >> 31))" % (R, var, var)
        if t == SINT64:
            return "%s_vsize((%s << 1) ^ (%s >> 63))" % (R, var, var)
        # unsigned values too: a negative one (a caller's error) must take
        # vsize's 10-byte path, never the one-byte store
        return "(1 if %s < 128 and %s >= 0 else %s_vsize(%s))" % (var, var, R, var)

    def add_len(self, w, tl, var="k"):
        """Emit: n += tag + length prefix + payload of length var (one- and
        two-byte prefixes inline: sub-messages and text are often > 127)."""
        self.helpers.add("vsize")
        w("n += %s + (%d if %s < 128 else %d if %s < 16384 else %d + %s_vsize(%s))"
          % (var, tl + 1, var, tl + 2, var, tl, N.RESERVED, var))

    def emit_size(self, w, full, fields):
        R = N.RESERVED
        self.native_deco(w)
        w("def %s_z(m):" % R)
        with w.block():
            w("n = 0")
            for f in fields:
                self.size_field(w, f)
            w("v = m._buffa_u")
            w("if v:")
            with w.block():
                w("n += %s_len(v)" % R)
            w("return n")
        w()

    def size_one(self, w, f, var, tl):
        """Emit: n += the size of one value of field f held in var."""
        R = N.RESERVED
        t = f.type
        if t == MESSAGE:
            w("k = %s(%s)" % (self.fn("z", f.ref_full), var))
            w("%s._buffa_s = k" % var)
            self.add_len(w, tl)
        elif t == GROUP:
            w("n += %d + %s(%s)" % (2 * tl, self.fn("z", f.ref_full), var))
        elif t in (STRING, BYTES):
            w("k = %s_len(%s)" % (R, self.utf8_expr(t, f.flags, var)))
            self.add_len(w, tl)
        elif t in (SINT32, SINT64):
            self.helpers.add("vsize")
            w("k = (%s << 1) ^ (%s >> %d)" % (var, var, 31 if t == SINT32 else 63))
            w("n += %d + (1 if k < 128 else 2 if k < 16384 else %s_vsize(k))" % (tl, R))
        else:
            w("n += %d + %s" % (tl, self.scalar_size_expr(t, var)))

    @staticmethod
    def text_map_kind(kx, vx):
        """For a map<string, string|bytes>: the kind argument of
        buffa._textmap's encode (which CPython runs instead of the
        per-entry code); None for other maps."""
        if kx.type != STRING or vx.type not in (STRING, BYTES):
            return None
        kind = 0 if kx.flags & VERIFY else 4
        if vx.type == BYTES:
            return kind + 2
        return kind + (0 if vx.flags & VERIFY else 1)

    @contextlib.contextmanager
    def text_map_branch(self, w, kx, vx, helper, stmt):
        """Context for the per-entry size or write code of map field v. For
        a map<string, string|bytes> it goes under the else of
        `if <helper>: <stmt(kind) lines>`, the whole-field code CPython
        takes (buffa._textmap; the helper is None on MicroPython)."""
        kind = self.text_map_kind(kx, vx)
        if kind is None:
            yield
            return
        self.helpers.add(helper)
        w("if %s_%s:  # CPython" % (N.RESERVED, helper))
        with w.block():
            for line in stmt(kind):
                w(line)
        w("else:")
        with w.block():
            yield

    def entry_loop(self, w, kx, vx):
        """Emit the head of a loop over the entries of map v: key k, value x,
        and the entry's payload size in y. The caller closes the block.

        A str or bytes key or value is replaced by its UTF-8 bytes (views on
        MicroPython) and sized inline: a call to lsize per entry cost more
        than the entry's own writes, and the write pass reuses the bytes
        instead of encoding the text a second time."""
        R = N.RESERVED
        parts = []
        text = []
        w("for k in v:")
        w.ind += 1
        w("x = v[k]")
        for var, fx in (("k", kx), ("x", vx)):
            if fx.type in (STRING, BYTES):
                if fx.type == STRING:
                    w("%s = %s" % (var, self.utf8_expr(fx.type, fx.flags, var)))
                parts.append("%s_len(%s)" % (R, var))
                text.append(var)
            else:
                parts.append(self.scalar_size_expr(fx.type, var))
        w("y = %d + %s" % (2 + len(text), " + ".join(parts)))
        if text:
            # a text longer than 127 bytes takes more than one length byte;
            # only then can y exceed this bound
            self.helpers.add("vsize")
            w("if y > %d:" % (2 + len(text) + 127))
            with w.block():
                for var in text:
                    w("if %s_len(%s) > 127:" % (R, var))
                    with w.block():
                        w("y += %s_vsize(%s_len(%s)) - 1" % (R, R, var))

    def size_field(self, w, f):
        R = N.RESERVED
        t = f.type
        num = f.number
        tl2 = len(varint_bytes((num << 3) | 2))
        if f.map:
            kx, vx = self.map_fields(f)
            if self.inline_map(vx):

                def body(w):
                    # CPython: the entries' bytes, kept for the write pass
                    tb = bytes(varint_bytes((num << 3) | 2))
                    stmt = lambda kind: ("k = %s_text_map(v, %d, %r)" % (R, kind, tb),  # noqa: E731
                                         "m._buffa_k%d = k" % num, "n += %s_len(k)" % R)
                    with self.text_map_branch(w, kx, vx, "text_map", stmt):
                        self.entry_loop(w, kx, vx)
                        self.add_len(w, tl2, "y")
                        w.ind -= 1

                self.present(w, f, body)
                return
            spec = self.map_spec(f)
            self.helpers.add("fields.map_size")
            self.present(w, f, lambda w: w("n += %s_map_size(v, %s, %d)" % (R, spec, tl2)))
            return
        wt = 2 if t in (MESSAGE, STRING, BYTES) else (3 if t == GROUP else WIRE[t])
        tl = len(varint_bytes((num << 3) | wt))
        if not f.repeated:
            self.present(w, f, lambda w: self.size_one(w, f, "v", tl))
            return
        if f.packed:

            def packed(w):
                if t in FIXED_FMT or t == BOOL:
                    w("k = %s_len(v)%s" % (R, " * %d" % FIXED_FMT[t][1] if t in FIXED_FMT else ""))
                else:
                    self.helpers.add("packed_size")
                    w("k = %s_packed_size(v, %d)" % (R, t))
                    w("m._buffa_k%d = k" % num)
                self.add_len(w, tl2)

            self.present(w, f, packed)
            return

        def rep(w):
            if t in FIXED_FMT or t == BOOL:
                w("n += %s_len(v) * %d" % (R, tl + (FIXED_FMT[t][1] if t in FIXED_FMT else 1)))
                return
            w("for x in v:")
            with w.block():
                self.size_one(w, f, "x", tl)

        self.present(w, f, rep)

    # ---- write ---------------------------------------------------------------

    # The write emitters take `off`: bytes already stored at p (a tag) that
    # p has not been advanced past yet, so a tag and a one-byte value cost
    # one `p +=` between them.

    def put_tag(self, w, tagv, advance=True, off=0):
        """Emit: store a tag at p + off; returns the offset after it (p is
        advanced past it only if advance)."""
        for b in varint_bytes(tagv):
            w("buf[%s] = %d" % (_at(off), b))
            off += 1
        if advance:
            w("p += %d" % off)
        return off

    def put_len(self, w, var="y", off=0, small=True, large=True):
        """Emit: write the varint in var (a length) at p + off. small: it may
        be below 128; large: it may be 128 or more."""
        if not large:
            w("buf[%s] = %s" % (_at(off), var))
            w("p += %d" % (off + 1))
            return
        self.helpers.add("put_varint")
        if small:
            w("if %s < 128:" % var)
            with w.block():
                w("buf[%s] = %s" % (_at(off), var))
                w("p += %d" % (off + 1))
        w("%s %s < 16384:" % ("elif" if small else "if", var))
        with w.block():
            w("buf[%s] = %s & 127 | 128" % (_at(off), var))
            w("buf[%s] = %s >> 7" % (_at(off + 1), var))
            w("p += %d" % (off + 2))
        w("else:")
        with w.block():
            w("p = %s_put_varint(buf, %s, %s)" % (N.RESERVED, _at(off), var))

    def utf8_expr(self, t, flags, var):
        """Expression for the bytes to write for a string or bytes value."""
        if t == BYTES:
            return var
        h = "utf8" if flags & VERIFY else "utf8_lax"
        self.helpers.add(h)
        return "%s_%s(%s)" % (N.RESERVED, h, var)

    def put_value(self, w, t, var, flags=0, off=0, encoded=False, large=True, truthy=False):
        """Emit: write one non-message value held in var at p + off (may
        rebind var). encoded: a string value already holds its UTF-8;
        large=False: a string or bytes value is known to be under 128 bytes;
        truthy: the value is known to be true (a bool written only if set)."""
        R = N.RESERVED
        if t in FIXED_FMT:
            fmt, n = FIXED_FMT[t]
            w("%s_pack(%r, buf, %s, %s)" % (R, fmt, _at(off), var))
            w("p += %d" % (n + off))
        elif t == BOOL:
            w("buf[%s] = %s" % (_at(off), "1" if truthy else "1 if %s else 0" % var))
            w("p += %d" % (off + 1))
        elif t in (STRING, BYTES):
            if t == STRING and not encoded:
                w("%s = %s" % (var, self.utf8_expr(t, flags, var)))
            w("y = %s_len(%s)" % (R, var))
            self.put_len(w, off=off, large=large)
            w("y += p")
            w("buf[p:y] = %s" % var)
            w("p = y")
        else:
            self.helpers.add("put_varint")
            if t in (SINT32, SINT64):
                w("y = (%s << 1) ^ (%s >> %d)" % (var, var, 31 if t == SINT32 else 63))
                var = "y"
            zigzag = t in (SINT32, SINT64)
            # a large value (a timestamp) fails the first test and stops there
            w("if %s < 128%s:" % (var, "" if zigzag else " and %s >= 0" % var))
            with w.block():
                w("buf[%s] = %s" % (_at(off), var))
                w("p += %d" % (off + 1))
            if zigzag:
                # Small signed deltas, what sint fields are for, often take
                # two bytes: write those inline too (a call costs more).
                w("elif %s < 16384:" % var)
                with w.block():
                    w("buf[%s] = %s & 127 | 128" % (_at(off), var))
                    w("buf[%s] = %s >> 7" % (_at(off + 1), var))
                    w("p += %d" % (off + 2))
            w("else:")
            with w.block():
                w("p = %s_put_varint(buf, %s, %s)" % (R, _at(off), var))

    def emit_write(self, w, full, fields):
        R = N.RESERVED
        self.native_deco(w)
        w("def %s_w(m, buf, p):" % R)
        with w.block():
            for f in fields:
                self.write_field(w, f)
            w("v = m._buffa_u")
            w("if v:")
            with w.block():
                w("y = p + %s_len(v)" % R)
                w("buf[p:y] = v")
                w("p = y")
            w("return p")
        w()

    def write_one(self, w, f, var):
        t = f.type
        num = f.number
        if t == MESSAGE:
            k = self.put_tag(w, (num << 3) | 2, False)
            w("y = %s._buffa_s" % var)
            self.put_len(w, off=k)
            w("p = %s(%s, buf, p)" % (self.fn("w", f.ref_full), var))
        elif t == GROUP:
            self.put_tag(w, (num << 3) | 3)
            w("p = %s(%s, buf, p)" % (self.fn("w", f.ref_full), var))
            self.put_tag(w, (num << 3) | 4)
        elif t in FIXED_FMT and num < 16:
            # a one-byte tag and the value in one pack_into call
            fmt, n = FIXED_FMT[t]
            w("%s_pack('<B%s', buf, p, %d, %s)" % (N.RESERVED, fmt[1], (num << 3) | WIRE[t], var))
            w("p += %d" % (n + 1))
        else:
            k = self.put_tag(w, (num << 3) | WIRE[t], False)
            # an implicit-presence field is written only when true (present())
            truthy = not (f.repeated or f.presence or f.oneof)
            self.put_value(w, t, var, f.flags, k, truthy=truthy)

    def write_field(self, w, f):
        R = N.RESERVED
        t = f.type
        num = f.number
        if f.map:
            kx, vx = self.map_fields(f)
            if self.inline_map(vx):

                def body(w):
                    # CPython: the bytes the size pass kept
                    stmt = lambda kind: ("p = %s_put_text_map(buf, p, m._buffa_k%d)" % (R, num),)  # noqa: E731
                    with self.text_map_branch(w, kx, vx, "put_text_map", stmt):
                        self.entry_loop(w, kx, vx)
                        # An entry shorter than 128 bytes has one-byte lengths
                        # throughout: write it without testing each of them.
                        for short in (True, False):
                            w("if y < 128:" if short else "else:")
                            with w.block():
                                off = self.put_tag(w, (num << 3) | 2, False)
                                if short:  # the entry's length, then the key's tag, at fixed offsets
                                    w("buf[%s] = y" % _at(off))
                                    off += 1
                                else:
                                    self.put_len(w, off=off, small=False)
                                    off = 0
                                for i, fx, var in ((1, kx, "k"), (2, vx, "x")):
                                    off = self.put_tag(w, (i << 3) | WIRE[fx.type], False, off)
                                    self.put_value(w, fx.type, var, fx.flags, off, True, large=not short)
                                    off = 0
                        w.ind -= 1

                self.present(w, f, body)
                return
            spec = self.map_spec(f)
            self.helpers.add("fields.put_map")
            tb = bytes(varint_bytes((num << 3) | 2))
            self.present(w, f, lambda w: w("p = %s_put_map(v, %s, buf, p, %r)" % (R, spec, tb)))
            return
        if not f.repeated:
            self.present(w, f, lambda w: self.write_one(w, f, "v"))
            return
        if f.packed:

            def packed(w):
                k = self.put_tag(w, (num << 3) | 2, False)
                if t in FIXED_FMT:
                    self.helpers.add("put_packed_fixed")
                    w("y = %s_len(v) * %d" % (R, FIXED_FMT[t][1]))
                    self.put_len(w, off=k)
                    w("p = %s_put_packed_fixed(buf, p, v, %r, %d)" % (R, FIXED_FMT[t][0], FIXED_FMT[t][1]))
                else:
                    self.helpers.add("put_packed")
                    w("y = %s_len(v)" % R if t == BOOL else "y = m._buffa_k%d" % num)
                    self.put_len(w, off=k)
                    w("p = %s_put_packed(buf, p, v, %d, y)" % (R, t))

            self.present(w, f, packed)
            return

        def rep(w):
            w("for x in v:")
            with w.block():
                self.write_one(w, f, "x")

        self.present(w, f, rep)

    # ---- extensions and services --------------------------------------------

    def emit_extensions(self, w, exts, scope, feats, owner):
        if not exts:
            return
        R = N.RESERVED
        w("from buffa.fields import Extension as %s_Extension" % R)
        for x in exts:
            f = Field(self.gen, self.fd, x, feats)
            ref = self.pyref(f.ref_full) if f.type in (MESSAGE, GROUP, ENUM) else "None"
            default = "None" if f.type in (MESSAGE, GROUP) else f.default_src
            full = (scope + "." if scope else ".") + x.name
            target = (owner + "." if owner else "") + N.field_name(x.name)
            w("%s = %s_Extension(%s, %d, %d, %d, %s, %r, %s)" % (target, R, self.pyref(x.extendee), x.number, f.type, f.flags, ref, full.lstrip("."), default))

    def emit_service(self, w, s, pkg):
        name = N.type_name(s.name) + "Client"
        full = (pkg + "." + s.name).lstrip(".")
        w()
        w("class %s:" % name)
        with w.block():
            w('"""Connect client for %s (unary methods)."""' % full)
            w()
            w("def __init__(self, client):")
            with w.block():
                w("self._buffa_client = client")
            for m in s.method:
                w()
                if m.client_streaming or m.server_streaming:
                    w("# %s: streaming RPCs are not supported by buffa.connect; skipped." % m.name)
                    continue
                opts = F.sub(m, "options")
                idem = opts is not None and F.has(opts, "idempotency_level") and opts.idempotency_level == 1
                w("def %s(self, request, **kw):" % N.method_name(m.name))
                with w.block():
                    w("return self._buffa_client.call(%r, request, %s%s, **kw)" % ("/%s/%s" % (full, m.name), self.pyref(m.output_type), ", use_get=True" if idem else ""))


class Generator:
    def __init__(self, files, native=False):
        self.index = TypeIndex(files)
        # Option "native": compile the codec functions with MicroPython's
        # native emitter (up to 1.3x in make bench; docs/design.md).
        # The module then loads only where the port has a native emitter
        # and from a .mpy built for the board's architecture.
        self.native = native

    def generate(self, fd):
        return FileGen(self, fd).run()

    def default_literal(self, f, desc):
        t = f.type
        if F.has(desc, "default_value"):
            dv = desc.default_value
            if t in (FLOAT, DOUBLE):
                if dv in ("inf", "-inf", "nan"):
                    return "float(%r)" % dv
                return repr(float(dv))
            if t == BOOL:
                return "True" if dv == "true" else "False"
            if t == STRING:
                return repr(dv)
            if t == BYTES:
                return repr(_c_unescape(dv))
            if t == ENUM:
                e = self.index.types[desc.type_name][1]
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
            e = self.index.types[desc.type_name][1]
            return str(e.value[0].number) if e.value else "0"
        if t in (MESSAGE, GROUP):
            return "None"
        return "0"
