# The telemetry device's /main.py: runs at boot with /config.json.
# Copy it to the board's root with the telemetry_device and telemetry packages
# in /lib (or frozen into the firmware); see docs/demo.md.
import sys

try:
    from telemetry_device import device

    device.run("config.json")
except KeyboardInterrupt:
    raise
except Exception as e:
    sys.print_exception(e)
    if sys.platform in ("esp32", "rp2"):
        # Start over in a few seconds rather than sit at the REPL.
        import time
        import machine

        time.sleep(10)
        machine.reset()
    raise
