"""Emitters for oneof members."""


class OneofsMixin:
    """What oneof members need beyond other fields."""

    def store(self, w, f, expr):
        """Emit: store a scalar value into singular field f."""
        if f.oneof:
            w("m._buffa_c_%s = %r" % (f.oneof, f.attr))
            w("m._buffa_v_%s = %s" % (f.oneof, expr))
        else:
            w("m.%s = %s" % (f.attr, expr))

    def oneof_child(self, w, f, new):
        """Emit: c = the message set in f's oneof if f is the case, else a
        new one that becomes the case."""
        w("if m._buffa_c_%s == %r:" % (f.oneof, f.attr))
        with w.block():
            w("c = m._buffa_v_%s" % f.oneof)
        w("else:")
        with w.block():
            w("c = %s" % new)
            w("m._buffa_c_%s = %r" % (f.oneof, f.attr))
            w("m._buffa_v_%s = c" % f.oneof)
