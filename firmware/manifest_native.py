# Native (viper) loops for boards whose MicroPython has a native emitter
# (ESP32, RP2040, Cortex-M3/M4 and up). Include it after firmware/manifest.py;
# buffa works without it, only slower on packed sint32 runs.
add_library("buffa", "../packages")
require("buffa-viper", library="buffa")
