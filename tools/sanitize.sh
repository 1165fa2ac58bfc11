#!/usr/bin/env bash
# The C accelerator under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   tools/sanitize.sh
#
# A native module (.mpy) cannot carry the sanitizer runtime: it is a
# position-independent blob linked by MicroPython's mpy_ld.py, without libc.
# So this builds the unix port (MicroPython v1.25.0, tools/bootstrap.sh
# mpsrc) with the same source, natmod/buffa_accel/buffa_accel.c, compiled in
# as a user C module and everything built with -fsanitize=address,undefined,
# into build/unix-sanitize/micropython. Then it runs, through the C path
# (buffa.wire.ACCEL is checked): every binary fuzz input of host_tests/fuzz
# with the fuzz targets' oracles, and host_tests/accel/test_accel_helpers.py.
# Any sanitizer report fails the run. Takes a few minutes the first time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=$("$root/tools/bootstrap.sh" mpsrc)
build="${BUFFA_BUILD:-$root/build}/unix-sanitize"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
make -s -C "$src/mpy-cross" -j"$jobs" >&2
# FFI, btree, TLS and the frozen micropython-lib modules need what the
# fetched source leaves out; the accelerator needs none of them.
make -s -C "$src/ports/unix" BUILD="$build" USER_C_MODULES="$root/natmod" \
  MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MICROPY_SSL_AXTLS=0 FROZEN_MANIFEST= \
  CFLAGS_EXTRA="$san" LDFLAGS_EXTRA="$san" -j"$jobs" >&2
exe="$build/micropython"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"$exe" -X heapsize=64M -c "
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
import test_accel_helpers as t
for k in sorted(dir(t)):
    if k.startswith('test_'):
        getattr(t, k)()
        print('sanitize: test_accel_helpers.' + k, 'passed')
"
