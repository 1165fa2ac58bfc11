# Freezes what the telemetry device (firmware/app) uses into MicroPython
# firmware: the buffa core, the well-known types (Timestamp) and the Connect
# client. Include it from a board manifest:
#     include("$(PORT_DIR)/boards/manifest.py")   # the port's own modules
#     include("<path to this repo>/firmware/manifest.py")
# The parts are in packages/ (tools/parts.py); add others after the
# include, e.g. the JSON codec:
#     require("buffa-protojson", library="buffa")
add_library("buffa", "../packages")
require("buffa", library="buffa")
require("buffa-wkt", library="buffa")
require("buffa-connect", library="buffa")
