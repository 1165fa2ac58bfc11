// What buffa_accel.c, table_decode.c and table_encode.c share (one module,
// three sources).
#ifndef BUFFA_ACCEL_H
#define BUFFA_ACCEL_H

// An int object in [-2**63, 2**64) as its low 64 bits and its sign (big
// ints only; buffa_accel.c).
bool big_to_u64(mp_obj_t o, uint64_t *out, bool *neg);

// An unsigned 64-bit value as an int object, a big int where it must be
// (buffa_accel.c).
mp_obj_t new_u64(uint64_t v);

// The package buffa (name MP_QSTR_buffa) or one of its modules, and an
// attribute of buffa.wire, importing them where needed (buffa_accel.c).
mp_obj_t buffa_module(qstr name);
mp_obj_t wire_attr(qstr name);

// table_encode.c: buffa_accel.encoder and encode_counts
extern const mp_obj_fun_builtin_var_t buffa_encoder_obj;
extern const mp_obj_fun_builtin_fixed_t buffa_encode_counts_obj;
extern const mp_obj_fun_builtin_fixed_t buffa_encode_obj;
#ifdef MICROPY_ENABLE_DYNRUNTIME
void table_encode_init(void);
#endif

#endif
