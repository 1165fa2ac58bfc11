# The board layer: sensors, network, watchdog, for each kind of board.
#
#   ESP32    internal temperature (esp32.mcu_temperature, or raw_temperature on
#            the original ESP32) and an ADC pin via machine.ADC; Wi-Fi; WDT
#   RP2040   internal temperature sensor (machine.ADC(4)) and an ADC pin (GP26);
#            Wi-Fi on the Pico W; WDT
#   others   (unix port, QEMU, CPython) a deterministic simulated sensor
#
# A board has SENSORS, a tuple of (name, unit) with units as in
# telemetry.v1.Unit, and read(i) -> float for sensor i.
import sys

UNIT_CELSIUS = 1
UNIT_VOLT = 2


class Board:
    SENSORS = ()
    platform = sys.platform

    def __init__(self, cfg):
        self.cfg = cfg
        self._wdt = None
        impl = sys.implementation
        v = getattr(impl, "version", (0, 0, 0))
        self.platform = "%s %s %d.%d.%d" % (sys.platform, impl.name, v[0], v[1], v[2])

    def read(self, i):
        raise NotImplementedError

    def start_watchdog(self, ms):
        """Start the hardware watchdog if the board has one; True if started."""
        if not ms:
            return False
        try:
            from machine import WDT
        except ImportError:
            return False
        self._wdt = WDT(timeout=ms)
        return True

    def feed(self):
        if self._wdt is not None:
            self._wdt.feed()

    def network_up(self):
        """Bring the network up (bounded wait); True when it is usable."""
        return True


class SimBoard(Board):
    """Deterministic readings for the unix port, QEMU and CPython: the k-th
    sample of each sensor depends only on k."""

    SENSORS = (("sim_temperature", UNIT_CELSIUS), ("sim_supply", UNIT_VOLT))

    def __init__(self, cfg):
        Board.__init__(self, cfg)
        self.k = [0, 0]

    def read(self, i):
        k = self.k[i]
        self.k[i] = k + 1
        return sim_value(i, k)


def sim_value(i, k):
    """The simulated value of sensor i at its k-th sample."""
    if i == 0:
        # A triangle wave between 20.0 and 26.0 degrees, period 60 samples.
        p = k % 60
        return 20.0 + (p if p < 30 else 60 - p) * 0.2
    # A supply voltage sagging from 3.300 V by 1 mV a sample, recovering every 100.
    return 3.3 - (k % 100) * 0.001


class WifiBoard(Board):
    def network_up(self):
        wifi = self.cfg.get("wifi")
        if not wifi:
            return True  # wired, or the user brought the network up in boot.py
        import network
        import time

        wlan = network.WLAN(network.STA_IF)
        if wlan.isconnected():
            return True
        wlan.active(True)
        wlan.connect(wifi["ssid"], wifi.get("password", ""))
        deadline = time.ticks_add(time.ticks_ms(), self.cfg["wifi_timeout_ms"])
        while not wlan.isconnected():
            if time.ticks_diff(deadline, time.ticks_ms()) <= 0:
                self.log("wifi: no connection to %r yet" % wifi["ssid"])
                return False
            self.feed()
            time.sleep_ms(100)
        self.log("wifi: connected, address %s" % wlan.ifconfig()[0])
        return True

    def log(self, msg):
        if self.cfg.get("log", True):
            print("telemetry:", msg)


class Esp32Board(WifiBoard):
    SENSORS = (("mcu_temperature", UNIT_CELSIUS), ("adc", UNIT_VOLT))

    def __init__(self, cfg):
        WifiBoard.__init__(self, cfg)
        import esp32
        from machine import ADC, Pin

        self._esp32 = esp32
        pin = cfg.get("adc_pin")
        self._adc = ADC(Pin(34 if pin is None else pin))
        try:
            self._adc.atten(ADC.ATTN_11DB)  # about 0 to 3.1 V
        except AttributeError:
            pass

    def read(self, i):
        if i == 0:
            if hasattr(self._esp32, "mcu_temperature"):  # S2, S3, C3, C6
                return float(self._esp32.mcu_temperature())
            return (self._esp32.raw_temperature() - 32) / 1.8  # original ESP32: Fahrenheit
        return self._adc.read_uv() / 1000000


class Rp2Board(WifiBoard):
    SENSORS = (("mcu_temperature", UNIT_CELSIUS), ("adc", UNIT_VOLT))

    def __init__(self, cfg):
        WifiBoard.__init__(self, cfg)
        from machine import ADC

        self._temp = ADC(4)  # the RP2040's internal temperature sensor
        pin = cfg.get("adc_pin")
        self._adc = ADC(26 if pin is None else pin)

    def read(self, i):
        if i == 0:
            v = self._temp.read_u16() * 3.3 / 65535
            return 27 - (v - 0.706) / 0.001721  # RP2040 datasheet, 4.9.5
        return self._adc.read_u16() * 3.3 / 65535


def make(cfg):
    p = sys.platform
    if p == "esp32":
        return Esp32Board(cfg)
    if p == "rp2":
        return Rp2Board(cfg)
    return SimBoard(cfg)
