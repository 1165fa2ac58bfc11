"""A scripted, deliberately hostile HTTP/1.1 server for the Connect client tests.

    python scripted.py [--port-file F] [--lifetime-s 120]

Binds 127.0.0.1 on a free port and prints it (and writes it to --port-file).
The request path picks the behaviour: POST /hostile/<scenario>. Every
connection is served on its own thread; the process exits after
--lifetime-s seconds, or when a request for /hostile/quit arrives, so a test
that dies cannot leave it running.
"""
import argparse
import gzip
import os
import socket
import struct
import sys
import threading
import time

# the tests' reference varint encoder (host_tests/pbtestutil.py)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pbtestutil import varint  # noqa: E402


def echo_response(text):
    """EchoResponse{text}: field 1, length-delimited."""
    b = text.encode()
    return b"\x0a" + varint(len(b)) + b


def head(status="200 OK", headers=(("content-type", "application/proto"),), length=None, extra=b""):
    out = b"HTTP/1.1 " + status.encode() + b"\r\n"
    for k, v in headers:
        out += k.encode() + b": " + v.encode() + b"\r\n"
    if length is not None:
        out += b"content-length: %d\r\n" % length
    return out + extra + b"\r\n"


def ok(text="ok", headers=()):
    body = echo_response(text)
    return head(headers=(("content-type", "application/proto"),) + tuple(headers), length=len(body)) + body


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.quit = threading.Event()


def read_request(conn, buf):
    """(request head str, body bytes, rest) or None on EOF."""
    while b"\r\n\r\n" not in buf:
        d = conn.recv(65536)
        if not d:
            return None
        buf += d
    i = buf.index(b"\r\n\r\n")
    headtxt = buf[:i].decode("latin-1")
    rest = buf[i + 4 :]
    n = 0
    for line in headtxt.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            n = int(v.strip())
    while len(rest) < n:
        d = conn.recv(65536)
        if not d:
            return None
        rest += d
    return headtxt, rest[:n], rest[n:]


