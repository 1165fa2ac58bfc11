# buffa on a Raspberry Pi Pico W (RP2040): MicroPython's RPI_PICO_W board
# (v1.25) with lib/buffa frozen in and the C accelerator compiled in (below).
# Build with an upstream MicroPython checkout (it brings the pico-sdk as a
# submodule; see the README):
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

# The C accelerator (natmod/buffa_accel) as a user C module, compiled in
# unless BUFFA_ACCEL=0 in the environment (make firmware BOARD=... BUFFA_ACCEL=0);
# kept beside any USER_C_MODULES given on the make command line.
if(NOT "$ENV{BUFFA_ACCEL}" STREQUAL "0")
    get_filename_component(BUFFA_ACCEL_CMAKE ${CMAKE_CURRENT_LIST_DIR}/../../natmod/buffa_accel/micropython.cmake ABSOLUTE)
    list(APPEND USER_C_MODULES ${BUFFA_ACCEL_CMAKE})
endif()
