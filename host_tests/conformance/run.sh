#!/usr/bin/env bash
# Run Google's conformance suite against the CPython and MicroPython testees.
# No failure list: any failure fails the run.
# Env: CONFORMANCE_RUNNER (default: ../shared/tools/conformance-runner beside
# the repo), TESTEES (default: "cpython micropython", and circuitpython once
# `make circuitpython` has built it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runner=${CONFORMANCE_RUNNER:-$root/../shared/tools/conformance-runner}
default="cpython micropython"
[ -x "${CIRCUITPYTHON_DIR:-${BUFFA_BUILD:-$root/build}/circuitpython}/circuitpython" ] && default="$default circuitpython"
status=0
for t in ${TESTEES:-$default}; do
  log=$(mktemp)
  "$runner" --enforce_recommended --maximum_edition 2023 "$here/testee-$t" >"$log" 2>&1
  rc=$?
  summary=$(grep "CONFORMANCE SUITE" "$log" | head -1)
  echo "conformance[$t]: ${summary:-runner exited $rc}"
  if [ $rc -ne 0 ]; then
    grep -E "^(ERROR|WARNING), test=|^F[0-9]" "$log" | cut -c1-300 | head -20
    status=1
  fi
  rm -f "$log"
done
exit $status
