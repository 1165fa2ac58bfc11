# The blocking Connect client: one kept-alive connection, unary calls.
#
#   client = Client.plaintext("http://10.0.0.2:8080")
#   client = Client.tls("https://api.example.com", cadata=CA_PEM)
#   resp = client.call("/pkg.Service/Method", request, ResponseType)
#
# Plaintext and TLS are separate constructors on purpose (as in
# connect-rust): a URL never silently picks one.
from buffa import __version__
from buffa.connect import clock, http1, protocol
from buffa.connect.errors import ConnectError, Code

USER_AGENT = "buffa-connect/" + __version__

# Bodies up to this size go out in the same send() as the head: two small
# writes would meet Nagle's algorithm and the peer's delayed ACK (~40 ms).
_COALESCE_BYTES = 64 * 1024


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
        max_response_bytes=4 * 1024 * 1024,
        max_header_bytes=16 * 1024,
        max_headers=64,
        max_line_bytes=8 * 1024,
        compress_min_bytes=1024,
        send_compression=True,
        accept_compression=True,
        max_get_url_bytes=2048,
        recv_buffer_bytes=2048,
        user_agent=USER_AGENT,
    ):
        if timeout_ms is not None:
            _positive("timeout_ms", timeout_ms)
        self.timeout_ms = timeout_ms
        self.connect_timeout_ms = _positive("connect_timeout_ms", connect_timeout_ms)
        self.read_timeout_ms = _positive("read_timeout_ms", read_timeout_ms)
        self.max_response_bytes = _positive("max_response_bytes", max_response_bytes)
        self.compress_min_bytes = _positive("compress_min_bytes", compress_min_bytes)
        self.send_compression = bool(send_compression)
        # False: ask for uncompressed responses. Inflating gzip needs a
        # 32 KiB window in one piece, which a small board may not have.
        self.accept_compression = bool(accept_compression)
        self.max_get_url_bytes = _positive("max_get_url_bytes", max_get_url_bytes)
        self.recv_buffer_bytes = _positive("recv_buffer_bytes", recv_buffer_bytes)
        self.user_agent = user_agent
        self.limits = http1.Limits(
            max_body_bytes=self.max_response_bytes,
            max_header_bytes=_positive("max_header_bytes", max_header_bytes),
            max_headers=_positive("max_headers", max_headers),
            max_line_bytes=_positive("max_line_bytes", max_line_bytes),
        )


def split_options(options, names):
    """Pop the keys in `names` out of `options` into a new dict."""
    out = {}
    for n in names:
        if n in options:
            out[n] = options.pop(n)
    return out


_TRANSPORT_OPTIONS = ("transport", "socketpool", "ssl_context", "insecure_skip_verify")


class Response:
    """A successful unary response: message, headers, trailers (Metadata)."""

    def __init__(self, message, headers, trailers):
        self.message = message
        self.headers = headers
        self.trailers = trailers


class Exchange:
    """Request bytes and response handling for one attempt, without I/O.

    Shared by the blocking and asyncio clients: they only move bytes.
    """

    def __init__(self, cfg, host_header, prep, codec, response_type, deadline, timeout_ms):
        self.cfg = cfg
        self.prep = prep
        self.codec = codec
        self.response_type = response_type
        self.deadline = deadline
        self.timeout_ms = timeout_ms
        self.host_header = host_header
        self.parser = None
        self.success = False

    def request_bytes(self):
        """(head, body) for this attempt; body is b"" when sent with the head."""
        prep = self.prep
        pairs = prep.pairs
        left = clock.remaining_ms(self.deadline)
        if left is not None:
            # The remaining time, not the original timeout: time spent
            # dialling is already gone.
            pairs = pairs + [("connect-timeout-ms", protocol.encode_timeout(left))]
        body = prep.body
        head = http1.request_head(
            prep.method, prep.target, self.host_header, pairs, len(body) if prep.method == "POST" else None
        )
        self.parser = http1.ResponseParser(self.cfg.limits)
        if len(body) <= _COALESCE_BYTES:
            return head + body, b""
        return head, body

    def on_head(self):
        p = self.parser
        self.success = protocol.check_head(p.status, p.reason, p.headers, self.codec, self.prep.method)

    def finish(self):
        """The Response, or raises the ConnectError the response carries."""
        p = self.parser
        pairs = p.headers + p.trailers if p.trailers else p.headers
        body = protocol.body_bytes(pairs, p.body, self.cfg.max_response_bytes)
        if self.success:
            msg = protocol.decode_message(body, self.response_type, self.codec)
            headers, trailers = protocol.response_metadata(pairs)
            return Response(msg, headers, trailers)
        raise protocol.parse_error(p.status, p.reason, pairs, body)


def wrap_unexpected(e):
    """A ConnectError for an exception that escaped every specific handler."""
    if isinstance(e, MemoryError):
        return ConnectError(Code.RESOURCE_EXHAUSTED, "out of memory during the call")
    return ConnectError(Code.UNKNOWN, "client failure: %s: %s" % (type(e).__name__, e))


