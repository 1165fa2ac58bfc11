// buffa_accel's table encoder: a message's size and write passes in C,
// driven by a compact program compiled from the class's field table
// (lib/buffa/_accel_encode.py builds it when a generated module registers
// its classes). buffa_accel.encoder(cls, prog, names, size_fn, write_fn)
// returns two callables that take the place of cls._buffa_z and
// cls._buffa_w and keep the generated Python functions as their fallback.
//
// The rule that keeps behaviour the Python code's: the C code raises
// nothing of its own. Whatever it does not take (a value of another type,
// an int out of its type's range, a buffer it cannot write, a sub-message
// of another class) hands the whole message to the Python function: the
// size pass is pure apart from the _buffa_s and _buffa_k<number> caches,
// which the Python pass stores again with the same values, and a write
// restarts from the message's first byte, over the same bytes. So every
// EncodeError, TypeError and IndexError comes from the generated code, as
// without the accelerator. What does propagate from here are the
// exceptions of the calls the Python code makes too, at the same point:
// attribute reads (AttributeError from Message.__getattr__) and the size
// and write functions of sub-messages.
//
// Field order, presence and byte layout follow tools/buffa_gen (size.py,
// write.py, maps.py): fields by number, unknown fields (_buffa_u) last.
// Sub-messages nest in C up to MAX_DEPTH levels; below that the child's
// Python function runs (a frame the runtime checks against its stack
// limit), and its own children come back here.

#ifdef MICROPY_ENABLE_DYNRUNTIME
#include "py/dynruntime.h"
#include "py/objstr.h"
#else
#include "py/runtime.h"
#include "py/objint.h"
#include "py/objstr.h"
#include "py/objlist.h"
#include "py/objtype.h"
#endif

#include "py/smallint.h"
#include "buffa_wire.h"
#include "buffa_accel.h"

// FieldDescriptorProto.Type numbers (tools/buffa_gen/tables.py)
enum {
    T_DOUBLE = 1, T_FLOAT, T_INT64, T_UINT64, T_INT32, T_FIXED64, T_FIXED32, T_BOOL,
    T_STRING, T_GROUP, T_MESSAGE, T_BYTES, T_UINT32, T_ENUM, T_SFIXED32, T_SFIXED64,
    T_SINT32, T_SINT64,
};

// How a field is stored and when it is written (a program row's mode)
enum {
    M_IMPLICIT,  // singular, written when true (floats: unless +0.0)
    M_PRESENCE,  // singular, written unless None
    M_ONEOF,     // written when the oneof's case (_buffa_c_<oneof>) is this field
    M_REPEATED,  // a list, one tag per element
    M_PACKED,    // a list, one length-delimited run
    M_MAP,       // a dict of scalar (or text) keys and values
    M_COUNT
};

// A program row, 8 bytes: type, mode, a, r, tag (4 bytes, little-endian).
// a: index in names of the attribute's name (a oneof: of _buffa_c_<oneof>,
// then _buffa_v_<oneof> and the field's attribute name, its case value).
// r: a message field's class (index in names); a packed varint run's
// _buffa_k<number> name (index); a map's key type. A map's type is its
// value's (a message value's class follows the map's name in names); its
// tag, like a packed run's, is the length-delimited one.
#define ROW 8

// Sub-message levels handled in C before one goes through Python.
#define MAX_DEPTH 8

// wire type of each field type
static const uint8_t wire_type[19] = { 0, 1, 5, 0, 0, 0, 1, 5, 0, 2, 3, 2, 2, 0, 0, 5, 1, 0, 0 };

// a message, length-delimited or a group
#define IS_MSG(t) ((t) == T_MESSAGE || (t) == T_GROUP)

typedef struct {
    mp_obj_base_t base;
    const mp_obj_type_t *cls;
    mp_obj_t py;        // the generated function: the fallback
    mp_obj_t prog_obj;  // bytes
    mp_obj_t names_obj; // tuple
    mp_uint_t kind;     // K_SIZE or K_WRITE
} enc_t;  // (six words: one 32-byte heap block on a 32-bit board; the
          // program's and names' data are read through their objects)

// the names tuple's items
#define NAMES(e) (((const mp_obj_tuple_t *)MP_OBJ_TO_PTR((e)->names_obj))->items)

// the program's rows (a bytes object, as accel_encoder checked), and their
// number
static inline const uint8_t *prog_rows(const enc_t *e, size_t *nrows) {
    size_t len;
    const uint8_t *r = (const uint8_t *)mp_obj_str_get_data(e->prog_obj, &len);
    *nrows = len / ROW;
    return r;
}

enum { K_SIZE, K_WRITE };

