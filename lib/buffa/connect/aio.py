# The asyncio Connect client, for MicroPython's and CPython's asyncio.
#
#   client = aio.Client.plaintext("http://10.0.0.2:8080")
#   resp = await client.call("/pkg.Service/Method", request, ResponseType)
#
# Same surface, options and errors as buffa.connect.Client; the request
# building and response parsing are the same code (client.Exchange). Calls
# on one client share one kept-alive connection and run one at a time.
import asyncio

from buffa.connect import clock, http1, protocol
from buffa.connect.client import (
    Config,
    Exchange,
    split_options,
    retryable,
    wrap_unexpected,
    _TRANSPORT_OPTIONS,
)
from buffa.connect.errors import ConnectError, Code

from buffa._runtime import MPVM as _MICROPYTHON  # MicroPython's asyncio, or CircuitPython's port of it


def _is_timeout(e):
    return isinstance(e, asyncio.TimeoutError) or type(e).__name__ == "TimeoutError"


def _address_text(socket, sockaddr, fallback):
    """Dotted IPv4 text of a MicroPython sockaddr, or `fallback`."""
    if isinstance(sockaddr, tuple):  # bare-metal ports: ("1.2.3.4", port)
        return sockaddr[0]
    if hasattr(socket, "inet_ntop") and len(sockaddr) >= 8 and sockaddr[0] == socket.AF_INET:
        # unix port: a raw struct sockaddr_in (family, port, 4 address bytes)
        return socket.inet_ntop(socket.AF_INET, bytes(sockaddr[4:8]))
    return fallback


class _Stream:
    """One connection: an asyncio (reader, writer) pair with time bounds."""

    def __init__(self, reader, writer, read_timeout_ms):
        self.reader = reader
        self.writer = writer
        self.read_timeout_ms = read_timeout_ms
        self.call_timeout_ms = None

    def _bound(self, deadline):
        t = self.read_timeout_ms
        left = clock.remaining_ms(deadline)
        if left is not None:
            if left <= 0:
                raise self._deadline()
            if left < t:
                t = left
        return t

    def _deadline(self):
        if self.call_timeout_ms is None:
            return ConnectError(Code.DEADLINE_EXCEEDED, "deadline exceeded")
        return ConnectError(Code.DEADLINE_EXCEEDED, "deadline of %d ms exceeded" % self.call_timeout_ms)

    def _timed_out(self, deadline):
        left = clock.remaining_ms(deadline)
        if left is not None and left <= 0:
            return self._deadline()
        return ConnectError(Code.DEADLINE_EXCEEDED, "no data from the server for %d ms" % self.read_timeout_ms)

    async def send(self, data, deadline):
        try:
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), self._bound(deadline) / 1000)
        except ConnectError:
            raise
        except Exception as e:
            if _is_timeout(e):
                raise self._timed_out(deadline)
            raise ConnectError(Code.UNAVAILABLE, "send failed: %s" % (e,))

    async def recv(self, n, deadline):
        """Up to n bytes; b"" at end of stream."""
        try:
            return await asyncio.wait_for(self.reader.read(n), self._bound(deadline) / 1000)
        except ConnectError:
            raise
        except Exception as e:
            if _is_timeout(e):
                raise self._timed_out(deadline)
            raise ConnectError(Code.UNAVAILABLE, "receive failed: %s" % (e,))

    def idle_ok(self):
        """Whether the idle connection is still usable (see transport.TimeoutConnection.idle_ok)."""
        if _MICROPYTHON:
            # MicroPython's stream socket is non-blocking already: a read
            # returns None when nothing is waiting, as an idle peer should.
            try:
                return self.reader.s.readinto(bytearray(1)) is None
            except OSError as e:
                return e.args and e.args[0] in (11, 110)
            except Exception:
                return False
        # CPython: the event loop has already read whatever arrived while idle.
        if self.reader.at_eof() or self.writer.transport.is_closing():
            return False
        return not getattr(self.reader, "_buffer", b"")

    async def close(self):
        try:
            self.writer.close()
            if hasattr(self.writer, "wait_closed"):
                await asyncio.wait_for(self.writer.wait_closed(), 1)
        except Exception:
            pass


