# The part of a Connect call that does no I/O, shared by the blocking client
# (client.py) and the asyncio client (aio.py): options, request bytes,
# response judging, retry decisions. A driver asks Exchange.step() what to
# do next and moves bytes; everything else happens here.
#
# It is built to churn little heap on a board. Each client owns one
# Exchange, reused for every call, with:
#   - one send buffer: the head is written in front of the body, which the
#     message encodes straight into the buffer (encode_into);
#   - the head bytes per procedure, built once and kept (a few per client);
#   - one receive buffer, parsed in place (http1.ResponseParser).
# A unary call that fits both buffers allocates the decoded response, a few
# header values and small objects, and nothing in proportion to the body
# (docs/connect.md, "Memory per call", has the measured figures).

from buffa import __version__
from buffa._runtime import MPVM
from buffa.connect import clock, compress, http1, protocol
from buffa.connect.errors import ConnectError, Code

USER_AGENT = "buffa-connect/" + __version__

# What the driver does next (Exchange.step()):
CONNECT = "connect"  # ensure an open connection, then connected(reused)
SEND = "send"  # send `out` in full, then sent()
RECV = "recv"  # read into space(), then filled(n) (0 at end of stream)
MESSAGE = "message"  # a stream message is ready: streams.take_message()
READY = "ready"  # a client stream awaits streams.send_message() or close_send()
DONE = "done"  # the call is complete: result(), or streams.end() for a stream

# Kinds of call (index into the cached heads, with the codec).
UNARY = 0
SERVER_STREAM = 1
CLIENT_STREAM = 2

# Stages of one attempt. Named, so that a stage reads as what it is when
# debugging; failed() decides on retries by them.
START = "start"
SENDING = "sending the request"
AWAIT_HEAD = "awaiting the response head"
BODY = "reading the response body"
OPEN = "request stream open"
SENDING_MORE = "sending on the request stream"
STREAM = "reading the response stream"
DRAIN = "reading past the end-of-stream message"
FINISHED = "finished"


# Head prefixes kept per client: enough for every method of a few services.
_MAX_CACHED_HEADS = 16

_TIMEOUT_NAME = b"connect-timeout-ms: "
_LENGTH_NAME = b"content-length: "
# Room for the per-call header lines: both names, 10 digits each, CRLFs and
# the blank line.
_PER_CALL_ROOM = len(_TIMEOUT_NAME) + len(_LENGTH_NAME) + 2 * 10 + 3 * 2


def _heap_bytes():
    """The heap size on MicroPython (CircuitPython too), None where it is not a concern."""
    if not MPVM:
        return None
    import gc

    return gc.mem_alloc() + gc.mem_free()


def default_max_response_bytes(heap=None):
    """The default bound on a response body: 4 MiB, or on MicroPython a
    sixteenth of the heap rounded down to a power of two (at least 4 KiB):
    8 KiB on a 128-256 KiB board, 128 KiB on the unix port's 2 MiB heap.
    A body that size, and the window to inflate it, must each find one free
    block in a heap that the program around the client fragments."""
    if heap is None:
        heap = _heap_bytes()
    if heap is None:
        return 4 * 1024 * 1024
    n = 4 * 1024
    while n * 2 <= heap // 16 and n < 4 * 1024 * 1024:
        n *= 2
    return n


def default_accept_compression(max_response_bytes, heap=None):
    """Whether to advertise gzip: only where the inflate window for a
    response of max_response_bytes takes at most 1/32 of the heap (so not
    on a 128-256 KiB board with its 8 KiB default limit, but on the unix
    port, a board with PSRAM, and CPython)."""
    if not compress.CAN_DECOMPRESS:
        return False
    if heap is None:
        heap = _heap_bytes()
    return heap is None or compress.window_bytes(max_response_bytes) * 32 <= heap