// What the module keeps between calls, in one struct that is not static:
// a native module's variables cannot be (mpy_ld links no static data).
// count_c, count_py: messages whose pass ran in C, and those handed to
// Python (buffa_accel.encode_counts(): the tests' proof that C runs). In a
// native module also its type and the builtin types it compares with,
// looked up once at load (table_encode_init).
struct buffa_enc_state {
    mp_uint_t count_c, count_py;
    #ifdef MICROPY_ENABLE_DYNRUNTIME
    mp_obj_full_type_t enc_type;
    const mp_obj_type_t *t_int, *t_float, *t_bytes, *t_bytearray;
    #endif
};
struct buffa_enc_state buffa_enc_g;
#define count_c buffa_enc_g.count_c
#define count_py buffa_enc_g.count_py

#ifdef MICROPY_ENABLE_DYNRUNTIME
#define enc_type buffa_enc_g.enc_type
#define t_int buffa_enc_g.t_int
#define t_float buffa_enc_g.t_float
#define t_bytes buffa_enc_g.t_bytes
#define t_bytearray buffa_enc_g.t_bytearray
#define TYPE_INT t_int
#define TYPE_FLOAT t_float
#define TYPE_BYTES t_bytes
#define TYPE_BYTEARRAY t_bytearray
#define TYPE_DICT (mp_fun_table.type_dict)
#define TYPE_ENC ((const mp_obj_type_t *)&enc_type)
// The runtime's qstr of a qstr object (dynruntime.h hides the macro, as a
// native module's own MP_QSTR_ names are linked at load; an object holds
// the runtime's number, in the object representation native code assumes).
#define QSTR_OF(o) ((qstr)(((mp_uint_t)(o)) >> 3))
#else
extern const mp_obj_type_t buffa_enc_type;
#define TYPE_INT (&mp_type_int)
#define TYPE_FLOAT (&mp_type_float)
#define TYPE_BYTES (&mp_type_bytes)
#define TYPE_BYTEARRAY (&mp_type_bytearray)
#define TYPE_DICT (&mp_type_dict)
#define TYPE_ENC (&buffa_enc_type)
#define QSTR_OF(o) MP_OBJ_QSTR_VALUE(o)
#endif

// o is one of these callables, of that kind
static bool is_enc(mp_obj_t o, uint8_t kind) {
    return !mp_obj_is_small_int(o) && mp_obj_get_type(o) == TYPE_ENC && ((enc_t *)MP_OBJ_TO_PTR(o))->kind == kind;
}

// ---- values -----------------------------------------------------------------

// One value in its wire form: a varint's 64-bit value (zigzag applied,
// negative ints sign-extended), a fixed-width value's bits, or text or
// bytes. n: its encoded size without the tag; zero: an implicit-presence
// field holding it is not written (the generated code's `if v:`, and for
// floats `v or negzero(v)`).
typedef struct {
    uint64_t u;
    const uint8_t *d;
    size_t n;
    bool zero;
} val_t;

// o as a 64-bit two's complement value; false unless an int in
// [-2**63, 2**64). *neg: o < 0.
static bool get_int(mp_obj_t o, uint64_t *u, bool *neg) {
    if (mp_obj_is_small_int(o)) {
        mp_int_t i = MP_OBJ_SMALL_INT_VALUE(o);
        *u = (uint64_t)(int64_t)i;
        *neg = i < 0;
        return true;
    }
    return mp_obj_get_type(o) == TYPE_INT && big_to_u64(o, u, neg);
}

// What get_val must find out: G_ZERO whether an implicit-presence field
// is written, G_BITS a fixed-width value's bits (all but a float's are
// cheap to find anyway), G_CHECK neither (the size pass of a repeated or
// map field only checks).
enum { G_CHECK = 0, G_BITS = 1, G_ZERO = 2 };

// o, a float, as the bits of a double (dbl) or a float, as struct.pack
// writes them (G_BITS); *zero: o is +0.0 at the runtime's own precision
// (G_ZERO).
static bool get_float(mp_obj_t o, bool dbl, int how, uint64_t *bits, bool *zero) {
    if (mp_obj_is_small_int(o) || mp_obj_get_type(o) != TYPE_FLOAT) {
        return false;
    }
    if (!how) {
        return true;
    }
    #if defined(MICROPY_ENABLE_DYNRUNTIME) && MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_DOUBLE
    // A native module for a port whose float size it does not know
    // (armv6m, armv7m), or with float only (armv7emsp, where a conversion
    // to or from double is a libgcc call): the runtime converts, as for
    // struct.pack ('d' from a float32 runtime is exact).
    uint64_t d[1];
    if (dbl || (how & G_ZERO)) {
        mp_binary_set_val_array('d', d, 0, o);
        *zero = d[0] == 0;
        *bits = d[0];
    }
    if (!dbl) {
        uint32_t f[1];
        mp_binary_set_val_array('f', f, 0, o);
        *bits = f[0];
    }
    #else
    // a native module with doubles (x64: exact for a float32 runtime too),
    // or firmware
    union {
        double d;
        uint64_t u;
    } ud;
    union {
        float f;
        uint32_t u;
    } uf;
    #ifdef MICROPY_ENABLE_DYNRUNTIME
    ud.d = mp_obj_get_float_to_d(o);
    #else
    mp_float_t v = mp_obj_float_get(o);
    #if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
    if (!dbl) {
        uf.f = v;
        *zero = uf.u == 0;
        *bits = uf.u;
        return true;
    }
    #endif
    ud.d = (double)v;
    #endif
    *zero = ud.u == 0;
    if (dbl) {
        *bits = ud.u;
    } else {
        uf.f = (float)ud.d;
        *bits = uf.u;
    }
    #endif
    return true;
}

