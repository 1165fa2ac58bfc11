# The asyncio Connect client, for MicroPython's and CPython's asyncio.
#
#   client = aio.Client.plaintext("http://10.0.0.2:8080")
#   resp = await client.call("/pkg.Service/Method", request, ResponseType)
#
# Same surface, options and errors as buffa.connect.Client: the protocol is
# the same core.Exchange, and only the waiting differs. Calls on one client
# share one kept-alive connection and run one at a time.
#
# The client owns its non-blocking socket (no asyncio streams, whose
# buffers would copy every byte and hide whether an idle connection is
# still clean). It tries each read and write first and waits only when the
# socket says so: on CPython with the loop's add_reader/add_writer, on
# MicroPython with asyncio.Stream (its readinto and drain wait on the socket).
import asyncio

from buffa.connect import clock, core, transport
from buffa.connect.core import CONNECT, SEND, RECV, SERVER_STREAM, CLIENT_STREAM
from buffa.connect.errors import ConnectError, Code

from buffa._runtime import MPVM as _MICROPYTHON  # MicroPython's asyncio, or CircuitPython's port of it

# How long a MicroPython read retries between yields before it waits on the
# socket (see Client._run).
_SPIN_MS = 5


class _Connection(transport._Connection):
    """One non-blocking socket (plain or TLS) with the time bounds of
    transport._Connection; subclasses wait the runtime's way."""

    def __init__(self, sock, raw, read_timeout_ms, call_timeout_ms):
        transport._Connection.__init__(self, sock, read_timeout_ms, call_timeout_ms)
        self._raw = raw

    def idle_ok(self):
        return transport.probe_idle(self._read_into, self._probe)

    def _failed(self, what, e, deadline):
        if transport.is_timeout(e):
            return self._timed_out(deadline)
        return ConnectError(Code.UNAVAILABLE, "%s failed: %s" % (what, transport._describe(e)))

    def _try(self, op, buf):
        """op(buf) on the non-blocking socket: a count, or None to wait."""
        try:
            return op(buf)
        except Exception as e:
            if transport.is_timeout(e):
                return None
            raise

    def read_now(self, buf):
        """A read that does not wait: the count, or None if nothing is there yet."""
        try:
            return self._try(self._read_into, buf)
        except Exception as e:
            raise self._failed("receive", e, None)

    def write_now(self, mv):
        """A write that does not wait: the count written (0 if none)."""
        try:
            return self._try(self._write, mv) or 0
        except Exception as e:
            raise self._failed("send", e, None)

    async def send(self, data, deadline):
        mv = data
        i = 0
        while i < len(mv):
            try:
                n = self._try(self._write, mv if i == 0 else mv[i:])
                if n is None:
                    await self._wait_writable(deadline)
                else:
                    i += n
            except ConnectError:
                raise
            except Exception as e:
                raise self._failed("send", e, deadline)

    async def recv_into(self, buf, deadline):
        """Read into `buf`; the count, 0 at end of stream."""
        while True:
            try:
                n = self._try(self._read_into, buf)
                if n is None:
                    n = await self._wait_readable(buf, deadline)
            except ConnectError:
                raise
            except Exception as e:
                raise self._failed("receive", e, deadline)
            if n is not None:
                return n


class _CPythonConnection(_Connection):
    def __init__(self, sock, raw, read_timeout_ms, call_timeout_ms):
        _Connection.__init__(self, sock, raw, read_timeout_ms, call_timeout_ms)
        self._read_into = sock.recv_into
        self._write = sock.send
        self._loop = asyncio.get_running_loop()

    async def _wait(self, add, remove, deadline):
        fut = self._loop.create_future()
        fd = self._sock.fileno()
        add(fd, _wake, fut)
        try:
            await asyncio.wait_for(fut, self._bound(deadline) / 1000)
        except asyncio.TimeoutError:
            raise self._timed_out(deadline)
        finally:
            remove(fd)

    async def _wait_readable(self, buf, deadline):
        await self._wait(self._loop.add_reader, self._loop.remove_reader, deadline)

    async def _wait_writable(self, deadline):
        await self._wait(self._loop.add_writer, self._loop.remove_writer, deadline)

    async def handshake(self, host, deadline):
        import ssl

        while True:
            try:
                self._sock.do_handshake()
                return
            except ssl.SSLWantReadError:
                await self._wait_readable(None, deadline)
            except ssl.SSLWantWriteError:
                await self._wait_writable(deadline)
            except ConnectError:
                raise
            except Exception as e:
                raise transport.tls_error(host, e)


