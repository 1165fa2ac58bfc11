# The Connect client's protocol layer through an in-memory transport:
# request building, response parsing, error mapping, limits, keep-alive.
# No sockets and small allocations, so it runs on QEMU boards too.
from binascii import unhexlify

from mptest import raises

from buffa.connect import Client, Code, ConnectError
from buffa.connect import b64, compress, http1, protocol
from buffa.connect.metadata import request_pairs
from echo_msgs import EchoRequest, EchoResponse, ErrorInfo
from memtransport import MemConnection, MemTransport, RESET, STALL, response

PROC = "/connecttest.v1.EchoService/Echo"
OK_BODY = EchoResponse(text="hi").encode()
# gzip of EchoResponse(text="hi", payload=b"x" * 40), made with CPython's gzip.
GZ_RESP = unhexlify(b"1f8b0800000000000203e362cac814d2a8201200008ec12d0a2e000000")
# gzip of 64 KiB of zeros: 96 bytes that inflate 680-fold.
GZ_BOMB = unhexlify(
    b"1f8b0800000000000203edc101010000008090feafee080a000000000000000000000000"
    b"0000000000000000000000000000000000000000000000000000000000000000000000000000"
    b"00000000000000000000000000000000000000000000006aeb8e97d700000100"
)
# gzip of {"code":"not_found","message":"gone"}
GZ_ERR = unhexlify(
    b"1f8b0800000000000203ab564ace4f4955b252cacb2f894fcb2fcd4b51d251ca4d2d2e4e4c07"
    b"89a6e7e7a52ad50200844bdf2d25000000"
)


def client_for(*conns, **options):
    t = MemTransport(conns)
    c = Client.plaintext("http://svc.test:8080/api", transport=t, **options)
    return c, t


def call(c, req=None, **kw):
    return c.call(PROC, req or EchoRequest(text="hi"), EchoResponse, **kw)


def ok(body=OK_BODY, headers=(("content-type", "application/proto"),), **kw):
    return response(200, headers, body, **kw)


def err_of(fn, *args, **kw):
    return raises(ConnectError, fn, *args, **kw)


def head_lines(conn):
    raw = bytes(conn.sent)
    head = raw[: raw.find(b"\r\n\r\n")].decode()
    return head.split("\r\n")


def header(lines, name):
    name = name.lower() + ": "
    for ln in lines[1:]:
        if ln.lower().startswith(name):
            return ln[len(name) :]
    return None


# -- requests --


def test_post_request_shape():
    conn = MemConnection([ok()])
    c, _ = client_for(conn)
    req = EchoRequest(text="hello", payload=b"\x00\x01")
    assert call(c, req, timeout_ms=1500) == EchoResponse(text="hi")
    lines = head_lines(conn)
    assert lines[0] == "POST /api/connecttest.v1.EchoService/Echo HTTP/1.1"
    assert header(lines, "host") == "svc.test:8080"
    assert header(lines, "content-type") == "application/proto"
    assert header(lines, "connect-protocol-version") == "1"
    assert header(lines, "accept-encoding") == compress.ACCEPT_ENCODING
    t = header(lines, "connect-timeout-ms")
    assert t.isdigit() and 0 < int(t) <= 1500
    body = req.encode()
    assert header(lines, "content-length") == str(len(body))
    assert bytes(conn.sent).endswith(b"\r\n\r\n" + body)


def test_no_timeout_header_without_deadline():
    conn = MemConnection([ok()])
    c, _ = client_for(conn)
    call(c)
    assert header(head_lines(conn), "connect-timeout-ms") is None


def test_timeout_encoding():
    assert protocol.encode_timeout(1) == "1"
    assert protocol.encode_timeout(9999999999) == "9999999999"
    assert protocol.encode_timeout(10**12) == "9999999999"  # capped at 10 digits
    for bad in (0, -5):
        assert err_of(protocol.encode_timeout, bad).code == Code.DEADLINE_EXCEEDED


def test_expired_deadline_sends_nothing():
    conn = MemConnection([ok()])
    c, t = client_for(conn)
    for bad in (0, -1):
        assert err_of(call, c, timeout_ms=bad).code == Code.DEADLINE_EXCEEDED
    assert not conn.sent and not t.dialed


