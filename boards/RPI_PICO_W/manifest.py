# The rp2 port's own frozen modules and the Pico W's networking, plus buffa.
include("$(PORT_DIR)/boards/manifest.py")

require("bundle-networking")

# Bluetooth
require("aioble")

include("../../firmware/manifest.py")
include("../../firmware/manifest_native.py")
# The JSON codec too (buffa.protojson; packages/ lists every part):
# require("buffa-protojson", library="buffa")
