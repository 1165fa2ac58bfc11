# Base64 as Connect uses it: emitted unpadded, accepted padded or not.
#
# binascii does the bulk work where it exists, but MicroPython's a2b_base64
# rejects unpadded input and silently skips characters outside the alphabet
# (so "-" and "_" would vanish from URL-safe text). Decoding therefore
# validates every character here first and only then hands binascii a
# padded, standard-alphabet string it cannot misread.
try:
    import binascii as _ba
except ImportError:  # pragma: no cover - every supported port has binascii
    _ba = None

_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def encode(data, urlsafe=False):
    """Unpadded base64 of `data` as str ("-_" alphabet when urlsafe)."""
    if _ba is not None:
        out = _ba.b2a_base64(data)
        end = len(out)
        # b2a_base64 appends "\n" and "=" padding; both go.
        while end and out[end - 1] in (10, 61):
            end -= 1
        out = out[:end]
    else:
        out = _encode_py(data)
    if urlsafe:
        out = out.replace(b"+", b"-").replace(b"/", b"_")
    return out.decode()


def _encode_py(data):
    out = bytearray()
    n = len(data)
    i = 0
    while i + 3 <= n:
        v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2]
        out.append(_STD[v >> 18])
        out.append(_STD[(v >> 12) & 63])
        out.append(_STD[(v >> 6) & 63])
        out.append(_STD[v & 63])
        i += 3
    rest = n - i
    if rest:
        v = data[i] << 16
        if rest == 2:
            v |= data[i + 1] << 8
        out.append(_STD[v >> 18])
        out.append(_STD[(v >> 12) & 63])
        if rest == 2:
            out.append(_STD[(v >> 6) & 63])
    return bytes(out)


def _value(c, urlsafe):
    if 65 <= c <= 90:
        return c - 65
    if 97 <= c <= 122:
        return c - 71
    if 48 <= c <= 57:
        return c + 4
    if urlsafe:
        if c == 45:  # -
            return 62
        if c == 95:  # _
            return 63
    else:
        if c == 43:  # +
            return 62
        if c == 47:  # /
            return 63
    return -1


def decode(text, urlsafe=False):
    """Bytes from base64 `text` (str or bytes), padded or unpadded.

    Raises ValueError on any character outside the alphabet, misplaced
    padding, or an impossible length; callers turn that into their own error.
    """
    if isinstance(text, str):
        text = text.encode()
    n = len(text)
    # Strip padding, which is only legal when it completes a 4-char group.
    end = n
    while end and text[end - 1] == 61:
        end -= 1
    pad = n - end
    if pad and (pad > 2 or n % 4):
        raise ValueError("bad base64 padding")
    if end % 4 == 1:
        raise ValueError("bad base64 length")
    for i in range(end):
        if _value(text[i], urlsafe) < 0:
            raise ValueError("bad base64 character at %d" % i)
    if _ba is None:
        return _decode_py(text, end, urlsafe)
    body = text[:end]
    if urlsafe:
        body = body.replace(b"-", b"+").replace(b"_", b"/")
    if end % 4:
        body = body + b"=" * (4 - end % 4)
    return _ba.a2b_base64(body)


def _decode_py(text, end, urlsafe):
    out = bytearray()
    acc = 0
    bits = 0
    for i in range(end):
        acc = ((acc << 6) | _value(text[i], urlsafe)) & 0xFFFFFF
        bits += 6
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)
