"""Service clients: one class per service, calling through a buffa.connect client.

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


def emit_request_check(w):
    """The module-level helper the methods use to check a request's type."""
    w()
    w("def %s_req(r, cls):" % N.RESERVED)
    with w.block():
        w("# The request's type, checked before anything is sent.")
        w("if not isinstance(r, cls):")
        with w.block():
            w("from buffa.connect import ConnectError, Code")
            w('raise ConnectError(Code.INVALID_ARGUMENT, "request must be %s, not %s" % (cls.__name__, type(r).__name__))')
        w("return r")


def emit_service(gen, w, s, pkg):
    """Emit the client class of service `s` (a ServiceDescriptorProto); `gen`
    resolves type names (FileGen.pyref)."""
    name = N.type_name(s.name) + "Client"
    full = (pkg + "." + s.name).lstrip(".")
    methods = [N.method_name(m.name) for m in s.method]
    w()
    w("class %s:" % name)
    with w.block():
        w('"""Connect client for %s: pass a buffa.connect Client or aio.Client."""' % full)
        w()
        w("def __init__(self, client):")
        with w.block():
            w("self._buffa_client = client")
        for m, meth in zip(s.method, methods):
            w()
            path = "/%s/%s" % (full, m.name)
            req = gen.pyref(m.input_type)
            resp = gen.pyref(m.output_type)
            if m.client_streaming and m.server_streaming:
                w("# %s: bidirectional streaming is not supported by buffa.connect; skipped." % m.name)
            elif m.server_streaming:
                _server_stream(w, meth, path, req, resp)
            elif m.client_streaming:
                _client_stream(w, meth, path, req, resp)
            else:
                _unary(w, m, meth, path, req, resp, methods)


def _unary(w, m, meth, path, req, resp, methods):
    opts = F.sub(m, "options")
    idem = opts is not None and F.has(opts, "idempotency_level") and opts.idempotency_level == 1
    sig = "(self, request, %s, use_get=%s):" % (_OPTS, idem)
    call = "(%r, %s_req(request, %s), %s, %s, use_get)" % (path, N.RESERVED, req, resp, _PASS)
    w("def %s%s" % (meth, sig))
    with w.block():
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


def _server_stream(w, meth, path, req, resp):
    w("def %s(self, request, %s):" % (meth, _OPTS))
    with w.block():
        w('"""Server streaming: iterate the result; its trailers are set at the end."""')
        w("return self._buffa_client.server_stream(%r, %s_req(request, %s), %s, %s)" % (path, N.RESERVED, req, resp, _PASS))


def _client_stream(w, meth, path, req, resp):
    w("def %s(self, requests=None, %s):" % (meth, _OPTS))
    with w.block():
        w('"""Client streaming: send an iterable of requests and get the response,')
        w('or without one, get a stream to send() on and then close_and_receive()."""')
        w("if requests is None:")
        with w.block():
            w("return self._buffa_client.client_stream(%r, %s, %s, request_type=%s)" % (path, resp, _PASS, req))
        w("return self._buffa_client.client_stream_call(%r, requests, %s, %s, request_type=%s)" % (path, resp, _PASS, req))
