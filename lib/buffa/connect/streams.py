# Streaming calls in the Connect protocol over HTTP/1.1, loaded on the first
# one: a board that only makes unary calls never spends heap on this.
#
# The functions drive the streaming stages of core.Exchange (still without
# I/O): start() prepares a server stream (one enveloped request) or a client
# stream (a chunked request body, one envelope per send_message()), step()
# reads envelopes off the response until the end-of-stream message, end()
# raises the error it carried. StreamBase is what the stream objects of both
# clients share; ServerStream and ClientStream are the blocking client's
# (aio.py has the asyncio ones).
from buffa.connect import compress, envelope, http1, protocol
from buffa.connect.core import (
    CLIENT_STREAM,
    DRAIN,
    DONE,
    FINISHED,
    MESSAGE,
    OPEN,
    RECV,
    SENDING_MORE,
    SERVER_STREAM,
    STREAM,
    _no_line_breaks,
    _put,
)
from buffa.connect.errors import ConnectError, Code
from buffa.connect.metadata import Metadata

_LAST_CHUNK = memoryview(b"0\r\n\r\n")


class State:
    """What one stream adds to the Exchange (core.Exchange.sx)."""

    def __init__(self):
        self.message = None  # the message step() returned MESSAGE for
        self.messages = 0
        self.headers = None  # response header pairs, from the head
        self.trailers = None  # Metadata, from the end-of-stream message
        self.end_error = None  # the error the end-of-stream message carried
        self.closing = False  # close_send() was called


def take_message(x):
    m = x.sx.message
    x.sx.message = None
    return m


def head(x):
    """The head of a streaming response has come: judge it, then read envelopes."""
    p = x.parser
    check_head(p, x.codec)
    x.sx.headers = p.header_pairs()
    x.stage = STREAM
    return _next_envelope(x)


def check_head(p, codec):
    """Judge the head of a streaming response: 200 with application/connect+<codec>.

    Errors of a stream come in its end-of-stream message; a non-200 status
    is an error by itself (code from the status, as connect-go does).
    """
    if p.status != 200:
        raise protocol._with_meta(protocol._fallback(p), p)
    want = "application/connect+" + codec
    media, params = protocol._media(p.content_type)
    if media != want or (params and params != "charset=utf-8"):
        code = Code.INTERNAL if media.startswith("application/") else Code.UNKNOWN
        msg = "invalid content-type %r; expecting %r" % (p.content_type, want)
        raise protocol._with_meta(ConnectError(code, msg, http_status=200), p)
    enc = p.stream_encoding
    if enc not in ("", "identity") and (enc != "gzip" or not compress.CAN_DECOMPRESS):
        raise protocol._with_meta(ConnectError(Code.INTERNAL, "unsupported stream encoding %r" % enc, http_status=200), p)


def step(x):
    if x.stage is STREAM:
        return _next_envelope(x)
    return _drain(x)


def start(x, kind, procedure, request, response_type, timeout_ms, headers, codec):
    """Prepare a server stream (request: the one message) or a client
    stream (request None; messages follow with send_message())."""
    head, user = x._begin(procedure, timeout_ms, headers, codec, kind)
    if head is None:
        head = _stream_head(x, procedure, codec, kind)
        x._heads_now[x._slot] = head
    n = 0
    if kind == SERVER_STREAM:
        n = protocol.encoded_size(request) if codec == protocol.PROTO else -1
        body = protocol.encode_message(request, codec) if n < 0 else None
        if body is not None:
            n = len(body)
        at = x._place(head, user, envelope.HEADER_BYTES + n)
        at = envelope.write_header(x.sbuf, at, 0, n)
        if body is None:
            protocol.encode_into(request, x.sbuf, at)
        else:
            x.sbuf[at : at + n] = body
    else:
        x._place(head, user, 0)
    x._ready(response_type, True)
    x.sx = State()


