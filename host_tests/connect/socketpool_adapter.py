# CircuitPython's socketpool.SocketPool, as far as its documented surface
# goes, over a `socket` module: for running the Connect client's socketpool
# path under the CircuitPython unix build (which has MicroPython's socket
# module, where boards have socketpool) and on CPython. Test code, not the
# library.
#
# What it keeps of CircuitPython's behaviour:
#   getaddrinfo    answers (family, type, proto, canonname, (ip_text, port))
#   socket()       objects with connect((host, port)), send, sendall,
#                  recv_into(buf, nbytes=0), settimeout, setblocking, close;
#                  no recv, read, readinto, write or makefile
#   timeouts       a read or write that times out raises OSError(ETIMEDOUT)
import errno
import socket as _socket

_TIMEOUT_ERRNOS = (errno.EAGAIN, errno.ETIMEDOUT, getattr(errno, "EWOULDBLOCK", errno.EAGAIN))


def _ip_text(sockaddr):
    if isinstance(sockaddr, tuple):  # CPython: ("1.2.3.4", port)
        return sockaddr[0]
    # MicroPython's unix socket: a raw struct sockaddr_in
    return _socket.inet_ntop(_socket.AF_INET, bytes(sockaddr[4:8]))


def _timed_out(e):
    if type(e).__name__ in ("timeout", "TimeoutError", "BlockingIOError"):
        return True
    return isinstance(e, OSError) and e.args and e.args[0] in _TIMEOUT_ERRNOS


class SocketPool:
    AF_INET = _socket.AF_INET
    SOCK_STREAM = _socket.SOCK_STREAM
    SOCK_DGRAM = _socket.SOCK_DGRAM
    IPPROTO_TCP = 6

    def __init__(self, radio=None):
        self.radio = radio
        self.lookups = 0
        self.sockets = 0

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.lookups += 1
        out = []
        for info in _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM):
            if info[0] == _socket.AF_INET:  # CircuitPython boards: IPv4 only
                out.append((info[0], type or _socket.SOCK_STREAM, info[2], "", (_ip_text(info[-1]), port)))
        if not out:
            raise OSError(-2)  # CircuitPython: gaierror's EAI_NONAME as an OSError
        return out

    def socket(self, family=_socket.AF_INET, type=_socket.SOCK_STREAM, proto=0):
        self.sockets += 1
        return Socket(_socket.socket(family, type))


class Socket:
    def __init__(self, real):
        self._s = real

    def connect(self, address):
        host, port = address
        try:
            self._s.connect(_socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM)[0][-1])
        except Exception as e:
            self._raise(e)

    def send(self, data):
        try:
            return self._s.send(data)
        except Exception as e:
            self._raise(e)

    def sendall(self, data):
        mv = memoryview(data)
        while len(mv):
            mv = mv[self.send(mv):]

    def recv_into(self, buf, nbytes=0):
        n = nbytes or len(buf)
        try:
            # recv is one read: readinto would wait for the whole buffer
            d = self._s.recv(n)
        except Exception as e:
            self._raise(e)
        buf[: len(d)] = d
        return len(d)

    def settimeout(self, value):
        self._s.settimeout(value)

    def setblocking(self, flag):
        self._s.setblocking(flag)

    def close(self):
        self._s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _raise(self, e):
        if _timed_out(e):
            raise OSError(errno.ETIMEDOUT)
        raise e
