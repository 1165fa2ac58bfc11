"""Emitters for the decode functions."""

from . import names as N
from .tables import (
    BOOL, BYTES, FIXED_FMT, GROUP, MESSAGE, PACKED_CONV, SINT32, SINT64, STRING, VARINT_CONV,
    VERIFY, WIRE,
)


class DecodeMixin:
    """Each message's decode function."""

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
            w("except %s_UnicodeError:" % R)
            with w.block():
                w("raise %s_DecodeError('invalid UTF-8 in string field', p, 'utf8')" % R)
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

    # MicroPython cannot encode jumps across very large functions ("bytecode
    # overflow"), so a message with many fields decodes through chunk
    # functions of at most CHUNK cases each.
    CHUNK = 40

    def emit_decode(self, w, full, fields):
        i = self.local_ids[full]
        R = N.RESERVED
        self.helpers.update(("DecodeError", "tag", "unknown"))
        cases = [(c[0], c[1], f.repeated, self.case_label(f, c[0])) for f in fields for c in self.decode_cases(f)]
        cases.sort(key=lambda c: c[0])
        chunks = [cases[k : k + self.CHUNK] for k in range(0, len(cases), self.CHUNK)] if len(cases) > self.CHUNK else None
        if not chunks:
            # Repeated and map fields first: they arrive many times per
            # message (1% of a W1 or W2 decode, bench/profile/instructions.py).
            cases.sort(key=lambda c: not c[2])
        else:
            self.emit_chunks(w, i, chunks)
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
                    self.emit_chunk_calls(w, i, chunks)
                else:
                    self.emit_cases(w, cases)
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

    @staticmethod
    def emit_cases(w, cases):
        """Emit the if/elif chain of decode cases on the tag t."""
        for k, (tagv, body, _, label) in enumerate(cases):
            w(("if t == %d:  # %s" if k == 0 else "elif t == %d:  # %s") % (tagv, label))
            with w.block():
                body(w)

    def emit_chunks(self, w, i, chunks):
        """Emit a message's chunk functions: each decodes one field of its
        run of cases and returns the new position, or -1 if none matched."""
        for j, chunk in enumerate(chunks):
            self.native_deco(w)
            w("def %s_d%d_%d(m, b, p, e, s, t, dp):" % (N.RESERVED, i, j))
            with w.block():
                self.emit_cases(w, chunk)
                w("else:")
                with w.block():
                    w("return -1")
                w("return p")
            w()

    def emit_chunk_calls(self, w, i, chunks):
        """Emit the calls of the chunk functions by tag range, leaving an
        open else: for the tags none of them handles."""
        for j, chunk in enumerate(chunks):
            hi = chunks[j + 1][0][0] if j + 1 < len(chunks) else None
            if hi is None:
                w("else:" if j else "if True:")
            else:
                w(("if t < %d:" if j == 0 else "elif t < %d:") % hi)
            with w.block():
                w("r = %s_d%d_%d(m, b, p, e, s, t, dp)" % (N.RESERVED, i, j))
        w("if r >= 0:")
        with w.block():
            w("p = r")
        w("else:")

    @staticmethod
    def case_label(f, tagv):
        """What a decode case handles, for the comment on its test: the
        field's proto name, and "packed" for a packed run."""
        packed = tagv & 7 == 2 and f.repeated and not f.map and f.type not in (STRING, BYTES, MESSAGE, GROUP)
        return f.name + (" (packed)" if packed else "")

    def decode_cases(self, f):
        """(tag, body emitter) pairs for a field."""
        num = f.number
        if f.map:
            return self.map_cases(f)
        if f.type in (MESSAGE, GROUP):
            # named now: the order of the module's class aliases follows
            dec = self.fn("d", f.ref_full)
            new = self.new_expr(f.ref_full)
            if f.type == MESSAGE:
                return [((num << 3) | 2, lambda w: self.decode_message(w, f, dec, new))]
            return [((num << 3) | 3, lambda w: self.decode_group(w, f, dec, new))]
        if f.type in (STRING, BYTES):
            return [((num << 3) | 2, lambda w: self.decode_text(w, f))]
        cases = [((num << 3) | WIRE[f.type], lambda w: self.decode_scalar(w, f))]
        if f.repeated:
            cases.append(((num << 3) | 2, lambda w: self.decode_packed(w, f)))
        return cases

    def decode_message(self, w, f, dec, new):
        self.read_len(w)
        self.get_child(w, f, new)
        w("%s(c, b, p, q, dp - 1, 0)" % dec)
        w("p = q")

    def decode_group(self, w, f, dec, new):
        self.get_child(w, f, new)
        w("p = %s(c, b, p, e, dp - 1, %d)" % (dec, (f.number << 3) | 4))

    def get_child(self, w, f, new):
        """Emit: c = the sub-message of f to decode into (a new one appended
        to a repeated field; the one set, else a new one)."""
        if f.repeated:
            w("c = %s" % new)
            w("m.%s.append(c)" % f.attr)
        elif f.oneof:
            self.oneof_child(w, f, new)
        else:
            w("c = m.%s" % f.attr)
            w("if c is None:")
            with w.block():
                w("c = m.%s = %s" % (f.attr, new))

    def decode_text(self, w, f):
        self.read_len(w)
        self.read_string(w, f.flags if f.type == STRING else None, "q", "v")
        if f.repeated:
            w("%s_left.n -= 1" % N.RESERVED)
            w("m.%s.append(v)" % f.attr)
        else:
            self.store(w, f, "v")
        w("p = q")

    def decode_scalar(self, w, f):
        if WIRE[f.type] == 0:
            self.read_varint(w, f.type)
        else:
            self.read_fixed(w, f.type)
        if f.closed:
            w("if v in %s:" % self.enum_known(f))
            with w.block():
                if f.repeated:
                    w("%s_left.n -= 1" % N.RESERVED)
                    w("m.%s.append(v)" % f.attr)
                else:
                    self.store(w, f, "v")
            w("else:")
            with w.block():
                self.helpers.add("unknown_raw")
                w("%s_unknown_raw(m, b, s, p)" % N.RESERVED)
        elif f.repeated:
            w("%s_left.n -= 1" % N.RESERVED)
            w("m.%s.append(v)" % f.attr)
        else:
            self.store(w, f, "v")

    def decode_packed(self, w, f):
        R = N.RESERVED
        t = f.type
        self.read_len(w)
        if WIRE[t] == 0:
            if f.closed:
                self.helpers.add("packed_closed")
                w("p = %s_packed_closed(m, %d, b, p, q, m.%s, %s)" % (R, f.number, f.attr, self.enum_known(f)))
            else:
                conv = PACKED_CONV.get(t)
                self.helpers.add("packed_varint")
                if conv:
                    self.helpers.add(conv)
                w("p = %s_packed_varint(b, p, q, m.%s, %s)" % (R, f.attr, (R + "_" + conv) if conv else "None"))
        else:
            fmt, n = FIXED_FMT[t]
            self.helpers.add("packed_fixed")
            w("p = %s_packed_fixed(b, p, q, m.%s, %r, %d)" % (R, f.attr, fmt, n))

    def enum_known(self, f):
        key = ("enum", f.ref_full)
        if key not in self.ids:
            self.ids[key] = len(self.consts)
            self.consts.append("%s_e%d = %s._buffa_n" % (N.RESERVED, self.ids[key], self.pyref(f.ref_full)))
        return "%s_e%d" % (N.RESERVED, self.ids[key])
