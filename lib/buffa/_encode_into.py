# Message.encoded_size and Message.encode_into, loaded on first use (by
# Message.__getattr__ on MicroPython): buffa.connect writes every request
# with them, and a program that only decodes and encode()s never needs them
# (docs/design.md section 20). Their frames stay within MicroPython's
# 11-word on-stack limit, as Message.encode's does: they catch without
# "as e" and re-run the failing call in buffa._reflect.
from buffa.message import Message, _BAD_VALUE, _r, _view


def _size(m):
    return type(m)._buffa_z(m)


def encoded_size(self):
    try:
        return type(self)._buffa_z(self)
    except _BAD_VALUE:
        pass
    _r().fail(self, _size)


def encode_into(self, buf, offset=0):
    """Write into a caller-owned bytearray at offset; return the end."""
    if offset < 0 or offset + self.encoded_size() > len(buf):
        _r().too_small(self, buf, offset)
    try:
        return type(self)._buffa_w(self, _view(buf), offset)
    except _BAD_VALUE:
        pass
    _r().fail_into(self, buf, offset)


Message.encoded_size = encoded_size
Message.encode_into = encode_into
