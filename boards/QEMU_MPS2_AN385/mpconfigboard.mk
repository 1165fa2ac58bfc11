# buffa test board: Arm MPS2 with an AN385 image (Cortex-M3, armv7m),
# emulated by QEMU. Built with MicroPython v1.25's ports/qemu, using this
# folder as BOARD_DIR.
include boards/MPS2_AN385/mpconfigboard.mk

# The port's own heap: 140 KiB.
MICROPY_HEAP_SIZE = 143360

FROZEN_MANIFEST = $(BOARD_DIR)/manifest.py

BUFFA_MPY_ARCH = armv7m

# A `time` module, as real boards have (the port builds without one).
USER_C_MODULES = $(BOARD_DIR)/../qemu-cmodules

# The C accelerator (natmod/buffa_accel) as a user C module: compiled in by
# default (boards/qemu-cmodules/buffa_accel); BUFFA_ACCEL=0 to build it without.
BUFFA_ACCEL ?= 1
