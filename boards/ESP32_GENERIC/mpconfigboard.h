// buffa on a generic ESP32 module (4 MiB flash or more), as MicroPython's
// ESP32_GENERIC board.
#ifndef MICROPY_HW_BOARD_NAME
#define MICROPY_HW_BOARD_NAME "Generic ESP32 module with buffa"
#endif

#ifndef MICROPY_HW_MCU_NAME
#define MICROPY_HW_MCU_NAME "ESP32"
#endif
