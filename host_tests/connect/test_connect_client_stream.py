# Client streams (Connect protocol over HTTP/1.1) through the in-memory
# transport, on every runtime including the QEMU boards: a chunked request
# body of enveloped messages, and the one response message. (Server streams:
# test_connect_stream.py, whose helpers these use.)
from buffa.connect import Code
from echo_msgs import EchoRequest
from memtransport import lib, MemConnection, client_for, err_of, head_lines, header
from test_connect_stream import COLLECT, EchoResponse, end, env, msg, stream_response


def test_client_stream_chunked_request():
    conn = MemConnection([stream_response(msg("ab") + end(b'{"metadata": {"x-n": ["2"]}}'))])
    c, _ = client_for(conn)
    cs = c.client_stream(COLLECT, EchoResponse)
    cs.send(EchoRequest(text="a"))
    cs.send(EchoRequest(text="b"))
    assert cs.close_and_receive().text == "ab"
    assert cs.trailers.get("x-n") == "2"
    raw = bytes(conn.sent)
    lines = head_lines(conn)
    assert header(lines, "transfer-encoding") == "chunked" and header(lines, "content-length") is None
    body = raw[raw.find(b"\r\n\r\n") + 4 :]
    want = b""
    for t in ("a", "b"):
        e = env(EchoRequest(text=t).encode())
        want += b"%x\r\n" % len(e) + e + b"\r\n"
    assert body == want + b"0\r\n\r\n", body


def test_client_stream_reply_count_and_error():
    for body, code in (
        (end(), Code.INTERNAL),  # no message
        (msg("a") + msg("b") + end(), Code.INTERNAL),  # two
        (end(b'{"error": {"code": "invalid_argument", "message": "no"}}'), Code.INVALID_ARGUMENT),
    ):
        c, _ = client_for(MemConnection([stream_response(body)]))
        cs = c.client_stream(COLLECT, EchoResponse)
        cs.send(EchoRequest(text="a"))
        e = err_of(cs.close_and_receive)
        assert e.code == code, (body, e)
        assert err_of(cs.send, EchoRequest()).code == Code.FAILED_PRECONDITION
        c = cs = e = None  # small heaps: the error's traceback holds the client


def test_stream_codec_json_head():
    conn = MemConnection([stream_response(end(), (("content-type", "application/connect+json"),))])
    c, _ = client_for(conn)
    try:
        lib("protocol")._protojson()
    except Exception:
        return  # no buffa.protojson on this runtime
    cs = c.client_stream(COLLECT, EchoResponse, codec="json")
    assert header(head_lines(conn), "content-type") == "application/connect+json"
    cs.close()
