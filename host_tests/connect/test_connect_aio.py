# buffa.connect.aio: the asyncio client, on CPython's and MicroPython's
# asyncio, against the scripted hostile server and connect-python (plaintext
# and TLS). The generated EchoServiceClient works unchanged: its methods
# return the aio client's coroutines.
from mptest import requires, missing, Skip

# The library, its transports and the server helpers loaded from source need
# more heap than the small-heap run has: import them only where the tests
# will run (they all require "bigheap"; elsewhere they report a skip).
if not missing("network", "bigheap"):
    if not missing("circuitpython"):
        # CircuitPython's asyncio (adafruit-circuitpython-asyncio, on the
        # runtime's path) opens connections with the `socket` module and
        # `uerrno`. CircuitPython boards have neither (they have socketpool
        # and errno); this unix build has socket, and the test adds uerrno.
        import errno
        import sys

        sys.modules["uerrno"] = errno
    import asyncio

    from buffa.connect import Code, ConnectError
    from buffa.connect import aio, clock, compress
    from echo_msgs import EchoRequest, EchoResponse
    import echo_pb
    import serverproc


def _run(coro):
    return asyncio.run(coro)


async def _fails(coro, code, within_ms=5000):
    t0 = clock.ticks_ms()
    try:
        await coro
    except ConnectError as e:
        took = clock.ticks_diff(clock.ticks_ms(), t0)
        assert e.code == code, e
        assert took <= within_ms, took
        return e
    raise AssertionError("no error, expected " + code)


@requires("network", "bigheap")
def test_aio_hostile():
    async def main(port):
        async with aio.Client.plaintext("http://127.0.0.1:%d" % port) as c:
            async def call(s, **kw):
                return await c.call("/hostile/" + s, EchoRequest(text="hi"), EchoResponse, **kw)

            assert (await call("conn")).text == "conn 1"
            assert (await call("conn")).text == "conn 1"  # kept alive
            assert (await call("close-after")).text == "conn 1"
            await asyncio.sleep_ms(400) if hasattr(asyncio, "sleep_ms") else await asyncio.sleep(0.4)
            assert (await call("conn")).text == "conn 2"  # dead idle connection redialled
            assert (await call("chunked")).text == "chunked"
            e = await _fails(call("error-json"), Code.FAILED_PRECONDITION)
            assert e.details[0].value == b"\x01\x02" and e.metadata.get("x-why") == "because"
            await _fails(call("error-not-json"), Code.UNAVAILABLE)
            await _fails(call("html-200"), Code.UNKNOWN)
            await _fails(call("bad-status"), Code.UNAVAILABLE)
            await _fails(call("short-body"), Code.UNAVAILABLE)
            await _fails(call("reset-mid-body"), Code.UNAVAILABLE)
            await _fails(call("stall-after-headers", timeout_ms=500), Code.DEADLINE_EXCEEDED, 1500)
            await _fails(call("slow", timeout_ms=300), Code.DEADLINE_EXCEEDED, 1200)
            if compress.CAN_DECOMPRESS:
                assert (await call("gzip-empty")) == EchoResponse()
            assert (await call("ok")).text == "ok"
        small = aio.Client.plaintext("http://127.0.0.1:%d" % port, max_response_bytes=32 * 1024)
        # Without a bounded decompressor the client asked for identity: gzip is refused.
        await _fails(small.call("/hostile/gzip-bomb", EchoRequest(), EchoResponse),
                     Code.RESOURCE_EXHAUSTED if compress.CAN_DECOMPRESS else Code.INTERNAL)
        await _fails(small.call("/hostile/big", EchoRequest(), EchoResponse), Code.RESOURCE_EXHAUSTED)
        await small.close()
        assert (await _fails(small.call("/x/y", EchoRequest(), EchoResponse, timeout_ms=0),
                             Code.DEADLINE_EXCEEDED)).http_status is None

    with serverproc.scripted() as srv:
        _run(main(srv.port))


