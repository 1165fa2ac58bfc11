#!/usr/bin/env bash
# Build MicroPython firmware for one of boards/*, with lib/buffa frozen in.
#
#   tools/firmware.sh BOARD
#
# QEMU_MICROBIT, QEMU_MPS2_AN385: MicroPython v1.25.0's ports/qemu, from
#   $MICROPY_DIR or the Debian source package (fetched into deps/); output in
#   build/firmware/BOARD/firmware.elf.
# ESP32_GENERIC: $MICROPY_DIR (an upstream checkout, `make -C mpy-cross` and
#   `make -C ports/esp32 submodules` done) with ESP-IDF set up (IDF_PATH).
# RPI_PICO_W: $MICROPY_DIR with `make -C ports/rp2 BOARD=RPI_PICO_W submodules` done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
board="${1:?usage: firmware.sh BOARD}"
board_dir="$root/boards/$board"
[ -d "$board_dir" ] || { echo "firmware: no board folder boards/$board" >&2; exit 2; }
build="${BUFFA_BUILD:-$root/build}/firmware/$board"
# BUFFA_ACCEL=0|1: the firmware without or with the C accelerator
# (natmod/buffa_accel; the QEMU boards' mpconfigboard.mk has the default,
# ESP32_GENERIC and RPI_PICO_W compile it in unless BUFFA_ACCEL=0, read by
# their mpconfigboard.cmake), in a build directory of its own so that the
# two never mix.
if [ -n "${BUFFA_ACCEL:-}" ]; then build="$build-accel$BUFFA_ACCEL"; fi
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
# Freeze only our own code: an empty stand-in for micropython-lib.
mpy_lib="${MPY_LIB_DIR:-$root/tools/mpy-lib-stub}"

# One build at a time per board (several test runs may share a work tree).
mkdir -p "$(dirname "$build")"
exec 9>"$build.lock"
flock 9

case "$board" in
  QEMU_*)
    src=$("$root/tools/bootstrap.sh" mpsrc)
    # make tracks sources, not compiler flags: a changed board configuration
    # (mpconfigboard.mk sets CFLAGS) starts the build over. So does a change
    # in the names the C module interns: the qstr collection re-reads only
    # sources newer than its last run, and the natmod sources reach the
    # firmware through the boards' wrapper files (boards/qemu-cmodules),
    # which do not change, so a new MP_QSTR_ there went unseen.
    stamp=$( (cat "$board_dir/mpconfigboard.mk"; grep -oh 'MP_QSTR_[A-Za-z0-9_]*' "$root"/natmod/buffa_accel/*.c | sort -u) \
      | md5sum | cut -d' ' -f1)
    if [ -d "$build" ] && [ "$(cat "$build/.board-config" 2>/dev/null)" != "$stamp" ]; then
      rm -rf "$build"
    fi
    mkdir -p "$build"
    echo "$stamp" > "$build/.board-config"
    make -s -C "$src/mpy-cross" -j"$jobs" >&2
    make -s -C "$src/ports/qemu" BOARD="$board" BOARD_DIR="$board_dir" BUILD="$build" \
      MPY_LIB_DIR="$mpy_lib" -j"$jobs" >&2
    echo "$build/firmware.elf"
    ;;
  ESP32_GENERIC)
    : "${MICROPY_DIR:?set MICROPY_DIR to an upstream MicroPython checkout (v1.25.0)}"
    : "${IDF_PATH:?set up ESP-IDF first (. \$IDF_PATH/export.sh)}"
    make -C "$MICROPY_DIR/mpy-cross" -j"$jobs" >&2
    make -C "$MICROPY_DIR/ports/esp32" BOARD_DIR="$board_dir" BUILD="$build" -j"$jobs" >&2
    echo "$build/firmware.bin"
    ;;
  RPI_PICO_W)
    : "${MICROPY_DIR:?set MICROPY_DIR to an upstream MicroPython checkout (v1.25.0)}"
    make -C "$MICROPY_DIR/mpy-cross" -j"$jobs" >&2
    make -C "$MICROPY_DIR/ports/rp2" BOARD_DIR="$board_dir" BUILD="$build" -j"$jobs" >&2
    echo "$build/firmware.uf2"
    ;;
  *) echo "firmware: don't know how to build $board" >&2; exit 2 ;;
esac
