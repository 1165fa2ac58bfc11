"""Emitters for the size functions."""

from . import names as N
from .tables import (
    BOOL, BYTES, DOUBLE, FIXED_FMT, FIXED_INT, FLOAT, GROUP, INT_RANGE, MESSAGE, SINT32, SINT64,
    STRING, VSIZE_HI, WIRE,
)
from .writer import varint_bytes


class SizeMixin:
    """Each message's size function (the first of encoding's two passes)."""

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
            return self.vsize_call("(%s << 1) ^ (%s >> 31)" % (var, var), t)
        if t == SINT64:
            return self.vsize_call("(%s << 1) ^ (%s >> 63)" % (var, var), t)
        # unsigned values too: a negative one (a caller's error) must take
        # vsize's path, which checks the range, never the one-byte store
        return "(1 if %s < 128 and %s >= 0 else %s)" % (var, var, self.vsize_call(var, t))

    def vsize_call(self, expr, t):
        """Python expression: wire.vsize of expr, a varint of field type t,
        raising EncodeError if it is outside the type's range."""
        self.helpers.add("vsize")
        hi = VSIZE_HI[t]
        return "%s_vsize(%s%s)" % (N.RESERVED, expr, ", " + hi if hi else "")

    def check_fixed(self, w, t, var):
        """Emit: raise EncodeError if var, a value of fixed-width integer
        type t, is outside its range (MicroPython's struct would wrap it)."""
        if t not in FIXED_INT:
            return
        self.helpers.add("EncodeError")
        lo, hi = INT_RANGE[t]
        w("if %s < %s or %s > %s:" % (var, lo, var, hex(hi).upper().replace("X", "x")))
        with w.block():
            w("raise %s_EncodeError('value out of range')" % N.RESERVED)

    def check_bool(self, w, t, var, truthy=False):
        """Emit: raise TypeError if var, a value of a bool field, is neither
        a bool nor an int (Google's protobuf takes ints as well; the write
        pass writes 1 for any true value). `x | 0` raises TypeError for a
        float, str, bytes, None or list; the encode entry points turn that
        into an EncodeError naming the field (buffa._errors). truthy: var is
        known to be true."""
        if t == BOOL:
            w(("if %s is not True:" % var) if truthy else ("if %s is not True and %s is not False:" % (var, var)))
            with w.block():
                w("%s | 0" % var)

    def bools(self, w, t):
        """Emit: check_bool for every value of list v, a repeated bool field
        (nothing for other types)."""
        if t == BOOL:
            w("for x in v:")
            with w.block():
                self.check_bool(w, t, "x")

    def fixed_range(self, w, t):
        """Emit: check the range of every value of list v, a repeated field
        of fixed-width integer type t (nothing for other types)."""
        if t in FIXED_INT:
            self.helpers.add("fixed_range")
            lo, hi = INT_RANGE[t]
            w("%s_fixed_range(v, %s, %s)" % (N.RESERVED, lo, hex(hi).upper().replace("X", "x")))

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
            w("k = (%s << 1) ^ (%s >> %d)" % (var, var, 31 if t == SINT32 else 63))
            w("n += %d + (1 if k < 128 else 2 if k < 16384 else %s)" % (tl, self.vsize_call("k", t)))
        else:
            self.check_fixed(w, t, var)
            # (an implicit-presence field's value is sized only when true)
            self.check_bool(w, t, var, truthy=not (f.presence or f.oneof or f.repeated))
            w("n += %d + %s" % (tl, self.scalar_size_expr(t, var)))

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
                        self.entry_loop(w, kx, vx, check=True)
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
                self.fixed_range(w, t)
                self.bools(w, t)
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
            self.fixed_range(w, t)
            self.bools(w, t)
            if t in FIXED_FMT or t == BOOL:
                w("n += %s_len(v) * %d" % (R, tl + (FIXED_FMT[t][1] if t in FIXED_FMT else 1)))
                return
            w("for x in v:")
            with w.block():
                self.size_one(w, f, "x", tl)

        self.present(w, f, rep)
