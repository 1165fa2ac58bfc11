# The C accelerator (natmod/buffa_accel) compiled into the QEMU firmware,
# unless BUFFA_ACCEL=0 (the board's mpconfigboard.mk sets the default:
# QEMU_MPS2_AN385 with it, QEMU_MICROBIT without, so the test matrix runs
# both paths on a board). make firmware BOARD=... BUFFA_ACCEL=0|1 overrides.
# The .c files here include the ones in natmod/buffa_accel.
ifneq ($(BUFFA_ACCEL),0)
SRC_USERMOD_C += $(USERMOD_DIR)/buffa_accel.c
SRC_USERMOD_C += $(USERMOD_DIR)/table_decode.c
SRC_USERMOD_C += $(USERMOD_DIR)/table_encode.c
endif
