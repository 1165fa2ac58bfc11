// buffa_accel: C versions of the wire-format helpers that generated code
// calls on its hot paths (buffa.wire: varint, tag, length, put_varint, vsize,
// strict_utf8, string). One source, two builds:
//   - a native module (.mpy for one arch), built with MicroPython's
//     py/dynruntime.mk (natmod/buffa_accel/Makefile, `make natmod ARCH=...`);
//   - a user C module compiled into firmware (micropython.mk beside this file).
// buffa.wire replaces its Python functions with these when the module imports
// (the hook block at the end of lib/buffa/wire.py) and keeps them otherwise.
//
// Behaviour is the Python code's, byte for byte and error for error: the same
// DecodeError (message, offset, kind) for malformed input, IndexError where
// the Python code indexes past a buffer, and every case the C code does not
// handle itself (values that are not ints, out-of-range values) goes to the
// Python function, which raises what it always raised. No function here
// recurses; each allocates its result, and at most a few ints of its own
// (a 64-bit value on a 32-bit port, as a native module) or the exception;
// every read or write is checked against the buffer's length. The
// byte-level work is in buffa_wire.h, which check_host.c runs under the
// sanitizers (tools/sanitize.sh).

#ifdef MICROPY_ENABLE_DYNRUNTIME
#include "py/dynruntime.h"
#else
#include "py/runtime.h"
#include "py/objint.h"
#include "py/objstr.h"
#endif

#include "py/smallint.h"
#include "buffa_wire.h"
#include "buffa_accel.h"

// ---- errors and the Python fallbacks (cold paths) ---------------------------

// The package buffa, or its module `name` (message, wire), imported here
// if no Python code has yet: a program whose messages this module decodes
// and encodes may never load buffa.wire. An import rather than a pointer
// kept here: a native module has no root the garbage collector scans, and
// the import of a loaded module is a dict lookup.
mp_obj_t buffa_module(qstr name) {
    mp_obj_t pkg = mp_import_name(MP_QSTR_buffa, mp_const_none, MP_OBJ_NEW_SMALL_INT(0));
    return name == MP_QSTR_buffa ? pkg : mp_import_from(pkg, name);
}

// buffa.wire's attribute `name` (a Python function kept as the fallback).
mp_obj_t wire_attr(qstr name) {
    return mp_load_attr(buffa_module(MP_QSTR_wire), name);
}

// raise buffa.DecodeError(msg, offset, kind); kind TRUNCATED (empty):
// the default, "truncated"
// (string literals only: their lengths come from sizeof, as a native
// module has no libc to call strlen in)
#define decode_error(msg, offset, kind) \
    decode_error_((msg), sizeof(msg) - 1, (offset), (kind), sizeof(kind) - 1)
#define TRUNCATED ""

static void decode_error_(const char *msg, size_t len, mp_int_t offset, const char *kind, size_t klen) {
    mp_obj_t args[3];
    size_t n = 2;
    args[0] = mp_obj_new_str(msg, len);
    args[1] = mp_obj_new_int(offset);
    if (klen) {
        args[2] = mp_obj_new_str(kind, klen);
        n = 3;
    }
    nlr_raise(mp_call_function_n_kw(mp_load_attr(buffa_module(MP_QSTR_buffa), MP_QSTR_DecodeError), n, 0, args));
}

// b[i] past the end of b: what the Python code's indexing raises.
static void index_error(void) {
    mp_obj_t msg = mp_obj_new_str("index out of range", 18);
    nlr_raise(mp_call_function_n_kw(MP_OBJ_FROM_PTR(&mp_type_IndexError), 1, 0, &msg));
}

static mp_obj_t py_fallback(qstr name, size_t n_args, const mp_obj_t *args) {
    return mp_call_function_n_kw(wire_attr(name), n_args, 0, args);
}

// ---- integers ---------------------------------------------------------------

