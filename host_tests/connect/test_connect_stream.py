# Streaming calls (Connect protocol over HTTP/1.1) through the in-memory
# transport, on every runtime including the QEMU boards: enveloped messages,
# the end-of-stream message, and each way a server can get them wrong.
from buffa.connect import Code
from echo_msgs import EchoRequest, EchoResponse
from memtransport import lib, MemConnection, STALL, client_for, err_of, head_lines, header, response

WATCH = "/connecttest.v1.EchoService/Watch"
COLLECT = "/connecttest.v1.EchoService/Collect"
STREAM_HEADERS = (("content-type", "application/connect+proto"),)


def env(data, flags=0):
    n = len(data)
    return bytes((flags, n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)) + data


def end(json=b"{}"):
    return env(json, 2)


def msg(text):
    return env(EchoResponse(text=text).encode())


def stream_response(body, headers=STREAM_HEADERS, chunked=True):
    return response(200, headers, body, chunked=chunked)


def watch(c, **kw):
    return c.server_stream(WATCH, EchoRequest(text="w"), EchoResponse, **kw)


def test_server_stream_messages_then_trailers():
    body = msg("a") + msg("b") + end(b'{"metadata": {"x-t": ["1", "2"]}}')
    conn = MemConnection([stream_response(body)])
    c, t = client_for(conn)
    s = watch(c, headers={"x-k": "v"})
    got = [m.text for m in s]
    assert got == ["a", "b"], got
    assert s.trailers.get_all("x-t") == ["1", "2"]
    assert s.headers.get("content-type") == "application/connect+proto"
    lines = head_lines(conn)
    assert lines[0] == "POST /api" + WATCH + " HTTP/1.1"
    assert header(lines, "content-type") == "application/connect+proto"
    assert header(lines, "x-k") == "v"
    # The request is one envelope holding the message.
    raw = bytes(conn.sent)
    req = raw[raw.find(b"\r\n\r\n") + 4 :]
    assert req == env(EchoRequest(text="w").encode())
    # The connection is kept for the next call.
    conn.chunks.append(stream_response(msg("c") + end()))
    assert [m.text for m in watch(c)] == ["c"]
    assert len(t.dialed) == 1


def test_server_stream_in_small_pieces_and_content_length():
    body = msg("a") + msg("b") + end()
    raw = stream_response(body, chunked=False)
    c, _ = client_for(MemConnection([raw[i : i + 3] for i in range(0, len(raw), 3)]))
    assert [m.text for m in watch(c)] == ["a", "b"]


def test_end_of_stream_error():
    e_json = b'{"error": {"code": "not_found", "message": "gone"}, "metadata": {"x-why": ["because"]}}'
    c, _ = client_for(MemConnection([stream_response(msg("a") + end(e_json))]))
    s = watch(c)
    assert next(s).text == "a"
    e = err_of(next, s)
    assert e.code == Code.NOT_FOUND and e.message == "gone", e
    assert e.metadata.get("x-why") == "because"
    assert s.trailers.get("x-why") == "because"


def test_protocol_errors_are_internal():
    for body in (
        msg("a"),  # no end-of-stream message
        msg("a")[:-1],  # ends inside an envelope
        env(b"\x0a\x01a", 1),  # compressed, but no compression was agreed
        env(b"\x0a\x01a", 0x80),  # unknown flag bits
        end(b"not json"),
        end(b"[1]"),
        end(b'{"metadata": {"k": "not-a-list"}}'),
        end() + msg("late"),  # data after the end
    ):
        c, _ = client_for(MemConnection([stream_response(body)]))
        e = err_of(lambda: list(watch(c)))
        assert e.code == Code.INTERNAL, (body, e)


def test_stream_limits():
    one = EchoResponse(payload=b"z" * 100).encode()
    big = env(one)
    c, _ = client_for(MemConnection([stream_response(big + end())]), max_response_bytes=len(one) - 1)
    assert err_of(lambda: list(watch(c))).code == Code.RESOURCE_EXHAUSTED
    # At the limit: fine. Many messages in a row never add up against it.
    c, _ = client_for(MemConnection([stream_response(big * 8 + end())]), max_response_bytes=len(one))
    assert len(list(watch(c))) == 8


def test_non_200_and_wrong_content_type():
    c, _ = client_for(MemConnection([response(404, (("content-type", "text/plain"),), b"nope")]))
    assert err_of(lambda: list(watch(c))).code == Code.UNIMPLEMENTED
    c, _ = client_for(MemConnection([response(200, (("content-type", "application/proto"),), b"")]))
    assert err_of(lambda: list(watch(c))).code == Code.INTERNAL


def test_stall_between_messages_and_deadline():
    # The first message and half the end-of-stream message, then nothing.
    c, _ = client_for(MemConnection([stream_response(msg("a") + end())[:-12], STALL]))
    s = watch(c)
    assert next(s).text == "a"
    assert err_of(next, s).code == Code.DEADLINE_EXCEEDED
    c, _ = client_for(MemConnection([stream_response(msg("a"))[:-5]]))
    s = watch(c, timeout_ms=1)
    import time

    time.sleep(0.01)
    assert err_of(next, s).code == Code.DEADLINE_EXCEEDED


def test_close_early_drops_the_connection():
    conn = MemConnection([stream_response(msg("a") + msg("b") + end())])
    c, t = client_for(conn, MemConnection([stream_response(msg("z") + end())]))
    s = watch(c)
    assert next(s).text == "a"
    s.close()
    assert conn.closed
    assert list(s) == []
    assert [m.text for m in watch(c)] == ["z"]
    assert len(t.dialed) == 2


def test_new_call_ends_an_unfinished_stream():
    # Breaking out of the loop leaves the stream unfinished: the next call
    # on the client ends it (closing its connection) instead of failing.
    first = MemConnection([stream_response(msg("a") + msg("b") + end())])
    c, t = client_for(first, MemConnection([stream_response(msg("z") + end())]))
    s = watch(c)
    for m in s:
        break
    assert [m.text for m in watch(c)] == ["z"]
    assert first.closed and len(t.dialed) == 2
    assert list(s) == []  # the old stream is over


def test_poll_needs_a_transport_that_can_wait():
    # poll() waits with a bound, which the socket connections offer and the
    # in-memory one (like the serial bridge's) does not: unimplemented, so a
    # program can fall back to blocking reads or to polling unary calls.
    c, _ = client_for(MemConnection([stream_response(msg("a") + end())]))
    s = watch(c)
    assert err_of(s.poll, 10).code == Code.UNIMPLEMENTED
    assert s.ended and s.poll(10) is None
