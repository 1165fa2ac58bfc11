# Blocking socket transports: plaintext TCP and TLS, on CPython, MicroPython
# and CircuitPython (a socketpool passed in).
#
# A transport dials connections; a connection sends and receives bytes under
# two time bounds, the per-read timeout and the call's overall deadline, and
# turns every socket failure into a ConnectError:
#   unavailable        refused, reset, DNS failure, TLS failure, connect timeout
#   deadline_exceeded  the call's deadline passed, or no data for read_timeout_ms
from buffa.connect import clock
from buffa.connect.errors import ConnectError, Code

try:
    import socket as _socket
except ImportError:  # CircuitPython: the caller passes a socketpool
    _socket = None

try:
    import errno as _errno

    _TIMEOUT_ERRNOS = (_errno.EAGAIN, _errno.ETIMEDOUT, getattr(_errno, "EWOULDBLOCK", _errno.EAGAIN))
except ImportError:  # pragma: no cover
    _TIMEOUT_ERRNOS = (11, 110)

# Exception classes that mean "would block / timed out" rather than "broken".
_WOULD_BLOCK = []
if _socket is not None and hasattr(_socket, "timeout"):
    _WOULD_BLOCK.append(_socket.timeout)
try:
    _WOULD_BLOCK.append(TimeoutError)
except NameError:  # MicroPython has no TimeoutError builtin
    pass
try:
    _WOULD_BLOCK.append(BlockingIOError)
except NameError:
    pass
from buffa._runtime import CPYTHON, MICROPYTHON, MPVM

if CPYTHON:
    # Only CPython raises these; importing ssl elsewhere would cost heap
    # even for plaintext clients.
    import ssl as _cpy_ssl

    _WOULD_BLOCK.append(_cpy_ssl.SSLWantReadError)
    _WOULD_BLOCK.append(_cpy_ssl.SSLWantWriteError)
_WOULD_BLOCK = tuple(_WOULD_BLOCK)


def _errno(e):
    if not isinstance(e, OSError):
        return None
    return e.errno if hasattr(e, "errno") else (e.args[0] if e.args else None)


def is_timeout(e):
    """Whether `e` means "would block" or "timed out" rather than "broken".

    Covers socket timeouts, non-blocking sockets (EAGAIN, BlockingIOError,
    CPython's SSLWant*Error) and asyncio's TimeoutError on every runtime.
    """
    if _WOULD_BLOCK and isinstance(e, _WOULD_BLOCK):
        return True
    if type(e).__name__ == "TimeoutError":  # MicroPython's asyncio.TimeoutError
        return True
    return _errno(e) in _TIMEOUT_ERRNOS



try:
    _REFUSED = __import__("errno").ECONNREFUSED
except (ImportError, AttributeError):  # pragma: no cover
    _REFUSED = 111


def connect_error(host, port, e):
    """The ConnectError for a failed TCP connect, worded the same on every
    runtime and by both clients."""
    if _errno(e) == _REFUSED or isinstance(e, _REFUSED_TYPES):
        why = "connection refused"
    else:
        why = _describe(e)
    return ConnectError(Code.UNAVAILABLE, "cannot connect to %s:%d: %s" % (host, port, why))


try:
    _REFUSED_TYPES = (ConnectionRefusedError,)
except NameError:  # MicroPython: an OSError with errno ECONNREFUSED
    _REFUSED_TYPES = ()


def tls_error(host, e):
    if is_timeout(e):
        return ConnectError(Code.UNAVAILABLE, "TLS handshake with %s timed out" % host)
    return ConnectError(Code.UNAVAILABLE, "TLS handshake with %s failed: %s" % (host, _describe(e)))


