# HTTP/1.1 framing for one request/response exchange, with no I/O of its own.
#
# ResponseParser is fed whatever bytes the transport read and hands back
# events, so the blocking client, the asyncio client and the in-memory tests
# share one parser. It trusts nothing: every line, header count, header
# block and body is bounded, and malformed framing becomes a ConnectError
# instead of a stray exception or an unbounded buffer.
#
# Error codes used here:
#   unavailable         framing is malformed or the connection ended early
#                       (connect-go reports HTTP client failures this way)
#   resource_exhausted  a configured limit was exceeded
from buffa.connect.errors import ConnectError, Code

NEED_DATA = 0  # feed() more bytes, or feed_eof()
HEAD = 1  # status and headers are parsed; the body is next
DONE = 2  # the body is complete

_STATUS = 0
_HEADERS = 1
_BODY_LENGTH = 2
_CHUNK_SIZE = 3
_CHUNK_DATA = 4
_CHUNK_END = 5
_TRAILERS = 6
_BODY_EOF = 7
_DONE = 8

# Interim (1xx) responses a server may send before the real one. We never
# ask for them (no Expect: 100-continue), so a few is plenty.
_MAX_INTERIM = 4

# Characters allowed in a header name (RFC 9110 "token").
_TOKEN_PUNCT = b"!#$%&'*+-.^_`|~"


class Limits:
    """Bounds on one response. Every one has a default and can be lowered.

    max_body_bytes    body as received (before decompression), default 4 MiB
    max_header_bytes  status line + headers (+ chunked trailers), default 16 KiB
    max_headers       number of header (and trailer) lines, default 64
    max_line_bytes    one header line or chunk-size line, default 8 KiB
    """

    def __init__(
        self,
        max_body_bytes=4 * 1024 * 1024,
        max_header_bytes=16 * 1024,
        max_headers=64,
        max_line_bytes=8 * 1024,
    ):
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers
        self.max_line_bytes = max_line_bytes


def _malformed(msg):
    return ConnectError(Code.UNAVAILABLE, "malformed HTTP response: " + msg)


def _too_big(msg):
    return ConnectError(Code.RESOURCE_EXHAUSTED, msg)


def _text(line):
    """str of a header/status line, refusing control bytes (CR, NUL, ...)."""
    for b in line:
        if (b < 32 and b != 9) or b == 127:
            raise _malformed("control character in header")
    try:
        return line.decode()
    except UnicodeError:
        raise _malformed("header is not UTF-8")


def _digits(s):
    if not s:
        return False
    for c in s:
        if not ("0" <= c <= "9"):
            return False
    return True


