# buffa on a Raspberry Pi Pico W (RP2040): MicroPython's RPI_PICO_W board
# (v1.25) with lib/buffa frozen in. Build with an upstream MicroPython checkout
# (it brings the pico-sdk as a submodule; see the README):
#   make firmware BOARD=RPI_PICO_W MICROPY_DIR=/path/to/micropython
set(PICO_BOARD "pico_w")

set(MICROPY_PY_LWIP ON)
set(MICROPY_PY_NETWORK_CYW43 ON)

# Bluetooth
set(MICROPY_PY_BLUETOOTH ON)
set(MICROPY_BLUETOOTH_BTSTACK ON)
set(MICROPY_PY_BLUETOOTH_CYW43 ON)

# This board's frozen manifest: the port's modules plus buffa.
set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