def probe_idle(read_into, probe):
    """Whether an idle kept-alive connection can carry another request,
    given its non-blocking read: a server that closed it (EOF), reset it, or
    sent bytes nobody asked for makes it unusable. Checked before the request
    is written, so nothing goes out on a dead socket."""
    try:
        n = read_into(probe)
    except OSError as e:
        return is_timeout(e)
    except Exception as e:  # CPython's SSLWantReadError is an OSError; others are not
        return is_timeout(e)
    return n is None  # 0 (closed) or 1 (stray byte)


def _describe(e):
    s = str(e).strip()
    # MicroPython prints OSError(110) as a bare number: add the errno name.
    # (CPython's text already says it, and its SSL errors' numbers are not errnos.)
    if MPVM and isinstance(e, OSError) and e.args and isinstance(e.args[0], int):
        try:
            import errno

            name = errno.errorcode.get(e.args[0])
            if name:
                s = "%s %s" % (name, s)
        except (ImportError, AttributeError):
            pass
    return s or type(e).__name__


def resolve_error(host, e):
    return ConnectError(Code.UNAVAILABLE, "cannot resolve %s: %s" % (host, _describe(e)))


def pick_address(infos, af_inet, host):
    """(family, sockaddr) from getaddrinfo results, preferring IPv4: many
    boards have no IPv6 route even when DNS answers."""
    if not infos:
        raise ConnectError(Code.UNAVAILABLE, "cannot resolve %s" % host)
    best = infos[0]
    for info in infos:
        if info[0] == af_inet:
            best = info
            break
    return best[0], best[-1]


def _deadline_error(timeout_ms):
    if timeout_ms is None:
        return ConnectError(Code.DEADLINE_EXCEEDED, "deadline exceeded")
    return ConnectError(Code.DEADLINE_EXCEEDED, "deadline of %d ms exceeded" % timeout_ms)


class _Connection:
    """One connected (possibly TLS-wrapped) socket with bounded I/O.

    Subclasses supply _send_some, _recv_some and idle_ok for one runtime's
    socket API; time bounds are handled here.
    """

    def __init__(self, sock, read_timeout_ms, call_timeout_ms):
        self._sock = sock
        self.read_timeout_ms = read_timeout_ms
        self.call_timeout_ms = call_timeout_ms  # for messages only
        self._probe = bytearray(1)

    def _bound(self, deadline, t=None):
        """Timeout for the next wait, in ms (t, by default read_timeout_ms,
        or less if the deadline comes first); raises once the deadline passed."""
        if t is None:
            t = self.read_timeout_ms
        left = clock.remaining_ms(deadline)
        if left is not None:
            if left <= 0:
                raise _deadline_error(self.call_timeout_ms)
            if left < t:
                t = left
        return t

    def _timed_out(self, deadline):
        left = clock.remaining_ms(deadline)
        if left is not None and left <= 0:
            return _deadline_error(self.call_timeout_ms)
        return ConnectError(Code.DEADLINE_EXCEEDED, "no data from the server for %d ms" % self.read_timeout_ms)

    def send(self, data, deadline):
        # The Exchange hands over a memoryview; slice only what is left
        # after a partial send (each view is an allocation on MicroPython).
        mv = data if isinstance(data, memoryview) else memoryview(data)
        i = 0
        n_all = len(mv)
        while i < n_all:
            try:
                n = self._send_some(mv[i:] if i else mv, self._bound(deadline))
            except OSError as e:
                if is_timeout(e):
                    raise self._timed_out(deadline)
                raise ConnectError(Code.UNAVAILABLE, "send failed: " + _describe(e))
            if n is None:
                raise self._timed_out(deadline)
            i += n

    def recv_into(self, buf, deadline):
        """Read into `buf`; returns the count, 0 at end of stream."""
        try:
            n = self._recv_some(buf, self._bound(deadline))
        except OSError as e:
            if not is_timeout(e):
                raise ConnectError(Code.UNAVAILABLE, "receive failed: " + _describe(e))
            n = None
        if n is None:
            raise self._timed_out(deadline)
        return n

    def recv_within(self, buf, ms, deadline):
        """Like recv_into, but None when nothing arrives within ms: a quiet
        peer is not an error here (a stream the caller polls between its
        own work). The call's deadline still ends it."""
        ms = self._bound(deadline, ms)
        try:
            return self._recv_some(buf, ms if ms > 0 else 0)
        except OSError as e:
            if not is_timeout(e):
                raise ConnectError(Code.UNAVAILABLE, "receive failed: " + _describe(e))
            return None

    def close(self):
        try:
            self._sock.close()
        except Exception:
            pass


