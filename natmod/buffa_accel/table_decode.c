// The table decoder of buffa_accel: a message's whole decode in C, walking a
// compact form of its field table (docs/design.md section 20, "Table
// decoder"). buffa._accel_decode compiles the table of each generated class
// once, when the class registers, and puts a TableDecoder in place of the
// class's _buffa_d; the generated Python function stays as its fallback.
//
// Exactness by handing over: decoding is a fold over fields, so wherever
// this code meets something it does not do itself (a truncated or
// malformed field, invalid UTF-8, a closed enum's unknown value, a group,
// a oneof or map member, a container that is not a list, a budget about to
// run out) it stops at the start of that field and calls the Python
// decoder for the rest of the message, with the message as filled so far.
// The Python code then raises the error it always raised, or finishes. So
// that the hand-over is invisible, this code never lets the element budget
// (buffa.wire.left.n) go below zero: a field that would take it there is
// handed over before it is read, and Python's entry charge is given back
// first. Unknown fields go to buffa.wire.unknown, as in generated code.
//
// Safety: every read is bounded by the message's end, which is checked
// against the buffer's length on entry; C nesting is bounded by the
// recursion limit and by TD_NEST, past which a sub-message goes through its
// Python decoder (where MicroPython's stack check applies); allocation is
// the values decoded (as the Python code makes them).

#ifdef MICROPY_ENABLE_DYNRUNTIME
#include "py/dynruntime.h"
#else
#include "py/runtime.h"
#include "py/objstr.h"
#include "py/stackctrl.h"
#endif

#include "py/smallint.h"
#include "buffa_wire.h"
#include "buffa_accel.h"

#ifdef MICROPY_ENABLE_DYNRUNTIME
// dynruntime.h leaves this out; native modules use the default object
// representation (A), where a qstr object is the qstr shifted by 3
#define MP_OBJ_QSTR_VALUE(o) (((mp_uint_t)(o)) >> 3)
#endif

// How many levels of sub-messages one C call decodes before it hands the
// next level to the Python decoder (a Python frame, which checks the
// stack). Kept small: a native module cannot check the C stack itself.
#define TD_NEST 8

// Record modes (buffa._accel_decode writes them)
enum {
    TD_SET = 0,      // singular field: store
    TD_APPEND = 1,   // repeated field, one element
    TD_PACKED = 2,   // repeated scalar field, a packed run
    TD_HANDOVER = 3, // left to the Python decoder
    TD_MAP = 4,      // map field (scalar or text values), one entry
};
#define TD_CLOSED 0x10  // mode flag: closed enum, unknown values to Python
#define TD_ONEOF 0x20   // mode flag: member of a oneof (td_obj_t.oneofs)
#define TD_NO_QSTR ((qstr)0)  // (MP_QSTRnull, which dynruntime.h lacks)

// Field types (FieldDescriptorProto.Type)
enum {
    T_DOUBLE = 1, T_FLOAT, T_INT64, T_UINT64, T_INT32, T_FIXED64, T_FIXED32, T_BOOL,
    T_STRING, T_GROUP, T_MESSAGE, T_BYTES, T_UINT32, T_ENUM, T_SFIXED32, T_SFIXED64,
    T_SINT32, T_SINT64,
};

typedef struct _td_obj_t {
    mp_obj_base_t base;
    mp_obj_t cls;       // the message class
    mp_obj_t fallback;  // its generated Python _buffa_d
    mp_obj_t spec;      // bytes: 8-byte records sorted by tag (REC_SIZE)
    mp_obj_t fields;    // the class's field table, cls._buffa_f (its rows
                        // give names, classes, map specs: nothing copied)
    mp_obj_t oneofs;    // None, or a tuple by field index: None, or for a
                        // oneof member ("_buffa_c_<oneof>", "_buffa_v_<oneof>")
    mp_obj_t env;       // tuple: buffa._accel_decode.install's env (ENV_*)
    mp_int_t weight;    // what a message costs the element budget on entry
} td_obj_t;  // (eight words: one 32-byte heap block on a 32-bit board)

