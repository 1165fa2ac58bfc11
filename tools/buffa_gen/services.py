"""Emitter for service clients: one class per service, calling through a
buffa.connect client.

    class EchoServiceClient:
        def echo(self, request, timeout_ms=None, headers=None, codec="proto", use_get=False)
        def echo_with_response(...)          # a Response: message, headers, trailers
        def watch(self, request, ...)        # server streaming: an iterator of messages
        def collect(self, requests=None, ...)  # client streaming: iterable in, message out;
                                               # without requests, a ClientStream to send() on

The same class serves buffa.connect.Client and aio.Client (whose methods
return coroutines and whose server streams are async iterators). Requests
are type-checked before anything is sent. Bidirectional methods are not
generated (Connect over HTTP/1.1 has no full-duplex calls).
"""
from . import features as F
from . import names as N

_OPTS = "timeout_ms=None, headers=None, codec=\"proto\""
_PASS = "timeout_ms, headers, codec"


def kind(m):
    """A MethodDescriptorProto's shape: "unary", "server", "client" or "bidi"."""
    if m.client_streaming and m.server_streaming:
        return "bidi"
    if m.server_streaming:
        return "server"
    return "client" if m.client_streaming else "unary"


def idempotent(m):
    """True for NO_SIDE_EFFECTS methods, which the generated client calls with GET."""
    opts = F.sub(m, "options")
    return opts is not None and F.has(opts, "idempotency_level") and opts.idempotency_level == 1


class ServicesMixin:
    """Connect clients for services."""

    def emit_request_check(self, w):
        """The module-level helper the methods use to check a request's type."""
        w()
        w("def %s_req(r, cls):" % N.RESERVED)
        with w.block():
            w("# The request's type, checked before anything is sent.")
            w("if not isinstance(r, cls):")
            with w.block():
                w("from buffa.connect import ConnectError, Code")
                w('raise ConnectError(Code.INVALID_ARGUMENT, "request must be %s, not %s" % (cls.__name__, '
                  'type(r).__name__))')
            w("return r")

    def emit_service(self, w, s, pkg, path):
        """The client class of service s (a ServiceDescriptorProto); path: its
        location in source_code_info, for its comments."""
        name = N.type_name(s.name) + "Client"
        full = (pkg + "." + s.name).lstrip(".")
        methods = [N.method_name(m.name) for m in s.method]
        w()
        w("class %s:" % name)
        with w.block():
            self.docstring(w, path, ["Connect client for %s: pass a buffa.connect Client or aio.Client." % full])
            w()
            w("def __init__(self, client):")
            with w.block():
                w("self._buffa_client = client")
            for i, (m, meth) in enumerate(zip(s.method, methods)):
                w()
                rpc = "/%s/%s" % (full, m.name)
                req = self.pyref(m.input_type)
                resp = self.pyref(m.output_type)
                k = kind(m)
                if k == "bidi":
                    w("# %s: bidirectional streaming is not supported by buffa.connect; skipped." % m.name)
                elif k == "server":
                    self._server_stream(w, meth, rpc, req, resp, path + (2, i))
                elif k == "client":
                    self._client_stream(w, meth, rpc, req, resp, path + (2, i))
                else:
                    self._unary(w, m, meth, rpc, req, resp, methods, path + (2, i))

    def _unary(self, w, m, meth, rpc, req, resp, methods, path):
        sig = "(self, request, %s, use_get=%s):" % (_OPTS, idempotent(m))
        call = "(%r, %s_req(request, %s), %s, %s, use_get)" % (rpc, N.RESERVED, req, resp, _PASS)
        w("def %s%s" % (meth, sig))
        with w.block():
            self.docstring(w, path)
            w("return self._buffa_client.call%s" % call)
        variant = meth + "_with_response"
        w()
        if variant in methods:
            w("# %s: the name is taken by another method; use the client's unary()." % variant)
            return
        w("def %s%s" % (variant, sig))
        with w.block():
            w('"""Like %s(), but the result is a Response with headers and trailers."""' % meth)
            w("return self._buffa_client.unary%s" % call)

    def _server_stream(self, w, meth, rpc, req, resp, path):
        w("def %s(self, request, %s):" % (meth, _OPTS))
        with w.block():
            self.docstring(w, path, ["Server streaming: iterate the result; its trailers are set at the end."])
            w("return self._buffa_client.server_stream(%r, %s_req(request, %s), %s, %s)"
              % (rpc, N.RESERVED, req, resp, _PASS))

    def _client_stream(self, w, meth, rpc, req, resp, path):
        w("def %s(self, requests=None, %s):" % (meth, _OPTS))
        with w.block():
            self.docstring(w, path, ["Client streaming: send an iterable of requests and get the response,",
                                     "or without one, get a stream to send() on and then close_and_receive()."])
            w("if requests is None:")
            with w.block():
                w("return self._buffa_client.client_stream(%r, %s, %s, request_type=%s)" % (rpc, resp, _PASS, req))
            w("return self._buffa_client.client_stream_call(%r, requests, %s, %s, request_type=%s)"
              % (rpc, resp, _PASS, req))
