// The byte-level core of buffa_accel: varints, strict UTF-8, slice bounds.
// No MicroPython API here (only <stdint.h> and <stddef.h>), so that the
// host harness check_host.c compiles these same functions under
// AddressSanitizer and UndefinedBehaviorSanitizer with exact-size heap
// buffers, which catch a read one byte past the end (tools/sanitize.sh).
#ifndef BUFFA_WIRE_H
#define BUFFA_WIRE_H

#include <stddef.h>
#include <stdint.h>

typedef ptrdiff_t bw_int;

// What bw_read_varint found; *at is where (the DecodeError's offset, or the
// position it could not read for BW_INDEX).
enum {
    BW_OK = 0,
    BW_TRUNCATED,  // "truncated varint" at *at
    BW_OVERFLOW,   // "varint overflows 64 bits" at *at (kind "varint")
    BW_TOO_LONG,   // "varint longer than 10 bytes" at *at (kind "varint")
    BW_INDEX,      // position *at is outside the buffer: IndexError
};

// (uint64_t)c << s for a 7-bit c and 0 <= s < 64, in 32-bit halves: a
// variable 64-bit shift is a libgcc call on armv6m, and a native module
// links no libgcc.
static inline uint64_t bw_shl64(uint32_t c, int s) {
    if (s >= 32) {
        return (uint64_t)(c << (s - 32)) << 32;
    }
    uint32_t hi = s ? c >> (32 - s) : 0;
    return (uint64_t)hi << 32 | (uint32_t)(c << s);
}

// buffa.wire.varint's loop: continue the varint whose first byte v0 (> 127)
// was at *at - 1, reading b[*at] while *at < e. On BW_OK, *v is the value and
// *at the position after it. Never reads outside b[0:len].
static inline int bw_read_varint(const uint8_t *b, bw_int len, bw_int *at, bw_int e, uint32_t v0, uint64_t *v) {
    uint64_t r = v0 & 0x7F;
    int s = 7;
    bw_int p = *at;
    while (p < e) {
        if (p < 0 || p >= len) {
            *at = p;
            return BW_INDEX;
        }
        uint8_t c = b[p];
        p += 1;
        if (c < 0x80) {
            if (s == 63 && c > 1) {
                *at = p - 1;
                return BW_OVERFLOW;
            }
            *v = r | bw_shl64(c, s);
            *at = p;
            return BW_OK;
        }
        if (s == 63) {
            *at = p - 1;
            return BW_TOO_LONG;
        }
        r |= bw_shl64(c & 0x7F, s);
        s += 7;
    }
    *at = p;
    return BW_TRUNCATED;
}

// How many varints the packed run b[p:q] holds, or -1 if it does not hold
// whole ones only, each as bw_read_varint accepts it (at most ten bytes,
// the tenth carrying bit 63 only). Reads only b[p:q] (0 <= p <= q <= len).
static inline bw_int bw_count_varints(const uint8_t *b, bw_int p, bw_int q) {
    bw_int k = 0;
    while (p < q) {
        bw_int s = p;
        while (b[p] & 0x80) {
            p += 1;
            if (p >= q || p - s > 9) {
                return -1;
            }
        }
        if (p - s == 9 && b[p] > 1) {
            return -1;
        }
        p += 1;
        k += 1;
    }
    return k;
}

// Strict UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
// U+10FFFF), the check CPython's codec makes. Reads only s[0:n].
static inline int bw_utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i += 1;
            continue;
        }
        size_t k;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0) {
                lo = 0xA0;
            } else if (c == 0xED) {
                hi = 0x9F;
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0) {
                lo = 0x90;
            } else if (c == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return 0;
        }
        if (n - i <= k) {
            return 0;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            return 0;
        }
        for (size_t j = 2; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) {
                return 0;
            }
        }
        i += k + 1;
    }
    return 1;
}

// [*p, *q) as Python's b[p:q] takes it from a buffer of len bytes: negative
// indices count from the end, both are clamped to [0, len], empty if q <= p.
static inline void bw_clamp(bw_int len, bw_int *p, bw_int *q) {
    bw_int a = *p, z = *q;
    if (a < 0) {
        a += len;
        if (a < 0) {
            a = 0;
        }
    }
    if (z < 0) {
        z += len;
        if (z < 0) {
            z = 0;
        }
    }
    if (a > len) {
        a = len;
    }
    if (z > len) {
        z = len;
    }
    if (z < a) {
        z = a;
    }
    *p = a;
    *q = z;
}

// v as a varint into out (at least 10 bytes); returns its length.
static inline size_t bw_put_varint(uint8_t *out, uint64_t v) {
    size_t n = 0;
    while (v > 0x7F) {
        out[n++] = (uint8_t)(v & 0x7F) | 0x80;
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

// v as a varint into b[p:] (b holds len bytes); returns the end, or -1
// where it does not fit (nothing is written then).
static inline bw_int bw_put_varint_at(uint8_t *b, size_t len, size_t p, uint64_t v) {
    uint8_t tmp[10];
    size_t n = bw_put_varint(tmp, v);
    if (p > len || n > len - p) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        b[p + i] = tmp[i];
    }
    return (bw_int)(p + n);
}

// Bytes the varint of v takes.
static inline bw_int bw_usize(uint64_t v) {
    bw_int n = 1;
    while (v > 0x7F) {
        v >>= 7;
        n += 1;
    }
    return n;
}

#endif
