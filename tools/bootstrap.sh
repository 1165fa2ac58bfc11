#!/usr/bin/env bash
# Set up a fresh machine for building and testing buffa. Idempotent.
#
#   tools/bootstrap.sh apt     Debian packages: Arm cross compiler + newlib, QEMU, host gcc/make,
#                              dpkg-dev (for fetching the MicroPython source), python3-venv,
#                              chromium + chromium-driver (the collector page's browser test),
#                              cmake (checks the ESP32 and Pico board folders)
#   tools/bootstrap.sh venv    .venv with the pinned PyPI packages (tools/requirements.txt)
#   tools/bootstrap.sh mpsrc   print the MicroPython source dir: $MICROPY_DIR, or fetch v1.25.0
#   tools/bootstrap.sh all     apt + venv
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${VENV:-$root/.venv}"
python="${PYTHON:-python3}"

# Debian packages and a command that shows each is installed.
apt_pkgs=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc make dpkg-dev python3-venv openssl
          chromium chromium-driver cmake)

need_apt() {
  local missing=()
  for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "bootstrap: missing ${missing[*]} and no apt-get: install them by hand" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root (or sudo) to install ${missing[*]}" >&2; return 1; }
    sudo="sudo -n"
  fi
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Everything the tests use: the host tools, the Connect interop servers
# (connect-python) and the telemetry collector (the demo's end-to-end tests).
req_files=("$root/tools/requirements.txt" "$root/host_tests/connect/requirements.txt"
           "$root/tools/collector/requirements.txt")
# npm projects: the connect-node interop server, and the buf CLI (the test
# that runs `buf generate` with the pip-installed plugin)
node_dirs=("$root/host_tests/connect/servers" "$root/tools/buf")

need_venv() {
  local stamp="$venv/.buffa-requirements"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cat "${req_files[@]}" | cmp -s "$stamp" -; then
    need_node
    return 0
  fi
  if [ ! -x "$venv/bin/python" ]; then
    echo "bootstrap: creating $venv" >&2
    "$python" -m venv "$venv"
  fi
  echo "bootstrap: installing PyPI packages (${req_files[*]#"$root/"})" >&2
  local args=()
  for r in "${req_files[@]}"; do args+=(-r "$r"); done
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}" >&2
  cat "${req_files[@]}" > "$stamp"
  need_node
}

need_node() {
  # npm packages, from each project's lock file. Without Node the
  # connect-node interop and buf tests report a skip, with the reason.
  local node_dir
  for node_dir in "${node_dirs[@]}"; do
    [ -d "$node_dir/node_modules" ] && [ "$node_dir/node_modules/.package-lock.json" -nt "$node_dir/package-lock.json" ] && continue
    if ! command -v npm >/dev/null; then
      echo "bootstrap: no npm: the connect-node interop and buf tests will be skipped" >&2
      return 0
    fi
    echo "bootstrap: installing npm packages (${node_dir#"$root/"})" >&2
    (cd "$node_dir" && npm ci --silent --no-audit --no-fund >&2)
  done
}

mpsrc() {
  if [ -n "${MICROPY_DIR:-}" ]; then
    [ -f "$MICROPY_DIR/py/mpconfig.h" ] || { echo "bootstrap: MICROPY_DIR=$MICROPY_DIR is not a MicroPython source tree" >&2; return 1; }
    (cd "$MICROPY_DIR" && pwd)
  else
    "$root/tools/fetch-micropython.sh" "$root/deps"
  fi
}

case "${1:-all}" in
  apt) need_apt ;;
  venv) need_venv ;;
  mpsrc) mpsrc ;;
  all) need_apt; need_venv ;;
  *) echo "usage: $0 apt|venv|mpsrc|all" >&2; exit 2 ;;
esac