// o as a value of field type t (how: G_CHECK, G_BITS, G_ZERO); false for
// anything the generated code would treat otherwise than its plain case
// (another type, out of range).
static bool get_val(uint8_t t, mp_obj_t o, val_t *v, int how) {
    uint64_t u;
    bool neg;
    switch (t) {
        case T_DOUBLE:
        case T_FLOAT:
            if (!get_float(o, t == T_DOUBLE, how, &v->u, &v->zero)) {
                return false;
            }
            v->n = t == T_DOUBLE ? 8 : 4;
            return true;
        case T_BOOL:
            if (o != mp_const_true && o != mp_const_false) {
                return false;
            }
            v->u = o == mp_const_true;
            v->zero = !v->u;
            v->n = 1;
            return true;
        case T_STRING:
        case T_BYTES: {
            if (t == T_STRING ? !mp_obj_is_str(o)
                : (mp_obj_is_small_int(o) || (mp_obj_get_type(o) != TYPE_BYTES && mp_obj_get_type(o) != TYPE_BYTEARRAY))) {
                return false;
            }
            mp_buffer_info_t bi;
            mp_get_buffer_raise(o, &bi, MP_BUFFER_READ);
            v->d = bi.buf;
            v->u = bi.len;
            v->zero = bi.len == 0;
            v->n = bw_usize(bi.len) + bi.len;
            return true;
        }
        default:
            break;
    }
    if (!get_int(o, &u, &neg)) {
        return false;
    }
    switch (t) {
        case T_INT32:
        case T_ENUM:
        case T_SFIXED32:
        case T_SINT32:
            if (neg ? u < 0xFFFFFFFF80000000u : u > 0x7FFFFFFFu) {
                return false;
            }
            break;
        case T_UINT32:
        case T_FIXED32:
            if (neg || u > 0xFFFFFFFFu) {
                return false;
            }
            break;
        case T_INT64:
        case T_SFIXED64:
        case T_SINT64:
            if (!neg && u > 0x7FFFFFFFFFFFFFFFu) {
                return false;
            }
            break;
        default:  // UINT64, FIXED64
            if (neg) {
                return false;
            }
            break;
    }
    v->zero = u == 0;
    if (t == T_SINT32) {
        u = ((u << 1) ^ (neg ? 0xFFFFFFFFu : 0)) & 0xFFFFFFFFu;
    } else if (t == T_SINT64) {
        u = (u << 1) ^ (neg ? 0xFFFFFFFFFFFFFFFFu : 0);
    } else if (t == T_SFIXED32) {
        u &= 0xFFFFFFFFu;
    }
    switch (wire_type[t]) {
        case 0:
            v->n = bw_usize(u);
            break;
        case 1:
            v->n = 8;
            break;
        default:
            v->n = 4;
            break;
    }
    v->u = u;
    return true;
}

static bool is_list(mp_obj_t o) {
    return !mp_obj_is_small_int(o) && mp_obj_get_type(o) == &mp_type_list;
}

static bool is_dict(mp_obj_t o) {
    return !mp_obj_is_small_int(o) && mp_obj_get_type(o) == TYPE_DICT;
}

static uint32_t row_tag(const uint8_t *r) {
    return r[4] | (uint32_t)r[5] << 8 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 24;
}

// The value of row r in message m, or MP_OBJ_NULL when the field is not
// written (not the oneof's case, None where presence is explicit).
static mp_obj_t field_value(const enc_t *e, const uint8_t *r, mp_obj_t m) {
    const mp_obj_t *nm = NAMES(e) + r[2];
    if (r[1] == M_ONEOF) {
        mp_obj_t c = mp_load_attr(m, QSTR_OF(nm[0]));
        if (c != nm[2] && (c == mp_const_none || !mp_obj_is_true(mp_binary_op(MP_BINARY_OP_EQUAL, c, nm[2])))) {
            return MP_OBJ_NULL;
        }
        return mp_load_attr(m, QSTR_OF(nm[1]));
    }
    mp_obj_t v = mp_load_attr(m, QSTR_OF(nm[0]));
    if (v == mp_const_none && r[1] != M_IMPLICIT) {
        return MP_OBJ_NULL;
    }
    return v;
}


// ---- size -------------------------------------------------------------------