def test_metadata_sent_and_checked():
    conn = MemConnection([ok()])
    c, _ = client_for(conn)
    call(c, headers=[("X-Trace", "a b"), ("x-multi", "1"), ("x-multi", "2"), ("x-key-bin", b"\xff\x00\x01\x02")])
    lines = head_lines(conn)
    assert header(lines, "x-trace") == "a b"
    assert [ln for ln in lines if ln.startswith("x-multi: ")] == ["x-multi: 1", "x-multi: 2"]
    assert header(lines, "x-key-bin") == "/wABAg"  # unpadded base64


def test_metadata_rejected():
    bad = [
        {"connect-timeout-ms": "5"},  # reserved connect-*
        {"Connect-Protocol-Version": "2"},
        {"content-length": "0"},  # framing the client owns
        {"host": "evil"},
        {"x y": "1"},  # name outside [0-9a-z_.-]
        {"x:y": "1"},
        {"": "1"},
        {"x-a": "1\r\nx-injected: 1"},  # CR/LF
        {"x-a": "tab\there"},
        {"x-a": "caf\u00e9"},  # non-ASCII
        {"x-a": 5},
        {"x-a-bin": "not bytes"},
    ]
    for h in bad:
        e = err_of(request_pairs, h)
        assert e.code == Code.INVALID_ARGUMENT, h
    c, t = client_for(MemConnection([ok()]))
    assert err_of(call, c, headers={"x-a": "1\n2"}).code == Code.INVALID_ARGUMENT
    assert not t.dialed


def test_base64_both_paddings():
    assert b64.encode(b"\xff\x00\x01\x02") == "/wABAg"
    assert b64.encode(b"\xfb\xff", True) == "-_8"
    for text in ("/wABAg", "/wABAg==", b"/wABAg"):
        assert b64.decode(text) == b"\xff\x00\x01\x02"
    assert b64.decode("-_8", True) == b"\xfb\xff"
    assert b64.decode("") == b""
    # Characters of the other alphabet, stray padding, impossible lengths.
    for bad in ("-_8", "/wA=Ag", "/wABAg=", "/wABA", "ab cd", "abc\n", "a==="):
        raises(ValueError, b64.decode, bad)
    raises(ValueError, b64.decode, "/w+", True)


def test_procedure_checked():
    c, t = client_for(MemConnection([ok()]))
    for bad in ("connecttest.v1.EchoService/Echo", "/", "/a b", "/a?x=1", "/a\r\nX: y", None):
        assert err_of(c.call, bad, EchoRequest(), EchoResponse).code == Code.INVALID_ARGUMENT
    assert not t.dialed


def test_base_url_checked():
    for bad in ("https://a", "ftp://a", "http://", "http://a:0", "http://a:99999", "http://a:x", "http://a b"):
        assert err_of(Client.plaintext, bad, transport=MemTransport([])).code == Code.INVALID_ARGUMENT
    assert err_of(Client.tls, "http://a", transport=MemTransport([])).code == Code.INVALID_ARGUMENT
    assert err_of(Client.plaintext, "http://a", insecure_skip_verify=True).code == Code.INVALID_ARGUMENT


def test_options_checked():
    for opt in ("timeout_ms", "max_response_bytes", "max_headers", "read_timeout_ms", "max_get_url_bytes"):
        for bad in (0, -1, "5", 1.5):
            kw = {opt: bad}
            assert err_of(Client.plaintext, "http://a", transport=MemTransport([]), **kw).code == Code.INVALID_ARGUMENT


def test_get_request():
    conn = MemConnection([ok()])
    c, _ = client_for(conn)
    req = EchoRequest(text="hi?&/", payload=b"\xfb\xff")
    call(c, req, use_get=True)
    lines = head_lines(conn)
    method, target, _ = lines[0].split(" ")
    assert method == "GET"
    path, query = target.split("?")
    assert path == "/api" + PROC
    assert query == "connect=v1&base64=1&encoding=proto&message=" + b64.encode(req.encode(), True)
    assert "=" not in query.split("message=")[1]
    assert header(lines, "content-type") is None and header(lines, "content-length") is None
    assert header(lines, "connect-protocol-version") is None


def test_get_falls_back_to_post_when_url_too_long():
    conn = MemConnection([ok(), ok()])
    c, _ = client_for(conn, max_get_url_bytes=200)
    call(c, EchoRequest(payload=b"x" * 50), use_get=True)
    assert bytes(conn.sent).startswith(b"GET ")
    conn.sent = bytearray()
    call(c, EchoRequest(payload=b"x" * 200), use_get=True)
    assert bytes(conn.sent).startswith(b"POST ")


