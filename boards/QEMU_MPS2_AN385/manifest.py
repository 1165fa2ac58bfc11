# QEMU test board: the buffa runtime plus the test support (mptest, mprunner).
include("../../firmware/manifest.py")
include("../../firmware/manifest_native.py")

module("mptest.py", base_path="../../host_tests")
module("mprunner.py", base_path="../../host_tests")
