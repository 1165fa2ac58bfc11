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
    return _inflate_deflate(data, limit)


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


def _inflate_deflate(data, limit):
    # gzip ends with the input size mod 2**32 (ISIZE): take it as the size
    # of the output, so the output is one allocation of the right size. It is the sender's claim, checked against the limit first and
    # against the data as it inflates.
    n = len(data)
    if n < 18:
        raise _corrupt("truncated")
    size = data[n - 4] | data[n - 3] << 8 | data[n - 2] << 16 | data[n - 1] << 24
    try:
        # The window: no larger than the output. A stream whose output is
        # larger than its trailer says fails below (and its CRC would too),
        # so a lying trailer cannot make a short window read stale bytes
        # into a response that is accepted.
        f = _deflate.DeflateIO(_io.BytesIO(data), _deflate.GZIP, window_bits(size if size < limit else limit))
        if size > limit:
            # A bomb, or corrupt data: inflate into a scratch buffer to tell.
            _measure(f, limit)
        # bytes, read in one go: the message decoder takes bytes as they
        # are (any other buffer it would copy first).
        out = f.read(size) if size else b""
        if len(out) < size:
            raise _corrupt("shorter than its stated size")
        if f.read(1):
            # More output than the trailer says: a lie, or a bomb.
            raise _corrupt("longer than its stated size")
    except (OSError, EOFError, ValueError) as e:
        raise _corrupt(e)
    return out


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
