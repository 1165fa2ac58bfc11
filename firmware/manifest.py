# Freezes the buffa runtime into MicroPython firmware.
#
# Include it from a board manifest:
#     include("$(PORT_DIR)/boards/manifest.py")   # the port's own modules
#     include("<path to this repo>/firmware/manifest.py")
# Paths below are relative to this file.
metadata(description="buffa: Protocol Buffers for MicroPython", version="0.1.0")

package("buffa", base_path="../lib")