// The items of a decoder's env tuple (buffa._accel_decode.install): the
// budgets (buffa.message.left), new_instance, the type bytes, and the map
// key cache (buffa.message.keys).
enum { ENV_LEFT, ENV_NEW, ENV_BYTES, ENV_KEYS };

// A record: tag (uint32, little-endian), type, mode, field index (uint16).
#define REC_SIZE 8

#ifdef MICROPY_ENABLE_DYNRUNTIME
mp_obj_full_type_t buffa_td_type;
#define TD_TYPE ((const mp_obj_type_t *)&buffa_td_type)
#define TD_DICT_TYPE (mp_fun_table.type_dict)
#define STACK_CHECK()
#else
extern const mp_obj_type_t buffa_td_type;
#define TD_TYPE (&buffa_td_type)
#define TD_DICT_TYPE (&mp_type_dict)
#define STACK_CHECK() MP_STACK_CHECK()
#endif

// What one top-level call shares with the levels it decodes in C.
typedef struct {
    const uint8_t *b;
    mp_int_t len;
    mp_obj_t bobj;
    mp_obj_t left;  // buffa.wire.left
    mp_int_t n;     // left.n, kept here while C runs (see td_sync, td_reload)
    int nest;
} td_ctx_t;

// Counters a test reads (buffa_accel.table_counts()) to prove that the C
// path ran: messages finished in C, and hand-overs to Python.
// (not static: a native module's linker takes no static bss)
mp_uint_t buffa_td_done, buffa_td_handed;

static inline void td_sync(td_ctx_t *cx) {
    mp_store_attr(cx->left, MP_QSTR_n, MP_OBJ_NEW_SMALL_INT(cx->n));
}

static inline void td_reload(td_ctx_t *cx) {
    cx->n = mp_obj_get_int(mp_load_attr(cx->left, MP_QSTR_n));
}

// A Python decoder on (m, b, p, e, dp, 0), with the budget handed across.
// (The calls out are kept out of line: td_run's frame, which nests, stays
// small.)
static MP_NOINLINE mp_int_t call_py(td_ctx_t *cx, mp_obj_t fn, mp_obj_t m, mp_int_t p, mp_int_t e, mp_int_t dp) {
    td_sync(cx);
    mp_obj_t a[6] = { m, cx->bobj, MP_OBJ_NEW_SMALL_INT(p), MP_OBJ_NEW_SMALL_INT(e), MP_OBJ_NEW_SMALL_INT(dp),
                      MP_OBJ_NEW_SMALL_INT(0) };
    mp_obj_t r = mp_call_function_n_kw(fn, 6, 0, a);
    td_reload(cx);
    return mp_obj_get_int(r);
}

// The rest of message m, from the field at s, to the Python decoder; the
// entry charge this code took is given back, as Python takes it again.
static mp_int_t hand_over(const td_obj_t *d, td_ctx_t *cx, mp_obj_t m, mp_int_t s, mp_int_t e, mp_int_t dp) {
    buffa_td_handed++;
    cx->n += d->weight;
    return call_py(cx, d->fallback, m, s, e, dp);
}

// ---- values -----------------------------------------------------------------

static mp_obj_t new_i64(int64_t v) {
    if (v >= 0) {
        return new_u64((uint64_t)v);
    }
    if (v >= (int64_t)MP_SMALL_INT_MIN) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    if (sizeof(mp_int_t) >= 8 || v >= (int64_t)(-0x7FFFFFFF - 1)) {
        return mp_obj_new_int((mp_int_t)v);
    }
    #ifdef MICROPY_ENABLE_DYNRUNTIME
    return mp_unary_op(MP_UNARY_OP_NEGATIVE, new_u64((uint64_t)0 - (uint64_t)v));
    #else
    return mp_obj_new_int_from_ll(v);
    #endif
}

// A varint's value as the generated code converts it for field type t.
static mp_obj_t varint_value(int t, uint64_t v) {
    switch (t) {
        case T_INT32:
        case T_ENUM:
            return mp_obj_new_int((int32_t)(uint32_t)v);
        case T_UINT32:
            return mp_obj_new_int_from_uint((uint32_t)v);
        case T_INT64:
            return new_i64((int64_t)v);
        case T_SINT32: {
            uint32_t u = (uint32_t)v;
            return mp_obj_new_int((int32_t)((u >> 1) ^ (0u - (u & 1))));
        }
        case T_SINT64:
            return new_i64((int64_t)((v >> 1) ^ ((uint64_t)0 - (v & 1))));
        case T_BOOL:
            return mp_obj_new_bool(v != 0);
        default:  // T_UINT64
            return new_u64(v);
    }
}