class _MicroPythonConnection(_Connection):
    def __init__(self, sock, raw, read_timeout_ms, call_timeout_ms):
        _Connection.__init__(self, sock, raw, read_timeout_ms, call_timeout_ms)
        self._read_into = sock.readinto
        self._write = sock.write
        self._stream = asyncio.StreamReader(sock)

    async def recv_into(self, buf, deadline):
        # Client._run has tried the read and yielded for _SPIN_MS, which
        # allocates nothing (an answer on a LAN arrives by then). Longer
        # waits go to the scheduler's poll through Stream.readinto, bounded
        # by wait_for_ms, which allocates about 1 KB.
        try:
            while True:
                n = await asyncio.wait_for_ms(self._stream.readinto(buf), self._bound(deadline))
                if n is not None:
                    return n
        except ConnectError:
            raise
        except Exception as e:
            raise self._failed("receive", e, deadline)

    async def _wait_writable(self, deadline):
        # An empty drain only yields once; so hand the stream nothing and
        # poll, as connect does: writes block rarely (a full send buffer).
        await _writable(self._raw, self._bound(deadline))

    async def handshake(self, host, deadline):
        pass  # MicroPython's TLS socket shakes hands on its first reads and writes


class _Turn:
    """One call at a time on a client, in the order they asked.

    asyncio.Lock would do, but its acquire() is a coroutine, a heap object
    on MicroPython, for every call; a free turn is taken here without one.
    Only a call that has to wait allocates (an Event).
    """

    def __init__(self):
        self.held = False
        self._line = []

    def take_now(self):
        """Take the turn if nobody holds it or waits for it."""
        if self.held or self._line:
            return False
        self.held = True
        return True

    async def take(self):
        """Take the turn, waiting in line if need be."""
        if self.take_now():
            return
        ev = asyncio.Event()
        self._line.append(ev)
        try:
            await ev.wait()  # give() hands the turn over: held stays True
        except BaseException:  # cancelled while in line
            if ev in self._line:
                self._line.remove(ev)
            elif ev.is_set():
                self.give()  # handed over just now: pass it on
            raise

    def give(self):
        if self._line:
            self._line.pop(0).set()
        else:
            self.held = False


def _wake(fut):
    if not fut.done():
        fut.set_result(None)


async def _writable(sock, ms):
    """Wait until a MicroPython socket is writable (or failed); False on timeout."""
    import select

    p = select.poll()
    p.register(sock, select.POLLOUT)
    start = clock.ticks_ms()
    pause = 1
    while not p.poll(0):
        if clock.ticks_diff(clock.ticks_ms(), start) >= ms:
            raise OSError(110)  # ETIMEDOUT: is_timeout() says so
        await asyncio.sleep_ms(pause)
        if pause < 32:
            pause *= 2


