#!/usr/bin/env bash
# Build the C accelerator (natmod/buffa_accel) as a native module for one arch.
#
#   tools/natmod.sh ARCH      (x64, x86, armv6m, armv7m, armv7emsp, armv7emdp, xtensawin)
#
# Prints the path of the .mpy: build/natmod/ARCH/buffa_accel.mpy. Needs the
# MicroPython source (tools/bootstrap.sh mpsrc), pyelftools, and the arch's C
# compiler: gcc for x64 and x86, arm-none-eabi-gcc for the arm archs,
# xtensa-esp32-elf-gcc (ESP-IDF) for xtensawin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
arch="${1:?usage: natmod.sh ARCH}"
out="${BUFFA_BUILD:-$root/build}/natmod/$arch"
src=$("$root/tools/bootstrap.sh" mpsrc)
mkdir -p "$out"
# One build at a time per arch (test groups running side by side share it).
exec 9>"$out.lock"
flock 9
make -s -C "$out" -f "$root/natmod/buffa_accel/Makefile" MPY_DIR="$src" ARCH="$arch" BUILD=obj >&2
echo "$out/buffa_accel.mpy"