static inline uint32_t le32(const uint8_t *s) {
    return (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
}

// A fixed-width value of type t at s (4 or 8 bytes there).
static mp_obj_t fixed_value(int t, const uint8_t *s) {
    uint32_t lo = le32(s);
    switch (t) {
        case T_FLOAT: {
            union { uint32_t i; float f; } u;
            u.i = lo;
            return mp_obj_new_float_from_f(u.f);
        }
        case T_FIXED32:
            return mp_obj_new_int_from_uint(lo);
        case T_SFIXED32:
            return mp_obj_new_int((int32_t)lo);
        default:
            break;
    }
    uint64_t v = (uint64_t)le32(s + 4) << 32 | lo;
    switch (t) {
        case T_DOUBLE: {
            // the bits only: no double arithmetic, which a float32 build's
            // native module could not link
            union { uint64_t i; double d; } u;
            u.i = v;
            return mp_obj_new_float_from_d(u.d);
        }
        case T_SFIXED64:
            return new_i64((int64_t)v);
        default:  // T_FIXED64
            return new_u64(v);
    }
}

static inline int fixed_size(int t) {
    return (t == T_DOUBLE || t == T_FIXED64 || t == T_SFIXED64) ? 8 : 4;
}

// ---- the decoder --------------------------------------------------------------

static inline mp_obj_t tuple_item(mp_obj_t t, mp_int_t i) {
    return ((mp_obj_tuple_t *)MP_OBJ_TO_PTR(t))->items[i];
}

// Field i's row of the field table (buffa.message describes the rows).
static inline mp_obj_t row_of(const td_obj_t *d, mp_int_t i) {
    return tuple_item(d->fields, i);
}

static inline bool is_list(mp_obj_t o) {
    return mp_obj_get_type(o) == &mp_type_list;
}

// A new, empty instance of d's class, with its lists and dicts (as its
// generated _buffa_n makes it).
static mp_obj_t td_new(const td_obj_t *d) {
    mp_obj_t m = mp_call_function_n_kw(tuple_item(d->env, ENV_NEW), 1, 0, &d->cls);
    const mp_obj_tuple_t *f = MP_OBJ_TO_PTR(d->fields);
    for (size_t i = 0; i < f->len; i++) {
        mp_int_t flags = MP_OBJ_SMALL_INT_VALUE(tuple_item(f->items[i], 3));
        if (flags & 5) {  // REPEATED | MAP
            mp_store_attr(m, MP_OBJ_QSTR_VALUE(tuple_item(f->items[i], 0)),
                flags & 4 ? mp_obj_new_dict(0) : mp_obj_new_list(0, NULL));
        }
    }
    return m;
}

// The record for tag t, or NULL: the one after the last match first
// (fields mostly arrive in order), else a binary search.
static const uint8_t *find(const uint8_t *recs, mp_int_t nrec, uint32_t t, mp_int_t *cursor) {
    mp_int_t i = *cursor;
    if (i < nrec && le32(recs + i * REC_SIZE) == t) {
        *cursor = i + 1;
        return recs + i * REC_SIZE;
    }
    mp_int_t lo = 0, hi = nrec;
    while (lo < hi) {
        mp_int_t mid = (lo + hi) >> 1;
        uint32_t mt = le32(recs + mid * REC_SIZE);
        if (mt == t) {
            *cursor = mid + 1;
            return recs + mid * REC_SIZE;
        }
        if (mt < t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

// A varint at *pp (first byte below e) bounded by e; false where the
// Python code would do anything but read it plainly.
static inline bool get_varint(const td_ctx_t *cx, mp_int_t *pp, mp_int_t e, uint64_t *v) {
    mp_int_t p = *pp;
    if (p >= e) {
        return false;
    }
    uint8_t c = cx->b[p];
    if (c < 0x80) {
        *v = c;
        *pp = p + 1;
        return true;
    }
    bw_int at = p + 1;
    if (bw_read_varint(cx->b, cx->len, &at, e, c, v) != BW_OK) {
        return false;
    }
    *pp = at;
    return true;
}

static mp_int_t td_run(const td_obj_t *d, td_ctx_t *cx, mp_obj_t m, mp_int_t p, mp_int_t e, mp_int_t dp);

// Sub-message payload b[p:q] into c, of the class ref; in C while the
// nesting allows, else through the class's decoder.
static void sub_message(td_ctx_t *cx, mp_obj_t ref, mp_obj_t c, mp_int_t p, mp_int_t q, mp_int_t dp) {
    mp_obj_t dec = mp_load_attr(ref, MP_QSTR__buffa_d);
    if (mp_obj_get_type(dec) == TD_TYPE) {
        const td_obj_t *sd = MP_OBJ_TO_PTR(dec);
        if (cx->nest < TD_NEST) {
            cx->nest += 1;
            td_run(sd, cx, c, p, q, dp);
            cx->nest -= 1;
            return;
        }
        dec = sd->fallback;
    }
    call_py(cx, dec, c, p, q, dp);
}

// A new instance of the message class ref, as generated code makes it.
static mp_obj_t new_message(mp_obj_t ref) {
    mp_obj_t dec = mp_load_attr(ref, MP_QSTR__buffa_d);
    if (mp_obj_get_type(dec) == TD_TYPE) {
        return td_new(MP_OBJ_TO_PTR(dec));
    }
    return mp_call_function_n_kw(mp_load_attr(ref, MP_QSTR__buffa_n), 0, 0, NULL);
}

// A str of the strict UTF-8 s[0:n] (checked by the caller). Not looked up
// among the interned strings, as str(b[p:q], "utf-8") does: that lookup
// scans the runtime's table of dynamic names and was half of a W2 decode
// in C (docs/design.md section 20, "Table decoder"). The value is equal;
// only its identity can differ, and it allocates no more than the Python
// code's slice does.
static mp_obj_t new_text(const uint8_t *s, size_t n) {
    if (n == 0) {
        return mp_obj_new_str("", 0);
    }
    #ifdef MICROPY_ENABLE_DYNRUNTIME
    // A native module has mp_obj_new_str (which looks up) and
    // mp_obj_new_bytes, no plain copy: a bytes object is laid out as a str
    // (mp_obj_str_t, the same hash), so it is made one by its type.
    mp_obj_t o = mp_obj_new_bytes(s, n);
    ((mp_obj_base_t *)MP_OBJ_TO_PTR(o))->type = &mp_type_str;
    return o;
    #else
    return mp_obj_new_str_copy(&mp_type_str, s, n);
    #endif
}

// A map key the cache (buffa.message.keys) lacks: made here, and kept
// as buffa.wire.new_key keeps it, within the cache's bounds, which
// buffa.message holds (_key_cap entries, keys of at most _key_max bytes;
// buffa.wire.map_key_cache sets them). s[0:n] is checked UTF-8.
static MP_NOINLINE mp_obj_t new_key(mp_obj_t keys, mp_obj_t c, const uint8_t *s, size_t n) {
    mp_obj_t k = new_text(s, n);
    mp_obj_t msg = buffa_module(MP_QSTR_message);
    mp_int_t cap = (mp_int_t)mp_obj_get_int(mp_load_attr(msg, MP_QSTR__key_cap));
    mp_int_t max = (mp_int_t)mp_obj_get_int(mp_load_attr(msg, MP_QSTR__key_max));
    if (cap > 0 && (mp_int_t)n <= max) {
        if ((mp_int_t)mp_obj_get_int(mp_obj_len(keys)) >= cap) {
            mp_obj_t m[2];  // keys.clear: the function, then keys
            mp_load_method(keys, MP_QSTR_clear, m);
            mp_call_function_n_kw(m[0], 1, 0, &m[1]);
        }
        mp_obj_dict_store(keys, c, k);
    }
    return k;
}

// A value of field type t (not a message) at *pp, bounded by e: false
// where the Python code would do anything but read it plainly.
static bool read_value(const td_ctx_t *cx, int t, mp_int_t *pp, mp_int_t e, mp_obj_t *out) {
    const uint8_t *b = cx->b;
    mp_int_t p = *pp;
    switch (t) {
        case T_INT32: case T_INT64: case T_UINT32: case T_UINT64: case T_SINT32: case T_SINT64:
        case T_BOOL: case T_ENUM: {
            uint64_t u;
            if (!get_varint(cx, &p, e, &u)) {
                return false;
            }
            *out = varint_value(t, u);
            break;
        }
        case T_STRING:
        case T_BYTES: {
            uint64_t n;
            mp_int_t at = p;
            if (!get_varint(cx, &p, e, &n) || p - at > 5 || n > (uint64_t)(e - p)) {
                return false;
            }
            mp_int_t q = p + (mp_int_t)n;
            if (t == T_BYTES) {
                *out = mp_obj_new_bytes(b + p, q - p);
            } else if (bw_utf8_valid(b + p, q - p)) {
                *out = new_text(b + p, q - p);
            } else {
                return false;
            }
            p = q;
            break;
        }
        default: {
            int w = fixed_size(t);
            if (e - p < w) {
                return false;
            }
            *out = fixed_value(t, b + p);
            p += w;
            break;
        }
    }
    *pp = p;
    return true;
}

static inline bool is_fixed(int t) {
    return t == T_FLOAT || t == T_DOUBLE || t == T_FIXED32 || t == T_FIXED64 || t == T_SFIXED32 || t == T_SFIXED64;
}

static inline int wire_type(int t) {
    return is_fixed(t) ? (fixed_size(t) == 8 ? 1 : 5) : (t == T_STRING || t == T_BYTES) ? 2 : 0;
}

// A packed run b[p:q] of type t appended to lst; false (nothing appended)
// where the run is malformed or the budget would run out.
static bool packed_run(td_ctx_t *cx, int t, mp_int_t p, mp_int_t q, mp_obj_t lst) {
    mp_int_t k;
    if (is_fixed(t)) {
        // (shifts: armv6m has no divide instruction, a native module no libgcc)
        int sh = fixed_size(t) == 8 ? 3 : 2;
        k = (q - p) >> sh;
        if ((k << sh) != q - p) {
            return false;
        }
    } else {
        k = bw_count_varints(cx->b, p, q);
    }
    if (k < 0 || cx->n < k || !is_list(lst)) {
        return false;
    }
    cx->n -= k;
    while (p < q) {
        mp_obj_t v;
        read_value(cx, t, &p, q, &v);  // cannot fail: checked above
        mp_obj_list_append(lst, v);
    }
    return true;
}

// One entry b[p:q] of a map whose spec (buffa.message's table rows of key
// and value) is spec, stored into dict; false (nothing stored) for anything
// the inline Python code would not read plainly.
static MP_NOINLINE bool map_entry(td_ctx_t *cx, const td_obj_t *d, mp_obj_t spec, mp_obj_t dict, mp_int_t p, mp_int_t q) {
    mp_obj_t krow = tuple_item(spec, 0), vrow = tuple_item(spec, 1);
    int kt = MP_OBJ_SMALL_INT_VALUE(tuple_item(krow, 2)), vt = MP_OBJ_SMALL_INT_VALUE(tuple_item(vrow, 2));
    mp_obj_t k = tuple_item(krow, 7), x = tuple_item(vrow, 7);
    if (cx->n < 1 || mp_obj_get_type(dict) != TD_DICT_TYPE) {
        return false;
    }
    while (p < q) {
        mp_int_t s = p;
        uint64_t t;
        if (!get_varint(cx, &p, q, &t) || p - s > 5) {
            return false;
        }
        if (t == (uint64_t)(8 | wire_type(kt))) {
            if (kt == T_STRING && (MP_OBJ_SMALL_INT_VALUE(tuple_item(krow, 3)) & 0x80)) {
                // a VERIFY key: through the key cache, as generated code
                // does (keys.get(b[p:r]), else new_key)
                uint64_t n;
                mp_int_t at = p;
                if (!get_varint(cx, &p, q, &n) || p - at > 5 || n > (uint64_t)(q - p)
                    || !bw_utf8_valid(cx->b + p, (size_t)n)) {
                    return false;
                }
                mp_int_t r = p + (mp_int_t)n;
                mp_obj_t c = mp_obj_new_bytes(cx->b + p, r - p);
                mp_obj_t keys = tuple_item(d->env, ENV_KEYS);
                if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_IN, c, keys))) {
                    k = mp_obj_subscr(keys, c, MP_OBJ_SENTINEL);
                } else {
                    k = new_key(keys, c, cx->b + p, (size_t)n);
                }
                p = r;
            } else if (!read_value(cx, kt, &p, q, &k)) {
                return false;
            }
        } else if (t == (uint64_t)(16 | wire_type(vt))) {
            if (!read_value(cx, vt, &p, q, &x)) {
                return false;
            }
        } else {
            return false;
        }
    }
    cx->n -= 1;
    mp_obj_dict_store(dict, k, x);
    return true;
}

// A field the table has no record for: as generated code, through
// buffa.wire.unknown, which keeps it (or raises); buffa.wire loads here
// if nothing has loaded it yet.
static MP_NOINLINE mp_int_t unknown_field(const td_obj_t *d, td_ctx_t *cx, mp_obj_t m, mp_int_t s, mp_int_t p,
    mp_int_t e, uint32_t t, mp_int_t dp) {
    td_sync(cx);
    mp_obj_t a[7] = { m, cx->bobj, MP_OBJ_NEW_SMALL_INT(s), MP_OBJ_NEW_SMALL_INT(p), MP_OBJ_NEW_SMALL_INT(e),
                      mp_obj_new_int_from_uint(t), MP_OBJ_NEW_SMALL_INT(dp) };
    p = mp_obj_get_int(mp_call_function_n_kw(wire_attr(MP_QSTR_unknown), 7, 0, a));
    td_reload(cx);
    return p;
}

static mp_int_t td_run(const td_obj_t *d, td_ctx_t *cx, mp_obj_t m, mp_int_t p, mp_int_t e, mp_int_t dp) {
    STACK_CHECK();
    cx->n -= d->weight;
    if (dp < 0 || cx->n < 0) {
        // Python's entry check raises the error
        return hand_over(d, cx, m, p, e, dp);
    }
    size_t nspec;  // (firmware's mp_obj_str_get_data stores the length unasked)
    const uint8_t *recs = (const uint8_t *)mp_obj_str_get_data(d->spec, &nspec);
    mp_int_t nrec = (mp_int_t)(nspec / REC_SIZE);
    mp_int_t cursor = 0;
    while (p < e) {
        mp_int_t s = p;
        uint64_t t64;
        if (!get_varint(cx, &p, e, &t64) || t64 > 0xFFFFFFFFu || p - s > 5) {
            return hand_over(d, cx, m, s, e, dp);
        }
        uint32_t t = (uint32_t)t64;
        const uint8_t *r = find(recs, nrec, t, &cursor);
        if (r == NULL) {
            p = unknown_field(d, cx, m, s, p, e, t, dp);
            continue;
        }
        int type = r[4], mode = r[5] & 0x0F, closed = r[5] & TD_CLOSED;
        mp_int_t fi = r[6] | r[7] << 8;
        mp_obj_t row = row_of(d, fi), name = tuple_item(row, 0), ref = tuple_item(row, 4);
        qstr nm = MP_OBJ_QSTR_VALUE(name);
        qstr case_q = TD_NO_QSTR, value_q = TD_NO_QSTR;
        if (r[5] & TD_ONEOF) {
            // generated code stores a member as m._buffa_c_<oneof> = its
            // name, m._buffa_v_<oneof> = its value
            mp_obj_t o = tuple_item(d->oneofs, fi);
            case_q = MP_OBJ_QSTR_VALUE(tuple_item(o, 0));
            value_q = MP_OBJ_QSTR_VALUE(tuple_item(o, 1));
        }
        if (mode == TD_HANDOVER) {
            return hand_over(d, cx, m, s, e, dp);
        }
        if (mode == TD_PACKED || mode == TD_MAP || type == T_MESSAGE) {
            // length-delimited: the payload b[p:q]
            uint64_t n;
            mp_int_t at = p;
            if (!get_varint(cx, &p, e, &n) || p - at > 5 || n > (uint64_t)(e - p)) {
                return hand_over(d, cx, m, s, e, dp);
            }
            mp_int_t q = p + (mp_int_t)n;
            if (mode == TD_PACKED) {
                if (!packed_run(cx, type, p, q, mp_load_attr(m, nm))) {
                    return hand_over(d, cx, m, s, e, dp);
                }
            } else if (mode == TD_MAP) {
                if (!map_entry(cx, d, ref, mp_load_attr(m, nm), p, q)) {
                    return hand_over(d, cx, m, s, e, dp);
                }
            } else {
                mp_obj_t c;
                if (mode == TD_APPEND) {
                    mp_obj_t lst = mp_load_attr(m, nm);
                    if (!is_list(lst)) {
                        return hand_over(d, cx, m, s, e, dp);
                    }
                    c = new_message(ref);
                    mp_obj_list_append(lst, c);
                } else if (case_q != TD_NO_QSTR) {
                    // the oneof's message if it is this member, else a new one
                    mp_obj_t is = mp_binary_op(MP_BINARY_OP_EQUAL, mp_load_attr(m, case_q), name);
                    if (mp_obj_is_true(is)) {
                        c = mp_load_attr(m, value_q);
                    } else {
                        c = new_message(ref);
                        mp_store_attr(m, case_q, name);
                        mp_store_attr(m, value_q, c);
                    }
                } else {
                    // set: merged into (generated code's m.x, else a new one)
                    c = mp_load_attr(m, nm);
                    if (c == mp_const_none) {
                        c = new_message(ref);
                        mp_store_attr(m, nm, c);
                    }
                }
                sub_message(cx, ref, c, p, q, dp - 1);
            }
            p = q;
            continue;
        }
        mp_obj_t v;
        if ((mode == TD_APPEND && cx->n < 1) || !read_value(cx, type, &p, e, &v)
            || (closed && !mp_obj_is_true(mp_binary_op(MP_BINARY_OP_IN, v, mp_load_attr(ref, MP_QSTR__buffa_n))))) {
            // malformed, a closed enum's unknown value, or an element with
            // no budget left (Python takes it below zero and raises where
            // it always did)
            return hand_over(d, cx, m, s, e, dp);
        }
        if (mode == TD_APPEND) {
            mp_obj_t lst = mp_load_attr(m, nm);
            if (!is_list(lst)) {
                return hand_over(d, cx, m, s, e, dp);
            }
            cx->n -= 1;
            mp_obj_list_append(lst, v);
        } else if (case_q != TD_NO_QSTR) {
            mp_store_attr(m, case_q, name);
            mp_store_attr(m, value_q, v);
        } else {
            mp_store_attr(m, nm, v);
        }
    }
    buffa_td_done++;
    return p;
}

// TableDecoder(cls, fallback, spec, oneofs, env, weight)
static mp_obj_t td_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 6, 6, false);
    td_obj_t *d = mp_obj_malloc(td_obj_t, type);
    d->cls = args[0];
    d->fallback = args[1];
    d->spec = args[2];
    d->fields = mp_load_attr(d->cls, MP_QSTR__buffa_f);
    d->oneofs = args[3];
    d->env = args[4];
    d->weight = mp_obj_get_int(args[5]);
    size_t len;
    const uint8_t *recs = (const uint8_t *)mp_obj_str_get_data(d->spec, &len);
    mp_int_t nrec = (mp_int_t)(len / REC_SIZE);
    // every name this code stores through must be a qstr; the records'
    // field indices must be the table's
    const mp_obj_tuple_t *f = MP_OBJ_TO_PTR(d->fields);
    for (size_t i = 0; i < f->len; i++) {
        if (!mp_obj_is_qstr(tuple_item(f->items[i], 0))) {
            mp_raise_ValueError(MP_ERROR_TEXT("field names must be interned"));
        }
    }
    for (mp_int_t i = 0; i < nrec; i++) {
        const uint8_t *r = recs + i * REC_SIZE;
        mp_uint_t fi = r[6] | r[7] << 8;
        if (fi >= f->len) {
            mp_raise_ValueError(MP_ERROR_TEXT("field index out of range"));
        }
        if (r[5] & TD_ONEOF) {
            mp_obj_t o = tuple_item(d->oneofs, fi);
            if (!mp_obj_is_qstr(tuple_item(o, 0)) || !mp_obj_is_qstr(tuple_item(o, 1))) {
                mp_raise_ValueError(MP_ERROR_TEXT("field names must be interned"));
            }
        }
    }
    return MP_OBJ_FROM_PTR(d);
}