class Client(core.ClientBase):
    """An asyncio Connect client over one kept-alive HTTP/1.1 connection.

    Build one with Client.plaintext() or Client.tls(); options as for
    buffa.connect.Client. transport= and socketpool= are not supported here.
    """

    def _setup_transport(self, scheme, options):
        if options.get("transport") is not None or options.get("socketpool") is not None:
            raise ConnectError(Code.INVALID_ARGUMENT, "aio.Client does not take transport= or socketpool=")
        self._ssl = self._tls_context(scheme, options)
        self._server_hostname = options.get("server_hostname") or self._host
        self._addr = None  # resolved once per client
        self._turn = _Turn()

    def call(self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto",
             use_get=False):
        """Call a unary procedure; a coroutine returning the response message."""
        return self._run(self._x, (procedure, request, response_type, timeout_ms, headers, codec, use_get, False))

    def unary(self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto",
              use_get=False):
        """Like call(), but the coroutine returns a Response with headers and trailers too."""
        return self._run(self._x, (procedure, request, response_type, timeout_ms, headers, codec, use_get, True))

    async def _run(self, x, unary=None):
        """Drive the Exchange until it needs the caller: returns MESSAGE, READY or DONE.

        Given a unary call's arguments, first take the client's turn and
        start that call, and return its result: so a unary call is one
        coroutine. On MicroPython that is a heap object whose size grows
        with its locals, its stack and above all its exception handlers
        (64 bytes for a try/finally, 96 for a try/except), so this one has
        a single handler: the steps that need no waiting run in _advance, a
        plain method, and a wait that does not end at once runs in _wait, a
        coroutine of its own. On MicroPython a read first yields for up to
        _SPIN_MS (an answer on a LAN arrives by then), which allocates
        nothing, before it waits on the connection.
        """
        if unary is not None and not self._turn.take_now():
            await self._turn.take()
        try:
            if unary is not None:
                x.start(*unary)
            spin_from = None
            while True:
                op = self._advance(x)
                if op is RECV and _MICROPYTHON:
                    if spin_from is None:
                        spin_from = clock.ticks_ms()
                    if clock.ticks_diff(clock.ticks_ms(), spin_from) < _SPIN_MS:
                        await asyncio.sleep_ms(0)  # a singleton: no allocation
                        continue
                if op is not RECV and op is not SEND and op is not CONNECT:
                    break
                await self._wait(x, op)
                spin_from = None
            return op if unary is None else self._finish(x)
        finally:
            if unary is not None:
                self._turn.give()

    async def _wait(self, x, op):
        """Wait for the connection to do what _advance found it could not yet
        (op: RECV, SEND or CONNECT), and tell the Exchange."""
        try:
            if op is RECV:
                x.filled(await self._conn.recv_into(x.space(), x.deadline))
            elif op is SEND:
                await self._conn.send(x.out, x.deadline)
                x.sent()
            else:
                self._conn = await self._dial(x.deadline, x.timeout_ms)
                x.connected(False)
        except Exception as e:
            self._failed(x, e)

    def _advance(self, x):
        """Step the Exchange, doing the I/O the connection allows without
        waiting. Returns MESSAGE, READY or DONE for the caller, or what has
        to be waited for: RECV (nothing to read yet), SEND (x.out is not all
        sent; what was is gone from it) or CONNECT (no usable connection)."""
        while True:
            try:
                op = x.step()
                c = self._conn
                if op is RECV:
                    n = c.read_now(x.space())
                    if n is None:
                        return RECV
                    x.filled(n)
                elif op is SEND:
                    buf = x.out
                    n = c.write_now(buf)
                    if n < len(buf):
                        if n:
                            x.out = buf[n:]
                        return SEND
                    x.sent()
                elif op is CONNECT:
                    if c is not None and c.idle_ok():
                        c.call_timeout_ms = x.timeout_ms
                        x.connected(True)
                    else:
                        self._drop()
                        return CONNECT
                else:
                    return op
            except Exception as e:
                self._failed(x, e)

    def server_stream(self, procedure, request, response_type, timeout_ms=None, headers=None, codec="proto"):
        """Call a server-streaming procedure: an async iterator of response
        messages (aio_streams.ServerStream), which holds the client until its end."""
        from buffa.connect import aio_streams

        return aio_streams.ServerStream(
            self, (SERVER_STREAM, procedure, request, response_type, timeout_ms, headers, codec)
        )

    async def client_stream(self, procedure, response_type, timeout_ms=None, headers=None, codec="proto",
                            request_type=None):
        """Open a client-streaming call (aio_streams.ClientStream): await send()
        messages (of request_type, if given), then await close_and_receive()."""
        from buffa.connect import aio_streams

        s = aio_streams.ClientStream(self, (CLIENT_STREAM, procedure, None, response_type, timeout_ms, headers, codec))
        s._request_type = request_type
        await s._open()
        await s._step()  # dial and send the head
        return s

    async def client_stream_call(self, procedure, requests, response_type, timeout_ms=None, headers=None,
                                 codec="proto", request_type=None):
        """Send every message of `requests` (an iterable or async iterable)
        on a client stream; returns the response message."""
        s = await self.client_stream(procedure, response_type, timeout_ms, headers, codec, request_type)
        async with s:
            if hasattr(requests, "__aiter__"):
                async for r in requests:
                    await s.send(r)
            else:
                for r in requests:
                    await s.send(r)
            return await s.close_and_receive()

    async def _resolve(self):
        if self._addr is None:
            import socket

            try:
                if _MICROPYTHON:
                    infos = socket.getaddrinfo(self._host, self._port, 0, socket.SOCK_STREAM)
                else:
                    infos = await asyncio.get_running_loop().getaddrinfo(
                        self._host, self._port, type=socket.SOCK_STREAM
                    )
            except Exception as e:
                raise transport.resolve_error(self._host, e)
            self._addr = transport.pick_address(infos, socket.AF_INET, self._host)
        return self._addr

    async def _dial(self, deadline, timeout_ms):
        import socket

        family, addr = await self._resolve()
        t = self._cfg.connect_timeout_ms
        left = clock.remaining_ms(deadline)
        if left is not None:
            if left <= 0:
                raise transport._deadline_error(timeout_ms)
            t = min(t, left)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            try:
                await self._connect(sock, addr, t)
            except Exception as e:
                if transport.is_timeout(e):
                    if left is not None and clock.remaining_ms(deadline) <= 0:
                        raise transport._deadline_error(timeout_ms)
                    raise ConnectError(Code.UNAVAILABLE, "connect to %s:%d timed out" % (self._host, self._port))
                raise transport.connect_error(self._host, self._port, e)
            conn_type = _MicroPythonConnection if _MICROPYTHON else _CPythonConnection
            raw = sock
            if self._ssl is not None:
                try:
                    sock = self._ssl.wrap_socket(
                        sock, server_hostname=self._server_hostname, do_handshake_on_connect=False
                    )
                    sock.setblocking(False)
                except Exception as e:
                    raise transport.tls_error(self._host, e)
            conn = conn_type(sock, raw, self._cfg.read_timeout_ms, timeout_ms)
            if self._ssl is not None:
                await conn.handshake(self._host, clock.deadline_after(t))
            return conn
        except BaseException:
            sock.close()
            raise

    async def _connect(self, sock, addr, ms):
        if not _MICROPYTHON:
            await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, addr), ms / 1000)
            return
        try:
            sock.connect(addr)
        except OSError as e:
            import errno

            if e.errno != errno.EINPROGRESS:
                raise
        await _writable(sock, ms)
        # A refused or unreachable connect shows as an error on the first read.
        n = bytearray(1)
        try:
            sock.readinto(n)
        except OSError as e:
            if not transport.is_timeout(e):
                raise

    async def close(self):
        """Close the kept-alive connection (a later call dials a new one)."""
        self._drop()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self._drop()
        return False
