// Host harness for buffa_wire.h, the byte-level core of buffa_accel, built
// with -fsanitize=address,undefined by tools/sanitize.sh. Each input file
// (the fuzz corpus) is copied into a heap buffer of exactly its size, so
// AddressSanitizer reports any read past its end, and every core function
// runs over it at every start position and end:
//   - bw_read_varint against a plain reference decoder (value, status and
//     position must agree), then bw_put_varint / bw_usize of each value
//     read must give back the same value;
//   - bw_count_varints on every slice up to 24 bytes, against the
//     reference decoder run along the slice;
//   - bw_utf8_valid on every slice up to 8 bytes, and on the whole input;
//   - bw_clamp with indices around and beyond the buffer.
// Exits 1 on the first disagreement; the sanitizers abort on theirs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffa_wire.h"

static int failures;

static void fail(const char *what, const char *file, long a, long b) {
    fprintf(stderr, "check_host: %s: %s (%ld, %ld)\n", file, what, a, b);
    failures++;
}

// The reference: the same rules, written as the Python code is.
static int ref_varint(const uint8_t *b, bw_int len, bw_int *at, bw_int e, uint32_t v0, uint64_t *v) {
    uint64_t r = v0 & 0x7F;
    bw_int p = *at;
    for (int s = 7; p < e; s += 7) {
        if (p < 0 || p >= len) {
            *at = p;
            return BW_INDEX;
        }
        uint8_t c = b[p++];
        if (c < 0x80) {
            if (s == 63 && c > 1) {
                *at = p - 1;
                return BW_OVERFLOW;
            }
            *v = r | ((uint64_t)c << s);
            *at = p;
            return BW_OK;
        }
        if (s == 63) {
            *at = p - 1;
            return BW_TOO_LONG;
        }
        r |= (uint64_t)(c & 0x7F) << s;
    }
    *at = p;
    return BW_TRUNCATED;
}

static void check_varints(const char *file, const uint8_t *b, bw_int len) {
    for (bw_int p = 0; p <= len; p++) {
        uint32_t v0 = 0x80 | (p > 0 ? b[p - 1] : 0);
        // ends before, at and past the buffer's (an end past it must stop
        // at the buffer: BW_INDEX, never a read)
        for (bw_int e = p; e <= len + 2 && e <= p + 12; e++) {
            bw_int at = p, rat = p;
            uint64_t v = 0, rv = 0;
            int st = bw_read_varint(b, len, &at, e, v0, &v);
            int rst = ref_varint(b, len, &rat, e, v0, &rv);
            if (st != rst || at != rat || (st == BW_OK && v != rv)) {
                fail("bw_read_varint disagrees with the reference", file, (long)p, (long)e);
                continue;
            }
            if (st == BW_OK) {
                uint8_t out[10];
                size_t n = bw_put_varint(out, v);
                bw_int back = 1;
                uint64_t w = 0;
                if ((bw_int)n != bw_usize(v)) {
                    fail("bw_usize != length written", file, (long)p, (long)n);
                }
                if (out[0] & 0x80) {
                    if (bw_read_varint(out, (bw_int)n, &back, (bw_int)n, out[0], &w) != BW_OK || w != v) {
                        fail("put_varint does not read back", file, (long)p, (long)n);
                    }
                } else if (out[0] != v) {
                    fail("one-byte varint does not read back", file, (long)p, (long)n);
                }
                // into an exact-size block at each position: the same bytes
                // where they fit, -1 and nothing written where they do not
                uint8_t *x = malloc(n + 1);
                for (size_t at = 0; at <= n + 1; at++) {
                    bw_int end = bw_put_varint_at(x, n + 1, at, v);
                    if (at + n <= n + 1 ? end != (bw_int)(at + n) || memcmp(x + at, out, n) : end != -1) {
                        fail("bw_put_varint_at", file, (long)p, (long)at);
                    }
                }
                free(x);
            }
        }
    }
}

static bw_int ref_count(const uint8_t *b, bw_int len, bw_int p, bw_int q) {
    bw_int k = 0;
    while (p < q) {
        uint8_t c = b[p++];
        if (c & 0x80) {
            uint64_t v;
            if (ref_varint(b, len, &p, q, c, &v) != BW_OK) {
                return -1;
            }
        }
        k++;
    }
    return k;
}

static void check_counts(const char *file, const uint8_t *b, bw_int len) {
    for (bw_int p = 0; p <= len; p++) {
        for (bw_int q = p; q <= len && q <= p + 24; q++) {
            if (bw_count_varints(b, p, q) != ref_count(b, len, p, q)) {
                fail("bw_count_varints disagrees with the reference", file, (long)p, (long)q);
            }
        }
    }
}

static void check_utf8(const uint8_t *b, bw_int len) {
    volatile int sink = bw_utf8_valid(b, (size_t)len);
    for (bw_int p = 0; p <= len; p++) {
        for (bw_int q = p; q <= len && q <= p + 8; q++) {
            sink += bw_utf8_valid(b + p, (size_t)(q - p));
        }
    }
    (void)sink;
}

static void check_clamp(const char *file, bw_int len) {
    const bw_int d[] = { -3, -1, 0, 1, 2 };
    for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 5; j++) {
            bw_int ps[] = { d[i], len + d[i], -len + d[i] };
            bw_int qs[] = { d[j], len + d[j], -len + d[j] };
            for (int a = 0; a < 3; a++) {
                for (int z = 0; z < 3; z++) {
                    bw_int p = ps[a], q = qs[z];
                    bw_clamp(len, &p, &q);
                    if (p < 0 || q < p || q > len) {
                        fail("bw_clamp out of the buffer", file, (long)p, (long)q);
                    }
                }
            }
        }
    }
}

int main(int argc, char **argv) {
    int files = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        // exactly n bytes (malloc(0) may return NULL: one byte then, and
        // the functions are told the length is 0)
        uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
        if (!b || (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n)) {
            fprintf(stderr, "check_host: cannot read %s\n", argv[i]);
            return 2;
        }
        fclose(f);
        check_varints(argv[i], b, n);
        check_counts(argv[i], b, n);
        check_utf8(b, n);
        check_clamp(argv[i], n);
        free(b);
        files++;
    }
    printf("check_host: %d inputs, %d disagreements\n", files, failures);
    return failures ? 1 : 0;
}
