# Messages bigger than the heap: decode one from anything with readinto
# (a socket, a file, a UART) a top-level field at a time, and encode one to
# anything with write while its repeated field comes from an iterator
# (docs/views.md, "Streams").
#
# Decoding keeps one buffer: each top-level field is read into it whole,
# checked as Message.view() checks (framing, nesting, limits) and handed out
# as values or views over the buffer, which the next field overwrites.
# Protobuf's merge rule makes the pieces add up: a message's encoding is the
# concatenation of its fields', in any grouping.
from buffa import wire
from buffa.wire import DecodeError
from buffa.message import DecodeOptions, _DEFAULT_OPTIONS, _BAD_VALUE, _view
from buffa import view as _v

_REPEATED = 1
_MAP = 4
_ONEOF = 16
_MESSAGE = 11
_GROUP = 10


def fields(cls, stream, options=None, buffer_size=4096, views=True, length=-1):
    """Yield (attribute, value) for each top-level field of a cls message
    read from stream (anything with readinto), in the order they arrive.

    Repeated fields give one pair per element, maps one (key, value) pair per
    entry; message values are views over the reused buffer, valid until the
    next pair (views=False: owned messages). Singular fields give every
    occurrence (the last one is the decoded value; sub-messages merge).
    Unknown fields are checked and skipped.

    buffer_size: the largest top-level field accepted, in bytes (one
    bytearray of this size is the memory used besides the values). length:
    the message's size when it does not end with the stream (-1: read to
    end of stream; readinto returning 0 or None is the end). Every
    DecodeOptions limit applies: max_size to the whole message,
    recursion_limit below it. Raises DecodeError."""
    o = options or _DEFAULT_OPTIONS
    r = _Reader(stream, buffer_size, o.max_size if length < 0 else length, length >= 0)
    if length > o.max_size:
        raise DecodeError("message of %d bytes exceeds max_size %d" % (length, o.max_size), 0, "size")
    own = None if views else DecodeOptions(max(o.recursion_limit - 1, 0), o.max_size)
    nums = _v._index(cls)[1]
    dp = o.recursion_limit
    while True:
        q = r.next_field(dp)
        if q < 0:
            return
        b = r.buf
        s = r.r
        _v.check(cls, b, s, q, dp, 0)
        t = _v._read_varint(b, s)
        row = nums.get(t >> 3)
        if row is not None:
            x = _v.field(_v._new(cls, b, s, q), row)
            f = row[3]
            if f & _MAP:
                for k, y in x.items():
                    yield row[0], (k, _own(y, own))
            elif f & _REPEATED:
                for y in x:
                    yield row[0], _own(y, own)
            elif row[2] == _MESSAGE or row[2] == _GROUP:
                if x is not None:
                    yield row[0], _own(x, own)
            elif f & _ONEOF:
                if x is not None:  # None: a value the field does not take
                    yield row[0], x
            elif _v._last(b, s, q, row[1] << 3 | _v._WT[row[2]], _v._closed(row)) >= 0:
                # (not for a wrong wire type or a closed enum's unknown
                # number: the field then reads its default)
                yield row[0], x
        r.r = q


def _own(x, options):
    if options is None or not isinstance(x, _v.View):
        return x
    return x._x[7].decode(x.encode(), options)


class _Reader:
    # The buffer and what of the stream is in it: buf[r:w] is read and not
    # yet used; left: bytes the message may still have.

    def __init__(self, stream, size, left, exact):
        self.s = stream
        self.buf = bytearray(size)
        self.mv = memoryview(self.buf)
        self.r = 0
        self.w = 0
        self.left = left
        self.exact = exact  # the message ends after `left` bytes
        self.eof = False

    def fill(self):
        # Move what is unread to the front and read more; False at the end.
        b = self.buf
        if self.r:
            n = self.w - self.r
            b[0:n] = b[self.r : self.w]
            self.r = 0
            self.w = n
        room = len(b) - self.w
        if room <= 0 or self.eof:
            return False
        # Never past the message's end (the stream may hold more), and for
        # a message that ends with the stream one byte past max_size at most.
        if room > self.left:
            room = self.left if self.exact else self.left + 1
            if not room:
                self.eof = True
                return False
        k = self.s.readinto(self.mv[self.w : self.w + room])
        if not k:
            self.eof = True
            return False
        if k > self.left:
            raise DecodeError("message exceeds max_size", -1, "size")
        self.left -= k
        self.w += k
        if self.exact and not self.left:
            self.eof = True
        return True

    def next_field(self, dp):
        # Have the next whole field in buf[r:q], checked; return q, or -1
        # at the end of the message.
        while True:
            if self.r < self.w:
                q = self._field_end(dp)
                if q >= 0:
                    return q
            elif self.eof:
                return -1
            if not self.fill():
                if self.r == self.w and self.eof:
                    return -1
                if self.w - self.r >= len(self.buf):
                    raise DecodeError("a field of the message is larger than the stream buffer (%d bytes)" % len(self.buf), -1, "size")
                if self.eof:
                    raise DecodeError("truncated message", -1)

    def _field_end(self, dp):
        # The end of the field at r if all of it is in the buffer (checked
        # as view() would), -1 if more must be read first.
        b = self.buf
        s = self.r
        e = self.w
        try:
            p = _v._tag_end(b, s, e) if b[s] > 127 else s + 1
            t = _v._read_varint(b, s)
            w = t & 7
            if w == 2:
                p = _v._skip_checked(b, p, e, t, dp)
            elif w == 3:
                p = wire.skip(b, p, e, t, dp)
            elif w == 0:
                p = _v._skip_varint(b, p, e)
            else:
                p = _v._skip_fixed(b, p, e, t)
        except DecodeError as x:
            if self.eof or not _truncation(x):
                raise
            return -1
        return p