class Client:
    """An asyncio Connect client over one kept-alive HTTP/1.1 connection.

    Build one with Client.plaintext() or Client.tls(); options as for
    buffa.connect.Client. transport= is not supported here.
    """

    def __init__(self, scheme, base_url, transport_options, options):
        host, port, prefix = protocol.parse_base_url(base_url, scheme)
        self._cfg = Config(**options)
        self._host = host
        self._port = port
        self._prefix = prefix
        self._host_header = protocol.host_header(host, port, scheme)
        self._ssl = None
        self._server_hostname = None
        if transport_options.get("transport") is not None or transport_options.get("socketpool") is not None:
            raise ConnectError(Code.INVALID_ARGUMENT, "aio.Client does not take transport= or socketpool=")
        if scheme == "https":
            from buffa.connect import transport

            self._ssl = transport.tls_context_from(transport_options)
            self._server_hostname = transport_options.get("server_hostname") or host
        self._addr = None  # resolved once per client
        self._conn = None
        self._lock = asyncio.Lock()
        self._stage = 0

    @classmethod
    def plaintext(cls, base_url, **options):
        t = split_options(options, _TRANSPORT_OPTIONS)
        if "ssl_context" in t or "insecure_skip_verify" in t:
            raise ConnectError(Code.INVALID_ARGUMENT, "TLS options given to Client.plaintext; use Client.tls")
        return cls("http", base_url, t, options)

    @classmethod
    def tls(cls, base_url, cadata=None, server_hostname=None, **options):
        t = split_options(options, _TRANSPORT_OPTIONS)
        t["cadata"] = cadata
        t["server_hostname"] = server_hostname
        return cls("https", base_url, t, options)

    async def call(self, procedure, request, response_type, **kw):
        """Call a unary procedure; returns the response message."""
        return (await self.unary(procedure, request, response_type, **kw)).message

    async def unary(
        self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto", use_get=False
    ):
        """Like call(), but returns a Response with headers and trailers too."""
        async with self._lock:
            try:
                return await self._unary(procedure, request, response_type, timeout_ms, headers, codec, use_get)
            except ConnectError:
                raise
            except Exception as e:
                await self._drop()
                raise wrap_unexpected(e)

    async def _unary(self, procedure, request, response_type, timeout_ms, headers, codec, use_get):
        cfg = self._cfg
        if timeout_ms is None:
            timeout_ms = cfg.timeout_ms
        elif timeout_ms <= 0:
            raise ConnectError(Code.DEADLINE_EXCEEDED, "timeout_ms=%r: deadline already passed" % (timeout_ms,))
        prep = protocol.prepare(
            self._prefix, procedure, request, codec, headers, use_get,
            cfg.compress_min_bytes, cfg.max_get_url_bytes, cfg.send_compression, cfg.user_agent,
            cfg.accept_compression,
        )
        deadline = clock.deadline_after(timeout_ms)
        retried = False
        while True:
            reused = self._conn is not None and self._conn.idle_ok()
            if not reused:
                await self._drop()
                self._conn = await self._dial(deadline, timeout_ms)
            self._conn.call_timeout_ms = timeout_ms
            x = Exchange(cfg, self._host_header, prep, codec, response_type, deadline, timeout_ms)
            self._stage = 0
            try:
                return await self._attempt(self._conn, x)
            except ConnectError as e:
                await self._drop()
                if not retried and retryable(e, reused, self._stage, prep.method):
                    retried = True
                    continue
                raise

    async def _resolve(self):
        if self._addr is None:
            if _MICROPYTHON:
                import socket

                try:
                    ai = socket.getaddrinfo(self._host, self._port, 0, socket.SOCK_STREAM)
                except Exception as e:
                    raise ConnectError(Code.UNAVAILABLE, "cannot resolve %s: %s" % (self._host, e))
                # MicroPython's open_connection takes a host name and resolves
                # it on every dial; hand it the address as text instead.
                self._addr = _address_text(socket, ai[0][-1], self._host)
            else:
                loop = asyncio.get_running_loop()
                try:
                    import socket

                    ai = await loop.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM)
                except Exception as e:
                    raise ConnectError(Code.UNAVAILABLE, "cannot resolve %s: %s" % (self._host, e))
                best = ai[0]
                for info in ai:
                    if info[0] == socket.AF_INET:
                        best = info
                        break
                self._addr = best[4][0]
        return self._addr

    async def _dial(self, deadline, timeout_ms):
        host = await self._resolve()
        t = self._cfg.connect_timeout_ms
        left = clock.remaining_ms(deadline)
        if left is not None:
            if left <= 0:
                raise ConnectError(Code.DEADLINE_EXCEEDED, "deadline of %d ms exceeded" % timeout_ms)
            t = min(t, left)
        kw = {}
        if self._ssl is not None:
            kw = {"ssl": self._ssl, "server_hostname": self._server_hostname}
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(host, self._port, **kw), t / 1000)
        except Exception as e:
            if _is_timeout(e):
                if left is not None and clock.remaining_ms(deadline) <= 0:
                    raise ConnectError(Code.DEADLINE_EXCEEDED, "deadline of %d ms exceeded" % timeout_ms)
                raise ConnectError(Code.UNAVAILABLE, "connect to %s:%d timed out" % (self._host, self._port))
            what = "TLS handshake with" if self._ssl is not None else "cannot connect to"
            raise ConnectError(Code.UNAVAILABLE, "%s %s:%d: %s" % (what, self._host, self._port, str(e).strip()))
        return _Stream(r, w, self._cfg.read_timeout_ms)

    async def _attempt(self, conn, x):
        data, rest = x.request_bytes()
        await conn.send(data, x.deadline)
        if rest:
            await conn.send(rest, x.deadline)
        self._stage = 1
        p = x.parser
        await self._pump(conn, p, x.deadline)
        self._stage = 2
        x.on_head()
        await self._pump(conn, p, x.deadline)
        if not p.keep_alive:
            await self._drop()
        return x.finish()

    async def _pump(self, conn, p, deadline):
        n = self._cfg.recv_buffer_bytes
        while True:
            ev = p.next()
            if ev != http1.NEED_DATA:
                return ev
            data = await conn.recv(n, deadline)
            if data:
                p.feed(data)
            else:
                if not p.received_any:
                    raise ConnectError(Code.UNAVAILABLE, "connection closed before any response")
                p.feed_eof()

    async def _drop(self):
        c = self._conn
        self._conn = None
        if c is not None:
            await c.close()

    async def close(self):
        """Close the kept-alive connection (a later call dials a new one)."""
        await self._drop()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
        return False
