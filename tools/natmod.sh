#!/usr/bin/env bash
# Build the C accelerator (natmod/buffa_accel) as a native module for one arch.
#
#   tools/natmod.sh ARCH      (x64, x86, armv6m, armv7m, armv7emsp, armv7emdp, xtensawin)
#
# Prints the path of the .mpy: build/natmod/ARCH/buffa_accel.mpy. Needs the
# MicroPython source (tools/bootstrap.sh mpsrc), pyelftools, and the arch's C
# compiler: gcc for x64 and x86, arm-none-eabi-gcc for the arm archs,
# xtensa-esp32-elf-gcc (ESP-IDF) for xtensawin.
#   tools/natmod.sh --check ARCH
#
# --check compiles the C sources as for ARCH (its float support and 32-bit
# configuration; -Werror with the warnings the unix port builds C modules
# with, -Wextra among them) with arm-none-eabi-gcc standing in for the
# arch's compiler, and links nothing: what can be checked here of an arch
# whose compiler this machine lacks (xtensawin, whose gcc comes with
# ESP-IDF). Both are 32-bit little-endian; the arch's own compiler may still
# warn otherwise or need a runtime helper the stand-in inlines.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi
arch="${1:?usage: natmod.sh [--check] ARCH}"
out="${BUFFA_BUILD:-$root/build}/natmod/$arch${check:+-check}"
src=$("$root/tools/bootstrap.sh" mpsrc)
mkdir -p "$out"
# One build at a time per arch (test groups running side by side share it).
exec 9>"$out.lock"
flock 9
if [ -n "$check" ]; then
    rm -rf "$out/obj"
    make -s -C "$out" -f "$root/natmod/buffa_accel/Makefile" MPY_DIR="$src" ARCH="$arch" BUILD=obj \
        CROSS=arm-none-eabi- obj/buffa_accel.o obj/table_decode.o obj/table_encode.o \
        CHECK_WARNINGS="-Wextra -Wno-unused-parameter -Wpointer-arith -Wdouble-promotion -Wfloat-conversion" >&2
    echo "$out/obj"
    exit 0
fi
make -s -C "$out" -f "$root/natmod/buffa_accel/Makefile" MPY_DIR="$src" ARCH="$arch" BUILD=obj >&2
echo "$out/buffa_accel.mpy"
