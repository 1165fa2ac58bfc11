# Freezes the telemetry device application and its generated bindings into
# MicroPython firmware, next to the buffa runtime. From a board manifest:
#     include("$(PORT_DIR)/boards/manifest.py")
#     include("<path to this repo>/firmware/manifest.py")       # buffa
#     include("<path to this repo>/firmware/app/manifest.py")   # this app
# The board then needs only main.py and config.json on its filesystem.
package("telemetry_device", base_path=".")
package("telemetry", base_path="..")
