# HTTP/1.1 framing for one request/response exchange, with no I/O of its own.
#
# ResponseParser owns one receive buffer that the transport reads into
# (space() / filled(n)) and parses it where the bytes landed: the head stays
# at the start of the buffer (headers become Metadata only when someone asks
# for them) and the body follows it, de-chunked in place. A client keeps one
# parser and reuses it for every call, so a response that fits the buffer
# costs no allocation beyond the few header values the protocol needs.
#
# It trusts nothing: every line, header count, header block and body is
# bounded, and malformed framing becomes a ConnectError instead of a stray
# exception or an unbounded buffer.
#
# Error codes used here:
#   unavailable         framing is malformed or the connection ended early
#                       (connect-go reports HTTP client failures this way)
#   resource_exhausted  a configured limit was exceeded
from buffa.connect.errors import ConnectError, Code

NEED_DATA = 0  # read into space(), then filled(n) (0: the peer closed)
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

# The headers the parser itself needs, matched in place (lowercase).
_H_CTYPE = b"content-type"
_H_CENC = b"content-encoding"
_H_CLEN = b"content-length"
_H_TE = b"transfer-encoding"
_H_CONN = b"connection"
_H_SENC = b"connect-content-encoding"


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


def _check_text(buf, a, b):
    """Refuse control bytes (CR, NUL, ...) and invalid UTF-8 in buf[a:b]."""
    while a < b:
        c = buf[a]
        a += 1
        if c < 128:
            if (c < 32 and c != 9) or c == 127:
                raise _malformed("control character in header")
            continue
        # A UTF-8 lead byte and its continuation bytes.
        if 0xC2 <= c <= 0xDF:
            k = 1
        elif 0xE0 <= c <= 0xEF:
            k = 2
        elif 0xF0 <= c <= 0xF4:
            k = 3
        else:
            raise _malformed("header is not UTF-8")
        if a + k > b:
            raise _malformed("header is not UTF-8")
        while k:
            if buf[a] & 0xC0 != 0x80:
                raise _malformed("header is not UTF-8")
            a += 1
            k -= 1


def _is_name(buf, a, b, name):
    """Whether buf[a:b] equals the lowercase `name`, ignoring ASCII case."""
    if b - a != len(name):
        return False
    i = 0
    while a < b:
        c = buf[a]
        if 65 <= c <= 90:
            c += 32
        if c != name[i]:
            return False
        a += 1
        i += 1
    return True


# Trimming is two functions returning one int each: a returned tuple would
# be an allocation per header line.
def _ltrim(buf, a, b):
    while a < b and buf[a] in (32, 9):
        a += 1
    return a


def _rtrim(buf, a, b):
    while b > a and buf[b - 1] in (32, 9):
        b -= 1
    return b


# The values the common responses carry, as (bytes, str) pairs: a value that
# matches one (ignoring case) costs no allocation.
_CTYPES = ((b"application/proto", "application/proto"), (b"application/json", "application/json"))
_ENCODINGS = ((b"identity", "identity"), (b"gzip", "gzip"))
_CHUNKED = "chunked"
_CODINGS = ((b"chunked", _CHUNKED),)
_CONNECTION = ((b"keep-alive", "keep-alive"), (b"close", "close"))


def _number(buf, a, b, base, what):
    """The number in buf[a:b] (spaces around it allowed): decimal, at most
    10 digits, or hex, at most 8; else malformed `what`."""
    a = _ltrim(buf, a, b)
    b = _rtrim(buf, a, b)
    if a == b or b - a > (10 if base == 10 else 8):
        raise _malformed(what)
    n = 0
    while a < b:
        c = buf[a]
        if 48 <= c <= 57:
            d = c - 48
        elif base == 16 and 97 <= c | 32 <= 102:  # a-f, A-F
            d = (c | 32) - 87
        else:
            raise _malformed(what)
        n = n * base + d
        a += 1
    return n


def _value(buf, a, b, known, lower=False):
    for raw, text in known:
        if _is_name(buf, a, b, raw):
            return text
    v = _str(buf, a, b)
    return v.lower() if lower else v


