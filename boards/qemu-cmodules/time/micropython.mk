# A `time` module for the QEMU test boards (MicroPython v1.25's qemu port
# builds without one; real boards have it). Clock: Arm semihosting, which QEMU
# answers from the host's clock (it runs with -semihosting).
QEMU_TIME_MOD_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(QEMU_TIME_MOD_DIR)/modtime_qemu.c