static mp_int_t size_msg(const enc_t *e, mp_obj_t m, int depth);
static mp_int_t sub_size(mp_obj_t cls, mp_obj_t x, int depth, bool cache);

// The payload size of entry k: x of the map of row r, or -1. A message
// value's size is cached on it (sub_size); other values are in *vv.
static mp_int_t entry_size(const enc_t *e, const uint8_t *r, mp_obj_t k, mp_obj_t x, val_t *kv, val_t *vv, int depth) {
    if (!get_val(r[3], k, kv, G_BITS)) {
        return -1;
    }
    if (r[0] == T_MESSAGE) {
        mp_int_t z = sub_size(NAMES(e)[r[2] + 1], x, depth, true);
        if (z < 0) {
            return -1;
        }
        return 2 + kv->n + bw_usize(z) + z;
    }
    if (!get_val(r[0], x, vv, G_BITS)) {
        return -1;
    }
    return 2 + kv->n + vv->n;
}

// The size of sub-message x of class cls (cached on it as _buffa_s unless
// a group's), or -1 to hand its parent over (x not of that class).
static mp_int_t sub_size(mp_obj_t cls, mp_obj_t x, int depth, bool cache) {
    if (mp_obj_is_small_int(x) || mp_obj_get_type(x) != MP_OBJ_TO_PTR(cls)) {
        return -1;
    }
    mp_obj_t f = mp_load_attr(cls, MP_QSTR__buffa_z);
    mp_int_t k = -1;
    bool c = is_enc(f, K_SIZE);
    if (c && depth < MAX_DEPTH) {
        k = size_msg(MP_OBJ_TO_PTR(f), x, depth + 1);
        if (k >= 0) {
            count_c += 1;
        }
    }
    if (k < 0) {
        count_py += c;
        mp_obj_t r = mp_call_function_n_kw(c ? ((enc_t *)MP_OBJ_TO_PTR(f))->py : f, 1, 0, &x);
        if (!mp_obj_is_small_int(r) || MP_OBJ_SMALL_INT_VALUE(r) < 0) {
            return -1;
        }
        k = MP_OBJ_SMALL_INT_VALUE(r);
    }
    if (cache) {
        mp_store_attr(x, MP_QSTR__buffa_s, MP_OBJ_NEW_SMALL_INT(k));
    }
    return k;
}

// Size of message m (of e's class), or -1 to hand it to the Python function.
static mp_int_t size_msg(const enc_t *e, mp_obj_t m, int depth) {
    if (mp_obj_is_small_int(m) || mp_obj_get_type(m) != e->cls) {
        return -1;
    }
    mp_int_t n = 0;
    val_t v, kv;
    size_t nrows;
    const uint8_t *r = prog_rows(e, &nrows);
    for (size_t i = 0; i < nrows; i++, r += ROW) {
        uint8_t t = r[0];
        mp_int_t tl = bw_usize(row_tag(r));
        mp_obj_t o = field_value(e, r, m);
        if (o == MP_OBJ_NULL) {
            continue;
        }
        if (r[1] <= M_ONEOF) {
            if (IS_MSG(t)) {
                if (o == mp_const_none && r[1] == M_IMPLICIT) {
                    continue;  // (`if v:`)
                }
                mp_int_t k = sub_size(NAMES(e)[r[3]], o, depth, t == T_MESSAGE);
                if (k < 0) {
                    return -1;
                }
                n += t == T_MESSAGE ? tl + bw_usize(k) + k : 2 * tl + k;
            } else {
                if (!get_val(t, o, &v, r[1] == M_IMPLICIT ? G_ZERO : G_CHECK)) {
                    return -1;
                }
                if (!(r[1] == M_IMPLICIT && v.zero)) {
                    n += tl + v.n;
                }
            }
            continue;
        }
        if (r[1] == M_MAP) {
            if (!is_dict(o)) {
                return -1;
            }
            mp_map_t *map = &((mp_obj_dict_t *)MP_OBJ_TO_PTR(o))->map;
            for (size_t j = 0; j < map->alloc; j++) {
                if (!mp_map_slot_is_filled(map, j)) {
                    continue;
                }
                mp_int_t y = entry_size(e, r, map->table[j].key, map->table[j].value, &kv, &v, depth);
                if (y < 0) {
                    return -1;
                }
                n += tl + bw_usize(y) + y;
                // (a message value's Python size function may have run)
                map = &((mp_obj_dict_t *)MP_OBJ_TO_PTR(o))->map;
            }
            continue;
        }
        if (!is_list(o)) {
            return -1;
        }
        size_t len;
        mp_obj_t *items;
        mp_obj_get_array(o, &len, &items);
        if (r[1] == M_PACKED) {
            if (!len) {
                continue;
            }
            mp_int_t k = 0;
            for (size_t j = 0; j < len; j++) {
                if (!get_val(t, items[j], &v, G_CHECK)) {
                    return -1;
                }
                k += v.n;
            }
            if (wire_type[t] == 0 && t != T_BOOL) {
                mp_store_attr(m, QSTR_OF(NAMES(e)[r[3]]), MP_OBJ_NEW_SMALL_INT(k));
            }
            n += tl + bw_usize(k) + k;
            continue;
        }
        // M_REPEATED
        for (size_t j = 0; j < len; j++) {
            if (IS_MSG(t)) {
                mp_int_t k = sub_size(NAMES(e)[r[3]], items[j], depth, t == T_MESSAGE);
                if (k < 0) {
                    return -1;
                }
                n += t == T_MESSAGE ? tl + bw_usize(k) + k : 2 * tl + k;
                // the child's Python size function may have run: the list
                // may be another now
                mp_obj_get_array(o, &len, &items);
            } else {
                if (!get_val(t, items[j], &v, G_CHECK)) {
                    return -1;
                }
                n += tl + v.n;
            }
        }
    }
    mp_obj_t u = mp_load_attr(m, MP_QSTR__buffa_u);
    if (u != mp_const_none) {
        if (!get_val(T_BYTES, u, &v, G_CHECK)) {
            return -1;
        }
        n += v.u;
    }
    return n;
}

