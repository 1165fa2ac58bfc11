# Stand-in for a Wi-Fi board's `socketpool` module: SocketPool(radio) is the
# test adapter over the unix build's socket module (host_tests/connect).
from socketpool_adapter import SocketPool  # noqa: F401
