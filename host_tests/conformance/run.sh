#!/usr/bin/env bash
# Run Google's conformance suite against the CPython and MicroPython testees.
# No failure list but for the QEMU boards (rule: tools/conformance_failures.py):
# any other failure fails the run.
# Env: CONFORMANCE_RUNNER (default: tools/conformance-runner, which gets the
# pinned runner itself), TESTEES (default: "cpython micropython cpython-view
# micropython-view", and circuitpython once `make circuitpython` has built
# it; the -view testees answer binary input through Message.view();
# qemu-mps2 and qemu-microbit run buffa on a QEMU board, testee_board.py),
# CONFORMANCE_JOBS (testees run at once; default: the
# number of CPUs). Each testee's summary line is printed in TESTEES order.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runner=${CONFORMANCE_RUNNER:-$root/tools/conformance-runner}
jobs=${CONFORMANCE_JOBS:-$(nproc 2>/dev/null || echo 2)}
default="cpython micropython cpython-view micropython-view"
[ -x "${CIRCUITPYTHON_DIR:-${BUFFA_BUILD:-$root/build}/circuitpython}/circuitpython" ] && default="$default circuitpython"
testees=(${TESTEES:-$default})
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_one() {  # testee -> $logs/testee.log and $logs/testee.rc
  # A QEMU board's testee has a failure list (failures-TESTEE.txt, made by
  # tools/conformance_failures.py); no other testee has one.
  local list=()
  [ -f "$here/failures-$1.txt" ] && list=(--failure_list "$here/failures-$1.txt")
  "$runner" --enforce_recommended --maximum_edition 2023 "${list[@]}" "$here/testee-$1" >"$logs/$1.log" 2>&1
  echo $? >"$logs/$1.rc"
}

running=0
for t in "${testees[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
  run_one "$t" &
  running=$((running + 1))
done
wait

status=0
for t in "${testees[@]}"; do
  log=$logs/$t.log
  rc=$(cat "$logs/$t.rc" 2>/dev/null || echo 1)
  summary=$(grep "CONFORMANCE SUITE" "$log" | head -1)
  echo "conformance[$t]: ${summary:-runner exited $rc}"
  if [ "$rc" -ne 0 ]; then
    grep -E "^(ERROR|WARNING), test=|^F[0-9]" "$log" | cut -c1-300 | head -20
    [ -n "$summary" ] || tail -5 "$log"
    status=1
  fi
done
exit $status