// ---- write ------------------------------------------------------------------

typedef struct {
    mp_obj_t obj;  // what the Python functions are given
    uint8_t *b;
    size_t len;
} wbuf_t;

// Refresh the buffer's address and length after Python code ran (nothing
// in it resizes the buffer, but nothing here relies on that).
static bool wbuf_get(wbuf_t *w) {
    mp_buffer_info_t bi;
    if (!mp_get_buffer(w->obj, &bi, MP_BUFFER_WRITE)) {
        return false;
    }
    w->b = bi.buf;
    w->len = bi.len;
    return true;
}

static mp_int_t put_varint(const wbuf_t *w, mp_int_t p, uint64_t u) {
    return bw_put_varint_at(w->b, w->len, (size_t)p, u);
}

// value v of field type t at p (no tag); the end, or -1
static mp_int_t put_val(const wbuf_t *w, mp_int_t p, uint8_t t, const val_t *v) {
    switch (wire_type[t]) {
        case 0:
            return put_varint(w, p, v->u);
        case 2: {
            p = put_varint(w, p, v->u);
            if (p < 0 || (size_t)p + v->u > w->len) {
                return -1;
            }
            for (size_t i = 0; i < v->u; i++) {
                w->b[p + i] = v->d[i];
            }
            return p + v->u;
        }
        default: {
            size_t n = wire_type[t] == 1 ? 8 : 4;
            if ((size_t)p + n > w->len) {
                return -1;
            }
            uint64_t u = v->u;
            for (size_t i = 0; i < n; i++) {
                w->b[p + i] = (uint8_t)u;
                u >>= 8;
            }
            return p + n;
        }
    }
}

static mp_int_t write_msg(const enc_t *e, mp_obj_t m, wbuf_t *w, mp_int_t p, int depth);
static mp_int_t sub_write(mp_obj_t cls, mp_obj_t x, wbuf_t *w, mp_int_t p, int depth, bool group);

// sub_write for row r's message or group x, and a group's end tag
static mp_int_t put_sub(const enc_t *e, const uint8_t *r, mp_obj_t x, wbuf_t *w, mp_int_t p, int depth) {
    p = sub_write(NAMES(e)[r[3]], x, w, p, depth, r[0] == T_GROUP);
    if (p >= 0 && r[0] == T_GROUP) {
        p = put_varint(w, p, row_tag(r) + 1);
    }
    return p;
}

// Write sub-message x of class cls at p, its tag written: the length
// (_buffa_s) and the message, or a group's fields alone. The end, or -1 to
// hand the parent over.
static mp_int_t sub_write(mp_obj_t cls, mp_obj_t x, wbuf_t *w, mp_int_t p, int depth, bool group) {
    if (mp_obj_is_small_int(x) || mp_obj_get_type(x) != MP_OBJ_TO_PTR(cls)) {
        return -1;
    }
    if (!group) {
        mp_obj_t s = mp_load_attr(x, MP_QSTR__buffa_s);
        if (!mp_obj_is_small_int(s) || MP_OBJ_SMALL_INT_VALUE(s) < 0) {
            return -1;
        }
        p = put_varint(w, p, MP_OBJ_SMALL_INT_VALUE(s));
        if (p < 0) {
            return -1;
        }
    }
    mp_obj_t f = mp_load_attr(cls, MP_QSTR__buffa_w);
    bool c = is_enc(f, K_WRITE);
    if (c && depth < MAX_DEPTH) {
        mp_int_t q = write_msg(MP_OBJ_TO_PTR(f), x, w, p, depth + 1);
        if (q >= 0) {
            count_c += 1;
            return q;
        }
    }
    count_py += c;
    if (w->obj == MP_OBJ_NULL) {
        // encode() writes straight into a bytes object's data: the Python
        // function is given a bytearray over the same bytes.
        w->obj = mp_obj_new_bytearray_by_ref(w->len, w->b);
    }
    mp_obj_t a[3] = { x, w->obj, MP_OBJ_NEW_SMALL_INT(p) };
    mp_obj_t r = mp_call_function_n_kw(c ? ((enc_t *)MP_OBJ_TO_PTR(f))->py : f, 3, 0, a);
    if (!mp_obj_is_small_int(r) || MP_OBJ_SMALL_INT_VALUE(r) < 0 || !wbuf_get(w)) {
        return -1;
    }
    return MP_OBJ_SMALL_INT_VALUE(r);
}

