// `time` for the QEMU test boards: ticks_ms/us/cpu, ticks_diff, ticks_add,
// sleep, sleep_ms, sleep_us, time and time_ns, as on ESP32 and RP2040.
// The clock is Arm semihosting's SYS_ELAPSED (a 64-bit count at SYS_TICKFREQ
// per second) and SYS_TIME (seconds since the Epoch), answered by QEMU.
#include <stdint.h>
#include "py/runtime.h"
#include "py/mphal.h"
#include "py/smallint.h"

#define SYS_TIME     0x11
#define SYS_ELAPSED  0x30
#define SYS_TICKFREQ 0x31
#define TICKS_PERIOD (MP_SMALL_INT_POSITIVE_MASK + 1)

static uint32_t semihosting_call(uint32_t num, void *arg) {
    register uint32_t num_reg __asm__ ("r0") = num;
    register void *args_reg __asm__ ("r1") = arg;
    __asm__ __volatile__ (
        "bkpt 0xAB\n"
        : "+r" (num_reg)
        : "r" (args_reg)
        : "memory");
    return num_reg;
}

static uint64_t tick_freq;

// 64-by-32-bit division without libgcc's __aeabi_uldivmod (which drags in
// unwind tables the port's linker scripts do not place).
static uint64_t div64(uint64_t n, uint32_t d) {
    uint64_t q = 0;
    uint64_t r = 0;
    for (int i = 63; i >= 0; --i) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    return q;
}

static uint64_t elapsed_ns(void) {
    uint32_t t[2] = {0, 0};
    if (semihosting_call(SYS_ELAPSED, t) != 0) {
        return 0;
    }
    uint64_t ticks = ((uint64_t)t[1] << 32) | t[0];
    if (tick_freq == 0) {
        uint32_t f = semihosting_call(SYS_TICKFREQ, NULL);
        tick_freq = (f == 0 || f == 0xffffffff) ? 1000000000u : f;
    }
    if (tick_freq == 1000000000u) {
        return ticks;
    }
    // ticks / freq seconds, in ns (freq is at most 2**32 - 1 here)
    uint64_t secs = div64(ticks, (uint32_t)tick_freq);
    uint64_t rem = ticks - secs * tick_freq;
    return secs * 1000000000u + div64(rem * 1000u, (uint32_t)tick_freq) * 1000000u;
}

static mp_obj_t small_ticks(uint64_t v) {
    return MP_OBJ_NEW_SMALL_INT((mp_uint_t)v & (TICKS_PERIOD - 1));
}

static mp_obj_t time_ticks_ms(void) {
    return small_ticks(div64(elapsed_ns(), 1000000u));
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_ms_obj, time_ticks_ms);

static mp_obj_t time_ticks_us(void) {
    return small_ticks(div64(elapsed_ns(), 1000u));
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_us_obj, time_ticks_us);

static mp_obj_t time_ticks_cpu(void) {
    return small_ticks(elapsed_ns());
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_cpu_obj, time_ticks_cpu);

static mp_obj_t time_ticks_diff(mp_obj_t end_in, mp_obj_t start_in) {
    mp_uint_t start = MP_OBJ_SMALL_INT_VALUE(start_in);
    mp_uint_t end = MP_OBJ_SMALL_INT_VALUE(end_in);
    mp_int_t diff = ((end - start + TICKS_PERIOD / 2) & (TICKS_PERIOD - 1)) - TICKS_PERIOD / 2;
    return MP_OBJ_NEW_SMALL_INT(diff);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_diff_obj, time_ticks_diff);

static mp_obj_t time_ticks_add(mp_obj_t ticks_in, mp_obj_t delta_in) {
    mp_uint_t ticks = MP_OBJ_SMALL_INT_VALUE(ticks_in);
    mp_uint_t delta = mp_obj_get_int(delta_in);
    if (delta + TICKS_PERIOD / 2 - 1 >= TICKS_PERIOD - 1) {
        mp_raise_msg(&mp_type_OverflowError, MP_ERROR_TEXT("ticks interval overflow"));
    }
    return MP_OBJ_NEW_SMALL_INT((ticks + delta) & (TICKS_PERIOD - 1));
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_add_obj, time_ticks_add);

static void sleep_ns(uint64_t ns) {
    uint64_t end = elapsed_ns() + ns;
    while (elapsed_ns() < end) {
        mp_handle_pending(true);
    }
}

static mp_obj_t time_sleep(mp_obj_t s_in) {
    #if MICROPY_PY_BUILTINS_FLOAT
    mp_float_t s = mp_obj_get_float(s_in);
    if (s > 0) {
        sleep_ns((uint64_t)(s * 1000000000));
    }
    #else
    mp_int_t s = mp_obj_get_int(s_in);
    if (s > 0) {
        sleep_ns((uint64_t)s * 1000000000u);
    }
    #endif
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_obj, time_sleep);

static mp_obj_t time_sleep_ms(mp_obj_t ms_in) {
    mp_int_t ms = mp_obj_get_int(ms_in);
    if (ms > 0) {
        sleep_ns((uint64_t)ms * 1000000u);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_ms_obj, time_sleep_ms);

static mp_obj_t time_sleep_us(mp_obj_t us_in) {
    mp_int_t us = mp_obj_get_int(us_in);
    if (us > 0) {
        sleep_ns((uint64_t)us * 1000u);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_us_obj, time_sleep_us);

static mp_obj_t time_time(void) {
    return mp_obj_new_int_from_uint(semihosting_call(SYS_TIME, NULL));
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_obj, time_time);

static mp_obj_t time_time_ns(void) {
    uint64_t s = semihosting_call(SYS_TIME, NULL);
    uint64_t ns = elapsed_ns();
    return mp_obj_new_int_from_ull(s * 1000000000u + (ns - div64(ns, 1000000000u) * 1000000000u));
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_ns_obj, time_time_ns);

static const mp_rom_map_elem_t time_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_time) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&time_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&time_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_us), MP_ROM_PTR(&time_sleep_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_ms), MP_ROM_PTR(&time_ticks_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&time_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_cpu), MP_ROM_PTR(&time_ticks_cpu_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_diff), MP_ROM_PTR(&time_ticks_diff_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_add), MP_ROM_PTR(&time_ticks_add_obj) },
    { MP_ROM_QSTR(MP_QSTR_time), MP_ROM_PTR(&time_time_obj) },
    { MP_ROM_QSTR(MP_QSTR_time_ns), MP_ROM_PTR(&time_time_ns_obj) },
};
static MP_DEFINE_CONST_DICT(time_module_globals, time_module_globals_table);

const mp_obj_module_t mp_module_qemu_time = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&time_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_time, mp_module_qemu_time);