// decoder(m, b, p, e, dp, eg) -> end: as the generated _buffa_d
static mp_obj_t td_call(mp_obj_t self_in, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    td_obj_t *d = MP_OBJ_TO_PTR(self_in);
    if (n_args != 6 || n_kw != 0 || args[5] != MP_OBJ_NEW_SMALL_INT(0) || !mp_obj_is_small_int(args[2])
        || !mp_obj_is_small_int(args[3]) || !mp_obj_is_small_int(args[4])
        || mp_obj_get_type(args[1]) != MP_OBJ_TO_PTR(tuple_item(d->env, ENV_BYTES))) {
        // a group's payload (eg), a buffer that is not bytes (slices would
        // not be bytes), anything unusual: the Python decoder
        return mp_call_function_n_kw(d->fallback, n_args, n_kw, args);
    }
    td_ctx_t cx;
    size_t len;
    cx.b = (const uint8_t *)mp_obj_str_get_data(args[1], &len);
    cx.len = len;
    mp_int_t p = MP_OBJ_SMALL_INT_VALUE(args[2]), e = MP_OBJ_SMALL_INT_VALUE(args[3]);
    if (p < 0 || e > cx.len || p > e) {
        return mp_call_function_n_kw(d->fallback, n_args, n_kw, args);
    }
    cx.bobj = args[1];
    cx.left = tuple_item(d->env, ENV_LEFT);
    td_reload(&cx);
    cx.nest = 0;
    p = td_run(d, &cx, args[0], p, e, MP_OBJ_SMALL_INT_VALUE(args[4]));
    td_sync(&cx);
    return MP_OBJ_NEW_SMALL_INT(p);
}