// Write message m (of e's class) at p: the end, or -1 to hand it to the
// Python function (which starts again at p).
static mp_int_t write_msg(const enc_t *e, mp_obj_t m, wbuf_t *w, mp_int_t p, int depth) {
    if (mp_obj_is_small_int(m) || mp_obj_get_type(m) != e->cls) {
        return -1;
    }
    val_t v, kv;
    size_t nrows;
    const uint8_t *r = prog_rows(e, &nrows);
    for (size_t i = 0; i < nrows && p >= 0; i++, r += ROW) {
        uint8_t t = r[0];
        uint32_t tag = row_tag(r);
        mp_obj_t o = field_value(e, r, m);
        if (o == MP_OBJ_NULL) {
            continue;
        }
        if (r[1] <= M_ONEOF) {
            if (IS_MSG(t)) {
                if (o != mp_const_none || r[1] != M_IMPLICIT) {
                    p = put_varint(w, p, tag);
                    if (p >= 0) {
                        p = put_sub(e, r, o, w, p, depth);
                    }
                }
            } else if (!get_val(t, o, &v, r[1] == M_IMPLICIT ? G_ZERO | G_BITS : G_BITS)) {
                return -1;
            } else if (!(r[1] == M_IMPLICIT && v.zero)) {
                p = put_varint(w, p, tag);
                if (p >= 0) {
                    p = put_val(w, p, t, &v);
                }
            }
            continue;
        }
        if (r[1] == M_MAP) {
            if (!is_dict(o)) {
                return -1;
            }
            mp_map_t *map = &((mp_obj_dict_t *)MP_OBJ_TO_PTR(o))->map;
            uint8_t kt = r[3];
            for (size_t j = 0; j < map->alloc && p >= 0; j++) {
                if (!mp_map_slot_is_filled(map, j)) {
                    continue;
                }
                mp_obj_t x = map->table[j].value;
                mp_int_t y;
                if (t == T_MESSAGE) {
                    // the size pass cached the value's size
                    if (mp_obj_is_small_int(x) || mp_obj_get_type(x) != MP_OBJ_TO_PTR(NAMES(e)[r[2] + 1])) {
                        return -1;
                    }
                    mp_obj_t s = mp_load_attr(x, MP_QSTR__buffa_s);
                    if (!get_val(kt, map->table[j].key, &kv, G_BITS) || !mp_obj_is_small_int(s) || MP_OBJ_SMALL_INT_VALUE(s) < 0) {
                        return -1;
                    }
                    y = MP_OBJ_SMALL_INT_VALUE(s);
                    y += 2 + kv.n + bw_usize(y);
                } else {
                    y = entry_size(e, r, map->table[j].key, x, &kv, &v, depth);
                    if (y < 0) {
                        return -1;
                    }
                }
                p = put_varint(w, p, tag);
                p = p < 0 ? p : put_varint(w, p, y);
                p = p < 0 ? p : put_varint(w, p, 0x08 | wire_type[kt]);
                p = p < 0 ? p : put_val(w, p, kt, &kv);
                p = p < 0 ? p : put_varint(w, p, 0x10 | wire_type[t]);
                if (t == T_MESSAGE) {
                    p = p < 0 ? p : sub_write(NAMES(e)[r[2] + 1], x, w, p, depth, false);
                    map = &((mp_obj_dict_t *)MP_OBJ_TO_PTR(o))->map;
                } else {
                    p = p < 0 ? p : put_val(w, p, t, &v);
                }
            }
            continue;
        }
        if (!is_list(o)) {
            return -1;
        }
        size_t len;
        mp_obj_t *items;
        mp_obj_get_array(o, &len, &items);
        if (r[1] == M_PACKED) {
            if (!len) {
                continue;
            }
            // the run's length: what the size pass kept for a varint run
            // (as the generated code reads it), else from the length
            mp_int_t k = len * (wire_type[t] == 1 ? 8 : wire_type[t] == 5 ? 4 : 1);
            if (wire_type[t] == 0 && t != T_BOOL) {
                mp_obj_t c = mp_load_attr(m, QSTR_OF(NAMES(e)[r[3]]));
                if (!mp_obj_is_small_int(c) || MP_OBJ_SMALL_INT_VALUE(c) < 0) {
                    return -1;
                }
                k = MP_OBJ_SMALL_INT_VALUE(c);
            }
            p = put_varint(w, p, tag);
            p = p < 0 ? p : put_varint(w, p, k);
            // a value the C code does not take hands the message over
            // from its start
            for (size_t j = 0; j < len && p >= 0; j++) {
                if (!get_val(t, items[j], &v, G_BITS)) {
                    return -1;
                }
                p = put_val(w, p, t, &v);
            }
            continue;
        }
        for (size_t j = 0; j < len && p >= 0; j++) {
            p = put_varint(w, p, tag);
            if (p < 0) {
                break;
            }
            if (IS_MSG(t)) {
                p = put_sub(e, r, items[j], w, p, depth);
                mp_obj_get_array(o, &len, &items);
            } else if (!get_val(t, items[j], &v, G_BITS)) {
                return -1;
            } else {
                p = put_val(w, p, t, &v);
            }
        }
    }
    if (p < 0) {
        return -1;
    }
    mp_obj_t u = mp_load_attr(m, MP_QSTR__buffa_u);
    if (u != mp_const_none) {
        if (!get_val(T_BYTES, u, &v, G_CHECK)) {
            return -1;
        }
        if ((size_t)p + v.u > w->len) {
            return -1;
        }
        for (size_t i = 0; i < v.u; i++) {
            w->b[p + i] = v.d[i];
        }
        p += v.u;
    }
    return p;
}

