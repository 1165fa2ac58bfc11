# Server streams from the scripted, hostile server (servers/scripted.py,
# scenarios "s-*"), through the blocking and the asyncio client over real
# sockets: each way the stream can go wrong ends in the ConnectError the
# spec calls for, in time.
from mptest import requires, missing

if not missing("network", "bigheap"):
    import asyncio

    from buffa.connect import Client, Code, ConnectError
    from buffa.connect import aio, clock
    from echo_msgs import EchoRequest, EchoResponse
    import serverproc

# scenario -> (messages before the failure, code; None: a clean end)
CASES = (
    ("ok", 2, None),
    ("end-error", 1, "data_loss"),
    ("no-end", 1, "internal"),
    ("bad-flags", 0, "internal"),
    ("compressed", 0, "internal"),
    ("truncated", 0, "internal"),
    ("stall", 1, "deadline_exceeded"),
    ("close-mid", 1, "unavailable"),
)


def _check(scenario, texts, err, took, want_n, want_code):
    assert len(texts) == want_n, (scenario, texts)
    if want_code is None:
        assert err is None, (scenario, err)
    else:
        assert err is not None and err.code == want_code, (scenario, err)
    assert took < 5000, (scenario, took)


@requires("network", "bigheap")
def test_hostile_streams_blocking():
    with serverproc.scripted() as srv:
        c = Client.plaintext("http://127.0.0.1:%d" % srv.port, read_timeout_ms=1500)
        for scenario, n, code in CASES:
            t0 = clock.ticks_ms()
            texts, err = [], None
            s = c.server_stream("/hostile/s-" + scenario, EchoRequest(), EchoResponse)
            try:
                for m in s:
                    texts.append(m.text)
            except ConnectError as e:
                err = e
            _check(scenario, texts, err, clock.ticks_diff(clock.ticks_ms(), t0), n, code)
            if scenario == "ok":
                assert s.trailers.get("x-t") == "1"
        # After all that, the client still works.
        assert c.call("/hostile/ok", EchoRequest(), EchoResponse).text == "ok"
        c.close()


@requires("network", "bigheap")
def test_hostile_streams_asyncio():
    async def main(port):
        c = aio.Client.plaintext("http://127.0.0.1:%d" % port, read_timeout_ms=1500)
        for scenario, n, code in CASES:
            t0 = clock.ticks_ms()
            texts, err = [], None
            try:
                async for m in c.server_stream("/hostile/s-" + scenario, EchoRequest(), EchoResponse):
                    texts.append(m.text)
            except ConnectError as e:
                err = e
            _check(scenario, texts, err, clock.ticks_diff(clock.ticks_ms(), t0), n, code)
        assert (await c.call("/hostile/ok", EchoRequest(), EchoResponse)).text == "ok"
        await c.close()

    with serverproc.scripted() as srv:
        asyncio.run(main(srv.port))
