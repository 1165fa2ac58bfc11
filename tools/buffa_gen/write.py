"""Emitters for the write functions."""

from . import names as N
from .tables import BOOL, BYTES, FIXED_FMT, FLOAT, GROUP, MESSAGE, SINT32, SINT64, STRING, VERIFY, WIRE
from .writer import varint_bytes, at


class WriteMixin:
    """Each message's write function (the second pass)."""

    # ---- write ---------------------------------------------------------------

    # The write emitters take `off`: bytes already stored at p (a tag) that
    # p has not been advanced past yet, so a tag and a one-byte value cost
    # one `p +=` between them.

    def put_tag(self, w, tagv, advance=True, off=0):
        """Emit: store a tag at p + off; returns the offset after it (p is
        advanced past it only if advance)."""
        for b in varint_bytes(tagv):
            w("buf[%s] = %d" % (at(off), b))
            off += 1
        if advance:
            w("p += %d" % off)
        return off

    def put_len(self, w, var="y", off=0, small=True, large=True):
        """Emit: write the varint in var (a length) at p + off. small: it may
        be below 128; large: it may be 128 or more."""
        if not large:
            w("buf[%s] = %s" % (at(off), var))
            w("p += %d" % (off + 1))
            return
        self.helpers.add("put_varint")
        if small:
            w("if %s < 128:" % var)
            with w.block():
                w("buf[%s] = %s" % (at(off), var))
                w("p += %d" % (off + 1))
        w("%s %s < 16384:" % ("elif" if small else "if", var))
        with w.block():
            w("buf[%s] = %s & 127 | 128" % (at(off), var))
            w("buf[%s] = %s >> 7" % (at(off + 1), var))
            w("p += %d" % (off + 2))
        w("else:")
        with w.block():
            w("p = %s_put_varint(buf, %s, %s)" % (N.RESERVED, at(off), var))

    def packer(self, t):
        """The struct.pack_into that writes a fixed-width value of type t: a
        float field's goes through wire.pack_f32, which writes a double
        beyond float's range as +-inf on CPython as well."""
        if t == FLOAT:
            self.helpers.add("pack_f32")
            return N.RESERVED + "_pack_f32"
        return N.RESERVED + "_pack"

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
            w("%s(%r, buf, %s, %s)" % (self.packer(t), fmt, at(off), var))
            w("p += %d" % (n + off))
        elif t == BOOL:
            w("buf[%s] = %s" % (at(off), "1" if truthy else "1 if %s else 0" % var))
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
                w("buf[%s] = %s" % (at(off), var))
                w("p += %d" % (off + 1))
            if zigzag:
                # Small signed deltas, what sint fields are for, often take
                # two bytes: write those inline too (a call costs more).
                w("elif %s < 16384:" % var)
                with w.block():
                    w("buf[%s] = %s & 127 | 128" % (at(off), var))
                    w("buf[%s] = %s >> 7" % (at(off + 1), var))
                    w("p += %d" % (off + 2))
            w("else:")
            with w.block():
                w("p = %s_put_varint(buf, %s, %s)" % (R, at(off), var))

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
            w("%s('<B%s', buf, p, %d, %s)" % (self.packer(t), fmt[1], (num << 3) | WIRE[t], var))
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
            self.write_map(w, f)
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
