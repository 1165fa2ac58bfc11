"""Emitter for service clients."""

from . import features as F
from . import names as N


class ServicesMixin:
    """Connect clients for services."""

    def emit_service(self, w, s, pkg, path):
        name = N.type_name(s.name) + "Client"
        full = (pkg + "." + s.name).lstrip(".")
        w()
        w("class %s:" % name)
        with w.block():
            self.docstring(w, path, ["Connect client for %s (unary methods)." % full])
            w()
            w("def __init__(self, client):")
            with w.block():
                w("self._buffa_client = client")
            for i, m in enumerate(s.method):
                w()
                if m.client_streaming or m.server_streaming:
                    w("# %s: streaming RPCs are not supported by buffa.connect; skipped." % m.name)
                    continue
                opts = F.sub(m, "options")
                idem = opts is not None and F.has(opts, "idempotency_level") and opts.idempotency_level == 1
                w("def %s(self, request, **kw):" % N.method_name(m.name))
                with w.block():
                    self.docstring(w, path + (2, i))
                    w("return self._buffa_client.call(%r, request, %s%s, **kw)" % ("/%s/%s" % (full, m.name), self.pyref(m.output_type), ", use_get=True" if idem else ""))
