# The accelerator as a user C module (USER_C_MODULES) for make-based ports
# (qemu, rp2 through cmake below, stm32, nrf...): the same source as the
# native module, built against the firmware's full API.
BUFFA_ACCEL_MOD_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(BUFFA_ACCEL_MOD_DIR)/buffa_accel.c
SRC_USERMOD_C += $(BUFFA_ACCEL_MOD_DIR)/table_decode.c
SRC_USERMOD_C += $(BUFFA_ACCEL_MOD_DIR)/table_encode.c