// ---- the callables ----------------------------------------------------------

// cls._buffa_z(m) -> size, cls._buffa_w(m, buf, p) -> end
static mp_obj_t enc_call(mp_obj_t self_in, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    enc_t *e = MP_OBJ_TO_PTR(self_in);
    if (n_kw == 0 && n_args == (e->kind == K_WRITE ? 3 : 1)) {
        if (e->kind == K_SIZE) {
            mp_int_t n = size_msg(e, args[0], 0);
            if (n >= 0) {
                count_c += 1;
                return mp_obj_new_int(n);
            }
        } else if (mp_obj_is_small_int(args[2]) && MP_OBJ_SMALL_INT_VALUE(args[2]) >= 0) {
            wbuf_t w = { args[1], NULL, 0 };
            if (wbuf_get(&w)) {
                mp_int_t p = write_msg(e, args[0], &w, MP_OBJ_SMALL_INT_VALUE(args[2]), 0);
                if (p >= 0) {
                    count_c += 1;
                    return MP_OBJ_NEW_SMALL_INT(p);
                }
            }
        }
    }
    count_py += 1;
    return mp_call_function_n_kw(e->py, n_args, n_kw, args);
}

// encode(m) -> m's bytes, or None where its class has no C encoder or the
// C passes handed it over (buffa.message then runs the Python sequence:
// size, bytearray, write, bytes). Sized and written in C straight into the
// data of a new bytes object: one allocation of the message's size where
// the sequence makes two and a copy, which on a fragmented heap cost more
// than both passes (docs/design.md section 20, "One allocation").
static mp_obj_t accel_encode(mp_obj_t m) {
    if (mp_obj_is_small_int(m)) {
        return mp_const_none;
    }
    mp_obj_t f = mp_load_attr(MP_OBJ_FROM_PTR(mp_obj_get_type(m)), MP_QSTR__buffa_z);
    if (!is_enc(f, K_SIZE)) {
        return mp_const_none;
    }
    const enc_t *e = MP_OBJ_TO_PTR(f);
    mp_int_t n = size_msg(e, m, 0);
    if (n < 0) {
        return mp_const_none;
    }
    count_c += 1;
    // Whatever the write pass allocates (a sub-message's Python write
    // function, the bytearray it is given) may run a collection: both
    // blocks stay reachable from this frame, which the collector scans.
    mp_obj_str_t *o = mp_obj_malloc(mp_obj_str_t, TYPE_BYTES);
    uint8_t *d = m_new(uint8_t, (size_t)n + 1);
    wbuf_t w = { MP_OBJ_NULL, d, (size_t)n };
    mp_int_t p = write_msg(e, m, &w, 0, 0);
    if (p != n || w.b != d || w.len != (size_t)n) {
        return mp_const_none;
    }
    count_c += 1;
    d[n] = 0;  // as every bytes object the runtime makes
    o->hash = 0;  // 0: computed when first asked for (py/runtime.c)
    o->len = n;
    o->data = d;
    return MP_OBJ_FROM_PTR(o);
}
MP_DEFINE_CONST_FUN_OBJ_1(buffa_encode_obj, accel_encode);

// encoder.fallback: the generated function (tests compare with it)
static void enc_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_fallback) {
        dest[0] = ((enc_t *)MP_OBJ_TO_PTR(self_in))->py;
    }
}