def test_request_compression_threshold():
    conn = MemConnection([ok(), ok()])
    c, _ = client_for(conn, compress_min_bytes=100)
    call(c, EchoRequest(payload=b"a" * 50))
    assert header(head_lines(conn), "content-encoding") is None
    conn.sent = bytearray()
    call(c, EchoRequest(payload=b"a" * 500))
    enc = header(head_lines(conn), "content-encoding")
    if compress.CAN_COMPRESS:
        assert enc == "gzip"
        assert int(header(head_lines(conn), "content-length")) < 100
    else:
        assert enc is None


# -- successful responses --


def test_headers_trailers_multivalue():
    hs = (
        ("content-type", "application/proto"),
        ("x-one", "1"),
        ("X-Many", "a"),
        ("x-many", "b"),
        ("trailer-x-done", "yes"),
        ("Trailer-X-Many", "t1"),
        ("trailer-x-many", "t2"),
    )
    c, _ = client_for(MemConnection([ok(headers=hs)]))
    r = c.unary(PROC, EchoRequest(), EchoResponse)
    assert r.message == EchoResponse(text="hi")
    assert r.headers["x-one"] == "1"
    assert r.headers.get_all("X-MANY") == ["a", "b"]
    assert "trailer-x-done" not in r.headers
    assert r.trailers.get("x-done") == "yes"
    assert r.trailers.get_all("x-many") == ["t1", "t2"]


def test_chunked_body_and_byte_by_byte():
    c, _ = client_for(MemConnection([ok(chunked=True)]))
    assert call(c) == EchoResponse(text="hi")
    raw = ok()
    c, _ = client_for(MemConnection([raw[i : i + 1] for i in range(len(raw))]))
    assert call(c) == EchoResponse(text="hi")


def test_chunk_extensions_trailers_and_lf_only():
    raw = (
        b"HTTP/1.1 200 OK\ncontent-type: application/proto\ntransfer-encoding: chunked\n\n"
        b"3;ext=1\n" + OK_BODY[:3] + b"\n" + b"%x\r\n" % (len(OK_BODY) - 3) + OK_BODY[3:] + b"\r\n0\r\nx-t: 1\r\n\r\n"
    )
    c, _ = client_for(MemConnection([raw]))
    assert call(c) == EchoResponse(text="hi")


def test_interim_100_skipped():
    c, _ = client_for(MemConnection([b"HTTP/1.1 100 Continue\r\n\r\n" + ok()]))
    assert call(c) == EchoResponse(text="hi")


def test_empty_body_is_default_message():
    c, _ = client_for(MemConnection([ok(b"")]))
    assert call(c) == EchoResponse()


def test_gzip_response():
    hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([ok(GZ_RESP, hs)]))
    if compress.CAN_DECOMPRESS:
        assert call(c) == EchoResponse(text="hi", payload=b"x" * 40)
    else:
        assert err_of(call, c).code == Code.INTERNAL


def test_gzip_empty_body_not_decompressed():
    hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([ok(b"", hs)]))
    assert call(c) == EchoResponse()


def test_gzip_bomb_bounded():
    if not compress.CAN_DECOMPRESS:
        return
    hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([ok(GZ_BOMB, hs)]), max_response_bytes=8 * 1024)
    e = err_of(call, c)
    assert e.code == Code.RESOURCE_EXHAUSTED, e


def test_gzip_corrupt_and_unknown_encoding():
    hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([ok(b"\x1f\x8b\x08\x00garbage-garbage", hs)]))
    assert err_of(call, c).code == Code.INTERNAL
    hs = (("content-type", "application/proto"), ("content-encoding", "br"))
    c, _ = client_for(MemConnection([ok(OK_BODY, hs)]))
    assert err_of(call, c).code == Code.INTERNAL


def test_undecodable_response_is_internal():
    c, _ = client_for(MemConnection([ok(b"\x0a\x05ab")]))  # truncated string field
    e = err_of(call, c)
    assert e.code == Code.INTERNAL, e


