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
