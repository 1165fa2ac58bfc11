# The ESP32 port's own frozen modules, plus the buffa runtime.
include("$(PORT_DIR)/boards/manifest.py")
include("../../firmware/manifest.py")
include("../../firmware/manifest_native.py")
# The JSON codec too (buffa.protojson; packages/ lists every part):
# require("buffa-protojson", library="buffa")