// An unsigned 64-bit value as an int object (a big int where it must be).
mp_obj_t new_u64(uint64_t v) {
    if (v <= (uint64_t)MP_SMALL_INT_MAX) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    if (sizeof(mp_uint_t) >= 8 || v <= (mp_uint_t)-1) {
        return mp_obj_new_int_from_uint((mp_uint_t)v);
    }
    #ifdef MICROPY_ENABLE_DYNRUNTIME
    // a 32-bit port, as a native module (whose function table has no
    // 64-bit int maker): (hi << 32) | lo, with ints the runtime makes
    mp_obj_t hi = mp_obj_new_int_from_uint((mp_uint_t)(v >> 32));
    mp_obj_t lo = mp_obj_new_int_from_uint((mp_uint_t)(v & 0xFFFFFFFFu));
    hi = mp_binary_op(MP_BINARY_OP_LSHIFT, hi, MP_OBJ_NEW_SMALL_INT(32));
    return mp_binary_op(MP_BINARY_OP_OR, hi, lo);
    #else
    return mp_obj_new_int_from_ull(v);
    #endif
}

static bool is_big_int(mp_obj_t o) {
    return !mp_obj_is_small_int(o) && mp_obj_get_type(o) == &mp_type_int;
}

// An int object in [-2**63, 2**64) as its low 64 bits (two's complement)
// and its sign; false for other ints. Only for big ints; small ints are
// read directly.
#if !defined(MICROPY_ENABLE_DYNRUNTIME) && MICROPY_LONGINT_IMPL == MICROPY_LONGINT_IMPL_MPZ
// In firmware: from the big int's digits (magnitude and sign).
bool big_to_u64(mp_obj_t o, uint64_t *out, bool *neg) {
    const mpz_t *z = &((mp_obj_int_t *)MP_OBJ_TO_PTR(o))->mpz;
    uint64_t m = 0;
    for (size_t i = z->len; i-- > 0;) {
        if (m >> (64 - MPZ_DIG_SIZE)) {
            return false;  // 2**64 or more from zero
        }
        m = m << MPZ_DIG_SIZE | z->dig[i];
    }
    if (z->neg && m > 0x8000000000000000u) {
        return false;  // below -2**63
    }
    *out = z->neg ? (uint64_t)0 - m : m;
    *neg = z->neg && m;
    return true;
}
#else
// In a native module (no access to the int's digits): with the runtime's
// int operations.
static mp_uint_t low32(mp_obj_t o) {
    // o & 0xFFFFFFFF as a machine word (o an int)
    mp_obj_t m = mp_binary_op(MP_BINARY_OP_AND, o, mp_obj_new_int_from_uint(0xFFFFFFFFu));
    return mp_obj_get_int_truncated(m);
}

bool big_to_u64(mp_obj_t o, uint64_t *out, bool *neg) {
    mp_obj_t top = mp_binary_op(MP_BINARY_OP_RSHIFT, o, MP_OBJ_NEW_SMALL_INT(63));
    if (!mp_obj_is_small_int(top)) {
        return false;
    }
    mp_int_t t = MP_OBJ_SMALL_INT_VALUE(top);
    if (t != 0 && t != 1 && t != -1) {
        return false;
    }
    uint64_t lo = low32(o);
    uint64_t hi = low32(mp_binary_op(MP_BINARY_OP_RSHIFT, o, MP_OBJ_NEW_SMALL_INT(32)));
    *out = hi << 32 | lo;
    *neg = t == -1;
    return true;
}
#endif

// ---- decoding ---------------------------------------------------------------

typedef struct {
    const uint8_t *b;
    mp_int_t len;  // bytes readable at b
} buf_t;

static void get_buf(mp_obj_t o, buf_t *r) {
    mp_buffer_info_t bi;
    mp_get_buffer_raise(o, &bi, MP_BUFFER_READ);
    r->b = bi.buf;
    r->len = bi.len;
}