def _positive(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConnectError(Code.INVALID_ARGUMENT, "%s must be a positive int, got %r" % (name, value))
    return value


class Config:
    """Options shared by Client and aio.Client; see docs/connect.md.

    Every limit has a default and is validated here, once.
    """

    def __init__(
        self,
        timeout_ms=None,
        connect_timeout_ms=10000,
        read_timeout_ms=30000,
        max_response_bytes=None,
        max_header_bytes=16 * 1024,
        max_headers=64,
        max_line_bytes=8 * 1024,
        compress_min_bytes=1024,
        send_compression=True,
        accept_compression=None,
        max_get_url_bytes=2048,
        recv_buffer_bytes=2048,
        send_buffer_bytes=1024,
        user_agent=USER_AGENT,
    ):
        if timeout_ms is not None:
            _positive("timeout_ms", timeout_ms)
        self.timeout_ms = timeout_ms
        self.connect_timeout_ms = _positive("connect_timeout_ms", connect_timeout_ms)
        self.read_timeout_ms = _positive("read_timeout_ms", read_timeout_ms)
        if max_response_bytes is None:
            max_response_bytes = default_max_response_bytes()
        self.max_response_bytes = _positive("max_response_bytes", max_response_bytes)
        self.compress_min_bytes = _positive("compress_min_bytes", compress_min_bytes)
        self.send_compression = bool(send_compression)
        # None: advertise gzip only where the heap can spare the inflate
        # window (see default_accept_compression). A response compressed
        # anyway is still inflated, with a window no larger than the limit.
        if accept_compression is None:
            accept_compression = default_accept_compression(self.max_response_bytes)
        self.accept_compression = bool(accept_compression) and compress.CAN_DECOMPRESS
        self.max_get_url_bytes = _positive("max_get_url_bytes", max_get_url_bytes)
        self.recv_buffer_bytes = _positive("recv_buffer_bytes", recv_buffer_bytes)
        self.send_buffer_bytes = _positive("send_buffer_bytes", send_buffer_bytes)
        self.user_agent = user_agent
        # One per client: what inflating a gzip body can reuse from call to
        # call. Inflating never yields, so concurrent asyncio calls share it.
        self.inflater = compress.Inflater(self.recv_buffer_bytes)
        self.limits = http1.Limits(
            max_body_bytes=self.max_response_bytes,
            max_header_bytes=_positive("max_header_bytes", max_header_bytes),
            max_headers=_positive("max_headers", max_headers),
            max_line_bytes=_positive("max_line_bytes", max_line_bytes),
        )


class Response:
    """A successful unary response: message, headers, trailers (Metadata)."""

    def __init__(self, message, headers, trailers):
        self.message = message
        self.headers = headers
        self.trailers = trailers


def wrap_unexpected(e):
    """A ConnectError for an exception that escaped every specific handler."""
    if isinstance(e, ConnectError):
        return e
    if isinstance(e, MemoryError):
        return ConnectError(Code.RESOURCE_EXHAUSTED, "out of memory during the call")
    return ConnectError(Code.UNKNOWN, "client failure: %s: %s" % (type(e).__name__, e))


def _ndigits(n):
    k = 1
    while n >= 10:
        n //= 10
        k += 1
    return k


def _put(buf, at, data):
    end = at + len(data)
    buf[at:end] = data
    return end


class Exchange:
    """One client's calls, one at a time, as a state machine without I/O.

    start() prepares a unary call, streams.start() a streaming one; then the
    driver loops on step():
      CONNECT  open or reuse a connection, report connected(reused)
      SEND     send `out`, report sent()
      RECV     read into space(), report filled(n)
      MESSAGE  a stream message is ready (streams.take_message)
      READY    a client stream awaits streams.send_message() or close_send()
      DONE     the call is complete: result() (unary) or streams.end()
    and on any exception calls failed(e), which raises the call's
    ConnectError or, when the attempt may be replayed, returns to CONNECT.
    """

    def __init__(self, cfg, prefix, host_header):
        self.cfg = cfg
        self.prefix = prefix
        self.host_header = host_header
        self.parser = http1.ResponseParser(cfg.limits, cfg.recv_buffer_bytes)
        self.set_sbuf(bytearray(cfg.send_buffer_bytes))
        self._heads = {}
        self.stage = FINISHED
        self.kind = UNARY
        self.call_id = 0  # which call a stream object belongs to
        self.out = None
        self.deadline = None
        self.timeout_ms = None
        # Every attribute a call sets, set here once: the instance's table
        # then never grows (a reallocation) in the middle of a call.
        self.method = "POST"
        self.codec = None
        self.response_type = None
        self.want_response = False
        self.success = False
        self.retried = False
        self.reused = False
        self._length = True
        self._slot = 0
        self._heads_now = None
        self._prefix_head = b""
        self._body_at = 0
        self._body_len = 0
        self.sx = None  # a stream's own state (streams.State)

    def set_sbuf(self, b):
        """Use b as the send buffer, with one view of it kept (a slice of
        it is one allocation on MicroPython, memoryview(b)[a:b] two)."""
        self.sbuf = b
        self.sview = memoryview(b)

    # -- preparing a call --

    def _begin(self, procedure, timeout_ms, headers, codec, kind):
        """What every call checks and sets first; returns the cached head (or
        None) for this procedure, codec and kind, and the caller's header lines."""
        if self.stage is not FINISHED:
            raise ConnectError(Code.FAILED_PRECONDITION, "another call is in progress on this client")
        if timeout_ms is None:
            timeout_ms = self.cfg.timeout_ms
        elif not isinstance(timeout_ms, int) or timeout_ms <= 0:
            raise ConnectError(Code.DEADLINE_EXCEEDED, "timeout_ms=%r: deadline already passed" % (timeout_ms,))
        protocol.content_type(codec)  # checks codec
        heads = self._heads.get(procedure)
        if heads is None:
            protocol.check_procedure(procedure)
            if len(self._heads) >= _MAX_CACHED_HEADS:
                self._heads.clear()
            heads = self._heads[procedure] = [None] * 6
        self._slot = kind * 2 + (0 if codec == protocol.PROTO else 1)
        self._heads_now = heads
        self.kind = kind
        self.call_id += 1
        self.codec = codec
        self.timeout_ms = timeout_ms
        self.method = "POST"
        self._length = kind != CLIENT_STREAM  # else chunked
        return heads[self._slot], protocol.header_lines(headers) if headers else b""

    def _ready(self, response_type, want_response):
        self.response_type = response_type
        self.want_response = want_response
        self.deadline = clock.deadline_after(self.timeout_ms)
        self.retried = False
        self.reused = False
        self.stage = START

    def _place(self, head, user, n):
        """Keep the head; make room for an n-byte body after room for the
        longest head and return where the body goes: connected() writes the
        head, which carries the time left, right in front of it."""
        self._prefix_head = head + user if user else head
        at = len(self._prefix_head) + _PER_CALL_ROOM
        if len(self.sbuf) < at + n:
            self.set_sbuf(bytearray(at + n))
        self._body_at = at
        self._body_len = n
        return at

    def start(self, procedure, request, response_type, timeout_ms, headers, codec, use_get, want_response):
        cfg = self.cfg
        head, user = self._begin(procedure, timeout_ms, headers, codec, UNARY)
        body = None
        if codec != protocol.PROTO:
            body = protocol.encode_message(request, codec)
            n = len(body)
        else:
            n = protocol.encoded_size(request)
            if n < 0:
                body = protocol.encode_message(request, codec)
                n = len(body)
        encoding = None
        if cfg.send_compression and compress.CAN_COMPRESS and n >= cfg.compress_min_bytes:
            if body is None:
                body = protocol.encode_message(request, codec)
            body = compress.gzip_compress(body)
            n = len(body)
            encoding = "gzip"
        if use_get:
            if body is None:
                body = protocol.encode_message(request, codec)
            target = protocol.get_target(self.prefix, procedure, codec, body, encoding)
            if len(target) <= cfg.max_get_url_bytes:
                self.method = "GET"
                self._length = False
                self._place(self._common_head("GET", target, None, None), user, 0)
                self._ready(response_type, want_response)
                return
        if head is None or encoding is not None:
            head = self._common_head("POST", self.prefix + procedure, protocol.content_type(codec), encoding)
            if encoding is None:
                self._heads_now[self._slot] = head
        at = self._place(head, user, n)
        if body is None:
            protocol.encode_into(request, self.sbuf, at)
        elif n:
            self.sbuf[at : at + n] = body
        self._ready(response_type, want_response)

    def _common_head(self, method, target, ctype, encoding):
        cfg = self.cfg
        parts = ["%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, target, self.host_header)]
        if ctype is not None:
            parts.append("content-type: %s\r\nconnect-protocol-version: 1\r\n" % ctype)
        if encoding:
            parts.append("content-encoding: %s\r\n" % encoding)
        parts.append("accept-encoding: %s\r\n" % ("gzip" if cfg.accept_compression else "identity"))
        if cfg.user_agent:
            parts.append("user-agent: %s\r\n" % cfg.user_agent)
        head = "".join(parts)
        _no_line_breaks(head)
        return head.encode()

    # -- the state machine --

    def step(self):
        st = self.stage
        if st is START:
            return CONNECT
        if st is SENDING or st is SENDING_MORE:
            return SEND
        if st is OPEN:
            return READY
        if st is FINISHED:
            return DONE
        if st is STREAM or st is DRAIN:
            return _streams().step(self)
        p = self.parser
        while True:
            ev = p.next()
            if ev == http1.NEED_DATA:
                return RECV
            if ev == http1.DONE:
                self.stage = FINISHED
                return DONE
            # HEAD: judged before the body is read, which it may make moot.
            self.stage = BODY
            if self.kind == UNARY:
                self.success = protocol.check_head(p, self.codec, self.method)
            else:
                return _streams().head(self)

    def connected(self, reused):
        """A connection is open (reused: it carried an earlier call)."""
        self.reused = reused
        left = clock.remaining_ms(self.deadline)
        head = self._prefix_head
        buf = self.sbuf
        n = self._body_len
        size = len(head) + 2
        if left is not None:
            # The remaining time, not the original timeout: time spent
            # dialling is already gone.
            left = protocol.timeout_value(left)
            size += len(_TIMEOUT_NAME) + _ndigits(left) + 2
        if self._length:
            size += len(_LENGTH_NAME) + _ndigits(n) + 2
        at = self._body_at - size
        i = _put(buf, at, head)
        if left is not None:
            i = _put(buf, i, _TIMEOUT_NAME)
            i = http1.write_uint(buf, i, left)
            i = _put(buf, i, b"\r\n")
        if self._length:
            i = _put(buf, i, _LENGTH_NAME)
            i = http1.write_uint(buf, i, n)
            i = _put(buf, i, b"\r\n")
        _put(buf, i, b"\r\n")
        self.out = self.sview[at : self._body_at + n]
        self.parser.reset(False, self.kind != UNARY)
        self.stage = SENDING

    def sent(self):
        self.out = None
        if self.kind == CLIENT_STREAM and not self.sx.closing:
            self.stage = OPEN
        else:
            self.stage = AWAIT_HEAD

    def space(self):
        return self.parser.space()

    def filled(self, n):
        if not n and not self.parser.received_any:
            raise ConnectError(Code.UNAVAILABLE, "connection closed before any response")
        self.parser.filled(n)

    def keep_alive(self):
        return self.parser.keep_alive

    def abandon(self):
        """The caller left a stream before its end: the connection is spent."""
        self.out = None
        self.stage = FINISHED

    def failed(self, e):
        """Raise the call's error for `e`, unless the attempt may be replayed.

        Only once, only on a kept-alive connection that turned out dead, and
        only when the request cannot have been processed: it was not fully
        sent, or the method is GET (idempotent) and nothing came back.
        """
        err = wrap_unexpected(e)
        self.out = None
        st = self.stage
        if (
            not self.retried
            and self.reused
            and err.code == Code.UNAVAILABLE
            and (st is SENDING or (st is AWAIT_HEAD and self.method == "GET" and self.kind == UNARY))
        ):
            self.retried = True
            self.stage = START
            return
        self.stage = FINISHED
        raise err

    def result(self):
        """The response message (or Response), or raises the ConnectError the response carries."""
        p = self.parser
        try:
            body = protocol.body_bytes(p, self.cfg.max_response_bytes, self.cfg.inflater)
            if not self.success:
                raise protocol.parse_error(p, body)
            msg = protocol.decode_message(body, self.response_type, self.codec)
            if not self.want_response:
                return msg
            headers, trailers = protocol.response_metadata(p.header_pairs())
            return Response(msg, headers, trailers)
        except Exception as e:
            raise wrap_unexpected(e)

_streams_module = None


def _streams():
    # Streaming code loads on the first streaming call: a board that only
    # makes unary calls never spends heap on it. Kept once loaded: an import
    # statement allocates each time it runs, and this runs at every step of
    # a stream (every idle wait of a polled one).
    global _streams_module
    if _streams_module is None:
        from buffa.connect import streams

        _streams_module = streams
    return _streams_module


def _no_line_breaks(head):
    bare = head.replace("\r\n", "")
    if "\n" in bare or "\r" in bare:
        raise ConnectError(Code.INVALID_ARGUMENT, "line break in request head")


class ClientBase:
    """What the blocking and asyncio clients share: construction and options."""

    def __init__(self, scheme, base_url, transport_options, options):
        host, port, prefix = protocol.parse_base_url(base_url, scheme)
        self._cfg = Config(**options)
        self._host = host
        self._port = port
        self._x = Exchange(self._cfg, prefix, protocol.host_header(host, port, scheme))
        self._conn = None
        self._setup_transport(scheme, transport_options)

    @classmethod
    def plaintext(cls, base_url, **options):
        """A client for "http://host[:port][/prefix]" over plain TCP.

        Options: see Config, plus transport= (a custom dialer; blocking
        client only) and socketpool= (CircuitPython).
        """
        t = split_options(options, _TRANSPORT_OPTIONS)
        if "ssl_context" in t or "insecure_skip_verify" in t:
            raise ConnectError(Code.INVALID_ARGUMENT, "TLS options given to Client.plaintext; use Client.tls")
        return cls("http", base_url, t, options)

    @classmethod
    def tls(cls, base_url, cadata=None, server_hostname=None, **options):
        """A client for "https://host[:port][/prefix]" over TLS.

        The certificate and host name are verified. cadata: the CA
        certificate(s), PEM or DER (required on MicroPython; CPython falls back
        to the system store). server_hostname: the name to verify (default:
        the URL's host). ssl_context= supplies a ready context instead;
        insecure_skip_verify=True turns verification off (testing only).
        """
        t = split_options(options, _TRANSPORT_OPTIONS)
        t["cadata"] = cadata
        t["server_hostname"] = server_hostname
        return cls("https", base_url, t, options)

    def _failed(self, x, e):
        """An attempt failed: the connection is spent; retry or raise (Exchange.failed)."""
        self._drop()
        x.failed(e)

    def _finish(self, x):
        if not x.keep_alive():
            self._drop()
        return x.result()

    def _drop(self):
        c = self._conn
        self._conn = None
        if c is not None:
            c.close()

    def _tls_context(self, scheme, transport_options):
        if scheme != "https":
            return None
        from buffa.connect import transport

        return transport.tls_context_from(transport_options)


def split_options(options, names):
    """Pop the keys in `names` out of `options` into a new dict."""
    out = {}
    for n in names:
        if n in options:
            out[n] = options.pop(n)
    return out


_TRANSPORT_OPTIONS = ("transport", "socketpool", "ssl_context", "insecure_skip_verify")
