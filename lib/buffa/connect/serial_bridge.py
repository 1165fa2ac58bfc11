# A transport for buffa.connect.Client that carries each HTTP exchange over
# the board's serial console (the REPL UART or USB-serial) to a host, where
# tools/serial_bridge.py forwards it to the real service (over TLS if remote).
#
#   from buffa.connect import Client
#   from buffa.connect.serial_bridge import SerialTransport
#   client = Client.plaintext("http://serial-bridge", transport=SerialTransport())
#
# Frames are single text lines, so the console's own output can sit between
# them and nothing in them is a control character (no Ctrl-C by accident):
#
#   ESC "@@sb " KIND " " XID [" " FIELD ...] " " CRC "\n"
#
# CRC is the CRC-32 of everything between "@@sb " and the space before it,
# in 8 lowercase hex digits. XID numbers the exchanges (one request and its
# response). Board to host:
#   Q xid DATA        request bytes (base64, at most 192 bytes a frame)
#   E xid MS          end of request; MS = milliseconds left before the deadline (0: none)
#   P xid             pull: send the next response frame
#   C xid             the board abandoned the exchange
# Host to board, one frame per pull (lock-step, so a board's small UART
# buffer never overruns):
#   R xid DATA        response bytes (base64), more to come
#   L xid DATA        the last response bytes: the response is complete
#   Z xid             end of response (no more bytes)
#   X xid CODE MSG    the exchange failed; CODE is a Connect code, MSG base64 text
#
# The host forwards a request only once its E frame arrived with every frame
# intact; a corrupt frame fails that exchange with `unavailable` (the caller
# retries), never half a request.
#
# Time bounds: the host enforces the deadline carried in E. Where the board
# can poll its console (unix port, ESP32, RP2040), reads are also bounded
# here; where it cannot (the QEMU boards), a read waits for the host.
import sys

from buffa.connect import clock
from buffa.connect.errors import Code, ConnectError

MARK = "\x1b@@sb "
CHUNK = 192
_CODES = (
    Code.UNAVAILABLE,
    Code.DEADLINE_EXCEEDED,
    Code.INTERNAL,
    Code.RESOURCE_EXHAUSTED,
    Code.UNKNOWN,
    Code.INVALID_ARGUMENT,
)

try:
    from binascii import a2b_base64 as _a2b
    from binascii import b2a_base64 as _b2a
except ImportError:  # pragma: no cover
    from buffa.connect.b64 import decode as _a2b

    def _b2a(b):
        from buffa.connect.b64 import encode

        return encode(b) + b"\n"


try:
    from binascii import crc32 as _crc32
except ImportError:  # ports built without it

    def _crc32(data, crc=0):
        crc ^= 0xFFFFFFFF
        for b in data:
            crc ^= b
            for _ in range(8):
                crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
        return crc ^ 0xFFFFFFFF


def crc(text):
    """The frame checksum of `text` (str or bytes), as 8 hex digits."""
    if isinstance(text, str):
        text = text.encode()
    return "%08x" % (_crc32(text) & 0xFFFFFFFF)


def frame(body):
    """A complete frame line for `body` ("KIND XID ...")."""
    return MARK + body + " " + crc(body) + "\n"


def parse(line):
    """The fields of a frame line (str, with or without the newline), or
    None if it is not a frame; raises ValueError if its checksum is wrong."""
    i = line.find(MARK)
    if i < 0:
        return None
    body = line[i + len(MARK) :].rstrip("\r\n")
    j = body.rfind(" ")
    if j < 0 or crc(body[:j]) != body[j + 1 :]:
        raise ValueError("bad frame checksum")
    return body[:j].split(" ")


class _Console:
    """The board's console: frames out on stdout, lines in from stdin."""

    def __init__(self, stdin=None, stdout=None):
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._poll = None
        try:
            import select

            p = select.poll()
            p.register(self.stdin, select.POLLIN)
            self._poll = p
        except Exception:  # no select module, or stdin cannot be polled (QEMU)
            self._poll = None

    def write(self, text):
        self.stdout.write(text)
        try:
            self.stdout.flush()
        except AttributeError:
            pass

    def readline(self, timeout_ms):
        """A line from the host; None if none came within timeout_ms (where
        the console can be polled; elsewhere this blocks)."""
        if self._poll is not None and timeout_ms is not None:
            if not self._poll.poll(max(0, timeout_ms)):
                return None
        line = self.stdin.readline()
        if isinstance(line, bytes):
            line = line.decode()
        return line