// bw_read_varint with the Python code's exceptions: returns the position
// after the varint and sets *v.
static mp_int_t read_varint(const buf_t *bf, mp_int_t p, mp_int_t e, mp_uint_t v0, uint64_t *v) {
    bw_int at = p;
    switch (bw_read_varint(bf->b, bf->len, &at, e, (uint32_t)v0, v)) {
        case BW_OK:
            return at;
        case BW_INDEX:
            index_error();
            break;
        case BW_OVERFLOW:
            decode_error("varint overflows 64 bits", at, "varint");
            break;
        case BW_TOO_LONG:
            decode_error("varint longer than 10 bytes", at, "varint");
            break;
    }
    decode_error("truncated varint", at, TRUNCATED);
    return at;  // not reached
}

static mp_obj_t pair(mp_obj_t a, mp_obj_t b) {
    mp_obj_t t[2] = { a, b };
    return mp_obj_new_tuple(2, t);
}

// varint(b, p, e, v) -> (value, p)
static mp_obj_t accel_varint(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    buf_t bf;
    get_buf(args[0], &bf);
    uint64_t v;
    mp_int_t p = read_varint(&bf, mp_obj_get_int(args[1]), mp_obj_get_int(args[2]),
        mp_obj_get_int_truncated(args[3]), &v);
    return pair(new_u64(v), MP_OBJ_NEW_SMALL_INT(p));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(accel_varint_obj, 4, 4, accel_varint);

// tag(b, p, e, v) -> (tag, p): at most five bytes and 32 bits
static mp_obj_t accel_tag(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    buf_t bf;
    get_buf(args[0], &bf);
    mp_int_t s = mp_obj_get_int(args[1]);
    uint64_t t;
    mp_int_t p = read_varint(&bf, s, mp_obj_get_int(args[2]), mp_obj_get_int_truncated(args[3]), &t);
    if (t > 0xFFFFFFFFu || p - s > 4) {
        decode_error("invalid tag", s - 1, "tag");
    }
    return pair(new_u64(t), MP_OBJ_NEW_SMALL_INT(p));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(accel_tag_obj, 4, 4, accel_tag);

// length(b, p, e, v) -> (start, end) of the payload
static mp_obj_t accel_length(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    buf_t bf;
    get_buf(args[0], &bf);
    mp_int_t s = mp_obj_get_int(args[1]);
    mp_int_t e = mp_obj_get_int(args[2]);
    uint64_t n;
    mp_int_t p = read_varint(&bf, s, e, mp_obj_get_int_truncated(args[3]), &n);
    if (p - s > 4) {
        decode_error("length prefix longer than 5 bytes", s - 1, "varint");
    }
    // at most five bytes: n < 2**35, and p + n is compared without overflow
    if ((uint64_t)(e - p) < n || e < p) {
        decode_error("length past the end", p, TRUNCATED);
    }
    return pair(MP_OBJ_NEW_SMALL_INT(p), mp_obj_new_int(p + (mp_int_t)n));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(accel_length_obj, 4, 4, accel_length);

// strict_utf8(b, p, q): raise DecodeError (kind "utf8", at p) unless b[p:q]
// is strict UTF-8
static mp_obj_t accel_strict_utf8(mp_obj_t b, mp_obj_t p_in, mp_obj_t q_in) {
    buf_t bf;
    get_buf(b, &bf);
    bw_int p0 = mp_obj_get_int(p_in), p = p0, q = mp_obj_get_int(q_in);
    bw_clamp(bf.len, &p, &q);
    if (!bw_utf8_valid(bf.b + p, q - p)) {
        decode_error("invalid UTF-8 in string field", p0, "utf8");
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(accel_strict_utf8_obj, accel_strict_utf8);

// utf8_ok(b, p, q) -> bool: the check alone (wire._valid_utf8)
static mp_obj_t accel_utf8_ok(mp_obj_t b, mp_obj_t p_in, mp_obj_t q_in) {
    buf_t bf;
    get_buf(b, &bf);
    bw_int p = mp_obj_get_int(p_in), q = mp_obj_get_int(q_in);
    bw_clamp(bf.len, &p, &q);
    return mp_obj_new_bool(bw_utf8_valid(bf.b + p, q - p));
}
static MP_DEFINE_CONST_FUN_OBJ_3(accel_utf8_ok_obj, accel_utf8_ok);

// string(b, p, q) -> str: b[p:q] validated
static mp_obj_t accel_string(mp_obj_t b, mp_obj_t p_in, mp_obj_t q_in) {
    buf_t bf;
    get_buf(b, &bf);
    bw_int p0 = mp_obj_get_int(p_in), p = p0, q = mp_obj_get_int(q_in);
    bw_clamp(bf.len, &p, &q);
    if (!bw_utf8_valid(bf.b + p, q - p)) {
        decode_error("invalid UTF-8 in string field", p0, "utf8");
    }
    return mp_obj_new_str((const char *)bf.b + p, q - p);
}
static MP_DEFINE_CONST_FUN_OBJ_3(accel_string_obj, accel_string);

// ---- encoding ---------------------------------------------------------------

// put_varint(buf, p, v) -> end
static mp_obj_t accel_put_varint(mp_obj_t buf, mp_obj_t p_in, mp_obj_t v_in) {
    uint64_t v;
    bool neg;
    if (mp_obj_is_small_int(v_in)) {
        v = (uint64_t)(int64_t)MP_OBJ_SMALL_INT_VALUE(v_in);
    } else if (!is_big_int(v_in) || !big_to_u64(v_in, &v, &neg)) {
        // not an int, or one beyond 64 bits: as the Python code does it
        mp_obj_t a[3] = { buf, p_in, v_in };
        return py_fallback(MP_QSTR__py_put_varint, 3, a);
    }
    mp_buffer_info_t bi;
    mp_get_buffer_raise(buf, &bi, MP_BUFFER_WRITE);
    mp_int_t p = mp_obj_get_int(p_in);
    bw_int end = p < 0 ? -1 : bw_put_varint_at((uint8_t *)bi.buf, bi.len, (size_t)p, v);
    if (end < 0) {
        index_error();
    }
    return MP_OBJ_NEW_SMALL_INT(end);
}
static MP_DEFINE_CONST_FUN_OBJ_3(accel_put_varint_obj, accel_put_varint);

// vsize(v, hi=0xFFFFFFFFFFFFFFFF) -> bytes; the ints of a field type's range
// here, everything else (out of range, not an int) in the Python vsize
static mp_obj_t accel_vsize(size_t n_args, const mp_obj_t *args) {
    mp_obj_t v_in = args[0];
    uint64_t hi = 0xFFFFFFFFFFFFFFFFu;
    bool neg;
    if (n_args > 1) {
        mp_obj_t h = args[1];
        if (mp_obj_is_small_int(h) && MP_OBJ_SMALL_INT_VALUE(h) >= 0) {
            hi = (uint64_t)MP_OBJ_SMALL_INT_VALUE(h);
        } else if (!is_big_int(h) || !big_to_u64(h, &hi, &neg) || neg) {
            goto python;
        }
        if (hi != 0x7FFFFFFFu && hi != 0xFFFFFFFFu && hi != 0x7FFFFFFFFFFFFFFFu && hi != 0xFFFFFFFFFFFFFFFFu) {
            goto python;
        }
    }
    int64_t sv;
    uint64_t uv;
    if (mp_obj_is_small_int(v_in)) {
        sv = MP_OBJ_SMALL_INT_VALUE(v_in);
        uv = (uint64_t)sv;
        if (sv >= 0) {
            if (uv > hi) {
                goto python;
            }
            return MP_OBJ_NEW_SMALL_INT(bw_usize(uv));
        }
    } else if (is_big_int(v_in) && big_to_u64(v_in, &uv, &neg)) {
        if (!neg) {
            if (uv > hi) {
                goto python;
            }
            return MP_OBJ_NEW_SMALL_INT(bw_usize(uv));
        }
        sv = (int64_t)uv;
    } else {
        goto python;
    }
    // negative: ten bytes for a signed type at or above its minimum
    if ((hi == 0x7FFFFFFFu && sv >= -(int64_t)0x80000000) || hi == 0x7FFFFFFFFFFFFFFFu) {
        return MP_OBJ_NEW_SMALL_INT(10);
    }
python:
    return py_fallback(MP_QSTR__py_vsize, n_args, args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(accel_vsize_obj, 1, 2, accel_vsize);

// ---- the module -------------------------------------------------------------

// the table decoder (table_decode.c)
extern const mp_obj_fun_builtin_fixed_t buffa_td_counts_obj;

#ifdef MICROPY_ENABLE_DYNRUNTIME

void buffa_td_init(void);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_varint, MP_OBJ_FROM_PTR(&accel_varint_obj));
    mp_store_global(MP_QSTR_tag, MP_OBJ_FROM_PTR(&accel_tag_obj));
    mp_store_global(MP_QSTR_length, MP_OBJ_FROM_PTR(&accel_length_obj));
    mp_store_global(MP_QSTR_strict_utf8, MP_OBJ_FROM_PTR(&accel_strict_utf8_obj));
    mp_store_global(MP_QSTR_utf8_ok, MP_OBJ_FROM_PTR(&accel_utf8_ok_obj));
    mp_store_global(MP_QSTR_string, MP_OBJ_FROM_PTR(&accel_string_obj));
    mp_store_global(MP_QSTR_put_varint, MP_OBJ_FROM_PTR(&accel_put_varint_obj));
    mp_store_global(MP_QSTR_vsize, MP_OBJ_FROM_PTR(&accel_vsize_obj));
    table_encode_init();
    mp_store_global(MP_QSTR_encoder, MP_OBJ_FROM_PTR(&buffa_encoder_obj));
    mp_store_global(MP_QSTR_encode_counts, MP_OBJ_FROM_PTR(&buffa_encode_counts_obj));
    mp_store_global(MP_QSTR_encode, MP_OBJ_FROM_PTR(&buffa_encode_obj));
    buffa_td_init();
    MP_DYNRUNTIME_INIT_EXIT
}

#else

extern const mp_obj_type_t buffa_td_type;

static const mp_rom_map_elem_t buffa_accel_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_buffa_accel) },
    { MP_ROM_QSTR(MP_QSTR_varint), MP_ROM_PTR(&accel_varint_obj) },
    { MP_ROM_QSTR(MP_QSTR_tag), MP_ROM_PTR(&accel_tag_obj) },
    { MP_ROM_QSTR(MP_QSTR_length), MP_ROM_PTR(&accel_length_obj) },
    { MP_ROM_QSTR(MP_QSTR_strict_utf8), MP_ROM_PTR(&accel_strict_utf8_obj) },
    { MP_ROM_QSTR(MP_QSTR_utf8_ok), MP_ROM_PTR(&accel_utf8_ok_obj) },
    { MP_ROM_QSTR(MP_QSTR_string), MP_ROM_PTR(&accel_string_obj) },
    { MP_ROM_QSTR(MP_QSTR_put_varint), MP_ROM_PTR(&accel_put_varint_obj) },
    { MP_ROM_QSTR(MP_QSTR_vsize), MP_ROM_PTR(&accel_vsize_obj) },
    { MP_ROM_QSTR(MP_QSTR_encoder), MP_ROM_PTR(&buffa_encoder_obj) },
    { MP_ROM_QSTR(MP_QSTR_encode_counts), MP_ROM_PTR(&buffa_encode_counts_obj) },
    { MP_ROM_QSTR(MP_QSTR_encode), MP_ROM_PTR(&buffa_encode_obj) },
    { MP_ROM_QSTR(MP_QSTR_TableDecoder), MP_ROM_PTR(&buffa_td_type) },
    { MP_ROM_QSTR(MP_QSTR_table_counts), MP_ROM_PTR(&buffa_td_counts_obj) },
};
static MP_DEFINE_CONST_DICT(buffa_accel_globals, buffa_accel_globals_table);

const mp_obj_module_t buffa_accel_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&buffa_accel_globals,
};

MP_REGISTER_MODULE(MP_QSTR_buffa_accel, buffa_accel_module);

#endif
