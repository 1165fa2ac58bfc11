# buffa test board: BBC micro:bit (nRF51, Cortex-M0 = armv6m like the RP2040)
# emulated by QEMU, with 256 KiB of SRAM and 1 MiB of flash.
# Built with MicroPython v1.25's ports/qemu, using this folder as BOARD_DIR.
include boards/MICROBIT/mpconfigboard.mk

# The port's own heap: 140 KiB of the 256 KiB SRAM (the linker script
# mcu/arm/nrf51.ld gives RAM 256K; the QEMU args above set sram-size=262144).
MICROPY_HEAP_SIZE = 143360

FROZEN_MANIFEST = $(BOARD_DIR)/manifest.py

# Native code, as the RP2040's MicroPython has it: the port leaves the Thumb
# emitter out for the nRF51 (whose real flash is 256 KiB), and without it a
# board cannot load a native .mpy (the C accelerator, viper code). The
# RP2040 port's settings: Thumb-1 only, no Arm v7-M instructions.
CFLAGS += -DMICROPY_EMIT_THUMB=1 -DMICROPY_EMIT_THUMB_ARMV7M=0

# Bytecode .mpy files for this board are compiled with -march=armv6m.
BUFFA_MPY_ARCH = armv6m

# A `time` module, as real boards have (the port builds without one).
USER_C_MODULES = $(BOARD_DIR)/../qemu-cmodules

# The C accelerator (natmod/buffa_accel) as a user C module: left out by
# default (boards/qemu-cmodules/buffa_accel); BUFFA_ACCEL=1 to build it with.
BUFFA_ACCEL ?= 0