def _truncation(x):
    # Errors that more input could cure.
    m = x.reason
    return m.startswith("truncated") or m.endswith("past the end")


# ---- encoding ---------------------------------------------------------------


def pieces(message, attr=None, items=()):
    """Yield the encoding of message, then of each element of items as an
    element of its repeated field attr, in bytes-like pieces (reused
    buffers: write each out before taking the next).

    message carries the other fields (its attr field should be empty, or
    those elements come first). Elements: messages of the field's type,
    views of it (their bytes are forwarded as they are), or values for a
    repeated scalar field (written unpacked, which every parser accepts).
    Each element is sized and encoded on its own; nothing holds the whole
    message. Raises EncodeError."""
    yield message.encode()
    if attr is None:
        return
    row = _repeated_row(message, attr)
    typ = row[2]
    tag = row[1] << 3 | _v._WT[typ]
    buf = bytearray(64)
    if typ == _GROUP:
        raise ValueError("streaming a repeated group is not supported")
    for x in items:
        if typ == _MESSAGE:
            if isinstance(x, _v.View):
                n = x._e - x._p
                k = _prefix(buf, tag, n)
                yield memoryview(buf)[:k]
                yield memoryview(x._b)[x._p : x._e]
                continue
            n = x.encoded_size()
            need = 15 + n
            if len(buf) < need:
                buf = bytearray(need)
            k = _prefix(buf, tag, n)
            try:
                end = type(x)._buffa_w(x, _view(buf), k)
            except _BAD_VALUE:
                x.encode()  # raises the EncodeError
                raise
            yield memoryview(buf)[:end]
        else:
            from buffa.fields import scalar_size, put_scalar

            try:
                n = scalar_size(typ, x)
                if len(buf) < 15 + n:
                    buf = bytearray(15 + n)
                end = put_scalar(typ, buf, wire.put_varint(buf, 0, tag), x)
            except _BAD_VALUE as e:
                raise wire.EncodeError("cannot encode %s.%s element %r: %s" % (message._buffa_name, attr, x, e))
            yield memoryview(buf)[:end]


def _repeated_row(message, attr):
    row = _v._index(type(message))[0].get(attr)
    if row is None or not row[3] & _REPEATED or row[3] & _MAP:
        raise ValueError("%s has no repeated field %r" % (message._buffa_name, attr))
    return row


def _prefix(buf, tag, n):
    return wire.put_varint(buf, wire.put_varint(buf, 0, tag), n)


def write(stream, message, attr=None, items=()):
    """Write pieces(message, attr, items) to stream (anything with write);
    return the number of bytes written."""
    total = 0
    for piece in pieces(message, attr, items):
        n = len(piece)
        k = 0
        while k < n:
            w = stream.write(piece[k:] if k else piece)
            if w is None:  # a stream that writes everything or raises
                w = n - k
            k += w
        total += n
    return total


def encoded_size(message, attr=None, items=()):
    """The number of bytes write() writes for these items, without encoding
    them. A length-prefixed envelope needs it before the first byte, so
    items are iterated twice (once here): pass a list or a fresh generator."""
    n = message.encoded_size()
    if attr is None:
        return n
    row = _repeated_row(message, attr)
    typ = row[2]
    tag = row[1] << 3 | _v._WT[typ]
    ts = wire.vsize(tag)
    if typ == _MESSAGE:
        for x in items:
            k = x._e - x._p if isinstance(x, _v.View) else x.encoded_size()
            n += ts + wire.vsize(k) + k
    else:
        from buffa.fields import scalar_size

        for x in items:
            n += ts + scalar_size(typ, x)
    return n