def _stream_head(x, procedure, codec, kind):
    cfg = x.cfg
    head = "POST %s%s HTTP/1.1\r\nHost: %s\r\ncontent-type: application/connect+%s\r\n" \
           "connect-protocol-version: 1\r\nconnect-accept-encoding: %s\r\n" % (
               x.prefix, procedure, x.host_header, codec, "gzip" if cfg.accept_compression else "identity")
    if kind == CLIENT_STREAM:
        head += "transfer-encoding: chunked\r\n"
    if cfg.user_agent:
        head += "user-agent: %s\r\n" % cfg.user_agent
    _no_line_breaks(head)
    return head.encode()


def _next_envelope(x):
    """The next envelope of a streaming response, or what it takes to get one."""
    p = x.parser
    a = p.head_end
    ev = None
    while True:
        n = envelope.length(p.buf, a, p.body_end, x.cfg.max_response_bytes)
        if n >= 0 and p.body_end - a >= envelope.HEADER_BYTES + n:
            return _envelope(x, p, a, n)
        if ev == http1.NEED_DATA:
            return RECV
        if ev == http1.DONE:
            if p.body_end > a:
                raise envelope._protocol_error("stream ended inside an envelope")
            raise envelope._protocol_error("stream ended without an end-of-stream message")
        # next() moves what has arrived into the body; then look again.
        ev = p.next()


def _envelope(x, p, a, n):
    flags = p.buf[a]
    data = p.view[a + envelope.HEADER_BYTES : a + envelope.HEADER_BYTES + n]
    if flags & envelope.COMPRESSED:
        if p.stream_encoding != "gzip":
            raise envelope._protocol_error("compressed message without Connect-Content-Encoding")
        data = x.cfg.inflater.decompress(data, "gzip", x.cfg.max_response_bytes)
    if flags & envelope.END_STREAM:
        x.sx.end_error, x.sx.trailers = envelope.end_of_stream(data)
        p.consume(envelope.HEADER_BYTES + n)
        x.stage = DRAIN
        return _drain(x)
    x.sx.message = protocol.decode_message(data, x.response_type, x.codec)
    p.consume(envelope.HEADER_BYTES + n)
    x.sx.messages += 1
    return MESSAGE


def _drain(x):
    """After the end-of-stream message: the body must end there."""
    p = x.parser
    while True:
        ev = p.next()
        if p.body_end > p.head_end:
            raise envelope._protocol_error("data after the end-of-stream message")
        if ev == http1.NEED_DATA:
            return RECV
        x.stage = FINISHED
        return DONE


def send_message(x, message):
    """Queue one message of a client stream as a chunk: size line,
    envelope, CRLF. The driver sends it (SEND) and comes back to READY."""
    if x.stage is not OPEN:
        raise ConnectError(Code.FAILED_PRECONDITION, "the request stream is closed")
    codec = x.codec
    n = protocol.encoded_size(message) if codec == protocol.PROTO else -1
    body = protocol.encode_message(message, codec) if n < 0 else None
    if body is not None:
        n = len(body)
    m = envelope.HEADER_BYTES + n
    need = 8 + 2 + m + 2
    if len(x.sbuf) < need:
        x.set_sbuf(bytearray(need))
    buf = x.sbuf
    i = http1.write_hex(buf, 0, m)
    i = _put(buf, i, b"\r\n")
    i = envelope.write_header(buf, i, 0, n)
    if body is None:
        protocol.encode_into(message, buf, i)
    else:
        buf[i : i + n] = body
    i = _put(buf, i + n, b"\r\n")
    x.out = x.sview[:i]
    x.stage = SENDING_MORE


def close_send(x):
    """End the request stream; the response is read next."""
    if x.stage is not OPEN:
        raise ConnectError(Code.FAILED_PRECONDITION, "the request stream is closed")
    x.out = _LAST_CHUNK
    x.stage = SENDING_MORE
    x.sx.closing = True


def end(x):
    """A stream's end: raises the error its end-of-stream message carried."""
    err = x.sx.end_error
    if err is not None:
        x.sx.end_error = None
        md = Metadata(x.sx.headers)
        md.extend(x.sx.trailers)
        err.metadata = md
        raise err


