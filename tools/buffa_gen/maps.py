"""Emitters for map fields."""

import contextlib

from . import names as N
from .tables import BYTES, CLOSED, ENUM, GROUP, MESSAGE, STRING, VERIFY, WIRE
from .writer import at, varint_bytes
from .model import Field


class MapsMixin:
    """Map fields: entries decoded inline or through buffa.fields, and the per-entry size and write code."""

    def map_spec(self, f):
        if getattr(f, "_spec", None):
            return f._spec
        rows = []
        for num, x in zip((1, 2), self.map_fields(f)):
            ref = self.pyref(x.ref_full) if x.type in (MESSAGE, ENUM) else "None"
            flags = x.flags & (CLOSED | VERIFY)
            rows.append("(%r, %d, %s, %s, %s, %r, %r, %s, None)" % (x.attr, num, self.type_name(x.type), self.flags_expr(flags), ref, x.name, x.json_name, x.default_src))
        value = "(%s, %s)" % (rows[0], rows[1])
        name = self.specs.get(value)
        if name is None:
            name = self.specs[value] = "%s_s%d" % (N.RESERVED, len(self.consts))
            self.consts.append("%s = %s" % (name, value))
        f._spec = name
        return name

    def map_cases(self, f):
        """The decode case of map field f: one entry inline, or through
        buffa.fields (message values, closed enums)."""
        kx, vx = self.map_fields(f)
        tagv = (f.number << 3) | 2
        if self.inline_map(vx):
            return [(tagv, lambda w: self.decode_map_inline(w, f, kx, vx))]
        spec = self.map_spec(f)
        self.helpers.add("fields.map_entry")

        def body(w):
            self.read_len(w)
            w("%s_map_entry(m, m.%s, %s, b, s, p, q, dp - 1)" % (N.RESERVED, f.attr, spec))
            w("p = q")

        return [(tagv, body)]

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

    def entry_loop(self, w, kx, vx, check=False):
        """Emit the head of a loop over the entries of map v: key k, value x,
        and the entry's payload size in y. The caller closes the block.
        check: check the range of fixed-width integers (the size pass).

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
                if check:
                    self.check_fixed(w, fx.type, var)
                    self.check_bool(w, fx.type, var)
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

    def write_map(self, w, f):
        """Emit the write code of map field f."""
        R = N.RESERVED
        num = f.number
        kx, vx = self.map_fields(f)
        if not self.inline_map(vx):
            spec = self.map_spec(f)
            self.helpers.add("fields.put_map")
            tb = bytes(varint_bytes((num << 3) | 2))
            self.present(w, f, lambda w: w("p = %s_put_map(v, %s, buf, p, %r)" % (R, spec, tb)))
            return

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
                        self.write_entry(w, num, kx, vx, short)
                w.ind -= 1

        self.present(w, f, body)

    def write_entry(self, w, num, kx, vx, short):
        """Emit: write the entry k: x of map field num, payload size y
        (short: under 128 bytes, so every length in it takes one byte)."""
        off = self.put_tag(w, (num << 3) | 2, False)
        if short:  # the entry's length, then the key's tag, at fixed offsets
            w("buf[%s] = y" % at(off))
            off += 1
        else:
            self.put_len(w, off=off, small=False)
            off = 0
        for i, fx, var in ((1, kx, "k"), (2, vx, "x")):
            off = self.put_tag(w, (i << 3) | WIRE[fx.type], False, off)
            self.put_value(w, fx.type, var, fx.flags, off, True, large=not short)
            off = 0