class ResponseParser:
    """Incremental parser for one HTTP/1.1 response.

    After HEAD: status, reason, version, headers (list of (lowercase name,
    value)). After DONE: body (bytearray) and trailers (chunked trailers,
    same form as headers). keep_alive says whether the connection may carry
    another request; received_any whether the peer sent anything at all
    (used to decide whether a failed request may be retried).
    """

    def __init__(self, limits, no_body=False):
        self.limits = limits
        self._no_body = no_body  # response to HEAD
        self._buf = b""
        self._eof = False
        self._state = _STATUS
        self._header_bytes = 0
        self._interim = 0
        self._remaining = 0  # bytes left in the body or current chunk
        self.status = 0
        self.reason = ""
        self.version = ""
        self.headers = []
        self.trailers = []
        self.body = bytearray()
        self.keep_alive = False
        self.received_any = False

    # -- input --

    def feed(self, data):
        if data:
            self.received_any = True
            self._buf = self._buf + data if self._buf else bytes(data)

    def feed_eof(self):
        self._eof = True

    # -- helpers --

    def _line(self, limit):
        """Next line without its terminator, None if incomplete.

        Accepts bare LF as well as CRLF (RFC 9112 allows it), never a bare CR.
        """
        buf = self._buf
        i = buf.find(b"\n")
        if i < 0:
            if len(buf) > limit:
                raise _too_big("HTTP line longer than %d bytes" % limit)
            if self._eof:
                raise ConnectError(Code.UNAVAILABLE, "connection closed mid-response")
            return None
        if i > limit:
            raise _too_big("HTTP line longer than %d bytes" % limit)
        end = i - 1 if i and buf[i - 1] == 13 else i
        line = buf[:end]
        self._buf = buf[i + 1 :]
        return line

    def _head_line(self):
        # Header lines count against the header-block budget as they are
        # consumed, and the unconsumed buffer is bounded by that budget too,
        # so a server that never sends "\n" cannot grow it.
        left = self.limits.max_header_bytes - self._header_bytes
        line = self._line(min(left, self.limits.max_line_bytes))
        if line is None:
            if len(self._buf) > left:
                raise _too_big("HTTP header block larger than %d bytes" % self.limits.max_header_bytes)
            return None
        self._header_bytes += len(line) + 2
        if self._header_bytes > self.limits.max_header_bytes:
            raise _too_big("HTTP header block larger than %d bytes" % self.limits.max_header_bytes)
        return line

    def _take(self, n):
        """Move up to n buffered bytes into the body; returns how many."""
        buf = self._buf
        k = len(buf)
        if k > n:
            k = n
        if k:
            self.body.extend(buf[:k] if k < len(buf) else buf)
            self._buf = buf[k:]
        return k

    # -- the state machine --
    # One small method per state (one big function would need one big
    # contiguous bytecode allocation when compiled on a device). Each returns
    # an event, or None to go on with the next state.

    def next(self):
        """Advance as far as the buffered input allows; returns an event."""
        while True:
            ev = _STEPS[self._state](self)
            if ev is not None:
                return ev

    def _st_status(self):
        line = self._head_line()
        if line is None:
            return NEED_DATA
        self._status_line(line)
        self._state = _HEADERS

    def _st_headers(self):
        st = self._state
        line = self._head_line()
        if line is None:
            return NEED_DATA
        if line:
            self._header_line(line, self.headers if st == _HEADERS else self.trailers)
            return None
        if st == _TRAILERS:
            return self._finish()
        if 100 <= self.status < 200:
            # Interim response: discard it and read the real one.
            self._interim += 1
            if self.status == 101 or self._interim > _MAX_INTERIM:
                raise _malformed("unexpected %d response" % self.status)
            self.headers = []
            self._state = _STATUS
            return None
        self._framing()
        return HEAD

    def _st_body_length(self):
        self._remaining -= self._take(self._remaining)
        if not self._remaining:
            return self._finish()
        if self._eof:
            got = len(self.body)
            raise ConnectError(
                Code.UNAVAILABLE, "response body truncated: %d of %d bytes" % (got, got + self._remaining)
            )
        return NEED_DATA

    def _st_chunk_size(self):
        line = self._line(self.limits.max_line_bytes)
        if line is None:
            return NEED_DATA
        size = self._chunk_size(line)
        if size == 0:
            self._state = _TRAILERS
            return None
        if len(self.body) + size > self.limits.max_body_bytes:
            raise _too_big("response body larger than %d bytes" % self.limits.max_body_bytes)
        self._remaining = size
        self._state = _CHUNK_DATA

    def _st_chunk_data(self):
        self._remaining -= self._take(self._remaining)
        if self._remaining:
            if self._eof:
                raise ConnectError(Code.UNAVAILABLE, "response body truncated inside a chunk")
            return NEED_DATA
        self._state = _CHUNK_END

    def _st_chunk_end(self):
        buf = self._buf
        if buf[:2] == b"\r\n":
            self._buf = buf[2:]
        elif buf[:1] == b"\n":
            self._buf = buf[1:]
        elif len(buf) >= 2 or (buf and buf[0] != 13):
            raise _malformed("chunk data longer than its size")
        elif self._eof:
            raise ConnectError(Code.UNAVAILABLE, "response body truncated after a chunk")
        else:
            return NEED_DATA
        self._state = _CHUNK_SIZE

    def _st_body_eof(self):
        if len(self.body) + len(self._buf) > self.limits.max_body_bytes:
            raise _too_big("response body larger than %d bytes" % self.limits.max_body_bytes)
        self._take(len(self._buf))
        if self._eof:
            return self._finish()
        return NEED_DATA

    def _st_done(self):
        return DONE

    def _finish(self):
        self._state = _DONE
        if self._buf:
            # Bytes after a complete response, before we sent another
            # request: the server is not speaking HTTP/1.1 as we are, and
            # those bytes must never be read as the next response.
            self.keep_alive = False
        return DONE

    def _status_line(self, line):
        s = _text(line)
        # "HTTP/1.1 200 OK"; the reason phrase may be empty or absent.
        if not s.startswith("HTTP/1.") or len(s) < 12 or s[8] != " " or (len(s) > 12 and s[12] != " "):
            raise _malformed("bad status line")
        self.version = s[:8]
        if self.version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _malformed("unsupported HTTP version")
        code = s[9:12]
        if not _digits(code) or code[0] == "0":
            raise _malformed("bad status code")
        self.status = int(code)
        self.reason = s[13:].strip()

    def _header_line(self, line, into):
        if line[0] in (32, 9):
            # obs-fold: deprecated, and a classic way to smuggle headers.
            raise _malformed("folded header line")
        if len(self.headers) + len(self.trailers) >= self.limits.max_headers:
            raise _too_big("more than %d HTTP headers" % self.limits.max_headers)
        i = line.find(b":")
        if i <= 0:
            raise _malformed("header line without a name")
        for b in line[:i]:
            if not (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b in _TOKEN_PUNCT):
                raise _malformed("bad character in header name")
        name = line[:i].decode().lower()
        into.append((name, _text(line[i + 1 :]).strip()))

    def _get(self, name):
        return [v for k, v in self.headers if k == name]

    def _framing(self):
        """Decide how the body is delimited (RFC 9112 section 6.3)."""
        conn = ",".join(self._get("connection")).lower()
        if self.version == "HTTP/1.1":
            self.keep_alive = "close" not in conn
        else:
            self.keep_alive = "keep-alive" in conn
        te = self._get("transfer-encoding")
        cl = self._get("content-length")
        if self._no_body or self.status in (204, 304):
            self._state = _DONE
            return
        if te:
            codings = ",".join(te).lower().replace(" ", "").replace("\t", "")
            if codings != "chunked":
                # gzip-as-transfer-coding etc. is never used by Connect servers.
                raise _malformed("unsupported Transfer-Encoding %r" % codings)
            if cl:
                # Both framings at once: process as chunked (the RFC says
                # so) but never reuse the connection.
                self.keep_alive = False
            self._state = _CHUNK_SIZE
            return
        if cl:
            n = None
            for v in ",".join(cl).split(","):
                v = v.strip()
                # At most 10 digits before int(): keeps the number small on
                # boards and rejects "+5", "0x10", " 5 5".
                if not _digits(v) or len(v) > 10:
                    raise _malformed("bad Content-Length")
                if n is not None and int(v) != n:
                    raise _malformed("conflicting Content-Length values")
                n = int(v)
            if n > self.limits.max_body_bytes:
                raise _too_big("response body of %d bytes exceeds the limit of %d" % (n, self.limits.max_body_bytes))
            self._remaining = n
            self._state = _BODY_LENGTH
            return
        # No framing at all: the body runs until the server closes.
        self.keep_alive = False
        self._state = _BODY_EOF

    def _chunk_size(self, line):
        i = line.find(b";")  # chunk extensions are ignored
        if i >= 0:
            line = line[:i]
        s = _text(line).strip()
        if not s or len(s) > 8:
            raise _malformed("bad chunk size")
        n = 0
        for c in s:
            if "0" <= c <= "9":
                d = ord(c) - 48
            elif "a" <= c <= "f":
                d = ord(c) - 87
            elif "A" <= c <= "F":
                d = ord(c) - 55
            else:
                raise _malformed("bad chunk size")
            n = n * 16 + d
        return n


# Indexed by state number (_STATUS .. _DONE).
_STEPS = (
    ResponseParser._st_status,
    ResponseParser._st_headers,
    ResponseParser._st_body_length,
    ResponseParser._st_chunk_size,
    ResponseParser._st_chunk_data,
    ResponseParser._st_chunk_end,
    ResponseParser._st_headers,  # _TRAILERS
    ResponseParser._st_body_eof,
    ResponseParser._st_done,
)


def request_head(method, target, host, pairs, content_length):
    """The request line and headers as bytes, ending with the blank line.

    `pairs` must already be validated (see metadata.request_pairs): this
    function only refuses CR/LF as a last line of defence.
    """
    parts = ["%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, target, host)]
    for k, v in pairs:
        parts.append("%s: %s\r\n" % (k, v))
    if content_length is not None:
        parts.append("Content-Length: %d\r\n" % content_length)
    parts.append("\r\n")
    head = "".join(parts)
    bare = head.replace("\r\n", "")
    if "\r" in bare or "\n" in bare:
        raise ConnectError(Code.INVALID_ARGUMENT, "line break in request head")
    return head.encode()
