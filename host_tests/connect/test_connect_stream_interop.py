# Streaming calls against the real servers (connect-python under uvicorn and
# connect-node), from the blocking and the asyncio client, on CPython and the
# MicroPython unix port: server streams (Watch) and client streams (Collect),
# trailers, end-of-stream errors, deadlines mid-stream, a server that stalls
# between messages, and the connection kept for the next call.
from mptest import requires, raises, missing

if not missing("network", "bigheap"):
    import asyncio

    from buffa.connect import Client, Code, ConnectError
    from buffa.connect import aio, clock
    import echo_pb
    import serverproc

Req = None if missing("network", "bigheap") else echo_pb.EchoRequest


def _has_json():
    try:
        import buffa.protojson  # noqa: F401
    except ImportError:
        return False
    return True


def _sync(port):
    c = Client.plaintext("http://127.0.0.1:%d" % port, timeout_ms=10000)
    svc = echo_pb.EchoServiceClient(c)
    s = svc.watch(Req(text="w", payload=b"\x01", repeat=3))
    assert [(m.text, m.payload) for m in s] == [("w 0", b"\x01"), ("w 1", b"\x01"), ("w 2", b"\x01")]
    assert s.headers.get("x-echo-response") == "yes" and s.trailers.get("x-echo-trailer") == "done"
    # An error after two messages ends the stream with that code and its details.
    s = svc.watch(Req(text="bad", repeat=2, fail_code="resource_exhausted"))
    assert next(s).text == "bad 0" and next(s).text == "bad 1"
    e = raises(ConnectError, next, s)
    assert e.code == Code.RESOURCE_EXHAUSTED and e.message == "bad", e
    assert e.unpack_details({"connecttest.v1.ErrorInfo": echo_pb.ErrorInfo})[0].attempt == 3
    # The connection carried all of that, and carries the next unary call.
    assert svc.echo(Req(text="after")).text == "after"
    # Client streams: an iterable, or send() and close_and_receive().
    r = svc.collect([Req(text="a", payload=b"1"), Req(text="b", payload=b"2"), Req(text="c")])
    assert r.text == "a,b,c" and r.payload == b"12"
    cs = svc.collect()
    for t in ("x", "y"):
        cs.send(Req(text=t))
    assert cs.close_and_receive().text == "x,y" and cs.trailers.get("x-echo-trailer") == "done"
    assert raises(ConnectError, svc.collect, [Req(text="no", fail_code="out_of_range")]).code == Code.OUT_OF_RANGE
    assert raises(ConnectError, svc.collect, ["not a request"]).code == Code.INVALID_ARGUMENT
    # A deadline that passes mid-stream, after the first message.
    t0 = clock.ticks_ms()
    s = svc.watch(Req(text="slow", repeat=3, sleep_ms=3000), timeout_ms=500)
    assert next(s).text == "slow 0"
    assert raises(ConnectError, next, s).code == Code.DEADLINE_EXCEEDED
    assert clock.ticks_diff(clock.ticks_ms(), t0) < 2500
    # A server that stalls between messages: read_timeout_ms.
    stall = Client.plaintext("http://127.0.0.1:%d" % port, read_timeout_ms=300)
    s = stall.server_stream("/connecttest.v1.EchoService/Watch", Req(text="st", repeat=2, sleep_ms=3000),
                            echo_pb.EchoResponse)
    assert next(s).text == "st 0"
    e = raises(ConnectError, next, s)
    assert e.code == Code.DEADLINE_EXCEEDED and "300 ms" in e.message, e
    stall.close()
    if _has_json():
        s = svc.watch(Req(text="j", repeat=2), codec="json")
        assert [m.text for m in s] == ["j 0", "j 1"]
        assert svc.collect([Req(text="j1"), Req(text="j2")], codec="json").text == "j1,j2"
    c.close()


async def _next_fails(stream, code):
    try:
        await stream.__anext__()
    except ConnectError as e:
        assert e.code == code, e
        return
    raise AssertionError("no error, expected " + code)


async def _aio(port):
    c = aio.Client.plaintext("http://127.0.0.1:%d" % port, timeout_ms=10000)
    svc = echo_pb.EchoServiceClient(c)
    s = svc.watch(Req(text="w", repeat=3))
    got = []
    async for m in s:
        got.append(m.text)
    assert got == ["w 0", "w 1", "w 2"] and s.trailers.get("x-echo-trailer") == "done"
    s = svc.watch(Req(text="bad", repeat=1, fail_code="aborted"))
    assert (await s.__anext__()).text == "bad 0"
    await _next_fails(s, Code.ABORTED)
    assert (await svc.echo(Req(text="after"))).text == "after"
    r = await svc.collect([Req(text="a"), Req(text="b")])
    assert r.text == "a,b"
    cs = await svc.collect()
    await cs.send(Req(text="x"))
    assert (await cs.close_and_receive()).text == "x"
    # A stream holds the client: a call made meanwhile waits for its end.
    s = svc.watch(Req(text="held", repeat=2, sleep_ms=50))
    first = await s.__anext__()
    later = asyncio.create_task(svc.echo(Req(text="waited")))
    rest = []
    async for m in s:  # (MicroPython has no async comprehensions)
        rest.append(m.text)
    assert first.text == "held 0" and rest == ["held 1"]
    assert (await later).text == "waited"
    # Deadline mid-stream.
    s = svc.watch(Req(text="slow", repeat=3, sleep_ms=3000), timeout_ms=500)
    assert (await s.__anext__()).text == "slow 0"
    await _next_fails(s, Code.DEADLINE_EXCEEDED)
    await c.close()


def _poll(port):
    # poll(): a program with its own work between messages. The gaps (600 ms)
    # are longer than read_timeout_ms, which would end next() as a stall;
    # here they come back as None, and the stream goes on.
    c = Client.plaintext("http://127.0.0.1:%d" % port, timeout_ms=10000, read_timeout_ms=300)
    s = echo_pb.EchoServiceClient(c).watch(Req(text="p", repeat=3, sleep_ms=600))
    got = []
    quiet = 0
    while not s.ended:
        m = s.poll(100)
        if m is None:
            quiet += 1
        else:
            got.append(m.text)
    assert got == ["p 0", "p 1", "p 2"], got
    assert quiet >= 4, quiet
    assert s.trailers.get("x-echo-trailer") == "done" and s.poll(100) is None
    # An error the stream ends with is raised by poll() as by next().
    s = echo_pb.EchoServiceClient(c).watch(Req(text="bad", repeat=1, fail_code="unavailable"))
    e = None
    while e is None:
        try:
            s.poll(100)
        except ConnectError as err:
            e = err
    assert e.code == Code.UNAVAILABLE and s.ended
    c.close()


def _both(start):
    with start() as srv:
        _sync(srv.port)
        _poll(srv.port)
        asyncio.run(_aio(srv.port))


@requires("network", "filesystem", "bigheap")
def test_streams_connect_python():
    _both(serverproc.connect_python)


@requires("network", "filesystem", "bigheap")
def test_streams_connect_node():
    _both(serverproc.connect_node)
