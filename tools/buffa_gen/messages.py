"""Emitters for message classes and their field tables."""

from . import features as F
from . import names as N
from .tables import ENUM, FLAG_NAMES, GROUP, MESSAGE, TYPE_NAMES
from .writer import Writer
from .model import Field


def mangled(name):
    return name.startswith("__") and not name.endswith("__")


class MessagesMixin:
    """Message classes: the class body, the field table and factory, extensions, and what the module ends with."""

    def emit_named(self, w):
        """Emit the const() definitions of the names the field tables use."""
        if not self.named:
            return
        w("try:")
        with w.block():
            w("from micropython import const")
        w("except ImportError:  # CPython")
        with w.block():
            w("def const(x):")
            with w.block():
                w("return x")
        for name, (_, v) in sorted(self.named.items(), key=lambda kv: kv[1]):
            w("%s = const(%d)" % (name, v))

    def base_name(self, base):
        """How the module names buffa.message's Message or Enum: the split
        form's main module through the runtime package, with no module
        global of its own (a dict slot each, which is heap)."""
        return "%s_rt.%s" % (N.RESERVED, base) if self.split else "%s_%s" % (N.RESERVED, base)

    def emit_register(self, w):
        # Make the module's message classes known by full name (Any's type
        # URLs in buffa.protojson resolve through buffa.message.TYPES).
        if not self.local_ids:
            return
        if self.split:
            # (no module global for it: each is heap in the split form)
            w("%s_rt.message.register(%s)" % (N.RESERVED, ", ".join(self.pyref(full) for full in self.local_ids)))
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

    # ---- classes -----------------------------------------------------------

    def emit_class(self, w, m, scope, feats, path):
        full = scope + "." + m.name
        if F.has(m, "options") and m.options.map_entry:
            return  # map entries are decoded by buffa.fields, never as classes
        mfeats = F.merge(feats, F.sub(m, "options"))
        oneofs = []
        for i, o in enumerate(m.oneof_decl):
            synthetic = all(getattr(f, "proto3_optional", False) for f in m.field if F.has(f, "oneof_index") and f.oneof_index == i)
            oneofs.append(None if synthetic else N.field_name(o.name))
        fields = []
        for i, f in sorted(enumerate(m.field), key=lambda x: x[1].number):
            oneof = oneofs[f.oneof_index] if F.has(f, "oneof_index") else None
            ofeats = mfeats
            if F.has(f, "oneof_index"):
                ofeats = F.merge(mfeats, F.sub(m.oneof_decl[f.oneof_index], "options"))
            fields.append(Field(self.gen, self.fd, f, ofeats, oneof))
            fields[-1].path = path + (2, i)
        self.msgs.append((full, m, fields, [o for o in oneofs if o], mfeats))
        w("class %s(%s):" % (N.type_name(m.name), self.base_name("Message")))
        with w.block():
            self.docstring(w, path)
            w("_buffa_name = %r" % full[1:])
            for i, o in enumerate(oneofs):
                if o and o not in oneofs[:i]:
                    self.comment(w, path + (8, i))
                    w("_buffa_c_%s = None" % o)
                    w("_buffa_v_%s = None" % o)
            for f in fields:
                if not f.repeated:
                    self.comment(w, f.path)
                if f.oneof:
                    val = "%s_member(%r, %r)" % (N.RESERVED, f.oneof, f.attr)
                elif not f.repeated:
                    val = "None" if f.presence else f.default_src
                else:
                    continue
                if mangled(f.attr):
                    # Python would mangle __name inside a class body
                    self.late.append("%s_setattr(%s, %r, %s)" % (N.RESERVED, self.pyref(full), f.attr, val))
                else:
                    w("%s = %s" % (f.attr, val))
            w()
            if not self.split:
                # (the split form's classes take Message.__init__: a
                # function each costs heap after import)
                self.emit_init(w, fields)
                w()
            for i, e in enumerate(m.enum_type):
                self.emit_enum(w, e, full, mfeats, path + (4, i))
            for i, n in enumerate(m.nested_type):
                self.emit_class(w, n, full, mfeats, path + (3, i))
        w()

    def emit_init(self, w, fields):
        """Emit the class's __init__: a list or dict per repeated field and
        map, then keyword arguments through Message.__init__."""
        # "self" is a possible field name: M(self=1) must work
        S = N.RESERVED + "_s"
        w("def __init__(%s, **kw):" % S)
        with w.block():
            for f in fields:
                if not f.repeated:
                    continue
                self.comment(w, f.path)
                if mangled(f.attr):
                    w("%s_setattr(%s, %r, %s)" % (N.RESERVED, S, f.attr, "{}" if f.map else "[]"))
                else:
                    w("%s.%s = %s" % (S, f.attr, "{}" if f.map else "[]"))
            w("if kw:")
            with w.block():
                w("%s_Message.__init__(%s, **kw)" % (N.RESERVED, S))

    def emit_tables(self):
        """Every message's field table (buffa.message describes the rows)."""
        tail = Writer()
        for full, m, fields, oneofs, mfeats in self.msgs:
            tail("%s._buffa_f = (" % (self.pyref(full) if self.split else self.cls_alias(full)))
            with tail.block():
                for f in fields:
                    tail(self.row(f) + ",")
            tail(")")
        return tail

    def row(self, f):
        if f.map:
            ref = self.map_spec(f)
        elif f.type in (MESSAGE, GROUP, ENUM):
            ref = self.pyref(f.ref_full)
        else:
            ref = "None"
        default = "None" if f.type in (MESSAGE, GROUP) else f.default_src
        return "(%r, %d, %s, %s, %s, %r, %r, %s, %r)" % (f.attr, f.number, self.type_name(f.type), self.flags_expr(f.flags), ref, f.name, f.json_name, default, f.oneof)

    # Field tables name types and flags (_buffa_UINT32, _buffa_REPEATED |
    # _buffa_PACKED): constants defined with const() at the top of the
    # module, which MicroPython folds at compile time (a leading underscore
    # keeps them out of the module's globals), so they cost no heap there.

    def type_name(self, t):
        """The constant naming field type t in a field table."""
        name = "%s_%s" % (N.RESERVED, TYPE_NAMES[t])
        self.named[name] = (0, t)
        return name

    def flags_expr(self, flags):
        """Field table flags as an expression of named constants."""
        parts = []
        for bit, nm in FLAG_NAMES:
            if flags & bit:
                name = "%s_%s" % (N.RESERVED, nm)
                self.named[name] = (1, bit)
                parts.append(name)
        return " | ".join(parts) or "0"

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
            w("%s = %s_Extension(%s, %d, %s, %s, %s, %r, %s)" % (target, R, self.pyref(x.extendee), x.number, self.type_name(f.type), self.flags_expr(f.flags), ref, full.lstrip("."), default))
