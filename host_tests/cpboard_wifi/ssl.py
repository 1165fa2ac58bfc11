# Stand-in for a Wi-Fi board's `ssl` module, which the CircuitPython unix build
# lacks. adafruit_connection_manager.get_radio_socketpool() makes a context
# for every pool it hands out; docs/circuitpython.md's tested example talks
# plaintext, so the context is never used. Anything that tries to use it fails.


class SSLContext:
    check_hostname = True

    def wrap_socket(self, sock, server_side=False, server_hostname=None):
        raise OSError("no TLS on the CircuitPython unix build: this context is a test stand-in")

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        raise OSError("no TLS on the CircuitPython unix build: this context is a test stand-in")


def create_default_context():
    return SSLContext()
