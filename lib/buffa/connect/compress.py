# gzip for Connect bodies, on whatever the runtime offers.
#
#   CPython                 zlib: compress and bounded decompress
#   MicroPython             deflate.DeflateIO: decompress always; compress
#                           only where the firmware enables it (stock ESP32
#                           and RP2040 builds do not)
#   CircuitPython / other   no bounded decompressor: gzip is not offered
#
# Decompression is always bounded: output beyond `limit` bytes stops it, so
# a small "gzip bomb" cannot exhaust the heap.
from buffa.connect.errors import ConnectError, Code

try:
    import zlib as _zlib

    if not hasattr(_zlib, "decompressobj"):  # CircuitPython's zlib: one-shot only
        _zlib = None
except ImportError:
    _zlib = None

_deflate = None
if _zlib is None:
    try:
        import deflate as _deflate
        import io as _io
    except ImportError:
        pass

# Whether gzip responses can be read here (Accept-Encoding offers gzip only
# then, and only where the heap can spare the window: core.Config).
CAN_DECOMPRESS = _zlib is not None or _deflate is not None
# Whether requests can be gzip-compressed here.
CAN_COMPRESS = _zlib is not None or (_deflate is not None and hasattr(_deflate.DeflateIO, "write"))


def gzip_compress(data):
    """gzip `data`; only call when CAN_COMPRESS."""
    if _zlib is not None:
        c = _zlib.compressobj(6, _zlib.DEFLATED, 31)
        return c.compress(data) + c.flush()
    buf = _io.BytesIO()
    f = _deflate.DeflateIO(buf, _deflate.GZIP)
    f.write(data)
    f.close()
    return buf.getvalue()


def decompress(data, encoding, limit):
    """The decoded body for Content-Encoding `encoding`, at most `limit` bytes
    (a one-off Inflater; a client keeps its own, see Inflater)."""
    return Inflater().decompress(data, encoding, limit)


class Inflater:
    """Inflates one client's gzip bodies, one at a time.

    On MicroPython a DeflateIO reads from a stream. A memoryview of the
    receive buffer is not one, and io.BytesIO copies anything but bytes,
    so each call would allocate a copy of the compressed body and a
    BytesIO around it. An Inflater instead keeps one BytesIO (and a
    one-byte scratch) and writes each body into it: bodies of up to
    `keep_bytes` (the client's receive buffer size) reuse it; a larger
    one gets a one-off copy, so the client never holds more than that.

    What cannot be reused: DeflateIO allocates its decoder state (about
    1.3 KB of Huffman tables) and the window on the first read of each
    instance and has no reset, and an ended stream stays ended.
    """

    def __init__(self, keep_bytes=2048):
        self.keep_bytes = keep_bytes
        self._src = None
        self._one = None

    def decompress(self, data, encoding, limit):
        """The decoded body for Content-Encoding `encoding`, at most `limit` bytes.

        Raises ConnectError: internal for an encoding we did not offer or corrupt
        data, resource_exhausted when the output would exceed `limit`.
        """
        if encoding in ("", "identity"):
            return data
        if encoding != "gzip" or not CAN_DECOMPRESS:
            raise ConnectError(Code.INTERNAL, "response uses unsupported encoding %r" % encoding)
        # A zero-length body is an empty message even when labelled gzip (some
        # servers label every response); there is nothing to decompress.
        if not data:
            return data
        if _zlib is not None:
            return _inflate_zlib(data, limit)
        return self._inflate_deflate(data, limit)

    def _source(self, data):
        """A readable stream holding `data`, positioned at its start."""
        n = len(data)
        if n > self.keep_bytes:
            return _io.BytesIO(bytes(data))  # BytesIO keeps a reference to bytes
        src = self._src
        if src is None:
            # Sized to this body, not keep_bytes: on a fragmented heap a
            # small response must not need a 2 KB block. Writing a longer
            # body later grows it (up to keep_bytes, by the test above).
            src = self._src = _io.BytesIO(n)
            self._one = bytearray(1)
        # Bytes from an earlier, longer body may follow; the position
        # after the gzip stream is checked against n below.
        src.seek(0)
        src.write(data)
        src.seek(0)
        return src

    def _inflate_deflate(self, data, limit):
        # gzip ends with the input size mod 2**32 (ISIZE): take it as the
        # size of the output, so the output is one allocation of the right
        # size. It is the sender's claim, checked against the limit first
        # and against the data as it inflates.
        n = len(data)
        if n < 18:
            raise _corrupt("truncated")
        size = data[n - 4] | data[n - 3] << 8 | data[n - 2] << 16 | data[n - 1] << 24
        src = self._source(data)
        one = self._one if src is self._src else bytearray(1)
        try:
            # The window: no larger than the output. A stream whose output
            # is larger than its trailer says fails below (and its CRC would
            # too), so a lying trailer cannot make a short window read stale
            # bytes into a response that is accepted.
            f = _deflate.DeflateIO(src, _deflate.GZIP, window_bits(size if size < limit else limit))
            if size > limit:
                # A bomb, or corrupt data: inflate into a scratch buffer to tell.
                _measure(f, limit)
            # bytes, read in one go: the message decoder takes bytes as they
            # are (any other buffer it would copy first).
            out = f.read(size) if size else b""
            if len(out) < size:
                raise _corrupt("shorter than its stated size")
            # Reading on ends the stream: its trailer (CRC, size) is checked.
            if f.readinto(one):
                # More output than the trailer says: a lie, or a bomb.
                raise _corrupt("longer than its stated size")
        except (OSError, EOFError, ValueError) as e:
            raise _corrupt(e)
        # The stream ended exactly at the end of the body: not short (it
        # would have read on into an earlier body's bytes) nor followed
        # by anything.
        end = src.tell()
        if end < n:
            raise _corrupt("data after the gzip stream")
        if end > n:
            raise _corrupt("truncated")
        return out


def _bomb(limit):
    return ConnectError(Code.RESOURCE_EXHAUSTED, "decompressed response larger than %d bytes" % limit)


def _corrupt(e):
    return ConnectError(Code.INTERNAL, "invalid gzip response body: %s" % (e,))


def _inflate_zlib(data, limit):
    d = _zlib.decompressobj(31)
    try:
        out = d.decompress(data, limit + 1)
    except _zlib.error as e:
        raise _corrupt(e)
    if len(out) > limit:
        raise _bomb(limit)
    if not d.eof:
        raise _corrupt("truncated")
    if d.unused_data:
        raise _corrupt("data after the gzip stream")
    return out


def window_bits(limit):
    """log2 of the inflate window a response of at most `limit` bytes needs.

    Deflate refers back at most as far as the output so far, so a body never
    larger than `limit` never needs a window larger than that (8..15 bits).
    """
    w = 8
    while w < 15 and (1 << w) < limit:
        w += 1
    return w


def window_bytes(limit):
    """Bytes of the window inflating a response of at most `limit` bytes takes
    (MicroPython's deflate; CPython's zlib uses its own, up to 32 KiB)."""
    return 1 << window_bits(limit)


def _measure(f, limit):
    """Inflate `f` without keeping the output; raise the bomb error once it
    passes `limit` (or the corrupt-data error first)."""
    chunk = bytearray(256)
    n = 0
    while True:
        k = f.readinto(chunk)
        if not k:
            raise _corrupt("longer than its stated size")
        n += k
        if n > limit:
            raise _bomb(limit)
