# Connect streaming framing, without I/O: enveloped messages and the
# end-of-stream message (connectrpc.com/docs/protocol, "Streaming RPCs").
#
#   envelope = flags (1 byte) | length (4 bytes, big-endian) | data
#   flags    0x01 data is compressed (Connect-Content-Encoding)
#            0x02 end of stream: data is JSON {"error": {...}, "metadata": {...}}
#
# Everything a server sends here is checked: unknown flag bits, a length over
# the limit, a compressed envelope when no compression was agreed, an
# end-of-stream message that is not the JSON it should be. The spec and
# connect-go call those protocol errors: internal; a length over the limit
# is resource_exhausted.
from buffa.connect.errors import ConnectError, Code
from buffa.connect.metadata import Metadata

COMPRESSED = 1
END_STREAM = 2

HEADER_BYTES = 5


def _protocol_error(msg):
    return ConnectError(Code.INTERNAL, "protocol error: " + msg)


def write_header(buf, at, flags, n):
    """Write an envelope header for n bytes of data at buf[at]; returns the end."""
    buf[at] = flags
    buf[at + 1] = (n >> 24) & 0xFF
    buf[at + 2] = (n >> 16) & 0xFF
    buf[at + 3] = (n >> 8) & 0xFF
    buf[at + 4] = n & 0xFF
    return at + HEADER_BYTES


def length(buf, at, end, limit):
    """Data length of the envelope at buf[at:end], or -1 if its header is
    not all there yet. Raises on unknown flags or a length over `limit`."""
    if end - at < HEADER_BYTES:
        return -1
    if buf[at] & ~(COMPRESSED | END_STREAM):
        raise _protocol_error("envelope flags 0x%02x" % buf[at])
    n = buf[at + 1] << 24 | buf[at + 2] << 16 | buf[at + 3] << 8 | buf[at + 4]
    if n > limit:
        raise ConnectError(Code.RESOURCE_EXHAUSTED, "stream message of %d bytes exceeds the limit of %d" % (n, limit))
    return n


def end_of_stream(data):
    """(error or None, trailers Metadata) from an end-of-stream message's JSON."""
    from buffa.connect.protocol import error_from_json

    try:
        import json

        obj = json.loads(str(data, "utf-8"))
    except Exception:  # ValueError, UnicodeError, and MicroPython's variants
        raise _protocol_error("end-of-stream message is not JSON")
    if not isinstance(obj, dict):
        raise _protocol_error("end-of-stream message is not a JSON object")
    trailers = Metadata()
    meta = obj.get("metadata")
    if meta is not None:
        if not isinstance(meta, dict):
            raise _protocol_error("end-of-stream metadata is not an object")
        for k, vs in meta.items():
            if not isinstance(vs, list):
                raise _protocol_error("end-of-stream metadata %r is not a list" % k)
            for v in vs:
                if not isinstance(v, str):
                    raise _protocol_error("end-of-stream metadata %r has a non-string value" % k)
                trailers.add(k, v)
    err = obj.get("error")
    if err is None:
        return None, trailers
    e = error_from_json(err, Code.UNKNOWN, None)
    if e is None:
        raise _protocol_error("end-of-stream error is not a JSON object")
    return e, trailers
