# buffa on a generic ESP32 (4 MiB flash): MicroPython's ESP32_GENERIC board
# (v1.25) with lib/buffa frozen in and the C accelerator compiled in (below).
# Build with an upstream MicroPython checkout and ESP-IDF (see the README):
#   make firmware BOARD=ESP32_GENERIC MICROPY_DIR=/path/to/micropython
set(SDKCONFIG_DEFAULTS
    boards/sdkconfig.base
    boards/sdkconfig.ble
)

set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)

# The C accelerator (natmod/buffa_accel) as a user C module, compiled in
# unless BUFFA_ACCEL=0 in the environment (make firmware BOARD=... BUFFA_ACCEL=0);
# kept beside any USER_C_MODULES given on the make command line.
if(NOT "$ENV{BUFFA_ACCEL}" STREQUAL "0")
    get_filename_component(BUFFA_ACCEL_CMAKE ${CMAKE_CURRENT_LIST_DIR}/../../natmod/buffa_accel/micropython.cmake ABSOLUTE)
    list(APPEND USER_C_MODULES ${BUFFA_ACCEL_CMAKE})
endif()