// decoder.fallback: the Python decoder (tests compare the two)
static void td_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_fallback) {
        dest[0] = ((td_obj_t *)MP_OBJ_TO_PTR(self_in))->fallback;
    }
}

// table_counts() -> (messages decoded in C, hand-overs to Python)
static mp_obj_t td_counts(void) {
    mp_obj_t t[2] = { mp_obj_new_int_from_uint(buffa_td_done), mp_obj_new_int_from_uint(buffa_td_handed) };
    return mp_obj_new_tuple(2, t);
}
MP_DEFINE_CONST_FUN_OBJ_0(buffa_td_counts_obj, td_counts);

#ifdef MICROPY_ENABLE_DYNRUNTIME
void buffa_td_init(void) {
    buffa_td_type.base.type = (void *)&mp_type_type;
    buffa_td_type.flags = MP_TYPE_FLAG_NONE;
    buffa_td_type.name = MP_QSTR_TableDecoder;
    MP_OBJ_TYPE_SET_SLOT(&buffa_td_type, make_new, td_make_new, 0);
    MP_OBJ_TYPE_SET_SLOT(&buffa_td_type, call, td_call, 1);
    MP_OBJ_TYPE_SET_SLOT(&buffa_td_type, attr, td_attr, 2);
    mp_store_global(MP_QSTR_TableDecoder, MP_OBJ_FROM_PTR(&buffa_td_type));
    mp_store_global(MP_QSTR_table_counts, MP_OBJ_FROM_PTR(&buffa_td_counts_obj));
}
#else
MP_DEFINE_CONST_OBJ_TYPE(
    buffa_td_type,
    MP_QSTR_TableDecoder,
    MP_TYPE_FLAG_NONE,
    make_new, td_make_new,
    call, td_call,
    attr, td_attr
    );
#endif