class TimeoutConnection(_Connection):
    """CPython and CircuitPython: blocking sockets with settimeout, recv_into/send.

    These are single reads and writes, so a timeout never loses data.
    """

    def __init__(self, sock, read_timeout_ms, call_timeout_ms):
        _Connection.__init__(self, sock, read_timeout_ms, call_timeout_ms)
        self._timeout = -1

    def _settimeout(self, ms):
        if ms != self._timeout:
            # 0 would make the socket non-blocking, where recv_into raises
            # BlockingIOError; a millisecond is "now" in effect.
            self._sock.settimeout((ms or 1) / 1000)
            self._timeout = ms

    def _send_some(self, mv, ms):
        self._settimeout(ms)
        return self._sock.send(mv)

    def _recv_some(self, buf, ms):
        self._settimeout(ms)
        return self._sock.recv_into(buf)

    def idle_ok(self):
        """True if a kept-alive connection can carry another request.

        A server that closed it (EOF), reset it, or sent bytes nobody asked
        for makes it unusable. Checked with a non-blocking read, before the
        request is written, so nothing goes out on a dead socket.
        """
        self._settimeout(0)
        return probe_idle(self._sock.recv_into, self._probe)


class PollConnection(_Connection):
    """MicroPython: a non-blocking socket (plain or TLS) waited on with poll.

    MicroPython's readinto/write on a *blocking* socket loop until the whole
    buffer is done, so with a timeout set a read that got part of a response
    fails and loses it. Non-blocking, they return what is there (None for
    nothing yet), and poll() provides the wait.
    """

    def __init__(self, sock, read_timeout_ms, call_timeout_ms, raw):
        _Connection.__init__(self, sock, read_timeout_ms, call_timeout_ms)
        import select

        sock.setblocking(False)
        self._select = select
        self._poll = select.poll()
        # Poll the TLS object where it supports it (it knows about data
        # mbedTLS already decrypted); else the raw socket.
        try:
            self._poll.register(sock, select.POLLIN)
        except Exception:
            self._poll.register(raw, select.POLLIN)
            sock = raw
        self._polled = sock
        # ipoll reuses one result tuple where poll builds a list each time:
        # a polled stream waits often, mostly in vain.
        self._events = getattr(self._poll, "ipoll", None) or self._poll.poll
        # Bound once: idle_ok runs before every call on a kept connection.
        self._read_into = self._sock.readinto

    def _wait(self, mask, ms):
        self._poll.modify(self._polled, mask)
        start = clock.ticks_ms()
        while True:
            left = ms - clock.ticks_diff(clock.ticks_ms(), start)
            if left <= 0:
                return False
            for ev in self._events(left):
                if ev[1] & (mask | self._select.POLLERR | self._select.POLLHUP):
                    return True

    def _send_some(self, mv, ms):
        start = clock.ticks_ms()
        while True:
            try:
                n = self._sock.write(mv)
            except OSError as e:
                if not is_timeout(e):
                    raise
                n = None
            if n:
                return n
            left = ms - clock.ticks_diff(clock.ticks_ms(), start)
            if left <= 0 or not self._wait(self._select.POLLOUT, left):
                return None

    def _recv_some(self, buf, ms):
        start = clock.ticks_ms()
        while True:
            # Read first: a TLS layer may hold decrypted bytes that poll()
            # on the socket would not report.
            try:
                n = self._sock.readinto(buf)
            except OSError as e:
                if not is_timeout(e):
                    raise
                n = None
            if n is not None:
                return n
            left = ms - clock.ticks_diff(clock.ticks_ms(), start)
            if left <= 0 or not self._wait(self._select.POLLIN, left):
                return None

    def idle_ok(self):
        return probe_idle(self._read_into, self._probe)


