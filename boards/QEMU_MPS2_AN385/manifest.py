# QEMU test board: every buffa part (the tests use them all) plus the test
# support (mptest, mprunner).
include("../../firmware/manifest.py")
require("buffa-protojson", library="buffa")
require("buffa-views", library="buffa")
include("../../firmware/manifest_native.py")

module("mptest.py", base_path="../../host_tests")
module("mprunner.py", base_path="../../host_tests")
