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

# Whether responses may be gzip (this decides Accept-Encoding).
CAN_DECOMPRESS = _zlib is not None or _deflate is not None
# Whether requests can be gzip-compressed here.
CAN_COMPRESS = _zlib is not None or (_deflate is not None and hasattr(_deflate.DeflateIO, "write"))

ACCEPT_ENCODING = "gzip" if CAN_DECOMPRESS else "identity"


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


def _inflate_deflate(data, limit):
    f = _deflate.DeflateIO(_io.BytesIO(data), _deflate.GZIP)
    out = bytearray()
    chunk = bytearray(512)
    try:
        while True:
            n = f.readinto(chunk)
            if not n:
                break
            if len(out) + n > limit:
                raise _bomb(limit)
            out.extend(chunk if n == len(chunk) else chunk[:n])
    except (OSError, EOFError, ValueError) as e:
        raise _corrupt(e)
    return out
