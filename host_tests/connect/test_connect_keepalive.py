# Keep-alive and redial rules, through the in-memory transport.
from buffa.connect import Code
from echo_msgs import EchoResponse
from memtransport import MemConnection, RESET, response, client_for, call, ok, err_of

OK_BODY = EchoResponse(text="hi").encode()


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