class SocketTransport:
    """Dials TCP connections, optionally wrapped in TLS.

    host, port         where to connect; the address is resolved once and cached
    connect_timeout_ms bound on TCP connect (and the TLS handshake)
    read_timeout_ms    bound on each wait for data
    ssl_context        None for plaintext; else an SSLContext-like object with
                       wrap_socket(sock, server_hostname=...)
    server_hostname    name for SNI and certificate checks (TLS only)
    socketpool         CircuitPython's socketpool.SocketPool; default: socket module
    """

    def __init__(
        self,
        host,
        port,
        connect_timeout_ms=10000,
        read_timeout_ms=30000,
        ssl_context=None,
        server_hostname=None,
        socketpool=None,
    ):
        self.host = host
        self.port = port
        self.connect_timeout_ms = connect_timeout_ms
        self.read_timeout_ms = read_timeout_ms
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname or host
        self._pool = socketpool if socketpool is not None else _socket
        if self._pool is None:
            raise ConnectError(Code.INVALID_ARGUMENT, "no socket module: pass socketpool=")
        self._addr = None  # cached (family, sockaddr)

    def _resolve(self):
        if self._addr is None:
            pool = self._pool
            try:
                infos = pool.getaddrinfo(self.host, self.port, 0, pool.SOCK_STREAM)
            except Exception as e:  # socket.gaierror is an OSError; others are not
                raise resolve_error(self.host, e)
            self._addr = pick_address(infos, pool.AF_INET, self.host)
        return self._addr

    def dial(self, deadline, call_timeout_ms):
        family, addr = self._resolve()
        pool = self._pool
        t = self.connect_timeout_ms
        left = clock.remaining_ms(deadline)
        if left is not None:
            if left <= 0:
                raise _deadline_error(call_timeout_ms)
            if left < t:
                t = left
        try:
            sock = pool.socket(family, pool.SOCK_STREAM)
        except Exception as e:
            raise ConnectError(Code.UNAVAILABLE, "cannot create socket: " + _describe(e))
        try:
            sock.settimeout(t / 1000)
            try:
                sock.connect(addr)
            except Exception as e:
                if is_timeout(e):
                    if left is not None and clock.remaining_ms(deadline) <= 0:
                        raise _deadline_error(call_timeout_ms)
                    raise ConnectError(Code.UNAVAILABLE, "connect to %s:%d timed out" % (self.host, self.port))
                raise connect_error(self.host, self.port, e)
            raw = sock
            if self.ssl_context is not None:
                try:
                    tsock = self.ssl_context.wrap_socket(sock, server_hostname=self.server_hostname)
                except Exception as e:
                    raise tls_error(self.host, e)
                sock = tsock
            # MicroPython's socket module is polled (CircuitPython builds that
            # have one have MicroPython's); a socketpool (CircuitPython) has
            # recv_into/settimeout sockets.
            if MPVM and self._pool is _socket:
                return PollConnection(sock, self.read_timeout_ms, call_timeout_ms, raw)
            return TimeoutConnection(sock, self.read_timeout_ms, call_timeout_ms)
        except BaseException:
            try:
                sock.close()
            except Exception:
                pass
            raise


def _tls_module():
    try:
        import tls

        return tls
    except ImportError:
        pass
    try:
        import ssl

        return ssl
    except ImportError:
        return None


