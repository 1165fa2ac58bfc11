#!/usr/bin/env bash
# The C accelerator under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   tools/sanitize.sh          the host harness (seconds)
#   tools/sanitize.sh --unix   and the unix port with the module compiled in (minutes)
#
# A native module (.mpy) cannot carry the sanitizer runtime: it is a
# position-independent blob linked by MicroPython's mpy_ld.py, without libc.
# So, first, natmod/buffa_accel/check_host.c compiles the module's byte-level
# core (buffa_wire.h: varints, strict UTF-8, slice bounds) for the host with
# -fsanitize=address,undefined and runs every fuzz input (host_tests/fuzz)
# through it from exact-size heap buffers, where a read one byte past the end
# is reported. That is where reads past a buffer would happen: MicroPython's
# bytes live inside its own GC heap, which AddressSanitizer sees as one block.
#
# With --unix, it also builds MicroPython v1.25.0's unix port with
# natmod/buffa_accel compiled in as a user C module, everything sanitized,
# into build/unix-sanitize/micropython, and runs through the C path
# (buffa.wire.ACCEL is checked) every binary fuzz input with the fuzz
# targets' oracles, host_tests/accel/test_accel_helpers.py and
# test_accel_table.py and test_accel_table_encode.py (the table decoder and
# encoder against the Python code) and test_accel_encode_scalars.py. Three of
# UBSan's checks are off there, for what MicroPython v1.25's own code does:
# nonnull-attribute (py/objarray.c:192 passes NULL to memcpy with a length
# of 0 when it copies an empty array), shift-base and signed-integer-overflow
# (py/mpz.c:1115, `(1 << n_part) - 1` with n_part 31, in a right shift of a
# negative big int). The host harness keeps all three.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="${BUFFA_BUILD:-$root/build}"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
export ASAN_OPTIONS="abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$out"
${CC:-gcc} -std=c99 -O1 -g -Wall -Werror $san -o "$out/check_host" "$root/natmod/buffa_accel/check_host.c"
find "$root/host_tests/fuzz/corpus" "$root/host_tests/fuzz/regressions" -type f -print0 | sort -z |
  xargs -0 "$out/check_host"
[ "${1:-}" = "--unix" ] || exit 0

src=$("$root/tools/bootstrap.sh" mpsrc)
build="$out/unix-sanitize"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
make -s -C "$src/mpy-cross" -j"$jobs" >&2
# FFI, btree, TLS and the frozen micropython-lib modules need what the
# fetched source leaves out; the accelerator needs none of them.
make -s -C "$src/ports/unix" BUILD="$build" USER_C_MODULES="$root/natmod" \
  MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MICROPY_SSL_AXTLS=0 FROZEN_MANIFEST= \
  CFLAGS_EXTRA="$san -fno-sanitize=nonnull-attribute,shift-base,signed-integer-overflow" LDFLAGS_EXTRA="$san" -j"$jobs" >&2
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
"$build/micropython" -X heapsize=64M -c "
import sys
sys.path[:0] = ['$root/host_tests/fuzz', '$root/host_tests/accel', '$root/host_tests', '$root/lib']
import os, targets
from buffa import wire
assert wire.ACCEL, 'buffa_accel is not in this build'
n = 0
for sub in ('corpus', 'regressions'):
    d = '$root/host_tests/fuzz/' + sub + '/binary'
    try:
        names = sorted(os.listdir(d))
    except OSError:
        continue
    for name in names:
        with open(d + '/' + name, 'rb') as f:
            targets.binary(f.read())
        n += 1
print('sanitize: %d binary fuzz inputs through the C path' % n)
for mod in ('test_accel_helpers', 'test_accel_table', 'test_accel_table_encode', 'test_accel_encode_scalars'):
    t = __import__(mod)
    for k in sorted(dir(t)):
        if k.startswith('test_'):
            getattr(t, k)()
            print('sanitize: %s.%s passed' % (mod, k))
"
