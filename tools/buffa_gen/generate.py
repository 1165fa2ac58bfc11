"""Turns FileDescriptorProtos into buffa Python modules.

The generated code is specialised per message: each message gets a decode
function (an if/elif chain on the full tag with the common field shapes
inlined), a size function and a write function, plus a field table for the
reflective runtime paths. See docs/design.md for why, with the numbers.

FileGen puts a module together from emitters, one module each by concern:
messages, enums, oneofs, maps, decode, size, write, services, comments.
"""

import re

from . import compat
from . import features as F
from . import names as N
from .tables import BUILTINS
from .writer import Writer
from .messages import MessagesMixin
from .enums import EnumsMixin
from .comments import CommentsMixin
from .oneofs import OneofsMixin
from .maps import MapsMixin
from .decode import DecodeMixin
from .size import SizeMixin
from .write import WriteMixin
from .services import ServicesMixin
from .stubs import StubsMixin
from .model import TypeIndex, default_literal


class FileGen(MessagesMixin, EnumsMixin, CommentsMixin, OneofsMixin, MapsMixin, DecodeMixin, SizeMixin, WriteMixin, ServicesMixin, StubsMixin):
    def __init__(self, gen, fd, codec=False):
        self.gen = gen
        self.fd = fd
        # Writing the codec module of the "split" form (codec_module()): the
        # module's own classes are reached through its main module.
        self.codec = codec
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
        self.named = {}  # constants the field tables use: name -> (0 type | 1 flag, value)
        # comments by source_code_info path: (4, 0, 2, 1) is message 0's field 1
        info = F.sub(fd, "source_code_info")
        self.locations = {tuple(loc.path): loc for loc in info.location} if info is not None else {}

    def native_deco(self, w):
        if self.gen.native:
            w("@micropython.native")

    # ---- references ------------------------------------------------------

    def pyref(self, full):
        kind, desc, fd, path, feats = self.index.types[full]
        if fd.name == self.fd.name:
            return (N.RESERVED + "_m." if self.codec else "") + ".".join(path)
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

    def _classes(self):
        """The module's enum and message classes, written into a Writer
        (returned, with the file's features and package); this also builds
        the model the functions are written from (self.msgs)."""
        fd = self.fd
        feats = F.merge(F.defaults(F.file_edition(fd)), F.sub(fd, "options"))
        pkg = "." + fd.package if fd.package else ""
        self.local_ids = {}
        self._collect(pkg, fd.message_type, feats)
        for full in self.local_ids:
            self.cls_alias(full)  # local classes get the first alias numbers
        body = Writer()
        self.body = body
        for i, e in enumerate(fd.enum_type):
            self.emit_enum(body, e, pkg, feats, (5, i))
        for i, m in enumerate(fd.message_type):
            self.emit_class(body, m, pkg, feats, (4, i))
        return body, feats, pkg

    def run(self):
        fd = self.fd
        body, feats, pkg = self._classes()
        fns = self.emit_functions()
        tail = self.emit_tables()
        ext = Writer()
        self.emit_extensions(ext, fd.extension, pkg, feats, None)
        for full, m, fields, oneofs, mfeats in self.msgs:
            if m.extension:
                self.emit_extensions(ext, m.extension, full, mfeats, self.cls_alias(full))
        svc = Writer()
        if fd.service:
            self.emit_request_check(svc)
        for i, s in enumerate(fd.service):
            self.emit_service(svc, s, pkg, (6, i))
        if self.split:
            # the main module of the "split" form: all but the functions
            fns = Writer()
        rest = "\n".join(body.lines + fns.lines + tail.lines + ext.lines + svc.lines + self.consts + self.late)
        out = self.emit_prelude(rest)
        out()
        out.lines += body.lines
        out()
        self.emit_consts(out, rest)
        for c in self.late:
            out(c)
        out()
        for part in (fns, tail, ext, svc):
            out.lines += part.lines
        self.emit_register(out)
        return out.text()

    @property
    def split(self):
        """Writing the main module of the "split" form."""
        return self.gen.split and not self.codec and bool(self.local_ids)

    def emit_consts(self, out, rest):
        """The module-level constants (class aliases, map specs): in the
        split form's two modules only those their text (rest) uses."""
        lean = self.split or self.codec
        for c in self.consts:
            if not lean or self._used(c.split(" = ")[0], rest):
                out(c)

    @staticmethod
    def _used(name, text):
        """Whether text uses name (beyond defining it)."""
        return len(re.findall(r"\b%s\b" % re.escape(name), text)) > 1

    def codec_module(self):
        """The codec module of the "split" form (Generator.split): every
        message's codec functions, bound onto the main module's classes
        when buffa.message loads it on first use."""
        # (the classes and tables again, for the model the functions are
        # written from and the same helper numbering; not written out)
        self._classes()
        if not self.local_ids:
            return None
        fns = self.emit_functions()
        self.emit_tables()
        rest = "\n".join(fns.lines + self.consts)
        out = self.emit_prelude(rest)
        out("import %s as %s_m" % (self.module, N.RESERVED))
        out()
        self.emit_consts(out, rest)
        out()
        out.lines += fns.lines
        # (register() again: now it puts these functions in place)
        self.emit_register(out)
        return out.text()

    def emit_functions(self):
        """Every message's codec functions."""
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
        return fns

    def emit_prelude(self, rest):
        """The module's head: imports, constants and builtin aliases, those
        the rest of the module (rest, its text) uses."""
        R = N.RESERVED
        out = Writer()
        lean = self.split or self.codec
        compat.header(out, self.fd.name, compat.GENCODE_SPLIT if self.gen.split else compat.GENCODE,
                      "codec functions of %s" % self.module if self.codec else None)
        if not lean:
            out("from buffa.message import Message as %s_Message, Enum as %s_Enum" % (R, R))
        helpers = self.helpers
        if lean:
            helpers = [h for h in helpers if re.search(r"\b%s_%s\b" % (R, h.split(".")[-1]), rest)]
        rt = sorted(h for h in helpers if not h.startswith("fields."))
        if rt:
            out("from buffa.wire import (")
            with out.block():
                for h in rt:
                    out("%s as %s_%s," % (h, R, h))
            out(")")
        fh = sorted(h[7:] for h in helpers if h.startswith("fields."))
        if fh:
            out("from buffa.fields import %s" % ", ".join("%s as %s_%s" % (h, R, h) for h in fh))
        if not lean or "%s_new(" % R in rest:
            out("from buffa.message import new_instance as %s_new" % R)
        if "%s_member(" % R in rest:
            out("from buffa._oneof import member as %s_member" % R)
        struct_fns = [(a, f) for a, f in (("unpack", "unpack_from"), ("pack", "pack_into")) if "%s_%s(" % (R, a) in rest]
        if struct_fns:
            out("import struct as %s_struct" % R)
        if self.gen.native and not self.split:
            self.emit_native_import(out)
        for mod, alias in sorted(self.imports.items(), key=lambda kv: kv[1]):
            out("import %s as %s" % (mod, alias))
        self.emit_named(out)
        for a, f in struct_fns:
            out("%s_%s = %s_struct.%s" % (R, a, R, f))
        # The builtins the code below uses, by names of their own: a message
        # or extension named after a builtin shadows it in the module.
        for name in BUILTINS:
            if "%s_%s" % (R, name) in rest:
                out("%s_%s = %s" % (R, name, name))
        return out

    @staticmethod
    def emit_native_import(out):
        out("try:")
        with out.block():
            out("import micropython")
        out("except ImportError:  # CPython: the decorator does nothing")
        with out.block():
            out("class micropython:")
            with out.block():
                out("native = staticmethod(lambda f: f)")


class Generator:
    def __init__(self, files, native=False, split=False):
        self.index = TypeIndex(files)
        # Option "split": a module's codec functions go into a second module,
        # NAME_codec, which buffa.message loads on first use; where the C
        # accelerator decodes and encodes every message, it never loads
        # (docs/design.md section 20, "Heap after import with the C module").
        self.split = split
        # Option "native": compile the codec functions with MicroPython's
        # native emitter (up to 1.3x in make bench; docs/design.md).
        # The module then loads only where the port has a native emitter
        # and from a .mpy built for the board's architecture.
        self.native = native

    def generate(self, fd):
        return FileGen(self, fd).run()

    def generate_codec(self, fd):
        """The "split" form's codec module for fd, or None (no messages)."""
        return FileGen(self, fd, codec=True).codec_module()

    def generate_with_stub(self, fd):
        """The module's source and its type stub (.pyi)."""
        g = FileGen(self, fd)
        return g.run(), g.stub()

    def default_literal(self, f, desc):
        return default_literal(self.index, f, desc)
