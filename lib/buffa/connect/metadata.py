# Request and response metadata (HTTP headers and Connect trailers).
#
# A header may legitimately appear several times, so this is an ordered list
# of (name, value) pairs, not a dict; names are stored lowercase.
from buffa.connect import b64
from buffa.connect.errors import ConnectError, Code

# Headers the client itself writes. A caller-supplied duplicate would make
# the request ambiguous (two Content-Lengths is how requests get smuggled),
# so they are refused along with the reserved connect-* names.
_RESERVED = (
    "host",
    "content-length",
    "content-type",
    "content-encoding",
    "accept-encoding",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
)


class Metadata:
    """Ordered multi-map of lowercase header names to str values."""

    def __init__(self, items=None):
        self._items = []
        if items:
            for k, v in items:
                self._items.append((k.lower(), v))

    def add(self, name, value):
        self._items.append((name.lower(), value))

    def get(self, name, default=None):
        """The first value of `name`, or `default`."""
        name = name.lower()
        for k, v in self._items:
            if k == name:
                return v
        return default

    def get_all(self, name):
        name = name.lower()
        return [v for k, v in self._items if k == name]

    def get_bin(self, name, default=None):
        """The first value of a "-bin" header, base64-decoded to bytes.

        Padded and unpadded values are both accepted; a malformed one is a
        ConnectError(internal), since it came from the server.
        """
        v = self.get(name)
        if v is None:
            return default
        try:
            return b64.decode(v)
        except ValueError:
            raise ConnectError(Code.INTERNAL, "invalid base64 in %s header" % name)

    def items(self):
        return list(self._items)

    def extend(self, other):
        self._items.extend(other._items)

    def __getitem__(self, name):
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def __contains__(self, name):
        return self.get(name) is not None

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __repr__(self):
        return "Metadata(%r)" % (self._items,)


def _bad(msg):
    return ConnectError(Code.INVALID_ARGUMENT, msg)


def check_name(name):
    """Lowercase `name` and check it against [0-9a-z_.-] and the reserved names."""
    if not isinstance(name, str) or not name:
        raise _bad("metadata name must be a non-empty str")
    name = name.lower()
    for c in name:
        if not ("a" <= c <= "z" or "0" <= c <= "9" or c in "_.-"):
            raise _bad("metadata name %r: only 0-9 a-z _ . - allowed" % name)
    if name.startswith("connect-") or name in _RESERVED:
        raise _bad("metadata name %r is reserved for the protocol" % name)
    return name


def check_value(name, value):
    """The wire form of `value`: base64 for "-bin" names, else checked ASCII."""
    if name.endswith("-bin"):
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise _bad("metadata %r ends in -bin: its value must be bytes" % name)
        return b64.encode(bytes(value))
    if not isinstance(value, str):
        raise _bad("metadata %r: value must be str" % name)
    # 0x20-0x7E only: no CR/LF (header injection), no controls, no non-ASCII
    # that a server might decode differently.
    for c in value:
        if not (" " <= c <= "~"):
            raise _bad("metadata %r: value has a character outside 0x20-0x7E" % name)
    return value


def request_pairs(headers):
    """Checked (name, wire value) pairs from a dict, Metadata or list of pairs.

    A list value in a dict sends the header once per element.
    """
    if headers is None:
        return []
    if isinstance(headers, dict):
        src = headers.items()
    else:
        src = headers
    out = []
    for k, v in src:
        name = check_name(k)
        if isinstance(v, (list, tuple)):
            for one in v:
                out.append((name, check_value(name, one)))
        else:
            out.append((name, check_value(name, v)))
    return out


def split_trailers(pairs):
    """(headers, trailers) Metadata from response header pairs.

    Connect unary sends trailers as headers prefixed "trailer-".
    """
    headers = Metadata()
    trailers = Metadata()
    for k, v in pairs:
        if k.startswith("trailer-"):
            trailers._items.append((k[8:], v))
        else:
            headers._items.append((k, v))
    return headers, trailers