def test_wrong_content_type_on_200():
    html = (("content-type", "text/html; charset=utf-8"),)
    c, _ = client_for(MemConnection([ok(b"<html>login</html>", html)]))
    e = err_of(call, c)
    assert e.code == Code.UNKNOWN and e.http_status == 200
    for ct in ("application/json", "application/grpc", "application/proto; charset=latin1"):
        c, _ = client_for(MemConnection([ok(OK_BODY, (("content-type", ct),))]))
        assert err_of(call, c).code == Code.INTERNAL, ct
    c, _ = client_for(MemConnection([ok(OK_BODY, ())]))  # none at all
    assert err_of(call, c).code == Code.UNKNOWN


# -- errors --

ERR_JSON = (("content-type", "application/json"), ("x-err", "1"), ("trailer-x-t", "2"))


def test_error_json_with_details_and_metadata():
    info = ErrorInfo(reason="quota", attempt=3)
    body = (
        '{"code":"resource_exhausted","message":"slow down","details":['
        '{"type":"connecttest.v1.ErrorInfo","value":"%s","debug":{"x":1}},'
        '{"type":"type.googleapis.com/connecttest.v1.ErrorInfo","value":"%s=="},'
        '{"type":"other.Thing","value":"AA"}]}'
    ) % (b64.encode(info.encode()), b64.encode(ErrorInfo(reason="zz").encode()))
    c, _ = client_for(MemConnection([response(429, ERR_JSON, body.encode(), "Too Many Requests")]))
    e = err_of(call, c)
    assert e.code == Code.RESOURCE_EXHAUSTED and e.message == "slow down" and e.http_status == 429
    assert [d.type for d in e.details] == ["connecttest.v1.ErrorInfo", "connecttest.v1.ErrorInfo", "other.Thing"]
    assert e.details[0].decode(ErrorInfo) == info
    assert e.unpack_details({"connecttest.v1.ErrorInfo": ErrorInfo}) == [info, ErrorInfo(reason="zz")]
    assert e.metadata.get("x-err") == "1" and e.metadata.get("x-t") == "2"
    assert str(e) == "resource_exhausted: slow down"


def test_error_detail_bad_payload():
    body = b'{"code":"internal","details":[{"type":"connecttest.v1.ErrorInfo","value":"CgW"}]}'
    c, _ = client_for(MemConnection([response(500, ERR_JSON, body)]))
    e = err_of(call, c)
    assert e.code == Code.INTERNAL and len(e.details) == 1
    assert err_of(e.details[0].decode, ErrorInfo).code == Code.INTERNAL
    # Invalid base64 and malformed entries are dropped, the error survives.
    body = b'{"code":"aborted","details":[{"type":"a.B","value":"!!"},7,{"value":"AA"}]}'
    c, _ = client_for(MemConnection([response(409, ERR_JSON, body)]))
    e = err_of(call, c)
    assert e.code == Code.ABORTED and e.details == []


def test_http_status_fallback():
    table = ((400, Code.INTERNAL), (401, Code.UNAUTHENTICATED), (403, Code.PERMISSION_DENIED),
             (404, Code.UNIMPLEMENTED), (429, Code.UNAVAILABLE), (502, Code.UNAVAILABLE),
             (503, Code.UNAVAILABLE), (504, Code.UNAVAILABLE), (500, Code.UNKNOWN), (418, Code.UNKNOWN),
             (302, Code.UNKNOWN), (800, Code.UNKNOWN))
    for status, code in table:
        # No body, HTML, and JSON bodies without a usable code all fall back.
        for hs, body in (
            ((), b""),
            ((("content-type", "text/html"),), b"<h1>bad gateway</h1>"),
            (ERR_JSON, b"not json"),
            (ERR_JSON, b"null"),
            (ERR_JSON, b"[1,2]"),
            (ERR_JSON, b'{"message":"no code"}'),
            (ERR_JSON, b'{"code":"bogus"}'),
            (ERR_JSON, b'{"code":7}'),
            (ERR_JSON, b"\xff\xfe{}"),
        ):
            c, _ = client_for(MemConnection([response(status, hs, body, "Reason")]))
            e = err_of(call, c)
            assert e.code == code and e.http_status == status, (status, body, e)
    c, _ = client_for(MemConnection([response(503, ERR_JSON, b'{"message":"down"}')]))
    e = err_of(call, c)
    assert e.code == Code.UNAVAILABLE and e.message == "down"


