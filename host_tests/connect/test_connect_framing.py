# Hostile HTTP framing through the in-memory transport: malformed status
# lines and headers, limits at and past their edge, bad chunks, short
# bodies, stalls. (test_connect_hostile.py replays these over real sockets.)
from buffa.connect import Code
from echo_msgs import EchoResponse
from memtransport import lib, MemConnection, RESET, STALL, client_for, call, ok, err_of


OK_BODY = EchoResponse(text="hi").encode()


def test_malformed_status_lines():
    for line in (
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTP/2 200 OK",
        b"HTTP/1.1 abc OK",
        b"HTTP/1.1  200 OK",
        b"ICY 200 OK",
        b"HTTP/1.1 200 O\x00K",
        b"HTTP/1.1 099 X",
        b"",
        b"\x16\x03\x01\x00",  # a TLS record on a plaintext port
    ):
        c, _ = client_for(MemConnection([line + b"\r\ncontent-length: 0\r\n\r\n"]))
        e = err_of(call, c)
        assert e.code == Code.UNAVAILABLE, (line, e)


def test_malformed_headers():
    for h in (
        b"no-colon",
        b": empty-name",
        b"bad name: x",
        b"x-a: b\x00c",
        b"x-a: b\rc",
        b" folded: x",
        b"content-length: 5, 6",
        b"content-length: -1",
        b"content-length: 0x10",
        b"content-length: 99999999999",
        b"transfer-encoding: gzip",
        b"x-a: \xff\xfe",
    ):
        raw = b"HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\n" + h + b"\r\ncontent-length: 0\r\n\r\n"
        c, _ = client_for(MemConnection([raw]))
        e = err_of(call, c)
        assert e.code == Code.UNAVAILABLE, (h, e)


def test_header_limits():
    many = b"".join(b"x-h%d: v\r\n" % i for i in range(10))
    c, _ = client_for(MemConnection([b"HTTP/1.1 200 OK\r\n" + many + b"\r\n"]), max_headers=8)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED
    long = b"x-long: " + b"a" * 600 + b"\r\n"
    c, _ = client_for(MemConnection([b"HTTP/1.1 200 OK\r\n" + long + b"\r\n"]), max_line_bytes=512)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED
    # Right at the limits: accepted.
    hs = [("content-type", "application/proto")] + [("x-h%d" % i, "v") for i in range(6)]  # + content-length
    c, _ = client_for(MemConnection([ok(headers=hs)]), max_headers=8)
    assert call(c) == EchoResponse(text="hi")
    # A header block that never ends is cut off at max_header_bytes.
    endless = [b"HTTP/1.1 200 OK\r\n"] + [b"x-pad: " + b"p" * 90 + b"\r\n"] * 30
    c, _ = client_for(MemConnection(endless), max_header_bytes=1024)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED
    # A single line without "\n" is cut off too.
    c, _ = client_for(MemConnection([b"HTTP/1.1 200 OK\r\nx: " + b"a" * 100] * 40), max_header_bytes=1024)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED


def test_body_limits():
    lib("client")  # before the 1 KB payload below, which a failed load would fragment
    big = EchoResponse(payload=b"z" * 1000).encode()
    c, _ = client_for(MemConnection([ok(big)]), max_response_bytes=len(big))
    assert call(c).payload == b"z" * 1000  # exactly at the limit
    c, _ = client_for(MemConnection([ok(big)]), max_response_bytes=len(big) - 1)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED
    c, _ = client_for(MemConnection([ok(big, chunked=True)]), max_response_bytes=len(big) - 1)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED
    # Content-Length is checked before any of the body is read.
    raw = b"HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: 999999999\r\n\r\n"
    c, _ = client_for(MemConnection([raw]), max_response_bytes=4096)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED
    # Read-until-close bodies are bounded too.
    raw = b"HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\n\r\n"
    c, _ = client_for(MemConnection([raw] + [b"\x0a\x00" * 512] * 8), max_response_bytes=4096)
    assert err_of(call, c).code == Code.RESOURCE_EXHAUSTED


def test_bad_chunks():
    pre = b"HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ntransfer-encoding: chunked\r\n\r\n"
    for body, code in (
        (b"zz\r\n", Code.UNAVAILABLE),
        (b"-1\r\n", Code.UNAVAILABLE),
        (b"\r\n", Code.UNAVAILABLE),
        (b"123456789\r\n", Code.UNAVAILABLE),  # more than 8 hex digits
        (b"2\r\nabc\r\n0\r\n\r\n", Code.UNAVAILABLE),  # longer than its size
        (b"4\r\nab", Code.UNAVAILABLE),  # truncated
        (b"fffffff\r\n", Code.RESOURCE_EXHAUSTED),  # over the body limit
    ):
        c, _ = client_for(MemConnection([pre + body]))
        e = err_of(call, c)
        assert e.code == code, (body, e)


def test_short_body_and_reset():
    raw = ok()
    c, _ = client_for(MemConnection([raw[:-2]]))
    e = err_of(call, c)
    assert e.code == Code.UNAVAILABLE and "truncated" in e.message
    c, _ = client_for(MemConnection([raw[:-2], RESET]))
    assert err_of(call, c).code == Code.UNAVAILABLE
    c, _ = client_for(MemConnection([]))
    assert err_of(call, c).code == Code.UNAVAILABLE


def test_stall_is_deadline_exceeded():
    raw = ok()
    c, _ = client_for(MemConnection([raw[:40], STALL]))
    assert err_of(call, c).code == Code.DEADLINE_EXCEEDED


def test_body_longer_than_content_length_not_reused():
    c1 = MemConnection([ok() + b"EXTRA"])
    c2 = MemConnection([ok(EchoResponse(text="second").encode())])
    c, t = client_for(c1, c2)
    assert call(c) == EchoResponse(text="hi")  # the declared length wins
    assert c1.closed  # ...and the stray bytes are never read as a response
    assert call(c) == EchoResponse(text="second")
    assert len(t.dialed) == 2


def test_parser_leftover_bytes_flag():
    http1 = lib("http1")
    p = http1.ResponseParser(http1.Limits(), 256)
    p.feed(ok() + b"HTTP/1.1 200 OK\r\n")
    assert p.next() == http1.HEAD
    assert p.next() == http1.DONE
    assert not p.keep_alive
