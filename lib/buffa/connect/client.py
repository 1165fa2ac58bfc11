# The blocking Connect client: one kept-alive connection, unary calls.
#
#   client = Client.plaintext("http://10.0.0.2:8080")
#   client = Client.tls("https://api.example.com", cadata=CA_PEM)
#   resp = client.call("/pkg.Service/Method", request, ResponseType)
#
# Plaintext and TLS are separate constructors on purpose (as in
# connect-rust): a URL never silently picks one. All protocol work happens
# in core.Exchange; this driver only dials, sends and receives.
from buffa.connect import core
from buffa.connect.errors import ConnectError, Code
from buffa.connect.core import Config, Response, CONNECT, SEND, RECV, SERVER_STREAM, CLIENT_STREAM  # noqa: F401 (Config, Response: public names)

USER_AGENT = core.USER_AGENT


class Client(core.ClientBase):
    """A blocking Connect client over one kept-alive HTTP/1.1 connection.

    Build one with Client.plaintext() or Client.tls(). Not thread-safe: use
    one client per thread (or the asyncio client).
    """

    def _setup_transport(self, scheme, options):
        self._transport = options.get("transport")
        if self._transport is None:
            from buffa.connect import transport

            cfg = self._cfg
            self._transport = transport.SocketTransport(
                self._host,
                self._port,
                connect_timeout_ms=cfg.connect_timeout_ms,
                read_timeout_ms=cfg.read_timeout_ms,
                ssl_context=self._tls_context(scheme, options),
                server_hostname=options.get("server_hostname"),
                socketpool=options.get("socketpool"),
            )

    def call(self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto", use_get=False):
        """Call a unary procedure ("/pkg.Service/Method"); returns the response message.

        Raises ConnectError on any failure.
        """
        x = self._next_x()
        x.start(procedure, request, response_type, timeout_ms, headers, codec, use_get, False)
        self._run(x)
        return self._finish(x)

    def unary(self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto", use_get=False):
        """Like call(), but returns a Response with headers and trailers too."""
        x = self._next_x()
        x.start(procedure, request, response_type, timeout_ms, headers, codec, use_get, True)
        self._run(x)
        return self._finish(x)

    def server_stream(self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto"):
        """Call a server-streaming procedure: an iterator of response messages
        (streams.ServerStream). The deadline covers the whole stream."""
        from buffa.connect import streams

        streams.start(self._next_x(), SERVER_STREAM, procedure, request, response_type, timeout_ms, headers, codec)
        return streams.ServerStream(self)

    def client_stream(self, procedure, response_type, timeout_ms=None, headers=None, codec="proto",
                      request_type=None):
        """Open a client-streaming call (streams.ClientStream): send() messages
        (of request_type, if given), then close_and_receive()."""
        from buffa.connect import streams

        streams.start(self._next_x(), CLIENT_STREAM, procedure, None, response_type, timeout_ms, headers, codec)
        s = streams.ClientStream(self)
        s._request_type = request_type
        s._run()  # dial and send the head
        return s

    def client_stream_call(self, procedure, requests, response_type, timeout_ms=None, headers=None, codec="proto",
                           request_type=None):
        """Send every message of the iterable `requests` on a client stream;
        returns the response message."""
        with self.client_stream(procedure, response_type, timeout_ms, headers, codec, request_type) as s:
            for r in requests:
                s.send(r)
            return s.close_and_receive()

    def _next_x(self):
        """The Exchange, free for a new call: a stream left unfinished (a loop
        that broke out early, say) ends here, and its connection is closed."""
        x = self._x
        if x.stage is not core.FINISHED:
            x.abandon()
            self._drop()
        return x

    def _run(self, x, wait_ms=None):
        """Drive the Exchange until it needs the caller: returns MESSAGE, READY
        or DONE; with wait_ms, None when the server sends nothing for that long."""
        while True:
            try:
                op = x.step()
                if op is CONNECT:
                    x.connected(self._connect(x))
                elif op is SEND:
                    self._conn.send(x.out, x.deadline)
                    x.sent()
                elif op is RECV:
                    if wait_ms is None:
                        x.filled(self._conn.recv_into(x.space(), x.deadline))
                    else:
                        n = self._recv_within(x, wait_ms)
                        if n is None:
                            return None
                        x.filled(n)
                else:
                    return op
            except Exception as e:
                self._failed(x, e)

    def _recv_within(self, x, wait_ms):
        c = self._conn
        # Looked up on the class: on the instance it would be a bound method,
        # an allocation in every idle wait of a polled stream.
        if getattr(type(c), "recv_within", None) is None:
            raise ConnectError(Code.UNIMPLEMENTED, "this transport cannot wait for a stream with a time bound")
        return c.recv_within(x.space(), wait_ms, x.deadline)

    def _connect(self, x):
        """Whether the kept-alive connection is reused; dials a new one if not."""
        c = self._conn
        if c is not None and c.idle_ok():
            c.call_timeout_ms = x.timeout_ms  # for error messages
            return True
        self._drop()
        self._conn = self._transport.dial(x.deadline, x.timeout_ms)
        return False

    def close(self):
        """Close the kept-alive connection (a later call dials a new one)."""
        self._drop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
