# buffa.connect: a Connect RPC client (unary calls over HTTP/1.1).
#
# The error types load eagerly (they are small and every caller needs them);
# the client and its protocol machinery load on first use, as MicroPython's
# asyncio package does, so importing buffa.connect costs little heap.
from buffa.connect.errors import Code, ConnectError, ErrorDetail

_LAZY = {
    "Client": "client",
    "Config": "client",
    "Response": "client",
    "Metadata": "metadata",
}

# MicroPython resolves `from buffa.connect import clock` through this
# module's __getattr__ and does not fall back to importing the submodule, so
# submodules are loaded here too.
_SUBMODULES = ("aio", "aio_streams", "b64", "client", "clock", "compress", "core", "envelope", "http1", "metadata", "protocol", "streams", "transport")


def __getattr__(name):
    if name in _SUBMODULES:
        __import__("buffa.connect." + name)
        # The import bound the submodule as an attribute of this package.
        return globals()[name]
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(name)
    value = getattr(__import__("buffa.connect." + mod, None, None, [name]), name)
    globals()[name] = value
    return value
