# Interop: the client (on CPython and on the MicroPython unix port) against
# real Connect servers started here on 127.0.0.1 -- connect-python (PyPI
# connectrpc under uvicorn) and connect-node (@connectrpc/connect-node) --
# in plaintext and over TLS with a CA made by the test. Messages are the
# code protoc-gen-buffa generated from echo.proto.
#
# The unix port has no subprocess module; serverproc starts the servers
# through the shell there, so these need "network" and "filesystem" only.
from mptest import requires, raises, missing, Skip

# The library, its transports and the server helpers loaded from source need
# more heap than the small-heap run has: import them only where the tests
# will run (they all require "bigheap"; elsewhere they report a skip).
if not missing("network", "bigheap"):
    from buffa.connect import Client, Code, ConnectError
    from buffa.connect import clock, compress
    import echo_pb
    import serverproc

ECHO = "/connecttest.v1.EchoService/Echo"


def _exercise(client):
    """Everything the issue lists, against one server."""
    svc = echo_pb.EchoServiceClient(client)
    Req = echo_pb.EchoRequest

    # Proto codec, POST, metadata both ways, keep-alive across calls.
    for i in range(3):
        r = client.unary(ECHO, Req(text="hi %d" % i, payload=b"\x00\xff"), echo_pb.EchoResponse,
                         headers={"x-echo-one": "1", "x-echo-bin": b"\x01\x02\xff"})
        assert r.message.text == "hi %d" % i and r.message.payload == b"\x00\xff"
        assert r.message.method == "POST"
        assert "x-echo-one: 1" in r.message.headers
        assert "x-echo-bin: AQL/" in r.message.headers  # unpadded base64 on the wire
        assert r.headers.get("x-echo-response") == "yes"
        assert r.trailers.get("x-echo-trailer") == "done"

    # GET for the NO_SIDE_EFFECTS method, through the generated client.
    r = svc.lookup(Req(text="get me"))
    assert r.text == "get me" and r.method == "GET"

    # gzip both ways: a large request is compressed where the runtime can;
    # a large response comes back gzip'd and is inflated within the limit.
    big = bytes(range(256)) * 16
    r = client.unary(ECHO, Req(text="big", payload=big, repeat=8), echo_pb.EchoResponse)
    assert r.message.payload == big * 8
    assert r.message.request_encoding == ("gzip" if compress.CAN_COMPRESS else "")
    if compress.CAN_DECOMPRESS:
        assert r.headers.get("content-encoding") == "gzip"

    # Errors with details and metadata.
    e = raises(ConnectError, svc.echo, Req(text="nope", fail_code="not_found"))
    assert e.code == Code.NOT_FOUND and e.message == "nope" and e.http_status == 404
    infos = e.unpack_details({"connecttest.v1.ErrorInfo": echo_pb.ErrorInfo})
    assert len(infos) == 1 and infos[0].reason == "because" and infos[0].attempt == 3
    assert e.metadata.get("x-fail") == "header"
    assert e.metadata.get("x-fail-trailer") == "trailer"
    for code in (Code.INVALID_ARGUMENT, Code.UNAVAILABLE, Code.PERMISSION_DENIED, Code.INTERNAL):
        assert raises(ConnectError, svc.echo, Req(text="x", fail_code=code)).code == code

    # Deadlines: the client gives up on time; the connection is then redialled.
    t0 = clock.ticks_ms()
    e = raises(ConnectError, svc.echo, Req(text="slow", sleep_ms=3000), timeout_ms=400)
    took = clock.ticks_diff(clock.ticks_ms(), t0)
    assert e.code == Code.DEADLINE_EXCEEDED and took < 2000, (e, took)
    assert svc.echo(Req(text="after"), timeout_ms=5000).text == "after"

    # JSON codec, once buffa.protojson exists.
    try:
        import buffa.protojson  # noqa: F401
    except ImportError:
        return
    r = client.call(ECHO, Req(text="json", payload=b"\x01"), echo_pb.EchoResponse, codec="json")
    assert r.text == "json" and r.payload == b"\x01"
    e = raises(ConnectError, client.call, ECHO, Req(fail_code="aborted"), echo_pb.EchoResponse, codec="json")
    assert e.code == Code.ABORTED


def _plaintext(start, **kw):
    with start() as srv:
        with Client.plaintext("http://127.0.0.1:%d" % srv.port, timeout_ms=10000, **kw) as c:
            _exercise(c)


def _tls(start):
    if not serverproc.has_tls():
        raise Skip("no ssl or tls module on this runtime (CircuitPython's unix build has none)")
    certs = serverproc.make_certs()
    try:
        ca = serverproc.read_text(certs["ca"])
        with start(certs) as srv:
            with Client.tls("https://localhost:%d" % srv.port, cadata=ca, timeout_ms=10000) as c:
                _exercise(c)
            # Verification is on: a wrong name or an unknown CA fails the call.
            c = Client.tls("https://127.0.0.1:%d" % srv.port, cadata=ca, server_hostname="wrong.example")
            assert raises(ConnectError, c.call, ECHO, echo_pb.EchoRequest(), echo_pb.EchoResponse).code == Code.UNAVAILABLE
            other = serverproc.read_text(certs["other_ca"])
            c = Client.tls("https://localhost:%d" % srv.port, cadata=other)
            assert raises(ConnectError, c.call, ECHO, echo_pb.EchoRequest(), echo_pb.EchoResponse).code == Code.UNAVAILABLE
            # ...unless explicitly switched off.
            c = Client.tls("https://localhost:%d" % srv.port, insecure_skip_verify=True)
            assert c.call(ECHO, echo_pb.EchoRequest(text="x"), echo_pb.EchoResponse).text == "x"
            c.close()
    finally:
        serverproc.remove_certs(certs)


@requires("network", "filesystem", "bigheap")
def test_connect_python_plaintext():
    _plaintext(serverproc.connect_python)


@requires("network", "filesystem", "bigheap")
def test_connect_python_tls():
    _tls(serverproc.connect_python)


@requires("network", "filesystem", "bigheap")
def test_connect_node_plaintext():
    _plaintext(serverproc.connect_node)


@requires("network", "filesystem", "bigheap")
def test_connect_node_tls():
    _tls(serverproc.connect_node)


# CircuitPython boards reach the network through socketpool: the plaintext
# interop again, through socketpool_adapter over this build's socket module.
@requires("circuitpython", "network", "filesystem", "bigheap")
def test_connect_python_plaintext_through_a_socketpool():
    from socketpool_adapter import SocketPool

    pool = SocketPool()
    _plaintext(serverproc.connect_python, socketpool=pool)
    assert pool.lookups == 1 and pool.sockets >= 1


@requires("circuitpython", "network", "filesystem", "bigheap")
def test_connect_node_plaintext_through_a_socketpool():
    from socketpool_adapter import SocketPool

    pool = SocketPool()
    _plaintext(serverproc.connect_node, socketpool=pool)
    assert pool.lookups == 1 and pool.sockets >= 1
