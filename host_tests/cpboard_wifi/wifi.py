# Stand-in for a Wi-Fi board's `wifi` module, for running docs/circuitpython.md's
# example under the CircuitPython unix build (host_tests/circuitpython). The
# host is already on the network: connect() only checks that it was given a
# network name, as the real one needs.


class Radio:  # adafruit_connection_manager tells boards apart by this class name
    def __init__(self):
        self.connected = False
        self.ipv4_address = None

    def connect(self, ssid, password=None, *, channel=0, bssid=None, timeout=None):
        if not ssid:
            raise ConnectionError("No network with that ssid")
        self.connected = True
        self.ipv4_address = "127.0.0.1"


radio = Radio()