class StreamBase:
    """What a stream object of either client shares: its place in the
    client's one Exchange, the end, headers and trailers (Metadata, set at
    the end), and close() to leave early (which spends the connection)."""

    _request_type = None

    def __init__(self, client):
        self._client = client
        self._x = client._x
        self._id = self._x.call_id
        self.headers = None
        self.trailers = None

    def _sending(self, message):
        """The Exchange, ready for `message` (checked against the request type)."""
        x = self._live()
        if x is None:
            raise ConnectError(Code.FAILED_PRECONDITION, "the call has ended")
        t = self._request_type
        if t is not None and not isinstance(message, t):
            raise ConnectError(
                Code.INVALID_ARGUMENT, "request must be %s, not %s" % (t.__name__, type(message).__name__)
            )
        return x

    def _live(self):
        """The Exchange while this stream is its call, else None."""
        x = self._x
        if x is None:
            return None
        if x.call_id != self._id:
            self._x = None
            return None
        return x

    def _message_or_end(self, op):
        """The message `op` (from the driver's run) brought, or None at the
        stream's end, after raising the error the end carried."""
        if op is MESSAGE:
            return take_message(self._x)
        self._end()
        return None

    def _release(self):
        """The call is over for this stream (the asyncio client unlocks here)."""

    def _end(self):
        x = self._x
        self._x = None
        self._release()
        if not x.keep_alive():
            self._client._drop()
        self.headers = Metadata(x.sx.headers)
        self.trailers = x.sx.trailers if x.sx.trailers is not None else Metadata()
        end(x)

    def _failed(self):
        self._x = None
        self._release()

    def _collect(self, op):
        """Client streams: keep the one response message; True while more is to be read."""
        if op is MESSAGE:
            if self._reply_msg is not None:
                self.close()
                raise ConnectError(Code.INTERNAL, "protocol error: more than one response message")
            self._reply_msg = take_message(self._x)
            return True
        self._end()
        return False

    def _reply(self):
        if self._reply_msg is None:
            raise ConnectError(Code.INTERNAL, "protocol error: no response message")
        m = self._reply_msg
        self._reply_msg = None
        return m

    def close(self):
        """Leave the stream before its end (the connection is closed)."""
        x = self._live()
        self._x = None
        if x is not None:
            self._release()
            if x.stage is not FINISHED:
                x.abandon()
                self._client._drop()


class ServerStream(StreamBase):
    """The response messages of a server-streaming call, in order.

    Iterate it; after the last message, .headers and .trailers hold the
    response metadata, and an error the server ended the stream with is
    raised as ConnectError. close() (or leaving a with block) abandons it.
    """

    def __iter__(self):
        return self

    def __next__(self):
        x = self._live()
        if x is None:
            raise StopIteration
        try:
            m = self._message_or_end(self._client._run(x))
        except BaseException:
            self._failed()
            raise
        if m is None:
            raise StopIteration
        return m

    def poll(self, wait_ms):
        """The next message if it arrives within wait_ms (0: only if it is
        already here), else None with the stream still open: for a program
        with its own work to do between messages (blocking client only).

        At the stream's end: None, and `ended` is true; an error the stream
        ended with is raised as by next(). A transport that cannot wait
        with a bound (the in-memory and serial ones) raises unimplemented.
        """
        x = self._live()
        if x is None:
            return None
        try:
            op = self._client._run(x, wait_ms)
            if op is None:
                return None
            return self._message_or_end(op)
        except BaseException:
            self._failed()
            raise

    @property
    def ended(self):
        """Whether the stream is over (read to its end, failed or closed)."""
        return self._live() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class ClientStream(StreamBase):
    """A client-streaming call: send(message) as many times as needed, then
    close_and_receive() for the response message."""

    _reply_msg = None

    def _run(self):
        x = self._live()
        if x is None:
            raise ConnectError(Code.FAILED_PRECONDITION, "the call has ended")
        try:
            return self._client._run(x)
        except BaseException:
            self._failed()
            raise

    def send(self, message):
        send_message(self._sending(message), message)
        self._run()

    def close_and_receive(self):
        x = self._live()
        if x is None:
            raise ConnectError(Code.FAILED_PRECONDITION, "the call has ended")
        close_send(x)
        while self._collect(self._run()):
            pass
        return self._reply()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
