#!/usr/bin/env bash
# Build the CircuitPython unix port the circuitpython test runtimes run on.
#
#   tools/circuitpython.sh OUTDIR      -> OUTDIR/circuitpython, OUTDIR/mpy-cross, OUTDIR/lib/
#
# From CIRCUITPY_DIR (an upstream adafruit/circuitpython checkout with its
# submodules) when set, else from the build kit in ../shared/tools/circuitpython-unix
# beside the repository (CircuitPython 10.1.0 plus MicroPython's socket module).
# Without either it says so and exits 0: the runtimes then report every test as
# skipped, with the reason. Nothing is rebuilt while OUTDIR has both programs.
# OUTDIR/lib gets the CircuitPython libraries of tools/circuitpython-requirements.txt.
set -euo pipefail
out="${1:?usage: circuitpython.sh OUTDIR}"
root=$(cd "$(dirname "$0")/.." && pwd)
kit="$root/../shared/tools/circuitpython-unix"
py="${PYTHON:-$root/.venv/bin/python}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ ! -x "$out/circuitpython" ] || [ ! -x "$out/mpy-cross" ]; then
  if [ -n "${CIRCUITPY_DIR:-}" ]; then
    [ -f "$CIRCUITPY_DIR/py/circuitpy_mpconfig.h" ] || { echo "circuitpython: CIRCUITPY_DIR=$CIRCUITPY_DIR is not a CircuitPython checkout" >&2; exit 1; }
    variant="${CIRCUITPY_VARIANT:-coverage}"
    echo "circuitpython: building ports/unix (VARIANT=$variant) and mpy-cross in $CIRCUITPY_DIR" >&2
    make -C "$CIRCUITPY_DIR/ports/unix" -j"${JOBS:-2}" VARIANT="$variant" >&2
    make -C "$CIRCUITPY_DIR/mpy-cross" -j"${JOBS:-2}" >&2
    cp "$CIRCUITPY_DIR/ports/unix/build-$variant/micropython" "$out/circuitpython"
    cp "$CIRCUITPY_DIR/mpy-cross/build/mpy-cross" "$out/mpy-cross"
  elif [ -x "$kit/build.sh" ]; then
    echo "circuitpython: building from ../shared/tools/circuitpython-unix (about a minute)" >&2
    log="$out/build.log"
    if ! JOBS="${JOBS:-2}" "$kit/build.sh" "$out" >"$log" 2>&1; then
      tail -30 "$log" >&2
      echo "circuitpython: the build failed (whole log: $log)" >&2
      exit 1
    fi
  else
    echo "circuitpython: no CIRCUITPY_DIR and no ../shared/tools/circuitpython-unix: the circuitpython runtimes will be skipped" >&2
    exit 0
  fi
fi

req="$root/tools/circuitpython-requirements.txt"
if ! cmp -s "$req" "$out/lib/.requirements" 2>/dev/null; then
  echo "circuitpython: installing $(grep -c '^[a-z]' "$req") CircuitPython libraries into $out/lib" >&2
  rm -rf "$out/lib"
  "$py" -m pip install -q --disable-pip-version-check --no-deps --no-compile --target "$out/lib" -r "$req" >&2
  cp "$req" "$out/lib/.requirements"
fi