def reset(conn):
    # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def serve(conn, state):
    with state.lock:
        state.connections += 1
        conn_no = state.connections
    buf = b""
    try:
        while True:
            req = read_request(conn, buf)
            if req is None:
                return
            headtxt, body, buf = req
            target = headtxt.split("\r\n")[0].split(" ")[1]
            scenario = target.split("?")[0].rsplit("/", 1)[-1]
            if not respond(conn, scenario, headtxt, body, conn_no, state):
                return
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def respond(conn, s, headtxt, body, conn_no, state):
    """Send the scenario's response; False to close the connection after."""
    send = conn.sendall
    if s == "quit":
        state.quit.set()
        send(ok("bye"))
        return False
    if s == "ok":
        send(ok("ok"))
    elif s == "conn":
        # Which connection (1, 2, ...) served this request: keep-alive tests.
        send(ok("conn %d" % conn_no))
    elif s == "close-after":
        # Answer, then close the idle connection shortly after (as servers
        # with a short keep-alive timeout do).
        send(ok("conn %d" % conn_no))
        time.sleep(0.1)
        return False
    elif s == "echo-head":
        send(ok(headtxt))
    elif s == "slow":
        time.sleep(1.5)
        send(ok("slow"))
    elif s == "bad-status":
        send(b"HTTP/1.1 2OO OK\r\ncontent-length: 0\r\n\r\n")
        return False
    elif s == "not-http":
        send(b"SSH-2.0-OpenSSH_9.6\r\n")
        return False
    elif s == "bad-header":
        send(b"HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\nx bad: 1\r\ncontent-length: 0\r\n\r\n")
        return False
    elif s == "huge-headers":
        send(b"HTTP/1.1 200 OK\r\n")
        pad = b"x-pad: " + b"p" * 1000 + b"\r\n"
        for _ in range(1000):  # ~1 MB of headers, never ending in time
            send(pad)
        send(b"\r\n")
        return False
    elif s == "short-body":
        b = echo_response("x" * 100)
        send(head(length=len(b)) + b[:10])
        return False
    elif s == "long-body":
        b = echo_response("long")
        send(head(length=len(b)) + b + b"GARBAGE-AFTER-BODY")
    elif s == "bad-chunk":
        send(head(extra=b"transfer-encoding: chunked\r\n") + b"zz\r\nabc\r\n0\r\n\r\n")
        return False
    elif s == "chunked":
        b = echo_response("chunked")
        send(head(extra=b"transfer-encoding: chunked\r\n") + b"%x\r\n" % len(b) + b + b"\r\n0\r\n\r\n")
    elif s == "html-200":
        page = b"<html><body>Please log in to the Wi-Fi</body></html>"
        send(head(headers=(("content-type", "text/html"),), length=len(page)) + page)
    elif s == "gzip-bomb":
        bomb = gzip.compress(b"\0" * (16 * 1024 * 1024), 9)
        hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
        send(head(headers=hs, length=len(bomb)) + bomb)
    elif s == "gzip-empty":
        hs = (("content-type", "application/proto"), ("content-encoding", "gzip"))
        send(head(headers=hs, length=0))
    elif s == "error-not-json":
        page = b"<h1>503 Service Unavailable</h1>"
        send(head("503 Service Unavailable", (("content-type", "text/html"),), len(page)) + page)
    elif s == "error-json-no-code":
        b = b'{"message":"no code here"}'
        send(head("404 Not Found", (("content-type", "application/json"),), len(b)) + b)
    elif s == "error-json":
        b = b'{"code":"failed_precondition","message":"not yet","details":[{"type":"x.Y","value":"AQI"}]}'
        hs = (("content-type", "application/json"), ("x-why", "because"), ("trailer-x-t", "1"))
        send(head("400 Bad Request", hs, len(b)) + b)
    elif s == "stall-after-headers":
        send(head(length=10))
        time.sleep(30)
        return False
    elif s == "stall-before-headers":
        time.sleep(30)
        return False
    elif s == "reset-mid-body":
        b = echo_response("y" * 1000)
        send(head(length=len(b)) + b[:300])
        time.sleep(0.05)
        reset(conn)
        return False
    elif s == "close-no-response":
        return False
    elif s.startswith("s-"):
        return stream_scenario(send, s[2:])
    elif s == "big":
        b = echo_response("z" * 200000)
        send(head(length=len(b)) + b)
    else:
        b = b'{"code":"unimplemented","message":"no scenario %s"}' % s.encode()
        send(head("404 Not Found", (("content-type", "application/json"),), len(b)) + b)
    return True


def envelope(data, flags=0):
    return bytes([flags]) + struct.pack(">I", len(data)) + data


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


def stream_scenario(send, s):
    """A streaming response (application/connect+proto, chunked), one chunk
    per envelope; False to close the connection after."""
    send(head(headers=(("content-type", "application/connect+proto"),), extra=b"transfer-encoding: chunked\r\n"))
    one = chunk(envelope(echo_response("m0")))
    if s == "ok":
        send(one + chunk(envelope(echo_response("m1"))))
        send(chunk(envelope(b'{"metadata":{"x-t":["1"]}}', 2)) + b"0\r\n\r\n")
    elif s == "end-error":
        send(one + chunk(envelope(b'{"error":{"code":"data_loss","message":"lost"}}', 2)) + b"0\r\n\r\n")
    elif s == "no-end":
        send(one + b"0\r\n\r\n")
    elif s == "bad-flags":
        send(chunk(envelope(echo_response("m0"), 0x80)) + b"0\r\n\r\n")
    elif s == "compressed":
        send(chunk(envelope(gzip.compress(echo_response("m0")), 1)) + b"0\r\n\r\n")
    elif s == "truncated":
        send(chunk(envelope(echo_response("m0"))[:4]) + b"0\r\n\r\n")
    elif s == "stall":
        send(one)
        time.sleep(30)
        return False
    elif s == "close-mid":
        send(one + b"20\r\n" + envelope(b"x" * 20)[:10])
        return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file")
    ap.add_argument("--lifetime-s", type=float, default=120)
    args = ap.parse_args()
    state = State()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    ls.settimeout(0.2)
    port = ls.getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d\n" % (port, os.getpid()))
        os.replace(tmp, args.port_file)
    print(port, flush=True)
    end = time.monotonic() + args.lifetime_s
    while time.monotonic() < end and not state.quit.is_set():
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        c.settimeout(60)
        threading.Thread(target=serve, args=(c, state), daemon=True).start()
    ls.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
