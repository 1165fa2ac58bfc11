"""Emitter for enum classes."""

from . import names as N


class EnumsMixin:
    """Enum classes."""

    # ---- enums -------------------------------------------------------------

    def emit_enum(self, w, e, scope, feats, path):
        full = scope + "." + e.name
        w("class %s(%s):" % (N.type_name(e.name), self.base_name("Enum")))
        with w.block():
            self.docstring(w, path)
            w("_buffa_name = %r" % full[1:])
            seen = {}
            for i, v in enumerate(e.value):
                self.comment(w, path + (2, i))
                w("%s = %d" % (N.enum_value_name(v.name), v.number))
                seen.setdefault(v.number, v.name)
            w("_buffa_n = {%s}" % ", ".join("%d: %r" % kv for kv in seen.items()))
        w()
