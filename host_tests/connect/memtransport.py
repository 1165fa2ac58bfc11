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

    def requests(self):
        """The request heads sent, as lists of lines (bodies follow blank lines)."""
        return bytes(self.sent)


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