def tls_context_from(options):
    """The TLS context for a client's options: the caller's ssl_context
    (refused unless it verifies, or insecure_skip_verify says otherwise), or
    a verifying one built from cadata."""
    insecure = options.get("insecure_skip_verify", False)
    ctx = options.get("ssl_context")
    if ctx is None:
        return default_tls_context(options.get("cadata"), insecure)
    check_tls_context(ctx, insecure)
    return ctx


def default_tls_context(cadata=None, insecure_skip_verify=False):
    """A client SSLContext that verifies the certificate and host name.

    cadata: CA certificate(s), PEM (str or bytes) or DER (bytes). On CPython
    the system CA store is used when cadata is None; MicroPython has no CA
    store, so cadata is required there unless verification is switched off.
    """
    mod = _tls_module()
    if mod is None:
        raise ConnectError(Code.UNIMPLEMENTED, "no ssl or tls module on this runtime: pass ssl_context=")
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    if insecure_skip_verify:
        if hasattr(ctx, "check_hostname"):
            ctx.check_hostname = False
        ctx.verify_mode = mod.CERT_NONE
        return ctx
    # Set explicitly: micropython-lib's ssl.SSLContext defaults to CERT_NONE.
    # With CERT_REQUIRED and server_hostname given to wrap_socket, mbedTLS
    # (MicroPython) and OpenSSL (CPython, check_hostname) both check the name.
    if hasattr(ctx, "check_hostname"):
        ctx.check_hostname = True
    ctx.verify_mode = mod.CERT_REQUIRED
    if cadata is not None:
        if MICROPYTHON:
            # MicroPython's tls takes DER only (mbedTLS parses PEM only from a
            # NUL-terminated buffer), one certificate per call, positionally.
            for der in pem_to_der(cadata):
                ctx.load_verify_locations(der)
        else:
            if isinstance(cadata, (bytes, bytearray)) and bytes(cadata[:5]) == b"-----":
                cadata = bytes(cadata).decode()
            ctx.load_verify_locations(cadata=cadata)
    elif MICROPYTHON:
        raise ConnectError(
            Code.INVALID_ARGUMENT,
            "TLS on MicroPython needs cadata= (there is no system CA store); "
            "pass insecure_skip_verify=True only if you really mean to skip verification",
        )
    else:
        ctx.load_default_certs()
    return ctx


def pem_to_der(data):
    """The DER certificates in PEM text (str or bytes); DER input is returned as is."""
    if isinstance(data, str):
        data = data.encode()
    data = bytes(data)
    if b"-----BEGIN" not in data:
        return [data]
    from buffa.connect import b64

    out = []
    for block in data.split(b"-----BEGIN")[1:]:
        if not block.startswith(b" CERTIFICATE-----"):
            continue
        end = block.find(b"-----END")
        if end < 0:
            raise ConnectError(Code.INVALID_ARGUMENT, "cadata: unterminated PEM block")
        body = b"".join(block[17:end].split())
        try:
            out.append(b64.decode(body))
        except ValueError:
            raise ConnectError(Code.INVALID_ARGUMENT, "cadata: bad base64 in PEM certificate")
    if not out:
        raise ConnectError(Code.INVALID_ARGUMENT, "cadata: no CERTIFICATE in PEM text")
    return out


def check_tls_context(ctx, insecure_skip_verify):
    """Refuse a caller's context that would not verify, unless asked not to."""
    if insecure_skip_verify:
        return
    mode = getattr(ctx, "verify_mode", None)
    if mode is not None and mode == 0:  # CERT_NONE is 0 everywhere
        raise ConnectError(
            Code.INVALID_ARGUMENT,
            "ssl_context does not verify certificates (verify_mode is CERT_NONE); "
            "set CERT_REQUIRED or pass insecure_skip_verify=True",
        )
    if getattr(ctx, "check_hostname", True) is False:
        raise ConnectError(
            Code.INVALID_ARGUMENT,
            "ssl_context does not check host names; enable check_hostname or pass insecure_skip_verify=True",
        )
