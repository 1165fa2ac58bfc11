# An in-memory transport for the Connect client: scripted responses, no
# sockets, small allocations. Lets the protocol tests run on QEMU boards.
#
#   conn = MemConnection([b"HTTP/1.1 200 OK\r\n...", b"body"])
#   client = Client.plaintext("http://svc", transport=MemTransport([conn]))
#
# Each chunk is handed to the client as one recv (split further if the
# client's buffer is smaller). After the chunks run out the peer has closed.
from buffa.connect.errors import ConnectError, Code

# Script items other than bytes:
RESET = "reset"  # the next recv fails as a reset connection would
STALL = "stall"  # the next recv times out (as the real transport reports it)


class MemConnection:
    def __init__(self, chunks, alive=True):
        self.chunks = list(chunks)
        self.sent = bytearray()
        self.alive = alive  # what idle_ok() reports
        self.closed = False
        self.fail_send = False

    def send(self, data, deadline):
        if self.fail_send:
            raise ConnectError(Code.UNAVAILABLE, "send failed: EPIPE")
        self.sent.extend(data)

    def recv_into(self, buf, deadline):
        if not self.chunks:
            return 0
        c = self.chunks[0]
        if c is RESET:
            self.chunks.pop(0)
            raise ConnectError(Code.UNAVAILABLE, "receive failed: ECONNRESET")
        if c is STALL:
            raise ConnectError(Code.DEADLINE_EXCEEDED, "no data from the server for 1 ms")
        n = min(len(buf), len(c))
        buf[:n] = c[:n]
        if n == len(c):
            self.chunks.pop(0)
        else:
            self.chunks[0] = c[n:]
        return n

    def idle_ok(self):
        return self.alive and not self.closed

    def close(self):
        self.closed = True


class MemTransport:
    def __init__(self, connections):
        self.connections = list(connections)
        self.dialed = []

    def dial(self, deadline, call_timeout_ms):
        if not self.connections:
            raise ConnectError(Code.UNAVAILABLE, "cannot connect: ECONNREFUSED")
        c = self.connections.pop(0)
        self.dialed.append(c)
        return c


def response(status=200, headers=(("content-type", "application/proto"),), body=b"", reason="OK", chunked=False):
    """Bytes of a simple HTTP/1.1 response."""
    out = bytearray(b"HTTP/1.1 %d %s\r\n" % (status, reason.encode()))
    for k, v in headers:
        out.extend(b"%s: %s\r\n" % (k.encode(), v.encode()))
    if chunked:
        out.extend(b"transfer-encoding: chunked\r\n\r\n")
        if body:
            out.extend(b"%x\r\n" % len(body))
            out.extend(body)
            out.extend(b"\r\n")
        out.extend(b"0\r\n\r\n")
    else:
        out.extend(b"content-length: %d\r\n\r\n" % len(body))
        out.extend(body)
    return bytes(out)


# -- helpers shared by the in-memory test modules --

PROC = "/connecttest.v1.EchoService/Echo"


def client_for(*conns, **options):
    """A plaintext client whose connections are `conns`, in dial order."""
    Client = lib("client").Client
    # Small buffers, and a collection first: QEMU boards have
    # ~140 KiB of heap, and the earlier tests' clients are garbage now.
    options.setdefault("recv_buffer_bytes", 512)
    options.setdefault("send_buffer_bytes", 256)
    import gc

    gc.collect()
    t = MemTransport(conns)
    c = Client.plaintext("http://svc.test:8080/api", transport=t, **options)
    return c, t


def call(c, req=None, **kw):
    from echo_msgs import EchoRequest, EchoResponse

    return c.call(PROC, req or EchoRequest(text="hi"), EchoResponse, **kw)


def ok(body=None, headers=(("content-type", "application/proto"),), **kw):
    """A 200 response carrying `body` (default: EchoResponse(text="hi"))."""
    if body is None:
        from echo_msgs import EchoResponse

        body = EchoResponse(text="hi").encode()
    return response(200, headers, body, **kw)


def err_of(fn, *args, **kw):
    from mptest import raises

    return raises(ConnectError, fn, *args, **kw)


def head_lines(conn):
    """The request line and header lines the connection was sent."""
    raw = bytes(conn.sent)
    return raw[: raw.find(b"\r\n\r\n")].decode().split("\r\n")


def header(lines, name):
    name = name.lower() + ": "
    for ln in lines[1:]:
        if ln.lower().startswith(name):
            return ln[len(name) :]
    return None


def lib(name):
    """buffa.connect.<name>, imported on first use.

    The small-heap unix run compiles the library from source, which needs
    more heap than that run has; boards run it frozen or as .mpy, where it
    fits. So there, and only there, running out of memory while the library
    compiles is a skip rather than a failure.
    """
    try:
        return __import__("buffa.connect." + name, None, None, ["x"])
    except MemoryError:
        import sys

        if sys.platform != "linux":
            raise
        import gc
        from mptest import Skip

        gc.collect()
        raise Skip("heap too small to compile buffa.connect from source (boards load it frozen or as .mpy)")