def retryable(err, reused, stage, method):
    """Whether a failed attempt may be replayed once on a new connection.

    Only on a kept-alive connection that turned out dead, and only when the
    request cannot have been processed: nothing was sent (stage 0), or the
    method is GET (idempotent) and nothing came back (stage 1).
    """
    if not reused or err.code != Code.UNAVAILABLE:
        return False
    return stage == 0 or (stage == 1 and method == "GET")


class Client:
    """A blocking Connect client over one kept-alive HTTP/1.1 connection.

    Build one with Client.plaintext() or Client.tls(). Not thread-safe: use
    one client per thread (or the asyncio client).
    """

    def __init__(self, scheme, base_url, transport_options, options):
        host, port, prefix = protocol.parse_base_url(base_url, scheme)
        self._cfg = Config(**options)
        self._prefix = prefix
        self._host_header = protocol.host_header(host, port, scheme)
        self._transport = transport_options.get("transport")
        if self._transport is None:
            from buffa.connect import transport

            ssl_context = None
            if scheme == "https":
                ssl_context = transport.tls_context_from(transport_options)
            self._transport = transport.SocketTransport(
                host,
                port,
                connect_timeout_ms=self._cfg.connect_timeout_ms,
                read_timeout_ms=self._cfg.read_timeout_ms,
                ssl_context=ssl_context,
                server_hostname=transport_options.get("server_hostname"),
                socketpool=transport_options.get("socketpool"),
            )
        self._conn = None
        self._rbuf = memoryview(bytearray(self._cfg.recv_buffer_bytes))
        self._stage = 0

    @classmethod
    def plaintext(cls, base_url, **options):
        """A client for "http://host[:port][/prefix]" over plain TCP.

        Options: see Config, plus transport= (a custom dialer) and
        socketpool= (CircuitPython).
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

    def call(self, procedure, request, response_type, **kw):
        """Call a unary procedure ("/pkg.Service/Method"); returns the response message.

        Keyword arguments as for unary(). Raises ConnectError on any failure.
        """
        return self.unary(procedure, request, response_type, **kw).message

    def unary(
        self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto", use_get=False
    ):
        """Like call(), but returns a Response with headers and trailers too."""
        try:
            return self._unary(procedure, request, response_type, timeout_ms, headers, codec, use_get)
        except ConnectError:
            raise
        except Exception as e:
            self._drop()
            raise wrap_unexpected(e)

    def _unary(self, procedure, request, response_type, timeout_ms, headers, codec, use_get):
        cfg = self._cfg
        if timeout_ms is None:
            timeout_ms = cfg.timeout_ms
        elif timeout_ms <= 0:
            raise ConnectError(Code.DEADLINE_EXCEEDED, "timeout_ms=%r: deadline already passed" % (timeout_ms,))
        prep = protocol.prepare(
            self._prefix,
            procedure,
            request,
            codec,
            headers,
            use_get,
            cfg.compress_min_bytes,
            cfg.max_get_url_bytes,
            cfg.send_compression,
            cfg.user_agent,
            cfg.accept_compression,
        )
        deadline = clock.deadline_after(timeout_ms)
        retried = False
        while True:
            reused = self._conn is not None and self._conn.idle_ok()
            if not reused:
                self._drop()
                self._conn = self._transport.dial(deadline, timeout_ms)
            # For error messages: this call's timeout, not the dialling call's.
            self._conn.call_timeout_ms = timeout_ms
            x = Exchange(cfg, self._host_header, prep, codec, response_type, deadline, timeout_ms)
            self._stage = 0
            try:
                return self._attempt(self._conn, x)
            except ConnectError as e:
                self._drop()
                if not retried and retryable(e, reused, self._stage, prep.method):
                    retried = True
                    continue
                raise

    def _attempt(self, conn, x):
        data, rest = x.request_bytes()
        conn.send(data, x.deadline)
        if rest:
            conn.send(rest, x.deadline)
        self._stage = 1
        p = x.parser
        self._pump(conn, p, x.deadline)
        self._stage = 2
        x.on_head()
        self._pump(conn, p, x.deadline)
        if not p.keep_alive:
            self._drop()
        return x.finish()

    def _pump(self, conn, p, deadline):
        """Feed the parser until its next event (HEAD or DONE)."""
        buf = self._rbuf
        while True:
            ev = p.next()
            if ev != http1.NEED_DATA:
                return ev
            n = conn.recv_into(buf, deadline)
            if n:
                p.feed(buf[:n])
            else:
                if not p.received_any:
                    raise ConnectError(Code.UNAVAILABLE, "connection closed before any response")
                p.feed_eof()

    def _drop(self):
        c = self._conn
        self._conn = None
        if c is not None:
            c.close()

    def close(self):
        """Close the kept-alive connection (a later call dials a new one)."""
        self._drop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