def test_error_body_gzip():
    if not compress.CAN_DECOMPRESS:
        return
    hs = (("content-type", "application/json"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([response(404, hs, GZ_ERR)]))
    e = err_of(call, c)
    assert e.code == Code.NOT_FOUND and e.message == "gone"


def test_error_detail_api():
    from buffa.connect import ErrorDetail

    d = ErrorDetail("connecttest.v1.ErrorInfo", ErrorInfo(reason="r").encode())
    assert d.unpack({}) is None
    assert d.unpack({"connecttest.v1.ErrorInfo": ErrorInfo}) == ErrorInfo(reason="r")


# -- framing and limits --


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
    big = EchoResponse(payload=b"z" * 3000).encode()
    c, _ = client_for(MemConnection([ok(big)]), max_response_bytes=len(big))
    assert call(c).payload == b"z" * 3000  # exactly at the limit
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


# -- keep-alive and redial --


def test_keep_alive_reuses_connection():
    conn = MemConnection([ok(), ok(EchoResponse(text="2").encode()), ok(chunked=True)])
    c, t = client_for(conn)
    assert call(c).text == "hi"
    assert call(c).text == "2"
    assert call(c, use_get=True).text == "hi"
    assert len(t.dialed) == 1
    c.close()
    assert conn.closed


def test_connection_close_honoured():
    c1 = MemConnection([response(200, (("content-type", "application/proto"), ("connection", "close")), OK_BODY)])
    c2 = MemConnection([b"HTTP/1.0 200 OK\r\ncontent-type: application/proto\r\ncontent-length: 0\r\n\r\n"])
    c3 = MemConnection([ok()])
    c, t = client_for(c1, c2, c3)
    call(c)
    assert c1.closed
    call(c)
    assert c2.closed  # HTTP/1.0 without keep-alive
    call(c)
    assert len(t.dialed) == 3


def test_dead_idle_connection_redialled():
    c1 = MemConnection([ok()])
    c2 = MemConnection([ok()])
    c, t = client_for(c1, c2)
    call(c)
    c1.alive = False  # the server closed it while idle
    call(c)
    assert len(t.dialed) == 2 and c1.closed and c1.sent.count(b"POST") == 1


def test_send_failure_on_reused_connection_retried_once():
    c1 = MemConnection([ok()])
    c2 = MemConnection([ok()])
    c, t = client_for(c1, c2)
    call(c)
    c1.fail_send = True
    assert call(c) == EchoResponse(text="hi")
    assert len(t.dialed) == 2
    # A fresh connection that fails is not retried.
    c3 = MemConnection([])
    c3.fail_send = True
    c, t = client_for(c3, MemConnection([ok()]))
    assert err_of(call, c).code == Code.UNAVAILABLE
    assert len(t.dialed) == 1


def test_post_not_replayed_after_reaching_server():
    c1 = MemConnection([ok(), RESET])
    c, t = client_for(c1, MemConnection([ok()]))
    call(c)
    assert err_of(call, c).code == Code.UNAVAILABLE  # may have been processed
    assert len(t.dialed) == 1


def test_get_replayed_once_when_reused_connection_drops():
    c1 = MemConnection([ok()])  # then EOF
    c, t = client_for(c1, MemConnection([ok()]))
    call(c)
    assert call(c, use_get=True) == EchoResponse(text="hi")
    assert len(t.dialed) == 2
    c1 = MemConnection([ok()])
    c2 = MemConnection([])
    c, t = client_for(c1, c2, MemConnection([ok()]))
    call(c)
    assert err_of(call, c, use_get=True).code == Code.UNAVAILABLE  # only once
    assert len(t.dialed) == 2


def test_connection_refused():
    c, _ = client_for()
    assert err_of(call, c).code == Code.UNAVAILABLE


def test_json_codec_without_protojson():
    try:
        import buffa.protojson  # noqa: F401
        return  # covered by the interop tests once it exists
    except ImportError:
        pass
    c, t = client_for(MemConnection([ok()]))
    assert err_of(call, c, codec="json").code == Code.UNIMPLEMENTED
    assert err_of(call, c, codec="xml").code == Code.INVALID_ARGUMENT


def test_parser_leftover_bytes_flag():
    p = http1.ResponseParser(http1.Limits())
    p.feed(ok() + b"HTTP/1.1 200 OK\r\n")
    assert p.next() == http1.HEAD
    assert p.next() == http1.DONE
    assert not p.keep_alive
