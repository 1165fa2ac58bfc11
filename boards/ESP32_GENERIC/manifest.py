# The ESP32 port's own frozen modules, plus the buffa runtime.
include("$(PORT_DIR)/boards/manifest.py")
include("../../firmware/manifest.py")
include("../../firmware/manifest_native.py")