async def _interop(client):
    svc = echo_pb.EchoServiceClient(client)
    Req = echo_pb.EchoRequest
    r = await client.unary("/connecttest.v1.EchoService/Echo", Req(text="a", payload=b"\x00"), echo_pb.EchoResponse,
                           headers={"x-echo-k": "v"})
    assert r.message.text == "a" and "x-echo-k: v" in r.message.headers
    assert r.trailers.get("x-echo-trailer") == "done"
    assert (await svc.lookup(Req(text="g"))).method == "GET"
    big = b"0123456789abcdef" * 256
    resp = await svc.echo(Req(text="big", payload=big, repeat=4))
    assert resp.payload == big * 4 and resp.request_encoding == ("gzip" if compress.CAN_COMPRESS else "")
    e = await _fails(svc.echo(Req(text="no", fail_code="permission_denied")), Code.PERMISSION_DENIED)
    assert e.unpack_details({"connecttest.v1.ErrorInfo": echo_pb.ErrorInfo})[0].attempt == 3
    await _fails(svc.echo(Req(sleep_ms=3000), timeout_ms=300), Code.DEADLINE_EXCEEDED, 2000)
    assert (await svc.echo(Req(text="again"))).text == "again"
    # Concurrent calls on one client take turns on its one connection.
    got = await asyncio.gather(*[svc.echo(Req(text=str(i))) for i in range(4)])
    assert [g.text for g in got] == ["0", "1", "2", "3"]
    # A call cancelled while it waits for its turn leaves the line; the
    # next one still gets the connection after the first.
    first = asyncio.create_task(svc.echo(Req(text="slow", sleep_ms=300)))
    second = asyncio.create_task(svc.echo(Req(text="dropped")))
    third = asyncio.create_task(svc.echo(Req(text="third")))
    await asyncio.sleep(0.05)
    second.cancel()
    assert (await first).text == "slow" and (await third).text == "third"
    assert (await svc.echo(Req(text="after"))).text == "after"


@requires("network", "filesystem", "bigheap")
def test_aio_connect_python_plaintext_and_tls():
    certs = serverproc.make_certs()
    try:
        with serverproc.connect_python() as srv:
            c = aio.Client.plaintext("http://127.0.0.1:%d" % srv.port, timeout_ms=10000)
            _run(_interop(c))
            _run(c.close())
        if not serverproc.has_tls():
            raise Skip("TLS part: no ssl or tls module on this runtime (CircuitPython's unix build has none)")
        with serverproc.connect_python(certs) as srv:
            ca = serverproc.read_text(certs["ca"])
            c = aio.Client.tls("https://localhost:%d" % srv.port, cadata=ca, timeout_ms=10000)
            _run(_interop(c))
            _run(c.close())
            bad = aio.Client.tls("https://127.0.0.1:%d" % srv.port, cadata=ca, server_hostname="wrong.example")
            _run(_fails(bad.call("/connecttest.v1.EchoService/Echo", echo_pb.EchoRequest(), echo_pb.EchoResponse),
                        Code.UNAVAILABLE))
    finally:
        serverproc.remove_certs(certs)


@requires("network", "bigheap")
def test_refused_connection_reads_the_same_from_both_clients():
    from buffa.connect import Client

    with serverproc.scripted() as srv:
        port = srv.port
    # The server is gone; nothing listens on its port now.
    import time

    time.sleep(0.3)
    url = "http://127.0.0.1:%d" % port
    want = "cannot connect to 127.0.0.1:%d: connection refused" % port
    try:
        Client.plaintext(url).call("/x.Y/Z", EchoRequest(), EchoResponse)
        raise AssertionError("connected")
    except ConnectError as e:
        assert e.code == Code.UNAVAILABLE and e.message == want, e
    e = _run(_fails(aio.Client.plaintext(url).call("/x.Y/Z", EchoRequest(), EchoResponse), Code.UNAVAILABLE))
    assert e.message == want, e
