# Connect responses: success bodies, metadata and trailers, gzip, content
# types, and error bodies with the HTTP-status fallback. In-memory transport
# only, so it runs on QEMU boards too.
from binascii import unhexlify

from mptest import requires, Skip

from buffa.connect import Code
from echo_msgs import EchoRequest, EchoResponse, ErrorInfo
from memtransport import lib, MemConnection, PROC, response, client_for, call, ok, err_of

# CircuitPython's zlib inflates in one shot only, and it has no deflate module.
NO_GZIP = "no bounded gzip decompressor on this runtime (zlib.decompressobj or deflate)"


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
    c = None  # small heaps: one client at a time
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


# The inflate window is sized to the response (compress.window_bits), so
# these run on the small heaps too.
def test_gzip_response():
    compress = lib("compress")
    hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([ok(GZ_RESP, hs)]))
    if compress.CAN_DECOMPRESS:
        assert call(c) == EchoResponse(text="hi", payload=b"x" * 40)
    else:
        assert err_of(call, c).code == Code.INTERNAL


def test_gzip_empty_body_not_decompressed():
    if not lib("compress").CAN_DECOMPRESS:
        raise Skip(NO_GZIP)
    hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([ok(b"", hs)]))
    assert call(c) == EchoResponse()


# The inflate window is sized to the response (compress.window_bits), so
# these run on the small heaps too.
def test_gzip_bomb_bounded():
    compress = lib("compress")
    if not compress.CAN_DECOMPRESS:
        raise Skip(NO_GZIP)
    hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([ok(GZ_BOMB, hs)]), max_response_bytes=8 * 1024)
    e = err_of(call, c)
    assert e.code == Code.RESOURCE_EXHAUSTED, e


# A client's Inflater reuses its source buffer (MicroPython): a shorter body
# after a longer one must not run on into the longer one's bytes, whether
# the shorter one is whole, cut short or followed by junk.
def test_inflater_reused_across_bodies():
    compress = lib("compress")
    if not compress.CAN_DECOMPRESS:
        raise Skip(NO_GZIP)
    long_text = b"0123456789abcdef" * 8 + b"tail"
    long_gz = unhexlify(b"1f8b08000000000002033330343236313533b7b04c4c4a4e494d33a033bf2431330700eaa3afde84000000")
    short_gz = unhexlify(b"1f8b08000000000002032bcec82f2a0100a290288f05000000")
    inf = compress.Inflater(keep_bytes=256)
    for _ in range(2):
        assert bytes(inf.decompress(memoryview(bytearray(long_gz)), "gzip", 1024)) == long_text
        assert bytes(inf.decompress(memoryview(bytearray(short_gz)), "gzip", 1024)) == b"short"
    # Junk ending in the stream's own size field gets past the size check:
    # only where the stream ended tells.
    for bad in (long_gz[:-9], long_gz[:30], short_gz + b"junk", short_gz + short_gz[-4:], long_gz + long_gz[-4:]):
        inf.decompress(long_gz, "gzip", 1024)  # the longer body first, every time
        try:
            inf.decompress(memoryview(bytearray(bad)), "gzip", 1024)
        except lib("errors").ConnectError as e:
            assert e.code == Code.INTERNAL, e
        else:
            raise AssertionError("accepted %r" % bad)
    # A body over keep_bytes is inflated from a copy of its own.
    small = compress.Inflater(keep_bytes=16)
    assert bytes(small.decompress(memoryview(bytearray(long_gz)), "gzip", 1024)) == long_text
    assert bytes(small.decompress(short_gz, "gzip", 1024)) == b"short"


# This garbage's gzip trailer claims more than the limit, so telling a bomb
# from corruption takes a window for the whole limit: one block more than a
# QEMU board's fragmented test heap reliably has.
@requires("bigheap")
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


ERR_JSON = (("content-type", "application/json"), ("x-err", "1"), ("trailer-x-t", "2"))


def test_error_json_with_details_and_metadata():
    b64 = lib("b64")
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
            c = e = None  # small heaps: the error's traceback holds the client
    c, _ = client_for(MemConnection([response(503, ERR_JSON, b'{"message":"down"}')]))
    e = err_of(call, c)
    assert e.code == Code.UNAVAILABLE and e.message == "down"


# The inflate window is sized to the response (compress.window_bits), so
# these run on the small heaps too.
def test_error_body_gzip():
    compress = lib("compress")
    if not compress.CAN_DECOMPRESS:
        raise Skip(NO_GZIP)
    hs = (("content-type", "application/json"), ("content-encoding", "gzip"))
    c, _ = client_for(MemConnection([response(404, hs, GZ_ERR)]))
    e = err_of(call, c)
    assert e.code == Code.NOT_FOUND and e.message == "gone"


def test_error_detail_api():
    ErrorDetail = lib("errors").ErrorDetail
    d = ErrorDetail("connecttest.v1.ErrorInfo", ErrorInfo(reason="r").encode())
    assert d.unpack({}) is None
    assert d.unpack({"connecttest.v1.ErrorInfo": ErrorInfo}) == ErrorInfo(reason="r")