class SerialConnection:
    """One connection as the client sees it; each request on it is one
    exchange with the host."""

    def __init__(self, console, transport, read_timeout_ms, call_timeout_ms):
        self._con = console
        self._t = transport
        self.read_timeout_ms = read_timeout_ms
        self.call_timeout_ms = call_timeout_ms
        self._xid = None
        self._ended = True  # no exchange in progress
        self._eof = False
        self._pending = b""
        self._dead = False
        self._sent_end = False

    def _fail(self, code, msg):
        self._dead = True
        return ConnectError(code, "serial bridge: " + msg)

    def send(self, data, deadline):
        if self._dead:
            raise self._fail(Code.UNAVAILABLE, "connection failed earlier")
        if self._ended:  # a new exchange
            self._xid = self._t.next_xid()
            self._ended = False
            self._eof = False
            self._sent_end = False
            self._pending = b""
        mv = memoryview(data)
        w = self._con.write
        x = str(self._xid)
        for i in range(0, len(mv), CHUNK):
            b64 = _b2a(mv[i : i + CHUNK]).decode().rstrip("\n")
            w(frame("Q " + x + " " + b64))

    def _end_request(self, deadline):
        left = clock.remaining_ms(deadline)
        if left is not None and left <= 0:
            raise self._fail(Code.DEADLINE_EXCEEDED, "deadline exceeded")
        self._con.write(frame("E %d %d" % (self._xid, 0 if left is None else left)))
        self._sent_end = True

    def recv_into(self, buf, deadline):
        if self._dead:
            raise self._fail(Code.UNAVAILABLE, "connection failed earlier")
        if self._xid is None:
            return 0
        if not self._ended and not self._sent_end:
            self._end_request(deadline)
        while not self._pending:
            if self._eof:
                return 0
            self._pull(deadline)
        n = min(len(buf), len(self._pending))
        buf[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _pull(self, deadline):
        x = self._xid
        self._con.write(frame("P %d" % x))
        while True:
            t = self.read_timeout_ms
            left = clock.remaining_ms(deadline)
            if left is not None and left < t:
                t = left
            # The host answers within the deadline it was given; allow for the link.
            line = self._con.readline(t + 2000)
            if line is None:
                raise self._fail(Code.DEADLINE_EXCEEDED, "no answer from the host bridge")
            if not line:
                raise self._fail(Code.UNAVAILABLE, "console closed")
            try:
                f = parse(line)
            except ValueError:
                raise self._fail(Code.UNAVAILABLE, "corrupt frame from the host")
            if f is None or len(f) < 2 or f[1] != str(x):
                continue  # console noise, or a frame of an abandoned exchange
            kind = f[0]
            if kind in ("R", "L") and len(f) == 3:
                self._pending = _a2b(f[2])
                if kind == "L":
                    self._eof = self._ended = True
                return
            if kind == "Z":
                self._eof = self._ended = True
                return
            if kind == "X" and len(f) == 4:
                code = f[2] if f[2] in _CODES else Code.UNAVAILABLE
                raise self._fail(code, _a2b(f[3]).decode())
            raise self._fail(Code.UNAVAILABLE, "unexpected frame %r" % kind)

    def idle_ok(self):
        # The link has no idle state to go stale: the host keeps (and
        # redials) its own connection to the service.
        return not self._dead and (self._ended or self._eof or self._xid is None)

    def close(self):
        if not self._dead and self._xid is not None and not self._eof:
            # Tell the host to drop an exchange cut short.
            try:
                self._con.write(frame("C %d" % self._xid))
            except Exception:
                pass
        self._dead = True


class SerialTransport:
    """Dials "connections" over the console; pass as Client(..., transport=).

    stdin/stdout: the streams to use (default: sys.stdin and sys.stdout).
    """

    def __init__(self, stdin=None, stdout=None, read_timeout_ms=30000):
        self._console = _Console(stdin, stdout)
        self.read_timeout_ms = read_timeout_ms
        self._xid = 0

    def next_xid(self):
        self._xid = (self._xid + 1) & 0x3FFFFFFF
        return self._xid

    def dial(self, deadline, call_timeout_ms):
        return SerialConnection(self._console, self, self.read_timeout_ms, call_timeout_ms)