// Check a program against its names before anything runs it: a row the C
// code could misread is refused (ValueError), and the class keeps Python.
static void check_program(const uint8_t *prog, size_t n, const mp_obj_t *names, size_t nn) {
    for (size_t i = 0; i + ROW <= n; i += ROW) {
        const uint8_t *r = prog + i;
        uint8_t t = r[0], mode = r[1];
        bool ok = t >= T_DOUBLE && t <= T_SINT64 && mode < M_COUNT && !(t == T_GROUP && mode == M_MAP);
        size_t na = mode == M_ONEOF ? 3 : mode == M_MAP && t == T_MESSAGE ? 2 : 1;
        ok = ok && (size_t)r[2] + na <= nn;
        for (size_t j = 0; ok && j < na; j++) {
            ok = j == 1 && mode == M_MAP ? mp_obj_get_type(names[r[2] + 1]) == &mp_type_type : mp_obj_is_qstr(names[r[2] + j]);
        }
        if (ok && IS_MSG(t) && mode != M_MAP) {
            ok = mode != M_PACKED && r[3] < nn && mp_obj_get_type(names[r[3]]) == &mp_type_type;
        } else if (ok && mode == M_PACKED && wire_type[t] == 0 && t != T_BOOL) {
            ok = r[3] < nn && mp_obj_is_qstr(names[r[3]]);
        } else if (ok && mode == M_MAP) {
            uint8_t kt = r[3];
            ok = kt >= T_DOUBLE && kt <= T_SINT64 && kt != T_GROUP && kt != T_MESSAGE;
        }
        if (ok && mode == M_PACKED) {
            ok = wire_type[t] != 2 && wire_type[t] != 3;
        }
        if (!ok) {
            mp_raise_ValueError(MP_ERROR_TEXT("bad encoder program"));
        }
    }
}

static mp_obj_t new_enc(mp_obj_t cls, mp_obj_t prog, mp_obj_t names, mp_obj_t py, mp_uint_t kind) {
    enc_t *e = mp_obj_malloc(enc_t, TYPE_ENC);
    e->cls = MP_OBJ_TO_PTR(cls);
    e->py = py;
    e->prog_obj = prog;
    e->names_obj = names;
    e->kind = kind;
    return MP_OBJ_FROM_PTR(e);
}

// encoder(cls, prog, names, size_fn, write_fn) -> (size, write)
static mp_obj_t accel_encoder(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    mp_obj_t cls = args[0], prog = args[1], names = args[2];
    if (mp_obj_get_type(cls) != &mp_type_type || mp_obj_get_type(prog) != TYPE_BYTES
        || mp_obj_get_type(names) != &mp_type_tuple) {
        mp_raise_ValueError(MP_ERROR_TEXT("bad encoder program"));
    }
    mp_buffer_info_t bi;
    mp_get_buffer_raise(prog, &bi, MP_BUFFER_READ);
    size_t nn;
    mp_obj_t *items;
    mp_obj_get_array(names, &nn, &items);
    if (bi.len % ROW) {
        mp_raise_ValueError(MP_ERROR_TEXT("bad encoder program"));
    }
    check_program(bi.buf, bi.len, items, nn);
    mp_obj_t pair[2] = {
        new_enc(cls, prog, names, args[3], K_SIZE),
        new_enc(cls, prog, names, args[4], K_WRITE),
    };
    return mp_obj_new_tuple(2, pair);
}
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(buffa_encoder_obj, 5, 5, accel_encoder);

// encode_counts() -> (messages sized or written in C, handed to Python)
static mp_obj_t accel_encode_counts(void) {
    mp_obj_t t[2] = { mp_obj_new_int_from_uint(count_c), mp_obj_new_int_from_uint(count_py) };
    return mp_obj_new_tuple(2, t);
}
MP_DEFINE_CONST_FUN_OBJ_0(buffa_encode_counts_obj, accel_encode_counts);

#ifdef MICROPY_ENABLE_DYNRUNTIME
void table_encode_init(void) {
    enc_type.base.type = (void *)&mp_type_type;
    enc_type.flags = MP_TYPE_FLAG_NONE;
    enc_type.name = MP_QSTR_encoder;
    MP_OBJ_TYPE_SET_SLOT(&enc_type, call, enc_call, 0);
    MP_OBJ_TYPE_SET_SLOT(&enc_type, attr, enc_attr, 1);
    t_int = &mp_type_int;
    t_float = (const mp_obj_type_t *)MP_OBJ_TO_PTR(mp_load_global(MP_QSTR_float));
    t_bytes = &mp_type_bytes;
    t_bytearray = &mp_type_bytearray;
}
#else
MP_DEFINE_CONST_OBJ_TYPE(buffa_enc_type, MP_QSTR_encoder, MP_TYPE_FLAG_NONE, call, enc_call, attr, enc_attr);
#endif
