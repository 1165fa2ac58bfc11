// What buffa_accel.c and table_encode.c share (one module, two sources).
#ifndef BUFFA_ACCEL_H
#define BUFFA_ACCEL_H

// An int object in [-2**63, 2**64) as its low 64 bits and its sign (big
// ints only; buffa_accel.c).
bool big_to_u64(mp_obj_t o, uint64_t *out, bool *neg);

// table_encode.c: buffa_accel.encoder and encode_counts
extern const mp_obj_fun_builtin_var_t buffa_encoder_obj;
extern const mp_obj_fun_builtin_fixed_t buffa_encode_counts_obj;
#ifdef MICROPY_ENABLE_DYNRUNTIME
void table_encode_init(void);
#endif

#endif
