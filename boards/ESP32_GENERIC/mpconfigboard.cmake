# buffa on a generic ESP32 (4 MiB flash): MicroPython's ESP32_GENERIC board
# (v1.25) with lib/buffa frozen in. Build with an upstream MicroPython checkout
# and ESP-IDF (see the README):
#   make firmware BOARD=ESP32_GENERIC MICROPY_DIR=/path/to/micropython
set(SDKCONFIG_DEFAULTS
    boards/sdkconfig.base
    boards/sdkconfig.ble
)

set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