def _str(buf, a, b):
    try:
        return str(memoryview(buf)[a:b], "utf-8")
    except UnicodeError:
        # obs-text a server sent in a header we must read as text
        raise _malformed("header text that is not UTF-8")


class ResponseParser:
    """Incremental parser for one HTTP/1.1 response at a time, in place.

    After HEAD: status, content_type, content_encoding (str, "" if absent),
    keep_alive; header_pairs() and reason() read the rest of the head on
    demand. After DONE: body (a memoryview) and trailers (chunked trailers
    as (name, value) pairs, or None). received_any says whether the peer
    sent anything at all (a failed request may then not be retried).
    """

    def __init__(self, limits, buffer_bytes=2048):
        self.limits = limits
        self._size = buffer_bytes
        self._set_buf(bytearray(buffer_bytes))
        self.reset()

    def _set_buf(self, b):
        # `view` is a memoryview of the whole buffer, made once per buffer:
        # on MicroPython memoryview(buf)[a:b] allocates two objects, a slice
        # of a kept view one. The buffer is never resized in place (a view
        # would forbid that on CPython), only replaced, here.
        self.buf = b
        self.view = memoryview(b)
        self._tail = None  # space()'s last view, for the same free tail
        self._tail_at = -1

    def reset(self, no_body=False, stream=False):
        """Get ready for the next response (no_body: it answers a HEAD;
        stream: its body is read a piece at a time, see consume())."""
        if len(self.buf) != self._size:
            # A big response grew the buffer for one call; give it back.
            self._set_buf(bytearray(self._size))
        self._no_body = no_body
        self._end = 0  # bytes held in buf
        self._pos = 0  # parse cursor
        self._eof = False
        self._state = _STATUS
        self._interim = 0
        self._remaining = 0  # bytes left in the body or current chunk
        self._nlines = 0  # header and trailer lines so far
        self._hbytes = 0  # head (and trailer) bytes so far
        self._te = None
        self._clen = -1
        self._conn_close = False
        self._conn_keep = False
        self.status = 0
        self.http11 = True
        self.head_end = 0
        self.body_end = 0
        self.body = None
        self.trailers = None
        self.content_type = ""
        self.content_encoding = ""
        self.stream_encoding = ""  # Connect-Content-Encoding (streams)
        self._stream = stream
        self._tail = None
        self._tail_at = -1
        self.keep_alive = False
        self.received_any = False

    # -- input --

    def space(self):
        """A memoryview of the free tail of the buffer, to read into."""
        if self._end == len(self.buf):
            self._grow(self._end + 1)
        # A response's first read, usually its only one, takes the whole
        # buffer: the kept view, where a slice would be an allocation.
        end = self._end
        if not end:
            return self.view
        if not self._stream:
            return self.view[end:]
        # A stream polled in the caller's idle time asks for the same free
        # tail again and again while nothing arrives: its view is kept. (Not
        # a unary response's: kept past the call, a small object would sit
        # wherever it was made, splitting the free heap the call leaves.)
        if self._tail_at != end:
            self._tail = self.view[end:]
            self._tail_at = end
        return self._tail

    def filled(self, n):
        """`n` bytes were read into space(); 0 means the peer closed."""
        if n:
            self.received_any = True
            self._end += n
        else:
            self._eof = True

    def feed(self, data):
        """Copy `data` in (tests and transports that hand over bytes)."""
        while data:
            sp = self.space()
            n = min(len(sp), len(data))
            sp[:n] = data[:n]
            self.filled(n)
            data = data[n:]

    def feed_eof(self):
        self._eof = True

    def _grow(self, need):
        """Make the buffer hold at least `need` bytes (bounded by the limits)."""
        lim = self.limits
        cap = lim.max_header_bytes + lim.max_body_bytes + lim.max_line_bytes + 64
        if need > cap:
            raise _too_big("response larger than %d bytes" % cap)
        size = len(self.buf) * 2
        if size < need:
            size = need
        if size > cap:
            size = cap
        b = bytearray(size)
        b[: self._end] = self.view[: self._end]
        self._set_buf(b)

    # -- helpers --

    def _line(self, limit):
        """End of the next line (which starts at the cursor as it was) without
        its terminator, or -1 if it is incomplete.

        Accepts bare LF as well as CRLF (RFC 9112 allows it), never a bare CR.
        """
        buf = self.buf
        a = self._pos
        i = buf.find(b"\n", a, self._end)
        if i < 0:
            if self._end - a > limit:
                raise _too_big("HTTP line longer than %d bytes" % limit)
            if self._eof:
                raise ConnectError(Code.UNAVAILABLE, "connection closed mid-response")
            return -1
        if i - a > limit:
            raise _too_big("HTTP line longer than %d bytes" % limit)
        self._pos = i + 1
        if i > a and buf[i - 1] == 13:
            i -= 1
        return i

    def _head_line(self):
        # Lines count against the header-block budget as they are consumed,
        # and the unconsumed bytes are bounded by that budget too, so a
        # server that never sends "\n" cannot grow the buffer.
        lim = self.limits
        left = lim.max_header_bytes - self._hbytes
        a = self._pos
        b = self._line(min(left, lim.max_line_bytes))
        if b < 0:
            if self._end - self._pos > left:
                raise _too_big("HTTP header block larger than %d bytes" % lim.max_header_bytes)
            return -1
        self._hbytes += b - a + 2
        if self._hbytes > lim.max_header_bytes:
            raise _too_big("HTTP header block larger than %d bytes" % lim.max_header_bytes)
        return b

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
        a = self._pos
        b = self._head_line()
        if b < 0:
            return NEED_DATA
        self._status_line(a, b)
        self._state = _HEADERS

    def _st_headers(self):
        a = self._pos
        b = self._head_line()
        if b < 0:
            return NEED_DATA
        if a < b:
            self._header_line(a, b, self._state == _TRAILERS)
            return None
        if self._state == _TRAILERS:
            return self._finish(self._pos)
        if 100 <= self.status < 200:
            # Interim response: forget it and read the real one in its place.
            self._interim += 1
            if self.status == 101 or self._interim > _MAX_INTERIM:
                raise _malformed("unexpected %d response" % self.status)
            self._drop_front(self._pos)
            self._nlines = 0
            self._state = _STATUS
            return None
        self.head_end = self.body_end = self._pos
        self._framing()
        return HEAD

    def _drop_front(self, n):
        buf = self.buf
        rest = self._end - n
        if rest:
            buf[:rest] = self.view[n : self._end]
        self._end = rest
        self._pos -= n

    def _take(self, n):
        """Move up to n buffered bytes onto the end of the body; returns how many."""
        k = self._end - self._pos
        if k > n:
            k = n
        if k:
            if self._pos != self.body_end:
                # De-chunking: close the gap left by chunk-size lines.
                self.buf[self.body_end : self.body_end + k] = self.view[self._pos : self._pos + k]
            self._pos += k
            self.body_end += k
        return k

    def _st_body_length(self):
        self._remaining -= self._take(self._remaining)
        if not self._remaining:
            return self._finish(self._pos)
        if self._eof:
            got = self.body_end - self.head_end
            raise ConnectError(
                Code.UNAVAILABLE, "response body truncated: %d of %d bytes" % (got, got + self._remaining)
            )
        return NEED_DATA

    def _st_chunk_size(self):
        a = self._pos
        b = self._line(self.limits.max_line_bytes)
        if b < 0:
            return NEED_DATA
        size = self._chunk_size(a, b)
        if size == 0:
            self._state = _TRAILERS
            return None
        # (A stream's chunk may carry many messages: its reader bounds each.)
        if not self._stream and self.body_end - self.head_end + size > self.limits.max_body_bytes:
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
        buf = self.buf
        p = self._pos
        have = self._end - p
        if have >= 2 and buf[p] == 13 and buf[p + 1] == 10:
            self._pos = p + 2
        elif have and buf[p] == 10:
            self._pos = p + 1
        elif have >= 2 or (have and buf[p] != 13):
            raise _malformed("chunk data longer than its size")
        elif self._eof:
            raise ConnectError(Code.UNAVAILABLE, "response body truncated after a chunk")
        else:
            return NEED_DATA
        # Keep the unparsed bytes next to the body, so the buffer does not
        # fill with spent chunk-size lines.
        self._compact()
        self._state = _CHUNK_SIZE

    def _compact(self):
        gap = self._pos - self.body_end
        if gap:
            rest = self._end - self._pos
            if rest:
                self.buf[self.body_end : self.body_end + rest] = self.view[self._pos : self._end]
            self._pos = self.body_end
            self._end = self.body_end + rest

    def _st_body_eof(self):
        if self.body_end - self.head_end + self._end - self._pos > self.limits.max_body_bytes:
            raise _too_big("response body larger than %d bytes" % self.limits.max_body_bytes)
        self._take(self._end - self._pos)
        if self._eof:
            return self._finish(self._pos)
        return NEED_DATA

    def _st_done(self):
        return DONE

    def consume(self, n):
        """Drop the first n bytes of the body read so far (a stream's reader
        has used them), so that the buffer holds what is still to be read."""
        a = self.head_end
        rest = self._end - a - n
        if rest:
            self.buf[a : a + rest] = self.view[a + n : self._end]
        self._end -= n
        self._pos -= n
        self.body_end -= n

    def _finish(self, consumed):
        self._state = _DONE
        self.body = self.view[self.head_end : self.body_end]
        if self._end > consumed:
            # Bytes after a complete response, before we sent another
            # request: the server is not speaking HTTP/1.1 as we are, and
            # those bytes must never be read as the next response.
            self.keep_alive = False
        return DONE

    def _status_line(self, a, b):
        buf = self.buf
        _check_text(buf, a, b)
        # "HTTP/1.1 200 OK"; the reason phrase may be empty or absent.
        n = b - a
        if n < 12 or not _is_name(buf, a, a + 7, b"http/1.") or buf[a + 8] != 32 or (n > 12 and buf[a + 12] != 32):
            raise _malformed("bad status line")
        if buf[a] != 72 or buf[a + 7] not in (48, 49):  # "H", "0" or "1"
            raise _malformed("unsupported HTTP version")
        self.http11 = buf[a + 7] == 49
        code = 0
        i = a + 9
        while i < a + 12:
            c = buf[i]
            if not 48 <= c <= 57:
                raise _malformed("bad status code")
            code = code * 10 + c - 48
            i += 1
        if code < 100:
            raise _malformed("bad status code")
        self.status = code

    def _header_line(self, a, b, trailer):
        buf = self.buf
        if buf[a] in (32, 9):
            # obs-fold: deprecated, and a classic way to smuggle headers.
            raise _malformed("folded header line")
        self._nlines += 1
        if self._nlines > self.limits.max_headers:
            raise _too_big("more than %d HTTP headers" % self.limits.max_headers)
        i = buf.find(b":", a, b)
        if i <= a:
            raise _malformed("header line without a name")
        j = a
        while j < i:
            c = buf[j]
            if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c in _TOKEN_PUNCT):
                raise _malformed("bad character in header name")
            j += 1
        _check_text(buf, i + 1, b)
        va = _ltrim(buf, i + 1, b)
        vb = _rtrim(buf, va, b)
        if trailer:
            if self.trailers is None:
                self.trailers = []
            self.trailers.append((_str(buf, a, i).lower(), _str(buf, va, vb)))
        elif _is_name(buf, a, i, _H_CTYPE):
            self.content_type = _value(buf, va, vb, _CTYPES)
        elif _is_name(buf, a, i, _H_CENC):
            self.content_encoding = _value(buf, va, vb, _ENCODINGS, True)
        elif _is_name(buf, a, i, _H_CLEN):
            self._content_length(va, vb)
        elif _is_name(buf, a, i, _H_TE):
            v = _value(buf, va, vb, _CODINGS, True)
            if v is not _CHUNKED:
                v = v.replace(" ", "").replace("\t", "")
            self._te = v if self._te is None else self._te + "," + v
        elif _is_name(buf, a, i, _H_SENC):
            self.stream_encoding = _value(buf, va, vb, _ENCODINGS, True)
        elif _is_name(buf, a, i, _H_CONN):
            v = _value(buf, va, vb, _CONNECTION, True)
            self._conn_close = self._conn_close or "close" in v
            self._conn_keep = self._conn_keep or "keep-alive" in v

    def _content_length(self, a, b):
        # Comma-separated repeats must agree; at most 10 digits each, which
        # keeps the number small on boards and rejects "+5", "0x10", " 5 5".
        buf = self.buf
        while True:
            j = buf.find(b",", a, b)
            n = _number(buf, a, b if j < 0 else j, 10, "bad Content-Length")
            if self._clen >= 0 and n != self._clen:
                raise _malformed("conflicting Content-Length values")
            self._clen = n
            if j < 0:
                return
            a = j + 1

    def _framing(self):
        """Decide how the body is delimited (RFC 9112 section 6.3)."""
        if self.http11:
            self.keep_alive = not self._conn_close
        else:
            self.keep_alive = self._conn_keep
        if self._no_body or self.status in (204, 304):
            self._finish(self._pos)
            return
        if self._te is not None:
            if self._te != "chunked":
                # gzip-as-transfer-coding etc. is never used by Connect servers.
                raise _malformed("unsupported Transfer-Encoding %r" % self._te)
            if self._clen >= 0:
                # Both framings at once: process as chunked (the RFC says
                # so) but never reuse the connection.
                self.keep_alive = False
            self._state = _CHUNK_SIZE
            return
        n = self._clen
        if n >= 0:
            lim = self.limits.max_body_bytes
            if n > lim:
                raise _too_big("response body of %d bytes exceeds the limit of %d" % (n, lim))
            if self.head_end + n > len(self.buf) and not self._stream:
                self._grow(self.head_end + n)
            self._remaining = n
            self._state = _BODY_LENGTH
            return
        # No framing at all: the body runs until the server closes.
        self.keep_alive = False
        self._state = _BODY_EOF

    def _chunk_size(self, a, b):
        buf = self.buf
        i = buf.find(b";", a, b)  # chunk extensions are ignored
        if i >= 0:
            b = i
        _check_text(buf, a, b)
        return _number(buf, a, b, 16, "bad chunk size")

    # -- the head, on demand --

    def reason(self):
        buf = self.buf
        a = 0
        e = buf.find(b"\n", a, self.head_end)
        if e > a and buf[e - 1] == 13:
            e -= 1
        if e - a <= 12:
            return ""
        a = _ltrim(buf, a + 12, e)
        return _str(buf, a, _rtrim(buf, a, e))

    def header_pairs(self):
        """The response headers (and trailers) as (lowercase name, value) pairs."""
        buf = self.buf
        out = []
        a = buf.find(b"\n", 0, self.head_end) + 1
        while a < self.head_end:
            e = buf.find(b"\n", a, self.head_end)
            b = e - 1 if e > a and buf[e - 1] == 13 else e
            if b > a:
                i = buf.find(b":", a, b)
                va = _ltrim(buf, i + 1, b)
                out.append((_str(buf, a, i).lower(), _str(buf, va, _rtrim(buf, va, b))))
            a = e + 1
        if self.trailers:
            out.extend(self.trailers)
        return out


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


def head_line(name, value):
    """One "Name: value\\r\\n" header line as bytes, refusing CR/LF as a last
    line of defence (values are validated by metadata.request_pairs)."""
    if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
        raise ConnectError(Code.INVALID_ARGUMENT, "line break in request head")
    return ("%s: %s\r\n" % (name, value)).encode()


def write_uint(buf, at, n):
    """Write decimal digits of n >= 0 into buf at `at`, without allocating; returns the end."""
    k = 1
    m = n
    while m >= 10:
        m //= 10
        k += 1
    end = at + k
    i = end
    while True:
        i -= 1
        buf[i] = 48 + n % 10
        n //= 10
        if not n:
            return end


def write_hex(buf, at, n):
    """Write n >= 0 in lowercase hex into buf at `at` (a chunk size); returns the end."""
    k = 1
    m = n
    while m >= 16:
        m >>= 4
        k += 1
    end = at + k
    i = end
    while True:
        i -= 1
        d = n & 15
        buf[i] = 48 + d if d < 10 else 87 + d
        n >>= 4
        if not n:
            return end
